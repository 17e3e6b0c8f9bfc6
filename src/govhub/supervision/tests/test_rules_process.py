"""Process rules: each fires on a crafted case and clears when the case is put right;
the evaluation is idempotent by event and runs after each transition."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from django.utils import timezone

from govhub.cases import services as case_services
from govhub.cases.models import (
    Case,
    CaseEvent,
    CaseFee,
    CaseMaterial,
    CaseStep,
    Channel,
    SupplementRequest,
)
from govhub.cases.tests.factories import (
    CaseFactory,
    application_form,
    make_online_item,
    pdf_upload,
    staff_member,
    submit_case,
)
from govhub.cases.workflow import Action, Decision, State
from govhub.organizations.models import Position
from govhub.supervision.models import Alert, ProcessCheck, Rule
from govhub.supervision.process_check import case_process_check, cases_process_check
from govhub.supervision.tests.factories import rule

pytestmark = pytest.mark.django_db
Role = Position.Role
NOW = datetime.datetime(2026, 11, 20, 2, 0, tzinfo=datetime.UTC)


def alert(case: Case, code: str) -> Alert | None:
    return Alert.objects.filter(case=case, rule__code=code).first()


def active(case: Case) -> set[str]:
    return set(
        Alert.objects.filter(case=case, cause_active=True).values_list("rule__code", flat=True)
    )


def check(case: Case) -> dict[str, int]:
    return case_process_check(case_id=case.pk, today=datetime.date(2026, 11, 20))


def accepted_case(**fields: Any) -> Case:
    """A case accepted directly, with every required material present."""
    item = fields.pop("item", None) or make_online_item()
    fields.setdefault("state", State.UNDER_REVIEW)
    fields.setdefault("accepted_on", datetime.date(2026, 11, 2))
    fields.setdefault("promised_due", datetime.date(2026, 12, 31))
    case = CaseFactory(item=item, **fields)
    for material in case.version.materials.all():
        CaseMaterial.objects.create(
            case=case, material=material, name=material.name, source=CaseMaterial.Source.UPLOAD
        )
    return case


# --- process.missing_material -----------------------------------------------------------------


def test_missing_material_fires_on_an_accepted_case_and_clears_when_supplied() -> None:
    case = accepted_case()
    form = application_form(case.item)
    CaseMaterial.objects.filter(case=case, material=form).update(is_current=False)
    check(case)
    found = alert(case, "process.missing_material")
    assert found is not None and found.detail == {"materials": [form.name]}
    CaseMaterial.objects.create(
        case=case, material=form, name=form.name, source=CaseMaterial.Source.PAPER
    )
    check(case)
    found.refresh_from_db()
    assert (found.state, found.closed_reason) == ("closed", "cured")


def test_material_taken_from_source_counts_as_held() -> None:
    case = accepted_case()
    CaseMaterial.objects.filter(case=case).update(source=CaseMaterial.Source.GOVERNMENT)
    check(case)
    assert "process.missing_material" not in active(case)


def test_missing_material_before_acceptance_is_not_a_violation() -> None:
    case = accepted_case(state=State.SUBMITTED, accepted_on=None)
    CaseMaterial.objects.filter(case=case).delete()
    check(case)
    assert "process.missing_material" not in active(case)


# --- process.step_order -----------------------------------------------------------------------


def _steps(case: Case) -> tuple[CaseStep, CaseStep, CaseStep]:
    first = CaseStep.objects.create(
        case=case,
        position=1,
        name="初审",
        kind="review",
        role="reviewer",
        department=case.department,
    )
    second = CaseStep.objects.create(
        case=case,
        position=2,
        name="复审",
        kind="review",
        role="reviewer",
        department=case.department,
    )
    decision = CaseStep.objects.create(
        case=case,
        position=3,
        name="决定",
        kind="decision",
        role="approver",
        department=case.department,
    )
    return first, second, decision


def test_a_later_step_finished_before_an_earlier_one_is_out_of_order() -> None:
    case = accepted_case()
    first, second, _decision = _steps(case)
    CaseStep.objects.filter(pk=second.pk).update(finished_at=NOW, opinion="同意")
    check(case)
    found = alert(case, "process.step_order")
    assert found is not None
    assert found.detail["problems"][0] == {"step": "复审", "before": "初审", "kind": "out_of_order"}
    CaseStep.objects.filter(pk=first.pk).update(
        finished_at=NOW - datetime.timedelta(hours=1), opinion="同意"
    )
    check(case)
    assert "process.step_order" not in active(case)


def test_a_decision_with_a_review_step_still_open_skipped_it() -> None:
    case = accepted_case(
        state=State.DECIDED, decision=Decision.APPROVED, decision_reason="符合条件"
    )
    first, _second, decision = _steps(case)
    CaseStep.objects.filter(pk__in=[first.pk, decision.pk]).update(finished_at=NOW, opinion="同意")
    check(case)
    problems = alert(case, "process.step_order").detail["problems"]
    assert {"step": "复审", "kind": "skipped"} in problems


def test_steps_in_order_are_fine() -> None:
    case = accepted_case()
    first, second, _decision = _steps(case)
    CaseStep.objects.filter(pk=first.pk).update(finished_at=NOW, opinion="同意")
    CaseStep.objects.filter(pk=second.pk).update(
        finished_at=NOW + datetime.timedelta(hours=1), opinion="同意"
    )
    check(case)
    assert "process.step_order" not in active(case)


# --- process.decision_without_opinion ---------------------------------------------------------


def test_decision_without_opinion_fires_and_clears() -> None:
    case = accepted_case(state=State.DECIDED, decision=Decision.APPROVED, decision_reason="")
    check(case)
    assert alert(case, "process.decision_without_opinion").detail == {"steps": [], "decision": True}
    Case.objects.filter(pk=case.pk).update(decision_reason="经审查符合法定条件。")
    check(case)
    assert "process.decision_without_opinion" not in active(case)


def test_a_finished_step_without_an_opinion_fires() -> None:
    case = accepted_case()
    first, _second, _decision = _steps(case)
    CaseStep.objects.filter(pk=first.pk).update(finished_at=NOW, opinion=" ")
    check(case)
    assert alert(case, "process.decision_without_opinion").detail["steps"] == ["初审"]


# --- process.refusal_without_reasons ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "lacking"),
    [
        ({"state": State.NOT_ACCEPTED, "outcome_reason": "", "remedy": "可申请复议"}, ["reason"]),
        (
            {"state": State.NOT_ACCEPTED, "outcome_reason": "不属于职权", "remedy": ""},
            ["legal_notice"],
        ),
        (
            {
                "state": State.DECIDED,
                "decision": Decision.REFUSED,
                "decision_reason": "不符合",
                "remedy": "",
            },
            ["remedy"],
        ),
        (
            {
                "state": State.DECIDED,
                "decision": Decision.REFUSED,
                "decision_reason": "",
                "remedy": "复议",
            },
            ["reason"],
        ),
    ],
)
def test_refusal_without_reasons(fields: dict[str, Any], lacking: list[str]) -> None:
    case = accepted_case(**fields)
    check(case)
    assert alert(case, "process.refusal_without_reasons").detail["lacking"] == lacking
    Case.objects.filter(pk=case.pk).update(
        outcome_reason="不属于本机关职权。",
        decision_reason="不符合条件。",
        remedy="可申请行政复议。",
    )
    check(case)
    assert "process.refusal_without_reasons" not in active(case)


def test_refusals_through_the_services_carry_their_reasons() -> None:
    """The case services require reasons, so a real refusal raises nothing."""
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    case = case_services.case_reject_intake(
        actor=clerk,
        case=submit_case(item=item),
        reason="不属于本部门职权",
        legal_notice="请向民政局申请。",
    )
    check(case)
    assert active(case) == set()


# --- process.second_supplement ----------------------------------------------------------------


def test_second_supplement_request_through_the_services() -> None:
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    case = submit_case(item=item)
    form = application_form(item)
    ask = [{"material_id": form.pk, "reason": "复印件不清晰"}]
    case_services.case_request_supplement(actor=clerk, case=case, items=ask)
    check(case)
    assert "process.second_supplement" not in active(case)
    case = case_services.case_resubmit(
        actor=case.applicant, case=case, files={form.pk: pdf_upload()}
    )
    case_services.case_request_supplement(actor=clerk, case=case, items=ask)
    check(case)
    found = alert(case, "process.second_supplement")
    assert found is not None and found.level == "yellow" and found.detail == {"requests": 2}


# --- process.offline_handling -----------------------------------------------------------------


def fully_online_item() -> Any:
    return make_online_item(
        handling_forms=["online", "window"], online_depth=[1, 2, 3, 4, 5, 6], visits_required=0
    )


def test_paper_original_for_a_fully_online_item() -> None:
    case = accepted_case(item=fully_online_item(), channel=Channel.WINDOW)
    check(case)
    assert "process.offline_handling" not in active(case)  # scanned at the window: fine
    CaseMaterial.objects.filter(case=case).update(source=CaseMaterial.Source.PAPER)
    check(case)
    assert alert(case, "process.offline_handling").detail == {
        "channel": "window",
        "paper_material": True,
    }
    CaseMaterial.objects.filter(case=case).update(source=CaseMaterial.Source.UPLOAD)
    check(case)
    assert "process.offline_handling" not in active(case)


def test_posted_application_for_a_fully_online_item_and_the_channel_parameter() -> None:
    posted = accepted_case(item=fully_online_item(), channel=Channel.POST)
    window = accepted_case(item=fully_online_item(), channel=Channel.WINDOW)
    not_online = accepted_case(channel=Channel.POST)  # item needs a visit: not fully online
    row = rule("process.offline_handling")
    row.params = {"paper_channels": ["post", "window"]}
    row.save()
    for case in (posted, window, not_online):
        check(case)
    assert "process.offline_handling" in active(posted)
    assert "process.offline_handling" in active(window)
    assert "process.offline_handling" not in active(not_online)


# --- process.fee_mismatch ---------------------------------------------------------------------

ID_CARD_FEE = "居民身份证工本费"
FEE_LINES = [
    {"name": ID_CARD_FEE, "standard": "每证20元", "amount": "20.00", "basis": "", "reductions": ""},
    {"name": "证书工本费", "standard": "10元", "basis": "", "reductions": ""},
    {"name": "加急制证费", "standard": "按实际情况收取", "basis": "", "reductions": ""},
]


def issued_case(*, charged: bool = True, **fields: Any) -> Case:
    item = make_online_item(charged=charged, fee_lines=FEE_LINES if charged else [])
    fields.setdefault("state", State.ISSUED)
    fields.setdefault("decision", Decision.APPROVED)
    fields.setdefault("decision_reason", "符合条件")
    return accepted_case(item=item, **fields)


def fee(case: Case, name: str, amount: str, catalogue_name: str = "") -> CaseFee:
    return CaseFee.objects.create(
        case=case, name=name, amount=decimal.Decimal(amount), catalogue_name=catalogue_name
    )


def test_fees_matching_the_catalogue_are_fine() -> None:
    case = issued_case()
    fee(case, ID_CARD_FEE, "20.00", ID_CARD_FEE)
    fee(case, " 证书 工本费", "10")  # whitespace aside, the catalogue's name
    fee(case, "加急制证费", "500")  # its standard has no amount: cannot compare
    fee(case, "复印费", "0")  # recorded at 0: nothing charged
    check(case)
    assert "process.fee_mismatch" not in active(case)


def test_a_fee_on_an_item_that_is_not_charged_fires_and_clears_when_corrected() -> None:
    case = issued_case(charged=False)
    wrong = fee(case, ID_CARD_FEE, "20")
    check(case)
    found = alert(case, "process.fee_mismatch")
    assert found is not None and found.level == "red" and found.state == "raised"
    assert found.detail == {
        "fees": [{"name": ID_CARD_FEE, "amount": "20.00", "reason": "not_charged"}]
    }
    CaseFee.objects.filter(pk=wrong.pk).update(amount=decimal.Decimal("0"))
    check(case)
    found.refresh_from_db()
    assert (found.state, found.closed_reason, found.cause_active) == ("closed", "cured", False)


def test_a_fee_not_in_the_catalogue_fires_and_clears_when_removed() -> None:
    case = issued_case()
    fee(case, ID_CARD_FEE, "20", ID_CARD_FEE)
    extra = fee(case, "快递费", "12.5")
    check(case)
    found = alert(case, "process.fee_mismatch")
    assert found is not None
    assert found.detail == {
        "fees": [{"name": "快递费", "amount": "12.50", "reason": "not_in_catalogue"}]
    }
    CaseFee.objects.filter(pk=extra.pk).delete()
    check(case)
    found.refresh_from_db()
    assert (found.state, found.closed_reason) == ("closed", "cured")


def test_a_fee_above_the_standard_fires_and_clears_when_corrected() -> None:
    case = issued_case()
    high = fee(case, ID_CARD_FEE, "25", ID_CARD_FEE)
    bare = fee(case, "证书工本费", "10.01")  # above the bare amount of its standard ("10元")
    check(case)
    found = alert(case, "process.fee_mismatch")
    assert found is not None
    assert found.detail == {
        "fees": [
            {
                "name": ID_CARD_FEE,
                "amount": "25.00",
                "reason": "above_standard",
                "catalogue_name": ID_CARD_FEE,
                "standard": "20.00",
            },
            {
                "name": "证书工本费",
                "amount": "10.01",
                "reason": "above_standard",
                "catalogue_name": "证书工本费",
                "standard": "10.00",
            },
        ]
    }
    CaseFee.objects.filter(pk=bare.pk).update(amount=decimal.Decimal("10"))
    check(case)
    found.refresh_from_db()
    assert found.state == "raised" and [f["name"] for f in found.detail["fees"]] == [ID_CARD_FEE]
    CaseFee.objects.filter(pk=high.pk).update(amount=decimal.Decimal("20"))
    check(case)
    found.refresh_from_db()
    assert (found.state, found.closed_reason) == ("closed", "cured")


def test_the_alert_page_says_what_is_wrong_with_each_fee() -> None:
    from govhub.supervision.views_alerts import _detail_lines

    case = issued_case()
    fee(case, ID_CARD_FEE, "25", ID_CARD_FEE)
    fee(case, "快递费", "12")
    check(case)
    found = alert(case, "process.fee_mismatch")
    assert found is not None
    assert [(str(label), text) for label, text in _detail_lines(found)] == [
        ("收费问题", f"“{ID_CARD_FEE}”收取 25.00 元，高于目录标准 20.00 元"),
        ("收费问题", "“快递费”收取 12.00 元，不在收费目录中"),
    ]


def test_fees_recorded_through_the_issue_service_are_checked(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    item = make_online_item(charged=True, fee_lines=FEE_LINES)
    department = item.department
    clerk = staff_member(Role.WINDOW_CLERK, department)
    case = case_services.case_accept(actor=clerk, case=submit_case(item=item))
    step = case.steps.get(kind=CaseStep.Kind.REVIEW)
    case_services.case_review(
        actor=staff_member(Role.REVIEWER, department),
        case=case,
        step=step,
        outcome="agree",
        opinion="同意",
    )
    case = case_services.case_decide(
        actor=staff_member(Role.APPROVER, department),
        case=case,
        decision=Decision.APPROVED,
        reason="准予",
    )
    case_services.case_issue(
        actor=clerk,
        case=case,
        file=pdf_upload("结果.pdf"),
        fees=[{"name": ID_CARD_FEE, "amount": "20"}, {"name": "咨询费", "amount": "50"}],
    )
    check(case)
    found = alert(case, "process.fee_mismatch")
    assert found is not None and found.detail == {
        "fees": [{"name": "咨询费", "amount": "50.00", "reason": "not_in_catalogue"}]
    }


# --- evaluation -------------------------------------------------------------------------------


def test_a_clean_case_raises_nothing_and_an_unknown_or_draft_case_is_ignored() -> None:
    case = accepted_case()
    assert check(case) == {}
    assert case_process_check(case_id=987654321) == {}
    draft = CaseFactory(state=State.DRAFT)
    assert case_process_check(case_id=draft.pk) == {}


def test_idempotent_by_event() -> None:
    case = accepted_case(state=State.DECIDED, decision=Decision.APPROVED, decision_reason="")
    assert case_process_check(case_id=case.pk, event_id=10)["raised"] == 1
    assert case_process_check(case_id=case.pk, event_id=10) == {"skipped": 1}
    assert case_process_check(case_id=case.pk, event_id=9) == {"skipped": 1}  # older, later
    assert ProcessCheck.objects.get(case=case).last_event_id == 10
    assert case_process_check(case_id=case.pk, event_id=11) == {}  # nothing new
    assert Alert.objects.filter(case=case).count() == 1


def test_many_cases_are_checked_at_once_each_for_its_latest_event() -> None:
    refused = accepted_case(state=State.DECIDED, decision=Decision.APPROVED, decision_reason="")
    seen = accepted_case(state=State.DECIDED, decision=Decision.APPROVED, decision_reason="")
    assert case_process_check(case_id=seen.pk, event_id=20)["raised"] == 1
    clean = accepted_case()
    twice = accepted_case(state=State.DECIDED, decision=Decision.APPROVED, decision_reason="")
    report = cases_process_check(
        checks=[(refused.pk, 5), (seen.pk, 20), (clean.pk, 6), (twice.pk, 7), (twice.pk, 8)]
    )
    assert report == {"raised": 2, "skipped": 1}
    assert active(refused) == active(twice) == {"process.decision_without_opinion"}
    assert active(clean) == set()
    assert ProcessCheck.objects.get(case=twice).last_event_id == 8
    assert cases_process_check(checks=[(refused.pk, 5), (twice.pk, 8)]) == {"skipped": 2}


def test_checking_many_cases_costs_the_statements_of_two() -> None:
    """Claims, cases, their facts, rules, alerts and each deadline rule: statements for
    the whole batch, not per case (a case that raises an alert adds its own writes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cases = [accepted_case() for _ in range(7)]
    checks = [(case.pk, 100 + n) for n, case in enumerate(cases)]
    assert cases_process_check(checks=checks[:1]) == {}  # the calendar is read once
    with CaptureQueriesContext(connection) as two:
        assert cases_process_check(checks=checks[1:3]) == {}
    with CaptureQueriesContext(connection) as four:
        assert cases_process_check(checks=checks[3:]) == {}
    assert len(four) == len(two) <= 30


def test_disabled_process_rule_is_not_evaluated() -> None:
    rule("process.decision_without_opinion")
    Rule.objects.filter(code="process.decision_without_opinion").update(enabled=False)
    case = accepted_case(state=State.DECIDED, decision=Decision.APPROVED, decision_reason="")
    check(case)
    assert active(case) == set()


def test_a_transition_queues_the_check_in_its_own_transaction() -> None:
    """One background task per transition (`core.events`), queued with the case's
    transaction; running it evaluates the case."""
    from django_tasks_db.models import DBTaskResult

    from govhub.core.testing import run_queued_tasks

    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    case = submit_case(item=item)
    DBTaskResult.objects.all().delete()
    case_services.case_accept(actor=clerk, case=case)
    event = CaseEvent.objects.filter(case=case, action=Action.ACCEPT).get()
    queued = DBTaskResult.objects.get(task_path="govhub.core.events.run_background_handlers")
    path, payload = queued.args_kwargs["args"]
    assert (path, payload["case_id"], payload["event_id"]) == (
        "govhub.cases.events.CaseTransitioned",
        case.pk,
        event.pk,
    )
    assert not ProcessCheck.objects.filter(case=case, last_event_id=event.pk).exists()
    run_queued_tasks()
    assert ProcessCheck.objects.get(case=case).last_event_id == event.pk


def test_the_task_evaluates_the_case() -> None:
    from govhub.supervision.tasks import supervision_case_check

    case = accepted_case(state=State.DECIDED, decision=Decision.APPROVED, decision_reason="")
    event = CaseEvent.objects.create(case=case, action=Action.DECIDE, opinion="")
    assert supervision_case_check.call(case.pk, event.pk)["raised"] == 1
    assert supervision_case_check.call(case.pk, event.pk) == {"skipped": 1}
    assert SupplementRequest.objects.count() == 0
    assert timezone.now()
