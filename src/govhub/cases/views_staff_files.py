"""Workbench downloads and the one-off reveal of an ID number (namespace "workbench").

- `id_number_reveal`: the applicant's full ID number, shown on this response only; every
  reveal is recorded in the audit trail (`services.case_id_number_reveal`).
- `material_file`, `result_file`: the files of a case the caller may see as staff
  (`selectors_staff`); anyone else gets a 404.
- `notice_pdf`, `supplement_notice_pdf`: the printed notices (`notices`), built on
  request in the reader's language.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from govhub.cases import notices, selectors_staff, services
from govhub.cases.models import Case
from govhub.cases.views_staff import detail_response
from govhub.cases.views_staff_common import staff_case_or_404, staff_page
from govhub.core.errors import Conflict, Forbidden


@staff_page
@require_POST
def id_number_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """Show the applicant's full ID number once, on this response only; every reveal is
    recorded (`cases.case.view_id_number`)."""
    case = staff_case_or_404(request.user, number)
    try:
        services.case_id_number_reveal(actor=request.user, case=case, request=request)
    except Forbidden as exc:
        raise Http404 from exc
    return detail_response(request, number, reveal=True)


# --- files and notices ----------------------------------------------------------------------------


def _file_response(file: Any, *, filename: str, content_type: str) -> FileResponse:
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Content-Type"] = content_type or "application/octet-stream"
    response["Cache-Control"] = "private, no-store"
    return response


def _extension(content_type: str, fallback: str = ".bin") -> str:
    if content_type == "application/ofd":
        return ".ofd"
    return mimetypes.guess_extension(content_type or "") or fallback


@staff_page
@require_GET
def material_file(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    material = selectors_staff.staff_material_file(
        actor=request.user, number=number, material_id=pk
    )
    if material is None:
        raise Http404
    return _file_response(
        material.file,
        filename=f"{number}-{material.pk}{_extension(material.content_type)}",
        content_type=material.content_type,
    )


@staff_page
@require_GET
def result_file(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    result = selectors_staff.staff_result_file(actor=request.user, number=number, result_id=pk)
    if result is None:
        raise Http404
    return _file_response(
        result.file,
        filename=f"{number}-result-{result.pk}{_extension(result.content_type, '.pdf')}",
        content_type=result.content_type,
    )


NOTICES = {
    "receipt": ("acceptance", notices.acceptance_receipt),
    "non-acceptance": ("non-acceptance", notices.non_acceptance_notice),
    "decision": ("decision", notices.decision_notice),
}


def _pdf(request: HttpRequest, case: Case, content: bytes, kind: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{notices.filename(case, kind)}"'
    response["Cache-Control"] = "private, no-store"
    response["Content-Language"] = getattr(request, "LANGUAGE_CODE", "zh-hans")
    return response


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@staff_page
@require_GET
def notice_pdf(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    if kind not in NOTICES:
        raise Http404
    case = staff_case_or_404(request.user, number)
    name, build = NOTICES[kind]
    try:
        content = build(case, base_url=_base_url(request))
    except Conflict as exc:
        messages.error(request, str(exc.message))
        return redirect("workbench:case", number)
    return _pdf(request, case, content, name)


@staff_page
@require_GET
def supplement_notice_pdf(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = staff_case_or_404(request.user, number)
    supplement = selectors_staff.case_supplement(case=case, supplement_id=pk)
    if supplement is None:
        raise Http404
    try:
        content = notices.supplement_notice(case, supplement, base_url=_base_url(request))
    except Conflict as exc:
        messages.error(request, str(exc.message))
        return redirect("workbench:case", number)
    return _pdf(request, case, content, f"supplement-{supplement.pk}")
