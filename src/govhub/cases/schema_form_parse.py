"""Parsing a submission of the application form (see `schema_form`): posted strings →
typed JSON values; never raises, garbage is kept as the raw string so that validation
reports it."""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from govhub.cases.schema_form_schema import (
    DEFAULT_PREFIX,
    choices_of,
    display_value,
    field_kind,
    item_schema,
    ordered_properties,
    plain_text,
    primary_type,
)
from govhub.core.validators import normalize_id_number, normalize_mobile, normalize_uscc, to_ascii

_RAW = object()  # marker: could not be converted, keep the string

# Characters a browser or a copy-paste may send that no JSON column should store: NUL
# (PostgreSQL rejects it in jsonb), other C0 controls except tab and newline, lone
# surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_LOOSE_DATE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")


def _clean(value: object) -> str:
    text = _CONTROL.sub("", plain_text(value)).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _posted(querydict: Any, key: str) -> list[str]:
    if hasattr(querydict, "getlist"):
        return [plain_text(v) for v in querydict.getlist(key)]
    value = querydict.get(key) if isinstance(querydict, Mapping) else None
    if value is None:
        return []
    return (
        [plain_text(v) for v in value] if isinstance(value, list | tuple) else [plain_text(value)]
    )


def _to_number(text: str, kind: str) -> Any:
    plain = re.sub(r"\s+", "", to_ascii(text))
    if "," in plain:  # thousands separators only where they group by three
        if not _GROUPED.fullmatch(plain):
            return _RAW
        plain = plain.replace(",", "")
    try:
        if _INTEGER.fullmatch(plain):
            return int(plain)
        if kind == "number" and _DECIMAL.fullmatch(plain):
            number = float(plain)
            return number if math.isfinite(number) else _RAW
        if kind == "integer" and _DECIMAL.fullmatch(plain):
            number = float(plain)
            return int(number) if math.isfinite(number) and number.is_integer() else _RAW
    except (ValueError, OverflowError):  # more digits than int() accepts
        return _RAW
    return _RAW


def _to_date(text: str) -> str:
    match = _LOOSE_DATE.fullmatch(to_ascii(text))
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            pass
    return text


def _normalise_string(text: str, kind: str, prop: Mapping[str, Any]) -> str:
    if kind == "id_number":
        return normalize_id_number(text)
    if kind == "uscc":
        return normalize_uscc(text)
    if kind in ("phone", "mobile"):
        try:
            return normalize_mobile(text)
        except ValidationError:
            return re.sub(r"\s+", "", to_ascii(text))
    if prop.get("format") == "date":
        return _to_date(text)
    if "pattern" in prop:
        return to_ascii(text)
    return text


def _convert(text: str, prop: Mapping[str, Any], kind: str) -> Any:
    """One posted string as the JSON value the property wants (the text if impossible)."""
    choices = choices_of(prop)
    if choices is not None:
        for option, _label in choices:
            if display_value(option) == text:
                return option
        return text
    primary = primary_type(prop)
    if primary in ("number", "integer"):
        number = _to_number(text, primary)
        return text if number is _RAW else number
    if primary == "boolean":
        lowered = text.lower()
        if lowered in ("true", "1", "on", "yes", "是"):
            return True
        if lowered in ("false", "0", "off", "no", "否"):
            return False
        return text
    if primary in ("object", "array"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return _normalise_string(text, kind, prop)


def parse_submission(
    schema: Mapping[str, Any], querydict: Any, *, prefix: str = DEFAULT_PREFIX
) -> dict[str, Any]:
    """The form data in `querydict` (a QueryDict or a plain mapping) as typed JSON values.

    Only the schema's properties are read. Strings are stripped (and normalised for ID
    numbers, codes, telephone numbers and dates); numbers become int/float, checkbox
    groups lists; empty optional fields are left out, an empty required checkbox group
    is `[]` (so that `minItems` explains what is missing). A value that cannot be
    converted stays the posted string, for `validate_submission` to report. Never raises.
    """
    data: dict[str, Any] = {}
    required = set(schema.get("required") or [])
    for name, prop in ordered_properties(schema):
        posted = [_clean(v) for v in _posted(querydict, f"{prefix}{name}")]
        kind = field_kind(name)
        if primary_type(prop) == "array":
            item = item_schema(prop)
            if choices_of(item) is None and len(posted) == 1:  # a textarea, one per line
                posted = [line.strip() for line in posted[0].split("\n")]
            values = [_convert(v, item, "") for v in posted if v]
            if values or (name in required and choices_of(item) is not None and posted == []):
                data[name] = values
            continue
        text = posted[-1] if posted else ""
        if text:
            data[name] = _convert(text, prop, kind)
    return data
