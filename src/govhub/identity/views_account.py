"""The account pages: profile, password, mobile number, authenticator app, sign-in
history; staff activation; the development SMS outbox."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from govhub.core.errors import ApplicationError
from govhub.identity import selectors, services_accounts, session
from govhub.identity.forms import (
    MobileChangeForm,
    PasswordChangeForm,
    StaffActivationForm,
    TotpConfirmForm,
)
from govhub.identity.views_common import (
    context_for_code,
    group_secret,
    is_production,
    level_label,
    send_code,
    totp_qr_svg,
)

HISTORY_PAGE_SIZE = 20
TOTP_SESSION_KEY = "identity_totp_enrol_secret"


def _has_totp(user: Any) -> bool:
    return bool(getattr(user, "totp_device", None))


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    level = session.session_acr(request)
    ceiling = user.assurance_ceiling
    return render(
        request,
        "identity/profile.html",
        {
            "account_section": "profile",
            "level": level,
            "level_label": level_label(level),
            "ceiling": ceiling,
            "ceiling_label": level_label(ceiling),
            "masked_id_number": user.masked_id_number,
            "masked_mobile": user.masked_mobile,
            "has_totp": _has_totp(user),
            "acting": session.acting_for(request),
            "recent": selectors.sign_in_history(user=user, limit=5),
        },
    )


@never_cache
@login_required
@sensitive_post_parameters("old_password", "new_password", "new_password_confirm")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_accounts.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                request=request,
            )
        except ApplicationError as exc:
            form.apply_error(exc, field_map={"password": "new_password"})
        else:
            messages.success(request, _("密码已修改。其他设备上的登录已失效。"))
            return redirect("identity:profile")
    return render(
        request, "identity/password_change.html", {"form": form, "account_section": "password"}
    )


@never_cache
@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def mobile_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = MobileChangeForm(request.POST or None)
    notice = None
    if request.method == "POST":
        if request.POST.get("action") == "send_code":
            form.is_valid()
            form.for_sending()
            if "mobile" not in form.errors:
                notice = send_code(
                    request, form, mobile=form.cleaned_data["mobile"], purpose="mobile_change"
                )
        elif form.is_valid():
            try:
                services_accounts.mobile_change(
                    user=user,
                    mobile=form.cleaned_data["mobile"],
                    code=form.cleaned_data["code"],
                    request=request,
                )
            except ApplicationError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, _("手机号码已更换。"))
                return redirect("identity:profile")
    return render(
        request,
        "identity/mobile_change.html",
        {
            "form": form,
            "account_section": "mobile",
            "masked_mobile": user.masked_mobile,
            **context_for_code(notice, form, "code"),
        },
    )


def _enrol_context(request: HttpRequest, user: Any, secret: str) -> dict[str, Any]:
    return {
        "qr_svg": totp_qr_svg(secret=secret, user=user),
        "secret_grouped": group_secret(secret),
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def totp(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    has_totp = _has_totp(user)
    context: dict[str, Any] = {
        "account_section": "totp",
        "has_totp": has_totp,
        "can_remove": not user.is_staff_account,
    }
    if has_totp:
        return render(request, "identity/totp.html", context)
    secret = request.session.get(TOTP_SESSION_KEY) or ""
    if not secret or request.method == "GET":
        secret = services_accounts.totp_begin(user=user)
        request.session[TOTP_SESSION_KEY] = secret
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_accounts.totp_confirm(
                user=user, secret=secret, code=form.cleaned_data["code"], request=request
            )
        except ApplicationError as exc:
            form.apply_error(exc)
        else:
            request.session.pop(TOTP_SESSION_KEY, None)
            messages.success(request, _("动态口令已绑定。下次登录时可以使用它验证身份。"))
            return redirect("identity:profile")
    context.update(form=form, **_enrol_context(request, user, secret))
    return render(request, "identity/totp.html", context)


@login_required
@require_POST
def totp_remove(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    try:
        services_accounts.totp_remove(actor=user, user=user, request=request)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("identity:totp")
    messages.success(request, _("动态口令已解除绑定。"))
    return redirect("identity:profile")


@never_cache
@login_required
def history(request: HttpRequest) -> HttpResponse:
    events = selectors.sign_in_events(user=request.user)
    page = Paginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "identity/history.html",
        {"page_obj": page, "account_section": "history", "page_query": ""},
    )


# --- Staff activation -------------------------------------------------------------------


def _activation_key(token: str) -> str:
    return "identity_activation_" + hashlib.sha256(token.encode()).hexdigest()[:16]


@never_cache
@sensitive_post_parameters("password", "password_confirm", "totp_code")
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """A staff member sets a password and enrols an authenticator app from their link."""
    try:
        activation = services_accounts.staff_activation_check(token=token)
    except ApplicationError as exc:
        return render(request, "identity/activate.html", {"invalid": exc.message}, status=404)
    key = _activation_key(token)
    secret = request.session.get(key) or ""
    if not secret:
        import pyotp

        secret = pyotp.random_base32()
        request.session[key] = secret
    form = StaffActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services_accounts.staff_activate(
                token=token,
                password=form.cleaned_data["password"],
                totp_secret=secret,
                totp_code=form.cleaned_data["totp_code"],
                request=request,
            )
        except ApplicationError as exc:
            form.apply_error(exc, field_map={"code": "totp_code", "token": "__all__"})
        else:
            request.session.pop(key, None)
            messages.success(
                request,
                _("账号已激活。请使用用户名 %(username)s、密码和动态口令登录。")
                % {"username": user.username},
            )
            return redirect("identity:sign_in")
    staff = activation.user
    staff_name = _("%(name)s（%(username)s）") % {
        "name": staff.get_full_name(),
        "username": staff.username,
    }
    context = {"form": form, "staff_name": staff_name}
    context.update(_enrol_context(request, staff, secret))
    return render(request, "identity/activate.html", context)


# --- Development: SMS outbox --------------------------------------------------------------


@never_cache
def sms_outbox(request: HttpRequest) -> HttpResponse:
    """The SMS messages the development backends recorded (404 in production)."""
    if is_production():
        raise Http404
    from govhub.identity import sms

    sent = list(sms.recent_messages(limit=50))
    return render(request, "identity/sms_outbox.html", {"messages_sent": sent})
