"""Session policy: idle and absolute timeouts, the acting-for identity (issue 4).

For a signed-in request: a session idle longer than `GOVHUB_SESSION_IDLE_SECONDS` or
older than `GOVHUB_SESSION_MAX_SECONDS` is signed out (recorded in the sign-in history
and the audit trail; the sign-in page explains why); otherwise its activity is noted.
While the user acts for an enterprise they are still authorised for, the audit trail's
`on_behalf_of` says so for everything done in the request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from govhub.core.requestid import on_behalf_of_var
from govhub.identity import session


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        label = ""
        if user is not None and user.is_authenticated:
            reason = session.session_expiry_reason(request)
            if reason:
                session.session_sign_out(request, reason=reason)
                request.session[session.NOTICE] = reason
            else:
                session.session_touch(request)
                enterprise = session.acting_for(request)
                if enterprise is not None:
                    label = enterprise.on_behalf_of_label
        token = on_behalf_of_var.set(label)
        try:
            return self.get_response(request)
        finally:
            on_behalf_of_var.reset(token)
