"""The public status look-up (see `views_applicant`): anyone holding a case number and the
last 6 characters of the applicant's ID number sees where the case stands, masked; failed
look-ups are counted per client address and limited."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from govhub.cases import selectors_public
from govhub.cases.views_applicant_common import Flavour
from govhub.core.audit import client_ip
from govhub.core.validators import to_ascii

# The public status look-up: failed attempts per client address.
STATUS_MAX_FAILURES = 10
STATUS_WINDOW_SECONDS = 600


def _status_key(request: HttpRequest) -> str:
    return f"cases:status-failures:{client_ip(request) or 'unknown'}"


def status_failures(request: HttpRequest) -> int:
    return int(cache.get(_status_key(request), 0) or 0)


def _status_failed(request: HttpRequest) -> None:
    key = _status_key(request)
    if not cache.add(key, 1, STATUS_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, STATUS_WINDOW_SECONDS)


def _normalise_tail(text: str) -> str:
    return "".join(to_ascii(text or "").split()).upper()


def status_lookup(request: HttpRequest, fl: Flavour) -> HttpResponse:
    """Anyone holding the case number and the last 6 characters of the applicant's ID
    number (or credit code) may see where the case stands, masked. The look-up is a POST
    (the ID characters stay out of addresses and logs); after
    `STATUS_MAX_FAILURES` failed look-ups in `STATUS_WINDOW_SECONDS` an address waits."""
    number = (request.POST.get("number") or request.GET.get("number") or "").strip()[:40]
    tail = _normalise_tail(request.POST.get("id_tail", ""))[:12]
    context: dict[str, Any] = {**fl.context(), "number": number, "field_errors": {}}
    if request.method != "POST":
        return render(request, fl.template("status.html"), context)
    if status_failures(request) >= STATUS_MAX_FAILURES:
        minutes = STATUS_WINDOW_SECONDS // 60
        context["blocked"] = ngettext(
            "查询失败次数过多。为保护申请人信息，请 %(minutes)d 分钟后再试。",
            "查询失败次数过多。为保护申请人信息，请 %(minutes)d 分钟后再试。",
            minutes,
        ) % {"minutes": minutes}
        return render(request, fl.template("status.html"), context, status=429)
    field_errors: dict[str, str] = {}
    if not number:
        field_errors["number"] = _("请填写办件编号。")
    if len(tail) != 6:
        field_errors["id_tail"] = _("请填写申请人身份证号码（或统一社会信用代码）的后6位。")
    if field_errors:
        context["field_errors"] = field_errors
        return render(request, fl.template("status.html"), context, status=422)
    result = selectors_public.case_public_status(number=number, id_tail=tail)
    if result is None:
        _status_failed(request)
        context["not_found"] = _(
            "没有查到办件。请核对办件编号和证件号码后6位（字母X请按大写填写）。"
        )
        return render(request, fl.template("status.html"), context, status=404)
    context["result"] = result
    return render(request, fl.template("status.html"), context)
