"""Intake on every channel: drafts, materials, submission and resubmission.

One `case_submit` serves every channel and records which one. Applicants submit for
themselves (web, mobile, kiosk) or for an enterprise they act for; staff submit for a
person or an enterprise they have looked up (window, post, hotline, service point).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.cases import policies, prefill, schema_form, uploads
from govhub.cases.models import ApplicantKind, Case, CaseMaterial, CaseResult, Channel
from govhub.cases.service_support import (
    OPEN_FOR_APPLICANT,
    applicant_label,
    lock_case,
    next_case_number,
    record,
    require_text,
    resume,
    today,
)
from govhub.cases.workflow import Action, State, check_transition
from govhub.catalog.models import ImplementationItem, ItemVersion, Material
from govhub.core.audit import audit_denials, audit_log
from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.identity.models import Enterprise, User
from govhub.identity.services_accounts import id_number_hash
from govhub.registries.selectors import legal_entity_get, resident_verify

APPLICANT_CHANNELS = frozenset({Channel.WEB, Channel.MOBILE, Channel.KIOSK})
STAFF_CHANNELS = frozenset({Channel.WINDOW, Channel.POST, Channel.HOTLINE, Channel.SERVICE_POINT})


@dataclass(frozen=True, kw_only=True)
class ApplicantData:
    """The applicant as a clerk, agent or operator enters them. For an enterprise, `uscc`
    names it and `name`/`id_number` are the person handling it (经办人)."""

    name: str
    id_number: str
    mobile: str = ""
    uscc: str = ""


# --- helpers -------------------------------------------------------------------------------


def _applicable_version(item: ImplementationItem, channel: str) -> ItemVersion:
    version = item.published_version
    if version is None or item.state != ImplementationItem.State.ACTIVE:
        raise InvalidInput(_("该事项当前不可申请（未发布或已取消）。"), code="item_unavailable")
    if channel in APPLICANT_CHANNELS and (
        "online" not in (version.handling_forms or []) or not version.form_schema
    ):
        raise InvalidInput(_("该事项不支持网上申请，请到办理地点办理。"), code="item_not_online")
    return version


def _check_form(version: ItemVersion, form_data: Mapping[str, Any]) -> None:
    if not version.form_schema:
        return
    errors = schema_form.validate_submission(version.form_schema, dict(form_data))
    if errors:
        count = sum(len(messages) for messages in errors.values())
        raise InvalidInput(
            _("申请表有 %(count)s 处需要修改，请按提示更正。") % {"count": count},
            fields={f"form.{name}": messages for name, messages in errors.items()},
        )


def _fill_applicant_self(case: Case, actor: User, acting_for: Enterprise | None) -> None:
    if not getattr(actor, "is_real_name_verified", False) and not actor.real_name_verified_at:
        raise Forbidden(_("请先完成实名认证再申请办理事项。"), code="real_name_required")
    case.applicant = actor
    case.applicant_name = actor.full_name
    case.applicant_id_number = actor.id_number
    case.applicant_id_hash = actor.id_number_hash or ""
    case.applicant_mobile = actor.mobile
    if acting_for is not None:
        if not policies.can_apply_for_enterprise(actor, acting_for):
            raise Forbidden(_("您没有代表该单位申请办理事项的授权。"), code="no_apply_scope")
        case.applicant_kind = ApplicantKind.ENTERPRISE
        case.enterprise = acting_for
        case.enterprise_uscc = acting_for.uscc
        case.enterprise_name = acting_for.name
    else:
        case.applicant_kind = ApplicantKind.PERSON


def _fill_applicant_for(
    case: Case, actor: Any, applicant: ApplicantData, request: HttpRequest | None
) -> User | None:
    """A staff channel: check the person (and enterprise) against the registries and link
    the person's account when they have one. Returns that account."""
    name = require_text(applicant.name, field="applicant.name", message=_("请填写申请人姓名。"))
    number = require_text(
        applicant.id_number, field="applicant.id_number", message=_("请填写申请人身份证号码。")
    ).upper()
    match = resident_verify(
        actor=actor, name=name, id_number=number, purpose="case_intake", request=request
    )
    if not match.matched:
        message = {
            "name_mismatch": _("姓名与身份证号码不一致，请核对。"),
            "not_found": _("人口基础库中没有该身份证号码，请核对。"),
            "inactive": _("该居民户籍状态异常（已死亡或迁出），不能以其名义申请。"),
        }.get(match.outcome, _("身份核验未通过。"))
        raise InvalidInput(message, fields={"applicant.id_number": [message]})
    account = User.objects.filter(
        id_number_hash=id_number_hash(number), real_name_verified_at__isnull=False
    ).first()
    case.applicant = account
    case.applicant_name = name
    case.applicant_id_number = number
    case.applicant_id_hash = id_number_hash(number)
    case.applicant_mobile = applicant.mobile or (account.mobile if account else "")
    if applicant.uscc:
        entity = legal_entity_get(
            actor=actor, uscc=applicant.uscc, purpose="case_intake", request=request
        )
        if entity is None or entity.status != entity.Status.ACTIVE:
            message = _("法人基础库中没有处于存续状态的该统一社会信用代码，请核对。")
            raise InvalidInput(message, fields={"applicant.uscc": [message]})
        case.applicant_kind = ApplicantKind.ENTERPRISE
        case.enterprise_uscc = entity.uscc
        case.enterprise_name = entity.name
        case.enterprise = Enterprise.objects.filter(uscc=entity.uscc).first()
    else:
        case.applicant_kind = ApplicantKind.PERSON
    return account


