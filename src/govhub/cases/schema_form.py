"""The application form of a case, built from the item version's JSON Schema.

A catalogue version's `form_schema` (draft 2020-12, an object with `properties`,
`required` and `additionalProperties: false`) is the only description of the form. This
module turns it into something a template can render and a service can trust:

- `form_fields()` / `schema_form()`: one `FormField` per property (label, widget,
  HTML attributes, value, hint, errors, where a prefilled value came from), rendered by
  `cases/includes/schema_form.html`;
- `parse_submission()`: posted strings → typed JSON values; never raises, garbage is
  kept as the raw string so that validation reports it;
- `validate_submission()`: JSON Schema validation with every message in the active
  language naming the field by its title, plus the check characters of ID numbers and
  unified social credit codes, which a pattern cannot check.

Field order: JSON objects lose their key order in PostgreSQL's `jsonb`, so the order is
`x-order` (a list of property names) when the schema has one, else the `required` list
(an array, which keeps its order) followed by the other properties.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaValidationError

from govhub.core.validators import (
    check_id_number,
    check_uscc,
    normalize_id_number,
    normalize_mobile,
    normalize_uscc,
    to_ascii,
)

__all__ = [
    "NON_FIELD_ERRORS",
    "Choice",
    "FormField",
    "SchemaForm",
    "field_kind",
    "form_fields",
    "html_pattern",
    "ordered_properties",
    "parse_submission",
    "schema_form",
    "validate_submission",
]

NON_FIELD_ERRORS = "__all__"
DEFAULT_PREFIX = "f_"
TEXTAREA_MIN_LENGTH = 200  # strings allowed longer than this get a multi-line box
RADIO_MAX_CHOICES = 5  # small enums are radios (large targets); longer ones a select
_RAW = object()  # marker: could not be converted, keep the string

# Characters a browser or a copy-paste may send that no JSON column should store: NUL
# (PostgreSQL rejects it in jsonb), other C0 controls except tab and newline, lone
# surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_LOOSE_DATE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")

# Hints shown under a field, by kind.
KIND_HINTS: dict[str, Any] = {
    "id_number": gettext_lazy("18位公民身份号码，最后一位可能是字母X。"),
    "uscc": gettext_lazy("18位统一社会信用代码，印在营业执照上。"),
    "phone": gettext_lazy("11位手机号码，或带区号的固定电话，如0468-3000001。"),
    "mobile": gettext_lazy("11位手机号码。"),
}
DATE_HINT = gettext_lazy("按“年-月-日”填写，如2026-03-15。")
CHECKBOXES_HINT = gettext_lazy("可选择多项。")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --------------------------------------------------------------------------------------
# Reading the schema
# --------------------------------------------------------------------------------------


def _primary_type(prop: Mapping[str, Any]) -> str:
    """The property's type; for a list such as ["string", "null"] the first non-null one."""
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return kind if isinstance(kind, str) else "string"


def _choices_of(prop: Mapping[str, Any]) -> list[tuple[Any, str]] | None:
    """(value, label) pairs from `enum`, or from `oneOf`/`anyOf` of `const` + `title`."""
    if isinstance(prop.get("enum"), list):
        return [(v, _text(v)) for v in prop["enum"]]
    for keyword in ("oneOf", "anyOf"):
        options = prop.get(keyword)
        if (
            isinstance(options, list)
            and options
            and all(isinstance(o, dict) and "const" in o for o in options)
        ):
            return [(o["const"], _text(o.get("title", o["const"]))) for o in options]
    return None


def _item_schema(prop: Mapping[str, Any]) -> Mapping[str, Any]:
    items = prop.get("items")
    return items if isinstance(items, dict) else {}


