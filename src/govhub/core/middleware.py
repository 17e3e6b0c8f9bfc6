"""Request id: taken from a trusted upstream header or generated, echoed in the response."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from govhub.core.requestid import request_cache_var, request_id_var

_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        cache_token = request_cache_var.set({})
        try:
            response = self.get_response(request)
        finally:
            request_cache_var.reset(cache_token)
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response
