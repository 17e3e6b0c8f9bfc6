"""The standard process through the services: intake, handling, permissions, conflicts."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from govhub.cases import services
from govhub.cases.models import Case, CaseEvent, CaseMaterial, CaseStep, Channel
from govhub.cases.tests.factories import (
    application_form,
    form_for,
    make_online_item,
    pdf_upload,
    staff_member,
    submit_case,
)
from govhub.cases.workflow import Action, State
from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.core.models import AuditEvent
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory
from govhub.registries.models import RegistryLookup

pytestmark = pytest.mark.django_db
Role = Position.Role
D = datetime.date


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the platform's "today" (the working-day clock reads it)."""

    def set_day(day: datetime.date) -> None:
        monkeypatch.setattr("govhub.core.calendar.local_today", lambda: day)

    return set_day


@pytest.fixture
def team() -> dict[str, Any]:
    item = make_online_item()
    department = item.department
    return {
        "item": item,
        "clerk": staff_member(Role.WINDOW_CLERK, department),
        "reviewer": staff_member(Role.REVIEWER, department),
        "approver": staff_member(Role.APPROVER, department),
    }


def actions_of(case: Case) -> list[str]:
    return list(case.events.order_by("occurred_at", "id").values_list("action", flat=True))


# --- intake ---------------------------------------------------------------------------------


def test_online_submission_records_channel_number_materials_and_history() -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    case = submit_case(item=item, applicant=applicant)
    assert case.state == State.SUBMITTED
    assert case.channel == Channel.WEB
    assert re.fullmatch(rf"{item.region.code}-\d{{8}}-\d{{6}}", case.number or "")
    assert case.version_id == item.published_version_id
    assert case.applicant == applicant
    sources = dict(case.materials.values_list("name", "source"))
    assert sources["居民身份证"] == CaseMaterial.Source.GOVERNMENT  # not asked for again
    assert sources[application_form(item).name] == CaseMaterial.Source.UPLOAD
    assert actions_of(case) == [Action.SUBMIT]
    assert AuditEvent.objects.filter(action="cases.case.submit", object_id=str(case.pk)).exists()


def test_case_numbers_are_unique_and_sequential_per_region_and_day() -> None:
    item = make_online_item()
    numbers = [submit_case(item=item).number for _ in range(3)]
    assert len(set(numbers)) == 3
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]  # type: ignore[index]


def test_same_idempotency_key_creates_one_case() -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    first = submit_case(item=item, applicant=applicant, key="k-1")
    again = submit_case(item=item, applicant=applicant, key="k-1")
    assert again.pk == first.pk
    assert Case.objects.filter(applicant=applicant).count() == 1
    other = submit_case(item=item, applicant=applicant, key="k-2")
    assert other.pk != first.pk


def test_missing_required_material_names_it_and_saves_nothing() -> None:
    item = make_online_item()
    with pytest.raises(InvalidInput) as caught:
        submit_case(item=item, files={})
    assert application_form(item).name in str(caught.value.message)
    assert f"material.{application_form(item).pk}" in caught.value.fields
    assert not Case.objects.exists()


def test_schema_invalid_form_is_refused_with_field_errors() -> None:
    with pytest.raises(InvalidInput) as caught:
        submit_case(form_data={"applicant_name": "张三", "phone": "not a phone"})
    assert "form.phone" in caught.value.fields
    assert not Case.objects.exists()


def test_unverified_person_cannot_apply() -> None:
    from govhub.identity.tests.factories import PersonFactory

    with pytest.raises(Forbidden):
        submit_case(applicant=PersonFactory())


def test_item_not_online_cannot_be_applied_for_online() -> None:
    item = make_online_item(handling_forms=["window"])
    with pytest.raises(InvalidInput):
        submit_case(item=item)


def test_draft_saved_resumed_and_submitted() -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    draft = services.case_draft_save(actor=applicant, item=item)
    assert draft.state == State.DRAFT and draft.number is None
    # Prefilled from the verified account, with the source on record.
    assert draft.form_data.get("applicant_name") == applicant.full_name
    assert draft.prefill_sources.get("applicant_name")
    services.case_draft_save(actor=applicant, case=draft, form_data=form_for(applicant))
    services.case_material_upload(
        actor=applicant, case=draft, file=pdf_upload(), material=application_form(item)
    )
    case = services.case_submit(
        actor=applicant, channel=Channel.WEB, draft=draft, idempotency_key="d"
    )
    assert case.pk == draft.pk and case.state == State.SUBMITTED and case.number


