"""The request-level identity API used by views, the API and the OpenID provider.

A signed-in session keeps, besides Django's own keys:

- `identity.methods`: the authentication methods used in this session, in order
  ("pwd", "sms", "otp", "federated"); `session_amr` adds "mfa" when multi-factor;
- `identity.auth_time`: when the user last authenticated (epoch seconds; a step-up
  moves it);
- `identity.started` / `identity.last_seen`: for the absolute and idle timeouts
  (`SessionPolicyMiddleware`);
- `identity.acting_for`: the enterprise the user acts for, if any;
- `identity.pending`: a password accepted, the second factor still missing (staff).

The level of assurance is computed on demand from the methods and the account's ceiling
(`govhub.identity.levels`), so a change to the account (confirmed in person) counts at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from govhub.core.requestid import on_behalf_of_var
from govhub.identity import levels

if TYPE_CHECKING:
    from govhub.identity.models import Enterprise, User

BACKEND = "govhub.identity.backends.IdentifierBackend"

METHODS = "identity.methods"
AUTH_TIME = "identity.auth_time"
STARTED = "identity.started"
LAST_SEEN = "identity.last_seen"
UPSTREAM_ACR = "identity.upstream_acr"
ACTING_FOR = "identity.acting_for"
PENDING = "identity.pending"
NOTICE = "identity.notice"

# How long a half-finished sign-in (password accepted, TOTP missing) waits.
PENDING_SECONDS = 300
_ACTING_FOR_CACHE = "_identity_acting_for"


def now_epoch() -> int:
    return int(timezone.now().timestamp())


# --- Signing in and out --------------------------------------------------------------------


def session_sign_in(
    request: HttpRequest, user: User, *, methods: list[str], upstream_acr: str = ""
) -> None:
    """Sign `user` in with the given methods (Django login: a new session key), and start
    the session's clocks. `upstream_acr` is the level an upstream provider asserted (only
    with the "federated" method)."""
    login(request, user, backend=BACKEND)
    now = now_epoch()
    request.session.pop(PENDING, None)
    request.session[METHODS] = list(dict.fromkeys(methods))
    request.session[AUTH_TIME] = now
    request.session[STARTED] = now
    request.session[LAST_SEEN] = now
    request.session[UPSTREAM_ACR] = upstream_acr if upstream_acr in levels.LEVELS else ""
    request.session.pop(ACTING_FOR, None)
    _forget_acting_for(request)
    on_behalf_of_var.set("")


def session_add_factor(request: HttpRequest, *, method: str) -> None:
    """Record a further factor proved in this session (step-up); the session key changes,
    the session's data stays."""
    methods = list(request.session.get(METHODS, []))
    if method not in methods:
        methods.append(method)
    request.session[METHODS] = methods
    request.session[AUTH_TIME] = now_epoch()
    request.session.cycle_key()


def session_sign_out(request: HttpRequest, *, reason: str = "sign_out") -> None:
    """End the session: record it (sign-in history and audit trail), log out, and publish
    `SignedOut` with the session key the session had. Signed out already: nothing."""
    from govhub.identity.services_signin import record_sign_out

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        logout(request)
        return
    session_key = request.session.session_key or ""
    record_sign_out(request=request, user=user, session_key=session_key, reason=reason)
    logout(request)
    on_behalf_of_var.set("")


