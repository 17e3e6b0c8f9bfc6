"""Every write to the catalogue: keyword-only, typed, one transaction each, permission
checked through `policies`, audited (`catalog.<noun>.<verb>`).

Lifecycle of a guide: `version_create_draft` (a copy of the published version) →
`version_update` / `material_*` → `version_submit` → `version_publish` (quality checks,
freeze, supersede, `ItemPublished` event) or `version_reject` (back to draft).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.catalog import policies
from govhub.catalog.codes import MAX_SEQUENCE, implementation_code, is_base_code, variant_code
from govhub.catalog.models import (
    Audience,
    BaseItem,
    HandlingVariant,
    ImplementationItem,
    ItemVersion,
    Material,
)
from govhub.catalog.quality import check_version, errors_of
from govhub.catalog.service_support import (
    MATERIAL_FIELDS,
    VERSION_M2M_FIELDS,
    ItemPublished,
    ItemStateChanged,
    QualityRefused,
    apply_changes,
    audit_denials,
    deep_copy,
    file_or_value,
    validated,
    version_content_fields,
)
from govhub.core import events
from govhub.core.audit import audit_log
from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.organizations.models import Department, Region

__all__ = [
    "ItemPublished",
    "ItemStateChanged",
    "QualityRefused",
    "version_content_fields",
]

BASE_ITEM_FIELDS = {
    "name",
    "name_en",
    "item_type",
    "legal_basis",
    "levels",
    "responsible_department_kind",
}


@audit_denials("catalog.base_item.create")
@transaction.atomic
def base_item_create(
    *,
    actor: Any,
    base_code: str,
    name: str,
    item_type: str,
    responsible_department_kind: str,
    legal_basis: list[dict[str, Any]] | None = None,
    levels: list[str] | None = None,
    name_en: str = "",
) -> BaseItem:
    if not policies.can_manage_base_items(actor):
        raise Forbidden(_("只有系统管理员可以维护基本目录。"))
    base_code = base_code.strip().upper()
    if not is_base_code(base_code):
        raise InvalidInput(fields={"base_code": [_("基本编码应为12位数字或大写字母。")]})
    if BaseItem.objects.filter(base_code=base_code).exists():
        raise InvalidInput(fields={"base_code": [_("该基本编码已存在。")]})
    base_item = BaseItem(
        base_code=base_code,
        name=name.strip(),
        name_en=name_en.strip(),
        item_type=item_type,
        legal_basis=legal_basis or [],
        levels=levels or [],
        responsible_department_kind=responsible_department_kind.strip(),
    )
    validated(base_item)
    base_item.save()
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.base_item.create",
        target=base_item,
        changes={"base_code": base_code, "name": base_item.name},
    )
    return base_item


@audit_denials("catalog.base_item.update")
@transaction.atomic
def base_item_update(*, actor: Any, base_item: BaseItem, **changes: Any) -> BaseItem:
    """Change a base item's fields (never its code)."""
    if not policies.can_manage_base_items(actor):
        raise Forbidden(_("只有系统管理员可以维护基本目录。"))
    base_item = BaseItem.objects.select_for_update().get(pk=base_item.pk)
    diff = apply_changes(base_item, changes, BASE_ITEM_FIELDS)
    validated(base_item)
    base_item.save()
    if diff:
        audit_log(
            actor=actor,
            role=policies.editing_role(actor),
            action="catalog.base_item.update",
            target=base_item,
            changes=diff,
        )
    return base_item


# --- Implementation items -----------------------------------------------------------------


@audit_denials("catalog.implementation_item.create")
@transaction.atomic
def implementation_item_create(
    *,
    actor: Any,
    base_item: BaseItem,
    department: Department,
    region: Region | None = None,
    name: str = "",
    audience: str = Audience.PERSON,
    case_kind: str = ItemVersion.CaseKind.PROMISED,
) -> ImplementationItem:
    """A new implementation item with the next free sequence of this department's
    implementations of the base item, its code, and an empty draft version 1."""
    region = region or department.region
    if not policies.can_edit_for(actor, department=department, region=region):
        raise Forbidden(_("您没有权限为该部门添加实施清单事项。"))
    if not department.uscc:
        raise InvalidInput(fields={"department": [_("实施主体缺少统一社会信用代码。")]})
    # Lock the base item so two officials never get the same sequence.
    BaseItem.objects.select_for_update().get(pk=base_item.pk)
    last = (
        ImplementationItem.objects.filter(base_item=base_item, department=department).aggregate(
            last=Max("sequence")
        )["last"]
        or 0
    )
    sequence = last + 1
    if sequence > MAX_SEQUENCE:
        raise InvalidInput(fields={"sequence": [_("序号已用尽。")]})
    item = ImplementationItem(
        base_item=base_item,
        department=department,
        region=region,
        sequence=sequence,
        implementation_code=implementation_code(base_item.base_code, department.uscc, sequence),
    )
    validated(item, exclude=("published_version",))
    item.save()
    version = ItemVersion(
        item=item,
        number=1,
        name=name.strip() or base_item.name,
        name_en=base_item.name_en,
        audience=audience,
        case_kind=case_kind,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    validated(version, exclude=("item",))
    version.save()
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.implementation_item.create",
        target=item,
        changes={"implementation_code": item.implementation_code, "version": 1},
    )
    return item


