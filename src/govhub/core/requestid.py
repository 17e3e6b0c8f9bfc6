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
