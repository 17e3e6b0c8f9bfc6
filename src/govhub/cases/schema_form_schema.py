"""Reading an application form's JSON Schema (see `schema_form`): the order of the
properties, their types and choices, the widget each one gets, the kind of value a field
holds (recognised by its name), and a stored value as the text an input shows. Shared by
`schema_form_fields`, `schema_form_parse` and `schema_form_validate`."""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

NON_FIELD_ERRORS = "__all__"
DEFAULT_PREFIX = "f_"
TEXTAREA_MIN_LENGTH = 200  # strings allowed longer than this get a multi-line box
RADIO_MAX_CHOICES = 5  # small enums are radios (large targets); longer ones a select


def plain_text(value: Any) -> str:
    return "" if value is None else str(value)


# --------------------------------------------------------------------------------------
# Reading the schema
# --------------------------------------------------------------------------------------


def primary_type(prop: Mapping[str, Any]) -> str:
    """The property's type; for a list such as ["string", "null"] the first non-null one."""
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return kind if isinstance(kind, str) else "string"


def choices_of(prop: Mapping[str, Any]) -> list[tuple[Any, str]] | None:
    """(value, label) pairs from `enum`, or from `oneOf`/`anyOf` of `const` + `title`."""
    if isinstance(prop.get("enum"), list):
        return [(v, plain_text(v)) for v in prop["enum"]]
    for keyword in ("oneOf", "anyOf"):
        options = prop.get(keyword)
        if (
            isinstance(options, list)
            and options
            and all(isinstance(o, dict) and "const" in o for o in options)
        ):
            return [(o["const"], plain_text(o.get("title", o["const"]))) for o in options]
    return None


def item_schema(prop: Mapping[str, Any]) -> Mapping[str, Any]:
    items = prop.get("items")
    return items if isinstance(items, dict) else {}


def ordered_properties(schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(name, property schema) in form order (see `schema_form`'s docstring)."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return []
    explicit = schema.get("x-order")
    lead = explicit if isinstance(explicit, list) else schema.get("required", [])
    lead = lead if isinstance(lead, list) else []
    names = list(dict.fromkeys(n for n in lead if isinstance(n, str) and n in properties))
    names += [n for n in properties if n not in names]
    return [(n, properties[n] if isinstance(properties[n], dict) else {}) for n in names]


def field_kind(name: str) -> str:
    """What a field holds, recognised by its name: `id_number` (id_number, *_id_number),
    `uscc`, `phone`, `mobile`, `name` (the applicant's or contact's own name),
    `organization`, `address`, or "" for anything else."""
    key = name.lower()
    if key == "id_number" or key.endswith("_id_number"):
        return "id_number"
    if key == "uscc" or key.endswith("_uscc"):
        return "uscc"
    if key == "mobile" or key.endswith("_mobile"):
        return "mobile"
    if key in ("phone", "telephone") or key.endswith("_phone"):
        return "phone"
    if key in ("applicant_name", "contact_name", "full_name"):
        return "name"
    if key == "enterprise_name":
        return "organization"
    if key == "address" or key.endswith("_address"):
        return "address"
    return ""


# Outside a character class: escapes valid in a JavaScript `v`-flag pattern.
_JS_ESCAPES = set("dDwWsSbBnrtfv0123456789^$\\.*+?()[]{}|/")
# Inside a class the `v` flag also allows escaping these punctuators.
_JS_CLASS_ESCAPES = _JS_ESCAPES | set("-&!#%,:;<=>@`~")
_JS_CLASS_SYNTAX = set("()[{}/|")
_JS_DOUBLE_PUNCTUATORS = set("&!#$%*+,.:;<=>?@^`~")
_QUANTIFIER = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_PYTHON_ONLY = re.compile(r"\(\?P|\(\?[aiLmsux-]+[:)]|\(\?>|[*+?}]\+")


def html_pattern(pattern: object) -> str | None:
    """`pattern` when a browser's `pattern` attribute means the same, else None.

    The attribute matches the whole value with a JavaScript `v`-flag regular expression;
    JSON Schema searches with Python's. Only anchored patterns (^…$) written in the
    subset both dialects read alike are passed on: no Python-only syntax, and inside
    character classes nothing the `v` flag reserves (unescaped brackets, a dash that
    is not a range, doubled punctuation).
    """
    if not isinstance(pattern, str) or len(pattern) < 2:
        return None
    if not pattern.startswith("^") or not pattern.endswith("$") or pattern.endswith("\\$"):
        return None
    if _PYTHON_ONLY.search(pattern):
        return None
    try:
        with warnings.catch_warnings():  # FutureWarning on "&&", "--" …: rejected below
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except re.error:
        return None
    in_class = False
    class_start = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
            if nxt not in (_JS_CLASS_ESCAPES if in_class else _JS_ESCAPES):
                return None
            i += 2
            continue
        if not in_class:
            if ch == "[":
                in_class, class_start = True, i + 1
                if pattern.startswith("^", class_start):
                    class_start += 1
                i = class_start
                continue
            if ch == "{":
                quantifier = _QUANTIFIER.match(pattern, i)
                if quantifier is None:
                    return None
                i = quantifier.end()
                continue
            if ch in "]}":
                return None
        elif ch == "]":
            if i == class_start:  # "[]…]": a literal "]" in Python, an empty class in JS
                return None
            in_class = False
        elif ch in _JS_CLASS_SYNTAX:
            return None
        elif ch == "-":
            is_range = i > class_start and pattern[i - 1] != "-" and pattern[i + 1 : i + 2] != "]"
            if not is_range:
                return None
        elif ch in _JS_DOUBLE_PUNCTUATORS and pattern[i + 1 : i + 2] == ch:
            return None
        i += 1
    return None if in_class else pattern


# --------------------------------------------------------------------------------------
# Widgets and displayed values
# --------------------------------------------------------------------------------------


def widget_of(prop: Mapping[str, Any]) -> tuple[str, list[tuple[Any, str]]]:
    kind = primary_type(prop)
    if kind == "array":
        choices = choices_of(item_schema(prop))
        return ("checkboxes", choices) if choices is not None else ("textarea", [])
    if kind == "boolean":
        return "radio", [(True, _("是")), (False, _("否"))]
    choices = choices_of(prop)
    if choices is not None:
        return ("radio" if len(choices) <= RADIO_MAX_CHOICES else "select"), choices
    if kind in ("number", "integer"):
        return kind, []
    if kind == "object":
        return "textarea", []
    if prop.get("format") == "date":
        return "date", []
    max_length = prop.get("maxLength")
    if isinstance(max_length, int) and max_length > TEXTAREA_MIN_LENGTH:
        return "textarea", []
    return "text", []


def number_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return plain_text(value)


def display_value(value: Any) -> str:
    """A stored value as the text an input shows."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return number_text(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n".join(display_value(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def limit_text(value: Any) -> str:
    return number_text(value) if isinstance(value, int | float) else ""
