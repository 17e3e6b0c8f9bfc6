"""Forgotten password (找回密码): an SMS code to the account's mobile and the registered ID
number, then a new password; every session of the account ends and client systems'
tokens are revoked. Also: a password change ends the other sessions."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from govhub.core.errors import Forbidden, InvalidInput
from govhub.core.events import subscribe, unsubscribe
from govhub.core.models import AuditEvent
from govhub.identity import throttle
from govhub.identity.events import SignedOut
from govhub.identity.models import LoginThrottle, SmsChallenge
from govhub.identity.oidc_models import OidcAuthorization
from govhub.identity.services import password_reset, sign_in_password, sms_code_send
from govhub.identity.services_sms import code_digest
from govhub.identity.tests.factories import (
    PASSWORD,
    PersonFactory,
    ResidentFactory,
    StaffUserFactory,
    VerifiedPersonFactory,
)
from govhub.identity.tests.helpers import last_code
from govhub.identity.tests.oidc_support import get_tokens, make_client, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Nenjiang-bridge-42"


@pytest.fixture
def published():
    """The SignedOut events published (after commit); the provider's own handler is
    subscribed by the app (IdentityConfig.ready)."""
    events: list[SignedOut] = []
    subscribe(SignedOut, events.append)
    yield events
    unsubscribe(SignedOut, events.append)


def _code(outbox, make_request, mobile, ip="10.0.0.1"):
    sms_code_send(mobile=mobile, purpose="password_reset", request=make_request(ip))
    return last_code(outbox)


def _reset(make_request, user, code, **overrides):
    kwargs = {
        "request": make_request(),
        "identifier_mobile": user.mobile,
        "id_number": user.id_number,
        "code": code,
        "new_password": NEW_PASSWORD,
    }
    kwargs.update(overrides)
    return password_reset(**kwargs)


def _challenge(mobile, code, purpose="password_reset"):
    """A code as if it had been sent (for numbers that are never sent one)."""
    return SmsChallenge.objects.create(
        mobile=mobile,
        purpose=purpose,
        code_hash=code_digest(mobile=mobile, purpose=purpose, code=code),
        expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )


# --- The reset ---------------------------------------------------------------------------


def test_reset_sets_the_password_and_ends_every_session(
    client, outbox, make_request, published, django_capture_on_commit_callbacks
):
    make_client(trusted=True)
    user = VerifiedPersonFactory()
    phone = type(client)()
    sign_in(client, user)
    get_tokens(client)
    sign_in(phone, user)
    get_tokens(phone)
    desk = type(client)()  # a session that never signed in to a client system
    sign_in(desk, user)
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 2
    code = _code(outbox, make_request, user.mobile)

    request = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        returned = _reset(make_request, user, code, request=request)

    assert returned == user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert not request.user.is_authenticated  # not signed in by the reset
    # Two sessions signed in to client systems: one SignedOut each, tokens revoked.
    assert len(published) == 2
    assert {e.reason for e in published} == {"password_reset"}
    assert {e.user_id for e in published} == {user.pk}
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()
    assert not AccessToken.objects.exists()
    assert not OidcAuthorization.objects.filter(ended_at__isnull=True).exists()
    # Every browser session is signed out, including the one without tokens.
    for browser in (client, phone, desk):
        response = browser.get("/account/")
        assert response.status_code == 302 and "/account/sign-in/" in response["Location"]
    challenge = SmsChallenge.objects.get(mobile=user.mobile, purpose="password_reset")
    assert challenge.used_at is not None
    record = AuditEvent.objects.get(action="identity.account.password_reset")
    assert record.outcome == AuditEvent.Outcome.SUCCESS
    assert record.changes["sessions_ended"] == 2
    assert NEW_PASSWORD not in str(record.changes) and user.id_number not in str(record.changes)


def test_reset_lifts_the_account_lock(outbox, make_request):
    user = VerifiedPersonFactory()
    for _attempt in range(5):
        with pytest.raises(InvalidInput):
            sign_in_password(request=make_request(), identifier=user.username, password="wrong!")
    assert throttle.locked_for(scope="account", value=f"user:{user.pk}") > 0
    _reset(make_request, user, _code(outbox, make_request, user.mobile))
    row = LoginThrottle.objects.get(scope="account")
    assert row.failures == 0 and row.locked_until is None
    result = sign_in_password(request=make_request(), identifier=user.mobile, password=NEW_PASSWORD)
    assert result.completed


def test_a_code_is_spent_once(outbox, make_request):
    user = VerifiedPersonFactory()
    code = _code(outbox, make_request, user.mobile)
    _reset(make_request, user, code)
    with pytest.raises(InvalidInput) as caught:
        _reset(make_request, user, code, new_password="Another-river-2026")
    assert caught.value.code == "sms_code_used"


# --- Bad input ----------------------------------------------------------------------------


def test_wrong_code_is_counted_and_changes_nothing(outbox, make_request):
    user = VerifiedPersonFactory()
    code = _code(outbox, make_request, user.mobile)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(InvalidInput) as caught:
        _reset(make_request, user, wrong)
    assert caught.value.fields["code"] == ["验证码不正确，还可以再试 4 次。"]
    assert SmsChallenge.objects.get().attempts == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_code_for_another_purpose_does_not_reset(outbox, make_request):
    user = VerifiedPersonFactory()
    sms_code_send(mobile=user.mobile, purpose="sign_in", request=make_request())
    with pytest.raises(InvalidInput) as caught:
        _reset(make_request, user, last_code(outbox))
    assert caught.value.code == "sms_code_missing"


def test_id_number_of_someone_else_is_refused_and_uses_up_the_code(outbox, make_request):
    user = VerifiedPersonFactory()
    other = ResidentFactory()
    code = _code(outbox, make_request, user.mobile)
    for _attempt in range(5):
        with pytest.raises(InvalidInput) as caught:
            _reset(make_request, user, code, id_number=other.id_number)
        assert "身份证号码与该手机号码的账号登记信息不一致" in caught.value.fields["id_number"][0]
    # Five probes, then the code is used up even with the right ID number.
    with pytest.raises(InvalidInput) as caught:
        _reset(make_request, user, code)
    assert caught.value.code == "sms_code_exhausted"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    refused = AuditEvent.objects.filter(
        action="identity.account.password_reset", outcome=AuditEvent.Outcome.FAILURE
    )
    assert refused.count() == 5
    assert refused.first().changes == {"reason": "id_number_mismatch"}


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"new_password": "12345678"}, "new_password", "密码强度不足"),
        ({"new_password": "short"}, "new_password", "密码强度不足"),
        ({"identifier_mobile": "1380000"}, "mobile", "手机号码"),
        ({"id_number": "230402198503120413"}, "id_number", "校验"),
        ({"id_number": "abc"}, "id_number", "身份证"),
    ],
)
def test_malformed_input_is_refused_before_the_code(
    outbox, make_request, overrides, field, fragment
):
    user = VerifiedPersonFactory()
    code = _code(outbox, make_request, user.mobile)
    with pytest.raises(InvalidInput) as caught:
        _reset(make_request, user, code, **overrides)
    assert fragment in " ".join(caught.value.fields[field])
    # Nothing was checked against the account: the code is untouched.
    challenge = SmsChallenge.objects.get()
    assert challenge.attempts == 0 and challenge.used_at is None


def test_password_like_the_account_name_is_refused_after_the_code(outbox, make_request):
    user = VerifiedPersonFactory(username="songhuariver")
    code = _code(outbox, make_request, user.mobile)
    with pytest.raises(InvalidInput) as caught:
        _reset(make_request, user, code, new_password="songhuariver")
    assert "new_password" in caught.value.fields
    # The same code still works with a better password.
    _reset(make_request, user, code)


# --- Uniform answers ---------------------------------------------------------------------


def test_no_code_is_sent_to_a_number_without_an_account(outbox, make_request):
    known = VerifiedPersonFactory(mobile="13500001111")
    unknown = "13500002222"
    unverified = PersonFactory(mobile="13500003333", mobile_verified_at=None)
    answers = [
        sms_code_send(mobile=m, purpose="password_reset", request=make_request())
        for m in (known.mobile, unknown, unverified.mobile)
    ]
    assert all(isinstance(a, SmsChallenge) for a in answers)
    assert [m["mobile"] for m in outbox] == [known.mobile]
    withheld = AuditEvent.objects.filter(action="identity.sms.send").exclude(
        object_id=str(answers[0].pk)
    )
    assert {e.changes["withheld"] for e in withheld} == {"no_account"}


def test_wrong_codes_read_the_same_with_or_without_an_account(outbox, make_request):
    known = VerifiedPersonFactory(mobile="13500001111")
    resident = ResidentFactory()
    messages = []
    for mobile, number in ((known.mobile, known.id_number), ("13500002222", resident.id_number)):
        code = _code(outbox, make_request, mobile)
        wrong = "000000" if code != "000000" else "111111"
        with pytest.raises(InvalidInput) as caught:
            password_reset(
                request=make_request(),
                identifier_mobile=mobile,
                id_number=number,
                code=wrong,
                new_password=NEW_PASSWORD,
            )
        messages.append((caught.value.code, caught.value.fields))
    assert messages[0] == messages[1]


# --- Staff ----------------------------------------------------------------------------------


def test_staff_are_not_sent_reset_codes(outbox, make_request):
    staff = StaffUserFactory(mobile="13500004444", mobile_verified_at=timezone.now())
    admin = VerifiedPersonFactory(mobile="13500005555", is_superuser=True)
    for mobile in (staff.mobile, admin.mobile):
        sms_code_send(mobile=mobile, purpose="password_reset", request=make_request())
    assert outbox == []
    assert set(SmsChallenge.objects.values_list("delivered", flat=True)) == {False}
    records = AuditEvent.objects.filter(action="identity.sms.send")
    assert {r.changes["withheld"] for r in records} == {"staff"}


def test_staff_are_refused_with_a_clear_answer(make_request):
    staff = VerifiedPersonFactory(mobile="13500004444", kind="staff")
    _challenge(staff.mobile, "135790")
    with pytest.raises(Forbidden) as caught:
        _reset(make_request, staff, "135790")
    assert caught.value.code == "staff_password_reset"
    assert "部门管理员" in str(caught.value.message)
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    record = AuditEvent.objects.get(action="identity.account.password_reset")
    assert record.outcome == AuditEvent.Outcome.DENIED


# --- Password change ends the other sessions --------------------------------------------------


def test_password_change_ends_the_other_sessions_only(
    client, published, django_capture_on_commit_callbacks
):
    make_client(trusted=True)
    user = VerifiedPersonFactory()
    phone = type(client)()
    sign_in(client, user)
    mine = get_tokens(client)
    sign_in(phone, user)
    theirs = get_tokens(phone)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/password/",
            {
                "old_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_confirm": NEW_PASSWORD,
            },
        )
    assert response.status_code == 302
    assert len(published) == 1 and published[0].reason == "password_change"
    # This browser stays signed in, with its tokens; the phone is signed out, tokens gone.
    assert client.get("/account/").status_code == 200
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1
    assert AccessToken.objects.count() == 1
    live = OidcAuthorization.objects.get(ended_at__isnull=True)
    assert live.sid == client.session["oidc_sid"]
    userinfo = client.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {mine['access_token']}")
    assert userinfo.status_code == 200
    userinfo = phone.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {theirs['access_token']}")
    assert userinfo.status_code == 401
    response = phone.get("/account/")
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]
    record = AuditEvent.objects.get(action="identity.account.password_change")
    assert record.changes == {"sessions_ended": 1}


# --- The page ------------------------------------------------------------------------------

RESET = "/account/password/reset/"


def _page_errors(response, name):
    import re

    html = response.content.decode()
    match = re.search(rf'<p class="field-error" id="id_{name}_error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def test_sign_in_page_links_to_the_reset_page(client):
    html = client.get("/account/sign-in/").content.decode()
    assert f'href="{RESET}"' in html and "忘记密码？" in html


@pytest.mark.parametrize(
    ("language", "lang_attr", "label"),
    [("zh-hans", "zh-Hans", "获取验证码"), ("en", "en", "Send code")],
)
def test_reset_page_in_both_languages(client, language, lang_attr, label):
    response = client.get(RESET, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{lang_attr}"' in html
    for name in ("mobile", "code", "id_number", "new_password", "new_password_confirm"):
        assert f'name="{name}"' in html
    assert 'value="send_code"' in html and 'autocomplete="new-password"' in html
    assert label in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_reset_through_the_page(client, outbox):
    user = VerifiedPersonFactory(mobile="13500006666")
    response = client.post(RESET, {"mobile": user.mobile, "action": "send_code"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "如果该号码绑定了个人账号，验证码已发送至 135****6666" in html
    assert outbox[-1]["mobile"] == user.mobile
    response = client.post(
        RESET,
        {
            "mobile": user.mobile,
            "code": last_code(outbox),
            "id_number": user.id_number,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?identifier=13500006666")
    assert "_auth_user_id" not in client.session  # signs in afterwards, not now
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    response = client.post(
        "/account/sign-in/", {"identifier": user.mobile, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_the_page_says_the_same_for_an_unknown_number(client, outbox):
    response = client.post(RESET, {"mobile": "13500007777", "action": "send_code"})
    assert "如果该号码绑定了个人账号，验证码已发送至 135****7777" in response.content.decode()
    assert outbox == []


def test_page_errors_are_shown_next_to_their_fields(client, outbox):
    user = VerifiedPersonFactory(mobile="13500006666")
    client.post(RESET, {"mobile": user.mobile, "action": "send_code"})
    code = last_code(outbox)
    data = {
        "mobile": user.mobile,
        "code": "000000" if code != "000000" else "111111",
        "id_number": user.id_number,
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
    }
    assert "验证码不正确" in _page_errors(client.post(RESET, data), "code")
    data["code"] = code
    data["new_password_confirm"] = "something-else-1"
    assert "两次输入的新密码不一致" in _page_errors(
        client.post(RESET, data), "new_password_confirm"
    )
    data["new_password"] = data["new_password_confirm"] = "12345678"
    assert "密码强度不足" in _page_errors(client.post(RESET, data), "new_password")
    data["new_password"] = data["new_password_confirm"] = NEW_PASSWORD
    data["id_number"] = ResidentFactory().id_number
    assert "不一致" in _page_errors(client.post(RESET, data), "id_number")
    # Sending again at once: the wait, on the mobile field.
    response = client.post(RESET, {"mobile": user.mobile, "action": "send_code"})
    assert "秒后再试" in _page_errors(response, "mobile")


def test_page_tells_staff_to_ask_their_administrator(client):
    html = client.get(RESET).content.decode()
    assert "工作人员账号不能通过短信找回密码" in html
    staff = VerifiedPersonFactory(mobile="13500004444", kind="staff")
    _challenge(staff.mobile, "135790")
    response = client.post(
        RESET,
        {
            "mobile": staff.mobile,
            "code": "135790",
            "id_number": staff.id_number,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "请联系本部门管理员" in response.content.decode()


# --- The API ---------------------------------------------------------------------------------

API = "/api/v1/identity"


def _api_code(client, mobile):
    return client.post(
        f"{API}/sms-codes",
        {"mobile": mobile, "purpose": "password_reset"},
        content_type="application/json",
    )


def test_api_reset(client, outbox):
    user = VerifiedPersonFactory(mobile="13500008888")
    response = _api_code(client, user.mobile)
    assert response.status_code == 202
    assert response.json() == {
        "masked_mobile": "135****8888",
        "purpose": "password_reset",
        "expires_in": 300,
    }
    # The same answer for a number without an account, and nothing sent.
    unknown = _api_code(client, "13500009999")
    assert unknown.status_code == 202 and unknown.json()["masked_mobile"] == "135****9999"
    assert [m["mobile"] for m in outbox] == [user.mobile]
    payload = {
        "mobile": user.mobile,
        "id_number": user.id_number,
        "sms_code": last_code(outbox),
        "new_password": NEW_PASSWORD,
    }
    response = client.post(f"{API}/password-reset", payload, content_type="application/json")
    assert response.status_code == 204, response.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_api_reset_codes_are_rate_limited(client, outbox):
    user = VerifiedPersonFactory(mobile="13500008888")
    assert _api_code(client, user.mobile).status_code == 202
    response = _api_code(client, user.mobile)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
    assert len(outbox) == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"sms_code": "WRONG!"}, 422, "sms_code_wrong", "sms_code"),
        ({"id_number": "OTHER"}, 422, "validation_error", "id_number"),
        ({"new_password": "12345678"}, 422, "validation_error", "new_password"),
        ({"mobile": "123"}, 422, "validation_error", "mobile"),
    ],
)
def test_api_reset_errors(client, outbox, change, status, code, field):
    user = VerifiedPersonFactory(mobile="13500008888")
    _api_code(client, user.mobile)
    right = last_code(outbox)
    payload = {
        "mobile": user.mobile,
        "id_number": user.id_number,
        "sms_code": right,
        "new_password": NEW_PASSWORD,
    }
    payload.update(change)
    if payload["sms_code"] == "WRONG!":
        payload["sms_code"] = "000000" if right != "000000" else "111111"
    if payload["id_number"] == "OTHER":
        payload["id_number"] = ResidentFactory().id_number
    response = client.post(f"{API}/password-reset", payload, content_type="application/json")
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_api_refuses_staff(client):
    staff = VerifiedPersonFactory(mobile="13500004444", kind="staff")
    _challenge(staff.mobile, "135790")
    payload = {
        "mobile": staff.mobile,
        "id_number": staff.id_number,
        "sms_code": "135790",
        "new_password": NEW_PASSWORD,
    }
    response = client.post(f"{API}/password-reset", payload, content_type="application/json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "staff_password_reset" and "部门管理员" in error["message"]
