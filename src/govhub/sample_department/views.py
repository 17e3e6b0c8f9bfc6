"""The sample department system: a relying party of the platform's OpenID provider.

What a department's own system does to use the platform's single sign-on, in a few
views: it keeps its OWN session (a signed cookie, not the portal's session), signs in with
the authorization code flow and PKCE, shows what it was told about the user, asks the
userinfo endpoint on every page view (so a token revoked at the platform signs the user out
here at the next click), and supports RP-initiated and front-channel logout.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from govhub.identity.oidc.client import RelyingParty, RelyingPartyError

COOKIE = "sample_department"
LOGIN_COOKIE = "sample_department_login"
SALT = "govhub.sample_department"
COOKIE_SECONDS = 8 * 3600
LOGIN_SECONDS = 600


def relying_party(request: HttpRequest) -> RelyingParty:
    issuer = settings.GOVHUB_SAMPLE_CLIENT_ISSUER or request.build_absolute_uri("/").rstrip("/")
    return RelyingParty(
        issuer=issuer,
        client_id=settings.GOVHUB_SAMPLE_CLIENT_ID,
        client_secret=settings.GOVHUB_SAMPLE_CLIENT_SECRET,
        redirect_uri=request.build_absolute_uri(reverse("sample_department:callback")),
        scope="openid profile phone enterprise",
    )


def enabled[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not settings.GOVHUB_SAMPLE_CLIENT:
            raise Http404
        return view(*args, **kwargs)

    return wrapped


def _read(request: HttpRequest, name: str, max_age: int) -> dict[str, Any] | None:
    value = request.COOKIES.get(name)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=f"{SALT}.{name}", max_age=max_age)
    except signing.BadSignature:  # also expired
        return None
    return data if isinstance(data, dict) else None


def _write(response: HttpResponse, name: str, data: dict[str, Any], max_age: int) -> None:
    response.set_cookie(
        name,
        signing.dumps(data, salt=f"{SALT}.{name}", compress=True),
        max_age=max_age,
        path=reverse("sample_department:home"),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _forget(response: HttpResponse, name: str = COOKIE) -> None:
    response.delete_cookie(name, path=reverse("sample_department:home"), samesite="Lax")


@enabled
@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    state = _read(request, COOKIE, COOKIE_SECONDS)
    context: dict[str, Any] = {"signed_in": False, "notice": request.GET.get("notice", "")}
    if state is None:
        return render(request, "sample_department/home.html", context)
    rp = relying_party(request)
    userinfo = rp.userinfo(state["access_token"])
    refreshed = False
    if userinfo is None and state.get("refresh_token"):
        # The access token may just have expired: one refresh; a revoked one fails too.
        try:
            token = rp.refresh(state["refresh_token"])
        except RelyingPartyError:  # revoked, or the platform's session ended
            token = None
        if token is not None:
            state.update(
                access_token=token["access_token"],
                refresh_token=token.get("refresh_token", state["refresh_token"]),
            )
            userinfo = rp.userinfo(state["access_token"])
            refreshed = True
    if userinfo is None:
        response = render(request, "sample_department/home.html", {**context, "notice": "revoked"})
        _forget(response)
        return response
    context.update(signed_in=True, claims=state["claims"], userinfo=userinfo)
    response = render(request, "sample_department/home.html", context)
    if refreshed:
        _write(response, COOKIE, state, COOKIE_SECONDS)
    return response


@enabled
@never_cache
@require_GET
def login(request: HttpRequest) -> HttpResponse:
    rp = relying_party(request)
    extra: dict[str, str] = {}
    if request.GET.get("level") in ("L2", "L3"):
        extra["acr_values"] = request.GET["level"]
    if request.GET.get("idcard"):
        extra["scope"] = f"{rp.scope} idcard"
    url, pending = rp.begin(**extra)
    response = HttpResponseRedirect(url)
    _write(response, LOGIN_COOKIE, pending, LOGIN_SECONDS)
    return response


@enabled
@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    pending = _read(request, LOGIN_COOKIE, LOGIN_SECONDS) or {}
    rp = relying_party(request)
    try:
        token = rp.finish(query=request.GET.dict(), pending=pending)
    except RelyingPartyError as exc:
        context = {"signed_in": False, "error": str(exc)}
        response = render(request, "sample_department/home.html", context, status=400)
        _forget(response, LOGIN_COOKIE)
        return response
    response = HttpResponseRedirect(reverse("sample_department:home"))
    _forget(response, LOGIN_COOKIE)
    _write(
        response,
        COOKIE,
        {
            "claims": token["claims"],
            "id_token": token["id_token"],
            "access_token": token["access_token"],
            "refresh_token": token.get("refresh_token", ""),
        },
        COOKIE_SECONDS,
    )
    return response


@enabled
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """RP-initiated logout: forget our session, then let the platform end its own."""
    state = _read(request, COOKIE, COOKIE_SECONDS)
    back = request.build_absolute_uri(reverse("sample_department:home"))
    if state is None:
        response = HttpResponseRedirect(back)
    else:
        rp = relying_party(request)
        response = HttpResponseRedirect(
            rp.end_session_url(
                id_token_hint=state["id_token"],
                post_logout_redirect_uri=back,
                state=secrets.token_urlsafe(8),
            )
        )
    _forget(response)
    return response


@enabled
@never_cache
@xframe_options_sameorigin
@require_GET
def frontchannel_logout(request: HttpRequest) -> HttpResponse:
    """Opened by the platform in a hidden iframe when the user signs out there."""
    state = _read(request, COOKIE, COOKIE_SECONDS)
    response = HttpResponse(b"", content_type="text/plain")
    if state is None:
        return response
    sid = request.GET.get("sid", "")
    if not sid or sid == state["claims"].get("sid"):
        _forget(response)
    return response
