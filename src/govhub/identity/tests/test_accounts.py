"""Password and mobile changes, the authenticator, confirmation in person, staff
activation."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.core.models import AuditEvent
from govhub.identity import session, totp
from govhub.identity.models import SmsChallenge, StaffActivation, TotpDevice
from govhub.identity.services import (
    mobile_change,
    password_change,
    person_confirm_in_person,
    sign_in_password,
    sign_in_totp,
    sms_code_send,
    staff_activate,
    staff_activation_check,
    staff_activation_issue,
    totp_begin,
    totp_confirm,
    totp_remove,
    totp_uri,
)
from govhub.identity.tests.factories import (
    PASSWORD,
    PersonFactory,
    StaffUserFactory,
    TotpDeviceFactory,
    VerifiedPersonFactory,
)
from govhub.identity.tests.helpers import current_totp_code, last_code, wrong_totp_code
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import (
    DepartmentFactory,
    PositionFactory,
    StaffMemberFactory,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-good-pass-42"


# --- Password -------------------------------------------------------------------------------


def test_password_change_keeps_the_session(make_request):
    user = PersonFactory()
    request = make_request()
    session.session_sign_in(request, user, methods=["pwd"])
    password_change(user=user, old_password=PASSWORD, new_password=NEW_PASSWORD, request=request)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert request.session["_auth_user_hash"] == user.get_session_auth_hash()
    assert AuditEvent.objects.filter(action="identity.account.password_change").exists()
    assert NEW_PASSWORD not in str(AuditEvent.objects.values_list("changes", flat=True)[0])


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [("wrong", NEW_PASSWORD, "old_password"), (PASSWORD, PASSWORD, "new_password"),
     (PASSWORD, "1234567890", "new_password")],
)  # fmt: skip
def test_password_change_errors(old, new, field):
    user = PersonFactory()
    with pytest.raises(InvalidInput) as caught:
        password_change(user=user, old_password=old, new_password=new, request=None)
    assert field in caught.value.fields
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- Mobile ---------------------------------------------------------------------------------


def test_mobile_change(outbox, make_request):
    user = VerifiedPersonFactory()
    sms_code_send(
        mobile="13700000001", purpose=SmsChallenge.Purpose.MOBILE_CHANGE, request=make_request()
    )
    mobile_change(user=user, mobile="137 0000 0001", code=last_code(outbox), request=None)
    user.refresh_from_db()
    assert user.mobile == "13700000001"
    event = AuditEvent.objects.get(action="identity.account.mobile_change")
    assert event.changes["mobile"][1] == "137****0001"


def test_mobile_change_errors(outbox, make_request):
    user = VerifiedPersonFactory()
    other = VerifiedPersonFactory()
    with pytest.raises(InvalidInput) as caught:
        mobile_change(user=user, mobile=other.mobile, code="123456", request=None)
    assert caught.value.fields == {"mobile": ["该手机号码已被其他账号使用。"]}
    with pytest.raises(InvalidInput) as caught:
        mobile_change(user=user, mobile=user.mobile, code="123456", request=None)
    assert "相同" in caught.value.fields["mobile"][0]
    with pytest.raises(InvalidInput) as caught:
        mobile_change(user=user, mobile="13700000002", code="123456", request=None)
    assert caught.value.fields == {"code": ["请先获取短信验证码。"]}


# --- Authenticator --------------------------------------------------------------------------


def test_totp_enrolment():
    user = VerifiedPersonFactory()
    secret = totp_begin(user=user)
    assert totp.is_valid_secret(secret) and not TotpDevice.objects.exists()
    assert "issuer=" in totp_uri(user=user, secret=secret)
    with pytest.raises(InvalidInput) as caught:
        totp_confirm(user=user, secret=secret, code=wrong_totp_code(secret), request=None)
    assert "动态口令不正确" in caught.value.fields["code"][0]
    with pytest.raises(InvalidInput) as caught:
        totp_confirm(user=user, secret="bad", code="123456", request=None)
    assert "secret" in caught.value.fields
    device = totp_confirm(user=user, secret=secret, code=current_totp_code(secret), request=None)
    assert device.secret == secret and device.last_used_step is not None
    event = AuditEvent.objects.get(action="identity.totp.confirm")
    assert event.changes == {"replaced": False} and secret not in str(event.changes)


def test_totp_secret_is_stored_encrypted():
    from django.db import connection

    device = TotpDeviceFactory()
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM identity_totpdevice WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert device.secret not in stored


def test_enrolment_code_cannot_be_replayed_at_sign_in(make_request):
    staff = StaffUserFactory(is_staff=True)
    secret = totp_begin(user=staff)
    code = current_totp_code(secret)
    totp_confirm(user=staff, secret=secret, code=code, request=None)
    request = make_request()
    sign_in_password(request=request, identifier=staff.username, password=PASSWORD)
    with pytest.raises(InvalidInput):
        sign_in_totp(request=request, code=code)


def test_person_removes_own_totp_but_not_others():
    device = TotpDeviceFactory(user=VerifiedPersonFactory())
    with pytest.raises(Forbidden):
        totp_remove(actor=VerifiedPersonFactory(), user=device.user, request=None)
    assert AuditEvent.objects.get(action="identity.totp.remove").outcome == "denied"
    totp_remove(actor=device.user, user=device.user, request=None)
    assert not TotpDevice.objects.exists()
    assert AuditEvent.objects.filter(action="identity.totp.remove", outcome="success").exists()


def _department_admin(department):
    position = PositionFactory(
        role=Position.Role.DEPARTMENT_ADMIN, department=department, region=department.region
    )
    return position.staff.user


def test_staff_totp_is_removed_by_their_department_admin_only():
    staff = StaffMemberFactory()
    TotpDeviceFactory(user=staff.user)
    with pytest.raises(Forbidden):
        totp_remove(actor=staff.user, user=staff.user, request=None)
    with pytest.raises(Forbidden):
        totp_remove(actor=_department_admin(DepartmentFactory()), user=staff.user, request=None)
    totp_remove(actor=_department_admin(staff.department), user=staff.user, request=None)
    assert not TotpDevice.objects.filter(user=staff.user).exists()


# --- Confirmation in person -----------------------------------------------------------------


def _window_clerk():
    return PositionFactory(role=Position.Role.WINDOW_CLERK).staff.user


def test_window_clerk_confirms_in_person():
    clerk = _window_clerk()
    user = VerifiedPersonFactory()
    assert user.assurance_ceiling == "L2"
    person_confirm_in_person(actor=clerk, user=user, request=None)
    user.refresh_from_db()
    assert user.assurance_ceiling == "L3" and user.in_person_verified_by == clerk
    assert AuditEvent.objects.get(action="identity.account.confirm_in_person").actor == clerk


def test_in_person_confirmation_refusals():
    with pytest.raises(Forbidden):
        person_confirm_in_person(
            actor=VerifiedPersonFactory(), user=VerifiedPersonFactory(), request=None
        )
    with pytest.raises(InvalidInput):
        person_confirm_in_person(actor=_window_clerk(), user=PersonFactory(), request=None)


def test_a_second_in_person_confirmation_keeps_the_first():
    first_clerk, second_clerk = _window_clerk(), _window_clerk()
    user = VerifiedPersonFactory()
    person_confirm_in_person(actor=first_clerk, user=user, request=None)
    with pytest.raises(Conflict):
        person_confirm_in_person(actor=second_clerk, user=user, request=None)
    user.refresh_from_db()
    assert user.in_person_verified_by == first_clerk


# --- Staff activation -----------------------------------------------------------------------


@pytest.fixture
def staff():
    member = StaffMemberFactory()
    member.user.set_unusable_password()
    member.user.save()
    return member


def test_activation_end_to_end(staff, make_request):
    admin = _department_admin(staff.department)
    token = staff_activation_issue(actor=admin, staff=staff)
    assert staff_activation_check(token=token).user == staff.user
    secret = totp.new_secret()
    user = staff_activate(
        token=token,
        password=NEW_PASSWORD,
        totp_secret=secret,
        totp_code=current_totp_code(secret),
        request=None,
    )
    assert user.check_password(NEW_PASSWORD)
    assert TotpDevice.objects.get(user=user).secret == secret
    assert AuditEvent.objects.filter(action="identity.staff.activate", actor=user).exists()
    with pytest.raises(InvalidInput) as caught:
        staff_activation_check(token=token)
    assert caught.value.code == "activation_used"
    # The staff member now signs in with password + TOTP.
    request = make_request()
    assert sign_in_password(
        request=request, identifier=user.username, password=NEW_PASSWORD
    ).status == ("needs_factor")


def test_activation_refusals(staff):
    admin = _department_admin(staff.department)
    with pytest.raises(Forbidden):
        staff_activation_issue(actor=_department_admin(DepartmentFactory()), staff=staff)
    first = staff_activation_issue(actor=admin, staff=staff)
    second = staff_activation_issue(actor=admin, staff=staff)
    with pytest.raises(InvalidInput) as caught:
        staff_activation_check(token=first)  # replaced by the second
    assert caught.value.code == "activation_expired"
    with pytest.raises(InvalidInput) as caught:
        staff_activation_check(token="nonsense")
    assert caught.value.code == "activation_invalid"
    secret = totp.new_secret()
    with pytest.raises(InvalidInput) as caught:
        staff_activate(token=second, password="123", totp_secret=secret,
                       totp_code=current_totp_code(secret), request=None)  # fmt: skip
    assert "password" in caught.value.fields
    with pytest.raises(InvalidInput) as caught:
        staff_activate(token=second, password=NEW_PASSWORD, totp_secret=secret,
                       totp_code=wrong_totp_code(secret), request=None)  # fmt: skip
    assert "totp_code" in caught.value.fields
    assert not TotpDevice.objects.exists()
    StaffActivation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(InvalidInput) as caught:
        staff_activation_check(token=second)
    assert "已过期" in str(caught.value.message)


def test_inactive_staff_gets_no_activation(staff):
    admin = _department_admin(staff.department)
    staff.is_active = False
    staff.save()
    with pytest.raises(InvalidInput):
        staff_activation_issue(actor=admin, staff=staff)
