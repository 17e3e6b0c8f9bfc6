"""Discarding a draft through the API: `DELETE /api/v1/cases/drafts/{id}` answers 204,
404 for a draft the caller does not see, 403 for one they see but may not change, 409
`not_a_draft` for a submitted case, and the step-up 401 below L2."""

from __future__ import annotations

import datetime
import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from govhub.cases.models import Case
from govhub.cases.tests.factories import application_form, make_online_item, pdf_upload
from govhub.cases.workflow import State
from govhub.core.models import AuditEvent
from govhub.identity.models import AgentScope
from govhub.identity.testing import sign_in
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    EnterpriseFactory,
    VerifiedPersonFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/cases"
L2 = ["pwd", "sms"]


@pytest.fixture(autouse=True)
def _fast(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "govhub.identity.oidc.hashers.ClientSecretHasher",
    ]
    yield


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"], error
    return error  # type: ignore[no-any-return]


def new_draft(client: Any, item: Any, **headers: Any) -> int:
    created = client.post(
        f"{BASE}/drafts",
        data=json.dumps({"item": item.implementation_code}),
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    return int(created.json()["id"])


def bearer(user: Any, *, scope: str = "openid enterprise") -> dict[str, str]:
    """An access token of `user` from a two-factor (L2) sign-in, as the mobile app has."""
    from oauth2_provider.models import AccessToken, Application, RefreshToken, set_token_value

    from govhub.identity.oidc_models import OidcAuthorization

    application = Application.objects.create(
        client_id=f"mobile-app-{uuid.uuid4().hex[:6]}",
        name="移动端",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example.test/cb",
    )
    raw = secrets.token_urlsafe(24)
    token = AccessToken(
        user=user,
        application=application,
        scope=scope,
        expires=timezone.now() + datetime.timedelta(hours=1),
    )
    set_token_value(token, raw)
    token.save()
    family = uuid.uuid4()  # what the sign-in proved is found through the token's family
    refresh = RefreshToken(
        user=user, application=application, access_token=token, token_family=family
    )
    set_token_value(refresh, secrets.token_urlsafe(24))
    refresh.save()
    OidcAuthorization.objects.create(
        user=user,
        application=application,
        scope=scope,
        acr="L2",
        auth_time=timezone.now(),
        token_family=family,
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_delete_discards_the_draft_and_its_files(
    client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    sign_in(client, applicant, methods=L2)
    draft_id = new_draft(client, item)
    uploaded = client.post(
        f"{BASE}/drafts/{draft_id}/materials",
        data={f"material_{application_form(item).pk}": pdf_upload()},
    )
    assert uploaded.status_code == 201, uploaded.content
    stored = Case.objects.get(pk=draft_id).materials.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{BASE}/drafts/{draft_id}")
    assert response.status_code == 204, response.content
    assert response.content == b""
    assert not Case.objects.filter(pk=draft_id).exists()
    assert not default_storage.exists(stored)
    record = AuditEvent.objects.get(action="cases.case.draft_discard")
    assert record.changes == {"item": item.implementation_code, "files": 1}
    # Gone: a second call, or reading it, is 404.
    assert_envelope(client.delete(f"{BASE}/drafts/{draft_id}"), 404, "not_found")
    assert_envelope(client.get(f"{BASE}/drafts/{draft_id}"), 404, "not_found")


def test_delete_with_a_token_from_the_mobile_app(client: Any) -> None:
    applicant = VerifiedPersonFactory()
    headers = bearer(applicant)
    draft_id = new_draft(client, make_online_item(), **headers)
    assert client.delete(f"{BASE}/drafts/{draft_id}", **headers).status_code == 204
    assert not Case.objects.filter(pk=draft_id).exists()


def test_someone_elses_draft_is_not_found(client: Any) -> None:
    sign_in(client, VerifiedPersonFactory(), methods=L2)
    draft_id = new_draft(client, make_online_item())
    client.logout()
    sign_in(client, VerifiedPersonFactory(), methods=L2)
    assert_envelope(client.delete(f"{BASE}/drafts/{draft_id}"), 404, "not_found")
    assert Case.objects.get(pk=draft_id).state == State.DRAFT
    assert_envelope(client.delete(f"{BASE}/drafts/999999"), 404, "not_found")


def test_a_submitted_case_is_not_a_draft(client: Any) -> None:
    applicant = VerifiedPersonFactory()
    item = make_online_item()
    sign_in(client, applicant, methods=L2)
    draft_id = new_draft(client, item)
    client.post(
        f"{BASE}/drafts/{draft_id}/materials",
        data={f"material_{application_form(item).pk}": pdf_upload()},
    )
    submitted = client.post(f"{BASE}/drafts/{draft_id}/submit")
    assert submitted.status_code == 201, submitted.content
    error = assert_envelope(client.delete(f"{BASE}/drafts/{draft_id}"), 409, "not_a_draft")
    assert "撤回" in error["message"]
    assert Case.objects.get(pk=draft_id).state == State.SUBMITTED


def test_a_viewer_of_the_enterprise_may_not_discard_its_draft(client: Any) -> None:
    enterprise = EnterpriseFactory()
    item = make_online_item()
    applying = bearer(enterprise.legal_representative) | {"HTTP_X_ACTING_FOR": enterprise.uscc}
    draft_id = new_draft(client, item, **applying)
    viewer = VerifiedPersonFactory()
    AgentAuthorizationFactory(enterprise=enterprise, agent=viewer, scopes=[AgentScope.VIEW])
    viewing = bearer(viewer) | {"HTTP_X_ACTING_FOR": enterprise.uscc}
    assert client.get(f"{BASE}/drafts/{draft_id}", **viewing).status_code == 200
    assert_envelope(client.delete(f"{BASE}/drafts/{draft_id}", **viewing), 403, "forbidden")
    # The person without the header: not the enterprise's draft for them.
    alone = bearer(enterprise.legal_representative)
    assert_envelope(client.delete(f"{BASE}/drafts/{draft_id}", **alone), 404, "not_found")
    assert client.delete(f"{BASE}/drafts/{draft_id}", **applying).status_code == 204


def test_discarding_needs_level_two(client: Any) -> None:
    applicant = VerifiedPersonFactory()
    sign_in(client, applicant, methods=L2)
    draft_id = new_draft(client, make_online_item())
    client.logout()
    sign_in(client, applicant, methods=["pwd"])
    assert_envelope(
        client.delete(f"{BASE}/drafts/{draft_id}"), 401, "insufficient_user_authentication"
    )
    assert Case.objects.filter(pk=draft_id).exists()


def test_openapi_documents_the_delete(client: Any) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"][f"{BASE}/drafts/{{draft_id}}"][
        "delete"
    ]
    assert operation["summary"] == "放弃申请草稿"
    assert "not_a_draft" in operation["description"]
    assert {"204", "404", "409"} <= set(operation["responses"])
