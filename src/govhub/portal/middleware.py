"""Display mode: the standard site or the elderly-friendly mode (长辈版), remembered in a cookie."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

COOKIE = "govhub_mode"
MODES = ("standard", "elder")


class DisplayModeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        mode = request.COOKIES.get(COOKIE, "standard")
        request.display_mode = mode if mode in MODES else "standard"  # type: ignore[attr-defined]
        return self.get_response(request)
