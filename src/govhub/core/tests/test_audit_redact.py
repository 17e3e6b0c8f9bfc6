"""What the audit trail may say about a value: secrets never, ID numbers and mobiles
masked; and the source address of records written without the request at hand."""

from __future__ import annotations

import datetime
import hashlib
import uuid

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.test import RequestFactory
from oauth2_provider.models import Grant, IDToken

from govhub.core.audit import audit_log
from govhub.core.audit_redact import (
    REDACTED,
    form_changes,
    is_secret_name,
    redact,
    safe_label,
    snapshot,
)
from govhub.core.middleware import RequestIdMiddleware
from govhub.core.requestid import client_address_var, current_client_address
from govhub.identity.models import TotpDevice, User

ID_NUMBER = "230402198503120412"


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "password1",
        "new_password2",
        "client_secret",
        "secret",
        "token",
        "token_checksum",
        "id_number_hash",
        "code_hash",
        "key_hash",
        "session_key",
        "totp_secret",
        "signature",
    ],
)
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["name", "code", "phone", "footprint", "pinyin", "sort_order", "keyword", "uscc"]
)
def test_ordinary_names(name):
    assert not is_secret_name(name)


def test_redact_hides_masks_and_keeps():
    assert redact("password", "Very-secret-99") == REDACTED
    assert redact("client_secret", "") == ""  # "cleared" is still said
    assert redact("id_number", ID_NUMBER) == "230402********0412"
    assert redact("applicant_id_number", ID_NUMBER) == "230402********0412"
    assert redact("id_number_hash", "ab" * 32) == REDACTED
    assert redact("mobile", "13800000001") == "138****0001"
    assert redact("phone", "0468-3999999") == "0468-3999999"
    assert redact("name", "x" * 500) == "x" * 200
    assert redact("valid_from", datetime.date(2026, 5, 1)) == "2026-05-01"
    assert redact("payload", b"\x00\x01") == {"sha256": hashlib.sha256(b"\x00\x01").hexdigest()}


def test_redact_knows_encrypted_fields_and_unnamed_secrets():
    assert redact("secret", "JBSWY3DPEHPK3PXP", model=TotpDevice) == REDACTED
    assert redact("code", "grant-code-123", model=Grant) == REDACTED
    assert redact("code", "230400", model=Group) == "230400"


def test_form_changes_hide_password_inputs():
    class Form(forms.Form):
        pin_code = forms.CharField(widget=forms.PasswordInput)
        label = forms.CharField()

    form = Form(data={"pin_code": "4711-secret", "label": "甲"}, initial={"label": ""})
    assert form.is_valid()
    assert form_changes(form) == {"pin_code": REDACTED, "label": "甲"}


@pytest.mark.django_db
def test_snapshot_and_label_of_a_row_with_secrets():
    user = User.objects.create_user(
        "snap",
        password="Snap-secret-2026",
        id_number=ID_NUMBER,
        id_number_hash="ab" * 32,
        mobile="13800000009",
    )
    values = snapshot(user)
    assert values["password"] == REDACTED
    assert values["id_number"] == "230402********0412"
    assert values["id_number_hash"] == REDACTED
    assert values["mobile"] == "138****0009"
    assert values["username"] == "snap"
    jti = uuid.uuid4()
    id_token = IDToken(pk=7, jti=jti, user=user)
    assert str(jti) in str(id_token)
    assert safe_label(id_token) == f"{IDToken._meta.verbose_name} #7"
    assert safe_label(user) == str(user)


@pytest.mark.django_db
def test_records_name_the_source_address_without_the_request():
    token = client_address_var.set("10.9.8.7")
    try:
        event = audit_log(actor=None, action="core.test.thing")
    finally:
        client_address_var.reset(token)
    assert event.source_ip == "10.9.8.7"
    assert audit_log(actor=None, action="core.test.thing").source_ip is None
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1")
    assert audit_log(actor=None, action="core.test.thing", request=request).source_ip == (
        "10.1.1.1"
    )


def test_the_request_middleware_publishes_the_client_address():
    seen = []

    def view(request):
        from django.http import HttpResponse

        seen.append(current_client_address())
        return HttpResponse()

    RequestIdMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="192.0.2.10"))
    assert seen == ["192.0.2.10"]
    assert current_client_address() is None
