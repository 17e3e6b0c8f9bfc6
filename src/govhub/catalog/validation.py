"""Validation of the catalogue's JSON fields (shapes in ../notes/catalog.md) and of the
application form schema.

Every check returns plain messages in Chinese naming the field and the row
(“办理流程第2步缺少名称。”); `validate_json_field` raises a Django `ValidationError` with
them. Used by the services, the admin forms and the import.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from govhub.core.text import join_list

LEVELS = ("national", "provincial", "city", "county", "township")
HANDLING_FORMS = ("window", "online", "post")
ONLINE_DEPTHS = (1, 2, 3, 4, 5, 6, 7)
LIMIT_UNITS = ("working_days", "calendar_days", "immediate")  # catalog.models.TimeUnit


def _unit_labels() -> dict[str, str]:
    return {"working_days": _("工作日"), "calendar_days": _("自然日"), "immediate": _("即办")}


PROCEDURE_KINDS = ("hearing", "expert_review", "inspection", "testing", "other")

FIELD_LABELS: dict[str, Any] = {
    "legal_basis": gettext_lazy("设定依据"),
    "levels": gettext_lazy("行使层级"),
    "aliases": gettext_lazy("别名"),
    "conditions": gettext_lazy("受理条件"),
    "steps": gettext_lazy("办理流程"),
    "special_procedures": gettext_lazy("特别程序"),
    "fee_lines": gettext_lazy("收费项目"),
    "handling_forms": gettext_lazy("办理形式"),
    "online_depth": gettext_lazy("网上办理深度"),
    "intermediary_services": gettext_lazy("中介服务"),
    "faqs": gettext_lazy("常见问题"),
    "form_schema": gettext_lazy("申请表单结构"),
}

KEY_LABELS: dict[str, Any] = {
    "law": gettext_lazy("法律法规名称"),
    "article": gettext_lazy("条款"),
    "text": gettext_lazy("条文内容"),
    "name": gettext_lazy("名称"),
    "role": gettext_lazy("办理环节"),
    "handler": gettext_lazy("办理人员或单位"),
    "limit_value": gettext_lazy("时限"),
    "limit_unit": gettext_lazy("时限单位"),
    "description": gettext_lazy("说明"),
    "kind": gettext_lazy("种类"),
    "note": gettext_lazy("说明"),
    "standard": gettext_lazy("收费标准"),
    "amount": gettext_lazy("金额"),
    "basis": gettext_lazy("依据"),
    "reductions": gettext_lazy("减免政策"),
    "providers": gettext_lazy("服务机构"),
    "fee": gettext_lazy("收费"),
    "question": gettext_lazy("问题"),
    "answer": gettext_lazy("解答"),
}


def _label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def _row(field_name: str, row: int) -> str:
    """“办理流程第2步” / “收费项目第1项”."""
    if field_name == "steps":
        return _("%(field)s第%(row)d步") % {"field": _label(field_name), "row": row}
    return _("%(field)s第%(row)d项") % {"field": _label(field_name), "row": row}


@dataclass(frozen=True)
class _RowSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    limits: bool = False
    str_lists: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()

    @property
    def keys(self) -> set[str]:
        return set(self.required) | set(self.optional)


ROW_SPECS: dict[str, _RowSpec] = {
    "legal_basis": _RowSpec(required=("law",), optional=("article", "text")),
    "steps": _RowSpec(
        required=("name",),
        optional=("role", "handler", "limit_value", "limit_unit", "description"),
        limits=True,
    ),
    "special_procedures": _RowSpec(
        required=("name", "kind"),
        optional=("limit_value", "limit_unit", "note"),
        enums={"kind": PROCEDURE_KINDS},
        limits=True,
    ),
    "fee_lines": _RowSpec(
        required=("name", "standard"),
        optional=("amount", "basis", "reductions"),
        amounts=("amount",),
    ),
    "intermediary_services": _RowSpec(
        required=("name",), optional=("providers", "basis", "fee"), str_lists=("providers",)
    ),
    "faqs": _RowSpec(required=("question", "answer")),
}


def _row_errors(field_name: str, spec: _RowSpec, row: int, value: Any) -> list[str]:
    where = _row(field_name, row)
    if not isinstance(value, dict):
        return [_("%(where)s应为一个对象（键值对）。") % {"where": where}]
    errors: list[str] = []
    for key in sorted(set(value) - spec.keys):
        errors.append(_("%(where)s含有未知字段“%(key)s”。") % {"where": where, "key": key})
    for key in spec.required:
        item = value.get(key)
        if not isinstance(item, str) or not item.strip():
            errors.append(
                _("%(where)s缺少%(key)s。") % {"where": where, "key": KEY_LABELS.get(key, key)}
            )
    special = {"limit_value", "limit_unit", *spec.str_lists}
    for key in spec.optional:
        if key in value and key not in special and not isinstance(value[key], str):
            errors.append(
                _("%(where)s的%(key)s应为文字。")
                % {"where": where, "key": KEY_LABELS.get(key, key)}
            )
    for key, allowed in spec.enums.items():
        item = value.get(key)
        if isinstance(item, str) and item.strip() and item not in allowed:
            errors.append(
                _("%(where)s的%(key)s“%(value)s”无效，可选：%(allowed)s。")
                % {
                    "where": where,
                    "key": KEY_LABELS.get(key, key),
                    "value": item,
                    "allowed": "、".join(allowed),
                }
            )
    for key in spec.str_lists:
        item = value.get(key, [])
        if not isinstance(item, list) or not all(isinstance(x, str) and x.strip() for x in item):
            errors.append(
                _("%(where)s的%(key)s应为文字列表。")
                % {"where": where, "key": KEY_LABELS.get(key, key)}
            )
    for key in spec.amounts:
        item = value.get(key, "")
        if isinstance(item, str) and item.strip():
            try:
                amount = decimal.Decimal(item)
            except decimal.InvalidOperation:
                amount = decimal.Decimal(-1)
            if not amount.is_finite() or amount < 0:
                errors.append(
                    _("%(where)s的金额“%(value)s”应为不小于0的数字（单位：元）。")
                    % {"where": where, "value": item}
                )
    if spec.limits:
        errors.extend(_limit_errors(where, value))
    return errors


def _limit_errors(where: str, value: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    limit = value.get("limit_value")
    unit = value.get("limit_unit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        errors.append(_("%(where)s的时限应为不小于0的整数或留空。") % {"where": where})
    if unit is not None and unit not in LIMIT_UNITS:
        errors.append(
            _("%(where)s的时限单位“%(value)s”无效，可选：%(choices)s。")
            % {
                "where": where,
                "value": unit,
                "choices": join_list(
                    _("%(code)s（%(label)s）") % {"code": code, "label": label}
                    for code, label in _unit_labels().items()
                ),
            }
        )
    elif isinstance(limit, int) and limit > 0 and unit is None:
        errors.append(_("%(where)s填写了时限但缺少时限单位。") % {"where": where})
    return errors


def _rows_errors(field_name: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        return [_("%(field)s应为列表。") % {"field": _label(field_name)}]
    spec = ROW_SPECS[field_name]
    errors: list[str] = []
    for index, row in enumerate(value, start=1):
        errors.extend(_row_errors(field_name, spec, index, row))
    return errors


def _strings_errors(field_name: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        return [_("%(field)s应为列表。") % {"field": _label(field_name)}]
    errors = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item.strip():
            errors.append(_("%(where)s为空或不是文字。") % {"where": _row(field_name, index)})
    return errors


def _choices_errors(field_name: str, value: Any, allowed: tuple[Any, ...]) -> list[str]:
    if not isinstance(value, list):
        return [_("%(field)s应为列表。") % {"field": _label(field_name)}]
    errors = []
    seen: list[Any] = []
    for index, item in enumerate(value, start=1):
        if isinstance(item, bool) or item not in allowed:
            errors.append(
                _("%(where)s的值“%(value)s”无效，可选：%(allowed)s。")
                % {
                    "where": _row(field_name, index),
                    "value": item,
                    "allowed": "、".join(str(a) for a in allowed),
                }
            )
        elif item in seen:
            errors.append(
                _("%(field)s中“%(value)s”重复。") % {"field": _label(field_name), "value": item}
            )
        seen.append(item)
    return errors


def form_schema_errors(schema: Any) -> list[str]:
    """Messages for a bad application form schema; `{}` means “no form yet” and is valid."""
    label = _label("form_schema")
    if not isinstance(schema, dict):
        return [_("%(field)s应为一个 JSON 对象。") % {"field": label}]
    if not schema:
        return []
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(part) for part in exc.path) or "/"
        return [
            _("%(field)s不是有效的 JSON Schema（位置 %(path)s）：%(reason)s")
            % {"field": label, "path": path, "reason": exc.message}
        ]
    errors: list[str] = []
    if schema.get("type") != "object":
        errors.append(_("%(field)s的顶层类型应为 object。") % {"field": label})
    properties = schema.get("properties", {})
    if not isinstance(properties, dict) or not properties:
        errors.append(_("%(field)s至少应定义一个填写项（properties）。") % {"field": label})
        properties = {}
    for key, prop in properties.items():
        if not isinstance(prop, dict) or not str(prop.get("title", "")).strip():
            errors.append(
                _("%(field)s的填写项“%(key)s”缺少中文标题（title）。")
                % {"field": label, "key": key}
            )
    for key in schema.get("required", []):
        if key not in properties:
            errors.append(
                _("%(field)s的必填项“%(key)s”未在 properties 中定义。")
                % {"field": label, "key": key}
            )
    return errors


def validate_form_schema(schema: Any) -> None:
    errors = form_schema_errors(schema)
    if errors:
        raise ValidationError(errors, code="invalid_form_schema")


CHECKERS: dict[str, Callable[[Any], list[str]]] = {
    "legal_basis": lambda v: _rows_errors("legal_basis", v),
    "levels": lambda v: _choices_errors("levels", v, LEVELS),
    "aliases": lambda v: _strings_errors("aliases", v),
    "conditions": lambda v: _strings_errors("conditions", v),
    "steps": lambda v: _rows_errors("steps", v),
    "special_procedures": lambda v: _rows_errors("special_procedures", v),
    "fee_lines": lambda v: _rows_errors("fee_lines", v),
    "handling_forms": lambda v: _choices_errors("handling_forms", v, HANDLING_FORMS),
    "online_depth": lambda v: _choices_errors("online_depth", v, ONLINE_DEPTHS),
    "intermediary_services": lambda v: _rows_errors("intermediary_services", v),
    "faqs": lambda v: _rows_errors("faqs", v),
    "form_schema": form_schema_errors,
}

BASE_ITEM_JSON_FIELDS = ("legal_basis", "levels")
VERSION_JSON_FIELDS = (
    "aliases",
    "conditions",
    "steps",
    "special_procedures",
    "fee_lines",
    "handling_forms",
    "online_depth",
    "intermediary_services",
    "faqs",
    "form_schema",
)


def json_field_errors(field_name: str, value: Any) -> list[str]:
    """Messages for one JSON field's value (empty when valid)."""
    return CHECKERS[field_name](value)


def validate_json_field(field_name: str, value: Any) -> None:
    errors = json_field_errors(field_name, value)
    if errors:
        raise ValidationError(errors, code="invalid")


def json_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """Messages per field for every known JSON field present in `values`."""
    found: dict[str, list[str]] = {}
    for name, value in values.items():
        if name in CHECKERS and (errors := CHECKERS[name](value)):
            found[name] = errors
    return found


def instance_json_errors(instance: Any) -> dict[str, list[str]]:
    """Messages per field for a BaseItem or ItemVersion instance."""
    names = BASE_ITEM_JSON_FIELDS if hasattr(instance, "base_code") else VERSION_JSON_FIELDS
    return json_errors({name: getattr(instance, name) for name in names})
