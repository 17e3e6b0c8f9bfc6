"""The application form's fields for the template (see `schema_form`): one `FormField`
per schema property, with its label, widget, HTML attributes, value, hint, errors and
where a prefilled value came from, rendered by `cases/includes/schema_form.html`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from govhub.cases.schema_form_schema import (
    DEFAULT_PREFIX,
    NON_FIELD_ERRORS,
    display_value,
    field_kind,
    html_pattern,
    limit_text,
    ordered_properties,
    plain_text,
    widget_of,
)

# Hints shown under a field, by kind.
KIND_HINTS: dict[str, Any] = {
    "id_number": gettext_lazy("18位公民身份号码，最后一位可能是字母X。"),
    "uscc": gettext_lazy("18位统一社会信用代码，印在营业执照上。"),
    "phone": gettext_lazy("11位手机号码，或带区号的固定电话，如0468-3000001。"),
    "mobile": gettext_lazy("11位手机号码。"),
}
DATE_HINT = gettext_lazy("按“年-月-日”填写，如2026-03-15。")
CHECKBOXES_HINT = gettext_lazy("可选择多项。")


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


def _browser_accepts(input_type: str, value: str) -> bool:
    """Whether a browser keeps `value` in an input of this type (it empties a date or
    number input whose value it cannot read)."""
    if input_type == "date":
        return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value))
    if input_type == "number":
        return bool(re.fullmatch(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", value))
    return True


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
        low, high = limit_text(prop.get("minimum")), limit_text(prop.get("maximum"))
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
            if limit_text(prop.get(keyword)):
                attrs[keyword[:3]] = limit_text(prop[keyword])
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
        widget, options = widget_of(prop)
        kind = field_kind(name)
        html_name = f"{prefix}{name}"
        field_id = f"id_{html_name}"
        current = data.get(name)
        value = "" if widget == "checkboxes" else display_value(current)
        values = [display_value(v) for v in current] if isinstance(current, list) else []
        if widget == "checkboxes" and current is not None and not isinstance(current, list):
            values = [display_value(current)]
        choices = [
            Choice(
                value=display_value(option),
                label=label,
                id=f"{field_id}_{index}",
                checked=(display_value(option) in values if widget == "checkboxes" else
                         current is not None and display_value(option) == value),
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
                label=plain_text(prop.get("title")).strip() or name,
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
