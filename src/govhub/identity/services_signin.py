"""Signing in, second factors and step-up. Every attempt is written to the sign-in
history (`SignInEvent`) and the audit trail; failures count towards the lockout of the
account and of the client address (`govhub.identity.throttle`).

A failed attempt's records are committed before the error is raised, so a refusal
still leaves its trace (and its count)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from govhub.core.audit import audit_log, client_ip
from govhub.core.errors import Forbidden, InvalidInput
from govhub.core.events import publish
from govhub.core.masking import mask_id_number, mask_phone
from govhub.core.models import AuditEvent
from govhub.core.validators import normalize_id_number, normalize_mobile
from govhub.identity import levels, session, throttle, totp
from govhub.identity.backends import find_account
from govhub.identity.errors import AccountLocked
from govhub.identity.events import SignedIn, SignedOut
from govhub.identity.models import SignInEvent, SmsChallenge, TotpDevice, User
from govhub.identity.services_sms import sms_code_check, sms_code_consume, user_agent

Method = SignInEvent.Method
Outcome = SignInEvent.Outcome
Scope = throttle.Scope


@dataclass(frozen=True)
class SignInResult:
    """`completed`: signed in. `needs_factor`: the password was right, one of `methods`
    (e.g. ["otp"]) must follow (`sign_in_totp`)."""

    status: Literal["completed", "needs_factor"]
    user: User
    methods: list[str] = field(default_factory=list)
    acr: str = ""

    @property
    def completed(self) -> bool:
        return self.status == "completed"


def masked_identifier(identifier: str) -> str:
    text = (identifier or "").strip()
    number = normalize_id_number(text)
    if len(number) == 18 and number[:17].isdigit():
        return mask_id_number(number)
    try:
        return mask_phone(normalize_mobile(text))
    except ValidationError:
        pass  # not a mobile number: masked below
    if len(text) <= 3:
        return "*" * len(text)
    return text[:3] + "*" * min(len(text) - 3, 8)


def _event(
    *,
    request: HttpRequest | None,
    user: User | None,
    identifier: str,
    method: str,
    outcome: str,
    reason: str = "",
    acr: str = "",
) -> SignInEvent:
    return SignInEvent.objects.create(
        user=user,
        identifier=identifier[:64],
        method=method,
        outcome=outcome,
        reason=reason[:64],
        acr=acr,
        ip=client_ip(request),
        user_agent=user_agent(request),
        occurred_at=timezone.now(),
    )


def _account_key(user: User | None, identifier: str) -> str:
    if user is not None:
        return f"user:{user.pk}"
    return f"identifier:{(identifier or '').strip().upper()}"


def _address_key(request: HttpRequest | None) -> str:
    return client_ip(request) or "unknown"


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _locked_error(seconds: int, scope: str) -> AccountLocked:
    if scope == Scope.ACCOUNT:
        minutes = _minutes(seconds)
        message = ngettext(
            "账号已锁定，请 %(minutes)d 分钟后再试。",
            "账号已锁定，请 %(minutes)d 分钟后再试。",
            minutes,
        ) % {"minutes": minutes}
    else:
        minutes = _minutes(seconds)
        message = ngettext(
            "登录失败次数过多，当前网络地址已被暂时限制，请 %(minutes)d 分钟后再试。",
            "登录失败次数过多，当前网络地址已被暂时限制，请 %(minutes)d 分钟后再试。",
            minutes,
        ) % {"minutes": minutes}
    return AccountLocked(message, retry_after=seconds)


def _check_signed_in_not_locked(*, request: HttpRequest | None, user: User, method: str) -> None:
    """`_check_not_locked` for a factor proved by a user already known to the session."""
    _check_not_locked(
        request=request, user=user, identifier=f"user:{user.pk}", method=method, label=user.username
    )


def _check_not_locked(
    *, request: HttpRequest | None, user: User | None, identifier: str, method: str, label: str
) -> None:
    """Refuse (and record) an attempt on a locked account or from a locked address."""
    for scope, value in (
        (Scope.ACCOUNT, _account_key(user, identifier)),
        (Scope.ADDRESS, _address_key(request)),
    ):
        seconds = throttle.locked_for(scope=scope, value=value)
        if seconds:
            with transaction.atomic():
                _event(
                    request=request,
                    user=user,
                    identifier=label,
                    method=method,
                    outcome=Outcome.LOCKED,
                    reason=f"{scope}_locked",
                )
                audit_log(
                    actor=user,
                    actor_label=label if user is None else "",
                    action="identity.signin.locked",
                    target=user,
                    outcome=AuditEvent.Outcome.DENIED,
                    changes={"method": method, "scope": scope, "retry_after": seconds},
                    request=request,
                )
            raise _locked_error(seconds, scope)


def _fail(
    *,
    request: HttpRequest | None,
    user: User | None,
    identifier: str,
    method: str,
    label: str,
    reason: str,
    message: Any,
    error_field: str | None = None,
) -> InvalidInput:
    """Record a failed attempt, count it, lock when the threshold is reached; return the
    error to raise (after this function's transaction has committed)."""
    with transaction.atomic():
        _event(
            request=request,
            user=user,
            identifier=label,
            method=method,
            outcome=Outcome.FAILURE,
            reason=reason,
        )
        audit_log(
            actor=user,
            actor_label=label if user is None else "",
            action="identity.signin.failure",
            target=user,
            outcome=AuditEvent.Outcome.FAILURE,
            changes={"method": method, "reason": reason},
            request=request,
        )
        locks: list[tuple[str, int]] = []
        for scope, value, scope_label in (
            (Scope.ACCOUNT, _account_key(user, identifier), label),
            (Scope.ADDRESS, _address_key(request), _address_key(request)),
        ):
            seconds = throttle.record_failure(scope=scope, value=value, label=scope_label)
            if seconds:
                locks.append((scope, seconds))
                audit_log(
                    actor=user,
                    actor_label=label if user is None else "",
                    action="identity.signin.lockout",
                    target=user,
                    outcome=AuditEvent.Outcome.DENIED,
                    changes={"scope": scope, "seconds": seconds},
                    request=request,
                )
        left = throttle.failures_left(scope=Scope.ACCOUNT, value=_account_key(user, identifier))
    if locks:
        return _locked_error(locks[0][1], locks[0][0])
    if left and reason in ("bad_credentials",):
        message = _("%(message)s还可以尝试 %(count)d 次。") % {"message": message, "count": left}
    fields = {error_field: [str(message)]} if error_field else None
    return InvalidInput(message, code=f"signin_{reason}", fields=fields)


def _succeed(
    *,
    request: HttpRequest,
    user: User,
    identifier: str,
    label: str,
    methods: list[str],
    upstream_acr: str = "",
) -> SignInResult:
    with transaction.atomic():
        throttle.clear(scope=Scope.ACCOUNT, value=_account_key(user, identifier))
        session.session_sign_in(request, user, methods=methods, upstream_acr=upstream_acr)
        acr = session.session_acr(request)
        _event(
            request=request,
            user=user,
            identifier=label,
            method=methods[-1],
            outcome=Outcome.SUCCESS,
            acr=acr,
        )
        audit_log(
            actor=user,
            action="identity.signin.success",
            target=user,
            changes={"methods": methods, "acr": acr},
            request=request,
        )
        publish(SignedIn(user_id=user.pk, session_key=request.session.session_key or "", acr=acr))
    return SignInResult(status="completed", user=user, methods=methods, acr=acr)


def _staff_factor_missing(user: User) -> bool:
    return user.is_staff_account and not TotpDevice.objects.filter(user=user).exists()


def sign_in_password(*, request: HttpRequest, identifier: str, password: str) -> SignInResult:
    """Password sign-in by username, mobile number or ID number.

    Persons are signed in at once (L1). Staff (and anyone who may open the Django admin)
    get `needs_factor` with ["otp"]: `sign_in_totp` completes the sign-in. Wrong
    credentials, locked account or address → `InvalidInput` / `AccountLocked`.
    """
    user = find_account(identifier)
    label = user.username if user is not None else masked_identifier(identifier)
    _check_not_locked(
        request=request, user=user, identifier=identifier, method=Method.PASSWORD, label=label
    )
    if user is None:
        User().set_password(password)  # same time as a real check
        ok = False
    else:
        ok = user.check_password(password) and user.is_active
    if not ok:
        raise _fail(
            request=request,
            user=user,
            identifier=identifier,
            method=Method.PASSWORD,
            label=label,
            reason="bad_credentials",
            message=_("账号或密码不正确。"),
        )
    assert user is not None
    if user.is_staff_account:
        if _staff_factor_missing(user):
            raise _fail(
                request=request,
                user=user,
                identifier=identifier,
                method=Method.PASSWORD,
                label=label,
                reason="totp_not_enrolled",
                message=_(
                    "工作人员账号须使用密码和动态口令登录，该账号尚未绑定动态口令。"
                    "请使用部门管理员发放的激活链接完成激活。"
                ),
            )
        with transaction.atomic():
            session.session_pending_begin(
                request, user, methods=[levels.PASSWORD], available=[levels.TOTP]
            )
            _event(
                request=request,
                user=user,
                identifier=label,
                method=Method.PASSWORD,
                outcome=Outcome.NEEDS_FACTOR,
            )
            audit_log(
                actor=user,
                action="identity.signin.password_ok",
                target=user,
                changes={"needs": [levels.TOTP]},
                request=request,
            )
        return SignInResult(status="needs_factor", user=user, methods=[levels.TOTP])
    return _succeed(
        request=request,
        user=user,
        identifier=identifier,
        label=label,
        methods=[levels.PASSWORD],
    )


def sign_in_sms(*, request: HttpRequest, mobile: str, code: str) -> SignInResult:
    """Sign a person in with an SMS code sent to their verified mobile (L1). Staff
    accounts must use password + TOTP."""
    try:
        normalized = normalize_mobile(mobile)
    except ValidationError as exc:
        raise InvalidInput(fields={"mobile": [str(m) for m in exc.messages]}) from exc
    user = User.objects.filter(mobile=normalized, mobile_verified_at__isnull=False).first()
    label = user.username if user is not None else mask_phone(normalized)
    _check_not_locked(
        request=request, user=user, identifier=normalized, method=Method.SMS, label=label
    )
    try:
        challenge = sms_code_check(
            mobile=normalized, purpose=SmsChallenge.Purpose.SIGN_IN, code=code
        )
    except InvalidInput as exc:
        raise _fail(
            request=request,
            user=user,
            identifier=normalized,
            method=Method.SMS,
            label=label,
            reason=exc.code,
            message=exc.message,
            error_field="code",
        ) from exc
    if user is None or not user.is_active:
        # A code for a number without an account was never sent: it cannot match.
        raise _fail(
            request=request,
            user=user,
            identifier=normalized,
            method=Method.SMS,
            label=label,
            reason="no_account",
            message=_("验证码不正确。"),
            error_field="code",
        )
    if user.is_staff_account:
        raise _fail(
            request=request,
            user=user,
            identifier=normalized,
            method=Method.SMS,
            label=label,
            reason="staff_needs_totp",
            message=_("工作人员账号须使用密码和动态口令登录。"),
        )
    sms_code_consume(challenge)
    return _succeed(
        request=request, user=user, identifier=normalized, label=label, methods=[levels.SMS]
    )


def _check_totp(
    *, request: HttpRequest, user: User, code: str, method_outcome_label: str
) -> InvalidInput | None:
    """Verify a TOTP code for `user`, refusing replays; returns the error or None."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return InvalidInput(
                _("该账号尚未绑定动态口令。"),
                code="totp_not_enrolled",
                fields={"code": [str(_("该账号尚未绑定动态口令。"))]},
            )
        now = timezone.now()
        step, replayed = totp.matching_step(
            device.secret, code, timestamp=now.timestamp(), last_used_step=device.last_used_step
        )
        if step is not None:
            device.last_used_step = step
            device.last_used_at = now
            device.save(update_fields=["last_used_step", "last_used_at"])
            return None
    if replayed:
        return _fail(
            request=request,
            user=user,
            identifier=f"user:{user.pk}",
            method=Method.TOTP,
            label=method_outcome_label,
            reason="totp_replayed",
            message=_("该动态口令已使用过，请等待下一个口令。"),
            error_field="code",
        )
    return _fail(
        request=request,
        user=user,
        identifier=f"user:{user.pk}",
        method=Method.TOTP,
        label=method_outcome_label,
        reason="totp_wrong",
        message=_("动态口令不正确。"),
        error_field="code",
    )


def sign_in_totp(*, request: HttpRequest, code: str) -> SignInResult:
    """Complete a pending sign-in (password accepted) with a TOTP code."""
    user = session.session_pending_user(request)
    if user is None:
        raise InvalidInput(_("登录已超时，请重新输入账号和密码。"), code="signin_pending_expired")
    _check_signed_in_not_locked(request=request, user=user, method=Method.TOTP)
    error = _check_totp(request=request, user=user, code=code, method_outcome_label=user.username)
    if error is not None:
        raise error
    methods = [*session.session_pending_methods(request), levels.TOTP]
    return _succeed(
        request=request,
        user=user,
        identifier=f"user:{user.pk}",
        label=user.username,
        methods=methods,
    )


# --- Step-up --------------------------------------------------------------------------------


def _signed_in(request: HttpRequest) -> User:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise Forbidden(_("请先登录。"))
    return user


def _stepped_up(*, request: HttpRequest, user: User, method: str) -> str:
    with transaction.atomic():
        session.session_add_factor(request, method=method)
        acr = session.session_acr(request)
        _event(
            request=request,
            user=user,
            identifier=user.username,
            method=method,
            outcome=Outcome.STEP_UP,
            acr=acr,
        )
        audit_log(
            actor=user,
            action="identity.signin.step_up",
            target=user,
            changes={"method": method, "acr": acr},
            request=request,
        )
    return acr


def step_up_sms(*, request: HttpRequest, code: str) -> str:
    """Prove the verified mobile in this session; returns the new level."""
    user = _signed_in(request)
    if not user.mobile or user.mobile_verified_at is None:
        raise InvalidInput(_("该账号没有已验证的手机号码。"), code="no_verified_mobile")
    _check_signed_in_not_locked(request=request, user=user, method=Method.SMS)
    try:
        challenge = sms_code_check(
            mobile=user.mobile, purpose=SmsChallenge.Purpose.STEP_UP, code=code
        )
    except InvalidInput as exc:
        raise _fail(
            request=request,
            user=user,
            identifier=f"user:{user.pk}",
            method=Method.SMS,
            label=user.username,
            reason=exc.code,
            message=exc.message,
            error_field="code",
        ) from exc
    sms_code_consume(challenge)
    return _stepped_up(request=request, user=user, method=levels.SMS)


def step_up_totp(*, request: HttpRequest, code: str) -> str:
    user = _signed_in(request)
    _check_signed_in_not_locked(request=request, user=user, method=Method.TOTP)
    error = _check_totp(request=request, user=user, code=code, method_outcome_label=user.username)
    if error is not None:
        raise error
    return _stepped_up(request=request, user=user, method=levels.TOTP)


def step_up_password(*, request: HttpRequest, password: str) -> str:
    """Prove the password in a session that began with an SMS code."""
    user = _signed_in(request)
    _check_signed_in_not_locked(request=request, user=user, method=Method.PASSWORD)
    if not user.check_password(password):
        raise _fail(
            request=request,
            user=user,
            identifier=f"user:{user.pk}",
            method=Method.PASSWORD,
            label=user.username,
            reason="bad_password",
            message=_("密码不正确。"),
            error_field="password",
        )
    return _stepped_up(request=request, user=user, method=levels.PASSWORD)


def step_up_methods(user: User) -> list[str]:
    """The factors `user` can add in a step-up: "sms" with a verified mobile, "otp" with
    an authenticator, "pwd" with a usable password."""
    methods = []
    if user.mobile and user.mobile_verified_at is not None:
        methods.append(levels.SMS)
    if TotpDevice.objects.filter(user=user).exists():
        methods.append(levels.TOTP)
    if user.has_usable_password():
        methods.append(levels.PASSWORD)
    return methods


# --- Signing out ----------------------------------------------------------------------------


def record_sign_out(*, request: HttpRequest, user: User, session_key: str, reason: str) -> None:
    """History, audit and the `SignedOut` event for a session that ends (called by
    `session.session_sign_out` before it logs out)."""
    outcome = Outcome.EXPIRED if reason.endswith("timeout") else Outcome.SIGNED_OUT
    with transaction.atomic():
        _event(
            request=request,
            user=user,
            identifier=user.username,
            method=Method.SESSION,
            outcome=outcome,
            reason=reason,
        )
        audit_log(
            actor=user,
            action="identity.session.expire"
            if outcome == Outcome.EXPIRED
            else "identity.session.sign_out",
            target=user,
            changes={"reason": reason},
            request=request,
        )
        sid = str(request.session.get("oidc_sid", "") or "")
        publish(SignedOut(user_id=user.pk, session_key=session_key, reason=reason, sid=sid))