def ordered_properties(schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(name, property schema) in form order (see the module docstring)."""
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
# Fields for the template
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    id: str
    checked: bool = False


@dataclass
class FormField:
    """One form field, ready for `cases/includes/form_field.html`."""

    name: str  # the property name, the key in `form_data`
    html_name: str  # the posted name (prefix + name)
    id: str
    label: str
    widget: str  # text, textarea, number, integer, date, select, radio, checkboxes
    required: bool = False
    input_type: str = "text"  # for <input>: text, tel, number, date
    attrs: dict[str, str] = field(default_factory=dict)
    value: str = ""  # the text shown in an input / the selected option
    values: list[str] = field(default_factory=list)  # checked boxes
    choices: list[Choice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    help_text: str = ""
    kind: str = ""
    prefill_source: str = ""
    prefill_label: str = ""
    readonly: bool = False

    @property
    def is_group(self) -> bool:
        """Radios and checkboxes: a fieldset with a legend instead of a label."""
        return self.widget in ("radio", "checkboxes")

    @property
    def help_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def prefill_id(self) -> str:
        return f"{self.id}-source"

    @property
    def describedby(self) -> str:
        ids = []
        if self.help_text:
            ids.append(self.help_id)
        if self.prefill_label:
            ids.append(self.prefill_id)
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def anchor(self) -> str:
        """The element an error-summary link points at: the input, or a group's first
        option (as GOV.UK does), so that following the link lands in the control."""
        if self.is_group and self.choices and not self.readonly:
            return self.choices[0].id
        return self.id

    @property
    def rows(self) -> int:
        """Visible lines of a textarea: more for long texts."""
        return 8 if int(self.attrs.get("maxlength", "0")) >= 1000 else 4

    @property
    def selected_labels(self) -> list[str]:
        chosen = set(self.values) if self.widget == "checkboxes" else {self.value}
        return [c.label for c in self.choices if c.value in chosen]


@dataclass
class SchemaForm:
    """Everything `cases/includes/schema_form.html` renders."""

    fields: list[FormField]
    non_field_errors: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.non_field_errors) or any(f.errors for f in self.fields)

    @property
    def has_required(self) -> bool:
        return any(f.required and not f.readonly for f in self.fields)

    @property
    def error_links(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the error summary, in form order."""
        return [(f.anchor, message) for f in self.fields for message in f.errors]


def _widget(prop: Mapping[str, Any]) -> tuple[str, list[tuple[Any, str]]]:
    kind = _primary_type(prop)
    if kind == "array":
        choices = _choices_of(_item_schema(prop))
        return ("checkboxes", choices) if choices is not None else ("textarea", [])
    if kind == "boolean":
        return "radio", [(True, _("是")), (False, _("否"))]
    choices = _choices_of(prop)
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


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return _text(value)


def _display(value: Any) -> str:
    """A stored value as the text an input shows."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return _number_text(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n".join(_display(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def _browser_accepts(input_type: str, value: str) -> bool:
    """Whether a browser keeps `value` in an input of this type (it empties a date or
    number input whose value it cannot read)."""
    if input_type == "date":
        return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value))
    if input_type == "number":
        return bool(re.fullmatch(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", value))
    return True


def _limit(value: Any) -> str:
    return _number_text(value) if isinstance(value, int | float) else ""


def _hint(kind: str, widget: str, prop: Mapping[str, Any]) -> str:
    parts: list[str] = []
    description = prop.get("description")
    if isinstance(description, str) and description.strip():
        parts.append(description.strip())
    if kind in KIND_HINTS:
        parts.append(str(KIND_HINTS[kind]))
    elif widget == "date":
        parts.append(str(DATE_HINT))
    elif widget in ("number", "integer"):
        low, high = _limit(prop.get("minimum")), _limit(prop.get("maximum"))
        if low and high:
            parts.append(_("填写%(low)s至%(high)s之间的数字。") % {"low": low, "high": high})
        elif low:
            parts.append(_("填写不小于%(low)s的数字。") % {"low": low})
        elif high:
            parts.append(_("填写不大于%(high)s的数字。") % {"high": high})
    elif widget == "checkboxes":
        parts.append(str(CHECKBOXES_HINT))
        minimum = prop.get("minItems")
        if isinstance(minimum, int) and minimum > 1:
            parts.append(
                ngettext("至少选择%(count)d项。", "至少选择%(count)d项。", minimum)
                % {"count": minimum}
            )
    elif widget == "textarea":
        max_length = prop.get("maxLength")
        if isinstance(max_length, int):
            parts.append(
                ngettext("不超过%(count)d个字。", "不超过%(count)d个字。", max_length)
                % {"count": max_length}
            )
    return "".join(parts)


_AUTOCOMPLETE = {
    "name": "name",
    "organization": "organization",
    "address": "street-address",
    "phone": "tel",
    "mobile": "tel",
}


def _attrs(
    name: str, kind: str, widget: str, prop: Mapping[str, Any], *, autocomplete: bool
) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if widget in ("text", "textarea"):
        for keyword, attr in (("maxLength", "maxlength"), ("minLength", "minlength")):
            if isinstance(prop.get(keyword), int) and not isinstance(prop[keyword], bool):
                attrs[attr] = str(prop[keyword])
    if widget == "text":
        pattern = html_pattern(prop.get("pattern"))
        if pattern:
            attrs["pattern"] = pattern
    if widget in ("number", "integer"):
        for keyword in ("minimum", "maximum"):
            if _limit(prop.get(keyword)):
                attrs[keyword[:3]] = _limit(prop[keyword])
        attrs["step"] = "1" if widget == "integer" else "any"
        attrs["inputmode"] = "numeric" if widget == "integer" else "decimal"
    if kind in ("phone", "mobile"):
        attrs["inputmode"] = "tel"
    if kind in ("id_number", "uscc"):
        attrs.update(autocapitalize="characters", spellcheck="false")
    if widget not in ("radio", "checkboxes", "select"):
        # Another person's name or number must never be offered from a shared kiosk's
        # or family computer's history; the applicant's own details may be.
        if not autocomplete or kind in ("id_number", "uscc"):
            attrs["autocomplete"] = "off"
        elif kind in _AUTOCOMPLETE:
            attrs["autocomplete"] = _AUTOCOMPLETE[kind]
    return attrs


def form_fields(
    schema: Mapping[str, Any],
    *,
    data: Mapping[str, Any] | None = None,
    errors: Mapping[str, Sequence[str]] | None = None,
    prefill_sources: Mapping[str, str] | None = None,
    readonly: Iterable[str] = (),
    prefix: str = DEFAULT_PREFIX,
    autocomplete: bool = True,
) -> list[FormField]:
    """One `FormField` per schema property, in form order.

    `data` holds the current values (a draft's `form_data`, a parsed submission with its
    raw strings, or prefilled values merged by the caller); `errors` is what
    `validate_submission` returned; `prefill_sources` maps a field to its source code
    (`govhub.cases.prefill`), shown as a note beside the field; `readonly` fields are
    shown but cannot be changed (the service must still enforce that). Pass
    `autocomplete=False` on shared devices (kiosks).
    """
    from govhub.cases.prefill import source_label

    data = data or {}
    errors = errors or {}
    prefill_sources = prefill_sources or {}
    readonly = set(readonly)
    required = set(schema.get("required") or [])
    fields: list[FormField] = []
    for name, prop in ordered_properties(schema):
        widget, options = _widget(prop)
        kind = field_kind(name)
        html_name = f"{prefix}{name}"
        field_id = f"id_{html_name}"
        current = data.get(name)
        value = "" if widget == "checkboxes" else _display(current)
        values = [_display(v) for v in current] if isinstance(current, list) else []
        if widget == "checkboxes" and current is not None and not isinstance(current, list):
            values = [_display(current)]
        choices = [
            Choice(
                value=_display(option),
                label=label,
                id=f"{field_id}_{index}",
                checked=(_display(option) in values if widget == "checkboxes" else
                         current is not None and _display(option) == value),
            )
            for index, (option, label) in enumerate(options)
        ]  # fmt: skip
        input_type = {"number": "number", "integer": "number", "date": "date"}.get(
            widget, "tel" if kind in ("phone", "mobile") else "text"
        )
        if value and not _browser_accepts(input_type, value):
            input_type = "text"  # a browser would blank what the applicant typed
        source = prefill_sources.get(name, "")
        fields.append(
            FormField(
                name=name,
                html_name=html_name,
                id=field_id,
                label=_text(prop.get("title")).strip() or name,
                widget=widget,
                required=name in required,
                input_type=input_type,
                attrs=_attrs(name, kind, widget, prop, autocomplete=autocomplete),
                value=value,
                values=values,
                choices=choices,
                errors=[str(e) for e in errors.get(name, ())],
                help_text=_hint(kind, widget, prop),
                kind=kind,
                prefill_source=source,
                prefill_label=source_label(source) if source else "",
                readonly=name in readonly,
            )
        )
    return fields


def schema_form(
    schema: Mapping[str, Any],
    *,
    data: Mapping[str, Any] | None = None,
    errors: Mapping[str, Sequence[str]] | None = None,
    prefill_sources: Mapping[str, str] | None = None,
    readonly: Iterable[str] = (),
    prefix: str = DEFAULT_PREFIX,
    autocomplete: bool = True,
) -> SchemaForm:
    """`form_fields` plus the form-level errors: the context of `schema_form.html`."""
    fields = form_fields(
        schema,
        data=data,
        errors=errors,
        prefill_sources=prefill_sources,
        readonly=readonly,
        prefix=prefix,
        autocomplete=autocomplete,
    )
    known = {f.name for f in fields}
    non_field = [str(e) for e in (errors or {}).get(NON_FIELD_ERRORS, ())]
    non_field += [str(e) for k, v in (errors or {}).items() if k not in known | {NON_FIELD_ERRORS}
                  for e in v]  # fmt: skip
    return SchemaForm(fields=fields, non_field_errors=non_field)


# --------------------------------------------------------------------------------------
# Parsing a submission
# --------------------------------------------------------------------------------------


def _clean(value: object) -> str:
    text = _CONTROL.sub("", _text(value)).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _posted(querydict: Any, key: str) -> list[str]:
    if hasattr(querydict, "getlist"):
        return [_text(v) for v in querydict.getlist(key)]
    value = querydict.get(key) if isinstance(querydict, Mapping) else None
    if value is None:
        return []
    return [_text(v) for v in value] if isinstance(value, list | tuple) else [_text(value)]


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
    choices = _choices_of(prop)
    if choices is not None:
        for option, _label in choices:
            if _display(option) == text:
                return option
        return text
    primary = _primary_type(prop)
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
        if _primary_type(prop) == "array":
            item = _item_schema(prop)
            if _choices_of(item) is None and len(posted) == 1:  # a textarea, one per line
                posted = [line.strip() for line in posted[0].split("\n")]
            values = [_convert(v, item, "") for v in posted if v]
            if values or (name in required and _choices_of(item) is not None and posted == []):
                data[name] = values
            continue
        text = posted[-1] if posted else ""
        if text:
            data[name] = _convert(text, prop, kind)
    return data


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _label(schema: Mapping[str, Any], name: str) -> str:
    prop = (schema.get("properties") or {}).get(name)
    title = prop.get("title") if isinstance(prop, dict) else None
    return _text(title).strip() or name


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
    return _widget(prop)[0] in ("radio", "select", "checkboxes")


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
    params = {"label": label, "limit": _limit(limit)}
    if keyword == "type":
        expected = limit[0] if isinstance(limit, list) and limit else limit
        template = _TYPE_MESSAGES.get(_text(expected), _TYPE_MESSAGES["object"])
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
    if keyword in ("enum", "const") or (keyword in ("oneOf", "anyOf") and _choices_of(prop)):
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
