"""Request id: taken from a trusted upstream header or generated, echoed in the response.
The client's address: taken from `X-Forwarded-For` when the platform runs behind proxies."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from govhub.core.requestid import client_address_var, request_cache_var, request_id_var

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
        address_token = client_address_var.set(request.META.get("REMOTE_ADDR") or None)
        try:
            response = self.get_response(request)
        finally:
            client_address_var.reset(address_token)
            request_cache_var.reset(cache_token)
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


def forwarded_client(forwarded_for: str, *, proxies: int) -> str | None:
    """The client's address in an `X-Forwarded-For` value written through `proxies`
    trusted proxies: each appends the address it received from, so the client is the
    `proxies`-th entry from the right. Anything further left was sent by the client and
    cannot be trusted. None when the header is too short or the entry is not an address."""
    entries = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
    if proxies < 1 or len(entries) < proxies:
        return None
    candidate = entries[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


class ClientAddressMiddleware:
    """Behind `GOVHUB_TRUSTED_PROXIES` load balancers / reverse proxies, `REMOTE_ADDR` is the
    nearest proxy's address. Sign-in lockouts, SMS limits, audit and registry logs all read
    `REMOTE_ADDR`, so it is replaced here by the client's address from `X-Forwarded-For`
    (the proxy's own address is kept in `govhub.proxy_addr`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = int(getattr(settings, "GOVHUB_TRUSTED_PROXIES", 0))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.proxies:
            client = forwarded_client(
                request.META.get("HTTP_X_FORWARDED_FOR", ""), proxies=self.proxies
            )
            if client is not None:
                request.META["govhub.proxy_addr"] = request.META.get("REMOTE_ADDR", "")
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