def _authorise_channel(case: Case, actor: Any, channel: str, item: ImplementationItem) -> None:
    if channel in (Channel.WINDOW, Channel.POST):
        position = policies.window_position_for(actor, item)
        if position is None:
            raise Forbidden(_("您不是受理该事项的窗口人员。"), code="not_window_clerk")
        case.window = position.window
    elif channel == Channel.SERVICE_POINT:
        position = policies.service_point_position_for(actor, item)
        if position is None:
            raise Forbidden(_("您不是该区域的基层代办员。"), code="not_grassroots_agent")
        case.service_point = position.service_point
    elif channel == Channel.HOTLINE and not policies.can_file_by_hotline(actor):
        raise Forbidden(_("您不是热线坐席，不能代来电人提交申请。"), code="not_hotline")


def _store_files(
    case: Case, files: Mapping[int, UploadedFile], *, actor: Any, supplement_round: int = 0
) -> list[CaseMaterial]:
    materials = {m.pk: m for m in case.version.materials.all()}
    stored = []
    for material_id, upload in files.items():
        material = materials.get(int(material_id))
        if material is None:
            message = _("申请材料不属于该事项。")
            raise InvalidInput(message, fields={f"material.{material_id}": [message]})
        stored.append(
            _store_one(case, upload, material=material, actor=actor, round=supplement_round)
        )
    return stored


