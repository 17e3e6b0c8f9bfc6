"""What an audit record may say about a value (used by the admin's audit records).

The audit trail keeps what changed, but never a secret in clear:

- secrets (passwords, TOTP secrets, tokens, client secrets, authorisation codes, look-up
  and code hashes, and every field stored encrypted) are written as `REDACTED` ("***");
  an empty value stays empty, so the record still says "set" or "cleared";
- ID numbers are masked (`230404********1234`), mobile numbers too (`138****5678`);
- anything else is written as a short JSON value (related objects by name, dates as ISO
  text, long text cut at `MAX_TEXT`); a JSON document or bytes in a deleted row's
  snapshot is written as its SHA-256.

A field is a secret by its name (`is_secret_name`), by its model field (encrypted), by
its form widget (a password input), or because it is listed in `SECRET_MODEL_FIELDS`
(third-party models whose secret fields have plain names, such as an OAuth grant's code).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import uuid
from typing import Any

from django import forms
from django.db import models
from django.db.models import QuerySet

from govhub.core.audit_chain import canonical_json
from govhub.core.crypto import EncryptedTextField
from govhub.core.masking import mask_id_number, mask_phone

REDACTED = "***"
MAX_TEXT = 200

# Parts of a field name (split at "_") that make it a secret.
SECRET_PARTS = frozenset(
    {
        "secret",
        "token",
        "otp",
        "totp",
        "hash",
        "jti",
        "credential",
        "credentials",
        "signature",
        "passphrase",
        "pin",
        "nonce",
    }
)
SECRET_NAMES = frozenset(
    {"session_key", "api_key", "private_key", "signing_key", "secret_key", "key_hash"}
)
# Secret fields whose names say nothing (model label → field names).
SECRET_MODEL_FIELDS: dict[str, frozenset[str]] = {
    "oauth2_provider.grant": frozenset({"code", "code_challenge", "nonce", "claims"}),
    "oauth2_provider.idtoken": frozenset({"jti"}),
}


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    if lowered in SECRET_NAMES:
        return True
    parts = lowered.split("_")
    return any(part.startswith("password") or part in SECRET_PARTS for part in parts)


def _is_id_number_name(name: str) -> bool:
    return "id_number" in name.lower()


def _is_mobile_name(name: str) -> bool:
    return "mobile" in name.lower().split("_")


def jsonable(value: Any) -> Any:
    """A value as it may go into `AuditEvent.changes`."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, dict):
        return value
    if isinstance(value, models.Model):
        return str(value)[:MAX_TEXT]
    if isinstance(value, QuerySet | list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if hasattr(value, "name") and hasattr(value, "storage"):  # a stored file
        return str(value.name or "")[:MAX_TEXT]
    return str(value)[:MAX_TEXT]


def _model_field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # not a model field (an extra form field)
        return None


def _named_secret(name: str, model: type[models.Model] | None) -> bool:
    if is_secret_name(name):
        return True
    return model is not None and name in SECRET_MODEL_FIELDS.get(model._meta.label_lower, ())


def is_secret(
    name: str,
    *,
    model: type[models.Model] | None = None,
    form_field: forms.Field | None = None,
) -> bool:
    """Whether the field's value must never appear in an audit record (ID numbers are
    secrets too: `redact` masks them instead of hiding them)."""
    if _named_secret(name, model):
        return True
    if isinstance(_model_field(model, name), EncryptedTextField):
        return True
    return form_field is not None and isinstance(form_field.widget, forms.PasswordInput)


def _hidden(value: Any) -> Any:
    return REDACTED if value not in (None, "", [], {}) else jsonable(value)


def redact(
    name: str,
    value: Any,
    *,
    model: type[models.Model] | None = None,
    form_field: forms.Field | None = None,
) -> Any:
    """`value` of the field `name` as the audit record may show it."""
    if _named_secret(name, model):
        return _hidden(value)
    if _is_id_number_name(name) and isinstance(value, str):
        return mask_id_number(value) if value else value
    if is_secret(name, model=model, form_field=form_field):
        return _hidden(value)
    if _is_mobile_name(name) and isinstance(value, str):
        return mask_phone(value) if value else value
    return jsonable(value)


def form_changes(form: forms.BaseForm) -> dict[str, Any]:
    """The fields a bound, valid form changed, with their new values (redacted). A name
    the form reports as changed without a value of its own (Django's password forms say
    "password") is a secret that changed: `REDACTED`."""
    cleaned = getattr(form, "cleaned_data", None) or {}
    meta = getattr(form, "_meta", None)
    model = getattr(meta, "model", None)
    changes: dict[str, Any] = {}
    for name in form.changed_data:
        field = form.fields.get(name)
        if name not in cleaned and is_secret(name, model=model, form_field=field):
            changes[name] = REDACTED
        else:
            changes[name] = redact(name, cleaned.get(name), model=model, form_field=field)
    return changes


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The stored values of a row (redacted; JSON documents by their SHA-256), for the
    record of its deletion."""
    model = type(obj)
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        value = field.value_from_object(obj)
        if isinstance(value, dict | list) and not is_secret(field.name, model=model):
            values[field.name] = {"sha256": hashlib.sha256(canonical_json(value)).hexdigest()}
        else:
            values[field.name] = redact(field.name, value, model=model)
    return values


def safe_label(obj: models.Model) -> str:
    """`str(obj)` for the record's object name, unless it shows one of the row's secrets
    (an OpenID ID token's name shows its `jti`); then "<verbose name> #<pk>"."""
    label = str(obj)
    model = type(obj)
    for field in model._meta.concrete_fields:
        if field.name in ("id", "pk") or not is_secret(field.name, model=model):
            continue
        value = field.value_from_object(obj)
        text = "" if value is None else str(value)
        if len(text) >= 4 and text in label:
            return f"{model._meta.verbose_name} #{obj.pk}"
    return label
