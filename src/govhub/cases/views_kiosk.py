"""The self-service kiosk (自助终端) of a service hall: large type, big touch targets, and
a session that clears itself.

The kiosk is a page set of its own under /kiosk/ (namespace "kiosk"): home, sign-in,
apply (the same draft, discard and submission handlers as the web pages, channel
"kiosk"), my cases, the case page, the status look-up and the guides. Nothing links out
of it.

Clearing itself: every kiosk view records the time of the last activity in the session
(`kiosk.last_activity`) and refuses a session idle for longer than
`GOVHUB_KIOSK_IDLE_SECONDS` (default 120): the person is signed out, the session is
flushed server-side, the language goes back to the default, and the terminal shows the
kiosk home. `static/cases/kiosk.js` shows a countdown before that moment and keeps the
server informed while someone is typing; without JavaScript the server-side check still
holds, so a stale kiosk session can never be picked up by the next person.

Sign-in reuses identity's forms and services (`services_signin`): a password or an SMS
code first (L1), then the other factor when a page needs L2 — no sign-in logic here.
Staff accounts, which need an authenticator, are refused at the kiosk.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from govhub.cases import views_applicant as applicant
from govhub.cases.models import Channel
from govhub.catalog import selectors as catalog_selectors
from govhub.catalog.models import ImplementationItem
from govhub.core.errors import ApplicationError, NotFound
from govhub.core.masking import mask_name
from govhub.identity import levels, services_signin, session
from govhub.identity.forms import (
    CodeForm,
    PasswordConfirmForm,
    PasswordSignInForm,
    SmsSignInForm,
)
from govhub.identity.views_common import context_for_code, send_code

KIOSK = applicant.Flavour(
    namespace="kiosk", templates="cases/kiosk", channel=Channel.KIOSK, autocomplete=False
)

LAST_ACTIVITY = "kiosk.last_activity"
DEFAULT_IDLE_SECONDS = 120
ITEMS_PAGE_SIZE = 6
CASES_PAGE_SIZE = 5
SENSITIVE = ("password", "code")


def idle_seconds() -> int:
    return int(getattr(settings, "GOVHUB_KIOSK_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))


def warning_seconds() -> int:
    """How long the countdown before the automatic sign-out lasts."""
    return max(5, min(30, idle_seconds() // 4))


# --- The session that clears itself ------------------------------------------------------------


def kiosk_reset(request: HttpRequest, *, reason: str) -> None:
    """Sign out (recorded in the sign-in history) and flush the session server-side."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        session.session_pending_clear(request)
        session.session_sign_out(request, reason=reason)
    request.session.flush()


def _home_after_reset(notice: str) -> HttpResponse:
    response = redirect(f"{reverse('kiosk:home')}?{urlencode({'notice': notice})}")
    # The next person starts in the default language.
    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    add_never_cache_headers(response)
    return response


def is_stale(request: HttpRequest, now: int | None = None) -> bool:
    last = request.session.get(LAST_ACTIVITY)
    if last is None:
        return False
    now = session.now_epoch() if now is None else now
    try:
        return now - int(last) > idle_seconds()
    except (TypeError, ValueError):
        return True