def session_end_others(
    request: HttpRequest | None, user: User, *, reason: str, keep_current: bool = True
) -> int:
    """End the other sessions of `user` (after a password change or reset); returns how
    many were known to be open.

    Changing the password already ends every session Django signed in with the old one
    (the session's password hash no longer matches on its next request); this also
    deletes the sessions known from the user's single sign-ons and publishes `SignedOut`
    for each, so the OpenID provider revokes the tokens client systems hold. With
    `keep_current` the session of `request` (when it is `user`'s) is left alone. Call it
    inside the transaction that changes the password (events go out on commit).
    """
    from importlib import import_module

    from govhub.core.events import publish
    from govhub.identity.events import SignedOut
    from govhub.identity.oidc_models import OidcAuthorization

    current_key = current_sid = ""
    session = getattr(request, "session", None)
    current_user = getattr(request, "user", None)
    if keep_current and session is not None and getattr(current_user, "pk", None) == user.pk:
        current_key = session.session_key or ""
        current_sid = str(session.get("oidc_sid", "") or "")
    rows = OidcAuthorization.objects.filter(user=user, ended_at__isnull=True).values_list(
        "session_key", "sid"
    )
    # One portal session keeps its `sid` while its key changes (sign-in, step-up): group
    # by sid, and delete every key it was seen with.
    ended: dict[str, tuple[str, list[str]]] = {}
    for session_key, sid in rows.order_by("-created_at"):
        if not session_key and not sid:
            continue  # not tied to a portal session
        if (current_sid and sid == current_sid) or (current_key and session_key == current_key):
            continue
        _sid, keys = ended.setdefault(sid or f"key:{session_key}", (sid, []))
        if session_key and session_key not in keys:
            keys.append(session_key)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for sid, keys in ended.values():
        for session_key in keys:
            store().delete(session_key)
        publish(
            SignedOut(user_id=user.pk, session_key=keys[0] if keys else "", reason=reason, sid=sid)
        )
    return len(ended)


# --- What the session proves ---------------------------------------------------------------


def _signed_in_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user


def session_methods(request: HttpRequest) -> list[str]:
    if _signed_in_user(request) is None:
        return []
    return list(request.session.get(METHODS, []))


def session_amr(request: HttpRequest) -> list[str]:
    """Authentication method references (RFC 8176) for the ID token: e.g. ["pwd", "otp",
    "mfa"]. Empty when not signed in."""
    return levels.amr_values(session_methods(request))


def session_acr(request: HttpRequest) -> str:
    """ "L1", "L2" or "L3"; "" when not signed in (or signed in by a path that recorded no
    method, such as a test's force_login)."""
    user = _signed_in_user(request)
    if user is None:
        return ""
    return levels.session_level(
        ceiling=user.assurance_ceiling,
        methods=request.session.get(METHODS, []),
        upstream_acr=request.session.get(UPSTREAM_ACR, ""),
    )


def session_auth_time(request: HttpRequest) -> int:
    """When the user last authenticated in this session (epoch seconds); 0 if unknown."""
    if _signed_in_user(request) is None:
        return 0
    return int(request.session.get(AUTH_TIME, 0))


def level_satisfied(request: HttpRequest, level: str) -> bool:
    return levels.level_rank(session_acr(request)) >= levels.level_rank(level)


def step_up_url(next_url: str, level: str) -> str:
    return f"{reverse('identity:step_up')}?{urlencode({'next': next_url, 'level': level})}"


