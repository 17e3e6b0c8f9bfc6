"""Intake on the staff channels (受理登记), under /workbench/intake/.

Who takes in what (`cases.policies`):
- window clerks, at the hall (channel `window`) or for an application that came by post
  (`post`): the items of the departments their window serves;
- grassroots agents (`service_point`), for a resident, with the resident's authorisation
  recorded and a door-to-door flag: the items of their region;
- hotline operators (`hotline`), for a caller: any item.

Step 1 chooses the item. Step 2 looks the applicant up in the population registry (and an
enterprise in the legal-person registry) and shows the outcome. Step 3 is the application
form (prefilled from the registry), the paper materials checked at the counter and the
scanned files; it is submitted through `services.case_submit` with an idempotency key
(a double click gives the same case). The receipt page prints the 收件回执 PDF and lets a
clerk accept at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from govhub.cases import policies, prefill, schema_form, selectors, selectors_staff, services
from govhub.cases.models import Channel
from govhub.cases.views_staff_actions import make_form
from govhub.cases.views_staff_common import (
    can_take_in,
    channel_label,
    render_workbench,
    staff_case_or_404,
    staff_page,
)
from govhub.cases.views_staff_forms import ApplicationForm, LookupForm
from govhub.cases.workflow import Action
from govhub.catalog.models import ImplementationItem, Material
from govhub.core.errors import ApplicationError, Forbidden
from govhub.registries.selectors import legal_entity_get, resident_verify

ITEMS_PER_PAGE = 20
LOOKUP_PURPOSE = "case_intake"
FORM_PREFIX = "f_"
PREFILL_SALT = "govhub.cases.intake.prefill"
PREFILL_MAX_AGE = 24 * 3600  # seconds: a form left open longer loses its source notes


# --- step 1: the item ---------------------------------------------------------------------------


def intake_channels(user: Any, item: ImplementationItem) -> list[tuple[str, str]]:
    """The staff channels on which `user` may take in `item`."""
    channels: list[tuple[str, str]] = []
    if policies.window_position_for(user, item) is not None:
        channels += [
            (Channel.WINDOW, _("窗口现场申请")),
            (Channel.POST, _("邮寄申请（收到的邮件）")),
        ]
    if policies.service_point_position_for(user, item) is not None:
        channels.append((Channel.SERVICE_POINT, _("基层服务点代办")))
    if policies.can_file_by_hotline(user):
        channels.append((Channel.HOTLINE, _("热线代来电人申请")))
    return channels


def _intake_page(user: Any) -> None:
    if not can_take_in(user):
        raise PermissionDenied


@staff_page
@require_GET
def intake(request: HttpRequest) -> HttpResponse:
    """Step 1: find the item."""
    _intake_page(request.user)
    query = (request.GET.get("q") or "").strip()[:64]
    page = Paginator(
        selectors_staff.intake_items(actor=request.user, query=query), ITEMS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render_workbench(
        request,
        "intake_items.html",
        {"query": query, "page_obj": page, "items": list(page.object_list)},
        section="intake",
    )


# --- steps 2 and 3: the applicant and the application ----------------------------------------


def _item_or_404(user: Any, code: str) -> tuple[ImplementationItem, list[tuple[str, str]]]:
    item = selectors_staff.intake_item(code=code)
    if item is None:
        raise Http404
    channels = intake_channels(user, item)
    if not channels:
        raise PermissionDenied
    return item, channels


def _registry_check(
    request: HttpRequest, form: LookupForm
) -> tuple[bool, list[str], dict[str, Any]]:
    """Look the applicant up: (matched, messages, prefilled values with their sources)."""
    data = form.cleaned_data
    match = resident_verify(
        actor=request.user,
        name=data["name"],
        id_number=data["id_number"],
        purpose=LOOKUP_PURPOSE,
        request=request,
    )
    if not match.matched:
        message = {
            "name_mismatch": _("姓名与身份证号码不一致，请核对。"),
            "not_found": _("人口基础库中没有该身份证号码，请核对。"),
            "inactive": _("该居民户籍状态异常（已死亡或迁出），不能以其名义申请。"),
        }.get(match.outcome, _("身份核验未通过。"))
        return False, [message], {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def fill(name: str, value: Any, source: str) -> None:
        if name not in values and value not in (None, ""):
            values[name] = value.isoformat() if hasattr(value, "isoformat") else value
            sources[name] = source

    if data["uscc"]:
        entity = legal_entity_get(
            actor=request.user, uscc=data["uscc"], purpose=LOOKUP_PURPOSE, request=request
        )
        if entity is None or entity.status != entity.Status.ACTIVE:
            return (
                False,
                [_("法人基础库中没有处于存续状态的该统一社会信用代码，请核对。")],
                {},
            )
        for name, attribute in prefill.LEGAL_PERSON_FIELDS.items():
            fill(name, getattr(entity, attribute), prefill.SOURCE_LEGAL_PERSON)
    resident = match.resident
    for name in prefill.ACCOUNT_NAME_FIELDS:
        fill(name, data["name"], prefill.SOURCE_POPULATION)
    for name in prefill.ACCOUNT_ID_FIELDS:
        fill(name, data["id_number"], prefill.SOURCE_POPULATION)
    if resident is not None and not data["uscc"]:
        for name, attribute in prefill.POPULATION_FIELDS.items():
            fill(name, getattr(resident, attribute), prefill.SOURCE_POPULATION)
    return True, [], {"values": values, "sources": sources}


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return salted_hmac(PREFILL_SALT, text, algorithm="sha256").hexdigest()[:32]


def prefill_token(id_number: str, values: Mapping[str, Any], sources: Mapping[str, str]) -> str:
    """What the registries filled in for this applicant, carried by the form so that the
    notes beside the fields ("来自人口基础库") come back with the page when it has errors.
    Signed, and holding digests rather than values: the page cannot make a value claim a
    source it did not come from."""
    claims = {name: [source, _digest(values.get(name))] for name, source in sources.items()}
    return signing.dumps(
        {"applicant": _digest(id_number), "fields": claims}, salt=PREFILL_SALT, compress=True
    )


def prefill_sources(token: str, id_number: str, form_data: Mapping[str, Any]) -> dict[str, str]:
    """The sources in `token` that still hold: for the same applicant, and only for values
    the clerk left as they were filled in (as `intake_support.replace_form` does)."""
    try:
        data = signing.loads(token, salt=PREFILL_SALT, max_age=PREFILL_MAX_AGE)
    except signing.BadSignature:  # also expired, or empty
        return {}
    if not isinstance(data, dict) or data.get("applicant") != _digest(id_number):
        return {}
    claims = data.get("fields")
    if not isinstance(claims, dict):
        return {}
    return {
        name: str(claim[0])
        for name, claim in claims.items()
        if isinstance(claim, list)
        and len(claim) == 2
        and name in form_data
        and _digest(form_data[name]) == claim[1]
    }


def _material_rows(
    materials: list[Material], posted: Any, errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    rows = []
    for material in materials:
        rows.append(
            {
                "material": material,
                "paper_name": f"paper_{material.pk}",
                "file_name": f"file_{material.pk}",
                "paper_checked": bool(posted and posted.get(f"paper_{material.pk}")),
                "government": material.source == Material.Source.GOVERNMENT,
                "errors": errors.get(str(material.pk), []),
            }
        )
    return rows


def _context(
    item: ImplementationItem,
    channels: list[tuple[str, str]],
    **extra: Any,
) -> dict[str, Any]:
    return {"item": item, "version": item.published_version, "channels": channels, **extra}


def _application_page(
    request: HttpRequest,
    item: ImplementationItem,
    channels: list[tuple[str, str]],
    *,
    form: ApplicationForm,
    form_data: dict[str, Any],
    sources: dict[str, str],
    form_errors: dict[str, list[str]] | None = None,
    material_errors: dict[str, list[str]] | None = None,
    registry_ok: list[str] | None = None,
    files_dropped: bool = False,
    materials: list[Material] | None = None,
    status: int = 200,
) -> HttpResponse:
    version = item.published_version
    assert version is not None
    channel = form["channel"].value() or ""
    return render_workbench(
        request,
        "intake_form.html",
        _context(
            item,
            channels,
            step=3,
            form=form,
            channel=channel,
            channel_name=channel_label(channel),
            schema_form=schema_form.schema_form(
                version.form_schema or {},
                data=form_data,
                errors=form_errors or {},
                prefill_sources=sources,
                prefix=FORM_PREFIX,
                autocomplete=False,
            )
            if version.form_schema
            else None,
            materials=_material_rows(
                materials if materials is not None else selectors_staff.intake_materials(item=item),
                request.POST if request.method == "POST" else None,
                material_errors or {},
            ),
            registry_ok=registry_ok or [],
            files_dropped=files_dropped,
            has_material_errors=bool(material_errors),
            applicant_name=form["name"].value(),
            applicant_uscc=form["uscc"].value(),
        ),
        section="intake",
        status=status,
    )


@staff_page
@sensitive_post_parameters("id_number")
@require_http_methods(["GET", "POST"])
def intake_item(request: HttpRequest, code: str) -> HttpResponse:
    """Steps 2 (look the applicant up) and 3 (the application)."""
    user: Any = request.user
    _intake_page(user)
    item, channels = _item_or_404(user, code)
    step = request.POST.get("step") if request.method == "POST" else None
    if step == "submit":
        return _submit(request, item, channels)
    lookup = LookupForm(request.POST if step == "lookup" else None, channels=channels)
    if step == "lookup" and lookup.is_valid():
        matched, problems, found = _registry_check(request, lookup)
        if matched:
            token = prefill_token(
                lookup.cleaned_data["id_number"], found["values"], found["sources"]
            )
            form = ApplicationForm(
                initial={**lookup.cleaned_data, "prefill": token}, channels=channels
            )
            return _application_page(
                request,
                item,
                channels,
                form=form,
                form_data=found["values"],
                sources=found["sources"],
                registry_ok=_registry_ok_messages(lookup.cleaned_data),
            )
        return render_workbench(
            request,
            "intake_form.html",
            _context(item, channels, step=2, lookup=lookup, registry_problems=problems),
            section="intake",
        )
    return render_workbench(
        request,
        "intake_form.html",
        _context(item, channels, step=2, lookup=lookup),
        section="intake",
    )


def _registry_ok_messages(data: dict[str, Any]) -> list[str]:
    messages_ = [_("人口基础库核验通过：姓名与身份证号码一致，户籍状态正常。")]
    if data.get("uscc"):
        messages_.append(_("法人基础库核验通过：该单位处于存续状态。"))
    return messages_


def _split_errors(
    exc: ApplicationError,
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]], list[str]]:
    """A service's field errors, sorted: (application form, materials, other fields, rest)."""
    form_errors: dict[str, list[str]] = {}
    material_errors: dict[str, list[str]] = {}
    other: dict[str, list[str]] = {}
    for key, messages_ in (exc.fields or {}).items():
        texts = [str(m) for m in messages_]
        if key.startswith("form."):
            form_errors[key.removeprefix("form.")] = texts
        elif key.startswith("material."):
            material_errors[key.removeprefix("material.")] = texts
        else:
            other[key.removeprefix("applicant.")] = texts
    top = [] if exc.fields else [str(exc.message)]
    return form_errors, material_errors, other, top