def kiosk_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every kiosk page: a stale session is cleared first; otherwise the activity is
    noted. Kiosk pages are never cached (the back button must not show the previous
    person's data)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_stale(request):
            kiosk_reset(request, reason="kiosk_idle_timeout")
            return _home_after_reset("timeout")
        request.session[LAST_ACTIVITY] = session.now_epoch()
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapped


def kiosk_level(level: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Not signed in → the kiosk's sign-in; below `level` → the kiosk's second factor."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            query = urlencode({"next": request.get_full_path()})
            if not request.user.is_authenticated:
                return HttpResponseRedirect(f"{reverse('kiosk:sign_in')}?{query}")
            if not session.level_satisfied(request, level):
                return HttpResponseRedirect(f"{reverse('kiosk:verify')}?{query}")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _next(request: HttpRequest) -> str:
    """Where to go after signing in: a kiosk page only (never out of the kiosk)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    home = reverse("kiosk:home")
    if candidate.startswith(home) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return candidate
    return home


def _with_next(url: str, next_url: str, **params: str) -> str:
    query = {**{k: v for k, v in params.items() if v}, "next": next_url}
    return f"{url}?{urlencode(query)}"


# --- Home, sign-in, second factor, sign-out -----------------------------------------------------


@kiosk_view
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    notice = {
        "timeout": _("为保护您的信息，因长时间没有操作，已自动退出并清除本次填写的内容。"),
        "signed_out": _("您已退出，本次使用的信息已清除。"),
    }.get(request.GET.get("notice", ""), "")
    return render(request, "cases/kiosk/home.html", {**KIOSK.context(), "notice": notice})


@kiosk_view
@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """A password, or an SMS code to the registered mobile (identity's forms and services)."""
    next_url = _next(request)
    method = "sms" if request.GET.get("method") == "sms" else "password"
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    notice = None
    form: PasswordSignInForm | SmsSignInForm
    if method == "sms":
        form = SmsSignInForm(request.POST or None)
    else:
        form = PasswordSignInForm(request.POST or None)
    if request.method == "POST":
        if method == "sms" and request.POST.get("action") == "send_code":
            assert isinstance(form, SmsSignInForm)
            form.is_valid()
            form.for_sending()
            if "mobile" not in form.errors:
                notice = send_code(
                    request, form, mobile=form.cleaned_data["mobile"], purpose="sign_in"
                )
        elif form.is_valid():
            try:
                if isinstance(form, SmsSignInForm):
                    result = services_signin.sign_in_sms(
                        request=request,
                        mobile=form.cleaned_data["mobile"],
                        code=form.cleaned_data["code"],
                    )
                else:
                    result = services_signin.sign_in_password(
                        request=request,
                        identifier=form.cleaned_data["identifier"],
                        password=form.cleaned_data["password"],
                    )
            except ApplicationError as exc:
                form.apply_error(exc, field_map={"sms_code": "code"})
            else:
                if not result.completed:
                    # Staff accounts need an authenticator: not at a public terminal.
                    session.session_pending_clear(request)
                    form.add_error(
                        None,
                        _("工作人员账号不能在自助终端登录，请在工作台使用密码和动态口令登录。"),
                    )
                else:
                    request.session[LAST_ACTIVITY] = session.now_epoch()
                    return redirect(next_url)
    return render(
        request,
        "cases/kiosk/sign_in.html",
        {
            **KIOSK.context(),
            "form": form,
            "method": method,
            "next": next_url,
            **context_for_code(notice, form, "code"),
        },
    )


@kiosk_view
@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second factor for applying (L2): an SMS code after a password, the password
    after an SMS code."""
    next_url = _next(request)
    if not request.user.is_authenticated:
        return redirect(_with_next(reverse("kiosk:sign_in"), next_url))
    if session.level_satisfied(request, levels.L2):
        return redirect(next_url)
    user: Any = request.user
    reachable = levels.level_rank(user.assurance_ceiling) >= levels.level_rank(levels.L2)
    used = set(session.session_methods(request))
    method = "password" if levels.PASSWORD not in used else "sms"
    form: CodeForm | PasswordConfirmForm
    if method == "password":
        form = PasswordConfirmForm(request.POST or None)
    else:
        form = CodeForm(request.POST or None, label=_("短信验证码"))
    notice = None
    if request.method == "POST" and reachable:
        if method == "sms" and request.POST.get("action") == "send_code":
            notice = send_code(request, form, mobile=user.mobile, purpose="step_up", field="code")
            if notice:
                form = CodeForm(None, label=_("短信验证码"))
        elif form.is_valid():
            try:
                if method == "password":
                    services_signin.step_up_password(
                        request=request, password=form.cleaned_data["password"]
                    )
                else:
                    services_signin.step_up_sms(request=request, code=form.cleaned_data["code"])
            except ApplicationError as exc:
                form.apply_error(exc)
            else:
                request.session[LAST_ACTIVITY] = session.now_epoch()
                return redirect(next_url)
    return render(
        request,
        "cases/kiosk/verify.html",
        {
            **KIOSK.context(),
            "form": form,
            "method": method,
            "next": next_url,
            "reachable": reachable,
            "masked_mobile": getattr(user, "masked_mobile", ""),
            **context_for_code(notice, form, "code"),
        },
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """The "退出" button, and the countdown's end (reason=timeout)."""
    timeout = request.POST.get("reason") == "timeout"
    kiosk_reset(request, reason="kiosk_idle_timeout" if timeout else "sign_out")
    return _home_after_reset("timeout" if timeout else "signed_out")


@kiosk_view
@require_POST
def ping(request: HttpRequest) -> HttpResponse:
    """Someone is still at the terminal (typing into a long form): keep the session."""
    return HttpResponse(status=204)


# --- Items: what can be applied for here, and the guides ------------------------------------


def _items_page(request: HttpRequest, *, online_only: bool) -> dict[str, Any]:
    query = (request.GET.get("q") or "").strip()[:60]
    items = catalog_selectors.item_list_public()
    if online_only:
        items = items.filter(published_version__handling_forms__icontains='"online"').exclude(
            published_version__form_schema={}
        )
    if query:
        items = catalog_selectors.item_list_matching(items, query=query)
    page = Paginator(items, ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        **KIOSK.context(),
        "q": query,
        "page_obj": page,
        "page_query": urlencode({"q": query}) if query else "",
        "online_only": online_only,
        "items": [
            {
                "item": item,
                "online": applicant.accepts_online(item),
                "limit": applicant.limit_text(
                    item.published_version.promised_limit_value,
                    item.published_version.promised_limit_unit,
                )
                if item.published_version
                else "",
            }
            for item in page.object_list
        ],
    }


@kiosk_view
@require_http_methods(["GET"])
def apply_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/kiosk/items.html", _items_page(request, online_only=True))


@kiosk_view
@require_http_methods(["GET"])
def guides(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/kiosk/items.html", _items_page(request, online_only=False))


@kiosk_view
@require_http_methods(["GET"])
def guide(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = catalog_selectors.item_guide_get(implementation_code=code)
    except NotFound as exc:
        raise Http404(_("找不到该事项。")) from exc
    version = found.version
    return render(
        request,
        "cases/kiosk/guide.html",
        {
            **KIOSK.context(),
            "guide": found,
            "item": found.item,
            "version": version,
            "online": applicant.accepts_online(found.item)
            and found.item.state == ImplementationItem.State.ACTIVE,
            "promised_limit": applicant.limit_text(
                version.promised_limit_value, version.promised_limit_unit
            ),
            "legal_limit": applicant.limit_text(
                version.legal_limit_value, version.legal_limit_unit
            ),
        },
    )


# --- The applicant's pages, kiosk-sized -----------------------------------------------------


@kiosk_view
@require_http_methods(["GET", "POST"])
@kiosk_level(levels.L2)
def apply(request: HttpRequest, code: str) -> HttpResponse:
    return applicant.apply_start(request, KIOSK, code)


@kiosk_view
@require_http_methods(["GET", "POST"])
@kiosk_level(levels.L2)
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    return applicant.draft_page(request, KIOSK, pk)


@kiosk_view
@require_http_methods(["GET", "POST"])
@kiosk_level(levels.L2)
def draft_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return applicant.draft_discard(request, KIOSK, pk)


@kiosk_view
@require_http_methods(["GET", "POST"])
@kiosk_level(levels.L1)
def material_upload(request: HttpRequest, pk: int, material_id: int) -> HttpResponse:
    return applicant.material_upload(request, KIOSK, pk, material_id)


@kiosk_view
@require_http_methods(["GET"])
@kiosk_level(levels.L1)
def mine(request: HttpRequest) -> HttpResponse:
    return applicant.mine(request, KIOSK, page_size=CASES_PAGE_SIZE)


@kiosk_view
@require_http_methods(["GET"])
@kiosk_level(levels.L1)
def case(request: HttpRequest, number: str) -> HttpResponse:
    return applicant.case_page(request, KIOSK, number)


@kiosk_view
@require_http_methods(["GET", "POST"])
@kiosk_level(levels.L1)
def resubmit(request: HttpRequest, number: str) -> HttpResponse:
    return applicant.resubmit(request, KIOSK, number)


@kiosk_view
@require_http_methods(["GET", "POST"])
@kiosk_level(levels.L1)
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    return applicant.withdraw(request, KIOSK, number)


@kiosk_view
@require_http_methods(["GET"])
@kiosk_level(levels.L1)
def result(request: HttpRequest, number: str, result_id: int) -> HttpResponse:
    return applicant.result_download(request, KIOSK, number, result_id)


@kiosk_view
@require_http_methods(["GET"])
@kiosk_level(levels.L1)
def notice(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    if kind not in applicant.NOTICE_KINDS:
        raise Http404()
    return applicant.notice_pdf(request, KIOSK, number, kind)


@kiosk_view
@require_http_methods(["GET"])
@kiosk_level(levels.L1)
def supplement_notice(request: HttpRequest, number: str, supplement_id: int) -> HttpResponse:
    return applicant.notice_pdf(request, KIOSK, number, "supplement", supplement_id)


@kiosk_view
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    return applicant.status_lookup(request, KIOSK)


def kiosk_context(request: HttpRequest) -> dict[str, Any]:
    """What every kiosk template shows in its frame (see `templates/cases/kiosk/base.html`)."""
    user = getattr(request, "user", None)
    return {
        "kiosk_idle": idle_seconds(),
        "kiosk_warn": warning_seconds(),
        "kiosk_user": mask_name(user.get_full_name())
        if user is not None and user.is_authenticated
        else "",
    }
