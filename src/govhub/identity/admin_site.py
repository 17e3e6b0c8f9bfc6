"""The Django admin, usable only from a session that proved a TOTP code.

`GovhubAdminSite.has_permission` adds to Django's check (active, `is_staff`) that the
session's methods include "otp"; its login page sends people to the identity sign-in
page (password + TOTP), and back. Wire it by replacing "django.contrib.admin" in
INSTALLED_APPS with "govhub.identity.admin_site.GovhubAdminConfig": every
`admin.site` / `@admin.register` then uses this site.

It is a `core.admin_auditing.AuditedAdminSite`: every ModelAdmin registered with it writes
its adds, changes, deletions and actions to the audit trail.

This module must not import models at import time (it is loaded with the app registry).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from govhub.core.admin_auditing import AuditedAdminSite


def session_has_otp(request: HttpRequest) -> bool:
    from govhub.identity.session import session_amr

    return "otp" in session_amr(request)


class GovhubAdminSite(AuditedAdminSite):
    # The site header and title are set by govhub.core.admin (the site's name).

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and session_has_otp(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Sign in through the identity pages (password + TOTP), then come back. A staff
        session without TOTP is sent to step up with its authenticator; anyone else who
        is signed in but may not use the admin is refused."""
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            query = urlencode({"next": next_url})
            return HttpResponseRedirect(f"{reverse('identity:sign_in')}?{query}")
        if user.is_active and user.is_staff and not session_has_otp(request):
            query = urlencode({"next": next_url, "level": "L2", "method": "otp"})
            return HttpResponseRedirect(f"{reverse('identity:step_up')}?{query}")
        raise PermissionDenied

    def logout(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Sign out like everywhere else (history, audit, tokens of department systems)."""
        if request.method == "POST":
            from govhub.identity.session import session_sign_out

            session_sign_out(request)
            return HttpResponseRedirect(reverse("identity:sign_in"))
        return HttpResponseRedirect(reverse("identity:sign_out"))


class GovhubAdminConfig(AdminConfig):
    default_site = "govhub.identity.admin_site.GovhubAdminSite"
