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

from govhub.cases import policies, prefill
from govhub.cases.intake_support import (
    STAFF_CHANNELS,
    ApplicantData,
    MaterialPlan,
    applicable_version,
    authorise_channel,
    check_form,
    copy_limits,
    fill_applicant_for,
    fill_applicant_self,
    replace_form,
    require_materials,
    store_files,
    store_one,
)
from govhub.cases.models import Case, CaseEvent, CaseMaterial, CaseResult, Channel
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
from govhub.catalog.models import ImplementationItem, Material
from govhub.core.audit import audit_denials, audit_log
from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.identity.models import Enterprise, User
from govhub.registries.selectors import lookups_survive_rollback

# --- services -----------------------------------------------------------------------------


@audit_denials("cases.case.save_draft", target_keywords=("case",))
@lookups_survive_rollback
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
            replace_form(case, form_data)
        case.save(update_fields=["form_data", "prefill_sources", "updated_at"])
        return case
    if item is None:
        raise InvalidInput(_("请选择要申请的事项。"), fields={"item": [_("请选择要申请的事项。")]})
    version = applicable_version(item, channel)
    case = Case(
        item=item,
        department_id=item.department_id,
        region_id=item.region_id,
        state=State.DRAFT,
        channel=channel,
        submitted_by=actor,
        form_data=dict(form_data or {}),
    )
    copy_limits(case, version)
    fill_applicant_self(case, actor, acting_for)
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
    return store_one(case, file, material=material, actor=actor, round=round_, name=name)


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
    found = (
        Case.objects.filter(submitted_by=actor, idempotency_key=key)
        .exclude(state=State.DRAFT)
        .values_list("pk", flat=True)
        .first()
    )
    # Almost always none: the whole row is read only for a repeated key.
    return None if found is None else Case.objects.get(pk=found)


def _same_application(existing: Case, item: ImplementationItem | None, draft: Case | None) -> Case:
    """The case a repeated key gave back, when the repeat is for the same application."""
    if (draft is not None and draft.pk != existing.pk) or (
        draft is None and item is not None and item.pk != existing.item_id
    ):
        raise Conflict(
            _("该 Idempotency-Key 已用于另一项申请，请为新的申请生成新的值。"),
            code="idempotency_key_reused",
        )
    return existing


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
    person gives back the case the first call created (a double click, a retried request).
    The same key for another application is a `Conflict` (`idempotency_key_reused`)."""
    return case_submit_once(
        actor=actor,
        channel=channel,
        item=item,
        draft=draft,
        form_data=form_data,
        files=files,
        idempotency_key=idempotency_key,
        applicant=applicant,
        acting_for=acting_for,
        paper_material_ids=paper_material_ids,
        door_to_door=door_to_door,
        proxy_note=proxy_note,
        request=request,
    ).case


@dataclass(frozen=True)
class Submitted:
    """What `case_submit_once` did: the case, and whether this call created it. A case
    this call created from scratch (not from a draft) comes with every row it holds, its
    materials and its submission event, so that its screen need not read them back
    (`selectors.case_detail_submitted`)."""

    case: Case
    created: bool
    materials: list[CaseMaterial] | None = None
    event: CaseEvent | None = None


def case_submit_once(
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
) -> Submitted:
    """`case_submit`, telling whether this call created the case or gave back the one
    an earlier call with the same key created."""
    key = (idempotency_key or "").strip()[:64] or None
    existing = _existing_submission(actor, key)
    if existing is not None:
        return Submitted(_same_application(existing, item, draft), created=False)
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
        return Submitted(_same_application(existing, item, draft), created=False)


_submit_denials = audit_denials("cases.case.submit", target_keywords=("draft",))


@_submit_denials
@lookups_survive_rollback
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
) -> Submitted:
    """Everything is checked before anything is written; then the case is saved once, in
    its submitted state, with all its material rows in one statement."""
    if channel not in Channel.values:
        raise InvalidInput(_("未知的申请渠道。"), fields={"channel": [_("未知的申请渠道。")]})
    staff_channel = channel in STAFF_CHANNELS
    if draft is not None:
        case = lock_case(draft)
        if case.state != State.DRAFT:
            if key and case.idempotency_key == key:
                return Submitted(case, created=False)
            check_transition(Action.SUBMIT, case.state)
        if not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
            raise Forbidden()
        item = case.item
        if form_data is not None:
            replace_form(case, form_data)
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
        # The item's department and region, when it was read with them, answer for the
        # case's too (the case screen a submission answers with names both).
        if ImplementationItem.department.is_cached(item):
            case.department = item.department
        if ImplementationItem.region.is_cached(item):
            case.region = item.region
    version = applicable_version(item, channel)
    copy_limits(case, version)  # a draft is re-pinned to the version in force now
    case.channel = channel
    account: User | None
    if staff_channel:
        if applicant is None:
            raise InvalidInput(
                _("请填写申请人信息。"), fields={"applicant.name": [_("请填写申请人信息。")]}
            )
        authorise_channel(case, actor, channel, item)
        account = fill_applicant_for(case, actor, applicant, request)
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
        fill_applicant_self(case, actor, acting_for)
        account = actor
    check_form(version, case.form_data)
    plan = MaterialPlan.make(
        case,
        files=files,
        paper_ids=paper_material_ids,
        staff=staff_channel,
        account=account,
    )
    plan.require_complete()
    case.state = State.SUBMITTED
    case.number = next_case_number(region_code=item.region.code, day=today())
    case.submitted_at = timezone.now()
    case.idempotency_key = key
    case.revision += 1  # saved with the case: `record` need not bump it again
    case.save()
    materials = plan.save(case, actor=actor)
    event = record(
        case=case,
        action=Action.SUBMIT,
        actor=actor,
        from_state=State.DRAFT,
        channel=channel,
        role="staff" if staff_channel else "applicant",
        on_behalf_of=applicant_label(case) if staff_channel or acting_for else None,
        data={"door_to_door": case.door_to_door} if case.door_to_door else None,
        request=request,
        revision_saved=True,
    )
    if draft is not None:
        return Submitted(case, created=True)
    return Submitted(case, created=True, materials=materials, event=event)


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
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Send the supplemented case back: every material the request listed must have been
    provided again in this round (now, or uploaded beforehand)."""
    case = lock_case(case, revision=revision)
    check_transition(Action.RESUBMIT, case.state)
    staff = policies.can_handle_intake(actor, case)
    if not staff and not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
        raise Forbidden()
    supplement = case.supplements.filter(resolved_at__isnull=True).order_by("-requested_at").first()
    round_ = case.supplements.count()
    if files:
        store_files(case, files, actor=actor, supplement_round=round_)
    if form_data is not None:
        case.form_data = dict(form_data)
        check_form(case.version, case.form_data)
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
    require_materials(case)
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
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """The applicant withdraws the application before a decision. A draft is not an
    application yet: it is discarded (`case_draft_discard`), not withdrawn."""
    case = lock_case(case, revision=revision)
    if case.state == State.DRAFT:
        raise Conflict(_("草稿还没有提交，不能撤回；不再需要时请放弃草稿。"), code="invalid_state")
    check_transition(Action.WITHDRAW, case.state)
    if not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
        raise Forbidden()
    text = require_text(reason, field="reason", message=_("请说明撤回的原因。"))
    from_state = case.state
    case.state = State.WITHDRAWN
    case.outcome_reason = text
    case.paused_since = None
    case.completed_at = timezone.now()
    case.set_current_step(None)
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
