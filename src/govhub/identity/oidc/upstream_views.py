"""Sign-in with the upstream (provincial) OpenID provider: start and callback.

See `govhub.identity.upstream`. The pending state, nonce and PKCE verifier wait in the
portal session (the user is not signed in yet, the session exists all the same).
"""

from __future__ import annotations

import logging

import requests
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from govhub.core.errors import InvalidInput
from govhub.identity import upstream
from govhub.identity.oidc.client import RelyingPartyError

logger = logging.getLogger(__name__)


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:home")


def _failure(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "oidc/upstream_error.html", {"message": message}, status=status)


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    if not upstream.upstream_enabled():
        raise Http404
    rp = upstream.upstream_relying_party(request)
    try:
        url, pending = rp.begin()
    except (requests.RequestException, RelyingPartyError):
        logger.exception("upstream OpenID provider unreachable")
        message = _("暂时无法连接省级统一身份认证平台，请稍后再试或使用本平台账号登录。")
        return _failure(request, message, 502)
    pending["next"] = _safe_next(request, request.GET.get("next", ""))
    request.session[upstream.PENDING_KEY] = pending
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    if not upstream.upstream_enabled():
        raise Http404
    from govhub.identity import session as identity_session

    pending = request.session.pop(upstream.PENDING_KEY, None) or {}
    rp = upstream.upstream_relying_party(request)
    try:
        token = rp.finish(query=request.GET.dict(), pending=pending)
        claims = dict(token["claims"])
        userinfo = rp.userinfo(token["access_token"]) or {}
        if userinfo.get("sub") == claims.get("sub"):
            claims = {**userinfo, **claims}
    except (requests.RequestException, RelyingPartyError) as exc:
        logger.warning("upstream sign-in failed: %s", exc)
        message = _("省级统一身份认证平台没有完成登录，请重试或使用本平台账号登录。")
        return _failure(request, message)
    try:
        person = upstream.upstream_claims(claims)
        user = upstream.upstream_account_link(claims=person, request=request)
    except InvalidInput as exc:
        return _failure(request, str(exc.message), 403)
    identity_session.session_sign_in(request, user, methods=["federated"], upstream_acr=person.acr)
    return HttpResponseRedirect(_safe_next(request, str(pending.get("next", ""))))
