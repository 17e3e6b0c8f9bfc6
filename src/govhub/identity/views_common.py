"""Helpers shared by the identity pages: the `next` address, sending SMS codes from a
form, and rendering QR codes for authenticator apps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from govhub.core.errors import ApplicationError
from govhub.core.masking import mask_phone
from govhub.identity.errors import RetryLater
from govhub.identity.forms import IdentityForm


def level_label(level: str) -> str:
    labels = {
        "L1": _("一级认证（L1）"),
        "L2": _("二级认证（L2）"),
        "L3": _("三级认证（L3）"),
    }
    return labels.get(level, _("未登录"))


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The `next` address of the request, when it stays on this site; else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def with_next(url: str, next_url: str, **params: str) -> str:
    from urllib.parse import urlencode

    query = {k: v for k, v in params.items() if v}
    if next_url:
        query["next"] = next_url
    return f"{url}?{urlencode(query)}" if query else url


def send_code(
    request: HttpRequest, form: IdentityForm, *, mobile: str, purpose: str, field: str = "mobile"
) -> str | None:
    """Send a code for `purpose`; return the notice to show, or put the error on `field`."""
    from govhub.identity import services_sms

    try:
        services_sms.sms_code_send(mobile=mobile, purpose=purpose, request=request)
    except RetryLater as exc:
        form.add_error(field if field in form.fields else None, str(exc.message))
        return None
    except ApplicationError as exc:
        form.apply_error(exc)
        return None
    minutes = code_minutes()
    return ngettext(
        "验证码已发送至 %(mobile)s，%(minutes)d 分钟内有效。",
        "验证码已发送至 %(mobile)s，%(minutes)d 分钟内有效。",
        minutes,
    ) % {"mobile": mask_phone(mobile), "minutes": minutes}


def code_minutes() -> int:
    """How long an SMS code lives, in whole minutes (GOVHUB_SMS_CODE_SECONDS)."""
    return max(1, settings.GOVHUB_SMS_CODE_SECONDS // 60)


def totp_qr_svg(*, secret: str, user: Any) -> SafeString:
    """An inline SVG QR code of the otpauth:// address of `secret` (no image request)."""
    import segno

    from govhub.identity.services_accounts import totp_uri

    uri = totp_uri(user=user, secret=secret)
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#1a1f26", light="#ffffff", title=_("动态口令绑定二维码")
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup


def group_secret(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def is_production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


def context_for_code(
    notice: str | None, form: IdentityForm | None = None, field: str = ""
) -> dict[str, Any]:
    """Template context after "获取验证码": the notice, and the cursor in the code field."""
    if notice and form is not None and field in form.fields:
        form.fields[field].widget.attrs["autofocus"] = True
    return {"code_notice": notice, "code_sent": bool(notice)}
