"""The cases API (/api/v1/cases/): one-call submission with files and idempotency keys,
the whole case screen in one response, the handling tasks, visibility (404) and rights
(403), stale revisions (409), downloads, the public status look-up and its limit, query
counts of the lists, and the OpenAPI description."""

from __future__ import annotations

import datetime
import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI

from govhub.cases.api import router as cases_router
from govhub.cases.models import Case, CaseResult, CaseStep, Channel
from govhub.cases.tests.factories import (
    PNG_1PX,
    CaseFactory,
    application_form,
    form_for,
    make_online_item,
    pdf_upload,
    staff_member,
    submit_case,
)
from govhub.cases.workflow import State
from govhub.core.errors import register_error_handlers
from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    PersonFactory,
    VerifiedPersonFactory,
)
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
Role = Position.Role
BASE = "/api/v1/cases"
APPLICANT_METHODS = ["pwd", "sms"]  # two factors on a real-name verified account: L2
STAFF_METHODS = ["pwd", "otp"]  # staff always sign in with password + TOTP: L2
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


# --- Mounting ------------------------------------------------------------------------------------
# Until `govhub.api` mounts the router, the tests serve it from an API of their own under the
# same prefix and URL namespace (and the rest of the platform's URLs beside it).

urlpatterns: list[Any] = []


def _platform_prefix() -> str | None:
    from govhub.api import api

    return next((entry[0] for entry in api._router_registrations if entry[1] is cases_router), None)


def _platform_mounts_cases() -> bool:
    return _platform_prefix() is not None


# The list (GET) and one-call submission (POST): `/api/v1/cases`, or `/api/v1/cases/` when
# the router is mounted with a trailing slash.
ROOT = (
    "/api/v1/"
    + ((_platform_prefix() or "/cases").strip("/"))
    + ("/" if (_platform_prefix() or "").endswith("/") else "")
)


@pytest.fixture(autouse=True)
def _cases_api(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "govhub.identity.oidc.hashers.ClientSecretHasher",
    ]
    if not _platform_mounts_cases():
        if not urlpatterns:
            from govhub import urls as platform_urls

            test_api = NinjaAPI(
                title="govhub API (cases tests)", version="1", urls_namespace="api-v1"
            )
            register_error_handlers(test_api)
            test_api.add_router("/cases", cases_router)
            urlpatterns.append(path("api/v1/", test_api.urls))
            urlpatterns.extend(p for p in platform_urls.urlpatterns if str(p.pattern) != "api/v1/")
        settings.ROOT_URLCONF = __name__
    yield


# --- Helpers -------------------------------------------------------------------------------------


