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

The module is the public face of four: `schema_form_schema` (reading the schema),
`schema_form_fields` (the fields for the template), `schema_form_parse` (a submission)
and `schema_form_validate` (validation).
"""

from __future__ import annotations

from govhub.cases.schema_form_fields import Choice, FormField, SchemaForm, form_fields, schema_form
from govhub.cases.schema_form_parse import parse_submission
from govhub.cases.schema_form_schema import (
    NON_FIELD_ERRORS,
    field_kind,
    html_pattern,
    ordered_properties,
)
from govhub.cases.schema_form_validate import validate_submission

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