def _store_one(
    case: Case,
    upload: UploadedFile,
    *,
    material: Material | None,
    actor: Any,
    round: int = 0,
    name: str = "",
) -> CaseMaterial:
    label = name or (material.display_name if material else upload.name or "")
    field = f"material.{material.pk}" if material else "file"
    info = uploads.inspect_upload(upload, label=label, field=field)
    storage_name = uploads.store_upload(upload, info, prefix="cases")
    if material is not None:
        CaseMaterial.objects.filter(case=case, material=material, is_current=True).update(
            is_current=False
        )
    return CaseMaterial.objects.create(
        case=case,
        material=material,
        name=label[:200],
        source=CaseMaterial.Source.UPLOAD,
        file=storage_name,
        original_name=(upload.name or "")[:200],
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        supplement_round=round,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _take_from_source(case: Case, account: User | None) -> None:
    """Materials the government itself holds for this applicant are not asked for again."""
    if account is None and case.enterprise is None:
        return
    held = prefill.government_held_materials(case.version, user=account, enterprise=case.enterprise)
    present = set(
        case.materials.filter(is_current=True, material__isnull=False).values_list(
            "material_id", flat=True
        )
    )
    names = {m.pk: m.display_name for m in case.version.materials.all()}
    CaseMaterial.objects.bulk_create(
        CaseMaterial(
            case=case,
            material_id=material_id,
            name=names.get(material_id, "")[:200],
            source=CaseMaterial.Source.GOVERNMENT,
            source_reference=reference[:200],
        )
        for material_id, reference in held.items()
        if material_id not in present and material_id in names
    )


def _record_paper(case: Case, material_ids: Iterable[int], actor: Any) -> None:
    materials = {m.pk: m for m in case.version.materials.all()}
    for material_id in material_ids:
        material = materials.get(int(material_id))
        if material is None:
            message = _("申请材料不属于该事项。")
            raise InvalidInput(message, fields={f"material.{material_id}": [message]})
        CaseMaterial.objects.filter(case=case, material=material, is_current=True).update(
            is_current=False
        )
        CaseMaterial.objects.create(
            case=case,
            material=material,
            name=material.display_name[:200],
            source=CaseMaterial.Source.PAPER,
            uploaded_by=actor,
        )


def missing_materials(case: Case) -> list[Material]:
    present = set(
        case.materials.filter(is_current=True, material__isnull=False).values_list(
            "material_id", flat=True
        )
    )
    return [m for m in case.version.materials.all() if m.required and m.pk not in present]


def _require_materials(case: Case) -> None:
    missing = missing_materials(case)
    if missing:
        names = _("、").join(m.display_name for m in missing)
        raise InvalidInput(
            _("缺少必需的申请材料：%(names)s。") % {"names": names},
            code="materials_missing",
            fields={
                f"material.{m.pk}": [_("请提交“%(name)s”。") % {"name": m.display_name}]
                for m in missing
            },
        )


def _replace_form(case: Case, form_data: Mapping[str, Any]) -> None:
    """New form values; a prefilled value the applicant changed no longer claims its source."""
    new = dict(form_data)
    case.prefill_sources = {
        name: source
        for name, source in (case.prefill_sources or {}).items()
        if name in new and new[name] == case.form_data.get(name)
    }
    case.form_data = new


def _copy_limits(case: Case, version: ItemVersion) -> None:
    case.version = version
    case.title = version.name
    case.case_kind = version.case_kind
    case.promised_limit_value = version.promised_limit_value
    case.promised_limit_unit = version.promised_limit_unit or ""
    case.legal_limit_value = version.legal_limit_value
    case.legal_limit_unit = version.legal_limit_unit or ""
    if version.case_kind == ItemVersion.CaseKind.IMMEDIATE:
        case.promised_limit_unit = case.promised_limit_unit or "immediate"


# --- services -----------------------------------------------------------------------------


@audit_denials("cases.case.save_draft", target_keywords=("case",))
@transaction.atomic
def case_draft_save(
    *,
    actor: User,
    item: ImplementationItem | None = None,
    channel: str = Channel.WEB,
    form_data: Mapping[str, Any] | None = None,
    case: Case | None = None,
    acting_for: Enterprise | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Create or update the applicant's draft. Drafts are not validated: the applicant can
    leave and come back; `case_submit` checks everything."""
    if case is not None:
        case = lock_case(case)
        if case.state != State.DRAFT:
            raise Conflict(_("该申请已提交，不能再作为草稿修改。"), code="not_a_draft")
        if not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
            raise Forbidden()
        if form_data is not None:
            _replace_form(case, form_data)
        case.save(update_fields=["form_data", "prefill_sources", "updated_at"])
        return case
    if item is None:
        raise InvalidInput(_("请选择要申请的事项。"), fields={"item": [_("请选择要申请的事项。")]})
    version = _applicable_version(item, channel)
    case = Case(
        item=item,
        department_id=item.department_id,
        region_id=item.region_id,
        state=State.DRAFT,
        channel=channel,
        submitted_by=actor,
        form_data=dict(form_data or {}),
    )
    _copy_limits(case, version)
    _fill_applicant_self(case, actor, acting_for)
    if not form_data and version.form_schema:
        filled = prefill.prefill_for(version.form_schema, user=actor, enterprise=acting_for)
        case.form_data = dict(filled.values)
        case.prefill_sources = dict(filled.sources)
    case.save()
    audit_log(actor=actor, action="cases.case.draft_create", target=case, request=request)
    return case


@audit_denials("cases.case.material_upload", target_keywords=("case",))
@transaction.atomic
def case_material_upload(
    *,
    actor: Any,
    case: Case,
    file: UploadedFile,
    material: Material | None = None,
    name: str = "",
    acting_for: Enterprise | None = None,
    request: HttpRequest | None = None,
) -> CaseMaterial:
    """Add a file to a draft (or to a case awaiting a supplement). `name` labels a file
    that answers a supplement item without a catalogue material."""
    case = lock_case(case)
    if case.state not in OPEN_FOR_APPLICANT:
        raise Conflict(_("办件当前状态不能上传材料。"), code="invalid_state")
    if not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
        raise Forbidden()
    if material is not None and material.version_id != case.version_id:
        message = _("申请材料不属于该事项。")
        raise InvalidInput(message, fields={"material": [message]})
    round_ = case.supplements.count() if case.state == State.SUPPLEMENT_REQUESTED else 0
    return _store_one(case, file, material=material, actor=actor, round=round_, name=name)


@transaction.atomic
def case_result_downloaded(
    *, actor: Any, result: CaseResult, request: HttpRequest | None = None
) -> bool:
    """Record the applicant's first download of a result (proof of electronic delivery):
    a conditional update, so two downloads at once record it once. Staff downloads are not
    recorded here. Returns whether this was the first."""
    first = bool(
        CaseResult.objects.filter(pk=result.pk, first_downloaded_at__isnull=True).update(
            first_downloaded_at=timezone.now()
        )
    )
    if first:
        audit_log(
            actor=actor,
            action="cases.result.first_download",
            target=result.case,
            changes={"result": result.pk},
            request=request,
        )
    return first


def _existing_submission(actor: Any, key: str | None) -> Case | None:
    if not key:
        return None
    return (
        Case.objects.filter(submitted_by=actor, idempotency_key=key)
        .exclude(state=State.DRAFT)
        .first()
    )


def case_submit(
    *,
    actor: Any,
    channel: str,
    item: ImplementationItem | None = None,
    draft: Case | None = None,
    form_data: Mapping[str, Any] | None = None,
    files: Mapping[int, UploadedFile] | None = None,
    idempotency_key: str | None = None,
    applicant: ApplicantData | None = None,
    acting_for: Enterprise | None = None,
    paper_material_ids: Iterable[int] = (),
    door_to_door: bool = False,
    proxy_note: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Submit an application on any channel; the same `idempotency_key` from the same
    person gives back the case the first call created (a double click, a retried request)."""
    key = (idempotency_key or "").strip()[:64] or None
    existing = _existing_submission(actor, key)
    if existing is not None:
        return existing
    try:
        return _submit(
            actor=actor,
            channel=channel,
            item=item,
            draft=draft,
            form_data=form_data,
            files=files or {},
            key=key,
            applicant=applicant,
            acting_for=acting_for,
            paper_material_ids=paper_material_ids,
            door_to_door=door_to_door,
            proxy_note=proxy_note,
            request=request,
        )
    except IntegrityError:
        # Two requests with the same key raced: the other one created the case.
        existing = _existing_submission(actor, key)
        if existing is None:
            raise
        return existing


_submit_denials = audit_denials("cases.case.submit", target_keywords=("draft",))


@_submit_denials
@transaction.atomic
def _submit(
    *,
    actor: Any,
    channel: str,
    item: ImplementationItem | None,
    draft: Case | None,
    form_data: Mapping[str, Any] | None,
    files: Mapping[int, UploadedFile],
    key: str | None,
    applicant: ApplicantData | None,
    acting_for: Enterprise | None,
    paper_material_ids: Iterable[int],
    door_to_door: bool,
    proxy_note: str,
    request: HttpRequest | None,
) -> Case:
    if channel not in Channel.values:
        raise InvalidInput(_("未知的申请渠道。"), fields={"channel": [_("未知的申请渠道。")]})
    staff_channel = channel in STAFF_CHANNELS
    if draft is not None:
        case = lock_case(draft)
        if case.state != State.DRAFT:
            if key and case.idempotency_key == key:
                return case
            check_transition(Action.SUBMIT, case.state)
        if not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
            raise Forbidden()
        item = case.item
        if form_data is not None:
            _replace_form(case, form_data)
    else:
        if item is None:
            raise InvalidInput(
                _("请选择要申请的事项。"), fields={"item": [_("请选择要申请的事项。")]}
            )
        case = Case(
            item=item,
            department_id=item.department_id,
            region_id=item.region_id,
            state=State.DRAFT,
            form_data=dict(form_data or {}),
            submitted_by=actor,
        )
    version = _applicable_version(item, channel)
    _copy_limits(case, version)  # a draft is re-pinned to the version in force now
    case.channel = channel
    account: User | None
    if staff_channel:
        if applicant is None:
            raise InvalidInput(
                _("请填写申请人信息。"), fields={"applicant.name": [_("请填写申请人信息。")]}
            )
        _authorise_channel(case, actor, channel, item)
        account = _fill_applicant_for(case, actor, applicant, request)
        if channel == Channel.SERVICE_POINT:
            case.proxy_note = require_text(
                proxy_note,
                field="proxy_note",
                message=_("请记录申请人的代办授权（委托书编号或授权方式）。"),
            )
            case.door_to_door = bool(door_to_door)
        elif channel == Channel.HOTLINE:
            case.proxy_note = (proxy_note or "").strip()
    else:
        _fill_applicant_self(case, actor, acting_for)
        account = actor
    _check_form(version, case.form_data)
    case.save()
    if files:
        _store_files(case, files, actor=actor)
    if paper_material_ids:
        if not staff_channel:
            raise Forbidden(_("只有工作人员可以登记核验过的纸质材料。"))
        _record_paper(case, paper_material_ids, actor)
    _take_from_source(case, account)
    _require_materials(case)
    case.state = State.SUBMITTED
    case.number = next_case_number(region_code=item.region.code, day=today())
    case.submitted_at = timezone.now()
    case.idempotency_key = key
    case.save()
    record(
        case=case,
        action=Action.SUBMIT,
        actor=actor,
        from_state=State.DRAFT,
        channel=channel,
        role="staff" if staff_channel else "applicant",
        on_behalf_of=applicant_label(case) if staff_channel or acting_for else None,
        data={"door_to_door": case.door_to_door} if case.door_to_door else None,
        request=request,
    )
    return case


@audit_denials("cases.case.resubmit", target_keywords=("case",))
@transaction.atomic
def case_resubmit(
    *,
    actor: Any,
    case: Case,
    files: Mapping[int, UploadedFile] | None = None,
    form_data: Mapping[str, Any] | None = None,
    acting_for: Enterprise | None = None,
    channel: str = Channel.WEB,
    request: HttpRequest | None = None,
) -> Case:
    """Send the supplemented case back: every material the request listed must have been
    provided again in this round (now, or uploaded beforehand)."""
    case = lock_case(case)
    check_transition(Action.RESUBMIT, case.state)
    staff = policies.can_handle_intake(actor, case)
    if not staff and not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
        raise Forbidden()
    supplement = case.supplements.filter(resolved_at__isnull=True).order_by("-requested_at").first()
    round_ = case.supplements.count()
    if files:
        _store_files(case, files, actor=actor, supplement_round=round_)
    if form_data is not None:
        case.form_data = dict(form_data)
        _check_form(case.version, case.form_data)
    if supplement is not None:
        fresh = set(
            case.materials.filter(
                is_current=True, supplement_round=round_, material__isnull=False
            ).values_list("material_id", flat=True)
        )
        wanted = [row for row in supplement.items if row.get("material_id")]
        lacking = [row for row in wanted if row["material_id"] not in fresh]
        if lacking:
            names = _("、").join(row.get("name", "") for row in lacking)
            raise InvalidInput(
                _("还需补正：%(names)s。") % {"names": names},
                code="supplement_incomplete",
                fields={
                    f"material.{row['material_id']}": [_("请上传补正后的材料。")] for row in lacking
                },
            )
        supplement.resolved_at = timezone.now()
        supplement.save(update_fields=["resolved_at"])
    _require_materials(case)
    from_state = case.state
    accepted = case.accepted_on is not None
    case.state = State.UNDER_REVIEW if accepted else State.SUBMITTED
    if accepted:
        resume(case, on=today(), note=_("申请人补正材料"))
    case.save()
    record(
        case=case,
        action=Action.RESUBMIT,
        actor=actor,
        from_state=from_state,
        channel=channel,
        role="staff" if staff else "applicant",
        on_behalf_of=applicant_label(case) if staff else None,
        request=request,
    )
    return case


@audit_denials("cases.case.withdraw", target_keywords=("case",))
@transaction.atomic
def case_withdraw(
    *,
    actor: Any,
    case: Case,
    reason: str,
    acting_for: Enterprise | None = None,
    channel: str = Channel.WEB,
    request: HttpRequest | None = None,
) -> Case:
    """The applicant withdraws the application before a decision."""
    case = lock_case(case)
    check_transition(Action.WITHDRAW, case.state)
    if not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
        raise Forbidden()
    text = require_text(reason, field="reason", message=_("请说明撤回的原因。"))
    from_state = case.state
    case.state = State.WITHDRAWN
    case.outcome_reason = text
    case.paused_since = None
    case.completed_at = timezone.now()
    case.current_step = None
    case.save()
    record(
        case=case,
        action=Action.WITHDRAW,
        actor=actor,
        from_state=from_state,
        channel=channel,
        role="applicant",
        opinion=text,
        request=request,
    )
    return case
