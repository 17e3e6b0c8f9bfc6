"""Import and export of the whole catalogue.

JSON document (``"format": "govhub-catalog/1"``), keys in this order:

- ``themes``: [{code, name, name_en, audience, sort_order}]
- ``life_events``: [{code, name, name_en, audience, description, description_en, sort_order}]
- ``base_items``: [{base_code, name, name_en, item_type, legal_basis, levels,
  responsible_department_kind}]
- ``implementation_items``: [{implementation_code, base_code, department (department code),
  department_uscc, region (region code), sequence, state, change_effective_date,
  change_reason, handed_down_to (region code or ""), variants: [{code, sequence, name,
  name_en, is_active}], version: null or {number, change_note, published_at, <every
  content field of ItemVersion, files as storage names>, themes, life_events,
  joint_departments (codes), materials: [{position, <Material fields, files as storage
  names>}]}}]

``version`` is the item's published version. Departments and regions are referenced, never
exported: they must exist where the document is imported. Files travel separately; only
their storage names are carried. Everything is sorted by code, so exports are stable.

The XLSX workbook (for officials) holds the same data in the sheets 主题, 人生事件, 基本目录,
实施清单 (one row per item with its published version) and 申请材料 (one row per material,
keyed by 实施编码); row 1 holds Chinese headers, which are the format's column names and are
not translated. Lists and objects are JSON text in their cells; flags are 是/否.

Import (`import_document`) checks every row and reports every rejected one (sheet, row,
field, reason); it runs in one transaction and writes nothing when any row fails. It is
idempotent: records are matched by code and only differences are written; an item whose
imported content differs from its published version gets a new published version
(frozen versions are never edited). Imported versions must pass the error-level quality
rules unless `enforce_quality=False`.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import JSONField
from django.utils.translation import gettext as _

from govhub.catalog.models import (
    BaseItem,
    ImplementationItem,
    ItemVersion,
    LifeEvent,
    Material,
    Theme,
)
from govhub.catalog.services import version_content_fields
from govhub.organizations.models import Department

FORMAT = "govhub-catalog/1"

THEME_FIELDS = ("code", "name", "name_en", "audience", "sort_order")
EVENT_FIELDS = (
    "code",
    "name",
    "name_en",
    "audience",
    "description",
    "description_en",
    "sort_order",
)
BASE_FIELDS = (
    "base_code",
    "name",
    "name_en",
    "item_type",
    "legal_basis",
    "levels",
    "responsible_department_kind",
)
ITEM_FIELDS = ("state", "change_effective_date", "change_reason")
VARIANT_FIELDS = ("code", "sequence", "name", "name_en", "is_active")
MATERIAL_FIELDS = tuple(
    f.name for f in Material._meta.concrete_fields if f.name not in {"id", "version"}
)
FILE_FIELDS = {"result_sample", "blank_form", "sample"}
JSON_DEFAULTS = {
    f.name: f.default for f in ItemVersion._meta.concrete_fields if isinstance(f, JSONField)
}
VERSION_M2M = {"themes": Theme, "life_events": LifeEvent, "joint_departments": Department}


# --- Export ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _record(obj: Any, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names}


def version_content(
    version: ItemVersion, *, m2m: dict[str, list[str]], materials: list[Material]
) -> dict[str, Any]:
    """The comparable content of a version: fields, M2M codes and materials."""
    data = _record(version, version_content_fields())
    data.update({name: sorted(codes) for name, codes in m2m.items()})
    data["materials"] = [_record(m, MATERIAL_FIELDS) for m in materials]
    return data


def _version_payload(version: ItemVersion) -> dict[str, Any]:
    m2m = {
        "themes": [t.code for t in version.themes.all()],
        "life_events": [e.code for e in version.life_events.all()],
        "joint_departments": [d.code for d in version.joint_departments.all()],
    }
    materials = sorted(version.materials.all(), key=lambda m: m.position)
    return {
        "number": version.number,
        "change_note": version.change_note,
        "published_at": _plain(version.published_at),
        **version_content(version, m2m=m2m, materials=materials),
    }


def export_document() -> dict[str, Any]:
    items = (
        ImplementationItem.objects.select_related(
            "base_item", "department", "region", "handed_down_to", "published_version"
        )
        .prefetch_related(
            "variants",
            "published_version__themes",
            "published_version__life_events",
            "published_version__joint_departments",
            "published_version__materials",
        )
        .order_by("implementation_code")
    )
    return {
        "format": FORMAT,
        "themes": [_record(t, THEME_FIELDS) for t in Theme.objects.order_by("code")],
        "life_events": [_record(e, EVENT_FIELDS) for e in LifeEvent.objects.order_by("code")],
        "base_items": [_record(b, BASE_FIELDS) for b in BaseItem.objects.order_by("base_code")],
        "implementation_items": [
            {
                "implementation_code": item.implementation_code,
                "base_code": item.base_item.base_code,
                "department": item.department.code,
                "department_uscc": item.department.uscc,
                "region": item.region.code,
                "sequence": item.sequence,
                **_record(item, ITEM_FIELDS),
                "handed_down_to": item.handed_down_to.code if item.handed_down_to else "",
                "variants": [
                    _record(v, VARIANT_FIELDS)
                    for v in sorted(item.variants.all(), key=lambda v: v.sequence)
                ],
                "version": (
                    _version_payload(item.published_version) if item.published_version else None
                ),
            }
            for item in items
        ],
    }


def export_json() -> str:
    return json.dumps(export_document(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


# --- Import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = _("%(sheet)s第%(row)d行") % {"sheet": self.sheet, "row": self.row}
        if self.field:
            return f"{where}【{self.field}】{self.message}"
        return f"{where}：{self.message}"


class ImportRejected(Exception):
    """Nothing was imported; `errors` lists every rejected row."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(
            _("导入被拒绝：%(count)d处错误，未写入任何数据。") % {"count": len(errors)}
        )


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)

    def count(self, kind: str, *, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.published)


