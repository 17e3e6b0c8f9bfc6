"""Pages of the site chrome: home, display-mode switch, accessibility statement, errors."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from govhub.core.requestid import current_request_id
from govhub.core.text import site_name
from govhub.portal import selectors
from govhub.portal.context_processors import html_lang
from govhub.portal.middleware import COOKIE, COOKIE_MAX_AGE, MODES, display_mode_of

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    page = selectors.home_page_get(city_code=settings.GOVHUB_CITY_REGION_CODE)
    return render(request, "portal/home.html", {"page": page})


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")


def _safe_next(request: HttpRequest) -> str:
    """Where to return after a switch: a path on this site, else the home page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


@require_POST
def set_mode(request: HttpRequest) -> HttpResponse:
    """Switch between the standard site and the elderly-friendly mode (长辈版)."""
    mode = request.POST.get("mode", "")
    if mode not in MODES:
        return _error(
            request,
            400,
            detail=_("无法识别所选的显示模式，请返回上一页，再点击“长辈版”或“返回标准版”按钮。"),
        )
    response = HttpResponseRedirect(_safe_next(request))
    response.set_cookie(
        COOKIE,
        mode,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


# --- Error pages ---------------------------------------------------------------------


def _request_id(request: HttpRequest) -> str:
    return getattr(request, "request_id", None) or current_request_id()


def _error(request: HttpRequest, status: int, *, detail: str = "") -> HttpResponse:
    return render(
        request,
        f"{status}.html",
        {"request_id": _request_id(request), "detail": detail},
        status=status,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """For settings.CSRF_FAILURE_VIEW: a stale or blocked form, explained in plain words."""
    return _error(
        request,
        403,
        detail=_(
            "表单的安全校验没有通过。常见原因是页面打开太久，或者浏览器禁用了 Cookie。"
            "请返回上一页，刷新后再提交一次。"
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


_LAST_RESORT_500 = (
    "<!doctype html><html lang=zh-Hans><meta charset=utf-8>"
    '<meta name=viewport content="width=device-width, initial-scale=1">'
    "<title>500</title><h1>系统暂时出错 (500)</h1>"
    "<p>请稍后再试，或拨打 12345 政务服务便民热线。"
    "Something went wrong on our side: please try again later.</p>"
    '<p><a href="/">返回首页 / Home</a></p>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: rendered without context processors, the database or static files,
    since any of them may be what failed."""
    try:
        request_id = _request_id(request)
        try:
            directory_url = reverse("organizations:directory")
        except Exception:  # a broken URLconf must not hide the error page
            directory_url = ""
        html: str = render_to_string(
            "500.html",
            {
                "request_id": request_id,
                "site_name": site_name(),
                "html_lang": html_lang(get_language()),
                "display_mode": display_mode_of(request),
                "home_url": "/",
                "directory_url": directory_url,
            },
        )
    except Exception:
        logger.exception("the 500 page itself failed to render")
        html = _LAST_RESORT_500
    return HttpResponseServerError(html)