def test_someone_else_cannot_touch_a_draft() -> None:
    applicant = VerifiedPersonFactory()
    draft = services.case_draft_save(actor=applicant, item=make_online_item())
    with pytest.raises(Forbidden):
        services.case_draft_save(actor=VerifiedPersonFactory(), case=draft, form_data={})


def test_walk_in_at_the_window_links_the_account_and_is_visible_online(
    team: dict[str, Any],
) -> None:
    from govhub.cases import selectors

    person = VerifiedPersonFactory()
    item = team["item"]
    case = services.case_submit(
        actor=team["clerk"],
        channel=Channel.WINDOW,
        item=item,
        form_data=form_for(person),
        applicant=services.ApplicantData(name=person.full_name, id_number=person.id_number),
        paper_material_ids=[application_form(item).pk],
    )
    assert case.channel == Channel.WINDOW and case.window is not None
    assert case.applicant == person
    assert case.materials.get(material=application_form(item)).source == CaseMaterial.Source.PAPER
    assert case in selectors.applicant_cases(person)
    event = case.events.get()
    assert event.on_behalf_of.startswith("person:")


def test_window_intake_checks_the_population_registry(team: dict[str, Any]) -> None:
    person = VerifiedPersonFactory()
    with pytest.raises(InvalidInput) as caught:
        services.case_submit(
            actor=team["clerk"],
            channel=Channel.WINDOW,
            item=team["item"],
            form_data=form_for(person),
            applicant=services.ApplicantData(name="别人", id_number=person.id_number),
            paper_material_ids=[application_form(team["item"]).pk],
        )
    assert "applicant.id_number" in caught.value.fields
    # The refused check is still in the access log and the audit trail: the submission
    # rolled back, its look-up's records did not.
    lookup = RegistryLookup.objects.get()
    assert (lookup.actor, lookup.outcome) == (team["clerk"], RegistryLookup.Outcome.NAME_MISMATCH)
    assert AuditEvent.objects.filter(
        action="registries.lookup.resident_verify", object_id=str(lookup.pk)
    ).exists()
    assert not Case.objects.exists()


def test_an_application_refused_after_reading_the_registry_keeps_the_lookup() -> None:
    """The government-held ID card is looked up in the population registry before the
    missing application form refuses the submission."""
    applicant = VerifiedPersonFactory()
    with pytest.raises(InvalidInput) as caught:
        submit_case(applicant=applicant, files={})
    assert caught.value.code == "materials_missing"
    lookup = RegistryLookup.objects.get()
    assert (lookup.actor, lookup.outcome) == (applicant, RegistryLookup.Outcome.MATCH)
    assert not Case.objects.exists()


def test_a_clerk_of_another_department_cannot_take_in_the_item(team: dict[str, Any]) -> None:
    outsider = staff_member(Role.WINDOW_CLERK, DepartmentFactory())
    person = VerifiedPersonFactory()
    with pytest.raises(Forbidden):
        services.case_submit(
            actor=outsider,
            channel=Channel.WINDOW,
            item=team["item"],
            form_data=form_for(person),
            applicant=services.ApplicantData(name=person.full_name, id_number=person.id_number),
        )


def test_service_point_agent_needs_a_recorded_authorisation(team: dict[str, Any]) -> None:
    from govhub.organizations.tests.factories import ServicePointFactory

    item = team["item"]
    point = ServicePointFactory(region=item.region)
    agent = staff_member(Role.GRASSROOTS_AGENT, item.department, service_point=point)
    person = VerifiedPersonFactory()
    kwargs: dict[str, Any] = {
        "actor": agent,
        "channel": Channel.SERVICE_POINT,
        "item": item,
        "form_data": form_for(person),
        "applicant": services.ApplicantData(name=person.full_name, id_number=person.id_number),
        "paper_material_ids": [application_form(item).pk],
    }
    with pytest.raises(InvalidInput) as caught:
        services.case_submit(**kwargs)
    assert "proxy_note" in caught.value.fields
    case = services.case_submit(**kwargs, proxy_note="委托书 WT-2026-001", door_to_door=True)
    assert case.service_point == point and case.door_to_door


