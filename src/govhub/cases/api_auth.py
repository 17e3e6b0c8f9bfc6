"""Cases API: who is calling, for whom, and whether their sign-in is strong enough.

A call comes with a bearer token (the mobile app; `X-Acting-For` names the enterprise, read
by `govhub.identity.api.account_auth`) or with the browser's session (the enterprise chosen
on the pages). Staff need L2 for every call, applicants L2 to change anything; below it the
answer is the step-up 401 (`insufficient_user_authentication`).
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.security import SessionAuth

from govhub.cases import selectors
from govhub.cases.models import Case, Channel
from govhub.core.errors import Conflict, Forbidden, error_body
from govhub.identity import levels
from govhub.identity import session as identity_session
from govhub.identity.api import account_auth, token_acr
from govhub.identity.models import Enterprise, User

session_auth = SessionAuth()
AUTH = [account_auth, session_auth]
# Changing anything as an applicant, and every staff call: a two-factor sign-in.
WRITE_LEVEL = levels.L2
STAFF_LEVEL = levels.L2
ACTING_FOR_HEADER = "HTTP_X_ACTING_FOR"


@dataclass(frozen=True)
class Caller:
    user: User
    acting_for: Enterprise | None
    via_token: bool

    @property
    def default_channel(self) -> str:
        return Channel.MOBILE if self.via_token else Channel.WEB

    @property
    def is_staff(self) -> bool:
        return bool(self.user.is_staff_account)


def _caller(request: HttpRequest) -> Caller:
    user = request.user
    assert isinstance(user, User)
    via_token = not isinstance(getattr(request, "auth", None), User)
    if via_token:
        return Caller(user, getattr(request, "acting_for", None), True)
    enterprise = identity_session.acting_for(request)
    named = request.META.get(ACTING_FOR_HEADER, "").strip().upper()
    if named and (enterprise is None or enterprise.uscc != named):
        raise Forbidden(
            _("浏览器会话代表哪家企业办事，请在页面上选择；请求头 X-Acting-For 与之不符。"),
            code="acting_for_forbidden",
        )
    return Caller(user, enterprise, False)


def _level(request: HttpRequest, caller: Caller) -> str:
    if caller.via_token:
        return token_acr(request.auth)  # type: ignore[attr-defined]
    return identity_session.session_acr(request)


def _refusal(request: HttpRequest, caller: Caller, *, write: bool) -> HttpResponse | None:
    """None when the sign-in is strong enough; otherwise the step-up answer (401
    `insufficient_user_authentication`)."""
    needed = STAFF_LEVEL if caller.is_staff else (WRITE_LEVEL if write else "")
    if not needed or levels.level_rank(_level(request, caller)) >= levels.level_rank(needed):
        return None
    if levels.level_rank(caller.user.assurance_ceiling) < levels.level_rank(needed):
        # Signing in again would not help: the account is not real-name verified.
        raise Forbidden(_("请先完成实名认证再申请办理事项。"), code="real_name_required")
    from govhub.api import api

    message = _("此操作需要%(level)s认证：请重新登录并完成第二项验证后再试。") % {"level": needed}
    response = api.create_response(
        request, error_body("insufficient_user_authentication", message), status=401
    )
    if caller.via_token:
        response["WWW-Authenticate"] = (
            f'Bearer error="insufficient_user_authentication", acr_values="{needed}"'
        )
    return response


def guarded(*, write: bool) -> Any:
    """Handler decorator: resolve the caller (`caller_of(request)` in the handler) and
    refuse a sign-in below the level the call needs."""

    def decorator(view: Any) -> Any:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            caller = _caller(request)
            if (refusal := _refusal(request, caller, write=write)) is not None:
                return refusal
            request._cases_caller = caller  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        # Ninja reads the parameters from the wrapper and resolves their (string)
        # annotations in the wrapper's module, not the handler's: hand it the handler's
        # signature, resolved where the handler is defined.
        wrapped.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def caller_of(request: HttpRequest) -> Caller:
    caller = getattr(request, "_cases_caller", None)
    assert isinstance(caller, Caller)
    return caller


def visible_case(caller: Caller, *, number: str | None = None, case_id: int | None = None) -> Case:
    """The case, if the caller may see it (404 otherwise, as for a case that does not
    exist)."""
    case, _viewer = selectors.case_visible(
        caller.user, case_id=case_id, number=number, acting_for=caller.acting_for
    )
    return case


def check_revision(case: Case, revision: int | None) -> None:
    """For services that take no `revision`: the caller acted on what they saw."""
    if revision is not None and revision != case.revision:
        raise Conflict(
            _("办件已被他人更新（例如已处理了当前环节），请刷新页面查看最新状态后再操作。"),
            code="stale_revision",
        )
