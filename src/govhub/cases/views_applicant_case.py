"""The applicant's case page (see `views_applicant`): where the case stands, its clock
and deadlines, the written notices and results to download, and what the applicant may
still do: upload the materials a supplement asks for and resubmit, or withdraw."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from govhub.cases import selectors, services
from govhub.cases.models import CaseMaterial, Channel
from govhub.cases.views_applicant_common import (
    ACCEPTED_FILE_TYPES,
    Flavour,
    SplitErrors,
    acting_of,
    can_change,
    detail_or_404,
    not_found,
    own_case,
    step_up_url,
    upload_hint,
    user_of,
)
from govhub.cases.views_applicant_draft import draft_post
from govhub.cases.views_applicant_progress import (
    clock_view,
    deadline_story,
    limit_text,
    progress,
    timeline,
)
from govhub.cases.workflow import Action, Decision, State
from govhub.catalog.models import ItemVersion
from govhub.core.errors import Conflict, Forbidden, InvalidInput

# --- Uploads (a draft's material, or a supplement) ------------------------------------------


def material_upload(request: HttpRequest, fl: Flavour, pk: int, material_id: int) -> HttpResponse:
    """One material's upload. On a draft page the whole form comes along (the button sits
    in it), so what was typed is saved too; on a case awaiting a supplement it is the
    small form of the listed material."""
    case = own_case(request, pk)
    if request.method != "POST":  # back from signing in: the page the upload was on
        if case.state == State.DRAFT:
            return redirect(fl.url("draft", case.pk))
        return redirect(fl.url("detail", case.number))
    if case.state == State.DRAFT:
        return draft_post(request, fl, case, upload_for=material_id)
    if case.number is None:
        raise not_found()
    detail_url = fl.url("detail", case.number)
    if not can_change(request):
        return HttpResponseRedirect(step_up_url(request, fl, detail_url))
    if case.state != State.SUPPLEMENT_REQUESTED:
        messages.info(request, _("办件当前不需要补正材料。"))
        return redirect(detail_url)
    material = None
    if material_id:
        material = case.version.materials.filter(pk=material_id).first()
        if material is None:
            raise not_found()
    upload = request.FILES.get("file") or request.FILES.get(f"material_{material_id}")
    errors = SplitErrors()
    if upload is None:
        errors.materials[material_id] = [_("请选择要上传的文件。")]
    else:
        try:
            services.case_material_upload(
                actor=user_of(request),
                case=case,
                file=upload,
                material=material,
                acting_for=acting_of(request),
                request=request,
            )
        except InvalidInput as exc:
            errors.add_material(material_id, exc)
        except (Conflict, Forbidden) as exc:
            messages.error(request, str(exc.message))
            return redirect(detail_url)
    if errors:
        return render_case(request, fl, case.number, errors=errors, status=422)
    messages.success(request, _("材料已上传。全部补正材料上传后，请点击“提交补正材料”。"))
    return redirect(f"{detail_url}#supplement")


# --- The case page --------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLink:
    label: str
    url: str


def notice_links(fl: Flavour, detail: selectors.CaseDetail) -> list[NoticeLink]:
    """The written notices that concern the applicant, as PDFs."""
    case = detail.case
    number = case.number or ""
    links: list[NoticeLink] = []
    if case.submitted_at is not None:
        label = _("受理通知书") if case.accepted_on else _("收件回执")
        links.append(NoticeLink(label, fl.url("notice", number, "receipt")))
    for index, supplement in enumerate(detail.supplements, start=1):
        label = (
            _("补正材料通知书（第 %(n)d 次）") % {"n": index}
            if len(detail.supplements) > 1
            else _("补正材料通知书")
        )
        links.append(NoticeLink(label, fl.url("supplement_notice", number, supplement.pk)))
    if case.state == State.NOT_ACCEPTED:
        links.append(NoticeLink(_("不予受理通知书"), fl.url("notice", number, "non-acceptance")))
    if case.decision in (Decision.APPROVED, Decision.REFUSED):
        links.append(NoticeLink(_("决定书"), fl.url("notice", number, "decision")))
    return links


@dataclass
class SupplementRow:
    material_id: int | None
    name: str
    reason: str
    uploaded: CaseMaterial | None
    errors: list[str]

    @property
    def key(self) -> int:
        return self.material_id or 0

    @property
    def input_id(self) -> str:
        return f"supplement-{self.key}-file"


def supplement_rows(
    detail: selectors.CaseDetail, errors: Mapping[int, list[str]] | None = None
) -> list[SupplementRow]:
    """The open supplement request's complete list, each with what was uploaded for it in
    this round."""
    supplement = detail.open_supplement
    if supplement is None:
        return []
    errors = errors or {}
    round_ = len(detail.supplements)
    fresh: dict[int, CaseMaterial] = {}
    for row in detail.materials:
        for held in row.held:
            if held.supplement_round == round_ and held.material_id is not None:
                fresh[held.material_id] = held
    rows = []
    for entry in supplement.items or []:
        material_id = entry.get("material_id")
        rows.append(
            SupplementRow(
                material_id=int(material_id) if material_id else None,
                name=str(entry.get("name", "")),
                reason=str(entry.get("reason", "")),
                uploaded=fresh.get(int(material_id)) if material_id else None,
                errors=list(errors.get(int(material_id) if material_id else 0, [])),
            )
        )
    return rows


def case_context(
    request: HttpRequest,
    fl: Flavour,
    detail: selectors.CaseDetail,
    *,
    errors: SplitErrors | None = None,
    withdraw_error: str = "",
) -> dict[str, Any]:
    case = detail.case
    errors = errors or SplitErrors()
    supplement = supplement_rows(detail, errors.materials)
    submitted_now = request.GET.get("submitted") == "1" and case.submitted_at is not None
    return {
        **fl.context(),
        "detail": detail,
        "case": case,
        "version": case.version,
        "timeline": timeline(case, detail.history),
        "progress": progress(case),
        "clock": clock_view(case, detail.clock),
        "deadline_story": deadline_story(detail),
        "supplement": supplement,
        "supplement_request": detail.open_supplement,
        "supplement_ready": bool(supplement)
        and all(row.uploaded is not None for row in supplement if row.material_id),
        "can_resubmit": Action.RESUBMIT in detail.actions,
        "can_withdraw": Action.WITHDRAW in detail.actions,
        "can_change": can_change(request),
        "step_up_url": step_up_url(request, fl, fl.url("detail", case.number)),
        "notices": notice_links(fl, detail),
        "results": detail.results,
        "fees": detail.fees,
        "submitted_now": submitted_now,
        "case_kind_label": ItemVersion.CaseKind(case.case_kind).label
        if case.case_kind in ItemVersion.CaseKind.values
        else "",
        "promised_limit": limit_text(case.promised_limit_value, case.promised_limit_unit),
        "errors": errors,
        "withdraw_error": withdraw_error,
        "upload_hint": upload_hint(),
        "accept": ACCEPTED_FILE_TYPES,
        "channel_label": Channel(case.channel).label if case.channel in Channel.values else "",
    }


def render_case(
    request: HttpRequest,
    fl: Flavour,
    number: str,
    *,
    errors: SplitErrors | None = None,
    withdraw_error: str = "",
    status: int = 200,
) -> HttpResponse:
    detail = detail_or_404(request, number)
    context = case_context(request, fl, detail, errors=errors, withdraw_error=withdraw_error)
    return render(request, fl.template("case.html"), context, status=status)


def case_page(request: HttpRequest, fl: Flavour, number: str) -> HttpResponse:
    return render_case(request, fl, number)


def resubmit(request: HttpRequest, fl: Flavour, number: str) -> HttpResponse:
    detail = detail_or_404(request, number)
    url = fl.url("detail", number)
    if request.method != "POST":
        return redirect(url)
    if not can_change(request):
        return HttpResponseRedirect(step_up_url(request, fl, url))
    try:
        services.case_resubmit(
            actor=user_of(request),
            case=detail.case,
            acting_for=acting_of(request),
            channel=fl.channel,
            request=request,
        )
    except InvalidInput as exc:
        return render_case(request, fl, number, errors=SplitErrors.of(exc), status=422)
    except (Conflict, Forbidden) as exc:
        messages.error(request, str(exc.message))
        return redirect(url)
    messages.success(request, _("补正材料已提交，部门将继续办理。"))
    return redirect(url)


def withdraw(request: HttpRequest, fl: Flavour, number: str) -> HttpResponse:
    detail = detail_or_404(request, number)
    url = fl.url("detail", number)
    if request.method != "POST":
        return redirect(url + "#withdraw")
    if not can_change(request):
        return HttpResponseRedirect(step_up_url(request, fl, url))
    try:
        services.case_withdraw(
            actor=user_of(request),
            case=detail.case,
            reason=request.POST.get("reason", ""),
            acting_for=acting_of(request),
            channel=fl.channel,
            request=request,
        )
    except InvalidInput as exc:
        message = next(iter(SplitErrors.of(exc).other), "") or str(exc.message)
        return render_case(request, fl, number, withdraw_error=message, status=422)
    except (Conflict, Forbidden) as exc:
        messages.error(request, str(exc.message))
        return redirect(url)
    messages.success(request, _("申请已撤回。"))
    return redirect(url)


def result_download(request: HttpRequest, fl: Flavour, number: str, result_id: int) -> HttpResponse:
    """A result document, to the applicant (or staff of the case); the applicant's first
    download is recorded (e-delivery: the day the result reached them)."""
    detail = detail_or_404(request, number)
    result = next((r for r in detail.results if r.pk == result_id), None)
    if result is None:
        raise not_found()
    if detail.viewer == "applicant":
        services.case_result_downloaded(actor=user_of(request), result=result, request=request)
    extension = mimetypes.guess_extension(result.content_type or "") or ".pdf"
    filename = f"{detail.case.number}-{result.pk}{extension}"
    try:
        handle = result.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("结果文件暂时无法读取，请稍后再试或联系办理部门。")) from exc
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Content-Type"] = result.content_type or "application/pdf"
    response["Cache-Control"] = "private, no-store"
    # A streaming response; typed as HttpResponse for the view decorators.
    return cast(HttpResponse, response)


NOTICE_KINDS = ("receipt", "non-acceptance", "decision")


def notice_pdf(
    request: HttpRequest,
    fl: Flavour,
    number: str,
    kind: str,
    supplement_id: int | None = None,
) -> HttpResponse:
    """A written notice of the case as a PDF in the page's language."""
    from govhub.cases import notices

    detail = detail_or_404(request, number)
    case = detail.case
    base_url = request.build_absolute_uri("/")
    try:
        if kind == "receipt":
            content = notices.acceptance_receipt(case, base_url=base_url)
            name = "acceptance" if case.accepted_on else "receipt"
        elif kind == "non-acceptance":
            content = notices.non_acceptance_notice(case, base_url=base_url)
            name = "non-acceptance"
        elif kind == "decision":
            content = notices.decision_notice(case, base_url=base_url)
            name = "decision"
        elif kind == "supplement":
            supplement = next((s for s in detail.supplements if s.pk == supplement_id), None)
            if supplement is None:
                raise not_found()
            content = notices.supplement_notice(case, supplement, base_url=base_url)
            name = "supplement"
        else:
            raise not_found()
    except Conflict as exc:
        raise Http404(str(exc.message)) from exc
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-{case.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
