"""Checking and writing the rows of an imported catalogue (see `importexport`): one pass
that validates every row, collects every error and writes what is new or changed, inside
one transaction that is rolled back when any row fails."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.catalog.codes import implementation_code as compute_code
from govhub.catalog.codes import is_base_code, variant_code
from govhub.catalog.importexport import (
    BASE_FIELDS,
    EVENT_FIELDS,
    FILE_FIELDS,
    ITEM_FIELDS,
    MATERIAL_FIELDS,
    SHEET_BASE,
    SHEET_EVENTS,
    SHEET_ITEMS,
    SHEET_MATERIALS,
    SHEET_THEMES,
    THEME_FIELDS,
    VARIANT_FIELDS,
    VERSION_M2M,
    ImportRejected,
    ImportResult,
    Loc,
    RowError,
    _record,
    version_content,
)
from govhub.catalog.models import (
    BaseItem,
    HandlingVariant,
    ImplementationItem,
    ItemVersion,
    LifeEvent,
    Material,
    Theme,
)
from govhub.catalog.policies import editing_role
from govhub.catalog.quality import check_version, errors_of
from govhub.catalog.services import ItemPublished, version_content_fields
from govhub.catalog.validation import json_errors
from govhub.core import events
from govhub.core.audit import audit_log
from govhub.organizations.models import Department, Region


class _Importer:
    def __init__(self, *, actor: Any, enforce_quality: bool) -> None:
        self.actor = actor
        self.enforce_quality = enforce_quality
        self.errors: list[RowError] = []
        self.result = ImportResult()
        self.themes: dict[str, Theme] = {t.code: t for t in Theme.objects.all()}
        self.events: dict[str, LifeEvent] = {e.code: e for e in LifeEvent.objects.all()}
        self.base_items: dict[str, BaseItem] = {b.base_code: b for b in BaseItem.objects.all()}
        self.departments = {d.code: d for d in Department.objects.all()}
        self.departments_by_uscc = {d.uscc: d for d in self.departments.values() if d.uscc}
        self.regions = {r.code: r for r in Region.objects.all()}
        self.seen: dict[str, set[str]] = {}

    # -- helpers ------------------------------------------------------------------------
    def _validate(self, obj: Any, loc: Loc, *, exclude: tuple[str, ...] = ()) -> bool:

        ok = True
        try:
            obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            ok = False
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.errors.append(loc.error(name, str(message)))
        names = [n for n in BASE_FIELDS + tuple(version_content_fields()) if hasattr(obj, n)]
        values = {n: getattr(obj, n) for n in names if isinstance(getattr(obj, n), list | dict)}
        for name, messages in json_errors(values).items():
            ok = False
            for message in messages:
                self.errors.append(loc.error(name, message))
        return ok

    def _unique(self, kind: str, code: str, loc: Loc, field_name: str) -> bool:
        seen = self.seen.setdefault(kind, set())
        if code in seen:
            self.errors.append(loc.error(field_name, _("代码“%(code)s”重复。") % {"code": code}))
            return False
        seen.add(code)
        return True

    def _known(self, record: dict[str, Any], allowed: set[str], loc: Loc) -> bool:
        unknown = sorted(set(record) - allowed)
        for name in unknown:
            self.errors.append(loc.error(name, _("未知字段。")))
        return not unknown

    def _save(self, obj: Any, loc: Loc) -> bool:
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError as exc:
            self.errors.append(loc.error("", _("无法保存：%(reason)s") % {"reason": exc}))
            return False
        return True

    def _upsert(
        self,
        kind: str,
        model: type[Any],
        existing: Any,
        record: dict[str, Any],
        names: tuple[str, ...],
        loc: Loc,
    ) -> Any:
        obj = existing if existing is not None else model()
        before = _record(obj, names) if existing is not None else None
        for name in names:
            if name in record:
                setattr(obj, name, record[name])
        if not self._validate(obj, loc):
            return None
        if before is not None and before == _record(obj, names):
            return obj
        if self._save(obj, loc):
            self.result.count(kind, created=existing is None)
            return obj
        return None

    # -- sections -------------------------------------------------------------------------
    def simple(
        self,
        kind: str,
        model: type[Any],
        rows: list[tuple[dict[str, Any], Loc]],
        names: tuple[str, ...],
        key: str,
        registry: dict[str, Any],
    ) -> None:
        for record, loc in rows:
            if not self._known(record, set(names), loc):
                continue
            code = str(record.get(key, "")).strip()
            if not code:
                self.errors.append(loc.error(key, _("缺少代码。")))
                continue
            if not self._unique(kind, code, loc, key):
                continue
            if kind == "base_items" and not is_base_code(code):
                self.errors.append(loc.error(key, _("基本编码应为12位数字或大写字母。")))
                continue
            obj = self._upsert(kind, model, registry.get(code), record, names, loc)
            if obj is not None:
                registry[code] = obj

    def item(self, record: dict[str, Any], loc: Loc, materials: list[tuple[dict, Loc]]) -> None:
        allowed = {
            "implementation_code",
            "base_code",
            "department",
            "department_uscc",
            "region",
            "sequence",
            *ITEM_FIELDS,
            "handed_down_to",
            "variants",
            "version",
        }
        if not self._known(record, allowed, loc):
            return
        code = str(record.get("implementation_code", "")).strip()
        if not code:
            self.errors.append(loc.error("implementation_code", _("缺少实施编码。")))
            return
        if not self._unique("item", code, loc, "implementation_code"):
            return
        base = self.base_items.get(str(record.get("base_code", "")))
        if base is None:
            self.errors.append(
                loc.error(
                    "base_code",
                    _("基本编码“%(code)s”不存在或该行有误。")
                    % {"code": record.get("base_code", "")},
                )
            )
        department = self.departments.get(str(record.get("department", "")))
        uscc = str(record.get("department_uscc", "") or "")
        if department is None and uscc:
            department = self.departments_by_uscc.get(uscc)
        if department is None:
            self.errors.append(
                loc.error(
                    "department",
                    _("找不到部门“%(code)s”。") % {"code": record.get("department") or uscc},
                )
            )
        elif uscc and department.uscc != uscc:
            self.errors.append(
                loc.error(
                    "department_uscc",
                    _("统一社会信用代码与部门“%(code)s”的记录不一致。") % {"code": department.code},
                )
            )
            department = None
        region = self.regions.get(str(record.get("region", "")))
        if region is None:
            self.errors.append(
                loc.error(
                    "region", _("找不到区划代码“%(code)s”。") % {"code": record.get("region", "")}
                )
            )
        handed_code = str(record.get("handed_down_to") or "")
        handed = self.regions.get(handed_code) if handed_code else None
        if handed_code and handed is None:
            self.errors.append(
                loc.error("handed_down_to", _("找不到区划代码“%(code)s”。") % {"code": handed_code})
            )
            return
        sequence = record.get("sequence")
        if isinstance(sequence, bool) or not isinstance(sequence, int):
            self.errors.append(loc.error("sequence", _("序号应为整数。")))
            return
        if base is None or department is None or region is None:
            self._check_only(record, loc, materials)
            return
        try:
            expected = compute_code(base.base_code, department.uscc, sequence)
        except ValueError:
            self.errors.append(loc.error("sequence", _("序号应在1至999999之间。")))
            self._check_only(record, loc, materials)
            return
        if code != expected:
            self.errors.append(
                loc.error(
                    "implementation_code",
                    _("实施编码应为“%(expected)s”（基本编码＋实施主体统一社会信用代码＋6位序号）。")
                    % {"expected": expected},
                )
            )
            self._check_only(record, loc, materials)
            return
        existing = ImplementationItem.objects.filter(implementation_code=code).first()
        item = existing or ImplementationItem(implementation_code=code)
        before = (
            _record(
                item,
                (
                    "base_item_id",
                    "department_id",
                    "region_id",
                    "sequence",
                    *ITEM_FIELDS,
                    "handed_down_to_id",
                ),
            )
            if existing
            else None
        )
        item.base_item, item.department, item.region, item.sequence = (
            base,
            department,
            region,
            sequence,
        )
        item.handed_down_to = handed
        for name in ITEM_FIELDS:
            if name in record:
                value = record[name]
                setattr(
                    item,
                    name,
                    None if value in ("", None) and name == "change_effective_date" else value,
                )
        if not self._validate(item, loc, exclude=("published_version",)):
            return
        clash = ImplementationItem.objects.filter(
            base_item=base, department=department, region=region, sequence=sequence
        ).exclude(implementation_code=code)
        if clash.exists():
            self.errors.append(
                loc.error("sequence", _("该部门在该区划已有同一基本目录事项的相同序号。"))
            )
            return
        changed = before is None or before != _record(
            item,
            (
                "base_item_id",
                "department_id",
                "region_id",
                "sequence",
                *ITEM_FIELDS,
                "handed_down_to_id",
            ),
        )
        if changed:
            if not self._save(item, loc):
                return
            self.result.count("implementation_items", created=existing is None)
        self.variants(item, record.get("variants") or [], loc)
        version = record.get("version")
        if version is not None:
            self.version(item, version, loc, materials)
        elif materials:
            for _material, mloc in materials:
                self.errors.append(
                    mloc.error("", _("该实施清单事项没有版本内容，不能导入申请材料。"))
                )

    def _check_only(
        self, record: dict[str, Any], loc: Loc, materials: list[tuple[dict[str, Any], Loc]]
    ) -> None:
        if record.get("version") is not None:
            self.version(None, record["version"], loc, materials)

    def variants(self, item: ImplementationItem, rows: Any, loc: Loc) -> None:
        if not isinstance(rows, list):
            self.errors.append(loc.error("variants", _("业务办理项应为列表。")))
            return
        existing = {v.code: v for v in item.variants.all()}
        for index, row in enumerate(rows, start=1):
            vloc = Loc(
                loc.sheet, loc.row, {}, prefix=f"{loc.labels.get('variants', 'variants')}[{index}]."
            )
            if not isinstance(row, dict) or not self._known(row, set(VARIANT_FIELDS), vloc):
                if not isinstance(row, dict):
                    self.errors.append(vloc.error("", _("业务办理项应为对象。")))
                continue
            sequence = row.get("sequence")
            try:
                expected = variant_code(item.implementation_code, sequence)  # type: ignore[arg-type]
            except ValueError:
                self.errors.append(vloc.error("sequence", _("序号应为1至999的整数。")))
                continue
            if row.get("code") != expected:
                self.errors.append(
                    vloc.error(
                        "code", _("业务办理项编码应为“%(expected)s”。") % {"expected": expected}
                    )
                )
                continue
            if expected in existing:
                self._upsert(
                    "variants", HandlingVariant, existing[expected], row, VARIANT_FIELDS, vloc
                )
            else:
                self._new_variant(item, row, vloc)

    def _new_variant(self, item: ImplementationItem, row: dict[str, Any], loc: Loc) -> None:
        variant = HandlingVariant(item=item, **{k: row[k] for k in VARIANT_FIELDS if k in row})
        if self._validate(variant, loc) and self._save(variant, loc):
            self.result.count("variants", created=True)

    def version(
        self,
        item: ImplementationItem | None,
        payload: Any,
        loc: Loc,
        materials: list[tuple[dict[str, Any], Loc]],
    ) -> None:
        if not isinstance(payload, dict):
            self.errors.append(loc.error("version", _("版本内容应为对象。")))
            return
        content = set(version_content_fields())
        allowed = content | {"number", "change_note", "published_at", "materials", *VERSION_M2M}
        if not self._known(payload, allowed, loc):
            return
        candidate = ItemVersion(item=item, status=ItemVersion.Status.PUBLISHED)
        for name in content:
            if name in payload:
                value = payload[name]
                if name in FILE_FIELDS:
                    value = self._file_name(value, name, loc)
                setattr(candidate, name, value)
        ok = self._validate(candidate, loc, exclude=("item", "number"))
        m2m: dict[str, list[Any]] = {}
        for name in VERSION_M2M:
            codes = payload.get(name, [])
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                self.errors.append(loc.error(name, _("应为代码列表。")))
                ok = False
                continue
            registry: dict[str, Any] = (
                self.themes
                if name == "themes"
                else self.events
                if name == "life_events"
                else self.departments
            )
            missing = [c for c in codes if c not in registry]
            if missing:
                self.errors.append(
                    loc.error(name, _("找不到代码：%(codes)s。") % {"codes": "、".join(missing)})
                )
                ok = False
                continue
            m2m[name] = [registry[c] for c in codes]
        if "materials" in payload:
            nested = payload["materials"]
            if not isinstance(nested, list):
                self.errors.append(loc.error("materials", _("申请材料应为列表。")))
                return
            materials = [
                (row, Loc(loc.sheet, loc.row, {}, prefix=f"materials[{index}]."))
                for index, row in enumerate(nested, start=1)
            ]
        built: list[Material] = []
        positions: set[Any] = set()
        for row, mloc in materials:
            if not isinstance(row, dict):
                self.errors.append(mloc.error("", _("申请材料应为对象。")))
                ok = False
                continue
            if not self._known(row, set(MATERIAL_FIELDS) | {"implementation_code"}, mloc):
                ok = False
                continue
            material = Material(**{k: row[k] for k in MATERIAL_FIELDS if k in row})
            for name in ("blank_form", "sample"):
                setattr(material, name, self._file_name(row.get(name, ""), name, mloc))
            if not self._validate(material, mloc, exclude=("version",)):
                ok = False
                continue
            if material.position in positions:
                self.errors.append(mloc.error("position", _("材料序号重复。")))
                ok = False
                continue
            positions.add(material.position)
            built.append(material)
        if not ok:
            return
        built.sort(key=lambda m: m.position)
        codes = {
            "themes": [t.code for t in m2m.get("themes", [])],
            "life_events": [e.code for e in m2m.get("life_events", [])],
            "joint_departments": [d.code for d in m2m.get("joint_departments", [])],
        }
        if item is None:  # the item row is rejected: still report the content's errors
            self._quality_ok(candidate, built, loc)
            return
        incoming = version_content(candidate, m2m=codes, materials=built)
        current = item.published_version if item.pk else None
        if current is not None and incoming == version_content(
            current,
            m2m={
                "themes": [t.code for t in current.themes.all()],
                "life_events": [e.code for e in current.life_events.all()],
                "joint_departments": [d.code for d in current.joint_departments.all()],
            },
            materials=list(current.materials.order_by("position")),
        ):
            return
        if self._quality_ok(candidate, built, loc):
            self._publish(item, candidate, payload, m2m, built, loc)

    def _quality_ok(self, candidate: ItemVersion, materials: list[Material], loc: Loc) -> bool:
        if not self.enforce_quality:
            return True
        candidate.pending_materials = materials  # type: ignore[attr-defined]
        errors = errors_of(check_version(candidate))
        for finding in errors:
            self.errors.append(loc.error(finding.field, finding.message))
        return not errors

    def _file_name(self, value: Any, name: str, loc: Loc) -> str:
        if value in (None, ""):
            return ""
        if not isinstance(value, str) or value.startswith("/") or ".." in value.split("/"):
            self.errors.append(loc.error(name, _("文件应为存储中的相对路径。")))
            return ""
        return value

    def _publish(
        self,
        item: ImplementationItem,
        candidate: ItemVersion,
        payload: dict[str, Any],
        m2m: dict[str, list[Any]],
        materials: list[Material],
        loc: Loc,
    ) -> None:
        last = item.versions.aggregate(last=Max("number"))["last"] or 0
        wanted = payload.get("number")
        number = wanted if isinstance(wanted, int) and wanted > last else last + 1
        candidate.number = number
        candidate.change_note = str(payload.get("change_note", _("导入")))
        published_at = payload.get("published_at")
        candidate.published_at = (
            datetime.datetime.fromisoformat(published_at)
            if isinstance(published_at, str) and published_at
            else timezone.now()
        )
        previous = item.published_version
        if not self._save(candidate, loc):
            return
        for name, objects in m2m.items():
            getattr(candidate, name).set(objects)
        for material in materials:
            material.version = candidate
        Material.objects.bulk_create(materials)
        if previous is not None:
            ItemVersion.objects.filter(pk=previous.pk).update(status=ItemVersion.Status.SUPERSEDED)
        item.published_version = candidate
        item.save(update_fields=["published_version", "updated_at"])
        audit_log(
            actor=self.actor,
            role=editing_role(self.actor),
            action="catalog.version.import_publish",
            target=candidate,
            changes={"item": item.implementation_code, "number": number},
        )
        self.result.published.append(item.implementation_code)
        events.publish(ItemPublished(item_id=item.pk, version_id=candidate.pk))


@transaction.atomic
def run_import(
    sections: dict[str, list[tuple[dict[str, Any], Loc]]],
    materials: dict[str, list[tuple[dict[str, Any], Loc]]],
    *,
    actor: Any,
    enforce_quality: bool,
    errors: list[RowError],
) -> ImportResult:
    importer = _Importer(actor=actor, enforce_quality=enforce_quality)
    importer.errors.extend(errors)
    for record, loc in sections["themes"] + sections["life_events"] + sections["base_items"]:
        if not isinstance(record, dict):
            importer.errors.append(loc.error("", _("该行应为对象。")))
    valid = {k: [(r, loc) for r, loc in v if isinstance(r, dict)] for k, v in sections.items()}
    importer.simple("themes", Theme, valid["themes"], THEME_FIELDS, "code", importer.themes)
    importer.simple(
        "life_events", LifeEvent, valid["life_events"], EVENT_FIELDS, "code", importer.events
    )
    importer.simple(
        "base_items", BaseItem, valid["base_items"], BASE_FIELDS, "base_code", importer.base_items
    )
    item_codes = set()
    for record, loc in sections["implementation_items"]:
        if not isinstance(record, dict):
            importer.errors.append(loc.error("", _("该行应为对象。")))
            continue
        code = str(record.get("implementation_code", ""))
        item_codes.add(code)
        importer.item(record, loc, materials.get(code, []))
    for code, rows in materials.items():
        if code not in item_codes:
            for _row, loc in rows:
                importer.errors.append(
                    loc.error(
                        "implementation_code",
                        _("实施清单中没有实施编码“%(code)s”。") % {"code": code},
                    )
                )
    if importer.errors:
        transaction.set_rollback(True)
        raise ImportRejected(sorted(importer.errors, key=_error_order))
    result = importer.result
    if result.changed:
        audit_log(
            actor=actor,
            role=editing_role(actor),
            action="catalog.catalogue.import",
            changes={
                "created": result.created,
                "updated": result.updated,
                "published": result.published,
            },
        )
    return result


SHEET_ORDER = [SHEET_THEMES, SHEET_EVENTS, SHEET_BASE, SHEET_ITEMS, SHEET_MATERIALS]


def _error_order(error: RowError) -> tuple[int, int]:
    sheet = SHEET_ORDER.index(error.sheet) if error.sheet in SHEET_ORDER else len(SHEET_ORDER)
    return (sheet, error.row)