def _sources_kept(form: ApplicationForm, form_data: Mapping[str, Any]) -> dict[str, str]:
    """The prefill notes for a page that comes back with errors."""
    return prefill_sources(
        str(form.data.get("prefill") or ""), form.cleaned_data.get("id_number", ""), form_data
    )


def _submit(
    request: HttpRequest, item: ImplementationItem, channels: list[tuple[str, str]]
) -> HttpResponse:
    version = item.published_version
    assert version is not None
    form = ApplicationForm(request.POST, channels=channels)
    form_data = (
        schema_form.parse_submission(version.form_schema, request.POST, prefix=FORM_PREFIX)
        if version.form_schema
        else {}
    )
    materials = selectors_staff.intake_materials(item=item)
    chosen_files: dict[int, UploadedFile] = {}
    for material in materials:
        upload = request.FILES.get(f"file_{material.pk}")
        if isinstance(upload, UploadedFile):
            chosen_files[material.pk] = upload
    paper = [material.pk for material in materials if request.POST.get(f"paper_{material.pk}")]
    if not form.is_valid():
        if {"name", "id_number", "uscc"} & set(form.errors):
            # The looked-up applicant did not come back intact: look them up again.
            lookup = LookupForm(request.POST, channels=channels)
            lookup.is_valid()
            return render_workbench(
                request,
                "intake_form.html",
                _context(item, channels, step=2, lookup=lookup),
                section="intake",
            )
        return _application_page(
            request,
            item,
            channels,
            form=form,
            form_data=form_data,
            sources=_sources_kept(form, form_data),
            files_dropped=bool(chosen_files),
            materials=materials,
        )
    data = form.cleaned_data
    try:
        case = services.case_submit(
            actor=request.user,
            channel=data["channel"],
            item=item,
            form_data=form_data,
            files=chosen_files,
            idempotency_key=data["idempotency_key"],
            applicant=services.ApplicantData(
                name=data["name"],
                id_number=data["id_number"],
                mobile=data["mobile"],
                uscc=data["uscc"],
            ),
            paper_material_ids=paper,
            door_to_door=data["door_to_door"] and data["channel"] == Channel.SERVICE_POINT,
            proxy_note=data["proxy_note"]
            if data["channel"] in (Channel.SERVICE_POINT, Channel.HOTLINE)
            else "",
            request=request,
        )
    except Forbidden as exc:
        raise PermissionDenied from exc
    except ApplicationError as exc:
        form_errors, material_errors, other, top = _split_errors(exc)
        for name, texts in other.items():
            visible = name in ("mobile", "proxy_note", "door_to_door")
            for text in texts:
                form.add_error(name if visible else None, text)
        for text in top:
            form.add_error(None, text)
        return _application_page(
            request,
            item,
            channels,
            form=form,
            form_data=form_data,
            sources=_sources_kept(form, form_data),
            form_errors=form_errors,
            material_errors=material_errors,
            files_dropped=bool(chosen_files),
            materials=materials,
        )
    return redirect("workbench:intake_receipt", case.number)


# --- the receipt ---------------------------------------------------------------------------------


@staff_page
@require_GET
def intake_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """After intake: print the receipt, and accept at once when the clerk may."""
    user: Any = request.user
    case = staff_case_or_404(user, number)
    actions = selectors.available_actions(user, case, viewer="staff")
    accept_form = (
        make_form(Action.ACCEPT, case=case, user=user) if Action.ACCEPT in actions else None
    )
    return render_workbench(
        request,
        "intake_receipt.html",
        {
            "case": case,
            "channel": channel_label(case.channel),
            "materials": selectors_staff.receipt_materials(case=case),
            "accept_form": accept_form,
            "accepted": case.accepted_on is not None,
        },
        section="intake",
    )