def assert_envelope(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields", "request_id"}
    assert error["message"]
    assert error["request_id"] == response["X-Request-ID"]
    if code is not None:
        assert error["code"] == code, error
    return error  # type: ignore[no-any-return]


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


@pytest.fixture
def as_user(client: Any) -> Any:
    """Sign the test client in as `user` (applicants with password + SMS, staff with
    password + TOTP unless `methods` says otherwise)."""

    def sign(user: Any, methods: list[str] | None = None) -> Any:
        client.logout()
        chosen = methods or (STAFF_METHODS if user.is_staff_account else APPLICANT_METHODS)
        sign_in(client, user, methods=chosen)
        return client

    return sign


@pytest.fixture
def token_for() -> Any:
    """Bearer headers for an access token of `user` from a sign-in at `acr`."""
    from oauth2_provider.models import AccessToken, Application, RefreshToken, set_token_value

    from govhub.identity.oidc_models import OidcAuthorization

    application = Application.objects.create(
        client_id=f"mobile-app-{uuid.uuid4().hex[:6]}",
        name="移动端",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example.test/cb",
    )

    def make(user: Any, *, acr: str = "L2", scope: str = "openid enterprise") -> dict[str, str]:
        raw = secrets.token_urlsafe(24)
        token = AccessToken(
            user=user,
            application=application,
            scope=scope,
            expires=timezone.now() + datetime.timedelta(hours=1),
        )
        set_token_value(token, raw)
        token.save()
        family = uuid.uuid4()
        refresh = RefreshToken(
            user=user, application=application, access_token=token, token_family=family
        )
        set_token_value(refresh, secrets.token_urlsafe(24))
        refresh.save()
        OidcAuthorization.objects.create(
            user=user,
            application=application,
            scope=scope,
            acr=acr,
            auth_time=timezone.now(),
            token_family=family,
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def submission(
    item: Any,
    user: Any = None,
    *,
    files: dict[int, Any] | None = None,
    payload_as_file: bool = False,
    **payload: Any,
) -> dict[str, Any]:
    """A multipart body for `POST /cases` (the JSON part as a field, or as a file part as
    some mobile HTTP libraries send it)."""
    text = json.dumps({"item": item.implementation_code, "form_data": form_for(user), **payload})
    body: dict[str, Any] = {
        "payload": SimpleUploadedFile("payload.json", text.encode(), "application/json")
        if payload_as_file
        else text
    }
    if files is None:
        files = {application_form(item).pk: pdf_upload()}
    for material_id, upload in files.items():
        body[f"material_{material_id}"] = upload
    return body


def post_json(client: Any, url: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", **extra)


def detail(client: Any, number: str, **extra: Any) -> dict[str, Any]:
    response = client.get(f"{BASE}/{number}", **extra)
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def action_names(body: dict[str, Any]) -> set[str]:
    return {a["action"] for a in body["actions"]}


# --- Submission ----------------------------------------------------------------------------------


def test_one_call_submission_with_files_from_the_mobile_app(client: Any, token_for: Any) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    data = submission(item, applicant, payload_as_file=True)
    response = client.post(ROOT, data=data, **token_for(applicant))
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["number"] == case.number and body["state"]["value"] == State.SUBMITTED
    assert body["channel"]["value"] == Channel.MOBILE  # the default for an access token
    assert body["viewer"] == "applicant"
    assert body["item"]["implementation_code"] == item.implementation_code
    # The ID number is masked, for the applicant as for everyone.
    assert body["applicant"]["masked_id_number"] != applicant.id_number
    assert "*" in body["applicant"]["masked_id_number"]
    rows = {row["name"]: row for row in body["materials"]}
    uploaded = rows[application_form(item).name]
    assert uploaded["provided"] and uploaded["held"][0]["source"]["value"] == "upload"
    assert uploaded["held"][0]["content_type"] == "application/pdf"
    assert uploaded["held"][0]["download_url"].endswith("/file")
    # The ID card is held by the government: taken from source, not uploaded.
    assert rows["居民身份证"]["held"][0]["source"]["value"] == "government"
    assert body["missing_materials"] == []
    assert [h["action"]["value"] for h in body["history"]] == ["submit"]
    assert {"withdraw"} <= action_names(body)
    assert body["url"].endswith(f"{BASE}/{case.number}")


def _answer_and_read_back(client: Any, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(ROOT, data=data, **headers)
    statements = len(queries.captured_queries)  # before the next request clears the log
    assert response.status_code == 201, response.content
    answer = response.json()
    return answer, detail(client, answer["number"], **headers), statements


@pytest.mark.parametrize("caller", ["person", "enterprise", "window_clerk"])
def test_the_submission_answers_with_the_case_as_read_back(
    client: Any, token_for: Any, team: dict[str, Any], caller: str
) -> None:
    """The whole-case answer is built from what the submission holds, not read back; it
    must be the same screen a read gives (viewer, materials, history, actions)."""
    item = team["item"]
    person = VerifiedPersonFactory()
    if caller == "person":
        headers = token_for(person)
        data = submission(item, person)
    elif caller == "enterprise":
        authorization = AgentAuthorizationFactory(agent=person)
        headers = token_for(person) | {"HTTP_X_ACTING_FOR": authorization.enterprise.uscc}
        files = {m.pk: pdf_upload(f"{m.name}.pdf") for m in item.published_version.materials.all()}
        data = submission(item, person, files=files)
    else:
        headers = token_for(team["clerk"])
        data = submission(
            item,
            person,
            files={},
            channel="window",
            applicant={"name": person.full_name, "id_number": person.id_number},
            paper_material_ids=[application_form(item).pk],
        )
    answer, read_back, statements = _answer_and_read_back(client, data, headers)
    assert answer == read_back
    assert answer["viewer"] == ("staff" if caller == "window_clerk" else "applicant")
    assert [h["action"]["value"] for h in answer["history"]] == ["submit"]
    # Reading the case back cost 6 (person) or 7 more statements (24, 33 and 32).
    assert statements == {"person": 18, "enterprise": 26, "window_clerk": 25}[caller]


def test_the_same_idempotency_key_twice_creates_one_case(client: Any, as_user: Any) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    as_user(applicant)
    first = client.post(ROOT, data=submission(item, applicant), HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == 201, first.content
    assert first.json()["channel"]["value"] == Channel.WEB  # the default for a session
    again = client.post(ROOT, data=submission(item, applicant), HTTP_IDEMPOTENCY_KEY="tap-1")
    assert again.status_code == 200, again.content
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1
    # The same key for another application is a mistake of the client, not a retry.
    other = make_online_item()
    reused = client.post(ROOT, data=submission(other, applicant), HTTP_IDEMPOTENCY_KEY="tap-1")
    assert_envelope(reused, 409, "idempotency_key_reused")
    fresh = client.post(ROOT, data=submission(item, applicant), HTTP_IDEMPOTENCY_KEY="tap-2")
    assert fresh.status_code == 201 and Case.objects.count() == 2
    bad = client.post(ROOT, data=submission(item, applicant), HTTP_IDEMPOTENCY_KEY="x" * 65)
    assert "Idempotency-Key" in assert_envelope(bad, 422, "validation_error")["fields"]


def test_schema_invalid_form_is_422_with_field_errors(client: Any, as_user: Any) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    as_user(applicant)
    data = submission(item, applicant)
    data["payload"] = json.dumps(
        {"item": item.implementation_code, "form_data": {"applicant_name": "张三", "phone": "x"}}
    )
    error = assert_envelope(client.post(ROOT, data=data), 422, "validation_error")
    assert "form.phone" in error["fields"]
    assert not Case.objects.exists()


def test_malformed_payloads_are_422_on_the_field(client: Any, as_user: Any) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    as_user(applicant)
    missing = client.post(ROOT, data={f"material_{application_form(item).pk}": pdf_upload()})
    assert "payload" in assert_envelope(missing, 422)["fields"]
    broken = client.post(ROOT, data={"payload": "{not json"})
    assert "payload" in assert_envelope(broken, 422)["fields"]
    typed = client.post(ROOT, data={"payload": json.dumps({"item": 5, "channel": "fax"})})
    assert {"item", "channel"} <= set(assert_envelope(typed, 422)["fields"])
    unknown = client.post(ROOT, data=submission(item, applicant) | {"photo": pdf_upload()})
    assert "photo" in assert_envelope(unknown, 422)["fields"]
    no_item = client.post(ROOT, data={"payload": json.dumps({"item": "NO-SUCH-ITEM"})})
    assert "item" in assert_envelope(no_item, 422)["fields"]


def test_wrong_file_types_are_422_naming_the_material(client: Any, as_user: Any) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    form = application_form(item)
    as_user(applicant)
    exe = SimpleUploadedFile("申请表.pdf", EXE_BYTES, content_type="application/pdf")
    error = assert_envelope(
        client.post(ROOT, data=submission(item, applicant, files={form.pk: exe})),
        422,
        "file_type_unsupported",
    )
    assert f"material.{form.pk}" in error["fields"]
    assert form.name in error["message"]
    # A real image behind a .pdf name: the content decides, and the name must agree.
    png = SimpleUploadedFile("申请表.pdf", PNG_1PX, content_type="application/pdf")
    error = assert_envelope(
        client.post(ROOT, data=submission(item, applicant, files={form.pk: png})),
        422,
        "file_type_mismatch",
    )
    assert f"material.{form.pk}" in error["fields"]
    assert not Case.objects.exists()


def test_missing_material_is_422_naming_it(client: Any, as_user: Any) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    as_user(applicant)
    error = assert_envelope(
        client.post(ROOT, data=submission(item, applicant, files={})), 422, "materials_missing"
    )
    form = application_form(item)
    assert form.name in error["message"]
    assert f"material.{form.pk}" in error["fields"]


def test_drafts_saved_uploaded_and_submitted_once(client: Any, as_user: Any) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    form = application_form(item)
    as_user(applicant)
    created = post_json(client, f"{BASE}/drafts", {"item": item.implementation_code})
    assert created.status_code == 201, created.content
    draft = created.json()
    assert draft["number"] is None and draft["state"]["value"] == State.DRAFT
    assert draft["form_data"]["applicant_name"] == applicant.full_name  # prefilled
    assert draft["prefill_sources"]["applicant_name"]
    assert draft["form_schema"]["properties"]
    assert [a["action"] for a in draft["actions"]] == ["submit", "discard"]
    discard = draft["actions"][1]
    assert discard["method"] == "DELETE"
    assert discard["url"].endswith(f"/api/v1/cases/drafts/{draft['id']}")
    draft_id = draft["id"]
    patched = client.patch(
        f"{BASE}/drafts/{draft_id}",
        data=json.dumps({"form_data": form_for(applicant, reason="开店")}),
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["form_data"]["reason"] == "开店"
    uploaded = client.post(
        f"{BASE}/drafts/{draft_id}/materials", data={f"material_{form.pk}": pdf_upload()}
    )
    assert uploaded.status_code == 201, uploaded.content
    row = next(r for r in uploaded.json()["materials"] if r["material_id"] == form.pk)
    download = client.get(row["held"][0]["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    two = client.post(
        f"{BASE}/drafts/{draft_id}/materials",
        data={f"material_{form.pk}": pdf_upload(), "file": pdf_upload()},
    )
    assert_envelope(two, 422)
    submitted = client.post(f"{BASE}/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY="draft-1")
    assert submitted.status_code == 201, submitted.content
    assert submitted.json()["number"] and submitted.json()["id"] == draft_id
    again = client.post(f"{BASE}/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY="draft-1")
    assert again.status_code == 200 and again.json()["number"] == submitted.json()["number"]
    late = client.patch(
        f"{BASE}/drafts/{draft_id}",
        data=json.dumps({"form_data": {}}),
        content_type="application/json",
    )
    assert_envelope(late, 409, "not_a_draft")
    # Someone else's draft does not exist for them.
    as_user(VerifiedPersonFactory())
    assert_envelope(client.get(f"{BASE}/drafts/{draft_id}"), 404, "not_found")


def test_acting_for_an_enterprise_by_header(client: Any, token_for: Any) -> None:
    authorization = AgentAuthorizationFactory()
    agent, enterprise = authorization.agent, authorization.enterprise
    item = make_online_item()
    headers = token_for(agent) | {"HTTP_X_ACTING_FOR": enterprise.uscc}
    # For an enterprise the person's ID card is not taken from source: it is uploaded.
    files = {m.pk: pdf_upload(f"{m.name}.pdf") for m in item.published_version.materials.all()}
    response = client.post(ROOT, data=submission(item, agent, files=files), **headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["applicant"]["kind"]["value"] == "enterprise"
    assert body["applicant"]["enterprise"] == {"uscc": enterprise.uscc, "name": enterprise.name}
    # Without the header the agent sees only their own cases; with it, the enterprise's.
    assert client.get(ROOT, **token_for(agent)).json()["count"] == 0
    listed = client.get(ROOT, **headers).json()
    assert [row["number"] for row in listed["items"]] == [body["number"]]
    stranger = VerifiedPersonFactory()
    refused = client.get(ROOT, **token_for(stranger) | {"HTTP_X_ACTING_FOR": enterprise.uscc})
    assert_envelope(refused, 403, "acting_for_forbidden")


# --- Levels and authentication -------------------------------------------------------------------


def test_authentication_and_levels(client: Any, as_user: Any, token_for: Any) -> None:
    item = make_online_item()
    assert_envelope(client.get(ROOT), 401, "not_authenticated")
    applicant = VerifiedPersonFactory()
    # One factor: reading is fine, changing anything needs L2.
    as_user(applicant, methods=["pwd"])
    assert client.get(ROOT).status_code == 200
    assert_envelope(
        client.post(ROOT, data=submission(item, applicant)), 401, "insufficient_user_authentication"
    )
    weak = token_for(applicant, acr="L1")
    client.logout()
    refused = client.post(ROOT, data=submission(item, applicant), **weak)
    assert_envelope(refused, 401, "insufficient_user_authentication")
    assert 'acr_values="L2"' in refused["WWW-Authenticate"]
    # Staff need L2 even to read.
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    as_user(clerk, methods=["pwd"])
    assert_envelope(client.get(ROOT, {"queue": "intake"}), 401, "insufficient_user_authentication")
    # A person who is not real-name verified may not apply at all.
    as_user(PersonFactory(), methods=["pwd", "sms"])
    assert_envelope(client.post(ROOT, data=submission(item)), 403, "real_name_required")


def test_session_writes_need_the_csrf_token_and_its_own_enterprise(
    as_user: Any, team: dict[str, Any]
) -> None:
    from django.test import Client

    from govhub.identity.tests.factories import EnterpriseFactory

    case = submit_case(item=team["item"])
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, team["clerk"], methods=STAFF_METHODS)
    assert_envelope(post_json(browser, f"{BASE}/{case.number}/accept"), 403)
    assert browser.get(f"{BASE}/{case.number}").status_code == 200  # reads need no token
    # A session acts for the enterprise chosen on the pages, never for another by header.
    other = EnterpriseFactory()
    refused = browser.get(f"{BASE}/{case.number}", HTTP_X_ACTING_FOR=other.uscc)
    assert_envelope(refused, 403, "acting_for_forbidden")


# --- Handling ------------------------------------------------------------------------------------


def test_full_handling_through_the_task_endpoints(
    client: Any, as_user: Any, team: dict[str, Any]
) -> None:
    applicant = VerifiedPersonFactory()
    as_user(applicant)
    number = client.post(ROOT, data=submission(team["item"], applicant)).json()["number"]

    as_user(team["clerk"])
    body = detail(client, number)
    assert body["viewer"] == "staff"
    assert {"accept", "reject_intake", "request_supplement", "claim"} <= action_names(body)
    accept_url = next(a["url"] for a in body["actions"] if a["action"] == "accept")
    body = post_json(client, accept_url, {"opinion": "材料齐全", "revision": body["revision"]})
    assert body.status_code == 200, body.content
    body = body.json()
    assert body["state"]["value"] == State.UNDER_REVIEW
    assert body["clock"]["promised_due"] and body["clock"]["used_days"] == 0
    assert [d["reason"]["value"] for d in body["deadlines"]] == ["accepted"]
    review_step = body["current_step"]
    assert review_step["kind"]["value"] == "review" and review_step["status"]["value"] == "open"
    assert "accept" not in action_names(body)

    as_user(team["reviewer"])
    assert "review" in action_names(detail(client, number))
    reviewed = post_json(
        client,
        f"{BASE}/{number}/review",
        {"step": review_step["id"], "outcome": "agree", "opinion": "符合条件"},
    )
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["current_step"]["kind"]["value"] == "decision"
    done = next(s for s in reviewed.json()["steps"] if s["id"] == review_step["id"])
    assert done["opinion"] == "符合条件" and done["acted_by"]["name"]

    as_user(team["approver"])
    decided = post_json(
        client, f"{BASE}/{number}/decide", {"decision": "approved", "reason": "符合法定条件"}
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["outcome"]["decision"]["value"] == "approved"

    as_user(team["clerk"])
    issued = client.post(f"{BASE}/{number}/issue", data={"file": pdf_upload("结果.pdf")})
    assert issued.status_code == 200, issued.content
    result = issued.json()["results"][0]
    assert result["first_downloaded_at"] is None
    # Staff downloading the result does not count as delivery to the applicant.
    staff_copy = client.get(result["download_url"])
    assert staff_copy.status_code == 200
    assert CaseResult.objects.get().first_downloaded_at is None
    delivered = post_json(client, f"{BASE}/{number}/deliver", {"method": "electronic"})
    assert delivered.json()["state"]["value"] == State.COMPLETED
    assert delivered.json()["actions"] == []

    as_user(applicant)
    mine = detail(client, number)
    # The applicant sees what concerns them: no internal review opinions or officials.
    assert [h["action"]["value"] for h in mine["history"]] == [
        "submit",
        "accept",
        "decide",
        "issue",
        "deliver",
        "complete",
    ]
    assert all(h["actor"] != team["clerk"].get_full_name() for h in mine["history"][1:])
    assert all(step["opinion"] == "" and step["acted_by"] is None for step in mine["steps"])
    download = client.get(mine["results"][0]["download_url"])
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    first = CaseResult.objects.get().first_downloaded_at
    assert first is not None
    client.get(mine["results"][0]["download_url"])
    assert CaseResult.objects.get().first_downloaded_at == first  # only the first counts
    assert AuditEvent.objects.filter(action="cases.result.first_download").count() == 1


def test_supplement_then_resubmit_with_files(
    client: Any, as_user: Any, team: dict[str, Any]
) -> None:
    applicant = VerifiedPersonFactory()
    form = application_form(team["item"])
    case = submit_case(item=team["item"], applicant=applicant)
    as_user(team["clerk"])
    asked = post_json(
        client,
        f"{BASE}/{case.number}/request-supplement",
        {"items": [{"material_id": form.pk, "reason": "未签字"}], "note": "请补正"},
    )
    assert asked.status_code == 200, asked.content
    assert asked.json()["open_supplement"]["items"][0]["name"] == form.name
    empty = post_json(client, f"{BASE}/{case.number}/request-supplement", {"items": []})
    assert_envelope(empty, 409, "invalid_state")  # already awaiting the supplement

    as_user(applicant)
    body = detail(client, case.number)  # type: ignore[arg-type]
    assert body["state"]["value"] == State.SUPPLEMENT_REQUESTED
    assert "resubmit" in action_names(body)
    incomplete = client.post(f"{BASE}/{case.number}/resubmit", data={})
    assert (
        f"material.{form.pk}" in assert_envelope(incomplete, 422, "supplement_incomplete")["fields"]
    )
    resubmitted = client.post(
        f"{BASE}/{case.number}/resubmit",
        data={
            "payload": json.dumps({"revision": body["revision"]}),
            f"material_{form.pk}": pdf_upload("签字.pdf"),
        },
    )
    assert resubmitted.status_code == 200, resubmitted.content
    assert resubmitted.json()["state"]["value"] == State.SUBMITTED
    assert resubmitted.json()["open_supplement"] is None


def test_stale_revision_is_409(client: Any, as_user: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    as_user(team["clerk"])
    seen = detail(client, case.number)["revision"]  # type: ignore[arg-type]
    claimed = post_json(client, f"{BASE}/{case.number}/claim", {"revision": seen})
    assert claimed.status_code == 200 and claimed.json()["revision"] > seen
    assert claimed.json()["assignee"]["name"] == team["clerk"].get_full_name()
    # Acting on what one saw before the claim: refused, for services that check it under
    # their lock (accept) and for the others alike (claim).
    stale = post_json(client, f"{BASE}/{case.number}/accept", {"revision": seen})
    assert_envelope(stale, 409, "stale_revision")
    as_user(team["reviewer"])
    assert_envelope(
        post_json(client, f"{BASE}/{case.number}/claim", {"revision": seen}), 409, "stale_revision"
    )
    # An empty POST is fine where the body is optional.
    assert_envelope(client.post(f"{BASE}/{case.number}/claim"), 409, "already_claimed")
    # The wrong state is a conflict that names the current one.
    error = assert_envelope(
        post_json(client, f"{BASE}/{case.number}/decide", {"decision": "approved", "reason": "x"}),
        409,
        "invalid_state",
    )
    assert "待受理" in error["message"]


def test_task_body_validation_is_422(client: Any, as_user: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    as_user(team["clerk"])
    error = assert_envelope(
        post_json(client, f"{BASE}/{case.number}/reject-intake", {"reason": "不属于本部门"}), 422
    )
    assert "legal_notice" in error["fields"]
    blank = post_json(
        client,
        f"{BASE}/{case.number}/reject-intake",
        {"reason": "不属于本部门", "legal_notice": " "},
    )
    assert "legal_notice" in assert_envelope(blank, 422)["fields"]


def test_special_procedure_extension_and_termination(
    client: Any, as_user: Any, team: dict[str, Any]
) -> None:
    case = submit_case(item=team["item"])
    as_user(team["clerk"])
    post_json(client, f"{BASE}/{case.number}/accept")
    as_user(team["reviewer"])
    started = post_json(
        client,
        f"{BASE}/{case.number}/special-procedures",
        {"kind": "inspection", "name": "现场核查", "reason": "核实场所", "limit_value": 5},
    )
    assert started.status_code == 200, started.content
    assert started.json()["state"]["value"] == State.SPECIAL_PROCEDURE
    assert started.json()["clock"]["paused"] is True
    assert started.json()["special_procedures"][0]["kind"]["value"] == "inspection"
    attached = client.post(
        f"{BASE}/{case.number}/attachments",
        data={"payload": json.dumps({"name": "现场核查记录"}), "file": pdf_upload("记录.pdf")},
    )
    assert attached.status_code == 200, attached.content
    ended = post_json(client, f"{BASE}/{case.number}/special-procedures/end", {"result": "属实"})
    assert ended.json()["state"]["value"] == State.UNDER_REVIEW
    assert_envelope(
        post_json(client, f"{BASE}/{case.number}/extend", {"days": 5, "reason": "复杂"}),
        403,
        "forbidden",
    )
    as_user(team["approver"])
    extended = post_json(client, f"{BASE}/{case.number}/extend", {"days": 5, "reason": "复杂"})
    assert extended.status_code == 200
    assert extended.json()["deadlines"][-1]["reason"]["value"] == "extended"
    terminated = post_json(client, f"{BASE}/{case.number}/terminate", {"reason": "申请人死亡"})
    assert terminated.json()["state"]["value"] == State.TERMINATED

    # The attachment is internal: the applicant neither sees nor downloads it.
    attachment = next(r for r in attached.json()["materials"] if r["material_id"] is None)
    url = attachment["held"][0]["download_url"]
    as_user(case.applicant)
    mine = detail(client, case.number)  # type: ignore[arg-type]
    assert all(row["material_id"] is not None for row in mine["materials"])
    assert_envelope(client.get(url), 404, "not_found")


def test_assign_and_withdraw(client: Any, as_user: Any, team: dict[str, Any]) -> None:
    applicant = VerifiedPersonFactory()
    case = submit_case(item=team["item"], applicant=applicant)
    as_user(team["approver"])
    bad = post_json(client, f"{BASE}/{case.number}/assign", {"assignee": "nobody"})
    assert "assignee" in assert_envelope(bad, 422)["fields"]
    assigned = post_json(
        client, f"{BASE}/{case.number}/assign", {"assignee": str(team["clerk"].sub)}
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee"]["sub"] == str(team["clerk"].sub)

    as_user(applicant)
    # The applicant sees the case but may not handle it: 403, not 404.
    assert_envelope(post_json(client, f"{BASE}/{case.number}/accept"), 403, "forbidden")
    assert detail(client, case.number)["assignee"] is None  # type: ignore[arg-type]
    withdrawn = post_json(client, f"{BASE}/{case.number}/withdraw", {"reason": "不办了"})
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["state"]["value"] == State.WITHDRAWN
    assert withdrawn.json()["outcome"]["outcome_reason"] == "不办了"


# --- Visibility ----------------------------------------------------------------------------------


def test_another_departments_clerk_sees_nothing(
    client: Any, as_user: Any, team: dict[str, Any]
) -> None:
    case = submit_case(item=team["item"])
    outsider = staff_member(Role.WINDOW_CLERK, DepartmentFactory())
    as_user(outsider)
    assert_envelope(client.get(f"{BASE}/{case.number}"), 404, "not_found")
    assert_envelope(post_json(client, f"{BASE}/{case.number}/accept"), 404, "not_found")
    material = case.materials.exclude(file="").get()
    assert_envelope(
        client.get(f"{BASE}/{case.number}/materials/{material.pk}/file"), 404, "not_found"
    )
    for queue in ("intake", "all"):
        listed = client.get(ROOT, {"queue": queue})
        assert listed.status_code == 200 and listed.json()["items"] == []
    # The case's own clerk sees it in the intake queue.
    as_user(team["clerk"])
    listed = client.get(ROOT, {"queue": "intake"}).json()
    assert [row["number"] for row in listed["items"]] == [case.number]
    assert listed["counts"]["intake"] == 1
    assert_envelope(client.get(f"{BASE}/no-such-case"), 404, "not_found")


def test_material_downloads_only_for_those_who_see_the_case(
    client: Any, as_user: Any, team: dict[str, Any]
) -> None:
    applicant = VerifiedPersonFactory()
    case = submit_case(item=team["item"], applicant=applicant)
    material = case.materials.exclude(file="").get()
    url = f"{BASE}/{case.number}/materials/{material.pk}/file"
    assert_envelope(client.get(url), 401, "not_authenticated")
    as_user(VerifiedPersonFactory())
    assert_envelope(client.get(url), 404, "not_found")
    for user in (applicant, team["reviewer"]):
        as_user(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response["Content-Disposition"]
    as_user(applicant)
    assert_envelope(client.get(f"{BASE}/{case.number}/materials/999999/file"), 404)
    assert_envelope(client.get(f"{BASE}/{case.number}/results/999999/file"), 404)


# --- Lists ---------------------------------------------------------------------------------------


def _queries(client: Any, url: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
    return len(captured)


def test_list_query_counts_do_not_grow_with_the_page(
    client: Any, as_user: Any, team: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    applicant = VerifiedPersonFactory()
    item = team["item"]
    for _ in range(12):
        CaseFactory(item=item, applicant=applicant)
    as_user(applicant)
    client.get(ROOT)  # warm the calendar cache
    small = _queries(client, ROOT, {"page_size": 2})
    large = _queries(client, ROOT, {"page_size": 12})
    assert small == large
    with django_assert_max_num_queries(12):
        body = client.get(ROOT, {"page_size": 5, "page": 2}).json()
    assert body["count"] == 12 and len(body["items"]) == 5 and body["has_next"]

    as_user(team["clerk"])
    client.get(ROOT, {"queue": "intake"})
    small = _queries(client, ROOT, {"queue": "intake", "page_size": 2})
    large = _queries(client, ROOT, {"queue": "intake", "page_size": 12})
    assert small == large
    with django_assert_max_num_queries(20):
        body = client.get(ROOT, {"queue": "intake", "page_size": 5}).json()
    assert len(body["items"]) == 5 and body["has_next"] and body["counts"]["intake"] == 12


def test_queue_filters(client: Any, as_user: Any, team: dict[str, Any]) -> None:
    item = team["item"]
    first = CaseFactory(item=item, channel=Channel.WINDOW)
    CaseFactory(item=item, channel=Channel.WEB)
    as_user(team["clerk"])
    by_channel = client.get(ROOT, {"queue": "intake", "channel": "window"}).json()
    assert [row["number"] for row in by_channel["items"]] == [first.number]
    by_number = client.get(ROOT, {"queue": "all", "q": first.number}).json()
    assert [row["number"] for row in by_number["items"]] == [first.number]
    unknown_item = client.get(ROOT, {"queue": "all", "item": "NO-SUCH"}).json()
    assert unknown_item["items"] == []
    assert_envelope(client.get(ROOT, {"queue": "nonsense"}), 422, "validation_error")
    assert_envelope(client.get(ROOT, {"state": "nonsense"}), 422, "validation_error")


# --- Public status -------------------------------------------------------------------------------


def test_public_status_with_the_right_and_wrong_tail(client: Any) -> None:
    applicant = VerifiedPersonFactory()
    case = submit_case(applicant=applicant)
    tail = applicant.id_number[-6:]
    response = client.get(f"{BASE}/status", {"number": case.number, "id_tail": tail})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == case.number and body["state"]["value"] == State.SUBMITTED
    assert body["applicant"] != applicant.full_name and "*" in body["applicant"]
    assert applicant.id_number not in response.content.decode()
    assert [row["action"] for row in body["timeline"]] == ["提交申请"]
    wrong = "000000" if tail != "000000" else "111111"
    missing = client.get(f"{BASE}/status", {"number": case.number, "id_tail": wrong})
    unknown = client.get(f"{BASE}/status", {"number": "nope", "id_tail": tail})
    assert assert_envelope(missing, 404, "not_found") | {"request_id": ""} == assert_envelope(
        unknown, 404, "not_found"
    ) | {"request_id": ""}
    assert_envelope(client.get(f"{BASE}/status", {"number": case.number, "id_tail": "12"}), 422)


def test_public_status_is_limited_after_repeated_failures(client: Any) -> None:
    applicant = VerifiedPersonFactory()
    case = submit_case(applicant=applicant)
    tail = applicant.id_number[-6:]
    wrong = "000000" if tail != "000000" else "111111"
    for _ in range(10):
        response = client.get(f"{BASE}/status", {"number": case.number, "id_tail": wrong})
        assert response.status_code == 404
    limited = client.get(f"{BASE}/status", {"number": case.number, "id_tail": tail})
    assert_envelope(limited, 429, "rate_limited")
    assert 0 < int(limited["Retry-After"]) <= 600
    # Another address is not affected.
    other = client.get(
        f"{BASE}/status", {"number": case.number, "id_tail": tail}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 200


# --- OpenAPI -------------------------------------------------------------------------------------


def test_openapi_documents_the_cases_endpoints(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        ("post", ROOT),
        ("get", ROOT),
        ("get", "/api/v1/cases/status"),
        ("post", "/api/v1/cases/drafts"),
        ("patch", "/api/v1/cases/drafts/{draft_id}"),
        ("post", "/api/v1/cases/drafts/{draft_id}/materials"),
        ("post", "/api/v1/cases/drafts/{draft_id}/submit"),
        ("get", "/api/v1/cases/{number}"),
        ("get", "/api/v1/cases/{number}/materials/{material_id}/file"),
        ("get", "/api/v1/cases/{number}/results/{result_id}/file"),
        *(
            ("post", f"/api/v1/cases/{{number}}/{action}")
            for action in (
                "accept",
                "reject-intake",
                "request-supplement",
                "resubmit",
                "claim",
                "assign",
                "review",
                "special-procedures",
                "special-procedures/end",
                "extend",
                "decide",
                "issue",
                "deliver",
                "complete",
                "withdraw",
                "terminate",
                "attachments",
            )
        ),
    }
    for method, url in expected:
        operation = paths[url][method]
        assert operation["tags"] == ["cases"], url
        assert operation["summary"], url
        assert any(code.startswith("4") for code in operation["responses"]), url
    submit = paths[ROOT]["post"]
    multipart = submit["requestBody"]["content"]["multipart/form-data"]
    assert "payload" in multipart["schema"]["properties"]
    assert multipart["schema"]["patternProperties"]
    assert "Idempotency-Key" in {p["name"] for p in submit["parameters"]}
    assert "Idempotency-Key" in submit["description"]
    for code in ("201", "200", "409", "422"):
        assert code in submit["responses"]
    accept = paths["/api/v1/cases/{number}/accept"]["post"]
    assert "409" in accept["responses"] and "422" in accept["responses"]
    assert "CaseDetailOut" in schema["components"]["schemas"]
    assert "ErrorOut" in schema["components"]["schemas"]
    status = paths["/api/v1/cases/status"]["get"]
    assert "429" in status["responses"] and not status.get("security")


def test_review_of_someone_elses_step_is_refused(
    client: Any, as_user: Any, team: dict[str, Any]
) -> None:
    case = submit_case(item=team["item"])
    as_user(team["clerk"])
    post_json(client, f"{BASE}/{case.number}/accept")
    step = CaseStep.objects.get(case=case, kind=CaseStep.Kind.REVIEW)
    # The window clerk sees the case but the review step is the reviewer's.
    refused = post_json(
        client,
        f"{BASE}/{case.number}/review",
        {"step": step.pk, "outcome": "agree", "opinion": "同意"},
    )
    assert_envelope(refused, 403, "forbidden")
    as_user(team["reviewer"])
    bad_outcome = post_json(
        client,
        f"{BASE}/{case.number}/review",
        {"step": step.pk, "outcome": "maybe", "opinion": "同意"},
    )
    assert "outcome" in assert_envelope(bad_outcome, 422)["fields"]


def test_issue_without_a_file_generates_the_decision(
    client: Any, as_user: Any, team: dict[str, Any]
) -> None:
    from govhub.cases import services

    case = services.case_accept(actor=team["clerk"], case=submit_case(item=team["item"]))
    step = case.steps.get(kind=CaseStep.Kind.REVIEW)
    services.case_review(
        actor=team["reviewer"], case=case, step=step, outcome="agree", opinion="同意"
    )
    services.case_decide(actor=team["approver"], case=case, decision="approved", reason="准予")
    as_user(team["clerk"])
    seen = detail(client, case.number)["revision"]  # type: ignore[arg-type]
    # A JSON body instead of multipart: no file, so the decision notice is generated.
    issued = post_json(client, f"{BASE}/{case.number}/issue", {"revision": seen})
    assert issued.status_code == 200, issued.content
    result = issued.json()["results"][0]
    assert result["content_type"] == "application/pdf" and result["size"] > 0
    assert issued.json()["state"]["value"] == State.ISSUED
    posted = post_json(
        client,
        f"{BASE}/{case.number}/deliver",
        {"method": "post", "address": "鹤岗市向阳区1号", "tracking_number": "SF1"},
    )
    assert posted.json()["state"]["value"] == State.DELIVERED
    assert posted.json()["delivery"]["tracking_number"] == "SF1"
    completed = client.post(f"{BASE}/{case.number}/complete")
    assert completed.json()["state"]["value"] == State.COMPLETED
