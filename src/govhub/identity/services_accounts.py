"""Person and staff accounts: real-name registration, password and mobile changes, the
authenticator (TOTP), confirmation in person (L3), staff activation."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govhub.core.audit import audit_denials, audit_log, client_ip
from govhub.core.crypto import lookup_hash
from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.core.masking import mask_id_number, mask_name, mask_phone
from govhub.core.models import AuditEvent
from govhub.core.validators import check_id_number, normalize_mobile
from govhub.identity import policies, session, throttle, totp
from govhub.identity.models import RealNameCheck, SmsChallenge, StaffActivation, TotpDevice, User
from govhub.identity.services_sms import (
    sms_code_check,
    sms_code_consume,
    sms_code_count_failure,
    sms_code_verify,
)
from govhub.organizations.models import StaffMember

ID_NUMBER_PURPOSE = "id_number"
REGISTER_PURPOSE = "identity.register"


def _errors(field: str, messages: Any) -> InvalidInput:
    many = isinstance(messages, (list, tuple))
    texts = [str(m) for m in messages] if many else [str(messages)]
    return InvalidInput(texts[0], fields={field: texts})


def _password_errors(password: str, user: User, *, field: str = "password") -> InvalidInput | None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return InvalidInput(
            _("密码强度不足，请按提示修改。"),
            code="weak_password",
            fields={field: [str(_("密码强度不足：")), *[str(m) for m in exc.messages]]},
        )
    return None


def _mobile_or_error(mobile: str, *, field: str = "mobile") -> str:
    try:
        return normalize_mobile(mobile)
    except ValidationError as exc:
        raise _errors(field, exc.messages) from exc


def id_number_hash(id_number: str) -> str:
    return lookup_hash(id_number, purpose=ID_NUMBER_PURPOSE)


def _registry_message(outcome: str) -> tuple[str, Any]:
    if outcome == "name_mismatch":
        return "name", _("姓名与身份证号码不一致，请核对。")
    if outcome == "inactive":
        return "id_number", _(
            "该身份证号码登记的人员状态异常，无法在线注册，请持身份证到政务服务窗口办理。"
        )
    return "id_number", _(
        "人口库中没有该身份证号码，请核对；如确认无误，请持身份证到政务服务窗口办理。"
    )


# --- Registration ---------------------------------------------------------------------------


def person_register(
    *,
    request: HttpRequest | None,
    name: str,
    id_number: str,
    mobile: str,
    sms_code: str,
    password: str,
) -> User:
    """Open a real-name verified person account.

    Checked in this order, each failure an `InvalidInput` on its field: the name, the ID
    number's format and check character, the mobile number, the password's strength,
    an existing account with this ID number or mobile, the SMS code (not yet used up),
    then the population registry (name and ID number must match a living resident; the
    answer is recorded as a `RealNameCheck`, and a mismatch uses up one attempt of the
    code). The account is created with both the real name and the mobile verified.
    """
    name = "".join((name or "").split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [str(_("请填写姓名。"))]
    elif len(name) > 64:
        errors["name"] = [str(_("姓名太长。"))]
    try:
        number = check_id_number(id_number).value
    except ValidationError as exc:
        errors["id_number"] = [str(m) for m in exc.messages]
        number = ""
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError as exc:
        errors["mobile"] = [str(m) for m in exc.messages]
    candidate = User(username="-", full_name=name, id_number=number, mobile=mobile)
    weak = _password_errors(password or "", candidate)
    if weak is not None:
        errors.update(weak.fields)
    if errors:
        raise InvalidInput(fields=errors)
    if User.objects.filter(id_number_hash=id_number_hash(number)).exists():
        raise _errors(
            "id_number",
            _("该身份证号码已注册账号，请直接登录；忘记密码可在登录页选择“忘记密码？”重设。"),
        )
    if User.objects.filter(mobile=mobile).exists():
        raise _errors("mobile", _("该手机号码已被其他账号使用。"))
    challenge = sms_code_check(
        mobile=mobile, purpose=SmsChallenge.Purpose.REGISTER, code=sms_code, field="sms_code"
    )

    from govhub.registries.selectors import resident_verify

    with transaction.atomic():
        match = resident_verify(
            actor=None,
            name=name,
            id_number=number,
            purpose=REGISTER_PURPOSE,
            request=request,
            actor_label=mask_phone(mobile),
        )
        check = RealNameCheck.objects.create(
            purpose="register",
            masked_name=mask_name(name),
            masked_id_number=mask_id_number(number),
            outcome=match.outcome,
            ip=client_ip(request),
        )
        if match.outcome != "match":
            sms_code_count_failure(challenge)
            audit_log(
                actor=None,
                actor_label=mask_phone(mobile),
                action="identity.account.register",
                target=check,
                outcome=AuditEvent.Outcome.FAILURE,
                changes={"reason": match.outcome},
                request=request,
            )
    if match.outcome != "match":
        field, message = _registry_message(match.outcome)
        raise _errors(field, message)

    try:
        return _create_person(
            request=request,
            challenge=challenge,
            check=check,
            name=name,
            number=number,
            mobile=mobile,
            password=password,
        )
    except IntegrityError as exc:
        # Another registration with this ID number or mobile won the race.
        raise _errors("id_number", _("该身份证号码或手机号码已注册账号，请直接登录。")) from exc


@transaction.atomic
def _create_person(
    *,
    request: HttpRequest | None,
    challenge: SmsChallenge,
    check: RealNameCheck,
    name: str,
    number: str,
    mobile: str,
    password: str,
) -> User:
    sms_code_consume(challenge)
    now = timezone.now()
    user = User(
        kind=User.Kind.PERSON,
        full_name=name,
        id_number=number,
        id_number_hash=id_number_hash(number),
        mobile=mobile,
        mobile_verified_at=now,
        real_name_verified_at=now,
    )
    user.username = f"u{user.sub.hex[:20]}"
    user.set_password(password)
    user.save()
    check.user = user
    check.save(update_fields=["user"])
    audit_log(
        actor=user,
        action="identity.account.register",
        target=user,
        changes={
            "name": mask_name(name),
            "id_number": mask_id_number(number),
            "mobile": mask_phone(mobile),
            "real_name_check": check.pk,
        },
        request=request,
    )
    return user


# --- Password and mobile --------------------------------------------------------------------


@transaction.atomic
def password_change(
    *, user: User, old_password: str, new_password: str, request: HttpRequest | None
) -> None:
    """Change the password. The current session stays signed in; the user's other
    sessions end, and the tokens of client systems they signed into are revoked."""
    if not user.check_password(old_password):
        raise _errors("old_password", _("当前密码不正确。"))
    if old_password == new_password:
        raise _errors("new_password", _("新密码不能与当前密码相同。"))
    weak = _password_errors(new_password, user, field="new_password")
    if weak is not None:
        raise weak
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ended = session.session_end_others(request, user, reason="password_change")
    if request is not None and getattr(request, "session", None) is not None:
        update_session_auth_hash(request, user)
    audit_log(
        actor=user,
        action="identity.account.password_change",
        target=user,
        changes={"sessions_ended": ended},
        request=request,
    )


def password_reset(
    *,
    request: HttpRequest | None,
    identifier_mobile: str,
    id_number: str,
    code: str,
    new_password: str,
) -> User:
    """Set a new password for someone who forgot theirs (找回密码), proved by an SMS code
    sent to the account's verified mobile (purpose "password_reset") and the ID number
    registered on the account. Does not sign in.

    Checked in this order, each failure an `InvalidInput` on its field: the mobile's and
    the ID number's format and the new password's strength (none of which depends on the
    account), then the code (a code is sent only to the verified mobile of an active
    person account, so for any other number the answers are those of a wrong code), then
    the ID number against the account (a mismatch uses up one attempt of the code) and the
    password against the account's name. Staff accounts are refused (`Forbidden`): their
    department administrator issues a new activation link.

    In one transaction: the code is spent, the password set, the account's lockout
    counter cleared, every session of the account ended (`session.session_end_others`,
    which revokes client systems' tokens) and the change audited
    (`identity.account.password_reset`).
    """
    errors: dict[str, list[str]] = {}
    mobile = number = ""
    try:
        mobile = normalize_mobile(identifier_mobile)
    except ValidationError as exc:
        errors["mobile"] = [str(m) for m in exc.messages]
    try:
        number = check_id_number(id_number).value
    except ValidationError as exc:
        errors["id_number"] = [str(m) for m in exc.messages]
    weak = _password_errors(
        new_password or "",
        User(username="-", mobile=mobile, id_number=number),
        field="new_password",
    )
    if weak is not None:
        errors.update(weak.fields)
    if errors:
        raise InvalidInput(fields=errors)
    challenge = sms_code_check(
        mobile=mobile, purpose=SmsChallenge.Purpose.PASSWORD_RESET, code=code, field="code"
    )
    # The code matched: whoever asks holds the phone, so the answers may now be precise.
    user = User.objects.filter(
        mobile=mobile, mobile_verified_at__isnull=False, is_active=True
    ).first()
    label = mask_phone(mobile)
    if user is not None and user.is_staff_account:
        _reset_refused(request=request, user=user, label=label, reason="staff")
        raise Forbidden(
            _(
                "工作人员账号不能通过短信找回密码。请联系本部门管理员，"
                "由其为您重新发放激活链接后设置新密码。"
            ),
            code="staff_password_reset",
        )
    if user is None or not user.id_number_hash or user.id_number_hash != id_number_hash(number):
        sms_code_count_failure(challenge)
        _reset_refused(request=request, user=user, label=label, reason="id_number_mismatch")
        raise _errors("id_number", _("身份证号码与该手机号码的账号登记信息不一致，请核对。"))
    weak = _password_errors(new_password, user, field="new_password")
    if weak is not None:
        raise weak
    with transaction.atomic():
        sms_code_consume(challenge)
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        throttle.clear(scope=throttle.Scope.ACCOUNT, value=f"user:{user.pk}")
        ended = session.session_end_others(
            request, user, reason="password_reset", keep_current=False
        )
        audit_log(
            actor=user,
            action="identity.account.password_reset",
            target=user,
            changes={"mobile": label, "sessions_ended": ended},
            request=request,
        )
    return user


def _reset_refused(
    *, request: HttpRequest | None, user: User | None, label: str, reason: str
) -> None:
    audit_log(
        actor=None,
        actor_label=label,
        action="identity.account.password_reset",
        target=user,
        outcome=AuditEvent.Outcome.DENIED if reason == "staff" else AuditEvent.Outcome.FAILURE,
        changes={"reason": reason},
        request=request,
    )


def mobile_change(*, user: User, mobile: str, code: str, request: HttpRequest | None) -> User:
    """Replace the verified mobile number, proved by a code sent to the new number."""
    mobile = _mobile_or_error(mobile)
    if mobile == user.mobile:
        raise _errors("mobile", _("新手机号码与当前号码相同。"))
    if User.objects.filter(mobile=mobile).exclude(pk=user.pk).exists():
        raise _errors("mobile", _("该手机号码已被其他账号使用。"))
    sms_code_verify(mobile=mobile, purpose=SmsChallenge.Purpose.MOBILE_CHANGE, code=code)
    with transaction.atomic():
        old = user.mobile
        user.mobile = mobile
        user.mobile_verified_at = timezone.now()
        user.save(update_fields=["mobile", "mobile_verified_at"])
        audit_log(
            actor=user,
            action="identity.account.mobile_change",
            target=user,
            changes={"mobile": [mask_phone(old), mask_phone(mobile)]},
            request=request,
        )
    return user


# --- Authenticator (TOTP) -------------------------------------------------------------------


def totp_begin(*, user: User) -> str:
    """A new secret for the authenticator app; nothing is stored until `totp_confirm`."""
    return totp.new_secret()


def totp_uri(*, user: User, secret: str) -> str:
    """The otpauth:// URI for the QR code of `secret`."""
    name = user.full_name or user.username
    return totp.provisioning_uri(
        secret, account_name=f"{name} ({user.username})", issuer=str(settings.GOVHUB_TOTP_ISSUER)
    )


def _enrol(*, user: User, secret: str, code: str, field: str = "code") -> TotpDevice:
    if not totp.is_valid_secret(secret):
        raise _errors("secret", _("动态口令密钥无效，请重新开始绑定。"))
    now = timezone.now()
    step, _replayed = totp.matching_step(secret, code, timestamp=now.timestamp())
    if step is None:
        raise _errors(field, _("动态口令不正确，请检查手机时间是否准确后重新输入。"))
    device, _created = TotpDevice.objects.update_or_create(
        user=user,
        defaults={
            "secret": secret,
            "confirmed_at": now,
            "last_used_step": step,
            "last_used_at": now,
        },
    )
    return device


@transaction.atomic
def totp_confirm(*, user: User, secret: str, code: str, request: HttpRequest | None) -> TotpDevice:
    """Bind the authenticator whose secret came from `totp_begin`, once it shows a valid
    code; replaces an earlier one."""
    replaced = TotpDevice.objects.filter(user=user).exists()
    device = _enrol(user=user, secret=secret, code=code)
    audit_log(
        actor=user,
        action="identity.totp.confirm",
        target=user,
        changes={"replaced": replaced},
        request=request,
    )
    return device


@audit_denials("identity.totp.remove", target_keywords=("user",))
@transaction.atomic
def totp_remove(*, actor: Any, user: User, request: HttpRequest | None) -> None:
    """Remove the authenticator: a person their own; a staff member's by their department's
    administrator (the staff member then needs a new activation)."""
    if not policies.can_remove_totp(actor, user):
        raise Forbidden(_("您没有权限解除该账号的动态口令。"))
    deleted, _details = TotpDevice.objects.filter(user=user).delete()
    if deleted:
        audit_log(actor=actor, action="identity.totp.remove", target=user, request=request)


# --- Confirmation in person (L3) ------------------------------------------------------------


@audit_denials("identity.account.confirm_in_person", target_keywords=("user",))
@transaction.atomic
def person_confirm_in_person(*, actor: Any, user: User, request: HttpRequest | None) -> User:
    """A window clerk, with the person and their ID card at the counter, confirms the
    account's holder (level L3)."""
    if not policies.can_confirm_in_person(actor):
        raise Forbidden(_("只有窗口工作人员可以进行现场身份核验。"))
    if actor.pk == user.pk:
        raise Forbidden(_("不能核验自己的账号。"))
    if not user.is_real_name_verified:
        raise InvalidInput(_("该账号尚未完成实名认证，不能进行现场核验。"))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.in_person_verified_at is not None:
        # Keep the first confirmation's date and clerk: a second one would overwrite them.
        raise Conflict(
            _("该账号已于 %(date)s 完成现场核验。")
            % {"date": f"{timezone.localdate(user.in_person_verified_at):%Y-%m-%d}"}
        )
    user.in_person_verified_at = timezone.now()
    user.in_person_verified_by = actor
    user.save(update_fields=["in_person_verified_at", "in_person_verified_by"])
    audit_log(
        actor=actor,
        action="identity.account.confirm_in_person",
        target=user,
        changes={"id_number": user.masked_id_number},
        request=request,
    )
    return user


# --- Staff activation -----------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@audit_denials("identity.staff.activation_issue", target_keywords=("staff",))
@transaction.atomic
def staff_activation_issue(
    *, actor: Any, staff: StaffMember, request: HttpRequest | None = None
) -> str:
    """A one-time activation token for `staff` (valid GOVHUB_STAFF_ACTIVATION_HOURS);
    earlier unused tokens stop working. Returns the raw token (shown once; the link is
    `reverse("identity:activate", args=[token])`)."""
    if not policies.can_issue_staff_activation(actor, staff):
        raise Forbidden(_("您没有权限为该工作人员发放激活链接。"))
    if not staff.is_active or not staff.user.is_active:
        raise InvalidInput(_("该工作人员已停用。"))
    now = timezone.now()
    StaffActivation.objects.filter(
        user=staff.user, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    activation = StaffActivation.objects.create(
        user=staff.user,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.GOVHUB_STAFF_ACTIVATION_HOURS),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="identity.staff.activation_issue",
        target=staff.user,
        changes={"activation": activation.pk, "expires_at": activation.expires_at.isoformat()},
        request=request,
    )
    return token


def staff_activation_check(*, token: str) -> StaffActivation:
    """The activation a token names, if it can still be used; else `InvalidInput`."""
    activation = (
        StaffActivation.objects.select_related("user")
        .filter(token_hash=_token_hash(token or ""))
        .first()
    )
    if activation is None:
        raise InvalidInput(_("激活链接无效，请核对或联系部门管理员。"), code="activation_invalid")
    if activation.used_at is not None:
        raise InvalidInput(_("该激活链接已使用过。"), code="activation_used")
    if activation.expires_at <= timezone.now():
        raise InvalidInput(
            _("激活链接已过期，请联系部门管理员重新发放。"), code="activation_expired"
        )
    if not activation.user.is_active:
        raise InvalidInput(_("该账号已停用。"), code="activation_inactive")
    return activation


def staff_activate(
    *,
    token: str,
    password: str,
    totp_secret: str,
    totp_code: str,
    request: HttpRequest | None,
) -> User:
    """Set the staff member's password and bind their authenticator in one step."""
    activation = staff_activation_check(token=token)
    user = activation.user
    weak = _password_errors(password, user)
    if weak is not None:
        raise weak
    with transaction.atomic():
        activation = StaffActivation.objects.select_for_update().get(pk=activation.pk)
        if activation.used_at is not None:
            raise InvalidInput(_("该激活链接已使用过。"), code="activation_used")
        _enrol(user=user, secret=totp_secret, code=totp_code, field="totp_code")
        user.set_password(password)
        user.save(update_fields=["password"])
        activation.used_at = timezone.now()
        activation.save(update_fields=["used_at"])
        audit_log(
            actor=user,
            action="identity.staff.activate",
            target=user,
            changes={"activation": activation.pk},
            request=request,
        )
    return user
