"""What a sign-in into a client system says about the portal session behind it.

Read from `govhub.identity.session` at authorization time (the only moment the user's
browser session is at hand) and stored in `OidcAuthorization`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest

from govhub.identity.oidc_models import OidcAuthorization

SID_SESSION_KEY = "oidc_sid"


def session_sid(request: HttpRequest) -> str:
    """A stable id of this portal session, published to clients as `sid`."""
    sid = request.session.get(SID_SESSION_KEY)
    if not sid:
        sid = OidcAuthorization.new_sid()
        request.session[SID_SESSION_KEY] = sid
    return str(sid)


def capture(request: HttpRequest) -> dict[str, Any]:
    """Fields of an `OidcAuthorization` taken from the signed-in portal session."""
    from govhub.identity import session as identity_session

    enterprise = identity_session.acting_for(request)
    auth_time = identity_session.session_auth_time(request)
    sid = session_sid(request)
    if request.session.session_key is None:
        request.session.save()
    return {
        "session_key": request.session.session_key or "",
        "sid": sid,
        "acr": identity_session.session_acr(request),
        "amr": list(identity_session.session_amr(request)),
        "auth_time": datetime.datetime.fromtimestamp(auth_time, tz=datetime.UTC),
        "acting_for_uscc": enterprise.uscc if enterprise is not None else "",
        "acting_for_name": enterprise.name if enterprise is not None else "",
    }
