"""Fees charged for a case: reading amounts (`cases.fees`), and recording them with the
result (`case_issue(fees=…)`): validation, the catalogue line, history and audit."""

from __future__ import annotations

import decimal
from typing import Any

import pytest

from govhub.cases import services
from govhub.cases.fees import catalogue_amount, parse_amount
from govhub.cases.models import Case, CaseEvent, CaseFee, CaseResult, CaseStep
from govhub.cases.tests.factories import make_online_item, pdf_upload, staff_member, submit_case
from govhub.cases.workflow import Action, State
from govhub.catalog.models import ImplementationItem
from govhub.core.errors import InvalidInput
from govhub.core.models import AuditEvent
from govhub.organizations.models import Position

Role = Position.Role
D = decimal.Decimal

ID_CARD_FEE = "居民身份证工本费"
FEE_LINES = [
    {
        "name": ID_CARD_FEE,
        "standard": "每证20元",
        "amount": "20.00",
        "basis": "发改价格〔2003〕2322号",
        "reductions": "享受城市最低生活保障的居民免收",
    },
    {"name": "加急制证费", "standard": "按实际情况收取", "basis": "", "reductions": ""},
]


def charged_item(**overrides: Any) -> ImplementationItem:
    overrides.setdefault("fee_lines", FEE_LINES)
    return make_online_item(charged=True, fee_basis="发改价格〔2003〕2322号", **overrides)


def decided_case(item: ImplementationItem) -> tuple[Case, Any]:
    """A case of `item` decided (approved) through the services, and the window clerk."""
    department = item.department
    clerk = staff_member(Role.WINDOW_CLERK, department)
    reviewer = staff_member(Role.REVIEWER, department)
    approver = staff_member(Role.APPROVER, department)
    case = services.case_accept(actor=clerk, case=submit_case(item=item))
    step = case.steps.get(kind=CaseStep.Kind.REVIEW)
    services.case_review(actor=reviewer, case=case, step=step, outcome="agree", opinion="同意")
    case = services.case_decide(actor=approver, case=case, decision="approved", reason="准予")
    return case, clerk


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


# --- reading amounts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20", D("20")),
        ("20.50", D("20.50")),
        (20, D("20")),
        (12.5, D("12.5")),
        (D("3.10"), D("3.10")),
        ("10元", D("10")),
        ("¥ 10.00", D("10.00")),
        ("1,200.00 元", D("1200.00")),
        ("-5", D("-5")),  # read, so that the service can say it is negative
        ("每证20元", None),
        ("abc", None),
        ("", None),
        (None, None),
        (True, None),
        (float("nan"), None),
        (float("inf"), None),
    ],
)
def test_parse_amount_reads_numbers_and_bare_amounts(value: Any, expected: Any) -> None:
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"name": "x", "standard": "每证20元", "amount": "20.00"}, D("20.00")),
        ({"name": "x", "standard": "每证20元", "amount": 15}, D("15")),
        ({"name": "x", "standard": "每证", "amount": "10元"}, D("10")),
        ({"name": "x", "standard": "30元", "amount": ""}, D("30")),
        ({"name": "x", "standard": "每证20元", "amount": ""}, None),
        ({"name": "x", "standard": "按实际情况收取"}, None),
    ],
)
def test_catalogue_amount(line: dict[str, Any], expected: Any) -> None:
    assert catalogue_amount(line) == expected


# --- recording with the result ----------------------------------------------------------------