def _open_version(item: ImplementationItem) -> ItemVersion | None:
    return item.versions.filter(
        status__in=[ItemVersion.Status.DRAFT, ItemVersion.Status.SUBMITTED]
    ).first()


def _ensure_active(item: ImplementationItem) -> None:
    if item.state != ImplementationItem.State.ACTIVE:
        raise Conflict(
            _("该事项%(state)s，不能再修改或发布。") % {"state": item.get_state_display()}
        )


@audit_denials("catalog.version.create_draft")
@transaction.atomic
def version_create_draft(
    *, actor: Any, item: ImplementationItem, change_note: str = ""
) -> ItemVersion:
    """A new draft copying the published version: fields, themes, life events, joint
    departments and materials (file references shared, not copied)."""
    item = ImplementationItem.objects.select_for_update().get(pk=item.pk)
    if not policies.can_edit_item(actor, item):
        raise Forbidden(_("您没有权限修改该事项。"))
    _ensure_active(item)
    if (existing := _open_version(item)) is not None:
        raise Conflict(
            _("该事项已有未发布的版本（第%(number)d版），请直接修改该版本。")
            % {"number": existing.number}
        )
    source = item.published_version
    if source is None:
        raise Conflict(_("该事项尚无已发布版本。"))
    number = (item.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    draft = ItemVersion(
        item=item,
        number=number,
        status=ItemVersion.Status.DRAFT,
        change_note=change_note.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for name in version_content_fields():
        value = getattr(source, name)
        if isinstance(value, (list, dict)):
            value = deep_copy(value)
        elif hasattr(value, "storage"):
            value = value.name
        setattr(draft, name, value)
    draft.save()
    for name in VERSION_M2M_FIELDS:
        getattr(draft, name).set(getattr(source, name).all())
    Material.objects.bulk_create(
        [
            Material(
                version=draft,
                position=material.position,
                **{name: file_or_value(getattr(material, name)) for name in MATERIAL_FIELDS},
            )
            for material in source.materials.order_by("position")
        ]
    )
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.version.create_draft",
        target=draft,
        changes={"item": item.implementation_code, "number": number, "from": source.number},
    )
    return draft


def _locked_version(version: ItemVersion) -> ItemVersion:
    return ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)


def _ensure_editable(version: ItemVersion) -> None:
    if version.is_frozen:
        raise Conflict(
            _("第%(number)d版已发布，不能修改；请新建草稿版本后再修改。")
            % {"number": version.number}
        )
    if version.status == ItemVersion.Status.SUBMITTED:
        raise Conflict(_("第%(number)d版正在审核，不能修改。") % {"number": version.number})


@audit_denials("catalog.version.update")
@transaction.atomic
def version_update(*, actor: Any, version: ItemVersion, **changes: Any) -> ItemVersion:
    """Change a draft's content fields; M2M fields take iterables. Frozen or submitted
    versions are refused."""
    version = _locked_version(version)
    if not policies.can_edit_item(actor, version.item):
        raise Forbidden(_("您没有权限修改该事项。"))
    _ensure_editable(version)
    m2m = {name: changes.pop(name) for name in VERSION_M2M_FIELDS if name in changes}
    allowed = set(version_content_fields()) | {"change_note"}
    diff = apply_changes(version, changes, allowed)
    validated(version, exclude=("item",))
    version.save()
    for name, values in m2m.items():
        values = list(values)
        before = sorted(getattr(version, name).values_list("pk", flat=True))
        getattr(version, name).set(values)
        after = sorted(v.pk if isinstance(v, models.Model) else v for v in values)
        if before != after:
            diff[name] = {"from": before, "to": after}
    if diff:
        audit_log(
            actor=actor,
            role=policies.editing_role(actor),
            action="catalog.version.update",
            target=version,
            changes=diff,
        )
    return version


# --- Materials ---------------------------------------------------------------------------


