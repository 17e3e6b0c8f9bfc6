"""Signing in: password, SMS, staff TOTP, lockout with back-off, step-up."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from govhub.core.errors import Forbidden, InvalidInput
from govhub.core.models import AuditEvent
from govhub.identity import session
from govhub.identity.errors import AccountLocked
from govhub.identity.models import LoginThrottle, SignInEvent, SmsChallenge, TotpDevice
from govhub.identity.services import (
    sign_in_password,
    sign_in_sms,
    sign_in_totp,
    sms_code_send,
    step_up_methods,
    step_up_password,
    step_up_sms,
    step_up_totp,
)
from govhub.identity.tests.factories import (
    PASSWORD,
    PersonFactory,
    StaffUserFactory,
    TotpDeviceFactory,
    VerifiedPersonFactory,
)
from govhub.identity.tests.helpers import current_totp_code, last_code, wrong_totp_code

pytestmark = pytest.mark.django_db


# --- Password -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["username", "mobile", "id_number"])
def test_person_signs_in_with_any_identifier(make_request, how):
    user = VerifiedPersonFactory()
    identifier = {"username": user.username, "mobile": user.mobile, "id_number": user.id_number}
    request = make_request()
    result = sign_in_password(request=request, identifier=identifier[how], password=PASSWORD)
    assert result.completed and result.user == user and result.acr == "L1"
    assert request.user == user
    assert session.session_amr(request) == ["pwd"]
    assert session.session_acr(request) == "L1"
    assert session.session_auth_time(request) > 0
    event = SignInEvent.objects.get()
    assert (event.outcome, event.method, event.acr, event.ip) == (
        "success",
        "pwd",
        "L1",
        "10.0.0.1",
    )
    assert event.user_agent == "pytest-browser"
    assert AuditEvent.objects.filter(action="identity.signin.success", actor=user).exists()


def test_sign_in_rotates_the_session_key(make_request):
    user = PersonFactory()
    request = make_request()
    request.session["x"] = 1
    request.session.save()
    before = request.session.session_key
    sign_in_password(request=request, identifier=user.username, password=PASSWORD)
    assert request.session.session_key != before


def test_wrong_password_is_recorded_and_counted(make_request):
    user = PersonFactory()
    with pytest.raises(InvalidInput) as caught:
        sign_in_password(request=make_request(), identifier=user.username, password="wrong")
    assert str(caught.value.message) == "账号或密码不正确。还可以尝试 4 次。"
    event = SignInEvent.objects.get()
    assert (event.user, event.outcome, event.reason) == (user, "failure", "bad_credentials")
    assert AuditEvent.objects.get(action="identity.signin.failure").outcome == "failure"
    assert LoginThrottle.objects.get(scope="account").failures == 1


def test_unknown_account_gives_the_same_answer(make_request):
    with pytest.raises(InvalidInput) as caught:
        sign_in_password(request=make_request(), identifier="nobody-here", password="wrong")
    assert str(caught.value.message) == "账号或密码不正确。还可以尝试 4 次。"
    event = SignInEvent.objects.get()
    assert event.user is None and event.identifier == "nob********"


def test_inactive_account_cannot_sign_in(make_request):
    user = PersonFactory(is_active=False)
    with pytest.raises(InvalidInput):
        sign_in_password(request=make_request(), identifier=user.username, password=PASSWORD)


def test_lockout_after_five_failures_with_back_off(make_request, settings):
    user = PersonFactory()
    for _ in range(4):
        with pytest.raises(InvalidInput):
            sign_in_password(request=make_request(), identifier=user.username, password="x")
    with pytest.raises(AccountLocked) as caught:
        sign_in_password(request=make_request(), identifier=user.username, password="x")
    assert caught.value.retry_after == settings.GOVHUB_LOCKOUT_BASE_SECONDS
    assert str(caught.value.message) == "账号已锁定，请 5 分钟后再试。"
    assert AuditEvent.objects.filter(action="identity.signin.lockout").count() == 1
    # The right password is refused while locked, and the refusal is recorded.
    with pytest.raises(AccountLocked):
        sign_in_password(request=make_request(), identifier=user.username, password=PASSWORD)
    assert SignInEvent.objects.filter(outcome="locked").count() == 1
    assert AuditEvent.objects.filter(action="identity.signin.locked", outcome="denied").exists()
    # Locked whichever identifier names the account.
    with pytest.raises(AccountLocked):
        sign_in_password(request=make_request(), identifier=user.mobile, password=PASSWORD)
    # The lock ends; five more failures lock twice as long.
    LoginThrottle.objects.filter(scope="account").update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    for _ in range(4):
        with pytest.raises(InvalidInput):
            sign_in_password(request=make_request(), identifier=user.username, password="x")
    with pytest.raises(AccountLocked) as caught:
        sign_in_password(request=make_request(), identifier=user.username, password="x")
    assert caught.value.retry_after == 2 * settings.GOVHUB_LOCKOUT_BASE_SECONDS
    assert str(caught.value.message) == "账号已锁定，请 10 分钟后再试。"


def test_success_clears_the_account_counter(make_request):
    user = PersonFactory()
    for _ in range(4):
        with pytest.raises(InvalidInput):
            sign_in_password(request=make_request(), identifier=user.username, password="x")
    sign_in_password(request=make_request(), identifier=user.username, password=PASSWORD)
    assert LoginThrottle.objects.get(scope="account").failures == 0
    with pytest.raises(InvalidInput) as caught:
        sign_in_password(request=make_request(), identifier=user.username, password="x")
    assert "还可以尝试 4 次" in str(caught.value.message)


def test_address_lockout_across_accounts(make_request, settings):
    settings.GOVHUB_LOCKOUT_ADDRESS_FAILURES = 3
    users = PersonFactory.create_batch(3)
    for user in users[:2]:
        with pytest.raises(InvalidInput):
            sign_in_password(
                request=make_request("10.6.6.6"), identifier=user.username, password="x"
            )
    with pytest.raises(AccountLocked) as caught:
        sign_in_password(
            request=make_request("10.6.6.6"), identifier=users[2].username, password="x"
        )
    assert "网络地址" in str(caught.value.message)
    with pytest.raises(AccountLocked):
        sign_in_password(
            request=make_request("10.6.6.6"), identifier=users[0].username, password=PASSWORD
        )
    # Another address is not affected.
    sign_in_password(
        request=make_request("10.6.6.7"), identifier=users[0].username, password=PASSWORD
    )


# --- SMS ------------------------------------------------------------------------------------


def _sign_in_code(outbox, make_request, mobile):
    sms_code_send(mobile=mobile, purpose=SmsChallenge.Purpose.SIGN_IN, request=make_request())
    return last_code(outbox)


def test_sms_sign_in(outbox, make_request):
    user = VerifiedPersonFactory()
    code = _sign_in_code(outbox, make_request, user.mobile)
    request = make_request()
    result = sign_in_sms(request=request, mobile=user.mobile, code=code)
    assert result.completed and request.user == user
    assert session.session_amr(request) == ["sms"] and session.session_acr(request) == "L1"
    with pytest.raises(InvalidInput) as caught:
        sign_in_sms(request=make_request(), mobile=user.mobile, code=code)
    assert caught.value.code == "signin_sms_code_used"


def test_sms_sign_in_wrong_and_expired_codes_count_as_failures(outbox, make_request):
    user = VerifiedPersonFactory()
    code = _sign_in_code(outbox, make_request, user.mobile)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(InvalidInput) as caught:
        sign_in_sms(request=make_request(), mobile=user.mobile, code=wrong)
    assert caught.value.fields["code"][0].startswith("验证码不正确")
    SmsChallenge.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(InvalidInput) as caught:
        sign_in_sms(request=make_request(), mobile=user.mobile, code=code)
    assert caught.value.fields["code"] == ["验证码已过期，请重新获取。"]
    assert SignInEvent.objects.filter(user=user, outcome="failure", method="sms").count() == 2
    assert LoginThrottle.objects.get(scope="account").failures == 2


def test_sms_sign_in_for_a_number_without_account(make_request):
    sms_code_send(
        mobile="13900009999", purpose=SmsChallenge.Purpose.SIGN_IN, request=make_request()
    )
    with pytest.raises(InvalidInput):
        sign_in_sms(request=make_request(), mobile="13900009999", code="123456")


def test_staff_are_not_sent_sign_in_codes(outbox, make_request):
    staff = StaffUserFactory(mobile="13900001111", mobile_verified_at=timezone.now())
    person = VerifiedPersonFactory(mobile="13900002222")
    # The same answer for both numbers; only the person's phone gets a message.
    for mobile in (staff.mobile, person.mobile):
        sms_code_send(mobile=mobile, purpose="sign_in", request=make_request())
    assert [m["mobile"] for m in outbox] == [person.mobile]
    challenge = SmsChallenge.objects.get(mobile=staff.mobile)
    assert challenge.delivered is False
    record = AuditEvent.objects.filter(action="identity.sms.send", object_id=str(challenge.pk))
    assert record.get().changes["withheld"] == "staff"
    # Admin-capable person accounts count as staff too.
    admin = VerifiedPersonFactory(mobile="13900003333", is_staff=True)
    sms_code_send(mobile=admin.mobile, purpose="sign_in", request=make_request())
    assert len(outbox) == 1
    assert SmsChallenge.objects.get(mobile=admin.mobile).delivered is False


def test_staff_cannot_sign_in_by_sms(outbox, make_request):
    from govhub.identity.services_sms import code_digest

    staff = StaffUserFactory(mobile="13900001111", mobile_verified_at=timezone.now())
    TotpDeviceFactory(user=staff)
    # No code is ever sent to a staff account's number; should one exist (the account
    # became staff after it was sent), it still does not sign in.
    code = "246810"
    SmsChallenge.objects.create(
        mobile=staff.mobile,
        purpose="sign_in",
        code_hash=code_digest(mobile=staff.mobile, purpose="sign_in", code=code),
        expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    request = make_request()
    with pytest.raises(InvalidInput) as caught:
        sign_in_sms(request=request, mobile=staff.mobile, code=code)
    assert "动态口令" in str(caught.value.message)
    assert not request.user.is_authenticated


# --- Staff: password + TOTP -----------------------------------------------------------------


def test_staff_need_totp_after_the_password(make_request):
    device = TotpDeviceFactory()
    staff = device.user
    request = make_request()
    result = sign_in_password(request=request, identifier=staff.username, password=PASSWORD)
    assert result.status == "needs_factor" and result.methods == ["otp"]
    assert not request.user.is_authenticated
    assert session.session_pending_user(request) == staff
    assert session.session_pending_available(request) == ["otp"]
    assert SignInEvent.objects.get().outcome == "needs_factor"
    result = sign_in_totp(request=request, code=current_totp_code(device.secret))
    assert result.completed and request.user == staff
    assert session.session_amr(request) == ["pwd", "otp", "mfa"]
    assert session.session_acr(request) == "L2"
    assert session.session_pending_user(request) is None


def test_staff_without_totp_cannot_sign_in(make_request):
    staff = StaffUserFactory()
    request = make_request()
    with pytest.raises(InvalidInput) as caught:
        sign_in_password(request=request, identifier=staff.username, password=PASSWORD)
    assert "尚未绑定动态口令" in str(caught.value.message)
    assert not request.user.is_authenticated
    assert SignInEvent.objects.get().reason == "totp_not_enrolled"


def test_superuser_person_account_also_needs_totp(make_request):
    admin = PersonFactory(is_superuser=True, is_staff=True)
    with pytest.raises(InvalidInput):
        sign_in_password(request=make_request(), identifier=admin.username, password=PASSWORD)
    TotpDeviceFactory(user=admin)
    result = sign_in_password(request=make_request(), identifier=admin.username, password=PASSWORD)
    assert result.status == "needs_factor"


def test_the_backend_refuses_staff_password_only(rf):
    from django.contrib.auth import authenticate

    staff = TotpDeviceFactory().user
    person = PersonFactory()
    assert authenticate(rf.get("/"), username=staff.username, password=PASSWORD) is None
    assert authenticate(rf.get("/"), username=person.username, password=PASSWORD) == person
    assert authenticate(rf.get("/"), username=person.mobile, password=PASSWORD) == person
    assert authenticate(rf.get("/"), username="nobody", password=PASSWORD) is None


def test_totp_replay_is_refused(make_request):
    device = TotpDeviceFactory()
    code = current_totp_code(device.secret)
    request = make_request()
    sign_in_password(request=request, identifier=device.user.username, password=PASSWORD)
    sign_in_totp(request=request, code=code)
    second = make_request()
    sign_in_password(request=second, identifier=device.user.username, password=PASSWORD)
    with pytest.raises(InvalidInput) as caught:
        sign_in_totp(request=second, code=code)
    assert caught.value.fields["code"] == ["该动态口令已使用过，请等待下一个口令。"]
    assert SignInEvent.objects.filter(reason="totp_replayed").count() == 1
    assert not second.user.is_authenticated


def test_wrong_totp_counts_towards_lockout(make_request, settings):
    settings.GOVHUB_LOCKOUT_ACCOUNT_FAILURES = 2
    device = TotpDeviceFactory()
    request = make_request()
    sign_in_password(request=request, identifier=device.user.username, password=PASSWORD)
    wrong = wrong_totp_code(device.secret)
    with pytest.raises(InvalidInput) as caught:
        sign_in_totp(request=request, code=wrong)
    assert caught.value.fields["code"] == ["动态口令不正确。"]
    with pytest.raises(AccountLocked):
        sign_in_totp(request=request, code=wrong)
    with pytest.raises(AccountLocked):
        sign_in_totp(request=request, code=current_totp_code(device.secret))


def test_totp_without_pending_password(make_request):
    with pytest.raises(InvalidInput) as caught:
        sign_in_totp(request=make_request(), code="123456")
    assert caught.value.code == "signin_pending_expired"


def test_pending_sign_in_expires(make_request):
    device = TotpDeviceFactory()
    request = make_request()
    sign_in_password(request=request, identifier=device.user.username, password=PASSWORD)
    pending = request.session[session.PENDING]
    pending["since"] -= session.PENDING_SECONDS + 1
    request.session[session.PENDING] = pending
    with pytest.raises(InvalidInput):
        sign_in_totp(request=request, code=current_totp_code(device.secret))


# --- Step-up --------------------------------------------------------------------------------


def _signed_in(make_request, user, methods=("pwd",)):
    request = make_request()
    session.session_sign_in(request, user, methods=list(methods))
    return request


def test_step_up_with_sms_reaches_l2(outbox, make_request):
    user = VerifiedPersonFactory()
    request = _signed_in(make_request, user)
    key = request.session.session_key
    assert step_up_methods(user) == ["sms", "pwd"]
    sms_code_send(mobile=user.mobile, purpose=SmsChallenge.Purpose.STEP_UP, request=request)
    assert step_up_sms(request=request, code=last_code(outbox)) == "L2"
    assert session.session_acr(request) == "L2"
    assert session.session_amr(request) == ["pwd", "sms", "mfa"]
    assert request.session.session_key != key
    assert SignInEvent.objects.filter(outcome="step_up", acr="L2").count() == 1
    assert AuditEvent.objects.filter(action="identity.signin.step_up").exists()


def test_step_up_on_an_unverified_account_stays_l1(outbox, make_request):
    user = PersonFactory()
    request = _signed_in(make_request, user)
    sms_code_send(mobile=user.mobile, purpose=SmsChallenge.Purpose.STEP_UP, request=request)
    assert step_up_sms(request=request, code=last_code(outbox)) == "L1"


def test_step_up_l3_after_in_person_confirmation(make_request):
    user = VerifiedPersonFactory(in_person_verified_at=timezone.now())
    device = TotpDeviceFactory(user=user)
    request = _signed_in(make_request, user, methods=("sms",))
    assert step_up_totp(request=request, code=current_totp_code(device.secret)) == "L1"
    assert step_up_password(request=request, password=PASSWORD) == "L3"


def test_step_up_errors(make_request):
    user = PersonFactory(mobile="", mobile_verified_at=None)
    request = _signed_in(make_request, user, methods=("sms",))
    with pytest.raises(InvalidInput) as caught:
        step_up_sms(request=request, code="123456")
    assert caught.value.code == "no_verified_mobile"
    with pytest.raises(InvalidInput) as caught:
        step_up_password(request=request, password="wrong")
    assert caught.value.fields == {"password": ["密码不正确。"]}
    with pytest.raises(InvalidInput) as caught:
        step_up_totp(request=request, code="123456")
    assert not TotpDevice.objects.exists()
    with pytest.raises(Forbidden):
        step_up_password(request=make_request(), password=PASSWORD)
    assert session.session_acr(request) == "L1"


def test_sign_in_history_is_the_users_own_newest_first(make_request, django_assert_num_queries):
    from govhub.identity.selectors import sign_in_history

    user = PersonFactory()
    other = PersonFactory()
    for _ in range(3):
        with pytest.raises(InvalidInput):
            sign_in_password(request=make_request(), identifier=user.username, password="x")
    sign_in_password(request=make_request(), identifier=user.username, password=PASSWORD)
    sign_in_password(request=make_request(), identifier=other.username, password=PASSWORD)
    with django_assert_num_queries(1):
        history = sign_in_history(user=user, limit=3)
    assert [event.outcome for event in history] == ["success", "failure", "failure"]
    assert all(event.user_id == user.pk for event in history)
