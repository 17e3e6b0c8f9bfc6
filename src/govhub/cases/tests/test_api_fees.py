"""Fees in the cases API: the issue endpoint's `fees`, the case detail's `fees`, and
wrong fees as the error envelope with field errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from govhub.cases.models import CaseFee, CaseResult
from govhub.cases.tests import test_api
from govhub.cases.tests.factories import pdf_upload
from govhub.cases.tests.test_api import BASE, assert_envelope, detail, post_json
from govhub.cases.tests.test_fees import ID_CARD_FEE, charged_item, decided_case
from govhub.cases.workflow import State

pytestmark = pytest.mark.django_db
# The API's mounting and the fixtures of `test_api`.
_cases_api = test_api._cases_api
as_user = test_api.as_user


def test_issue_with_fees_and_the_detail_lists_them(client: Any, as_user: Any) -> None:
    case, clerk = decided_case(charged_item())
    as_user(clerk)
    seen = detail(client, case.number)  # type: ignore[arg-type]
    assert seen["fees"] == []
    issued = post_json(
        client,
        f"{BASE}/{case.number}/issue",
        {
            "revision": seen["revision"],
            "fees": [
                {"name": ID_CARD_FEE, "amount": "20"},
                {"name": "快递费", "amount": 12},
            ],
        },
    )
    assert issued.status_code == 200, issued.content
    body = issued.json()
    assert body["state"]["value"] == State.ISSUED
    fees = body["fees"]
    assert [(f["name"], f["amount"], f["catalogue_name"]) for f in fees] == [
        (ID_CARD_FEE, "20.00", ID_CARD_FEE),
        ("快递费", "12.00", ""),
    ]
    assert all(f["recorded_by"]["name"] == clerk.get_full_name() for f in fees)
    assert all(f["recorded_at"] for f in fees)

    as_user(case.applicant)
    mine = detail(client, case.number)  # type: ignore[arg-type]
    assert [(f["name"], f["amount"]) for f in mine["fees"]] == [
        (ID_CARD_FEE, "20.00"),
        ("快递费", "12.00"),
    ]
    assert all(f["recorded_by"] is None for f in mine["fees"])  # officials stay unnamed


def test_multipart_issue_takes_fees_in_the_payload_part(client: Any, as_user: Any) -> None:
    case, clerk = decided_case(charged_item())
    as_user(clerk)
    issued = client.post(
        f"{BASE}/{case.number}/issue",
        data={
            "payload": json.dumps({"fees": [{"name": ID_CARD_FEE, "amount": 20.5}]}),
            "file": pdf_upload("结果.pdf"),
        },
    )
    assert issued.status_code == 200, issued.content
    assert [(f["name"], f["amount"]) for f in issued.json()["fees"]] == [(ID_CARD_FEE, "20.50")]


@pytest.mark.parametrize(
    ("fees", "fields"),
    [
        (
            [{"name": ID_CARD_FEE, "amount": "-1"}, {"name": " ", "amount": "1.234"}],
            {
                "fees.0.amount": ["收费金额不能为负数。"],
                "fees.1.name": ["请填写收费项目名称。"],
                "fees.1.amount": ["收费金额最多保留两位小数（精确到分）。"],
            },
        ),
        ([{"name": ID_CARD_FEE}], {"fees.0.amount": ["此项为必填项。"]}),
        ([{"name": ID_CARD_FEE, "amount": None}], {"fees.0.amount": ["请填写收费金额（元）。"]}),
        (
            [{"name": ID_CARD_FEE, "amount": True}],
            {"fees.0.amount": ["收费金额应为数字（单位：元），例如 20 或 20.50。"]},
        ),
        ([{"amount": "1"}], {"fees.0.name": ["此项为必填项。"]}),
    ],
)
def test_wrong_fees_are_the_error_envelope_with_field_errors(
    client: Any, as_user: Any, fees: list[dict[str, Any]], fields: dict[str, list[str]]
) -> None:
    case, clerk = decided_case(charged_item())
    as_user(clerk)
    for response in (
        post_json(client, f"{BASE}/{case.number}/issue", {"fees": fees}),
        client.post(
            f"{BASE}/{case.number}/issue",
            data={"payload": json.dumps({"fees": fees}), "file": pdf_upload("结果.pdf")},
        ),
    ):
        error = assert_envelope(response, 422, "validation_error")
        assert error["fields"] == fields
    case.refresh_from_db()
    assert case.state == State.DECIDED
    assert not CaseResult.objects.filter(case=case).exists()
    assert not CaseFee.objects.filter(case=case).exists()


def test_openapi_describes_the_fees(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][f"{BASE}/{{number}}/issue"]["post"]
    payload = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    fee = payload["properties"]["payload"]["properties"]["fees"]["items"]
    assert set(fee["properties"]) == {"name", "amount"} and set(fee["required"]) == {
        "name",
        "amount",
    }
    detail_schema = schema["components"]["schemas"]["CaseDetailOut"]
    assert "fees" in detail_schema["required"]
    assert set(schema["components"]["schemas"]["FeeOut"]["properties"]) == {
        "id",
        "name",
        "amount",
        "catalogue_name",
        "recorded_at",
        "recorded_by",
    }
