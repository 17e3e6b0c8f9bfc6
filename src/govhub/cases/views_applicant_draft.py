"""Applying online (see `views_applicant`): what applying for an item involves, starting
(or resuming) a draft, and the application page: the form built from the item's schema,
the materials (uploaded, or held by the government and not asked for again), saving and
submitting, or discarding the draft."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from govhub.cases import policies, prefill, schema_form, selectors, services
from govhub.cases.models import Case, CaseMaterial
from govhub.cases.views_applicant_common import (
    ACCEPTED_FILE_TYPES,
    Flavour,
    SplitErrors,
    accepts_online,
    acting_of,
    can_change,
    not_found,
    own_case,
    step_up_url,
    upload_hint,
    user_of,
)
from govhub.cases.views_applicant_progress import limit_text
from govhub.cases.workflow import State
from govhub.catalog import selectors as catalog_selectors
from govhub.catalog.models import ImplementationItem, ItemVersion, Material
from govhub.core.errors import ApplicationError, Conflict, Forbidden, InvalidInput, NotFound
from govhub.identity.models import Enterprise

# --- Materials ---------------------------------------------------------------------------------


@dataclass
class MaterialView:
    """One catalogue material on the application page."""

    material: Material
    current: CaseMaterial | None = None
    held_reference: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def input_id(self) -> str:
        return f"material-{self.material.pk}-file"

    @property
    def anchor(self) -> str:
        return f"material-{self.material.pk}"

    @property
    def needs_upload(self) -> bool:
        return not self.held_reference

    @property
    def hint_id(self) -> str:
        return f"material-{self.material.pk}-hint"

    @property
    def error_id(self) -> str:
        return f"material-{self.material.pk}-error"


def _held_materials(request: HttpRequest, case: Case) -> dict[int, str]:
    """The materials the registries hold for this applicant (not asked for again).

    Read once per draft and kept in the session: every registry read is logged, and the
    answer does not change while the applicant fills in the form."""
    key = f"cases.held.{case.pk}"
    stored = request.session.get(key)
    if isinstance(stored, dict) and stored.get("version") == case.version_id:
        return {int(k): str(v) for k, v in stored.get("held", {}).items()}
    held = prefill.government_held_materials(
        case.version, user=user_of(request), enterprise=case.enterprise
    )
    request.session[key] = {
        "version": case.version_id,
        "held": {str(k): v for k, v in held.items()},
    }
    return held


def material_views(
    request: HttpRequest, case: Case, errors: Mapping[int, list[str]] | None = None
) -> list[MaterialView]:
    errors = errors or {}
    current: dict[int, CaseMaterial] = {}
    for held in case.materials.filter(is_current=True, material__isnull=False).order_by("id"):
        assert held.material_id is not None
        current[held.material_id] = held
    government = _held_materials(request, case)
    rows = []
    for material in case.version.materials.all().order_by("position"):
        found = current.get(material.pk)
        reference = government.get(material.pk, "")
        if found is not None and found.source == CaseMaterial.Source.GOVERNMENT:
            reference = found.source_reference or reference
        rows.append(
            MaterialView(
                material=material,
                current=found if found is not None and found.source != "government" else None,
                held_reference=reference,
                errors=list(errors.get(material.pk, [])),
            )
        )
    return rows


# --- Guards ------------------------------------------------------------------------------------


def _applicant_person(request: HttpRequest) -> str:
    """Why this account cannot apply online ("" when it can)."""
    user = user_of(request)
    if getattr(user, "kind", "") != "person":
        return _("网上申请需要使用个人账号。工作人员请在工作台为申请人录入。")
    if not getattr(user, "is_real_name_verified", False):
        return _("网上申请需要完成实名认证的账号。")
    return ""


def _online_item(code: str) -> tuple[ImplementationItem, ItemVersion]:
    try:
        item = catalog_selectors.item_get_public(implementation_code=code)
    except NotFound as exc:
        raise Http404(_("找不到该事项。")) from exc
    version = item.published_version
    assert version is not None
    return item, version


# --- Start (or resume) an application ----------------------------------------------------


def existing_draft(request: HttpRequest, item: ImplementationItem) -> Case | None:
    return (
        selectors.applicant_cases(user_of(request), acting_for=acting_of(request))
        .filter(item=item, state=State.DRAFT, submitted_by=user_of(request))
        .order_by("-updated_at")
        .first()
    )


def apply_start(request: HttpRequest, fl: Flavour, code: str) -> HttpResponse:
    """GET: what applying involves, and a button to start (a draft already started for
    this item is resumed at once). POST: create the draft, prefilled, and go to it."""
    item, version = _online_item(code)
    acting = acting_of(request)
    context: dict[str, Any] = {
        **fl.context(),
        "item": item,
        "version": version,
        "acting": acting,
        "promised_limit": limit_text(version.promised_limit_value, version.promised_limit_unit),
        "materials": list(version.materials.all().order_by("position")),
        "guide_url": fl.guide_url(item.implementation_code),
    }
    if not accepts_online(item):
        context["unavailable"] = _("该事项不支持网上申请，请按办事指南到办理地点办理。")
        return render(request, fl.template("apply_start.html"), context, status=409)
    problem = _applicant_person(request)
    if (
        not problem
        and acting is not None
        and not policies.can_apply_for_enterprise(user_of(request), acting)
    ):
        problem = _("您没有代表该单位申请办理事项的授权。请联系单位的法定代表人授权。")
    if problem:
        context["unavailable"] = problem
        return render(request, fl.template("apply_start.html"), context, status=403)
    draft = existing_draft(request, item)
    if draft is not None:
        if request.method == "GET":
            messages.info(request, _("已为您打开上次保存的草稿，可以继续填写。"))
        return redirect(fl.url("draft", draft.pk))
    if request.method == "POST":
        try:
            draft = services.case_draft_save(
                actor=user_of(request),
                item=item,
                channel=fl.channel,
                acting_for=acting,
                request=request,
            )
        except ApplicationError as exc:
            context["error"] = str(exc.message)
            return render(request, fl.template("apply_start.html"), context, status=exc.status)
        return redirect(fl.url("draft", draft.pk))
    return render(request, fl.template("apply_start.html"), context)


# --- The application page (a draft) ------------------------------------------------------


def _locked_fields(case: Case) -> frozenset[str]:
    """Identity fields filled from the verified account or registry: shown, not changed."""
    locked = prefill.ENTERPRISE_LOCKED if case.enterprise_id else prefill.PERSON_LOCKED
    return frozenset(name for name in locked if name in (case.prefill_sources or {}))


def _keep_locked(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """A crafted request cannot change the locked identity fields."""
    for name in _locked_fields(case):
        if name in case.form_data:
            data[name] = case.form_data[name]
    return data


def draft_context(
    request: HttpRequest,
    fl: Flavour,
    case: Case,
    *,
    data: Mapping[str, Any] | None = None,
    errors: SplitErrors | None = None,
    key: str = "",
) -> dict[str, Any]:
    errors = errors or SplitErrors()
    version = case.version
    form = schema_form.schema_form(
        version.form_schema or {},
        data=case.form_data if data is None else data,
        errors=errors.form,
        prefill_sources=case.prefill_sources or {},
        readonly=_locked_fields(case),
        autocomplete=fl.autocomplete,
    )
    rows = material_views(request, case, errors.materials)
    material_links = [(row.input_id, message) for row in rows for message in row.errors]
    known = {row.material.pk for row in rows}
    other = list(errors.other) + [
        message
        for material_id, texts in errors.materials.items()
        if material_id not in known
        for message in texts
    ]
    return {
        **fl.context(),
        "case": case,
        "item": case.item,
        "version": version,
        "acting": case.enterprise,
        "form": form,
        "materials": rows,
        "upload_hint": upload_hint(),
        "accept": ACCEPTED_FILE_TYPES,
        "promised_limit": limit_text(version.promised_limit_value, version.promised_limit_unit),
        "legal_limit": limit_text(version.legal_limit_value, version.legal_limit_unit),
        "error_message": errors.message,
        "error_other": other,
        "error_links": form.error_links + material_links,
        "has_errors": bool(errors) or form.has_errors,
        "idempotency_key": key or uuid.uuid4().hex,
        "guide_url": fl.guide_url(case.item.implementation_code),
    }


def draft_page(request: HttpRequest, fl: Flavour, pk: int) -> HttpResponse:
    case = own_case(request, pk)
    if case.state != State.DRAFT:
        if request.method == "POST":  # a double click's second request
            key = (request.POST.get("idempotency_key") or "")[:64]
            return _after_submission(request, fl, case, key)
        return redirect(fl.url("detail", case.number))
    if request.method == "POST":
        return draft_post(request, fl, case)
    return render(request, fl.template("draft.html"), draft_context(request, fl, case))


def _after_submission(request: HttpRequest, fl: Flavour, case: Case, key: str) -> HttpResponse:
    """The draft was submitted already (by this request's twin: a double click, or a
    retried request): show the case, with the confirmation when it was this submission."""
    case.refresh_from_db()
    if case.state == State.DRAFT:
        return redirect(fl.url("draft", case.pk))
    if key and case.idempotency_key == key:
        return redirect(fl.url("detail", case.number) + "?submitted=1")
    messages.info(request, _("该申请已经提交，不能再修改。"))
    return redirect(fl.url("detail", case.number))


def _upload_chosen(
    request: HttpRequest, case: Case, acting: Enterprise | None, errors: SplitErrors
) -> list[int]:
    """Store every file chosen on the page (one field per material); returns the ids of
    the materials uploaded. A refused file is reported on its row."""
    uploaded = []
    for material in case.version.materials.all().order_by("position"):
        upload = request.FILES.get(f"material_{material.pk}")
        if upload is None:
            continue
        try:
            services.case_material_upload(
                actor=user_of(request),
                case=case,
                file=upload,
                material=material,
                acting_for=acting,
                request=request,
            )
        except InvalidInput as exc:
            errors.add_material(material.pk, exc)
        else:
            uploaded.append(material.pk)
    return uploaded


def _missing_uploads(request: HttpRequest, case: Case) -> dict[int, list[str]]:
    """Required materials neither uploaded nor held by the government."""
    held = _held_materials(request, case)
    return {
        material.pk: [_("请提交“%(name)s”。") % {"name": material.display_name}]
        for material in services.missing_materials(case)
        if material.pk not in held
    }


def draft_post(
    request: HttpRequest, fl: Flavour, case: Case, *, upload_for: int | None = None
) -> HttpResponse:
    """Save the form, store the files chosen, then, as asked: stay (save draft, upload)
    or submit. Nothing typed is lost: the page comes back with what was entered."""
    if not can_change(request):
        return HttpResponseRedirect(step_up_url(request, fl, fl.url("draft", case.pk)))
    action = request.POST.get("action", "save")
    key = (request.POST.get("idempotency_key") or "")[:64]
    acting = acting_of(request)
    actor = user_of(request)
    data = _keep_locked(
        case, schema_form.parse_submission(case.version.form_schema or {}, request.POST)
    )
    errors = SplitErrors()
    try:
        case = services.case_draft_save(
            actor=actor, case=case, form_data=data, acting_for=acting, request=request
        )
        uploaded = _upload_chosen(request, case, acting, errors)
    except Conflict:
        return _after_submission(request, fl, case, key)
    except Forbidden as exc:
        raise not_found(exc) from exc
    if errors:
        errors.message = ngettext(
            "有 %(count)d 份材料没有上传成功，请按提示重新选择文件。",
            "有 %(count)d 份材料没有上传成功，请按提示重新选择文件。",
            len(errors.materials),
        ) % {"count": len(errors.materials)}
        context = draft_context(request, fl, case, data=data, errors=errors, key=key)
        return render(request, fl.template("draft.html"), context, status=422)
    if action == "submit":
        try:
            submitted = services.case_submit(
                actor=actor,
                channel=fl.channel,
                draft=case,
                form_data=data,
                idempotency_key=key or None,
                acting_for=acting,
                request=request,
            )
        except InvalidInput as exc:
            errors = SplitErrors.of(exc)
            if not errors.materials:
                # The form is checked first: name the missing materials now too, so the
                # applicant learns everything at once.
                errors.materials = _missing_uploads(request, case)
            context = draft_context(request, fl, case, data=data, errors=errors, key=key)
            return render(request, fl.template("draft.html"), context, status=422)
        except Conflict:
            return _after_submission(request, fl, case, key)
        except Forbidden as exc:
            context = draft_context(
                request, fl, case, data=data, errors=SplitErrors.of(exc), key=key
            )
            return render(request, fl.template("draft.html"), context, status=403)
        return redirect(fl.url("detail", submitted.number) + "?submitted=1")
    target = fl.url("draft", case.pk)
    if upload_for is not None or uploaded:
        messages.success(
            request,
            ngettext(
                "已上传 %(count)d 份材料，草稿已保存。",
                "已上传 %(count)d 份材料，草稿已保存。",
                len(uploaded),
            )
            % {"count": len(uploaded)}
            if uploaded
            else _("没有选择文件。草稿已保存。"),
        )
        anchor = upload_for or (uploaded[0] if uploaded else None)
        return redirect(f"{target}#material-{anchor}" if anchor else target)
    messages.success(request, _("草稿已保存。您可以随时在“我的办件”的草稿中继续填写。"))
    return redirect(target)


# --- Discarding a draft ----------------------------------------------------------------------


def draft_discard(request: HttpRequest, fl: Flavour, pk: int) -> HttpResponse:
    """GET: what discarding deletes, and a button to confirm. POST: delete the draft and go
    to the drafts in "my cases". Whoever may not edit the draft does not find it (404); a
    case already submitted goes to its page, where it can be withdrawn instead."""
    case = own_case(request, pk)
    acting = acting_of(request)
    if case.state != State.DRAFT:
        messages.info(request, _("该申请已经提交，不能放弃；如不再需要，可以撤回申请。"))
        return redirect(fl.url("detail", case.number) if case.number else fl.url("mine"))
    if not policies.can_change_as_applicant(user_of(request), case, acting_for=acting):
        raise not_found()
    draft_url = fl.url("draft", case.pk)
    if request.method == "POST":
        if not can_change(request):
            return HttpResponseRedirect(step_up_url(request, fl, draft_url))
        try:
            services.case_draft_discard(
                actor=user_of(request), case=case, acting_for=acting, request=request
            )
        except Conflict:  # submitted meanwhile (another tab, a double click)
            return _after_submission(request, fl, case, "")
        except (Forbidden, NotFound) as exc:
            raise not_found(exc) from exc
        request.session.pop(f"cases.held.{pk}", None)
        messages.success(request, _("草稿已放弃，填写的内容和上传的材料已删除。"))
        return redirect(fl.url("mine") + "?tab=drafts")
    files = case.materials.exclude(file="").count()
    context = {
        **fl.context(),
        "case": case,
        "item": case.item,
        "version": case.version,
        "acting": case.enterprise,
        "files": files,
        "draft_url": draft_url,
    }
    return render(request, fl.template("draft_discard.html"), context)