def require_level(
    level: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: not signed in → the sign-in page; signed in below `level` → the
    step-up page; both come back to this page (`next`)."""
    if level not in levels.LEVELS:
        raise ValueError(f"unknown level {level!r}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if _signed_in_user(request) is None:
                return redirect_to_login(request.get_full_path())
            if not level_satisfied(request, level):
                return HttpResponseRedirect(step_up_url(request.get_full_path(), level))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Acting for an enterprise --------------------------------------------------------------


def _forget_acting_for(request: HttpRequest) -> None:
    if hasattr(request, _ACTING_FOR_CACHE):
        delattr(request, _ACTING_FOR_CACHE)


def acting_for(request: HttpRequest) -> Enterprise | None:
    """The enterprise the signed-in user acts for, while they may (legal representative,
    or an agent whose authorisation is valid now); otherwise None, and the choice is
    dropped from the session."""
    if hasattr(request, _ACTING_FOR_CACHE):
        return getattr(request, _ACTING_FOR_CACHE)
    user = _signed_in_user(request)
    enterprise_id = request.session.get(ACTING_FOR) if user is not None else None
    enterprise = None
    if enterprise_id is not None:
        from govhub.identity import policies
        from govhub.identity.models import Enterprise

        enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
        if enterprise is None or not policies.can_act_for(user, enterprise):
            enterprise = None
            request.session.pop(ACTING_FOR, None)
    setattr(request, _ACTING_FOR_CACHE, enterprise)
    return enterprise


def acting_for_set(request: HttpRequest, enterprise: Enterprise | None) -> None:
    """Act for `enterprise` from now on (None: for oneself). Refused (`Forbidden`) unless
    the user represents it or holds a valid agent authorisation; recorded in the audit
    trail."""
    from govhub.identity.services_enterprise import acting_for_change

    user = _signed_in_user(request)
    if user is None:
        from govhub.core.errors import Forbidden

        raise Forbidden()
    acting_for_change(request=request, user=user, enterprise=enterprise)
    if enterprise is None:
        request.session.pop(ACTING_FOR, None)
        on_behalf_of_var.set("")
    else:
        request.session[ACTING_FOR] = enterprise.pk
        on_behalf_of_var.set(enterprise.on_behalf_of_label)
    setattr(request, _ACTING_FOR_CACHE, enterprise)


def acting_for_scopes(request: HttpRequest) -> set[str]:
    """What the user may do for the enterprise they act for (every scope for the legal
    representative); empty when acting for themselves."""
    from govhub.identity import policies

    enterprise = acting_for(request)
    if enterprise is None:
        return set()
    return policies.agent_scopes(request.user, enterprise)


# --- A sign-in waiting for its second factor -----------------------------------------------


def session_pending_begin(
    request: HttpRequest, user: User, *, methods: list[str], available: list[str]
) -> None:
    """Remember that `user` proved `methods` and must still prove one of `available`."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "methods": list(methods),
        "available": list(available),
        "since": now_epoch(),
    }


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if now_epoch() - int(pending.get("since", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return pending


def session_pending_user(request: HttpRequest) -> User | None:
    """The account whose password was accepted and whose second factor is awaited."""
    pending = _pending(request)
    if pending is None:
        return None
    from govhub.identity.models import User

    return User.objects.filter(pk=pending["user"], is_active=True).first()


def session_pending_methods(request: HttpRequest) -> list[str]:
    """The factors proved so far by the pending sign-in."""
    pending = _pending(request)
    return list(pending["methods"]) if pending else []


def session_pending_available(request: HttpRequest) -> list[str]:
    """The second factors the pending sign-in may use (e.g. ["otp"])."""
    pending = _pending(request)
    return list(pending["available"]) if pending else []


def session_pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


# --- Timeouts (used by SessionPolicyMiddleware) --------------------------------------------


def expiry_reason(
    *, started: int, last_seen: int, now: int, idle_seconds: int, max_seconds: int
) -> str:
    """ "absolute_timeout", "idle_timeout" or "" (still valid)."""
    if now - started >= max_seconds:
        return "absolute_timeout"
    if now - last_seen >= idle_seconds:
        return "idle_timeout"
    return ""


def session_expiry_reason(request: HttpRequest) -> str:
    now = now_epoch()
    started = request.session.get(STARTED)
    last_seen = request.session.get(LAST_SEEN)
    if started is None or last_seen is None:
        return ""
    return expiry_reason(
        started=int(started),
        last_seen=int(last_seen),
        now=now,
        idle_seconds=settings.GOVHUB_SESSION_IDLE_SECONDS,
        max_seconds=settings.GOVHUB_SESSION_MAX_SECONDS,
    )


def session_touch(request: HttpRequest) -> None:
    """Note activity now (at most one session write every few seconds)."""
    now = now_epoch()
    if STARTED not in request.session:
        request.session[STARTED] = now
    last_seen = request.session.get(LAST_SEEN)
    if last_seen is None or now - int(last_seen) >= 5:
        request.session[LAST_SEEN] = now


def session_notice(request: HttpRequest) -> str:
    """Why the previous session ended ("idle_timeout", "absolute_timeout"), once, for the
    sign-in page to explain; "" otherwise."""
    return str(request.session.pop(NOTICE, "") or "")