# Where a record came from: sheet name, row number, and how to name a field (for XLSX the
# Chinese column header, for JSON the key).
@dataclass(frozen=True)
class Loc:
    sheet: str
    row: int
    labels: dict[str, str] = field(default_factory=dict)
    prefix: str = ""

    def error(self, field_name: str, message: str) -> RowError:
        label = self.labels.get(field_name, field_name)
        return RowError(self.sheet, self.row, f"{self.prefix}{label}", message)


SHEET_THEMES, SHEET_EVENTS, SHEET_BASE = "主题", "人生事件", "基本目录"
SHEET_ITEMS, SHEET_MATERIALS = "实施清单", "申请材料"


def _rows(doc: dict[str, Any], key: str, sheet: str) -> list[tuple[dict[str, Any], Loc]]:
    return [(row, Loc(sheet, index)) for index, row in enumerate(doc.get(key) or [], start=1)]


def import_document(doc: Any, *, actor: Any = None, enforce_quality: bool = True) -> ImportResult:
    """Import a JSON document (already parsed); raises `ImportRejected` listing every
    rejected row, in which case nothing was written."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportRejected(
            [RowError("format", 1, "format", _("文件格式应为“%(format)s”。") % {"format": FORMAT})]
        )
    errors = []
    for key in set(doc) - {"format", "themes", "life_events", "base_items", "implementation_items"}:
        errors.append(RowError(key, 1, key, _("未知的数据段。")))
    sections = {
        "themes": _rows(doc, "themes", SHEET_THEMES),
        "life_events": _rows(doc, "life_events", SHEET_EVENTS),
        "base_items": _rows(doc, "base_items", SHEET_BASE),
        "implementation_items": _rows(doc, "implementation_items", SHEET_ITEMS),
    }
    from govhub.catalog.importexport_rows import run_import

    return run_import(sections, {}, actor=actor, enforce_quality=enforce_quality, errors=errors)


def import_json(
    text: str | bytes, *, actor: Any = None, enforce_quality: bool = True
) -> ImportResult:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ImportRejected(
            [
                RowError(
                    "JSON",
                    getattr(exc, "lineno", 1),
                    "",
                    _("不是有效的 JSON：%(reason)s") % {"reason": exc},
                )
            ]
        ) from exc
    return import_document(doc, actor=actor, enforce_quality=enforce_quality)