# --- the standard process --------------------------------------------------------------------


def test_full_process_online_to_completion(team: dict[str, Any], on_day: Any) -> None:
    on_day(D(2026, 11, 2))  # a Monday
    case = submit_case(item=team["item"])
    case = services.case_accept(actor=team["clerk"], case=case)
    assert case.state == State.UNDER_REVIEW
    assert case.accepted_on == D(2026, 11, 2)
    assert case.promised_due == D(2026, 11, 16)  # 10 working days
    assert case.legal_due == D(2026, 11, 30)  # 20 working days
    steps = list(case.steps.order_by("position"))
    assert [(s.kind, s.role) for s in steps] == [
        (CaseStep.Kind.REVIEW, Role.REVIEWER),
        (CaseStep.Kind.DECISION, Role.APPROVER),
    ]
    assert steps[0].due_on == D(2026, 11, 9)  # its own 5 working days
    case = services.case_review(
        actor=team["reviewer"],
        case=case,
        step=steps[0],
        outcome="agree",
        opinion="材料齐全，符合条件。",
    )
    assert case.current_step == steps[1]
    assert case.waiting_role == Role.APPROVER  # the approver's queue holds it now
    case.refresh_from_db()
    assert case.waiting_role == Role.APPROVER
    case = services.case_decide(
        actor=team["approver"], case=case, decision="approved", reason="符合法定条件，准予。"
    )
    assert case.state == State.DECIDED
    services.case_issue(
        actor=team["clerk"], case=case, file=pdf_upload("结果.pdf"), name="测试证明"
    )
    case = services.case_deliver(actor=team["clerk"], case=case, method="electronic")
    assert case.state == State.COMPLETED
    assert actions_of(case) == [
        Action.SUBMIT,
        Action.ACCEPT,
        Action.REVIEW,
        Action.DECIDE,
        Action.ISSUE,
        Action.DELIVER,
        Action.COMPLETE,
    ]


def test_posted_result_completes_on_confirmed_receipt(team: dict[str, Any]) -> None:
    case = _decided(team)
    services.case_issue(actor=team["clerk"], case=case, file=pdf_upload())
    case = services.case_deliver(
        actor=team["clerk"],
        case=case,
        method="post",
        address="鹤岗市向阳区1号",
        tracking_number="SF1",
    )
    assert case.state == State.DELIVERED
    case = services.case_complete(actor=team["clerk"], case=case)
    assert case.state == State.COMPLETED


def _decided(team: dict[str, Any]) -> Case:
    case = services.case_accept(actor=team["clerk"], case=submit_case(item=team["item"]))
    step = case.steps.get(kind=CaseStep.Kind.REVIEW)
    case = services.case_review(
        actor=team["reviewer"], case=case, step=step, outcome="agree", opinion="同意"
    )
    return services.case_decide(
        actor=team["approver"], case=case, decision="approved", reason="准予"
    )


