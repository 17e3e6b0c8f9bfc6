"""The applicant's pages: apply online, drafts, "my cases", the case page, the public
status look-up.

Thin views: `services` decide and write, `selectors` read what the caller may see. Every
page works without JavaScript. The self-service kiosk (`views_kiosk`) runs the same
handlers with its own templates, URL namespace and channel: each handler takes a
`Flavour` saying which.

Levels of assurance: reading one's cases needs a sign-in (L1); everything that changes
a case (applying, uploading, discarding a draft, resubmitting, withdrawing) needs L2
(password plus an SMS code or an authenticator), as the identity rules require for acting
in one's own name.

The handlers live by sub-domain: `views_applicant_common` (the flavour, helpers, guards),
`views_applicant_draft` (applying: start, the draft page), `views_applicant_case` (the
case page and its actions), `views_applicant_mine` ("my cases"), `views_applicant_status`
(the public status look-up) and `views_applicant_progress` (time and progress in plain
words). This module holds the web views (`urls.py`) and names the handlers the kiosk
(`views_kiosk`) runs.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from govhub.cases.views_applicant_case import (
    NOTICE_KINDS,
    case_page,
    material_upload,
    notice_pdf,
    resubmit,
    result_download,
    withdraw,
)
from govhub.cases.views_applicant_common import WEB, Flavour, accepts_online, not_found
from govhub.cases.views_applicant_draft import apply_start, draft_discard, draft_page
from govhub.cases.views_applicant_mine import mine
from govhub.cases.views_applicant_progress import limit_text
from govhub.cases.views_applicant_status import status_lookup
from govhub.identity import levels, session

__all__ = [
    "NOTICE_KINDS",
    "WEB",
    "Flavour",
    "accepts_online",
    "apply_start",
    "apply_view",
    "case_page",
    "case_view",
    "draft_discard",
    "draft_discard_view",
    "draft_page",
    "draft_view",
    "limit_text",
    "material_upload",
    "material_upload_view",
    "mine",
    "mine_view",
    "notice_pdf",
    "notice_view",
    "resubmit",
    "resubmit_view",
    "result_download",
    "result_view",
    "status_lookup",
    "status_view",
    "supplement_notice_view",
    "withdraw",
    "withdraw_view",
]


# --- The web views -------------------------------------------------------------------------


def _web(view: Any) -> Any:
    return never_cache(view)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L2)
def apply_view(request: HttpRequest, code: str) -> HttpResponse:
    return apply_start(request, WEB, code)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L2)
def draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    return draft_page(request, WEB, pk)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L2)
def draft_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    return draft_discard(request, WEB, pk)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L1)
def material_upload_view(request: HttpRequest, pk: int, material_id: int) -> HttpResponse:
    return material_upload(request, WEB, pk, material_id)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def mine_view(request: HttpRequest) -> HttpResponse:
    return mine(request, WEB)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def case_view(request: HttpRequest, number: str) -> HttpResponse:
    return case_page(request, WEB, number)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L1)
def resubmit_view(request: HttpRequest, number: str) -> HttpResponse:
    return resubmit(request, WEB, number)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L1)
def withdraw_view(request: HttpRequest, number: str) -> HttpResponse:
    return withdraw(request, WEB, number)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def result_view(request: HttpRequest, number: str, result_id: int) -> HttpResponse:
    return result_download(request, WEB, number, result_id)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def notice_view(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    if kind not in NOTICE_KINDS:
        raise not_found()
    return notice_pdf(request, WEB, number, kind)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def supplement_notice_view(request: HttpRequest, number: str, supplement_id: int) -> HttpResponse:
    return notice_pdf(request, WEB, number, "supplement", supplement_id)


@_web
@require_http_methods(["GET", "POST"])
def status_view(request: HttpRequest) -> HttpResponse:
    return status_lookup(request, WEB)
