"""The building blocks of intake (`services_intake`): which version applies, the form
check, who the applicant is on each channel, materials (uploaded, checked on paper, or taken
from the government's own records), and the limits a case copies from its item."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from govhub.cases import policies, prefill, schema_form, uploads
from govhub.cases.models import ApplicantKind, Case, CaseMaterial, Channel
from govhub.cases.service_support import (
    require_text,
)
from govhub.catalog.models import ImplementationItem, ItemVersion, Material
from govhub.core.errors import Forbidden, InvalidInput
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


def applicable_version(item: ImplementationItem, channel: str) -> ItemVersion:
    version = item.published_version
    if version is None or item.state != ImplementationItem.State.ACTIVE:
        raise InvalidInput(_("该事项当前不可申请（未发布或已取消）。"), code="item_unavailable")
    if channel in APPLICANT_CHANNELS and (
        "online" not in (version.handling_forms or []) or not version.form_schema
    ):
        raise InvalidInput(_("该事项不支持网上申请，请到办理地点办理。"), code="item_not_online")
    return version


def check_form(version: ItemVersion, form_data: Mapping[str, Any]) -> None:
    if not version.form_schema:
        return
    errors = schema_form.validate_submission(version.form_schema, dict(form_data))
    if errors:
        count = sum(len(messages) for messages in errors.values())
        raise InvalidInput(
            ngettext(
                "申请表有 %(count)s 处需要修改，请按提示更正。",
                "申请表有 %(count)s 处需要修改，请按提示更正。",
                count,
            )
            % {"count": count},
            fields={f"form.{name}": messages for name, messages in errors.items()},
        )


def fill_applicant_self(case: Case, actor: User, acting_for: Enterprise | None) -> None:
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


def fill_applicant_for(
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


def authorise_channel(case: Case, actor: Any, channel: str, item: ImplementationItem) -> None:
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


def store_files(
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
            store_one(case, upload, material=material, actor=actor, round=supplement_round)
        )
    return stored


def store_one(
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
    row = uploaded_row(
        case, upload, info, storage_name, material=material, label=label, actor=actor
    )
    row.supplement_round = round
    row.save()
    return row


def uploaded_row(
    case: Case,
    upload: UploadedFile,
    info: uploads.UploadInfo,
    storage_name: str,
    *,
    material: Material | None,
    label: str,
    actor: Any,
) -> CaseMaterial:
    """The (unsaved) material row of a file already inspected and stored."""
    return CaseMaterial(
        case=case,
        material=material,
        name=label[:200],
        source=CaseMaterial.Source.UPLOAD,
        file=storage_name,
        original_name=(upload.name or "")[:200],
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


@dataclass
class MaterialPlan:
    """The materials a submission will hold, checked before anything is written: the
    uploaded files (type, size and content already inspected), the paper originals a clerk
    ticked, the materials the government holds at source, and those a draft already has."""

    catalogue: list[Material]
    uploads: list[tuple[Material, UploadedFile, uploads.UploadInfo]]
    paper: list[Material]
    held: dict[int, str]
    present: set[int]

    @classmethod
    def make(
        cls,
        case: Case,
        *,
        files: Mapping[int, UploadedFile],
        paper_ids: Iterable[int],
        staff: bool,
        account: User | None,
    ) -> MaterialPlan:
        # Loaded once for the version: the checks below and the government-held look-up
        # read the same rows.
        prefetch_related_objects([case.version], "materials")
        catalogue = list(case.version.materials.all())
        by_id = {m.pk: m for m in catalogue}
        staged = []
        for material_id, upload in files.items():
            material = by_id.get(int(material_id))
            if material is None:
                message = _("申请材料不属于该事项。")
                raise InvalidInput(message, fields={f"material.{material_id}": [message]})
            info = uploads.inspect_upload(
                upload, label=material.display_name, field=f"material.{material.pk}"
            )
            staged.append((material, upload, info))
        paper = []
        for material_id in paper_ids:
            if not staff:
                raise Forbidden(_("只有工作人员可以登记核验过的纸质材料。"))
            material = by_id.get(int(material_id))
            if material is None:
                message = _("申请材料不属于该事项。")
                raise InvalidInput(message, fields={f"material.{material_id}": [message]})
            paper.append(material)
        held: dict[int, str] = {}
        if account is not None or case.enterprise is not None:
            held = prefill.government_held_materials(
                case.version, user=account, enterprise=case.enterprise
            )
        present: set[int] = set()
        if case.pk is not None:  # a draft: what it holds already
            present = set(
                case.materials.filter(is_current=True, material__isnull=False).values_list(
                    "material_id", flat=True
                )
            )
        return cls(catalogue, staged, paper, held, present)

    @property
    def replaced(self) -> set[int]:
        return {m.pk for m, _upload, _info in self.uploads} | {m.pk for m in self.paper}

    def require_complete(self) -> None:
        provided = self.present | self.replaced | set(self.held)
        require_materials_among(self.catalogue, provided)

    def save(self, case: Case, *, actor: Any) -> list[CaseMaterial]:
        """Store the files and write every material row in one statement."""
        uploader = actor if getattr(actor, "is_authenticated", False) else None
        rows = [
            uploaded_row(
                case,
                upload,
                info,
                uploads.store_upload(upload, info, prefix="cases"),
                material=material,
                label=material.display_name,
                actor=actor,
            )
            for material, upload, info in self.uploads
        ]
        rows += [
            CaseMaterial(
                case=case,
                material=material,
                name=material.display_name[:200],
                source=CaseMaterial.Source.PAPER,
                uploaded_by=uploader,
            )
            for material in self.paper
        ]
        replaced = self.replaced
        if replaced & self.present:
            CaseMaterial.objects.filter(
                case=case, material_id__in=sorted(replaced & self.present), is_current=True
            ).update(is_current=False)
        names = {m.pk: m.display_name for m in self.catalogue}
        rows += [
            CaseMaterial(
                case=case,
                material_id=material_id,
                name=names[material_id][:200],
                source=CaseMaterial.Source.GOVERNMENT,
                source_reference=reference[:200],
            )
            for material_id, reference in self.held.items()
            if material_id in names and material_id not in self.present | replaced
        ]
        return CaseMaterial.objects.bulk_create(rows) if rows else []


def missing_materials(case: Case) -> list[Material]:
    present = set(
        case.materials.filter(is_current=True, material__isnull=False).values_list(
            "material_id", flat=True
        )
    )
    return [m for m in case.version.materials.all() if m.required and m.pk not in present]


def require_materials(case: Case) -> None:
    present = set(
        case.materials.filter(is_current=True, material__isnull=False).values_list(
            "material_id", flat=True
        )
    )
    require_materials_among(list(case.version.materials.all()), present)


def require_materials_among(catalogue: Iterable[Material], present: set[int]) -> None:
    """Every required material of `catalogue` is among `present`, or `InvalidInput`
    naming each one missing."""
    missing = [m for m in catalogue if m.required and m.pk not in present]
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


def replace_form(case: Case, form_data: Mapping[str, Any]) -> None:
    """New form values; a prefilled value the applicant changed no longer claims its source."""
    new = dict(form_data)
    case.prefill_sources = {
        name: source
        for name, source in (case.prefill_sources or {}).items()
        if name in new and new[name] == case.form_data.get(name)
    }
    case.form_data = new


def copy_limits(case: Case, version: ItemVersion) -> None:
    case.version = version
    case.title = version.name
    case.case_kind = version.case_kind
    case.promised_limit_value = version.promised_limit_value
    case.promised_limit_unit = version.promised_limit_unit or ""
    case.legal_limit_value = version.legal_limit_value
    case.legal_limit_unit = version.legal_limit_unit or ""
    if version.case_kind == ItemVersion.CaseKind.IMMEDIATE:
        case.promised_limit_unit = case.promised_limit_unit or "immediate"
