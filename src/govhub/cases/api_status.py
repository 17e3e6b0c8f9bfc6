"""Cases API: the public status look-up (`GET /api/v1/cases/status`), without signing
in, and the limit on failed look-ups per client address."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Query
from ninja.responses import Status

from govhub.cases import selectors_public
from govhub.cases.api_detail import labelled
from govhub.cases.api_routes import E, endpoint
from govhub.cases.api_schemas import PublicStatusOut, StatusQuery
from govhub.core.audit import client_ip
from govhub.core.errors import NotFound, error_body

# Failed look-ups allowed per client address and window.
STATUS_FAILURES = 10
STATUS_WINDOW_SECONDS = 600


def _public(found: selectors_public.PublicStatus) -> dict[str, Any]:
    return {
        "number": found.number,
        "title": found.title,
        "department": found.department,
        "state": labelled(found.state, found.state_label),
        "submitted_at": found.submitted_at,
        "accepted_on": found.accepted_on,
        "promised_due": found.promised_due,
        "completed_at": found.completed_at,
        "applicant": found.applicant,
        "timeline": [{"occurred_at": at, "action": label} for at, label in found.timeline],
    }


def _status_keys(address: str) -> tuple[str, str]:
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:32]
    return f"cases:status:failures:{digest}", f"cases:status:since:{digest}"


def _status_limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "GOVHUB_CASE_STATUS_FAILURES", STATUS_FAILURES)),
        int(getattr(settings, "GOVHUB_CASE_STATUS_WINDOW_SECONDS", STATUS_WINDOW_SECONDS)),
    )


def status_wait(address: str, *, now: float | None = None) -> int:
    """Seconds `address` must wait before the next look-up (0: it may look up now)."""
    limit, window = _status_limits()
    count_key, since_key = _status_keys(address)
    if int(cache.get(count_key, 0)) < limit:
        return 0
    since = float(cache.get(since_key) or (now or time.time()))
    return max(1, math.ceil(since + window - (now or time.time())))


def status_failure(address: str, *, now: float | None = None) -> None:
    """Count one failed look-up from `address` (the window starts at the first)."""
    _limit, window = _status_limits()
    count_key, since_key = _status_keys(address)
    cache.add(since_key, now or time.time(), window)
    cache.add(count_key, 0, window)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, window)


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    from govhub.api import api

    minutes = max(1, math.ceil(wait / 60))
    message = ngettext(
        "查询失败次数过多，请 %(minutes)s 分钟后再试。",
        "查询失败次数过多，请 %(minutes)s 分钟后再试。",
        minutes,
    ) % {"minutes": minutes}
    response = api.create_response(request, error_body("rate_limited", message), status=429)
    response["Retry-After"] = str(wait)
    return response


@endpoint(
    "GET",
    "/status",
    response={200: PublicStatusOut, 404: E, 422: E, 429: E},
    auth=None,
    url_name="cases_status",
    summary="办件进度公开查询",
    description=(
        "无需登录：办件编号加申请人身份证号码后六位（法人为统一社会信用代码后六位）。"
        "只返回脱敏信息。编号不存在与后六位不符的回答相同（404）。同一地址 10 分钟内查询失败 "
        "10 次后返回 429 `rate_limited`，`Retry-After` 头给出需等待的秒数。"
    ),
)
def case_status(request: HttpRequest, params: Query[StatusQuery]) -> Any:
    address = client_ip(request) or "unknown"
    if wait := status_wait(address):
        return _too_many(request, wait)
    found = selectors_public.case_public_status(number=params.number, id_tail=params.id_tail)
    if found is None:
        status_failure(address)
        raise NotFound(
            _("没有找到与办件编号和证件号码后六位相符的办件，请核对后重试。"),
            fields={"id_tail": [_("请核对办件编号和证件号码后六位。")]},
        )
    return Status(200, _public(found))
