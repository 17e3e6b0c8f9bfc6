"""The catalogue as an XLSX workbook for officials (see `importexport` for the format).

Sheets 主题, 人生事件, 基本目录, 实施清单, 申请材料; row 1 holds the Chinese column headers
(the format's column names, never translated), data starts in row 2. Lists and objects are
JSON text; flags are 是/否; empty cells are empty text or “not set”.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from govhub.catalog import importexport as ie
from govhub.catalog.models import BaseItem, ItemVersion, LifeEvent, Material, Theme
from govhub.catalog.services import version_content_fields

Column = tuple[str, str, str]  # key, header, kind: str|int|int?|bool|json|date?


def _kind(field: models.Field[Any, Any]) -> str:
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.JSONField):
        return "json"
    if isinstance(field, models.IntegerField):
        return "int?" if field.null else "int"
    if isinstance(field, models.DateField):
        return "date?"
    return "str"


def _model_columns(model: type[models.Model], names: tuple[str, ...] | list[str]) -> list[Column]:
    fields = [model._meta.get_field(name) for name in names]
    with translation.override("zh-hans"):
        return [
            (f.name, str(f.verbose_name), _kind(f)) for f in fields if isinstance(f, models.Field)
        ]


def columns() -> dict[str, list[Column]]:
    item_part: list[Column] = [
        ("implementation_code", "实施编码", "str"),
        ("base_code", "基本编码", "str"),
        ("department", "实施主体代码", "str"),
        ("department_uscc", "实施主体统一社会信用代码", "str"),
        ("region", "实施区划代码", "str"),
        ("sequence", "序号", "int"),
        ("state", "状态", "str"),
        ("change_effective_date", "调整生效日期", "date?"),
        ("change_reason", "调整原因", "str"),
        ("handed_down_to", "下放至区划代码", "str"),
        ("variants", "业务办理项", "json"),
        ("number", "版本号", "int?"),
        ("change_note", "修订说明", "str"),
        ("published_at", "发布时间", "str"),
    ]
    version_part = _model_columns(ItemVersion, version_content_fields())
    m2m_part: list[Column] = [
        ("themes", "主题代码", "json"),
        ("life_events", "人生事件代码", "json"),
        ("joint_departments", "联办部门代码", "json"),
    ]
    return {
        ie.SHEET_THEMES: _model_columns(Theme, ie.THEME_FIELDS),
        ie.SHEET_EVENTS: _model_columns(LifeEvent, ie.EVENT_FIELDS),
        ie.SHEET_BASE: _model_columns(BaseItem, ie.BASE_FIELDS),
        ie.SHEET_ITEMS: item_part + version_part + m2m_part,
        ie.SHEET_MATERIALS: [
            ("implementation_code", "实施编码", "str"),
            *_model_columns(Material, ie.MATERIAL_FIELDS),
        ],
    }


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def export_xlsx() -> bytes:
    doc = ie.export_document()
    book = Workbook()
    book.remove(book.active)
    cols = columns()
    item_rows: list[dict[str, Any]] = []
    material_rows: list[dict[str, Any]] = []
    for entry in doc["implementation_items"]:
        row = {k: v for k, v in entry.items() if k != "version"}
        version = entry["version"] or {}
        row.update({k: v for k, v in version.items() if k != "materials"})
        item_rows.append(row)
        for material in version.get("materials", []):
            material_rows.append({"implementation_code": entry["implementation_code"], **material})
    data = {
        ie.SHEET_THEMES: doc["themes"],
        ie.SHEET_EVENTS: doc["life_events"],
        ie.SHEET_BASE: doc["base_items"],
        ie.SHEET_ITEMS: item_rows,
        ie.SHEET_MATERIALS: material_rows,
    }
    for sheet, sheet_columns in cols.items():
        ws = book.create_sheet(sheet)
        ws.append([header for _key, header, _kind_ in sheet_columns])
        for record in data[sheet]:
            ws.append([None for _c in sheet_columns])
            for index, column in enumerate(sheet_columns, start=1):
                value = _cell(record.get(column[0]))
                cell = ws.cell(row=ws.max_row, column=index, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _parse(value: Any, kind: str) -> Any:
    """The cell's value for the JSON document; raises ValueError with a Chinese reason."""
    empty = value is None or (isinstance(value, str) and value.strip() == "")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip()
        if text in ("是", "true", "TRUE", "1"):
            return True
        if text in ("否", "false", "FALSE", "0", ""):
            return False
        raise ValueError(_("应为“是”或“否”。"))
    if kind in ("int", "int?"):
        if empty:  # the model's validation says when a value is required
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(_("应为整数。")) from None
    if kind == "json":
        if empty:
            return None
        try:
            return json.loads(str(value))
        except ValueError:
            raise ValueError(_("不是有效的 JSON。")) from None
    if kind == "date?":
        if empty:
            return None
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value).strip()
    if empty:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def _read_sheet(
    book: Any, sheet: str, sheet_columns: list[Column], errors: list[ie.RowError]
) -> list[tuple[dict[str, Any], ie.Loc]]:
    if sheet not in book.sheetnames:
        errors.append(ie.RowError(sheet, 1, "", _("缺少工作表“%(sheet)s”。") % {"sheet": sheet}))
        return []
    rows = book[sheet].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    by_header = {header_: (key, kind) for key, header_, kind in sheet_columns}
    labels = {key: header_ for key, header_, _kind_ in sheet_columns}
    for index, name in enumerate(header, start=1):
        if name and name not in by_header:
            errors.append(
                ie.RowError(sheet, 1, name, _("未知的列（第%(col)d列）。") % {"col": index})
            )
    missing = [h for _k, h, _kind_ in sheet_columns if h not in header]
    if missing:
        errors.append(
            ie.RowError(sheet, 1, "", _("缺少列：%(columns)s。") % {"columns": "、".join(missing)})
        )
        return []
    records = []
    for row_number, values in enumerate(rows, start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        loc = ie.Loc(sheet, row_number, labels)
        record: dict[str, Any] = {}
        for name, value in zip(header, values, strict=False):
            if name not in by_header:
                continue
            key, kind = by_header[name]
            try:
                record[key] = _parse(value, kind)
            except ValueError as exc:
                errors.append(loc.error(key, str(exc)))
        records.append((record, loc))
    return records


VERSION_KEYS = {"number", "change_note", "published_at", "themes", "life_events"}


def import_xlsx(data: bytes, *, actor: Any = None, enforce_quality: bool = True) -> ie.ImportResult:
    """Import a workbook made by `export_xlsx` (or filled in by officials in its layout)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ie.ImportRejected(
            [ie.RowError("XLSX", 1, "", _("无法读取 XLSX 文件：%(reason)s") % {"reason": exc})]
        ) from exc
    errors: list[ie.RowError] = []
    cols = columns()
    sheets = {sheet: _read_sheet(book, sheet, c, errors) for sheet, c in cols.items()}
    version_keys = set(version_content_fields()) | VERSION_KEYS | {"joint_departments"}
    items = []
    for record, loc in sheets[ie.SHEET_ITEMS]:
        entry = {k: v for k, v in record.items() if k not in version_keys}
        entry["variants"] = entry.get("variants") or []
        if record.get("number") is None:
            entry["version"] = None
        else:
            version = {k: v for k, v in record.items() if k in version_keys}
            for key in ("themes", "life_events", "joint_departments"):
                version[key] = version.get(key) or []
            for key, value in list(version.items()):
                if value is None and key in ie.JSON_DEFAULTS:
                    version[key] = ie.JSON_DEFAULTS[key]()
            entry["version"] = version
        items.append((entry, loc))
    materials: dict[str, list[tuple[dict[str, Any], ie.Loc]]] = {}
    for record, loc in sheets[ie.SHEET_MATERIALS]:
        code = str(record.pop("implementation_code", ""))
        materials.setdefault(code, []).append((record, loc))
    for sheet in (ie.SHEET_BASE,):
        for record, _loc in sheets[sheet]:
            for key in ("legal_basis", "levels"):
                if record.get(key) is None:
                    record[key] = []
    sections = {
        "themes": sheets[ie.SHEET_THEMES],
        "life_events": sheets[ie.SHEET_EVENTS],
        "base_items": sheets[ie.SHEET_BASE],
        "implementation_items": items,
    }
    from govhub.catalog.importexport_rows import run_import

    return run_import(
        sections, materials, actor=actor, enforce_quality=enforce_quality, errors=errors
    )
