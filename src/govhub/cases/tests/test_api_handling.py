"""The handling steps of the cases API (`api_handling.TASKS`): the operations the OpenAPI
document publishes for them (ids, paths, bodies, answers), and the order in which a step
reads its body, checks the revision and calls its service."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from govhub.cases import api_handling, services
from govhub.cases.models import CaseMaterial, CaseResult, CaseStep
from govhub.cases.tests import test_api
from govhub.cases.tests.factories import pdf_upload, submit_case
from govhub.cases.tests.test_api import BASE, assert_envelope, detail, post_json
from govhub.cases.workflow import State

pytestmark = pytest.mark.django_db
# The API's mounting and the fixtures of `test_api`.
_cases_api = test_api._cases_api
as_user = test_api.as_user
team = test_api.team

OPTIONAL = "optional JSON"
MULTIPART = "multipart"
MULTIPART_REQUIRED = "multipart, required"

# name (operation id `govhub_cases_api_<name>`, URL name `cases_<name>`) → path, body.
EXPECTED: dict[str, tuple[str, str]] = {
    "accept": ("accept", "AcceptIn"),
    "reject_intake": ("reject-intake", "RejectIntakeIn"),
    "request_supplement": ("request-supplement", "RequestSupplementIn"),
    "claim": ("claim", OPTIONAL),
    "assign": ("assign", "AssignIn"),
    "review": ("review", "ReviewIn"),
    "special_start": ("special-procedures", "SpecialStartIn"),
    "special_end": ("special-procedures/end", "SpecialEndIn"),
    "extend": ("extend", "ExtendIn"),
    "decide": ("decide", "DecideIn"),
    "issue": ("issue", MULTIPART),
    "deliver": ("deliver", "DeliverIn"),
    "complete": ("complete", OPTIONAL),
    "terminate": ("terminate", "ReasonIn"),
    "attach": ("attachments", MULTIPART_REQUIRED),
}
REVISION_NOTE = "成功返回更新后的办件详情。"


def test_every_step_is_in_the_table_once_in_order() -> None:
    assert [spec.name for spec in api_handling.TASKS] == list(EXPECTED)
    for name in EXPECTED:
        declared = getattr(api_handling, name)
        assert declared is api_handling.ENDPOINTS[name]
        assert declared.method == "POST"
        assert declared.path == f"/{{number}}/{EXPECTED[name][0]}"
        assert declared.view.__name__ == name
        assert reverse(f"api-v1:cases_{name}", args=["N-1"]) == f"{BASE}/N-1/{EXPECTED[name][0]}"


def test_openapi_operations_of_the_steps(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    for name, (path, body) in EXPECTED.items():
        operation = schema["paths"][f"{BASE}/{{number}}/{path}"]["post"]
        assert operation["operationId"] == f"govhub_cases_api_{name}"
        assert operation["tags"] == ["cases"]
        assert operation["summary"] and operation["description"].endswith(REVISION_NOTE), name
        assert operation["security"], name
        assert set(operation["responses"]) == {"200", "401", "403", "404", "409", "422"}, name
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/CaseDetailOut"}
        parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
        assert parameters[("path", "number")]["required"] is True
        assert parameters[("header", "X-Acting-For")]["required"] is False
        request_body = operation["requestBody"]
        content = request_body["content"]
        if body == OPTIONAL:
            assert request_body["required"] is False
            assert set(content) == {"application/json"}
            assert set(content["application/json"]["schema"]["properties"]) == {"revision"}
        elif body in (MULTIPART, MULTIPART_REQUIRED):
            required = body == MULTIPART_REQUIRED
            assert request_body["required"] is required, name
            assert set(content) == {"multipart/form-data", "application/json"}
            part = content["multipart/form-data"]["schema"]
            assert part["properties"]["file"]["format"] == "binary"
            assert "revision" in part["properties"]["payload"]["properties"]
            assert part.get("required", []) == (["payload"] if required else [])
        else:
            assert request_body["required"] is True, name
            assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{body}"}
            assert "revision" in components[body]["properties"]


def test_attach_checks_the_file_before_the_revision(
    client: Any, as_user: Any, team: dict[str, Any]
) -> None:
    case = services.case_accept(actor=team["clerk"], case=submit_case(item=team["item"]))
    as_user(team["reviewer"])
    url = f"{BASE}/{case.number}/attachments"
    no_file = client.post(url, data={"payload": json.dumps({"name": "记录", "revision": 0})})
    assert "file" in assert_envelope(no_file, 422)["fields"]
    no_payload = client.post(url, data={"file": pdf_upload("记录.pdf")})
    assert "payload" in assert_envelope(no_payload, 422)["fields"]
    stale = client.post(
        url, data={"payload": json.dumps({"name": "记录", "revision": 0}), "file": pdf_upload()}
    )
    assert_envelope(stale, 409, "stale_revision")
    assert not CaseMaterial.objects.filter(case=case, is_internal=True).exists()


def test_stale_revisions_change_nothing(client: Any, as_user: Any, team: dict[str, Any]) -> None:
    case = services.case_accept(actor=team["clerk"], case=submit_case(item=team["item"]))
    step = case.steps.get(kind=CaseStep.Kind.REVIEW)
    services.case_review(
        actor=team["reviewer"], case=case, step=step, outcome="agree", opinion="同意"
    )
    as_user(team["approver"])
    seen = detail(client, case.number)["revision"]  # type: ignore[arg-type]
    decided = post_json(
        client,
        f"{BASE}/{case.number}/decide",
        {"decision": "approved", "reason": "准予", "revision": seen},
    )
    assert decided.status_code == 200, decided.content
    # Checked by the handler (terminate, a multipart issue) as by the service (decide).
    assert_envelope(
        post_json(client, f"{BASE}/{case.number}/terminate", {"reason": "x", "revision": seen}),
        409,
        "stale_revision",
    )
    as_user(team["clerk"])
    issued = client.post(
        f"{BASE}/{case.number}/issue",
        data={"payload": json.dumps({"revision": seen}), "file": pdf_upload("结果.pdf")},
    )
    assert_envelope(issued, 409, "stale_revision")
    case.refresh_from_db()
    assert case.state == State.DECIDED
    assert not CaseResult.objects.filter(case=case).exists()
