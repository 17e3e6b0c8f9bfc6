"""Registration, sign-in (password or SMS code), the second factor, step-up and sign-out.

Thin views: the forms check what was typed, `services` decide, `session` keeps the
session's factors and level. Every page works without JavaScript: "获取验证码" is a
submit button that re-renders the form with what was typed (passwords excepted).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from govhub.core.errors import ApplicationError
from govhub.core.masking import mask_phone
from govhub.identity import levels, services_accounts, services_signin, session
from govhub.identity.forms import (
    CodeForm,
    PasswordConfirmForm,
    PasswordResetForm,
    PasswordSignInForm,
    RegisterForm,
    SmsSignInForm,
)
from govhub.identity.views_common import (
    code_minutes,
    context_for_code,
    level_label,
    safe_next,
    send_code,
    with_next,
)

SENSITIVE = (
    "password",
    "password_confirm",
    "sms_code",
    "code",
    "new_password",
    "new_password_confirm",
)


def _action(request: HttpRequest) -> str:
    return request.POST.get("action", "submit")


# --- Registration -----------------------------------------------------------------------


@never_cache
@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or reverse("identity:profile"))
    form = RegisterForm(request.POST or None)
    notice = None
    if request.method == "POST":
        if _action(request) == "send_code":
            form.is_valid()
            form.for_sending()
            if "mobile" not in form.errors:
                notice = send_code(
                    request, form, mobile=form.cleaned_data["mobile"], purpose="register"
                )
        elif form.is_valid():
            data = form.cleaned_data
            try:
                user = services_accounts.person_register(
                    request=request,
                    name=data["name"],
                    id_number=data["id_number"],
                    mobile=data["mobile"],
                    sms_code=data["sms_code"],
                    password=data["password"],
                )
            except ApplicationError as exc:
                form.apply_error(exc, field_map={"code": "sms_code"})
            else:
                messages.success(
                    request,
                    _("注册成功，%(name)s，您的账号已完成实名核验。请登录。")
                    % {"name": user.get_full_name()},
                )
                return redirect(
                    with_next(reverse("identity:sign_in"), next_url, identifier=data["mobile"])
                )
    return render(
        request,
        "identity/register.html",
        {"form": form, "next": next_url, **context_for_code(notice, form, "sms_code")},
    )


# --- Forgotten password -------------------------------------------------------------------


@never_cache
@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """找回密码: an SMS code to the account's mobile and the registered ID number, then a
    new password. The answers do not reveal which numbers have accounts; the person signs
    in afterwards with the new password."""
    next_url = safe_next(request)
    form = PasswordResetForm(request.POST or None)
    notice = None
    if request.method == "POST":
        if _action(request) == "send_code":
            form.is_valid()
            form.for_sending()
            if "mobile" not in form.errors:
                mobile = form.cleaned_data["mobile"]
                if send_code(request, form, mobile=mobile, purpose="password_reset"):
                    # The same words whether or not the number has an account.
                    minutes = code_minutes()
                    notice = ngettext(
                        "如果该号码绑定了个人账号，验证码已发送至 %(mobile)s，"
                        "%(minutes)d 分钟内有效。",
                        "如果该号码绑定了个人账号，验证码已发送至 %(mobile)s，"
                        "%(minutes)d 分钟内有效。",
                        minutes,
                    ) % {"mobile": mask_phone(mobile), "minutes": minutes}
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services_accounts.password_reset(
                    request=request,
                    identifier_mobile=data["mobile"],
                    id_number=data["id_number"],
                    code=data["code"],
                    new_password=data["new_password"],
                )
            except ApplicationError as exc:
                form.apply_error(exc, field_map={"sms_code": "code"})
            else:
                messages.success(
                    request,
                    _("密码已重设，该账号在其他设备上的登录已全部退出。请使用新密码登录。"),
                )
                return redirect(
                    with_next(reverse("identity:sign_in"), next_url, identifier=data["mobile"])
                )
    return render(
        request,
        "identity/password_reset.html",
        {"form": form, "next": next_url, **context_for_code(notice, form, "code")},
    )


# --- Sign-in ------------------------------------------------------------------------------


def _after_sign_in(request: HttpRequest, result: Any, next_url: str) -> HttpResponse:
    """Continue after a first factor: to `next`, or to the second-factor page."""
    if getattr(result, "completed", False):
        return redirect(next_url or reverse("identity:profile"))
    return redirect(with_next(reverse("identity:second_factor"), next_url))


@never_cache
@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    method = "sms" if request.GET.get("method") == "sms" else "password"
    # `reauth=1` (the OpenID provider's prompt=login or max_age): ask again even when
    # signed in.
    reauth = request.GET.get("reauth") == "1"
    if request.user.is_authenticated and request.method == "GET" and not reauth:
        return redirect(next_url or reverse("identity:profile"))
    notice = None
    form: PasswordSignInForm | SmsSignInForm
    if method == "sms":
        form = SmsSignInForm(request.POST or None)
        if request.method == "POST":
            if _action(request) == "send_code":
                form.is_valid()
                form.for_sending()
                if "mobile" not in form.errors:
                    notice = send_code(
                        request, form, mobile=form.cleaned_data["mobile"], purpose="sign_in"
                    )
            elif form.is_valid():
                try:
                    result = services_signin.sign_in_sms(
                        request=request,
                        mobile=form.cleaned_data["mobile"],
                        code=form.cleaned_data["code"],
                    )
                except ApplicationError as exc:
                    form.apply_error(exc, field_map={"sms_code": "code"})
                else:
                    return _after_sign_in(request, result, next_url)
    else:
        initial = {"identifier": request.GET.get("identifier", "")[:64]}
        form = PasswordSignInForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                result = services_signin.sign_in_password(
                    request=request,
                    identifier=form.cleaned_data["identifier"],
                    password=form.cleaned_data["password"],
                )
            except ApplicationError as exc:
                form.apply_error(exc)
            else:
                return _after_sign_in(request, result, next_url)
    return render(
        request,
        "identity/sign_in.html",
        {
            "form": form,
            "method": method,
            "next": next_url,
            "reauth": reauth,
            "upstream_url": _upstream_url(next_url),
            "upstream_label": getattr(settings, "GOVHUB_UPSTREAM_OIDC_LABEL", ""),
            "expired_notice": _expired_notice(request),
            **context_for_code(notice, form, "code"),
        },
    )


def _expired_notice(request: HttpRequest) -> str:
    """Why the previous session ended, once (idle or absolute timeout)."""
    reason = session.session_notice(request)
    if reason == "idle_timeout":
        return _("您长时间没有操作，为保护账号安全已自动退出，请重新登录。")
    if reason == "absolute_timeout":
        return _("本次登录已达到最长时限，为保护账号安全已自动退出，请重新登录。")
    return ""


def _upstream_url(next_url: str) -> str:
    """The "sign in with the provincial account" link, when federation is configured."""
    if not getattr(settings, "GOVHUB_UPSTREAM_OIDC_ISSUER", ""):
        return ""
    try:
        return with_next(reverse("oidc:upstream_start"), next_url)
    except NoReverseMatch:
        return ""


@never_cache
@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """The authenticator code after a correct password (staff accounts)."""
    next_url = safe_next(request)
    pending = session.session_pending_user(request)
    if pending is None:
        if request.user.is_authenticated:
            return redirect(next_url or reverse("identity:profile"))
        messages.info(request, _("登录已超时，请重新输入账号和密码。"))
        return redirect(with_next(reverse("identity:sign_in"), next_url))
    form = CodeForm(
        request.POST or None,
        label=_("动态口令"),
        help_text=_("打开验证器应用，输入当前显示的6位数字。"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services_signin.sign_in_totp(request=request, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.apply_error(exc)
        else:
            return _after_sign_in(request, result, next_url)
    return render(
        request,
        "identity/second_factor.html",
        {"form": form, "next": next_url, "pending_user": pending},
    )


# --- Step-up --------------------------------------------------------------------------------


STEP_UP_CHOICES = (("sms", levels.SMS), ("totp", levels.TOTP), ("password", levels.PASSWORD))


def _step_up_methods(request: HttpRequest, user: Any) -> list[tuple[str, str]]:
    """The factors that would make this session multi-factor: a possession factor (SMS
    code, authenticator) after a password; the password after an SMS code."""
    used = set(session.session_methods(request))
    available = set(services_signin.step_up_methods(user)) - used
    if levels.PASSWORD in used:
        wanted = available & levels.POSSESSION
    elif used & levels.POSSESSION:
        wanted = available & {levels.PASSWORD}
    else:
        wanted = available
    labels = {"sms": _("短信验证码"), "totp": _("动态口令"), "password": _("登录密码")}
    return [(name, labels[name]) for name, method in STEP_UP_CHOICES if method in wanted]


@never_cache
@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    if not request.user.is_authenticated:
        return redirect(with_next(reverse("identity:sign_in"), next_url))
    user: Any = request.user
    required = request.GET.get("level", levels.L2)
    if required not in levels.LEVELS:
        required = levels.L2
    current = session.session_acr(request)
    if levels.level_rank(current) >= levels.level_rank(required):
        return redirect(next_url or reverse("identity:profile"))
    reachable = levels.level_rank(user.assurance_ceiling) >= levels.level_rank(required)
    method_choices = _step_up_methods(request, user) if reachable else []
    reachable = reachable and bool(method_choices)
    methods = [value for value, _label in method_choices]
    method = request.GET.get("method", "")
    if method not in methods:
        method = methods[0] if methods else ""
    form: CodeForm | PasswordConfirmForm
    if method == "password":
        form = PasswordConfirmForm(request.POST or None)
    else:
        form = CodeForm(
            request.POST or None,
            label=_("动态口令") if method == "totp" else _("短信验证码"),
            help_text=_("打开验证器应用，输入当前显示的6位数字。") if method == "totp" else "",
        )
    notice = None
    if request.method == "POST" and reachable:
        if method == "sms" and _action(request) == "send_code":
            notice = send_code(request, form, mobile=user.mobile, purpose="step_up", field="code")
            if notice:
                form = CodeForm(None, label=_("短信验证码"))
        elif form.is_valid():
            try:
                if method == "password":
                    services_signin.step_up_password(
                        request=request, password=form.cleaned_data["password"]
                    )
                elif method == "totp":
                    services_signin.step_up_totp(request=request, code=form.cleaned_data["code"])
                else:
                    services_signin.step_up_sms(request=request, code=form.cleaned_data["code"])
            except ApplicationError as exc:
                form.apply_error(exc)
            else:
                reached = session.session_acr(request)
                if levels.level_rank(reached) >= levels.level_rank(required):
                    messages.success(
                        request,
                        _("验证成功，本次登录已达到%(level)s。") % {"level": level_label(reached)},
                    )
                    return redirect(next_url or reverse("identity:profile"))
                return redirect(with_next(reverse("identity:step_up"), next_url, level=required))
    return render(
        request,
        "identity/step_up.html",
        {
            "form": form,
            "method": method,
            "methods": methods,
            "method_choices": method_choices,
            "reachable": reachable,
            "required": required,
            "required_label": level_label(required),
            "current_label": level_label(current),
            "next": next_url,
            "masked_mobile": user.masked_mobile,
            **context_for_code(notice, form, "code"),
        },
    )


# --- Sign-out ---------------------------------------------------------------------------------


def frontchannel_logout_urls(request: HttpRequest) -> list[str]:
    """Front-channel logout addresses of the department systems this session signed in to
    (the OpenID provider's, when it offers them), collected before the session ends."""
    try:
        from govhub.identity.oidc import logout as oidc_logout
    except ImportError:
        return []
    collect = getattr(oidc_logout, "frontchannel_logout_urls", None)
    return list(collect(request)) if collect is not None else []


@never_cache
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation (a link must never sign anyone out); POST signs out and
    shows the page that also loads the department systems' front-channel logout URIs."""
    if request.method == "POST":
        was_signed_in = request.user.is_authenticated
        urls = frontchannel_logout_urls(request) if was_signed_in else []
        session.session_pending_clear(request)
        session.session_sign_out(request)
        if was_signed_in:
            messages.success(request, _("您已安全退出。"))
        return render(request, "identity/sign_out.html", {"frontchannel_logout_urls": urls})
    return render(request, "identity/sign_out.html", {"frontchannel_logout_urls": []})
