"""SMS verification codes: 6 digits, 5 minutes, single use, a few attempts each, rate
limited per number (a gap between codes, an hourly and a daily maximum) and per client
address. Only the newest code of a number and purpose counts."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import math
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from govhub.core.audit import audit_log, client_ip
from govhub.core.errors import InvalidInput
from govhub.core.masking import mask_phone
from govhub.core.models import AuditEvent
from govhub.core.validators import normalize_mobile
from govhub.identity import sms
from govhub.identity.errors import RateLimited
from govhub.identity.models import SmsChallenge, User

logger = logging.getLogger(__name__)

Purpose = SmsChallenge.Purpose
CODE_LENGTH = 6


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("HTTP_USER_AGENT", ""))[:256]


def code_digest(*, mobile: str, purpose: str, code: str) -> str:
    message = f"sms-code\x00{mobile}\x00{purpose}\x00{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _mobile_or_error(mobile: str, *, field: str = "mobile") -> str:
    try:
        return normalize_mobile(mobile)
    except ValidationError as exc:
        raise InvalidInput(fields={field: [str(m) for m in exc.messages]}) from exc


def _retry_message(seconds: int) -> Any:
    if seconds <= 60:
        return ngettext(
            "获取验证码过于频繁，请 %(seconds)d 秒后再试。",
            "获取验证码过于频繁，请 %(seconds)d 秒后再试。",
            seconds,
        ) % {"seconds": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "获取验证码次数过多，请 %(minutes)d 分钟后再试。",
        "获取验证码次数过多，请 %(minutes)d 分钟后再试。",
        minutes,
    ) % {"minutes": minutes}


def _rate_limit_wait(*, mobile: str, ip: str | None, now: datetime.datetime) -> int:
    """Seconds until another code may be sent to `mobile` from `ip` (0: now)."""
    sent = SmsChallenge.objects.filter(mobile=mobile, delivered=True)
    waits = [0]
    last = sent.order_by("-created_at").values_list("created_at", flat=True).first()
    gap = datetime.timedelta(seconds=settings.GOVHUB_SMS_MIN_INTERVAL_SECONDS)
    if last is not None and now - last < gap:
        waits.append(math.ceil((last + gap - now).total_seconds()))
    for window, limit in (
        (datetime.timedelta(hours=1), settings.GOVHUB_SMS_PER_NUMBER_HOUR),
        (datetime.timedelta(days=1), settings.GOVHUB_SMS_PER_NUMBER_DAY),
    ):
        times = list(
            sent.filter(created_at__gt=now - window)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(times) >= limit:
            waits.append(math.ceil((times[-1] + window - now).total_seconds()))
    if ip:
        window = datetime.timedelta(hours=1)
        limit = settings.GOVHUB_SMS_PER_ADDRESS_HOUR
        times = list(
            SmsChallenge.objects.filter(ip=ip, created_at__gt=now - window)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(times) >= limit:
            waits.append(math.ceil((times[-1] + window - now).total_seconds()))
    return max(waits)


def _message(code: str) -> str:
    signature = getattr(settings, "GOVHUB_SMS_SIGNATURE", "") or str(_("鹤岗政务服务"))
    minutes = max(1, settings.GOVHUB_SMS_CODE_SECONDS // 60)
    return str(
        ngettext(
            "【%(signature)s】您的验证码是 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。",
            "【%(signature)s】您的验证码是 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。",
            minutes,
        )
        % {"signature": signature, "code": code, "minutes": minutes}
    )


# Codes that only an existing account can use: never sent to a number without one.
ACCOUNT_PURPOSES = frozenset({Purpose.SIGN_IN, Purpose.STEP_UP, Purpose.PASSWORD_RESET})
# Staff accounts sign in with password + authenticator only, and get a new password from
# their department administrator (a new activation link), never by SMS.
NOT_FOR_STAFF = frozenset({Purpose.SIGN_IN, Purpose.PASSWORD_RESET})


def _withheld(*, mobile: str, purpose: str) -> str:
    """Why a code for `purpose` must not be sent to `mobile` ("no_account", "staff"), or
    "" to send it. Whatever the reason, the caller sees the same answer as for a sent
    code, so the answer does not reveal which numbers have (staff) accounts."""
    if purpose not in ACCOUNT_PURPOSES:
        return ""
    holder = User.objects.filter(
        mobile=mobile, mobile_verified_at__isnull=False, is_active=True
    ).first()
    if holder is None:
        return "no_account"
    if purpose in NOT_FOR_STAFF and holder.is_staff_account:
        return "staff"
    return ""


def sms_code_send(*, mobile: str, purpose: str, request: HttpRequest | None) -> SmsChallenge:
    """Send a new code to `mobile` for `purpose` (a `SmsChallenge.Purpose`).

    Raises `InvalidInput` for a malformed number and `RateLimited` (with `retry_after`)
    when the number or the address has had too many codes. A code for signing in,
    stepping up or resetting the password is recorded but not sent to a number with no
    account, nor (signing in, password reset) to a staff account's number, and the caller
    cannot tell (no account discovery through this function); the audit record says why.
    """
    if purpose not in Purpose.values:
        raise InvalidInput(fields={"purpose": [str(_("不是允许的验证码用途。"))]})
    mobile = _mobile_or_error(mobile)
    ip = client_ip(request)
    now = timezone.now()
    with transaction.atomic():
        # Serialise concurrent requests for the same number (PostgreSQL; SQLite
        # serialises writers anyway).
        list(SmsChallenge.objects.select_for_update().filter(mobile=mobile, used_at__isnull=True))
        wait = _rate_limit_wait(mobile=mobile, ip=ip, now=now)
        if wait:
            audit_log(
                actor=None,
                actor_label=mask_phone(mobile),
                action="identity.sms.send",
                outcome=AuditEvent.Outcome.DENIED,
                changes={"purpose": purpose, "reason": "rate_limited", "retry_after": wait},
                request=request,
            )
            error: Exception | None = RateLimited(
                _retry_message(wait),
                retry_after=wait,
                fields={"mobile": [str(_retry_message(wait))]},
            )
        else:
            error = None
            withheld = _withheld(mobile=mobile, purpose=purpose)
            deliver = not withheld
            code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
            challenge = SmsChallenge.objects.create(
                mobile=mobile,
                purpose=purpose,
                code_hash=code_digest(mobile=mobile, purpose=purpose, code=code),
                created_at=now,
                expires_at=now + datetime.timedelta(seconds=settings.GOVHUB_SMS_CODE_SECONDS),
                ip=ip,
                delivered=deliver,
            )
            if deliver:
                try:
                    sms.send_sms(mobile=mobile, message=_message(code))
                except sms.SmsDeliveryError as exc:
                    logger.error("sms code not delivered: %s", exc)
                    challenge.delivered = False
                    challenge.save(update_fields=["delivered"])
                    error = InvalidInput(
                        _("短信发送失败，请稍后再试。"), code="sms_delivery_failed"
                    )
            audit_log(
                actor=None,
                actor_label=mask_phone(mobile),
                action="identity.sms.send",
                target=challenge,
                outcome=AuditEvent.Outcome.SUCCESS if error is None else AuditEvent.Outcome.FAILURE,
                changes={
                    "purpose": purpose,
                    "delivered": challenge.delivered,
                    **({"withheld": withheld} if withheld else {}),
                },
                request=request,
            )
    if error is not None:
        raise error
    return challenge


def _verify(*, mobile: str, purpose: str, code: str, field: str) -> InvalidInput | SmsChallenge:
    """Check `code` against the newest challenge; count a wrong attempt. Returns the
    challenge (not yet marked used) or the error to raise once the count is stored."""
    challenge = (
        SmsChallenge.objects.select_for_update()
        .filter(mobile=mobile, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )

    def fail(message: Any, code_name: str) -> InvalidInput:
        return InvalidInput(message, code=code_name, fields={field: [str(message)]})

    if challenge is None:
        return fail(_("请先获取短信验证码。"), "sms_code_missing")
    if challenge.used_at is not None:
        return fail(_("验证码已使用，请重新获取。"), "sms_code_used")
    if challenge.expires_at <= timezone.now():
        return fail(_("验证码已过期，请重新获取。"), "sms_code_expired")
    if challenge.attempts >= settings.GOVHUB_SMS_CODE_ATTEMPTS:
        return fail(_("验证码错误次数过多，请重新获取。"), "sms_code_exhausted")
    typed = "".join((code or "").split())
    expected = challenge.code_hash
    if not hmac.compare_digest(code_digest(mobile=mobile, purpose=purpose, code=typed), expected):
        challenge.attempts += 1
        challenge.save(update_fields=["attempts"])
        left = settings.GOVHUB_SMS_CODE_ATTEMPTS - challenge.attempts
        if left <= 0:
            return fail(_("验证码错误次数过多，请重新获取。"), "sms_code_exhausted")
        return fail(
            _("验证码不正确，还可以再试 %(count)d 次。") % {"count": left}, "sms_code_wrong"
        )
    return challenge


def sms_code_check(*, mobile: str, purpose: str, code: str, field: str = "code") -> SmsChallenge:
    """Like `sms_code_verify` but leaves the code unused (the caller marks it used with
    `sms_code_consume` once everything else succeeded). A wrong code still counts."""
    mobile = _mobile_or_error(mobile)
    with transaction.atomic():
        result = _verify(mobile=mobile, purpose=purpose, code=code, field=field)
    if isinstance(result, InvalidInput):
        raise result
    return result


def sms_code_consume(challenge: SmsChallenge) -> None:
    updated = SmsChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not updated:
        message = _("验证码已使用，请重新获取。")
        raise InvalidInput(message, code="sms_code_used", fields={"code": [str(message)]})


def sms_code_count_failure(challenge: SmsChallenge) -> None:
    """Count a failure that happened after the code matched (e.g. a registry mismatch):
    each code allows only a few tries of anything."""
    SmsChallenge.objects.filter(pk=challenge.pk).update(attempts=challenge.attempts + 1)


def sms_code_verify(*, mobile: str, purpose: str, code: str, field: str = "code") -> None:
    """Accept `code` for `mobile` and `purpose` once: wrong, expired, already used, or too
    many wrong attempts → `InvalidInput` with a precise message on `field`."""
    mobile = _mobile_or_error(mobile)
    with transaction.atomic():
        result = _verify(mobile=mobile, purpose=purpose, code=code, field=field)
        if not isinstance(result, InvalidInput):
            result.used_at = timezone.now()
            result.save(update_fields=["used_at"])
    if isinstance(result, InvalidInput):
        raise result