@audit_denials("catalog.material.add")
@transaction.atomic
def material_add(*, actor: Any, version: ItemVersion, **fields: Any) -> Material:
    version = _locked_version(version)
    if not policies.can_edit_item(actor, version.item):
        raise Forbidden(_("您没有权限修改该事项。"))
    _ensure_editable(version)
    unknown = set(fields) - set(MATERIAL_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: [_("未知字段。")] for name in sorted(unknown)})
    position = (version.materials.aggregate(last=Max("position"))["last"] or 0) + 1
    material = Material(version=version, position=position, **fields)
    validated(material, exclude=("version",))
    material.save()
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.material.add",
        target=material,
        changes={"version": version.pk, "position": position, "name": material.name},
    )
    return material


@audit_denials("catalog.material.update")
@transaction.atomic
def material_update(*, actor: Any, material: Material, **changes: Any) -> Material:
    version = _locked_version(material.version)
    if not policies.can_edit_item(actor, version.item):
        raise Forbidden(_("您没有权限修改该事项。"))
    _ensure_editable(version)
    material = Material.objects.get(pk=material.pk)
    diff = apply_changes(material, changes, set(MATERIAL_FIELDS))
    validated(material, exclude=("version",))
    material.save()
    if diff:
        audit_log(
            actor=actor,
            role=policies.editing_role(actor),
            action="catalog.material.update",
            target=material,
            changes=diff,
        )
    return material


@audit_denials("catalog.material.remove")
@transaction.atomic
def material_remove(*, actor: Any, material: Material) -> None:
    """Remove a material; the ones after it move up one position."""
    version = _locked_version(material.version)
    if not policies.can_edit_item(actor, version.item):
        raise Forbidden(_("您没有权限修改该事项。"))
    _ensure_editable(version)
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.material.remove",
        target=material,
        changes={"version": version.pk, "position": material.position, "name": material.name},
    )
    material.delete()
    for index, remaining in enumerate(version.materials.order_by("position"), start=1):
        if remaining.position != index:
            remaining.position = index
            remaining.save(update_fields=["position"])


# --- Review and publication --------------------------------------------------------------


def _refuse_on_errors(version: ItemVersion) -> None:
    errors = errors_of(check_version(version))
    if errors:
        raise QualityRefused(errors)


@audit_denials("catalog.version.submit")
@transaction.atomic
def version_submit(*, actor: Any, version: ItemVersion) -> ItemVersion:
    """Draft → submitted, refused while any error-level quality finding remains."""
    version = _locked_version(version)
    if not policies.can_submit_item(actor, version.item):
        raise Forbidden(_("您没有权限提交该事项。"))
    _ensure_active(version.item)
    if version.status != ItemVersion.Status.DRAFT:
        raise Conflict(_("只有草稿版本可以提交审核。"))
    _refuse_on_errors(version)
    version.status = ItemVersion.Status.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.version.submit",
        target=version,
        changes={"number": version.number},
    )
    return version


@audit_denials("catalog.version.publish")
@transaction.atomic
def version_publish(*, actor: Any, version: ItemVersion) -> ItemVersion:
    """Submitted → published: quality checks (refused with the reasons on any error),
    freeze, supersede the previous published version, point the item at it, and
    announce `ItemPublished` after commit."""
    item = ImplementationItem.objects.select_for_update().get(pk=version.item_id)
    version = _locked_version(version)
    if not policies.can_publish_item(actor, item):
        raise Forbidden(_("只有系统管理员可以发布事项。"))
    _ensure_active(item)
    if version.status != ItemVersion.Status.SUBMITTED:
        raise Conflict(_("只有待审核的版本可以发布。"))
    _refuse_on_errors(version)
    previous = item.published_version
    if previous is not None:
        ItemVersion.objects.filter(pk=previous.pk).update(
            status=ItemVersion.Status.SUPERSEDED, updated_at=timezone.now()
        )
    version.status = ItemVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor if getattr(actor, "is_authenticated", False) else None
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    item.published_version = version
    item.save(update_fields=["published_version", "updated_at"])
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.version.publish",
        target=version,
        changes={
            "item": item.implementation_code,
            "number": version.number,
            "superseded": previous.number if previous is not None else None,
        },
    )
    events.publish(ItemPublished(item_id=item.pk, version_id=version.pk))
    return version


@audit_denials("catalog.version.reject")
@transaction.atomic
def version_reject(*, actor: Any, version: ItemVersion, reason: str) -> ItemVersion:
    """Submitted → draft with the reviewer's reason (kept in the audit trail)."""
    version = _locked_version(version)
    if not policies.can_publish_item(actor, version.item):
        raise Forbidden(_("只有系统管理员可以退回事项。"))
    if version.status != ItemVersion.Status.SUBMITTED:
        raise Conflict(_("只有待审核的版本可以退回。"))
    reason = reason.strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("请填写退回原因。")]})
    version.status = ItemVersion.Status.DRAFT
    version.submitted_at = None
    version.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.version.reject",
        target=version,
        changes={"number": version.number, "reason": reason},
    )
    return version