@pytest.mark.django_db
def test_fees_are_recorded_with_the_result_in_history_and_audit() -> None:
    case, clerk = decided_case(charged_item())
    services.case_issue(
        actor=clerk,
        case=case,
        file=pdf_upload("结果.pdf"),
        fees=[
            {"name": f" 居民身份证 {ID_CARD_FEE[5:]} ", "amount": "20"},
            {"name": "快递费", "amount": 12.5},
            {"name": "加急制证费", "amount": D("0")},
        ],
    )
    case.refresh_from_db()
    assert case.state == State.ISSUED
    fees = list(CaseFee.objects.filter(case=case).order_by("id"))
    assert [(f.name, f.amount, f.catalogue_name, f.recorded_by) for f in fees] == [
        ("居民身份证 工本费", D("20.00"), ID_CARD_FEE, clerk),
        ("快递费", D("12.50"), "", clerk),  # not in the catalogue: recorded all the same
        ("加急制证费", D("0.00"), "加急制证费", clerk),
    ]
    listed = [
        {"name": "居民身份证 工本费", "amount": "20.00", "catalogue_name": ID_CARD_FEE},
        {"name": "快递费", "amount": "12.50", "catalogue_name": ""},
        {"name": "加急制证费", "amount": "0.00", "catalogue_name": "加急制证费"},
    ]
    event = CaseEvent.objects.get(case=case, action=Action.ISSUE)
    assert event.data["fees"] == listed
    assert event.data["result"] == CaseResult.objects.get(case=case).pk
    audit = AuditEvent.objects.get(object_id=str(case.pk), action="cases.case.issue")
    assert audit.changes["fees"] == listed
    assert (audit.changes["from"], audit.changes["to"]) == (State.DECIDED, State.ISSUED)


@pytest.mark.django_db
def test_issue_without_fees_records_none() -> None:
    case, clerk = decided_case(make_online_item())
    services.case_issue(actor=clerk, case=case, file=pdf_upload("结果.pdf"))
    assert not CaseFee.objects.filter(case=case).exists()
    assert CaseEvent.objects.get(case=case, action=Action.ISSUE).data["fees"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fees", "errors"),
    [
        ([{"name": ID_CARD_FEE, "amount": "-1"}], {"fees.0.amount": "收费金额不能为负数。"}),
        ([{"name": ID_CARD_FEE, "amount": -0.5}], {"fees.0.amount": "收费金额不能为负数。"}),
        (
            [{"name": ID_CARD_FEE, "amount": "20.005"}],
            {"fees.0.amount": "收费金额最多保留两位小数（精确到分）。"},
        ),
        (
            [{"name": ID_CARD_FEE, "amount": "二十元"}],
            {"fees.0.amount": "收费金额应为数字（单位：元），例如 20 或 20.50。"},
        ),
        ([{"name": ID_CARD_FEE, "amount": ""}], {"fees.0.amount": "请填写收费金额（元）。"}),
        ([{"name": ID_CARD_FEE}], {"fees.0.amount": "请填写收费金额（元）。"}),
        (
            [{"name": ID_CARD_FEE, "amount": "1e30"}],
            {"fees.0.amount": "收费金额应为数字（单位：元），例如 20 或 20.50。"},
        ),
        ([{"name": ID_CARD_FEE, "amount": 1e30}], {"fees.0.amount": "收费金额过大，请核对。"}),
        (
            [{"name": ID_CARD_FEE, "amount": "20"}, {"name": "  ", "amount": "5"}],
            {"fees.1.name": "请填写收费项目名称。"},
        ),
        (
            [{"name": "", "amount": "x"}, {"name": "快递费", "amount": "1.001"}],
            {
                "fees.0.name": "请填写收费项目名称。",
                "fees.0.amount": "收费金额应为数字（单位：元），例如 20 或 20.50。",
                "fees.1.amount": "收费金额最多保留两位小数（精确到分）。",
            },
        ),
        ([{"name": "x" * 201, "amount": "1"}], {"fees.0.name": "收费项目名称不能超过 200 个字。"}),
        ([{"name": "复印费", "amount": "1"}] * 21, {"fees": "一次最多登记 20 项收费。"}),
    ],
)
def test_wrong_fees_are_refused_on_their_fields_and_nothing_is_issued(
    fees: list[dict[str, Any]], errors: dict[str, str]
) -> None:
    case, clerk = decided_case(charged_item())
    with pytest.raises(InvalidInput) as caught:
        services.case_issue(actor=clerk, case=case, file=pdf_upload("结果.pdf"), fees=fees)
    assert caught.value.fields == {key: [message] for key, message in errors.items()}
    case.refresh_from_db()
    assert case.state == State.DECIDED
    assert not CaseResult.objects.filter(case=case).exists()
    assert not CaseFee.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, action=Action.ISSUE).exists()
