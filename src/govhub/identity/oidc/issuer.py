"""The issuer identifier: `GOVHUB_OIDC_ISSUER`, or the origin of the request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


class _HeaderRequest(HttpRequest):
    """A Django request built from an oauthlib request's headers (its META)."""

    def __init__(self, headers: Any) -> None:
        super().__init__()
        self.META = dict(headers)

    def _get_scheme(self) -> str:
        return "https" if self.META.get("X_DJANGO_OAUTH_TOOLKIT_SECURE") else "http"


def issuer_for(request: Any) -> str:
    configured: str = settings.GOVHUB_OIDC_ISSUER
    if configured:
        return configured
    django_request = (
        request if isinstance(request, HttpRequest) else _HeaderRequest(request.headers)
    )
    return django_request.build_absolute_uri("/").rstrip("/")
