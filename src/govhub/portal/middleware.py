"""Display mode: the standard site or the elderly-friendly mode (长辈版), remembered in a cookie."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

COOKIE = "govhub_mode"
STANDARD = "standard"
ELDER = "elder"
MODES = (STANDARD, ELDER)
# The choice is a preference, not a secret: kept for a year, renewed on every change.
COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def display_mode_of(request: HttpRequest) -> str:
    """The mode the middleware chose, or the standard one for requests it never saw."""
    mode = getattr(request, "display_mode", STANDARD)
    return mode if mode in MODES else STANDARD


class DisplayModeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        mode = request.COOKIES.get(COOKIE, STANDARD)
        request.display_mode = mode if mode in MODES else STANDARD  # type: ignore[attr-defined]
        response = self.get_response(request)
        # Pages differ by the mode cookie: shared caches must not mix the two versions.
        patch_vary_headers(response, ("Cookie",))
        return response