# --- Cancel, hand down, variants ------------------------------------------------------------


def _state_change(
    *,
    actor: Any,
    item: ImplementationItem,
    state: str,
    effective_date: datetime.date,
    reason: str,
    target_region: Region | None,
) -> ImplementationItem:
    item = ImplementationItem.objects.select_for_update().select_related("region").get(pk=item.pk)
    if not policies.can_change_item_state(actor, item):
        raise Forbidden(_("只有系统管理员可以取消或下放事项。"))
    _ensure_active(item)
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请填写调整原因。")]
    if not isinstance(effective_date, datetime.date):
        errors["effective_date"] = [_("请填写生效日期。")]
    if state == ImplementationItem.State.HANDED_DOWN:
        if target_region is None:
            errors["target_region"] = [_("请选择下放至的区划。")]
        elif not (item.region.covers(target_region) and target_region.level > item.region.level):
            errors["target_region"] = [
                _("下放只能到%(region)s所辖的下级区划。") % {"region": item.region.name}
            ]
    if errors:
        raise InvalidInput(fields=errors)
    item.state = state
    item.change_effective_date = effective_date
    item.change_reason = reason
    item.handed_down_to = target_region
    item.save(
        update_fields=[
            "state",
            "change_effective_date",
            "change_reason",
            "handed_down_to",
            "updated_at",
        ]
    )
    # An unpublished draft of a retired item has nowhere to go.
    item.versions.filter(
        status__in=[ItemVersion.Status.DRAFT, ItemVersion.Status.SUBMITTED]
    ).delete()
    events.publish(ItemStateChanged(item_id=item.pk, state=state))
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action=f"catalog.implementation_item.{'cancel' if state == 'cancelled' else 'hand_down'}",
        target=item,
        changes={
            "effective_date": effective_date.isoformat(),
            "reason": reason,
            "target_region": target_region.code if target_region is not None else None,
        },
    )
    return item


@audit_denials("catalog.implementation_item.cancel")
@transaction.atomic
def item_cancel(
    *, actor: Any, item: ImplementationItem, effective_date: datetime.date, reason: str
) -> ImplementationItem:
    """取消: the item is no longer handled from `effective_date`; the guide says so."""
    return _state_change(
        actor=actor,
        item=item,
        state=ImplementationItem.State.CANCELLED,
        effective_date=effective_date,
        reason=reason,
        target_region=None,
    )


@audit_denials("catalog.implementation_item.hand_down")
@transaction.atomic
def item_hand_down(
    *,
    actor: Any,
    item: ImplementationItem,
    effective_date: datetime.date,
    reason: str,
    target_region: Region,
) -> ImplementationItem:
    """下放: handled by a lower level (a region inside the item's region) from
    `effective_date`."""
    return _state_change(
        actor=actor,
        item=item,
        state=ImplementationItem.State.HANDED_DOWN,
        effective_date=effective_date,
        reason=reason,
        target_region=target_region,
    )


@audit_denials("catalog.variant.add")
@transaction.atomic
def variant_add(
    *, actor: Any, item: ImplementationItem, name: str, name_en: str = ""
) -> HandlingVariant:
    """A handling variant (业务办理项) with the next sequence and its 39-character code."""
    item = ImplementationItem.objects.select_for_update().get(pk=item.pk)
    if not policies.can_edit_item(actor, item):
        raise Forbidden(_("您没有权限修改该事项。"))
    _ensure_active(item)
    name = name.strip()
    if not name:
        raise InvalidInput(fields={"name": [_("请填写业务办理项名称。")]})
    if item.variants.filter(name=name).exists():
        raise InvalidInput(fields={"name": [_("该事项已有同名的业务办理项。")]})
    sequence = (item.variants.aggregate(last=Max("sequence"))["last"] or 0) + 1
    try:
        code = variant_code(item.implementation_code, sequence)
    except ValueError as exc:
        raise InvalidInput(fields={"sequence": [_("业务办理项序号已用尽。")]}) from exc
    variant = HandlingVariant(
        item=item, code=code, sequence=sequence, name=name, name_en=name_en.strip()
    )
    validated(variant, exclude=("item",))
    variant.save()
    audit_log(
        actor=actor,
        role=policies.editing_role(actor),
        action="catalog.variant.add",
        target=variant,
        changes={"code": code, "name": name},
    )
    return variant
