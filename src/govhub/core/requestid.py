"""The id of the request being served, for log lines and error envelopes."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    return request_id_var.get()


# A scratch dict that lives for one request (None outside requests: commands, tasks and
# tests that call services directly see no caching at all). For reads that a page repeats
# many times, such as the caller's positions in permission checks.
request_cache_var: ContextVar[dict[object, object] | None] = ContextVar(
    "request_cache", default=None
)


def request_cache() -> dict[object, object] | None:
    return request_cache_var.get()


# On whose behalf the request acts ("enterprise:<USCC>" when a person acts for an enterprise
# they represent or are an agent of; empty when acting for themselves). Set by identity's
# middleware, read by `audit_log`, so every record says for whom the action was done.
on_behalf_of_var: ContextVar[str] = ContextVar("on_behalf_of", default="")


def current_on_behalf_of() -> str:
    return on_behalf_of_var.get()


# The client's address for the request being served (after `ClientAddressMiddleware`),
# so `audit_log` can name the source address even when a service was not handed the
# request. None outside requests.
client_address_var: ContextVar[str | None] = ContextVar("client_address", default=None)


def current_client_address() -> str | None:
    return client_address_var.get()