def test_reject_intake_needs_reason_and_legal_notice(team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    with pytest.raises(InvalidInput) as caught:
        services.case_reject_intake(
            actor=team["clerk"], case=case, reason="不属于本部门职权范围", legal_notice=" "
        )
    assert "legal_notice" in caught.value.fields
    case = services.case_reject_intake(
        actor=team["clerk"],
        case=case,
        reason="不属于本部门职权范围",
        legal_notice="请向市场监管部门申请。",
    )
    assert case.state == State.NOT_ACCEPTED


def test_refusal_needs_reasons_and_gets_remedy_information(team: dict[str, Any]) -> None:
    case = services.case_accept(actor=team["clerk"], case=submit_case(item=team["item"]))
    step = case.steps.get(kind=CaseStep.Kind.REVIEW)
    services.case_review(
        actor=team["reviewer"], case=case, step=step, outcome="disagree", opinion="不符合条件"
    )
    with pytest.raises(InvalidInput):
        services.case_decide(actor=team["approver"], case=case, decision="refused", reason="")
    case = services.case_decide(
        actor=team["approver"], case=case, decision="refused", reason="不符合第五条"
    )
    assert case.decision == "refused"
    assert "行政复议" in case.remedy


def test_supplement_once_completely_then_resubmit(team: dict[str, Any]) -> None:
    applicant = VerifiedPersonFactory()
    case = submit_case(item=team["item"], applicant=applicant)
    form = application_form(team["item"])
    supplement = services.case_request_supplement(
        actor=team["clerk"],
        case=case,
        items=[
            {"material_id": form.pk, "reason": "未签字"},
            {"name": "户籍证明", "reason": "需补充"},
        ],
    )
    assert not supplement.is_repeat
    case.refresh_from_db()
    assert case.state == State.SUPPLEMENT_REQUESTED
    with pytest.raises(InvalidInput) as caught:
        services.case_resubmit(actor=applicant, case=case)
    assert f"material.{form.pk}" in caught.value.fields
    case = services.case_resubmit(
        actor=applicant, case=case, files={form.pk: pdf_upload("签字.pdf")}
    )
    assert case.state == State.SUBMITTED
    current = case.materials.filter(material=form)
    assert current.filter(is_current=True).count() == 1 and current.count() == 2
    second = services.case_request_supplement(
        actor=team["clerk"], case=case, items=[{"material_id": form.pk, "reason": "仍不清晰"}]
    )
    assert second.is_repeat  # flagged: "tell once, completely" was broken


def test_supplement_during_review_pauses_and_moves_the_deadline(
    team: dict[str, Any], on_day: Any
) -> None:
    applicant = VerifiedPersonFactory()
    on_day(D(2026, 9, 28))  # Monday before the National Day holiday
    case = services.case_accept(
        actor=team["clerk"], case=submit_case(item=team["item"], applicant=applicant)
    )
    # 9-29, 9-30, then (1-7 October off) 10-8, 10-9, 10-10 (a make-up Saturday), 10-12 … 10-16
    assert case.promised_due == D(2026, 10, 16)
    on_day(D(2026, 9, 29))
    form = application_form(team["item"])
    services.case_request_supplement(
        actor=team["reviewer"],
        case=case,
        items=[{"material_id": form.pk, "reason": "复印件不清晰"}],
    )
    case.refresh_from_db()
    assert case.paused_since == D(2026, 9, 29)
    # Resubmitted on 10-9: the pause excluded 9-30, 10-8 and 10-9 (the holiday is no
    # working day anyway); the day of the request itself was used.
    on_day(D(2026, 10, 9))
    case = services.case_resubmit(actor=applicant, case=case, files={form.pk: pdf_upload()})
    assert case.state == State.UNDER_REVIEW
    assert case.paused_days == 3
    assert case.promised_due == D(2026, 10, 21)
    reasons = list(case.deadline_changes.values_list("reason", flat=True))
    assert reasons == ["accepted", "resumed"]


def test_special_procedure_pauses_and_extension_moves_the_deadline(
    team: dict[str, Any], on_day: Any
) -> None:
    on_day(D(2026, 2, 9))  # Monday before the Spring Festival 2026 (2-15 … 2-23 off)
    case = services.case_accept(actor=team["clerk"], case=submit_case(item=team["item"]))
    due = case.promised_due
    on_day(D(2026, 2, 12))
    services.case_special_start(
        actor=team["reviewer"],
        case=case,
        kind="inspection",
        name="现场核查",
        reason="需要核实场所",
        limit_value=5,
    )
    case.refresh_from_db()
    assert case.state == State.SPECIAL_PROCEDURE and case.paused_since == D(2026, 2, 12)
    on_day(D(2026, 2, 25))  # 2-13, 2-14 (make-up Saturday), 2-24, 2-25
    case = services.case_special_end(actor=team["reviewer"], case=case, result="核查属实")
    assert case.paused_days == 4
    with pytest.raises(Forbidden):
        services.case_extend(actor=team["reviewer"], case=case, days=5, reason="情况复杂")
    case = services.case_extend(actor=team["approver"], case=case, days=5, reason="情况复杂")
    assert case.extension_days == 5
    assert case.promised_due is not None and due is not None and case.promised_due > due


def test_withdraw_before_decision_only(team: dict[str, Any]) -> None:
    applicant = VerifiedPersonFactory()
    case = submit_case(item=team["item"], applicant=applicant)
    with pytest.raises(Forbidden):
        services.case_withdraw(actor=VerifiedPersonFactory(), case=case, reason="不办了")
    case = services.case_withdraw(actor=applicant, case=case, reason="不办了")
    assert case.state == State.WITHDRAWN
    decided = _decided(team)
    with pytest.raises(Conflict):
        services.case_withdraw(actor=decided.applicant, case=decided, reason="不办了")


def test_terminate_by_approver_with_reason(team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    with pytest.raises(Forbidden):
        services.case_terminate(actor=team["clerk"], case=case, reason="申请人死亡")
    case = services.case_terminate(actor=team["approver"], case=case, reason="申请人死亡")
    assert case.state == State.TERMINATED


# --- permission and conflicts ----------------------------------------------------------------


def test_staff_of_another_department_can_do_nothing(team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    other = DepartmentFactory()
    outsider = staff_member(Role.REVIEWER, other)
    with pytest.raises(Forbidden):
        services.case_accept(actor=outsider, case=case)
    assert AuditEvent.objects.filter(
        action="cases.case.accept", outcome=AuditEvent.Outcome.DENIED
    ).exists()


def test_wrong_state_is_a_conflict_with_the_current_state_named(team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    with pytest.raises(Conflict) as caught:
        services.case_decide(actor=team["approver"], case=case, decision="approved", reason="x")
    assert "待受理" in str(caught.value.message)


def test_two_staff_on_the_same_step_one_wins(team: dict[str, Any]) -> None:
    second = staff_member(Role.REVIEWER, team["item"].department)
    case = services.case_accept(actor=team["clerk"], case=submit_case(item=team["item"]))
    step = case.steps.get(kind=CaseStep.Kind.REVIEW)
    stale = Case.objects.get(pk=case.pk)
    services.case_review(
        actor=team["reviewer"], case=case, step=step, outcome="agree", opinion="同意"
    )
    with pytest.raises(Conflict) as caught:
        services.case_review(actor=second, case=stale, step=step, outcome="agree", opinion="同意")
    assert caught.value.code == "step_done"


def test_stale_revision_is_a_conflict(team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    seen = case.revision
    services.case_claim(actor=team["clerk"], case=case)
    with pytest.raises(Conflict) as caught:
        services.case_accept(actor=team["reviewer"], case=case, revision=seen)
    assert caught.value.code == "stale_revision"


def test_claim_by_a_second_person_is_refused(team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    services.case_claim(actor=team["clerk"], case=case)
    with pytest.raises(Conflict):
        services.case_claim(actor=team["reviewer"], case=case)


def test_joint_review_waits_for_every_department(on_day: Any) -> None:
    joint = DepartmentFactory()
    item = make_online_item()
    item.published_version.joint_departments.set([joint])  # type: ignore[union-attr]
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    reviewer = staff_member(Role.REVIEWER, item.department)
    joint_reviewer = staff_member(Role.REVIEWER, joint, region=item.region)
    case = services.case_accept(actor=clerk, case=submit_case(item=item))
    first = case.steps.get(kind=CaseStep.Kind.REVIEW)
    case = services.case_review(
        actor=reviewer, case=case, step=first, outcome="agree", opinion="同意"
    )
    joint_step = case.steps.get(kind=CaseStep.Kind.JOINT_REVIEW)
    assert case.current_step == joint_step
    # Another department's step: no role of the case's own department is waited for.
    assert case.waiting_role == ""
    with pytest.raises(Forbidden):
        services.case_review(
            actor=reviewer, case=case, step=joint_step, outcome="agree", opinion="x"
        )
    case = services.case_review(
        actor=joint_reviewer, case=case, step=joint_step, outcome="agree", opinion="同意"
    )
    assert case.current_step is not None and case.current_step.kind == CaseStep.Kind.DECISION


def test_every_transition_appends_history_and_audit(team: dict[str, Any]) -> None:
    case = _decided(team)
    events = CaseEvent.objects.filter(case=case).count()
    audits = AuditEvent.objects.filter(
        object_id=str(case.pk), action__startswith="cases.case."
    ).count()
    assert events == 4 and audits >= 4
