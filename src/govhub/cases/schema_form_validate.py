"""Validating the application form (see `schema_form`): JSON Schema validation with
every message in the active language naming the field by its title, plus the check
characters of ID numbers and unified social credit codes, which a pattern cannot check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaValidationError

from govhub.cases.schema_form_schema import (
    NON_FIELD_ERRORS,
    choices_of,
    field_kind,
    limit_text,
    ordered_properties,
    plain_text,
    widget_of,
)
from govhub.core.validators import check_id_number, check_uscc


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _label(schema: Mapping[str, Any], name: str) -> str:
    prop = (schema.get("properties") or {}).get(name)
    title = prop.get("title") if isinstance(prop, dict) else None
    return plain_text(title).strip() or name


_TYPE_MESSAGES: dict[str, Any] = {
    "integer": gettext_lazy("%(label)s应填写整数。"),
    "number": gettext_lazy("%(label)s应填写数字。"),
    "string": gettext_lazy("%(label)s应填写文字。"),
    "boolean": gettext_lazy("请选择%(label)s：“是”或“否”。"),
    "array": gettext_lazy("%(label)s的选项格式不正确。"),
    "object": gettext_lazy("%(label)s的格式不正确。"),
}

_PATTERN_MESSAGES: dict[str, Any] = {
    "id_number": gettext_lazy("%(label)s格式不正确：应为18位公民身份号码。"),
    "uscc": gettext_lazy("%(label)s格式不正确：应为18位统一社会信用代码。"),
    "phone": gettext_lazy("%(label)s格式不正确：应为11位手机号码或带区号的固定电话。"),
    "mobile": gettext_lazy("%(label)s格式不正确：应为11位手机号码。"),
}


def _is_choice_field(prop: Mapping[str, Any]) -> bool:
    return widget_of(prop)[0] in ("radio", "select", "checkboxes")


def _missing_message(schema: Mapping[str, Any], name: str) -> str:
    prop = (schema.get("properties") or {}).get(name) or {}
    label = _label(schema, name)
    if isinstance(prop, dict) and _is_choice_field(prop):
        return _("请选择%(label)s。") % {"label": label}
    return _("请填写%(label)s。") % {"label": label}


def _message(error: SchemaValidationError, schema: Mapping[str, Any], name: str) -> str:
    """The error in the active language, naming the field by its title."""
    label = _label(schema, name)
    keyword = error.validator
    limit = error.validator_value
    prop = (schema.get("properties") or {}).get(name) or {}
    params = {"label": label, "limit": limit_text(limit)}
    if keyword == "type":
        expected = limit[0] if isinstance(limit, list) and limit else limit
        template = _TYPE_MESSAGES.get(plain_text(expected), _TYPE_MESSAGES["object"])
        return str(template) % params
    if keyword == "minLength":
        return ngettext(
            "%(label)s至少应填写%(count)d个字。", "%(label)s至少应填写%(count)d个字。", limit
        ) % {"label": label, "count": limit}
    if keyword == "maxLength":
        current = len(error.instance) if isinstance(error.instance, str) else 0
        return ngettext(
            "%(label)s不能超过%(count)d个字（现有%(current)d个字）。",
            "%(label)s不能超过%(count)d个字（现有%(current)d个字）。",
            limit,
        ) % {"label": label, "count": limit, "current": current}
    if keyword == "pattern":
        kind = field_kind(name)
        if kind in _PATTERN_MESSAGES:
            return str(_PATTERN_MESSAGES[kind]) % params
        return _("%(label)s格式不正确。") % params
    if keyword == "format":
        if limit == "date":
            return _("%(label)s不是有效日期，请按“年-月-日”填写，如2026-03-15。") % params
        return _("%(label)s格式不正确。") % params
    if keyword in ("enum", "const") or (keyword in ("oneOf", "anyOf") and choices_of(prop)):
        if len(error.absolute_path) > 1:
            return _("%(label)s中有无效的选项，请重新选择。") % params
        return _("请从给出的选项中选择%(label)s。") % params
    if keyword == "minimum":
        return _("%(label)s不能小于%(limit)s。") % params
    if keyword == "maximum":
        return _("%(label)s不能大于%(limit)s。") % params
    if keyword == "exclusiveMinimum":
        return _("%(label)s应大于%(limit)s。") % params
    if keyword == "exclusiveMaximum":
        return _("%(label)s应小于%(limit)s。") % params
    if keyword == "multipleOf":
        return _("%(label)s应为%(limit)s的整数倍。") % params
    if keyword == "minItems":
        if limit == 1:
            return _("请选择至少一项%(label)s。") % params
        return ngettext(
            "请选择至少%(count)d项%(label)s。", "请选择至少%(count)d项%(label)s。", limit
        ) % {"label": label, "count": limit}
    if keyword == "maxItems":
        return ngettext(
            "%(label)s最多可选择%(count)d项。", "%(label)s最多可选择%(count)d项。", limit
        ) % {"label": label, "count": limit}
    if keyword == "uniqueItems":
        return _("%(label)s中有重复的选项。") % params
    return _("%(label)s填写不正确，请核对。") % params


def _code_error(kind: str, value: str, label: str) -> str | None:
    """The check-character (and structure) problem of an ID number or USCC, if any."""
    try:
        if kind == "id_number":
            check_id_number(value)
        else:
            check_uscc(value)
    except ValidationError as exc:
        return _("%(label)s：%(problem)s") % {"label": label, "problem": exc.messages[0]}
    return None


def validate_submission(schema: Mapping[str, Any], data: Any) -> dict[str, list[str]]:
    """Field name → messages (in form order); `__all__` for the form as a whole.

    Empty when `data` is valid. Besides the schema, ID numbers (`id_number`,
    `*_id_number`) and unified social credit codes (`uscc`) are checked with
    `govhub.core.validators`, so a wrong check character is reported.
    """
    if not schema:
        return {}
    declared = schema.get("properties")
    properties: dict[str, Any] = declared if isinstance(declared, dict) else {}
    found: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        messages = found.setdefault(name, [])
        if message not in messages:
            messages.append(message)

    for error in _validator(schema).iter_errors(data):
        path = list(error.absolute_path)
        name = path[0] if path and isinstance(path[0], str) else None
        if error.validator == "required" and isinstance(error.instance, dict) and not path:
            for missing in error.validator_value:
                if missing not in error.instance:
                    add(missing, _missing_message(schema, missing))
        elif error.validator == "additionalProperties" and not path:
            unknown = sorted(str(k)[:40] for k in error.instance if k not in properties)
            if unknown:
                names = "、".join(unknown[:5]) + ("……" if len(unknown) > 5 else "")
                add(
                    NON_FIELD_ERRORS,
                    _("申请表中有无法识别的填写项：%(names)s。") % {"names": names},
                )
            else:
                add(NON_FIELD_ERRORS, _("申请表填写不正确，请核对。"))
        elif name is not None and name in properties:
            add(name, _message(error, schema, name))
        elif not path and error.validator == "type":
            add(NON_FIELD_ERRORS, _("申请表的内容格式不正确。"))
        else:
            add(NON_FIELD_ERRORS, _("申请表填写不正确，请核对。"))

    if isinstance(data, dict):
        for name in properties:
            kind = field_kind(name)
            value = data.get(name)
            if kind in ("id_number", "uscc") and isinstance(value, str) and name not in found:
                problem = _code_error(kind, value, _label(schema, name))
                if problem:
                    add(name, problem)

    order = {name: index for index, (name, _prop) in enumerate(ordered_properties(schema))}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))
