"""Plumbing shared by the catalogue's services and import: the domain events, the quality
refusal, audited denials, validation and diffing of changes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from govhub.catalog.models import BaseItem, ItemVersion, Material
from govhub.catalog.quality import Finding
from govhub.catalog.validation import json_errors
from govhub.core import events
from govhub.core.audit import audit_denials as core_audit_denials
from govhub.core.errors import InvalidInput

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, kw_only=True)
class ItemPublished(events.DomainEvent):
    """A version of an implementation item was published (the search index listens)."""

    item_id: int
    version_id: int


@dataclass(frozen=True, kw_only=True)
class ItemStateChanged(events.DomainEvent):
    """An implementation item was cancelled or handed down (guides and index update)."""

    item_id: int
    state: str


class QualityRefused(InvalidInput):
    """Publishing (or submitting) refused because of error-level quality findings."""

    code = "quality_errors"

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        fields: dict[str, list[str]] = {}
        for finding in findings:
            fields.setdefault(finding.field, []).append(finding.message)
        reasons = "；".join(f.message for f in findings)
        super().__init__(_("信息质量检查未通过：%(reasons)s") % {"reasons": reasons}, fields=fields)


# Fields copied into a new draft, and the ones a draft edit may change.
_LIFECYCLE_FIELDS = {
    "id",
    "item",
    "number",
    "status",
    "change_note",
    "created_at",
    "updated_at",
    "created_by",
    "submitted_at",
    "published_at",
    "published_by",
}
VERSION_M2M_FIELDS = ("themes", "life_events", "joint_departments")
MATERIAL_FIELDS = tuple(
    f.name for f in Material._meta.concrete_fields if f.name not in {"id", "version", "position"}
)


def version_content_fields() -> list[str]:
    return [f.name for f in ItemVersion._meta.concrete_fields if f.name not in _LIFECYCLE_FIELDS]


def jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def validated(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> None:
    """Model validation plus the JSON shapes; messages become `InvalidInput` fields."""
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        errors = {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
    if isinstance(instance, (BaseItem, ItemVersion)):
        names = ("legal_basis", "levels") if isinstance(instance, BaseItem) else None
        values = {
            name: getattr(instance, name)
            for name in (names or version_content_fields())
            if isinstance(getattr(instance, name, None), (list, dict))
        }
        for name, messages in json_errors(values).items():
            errors[name] = messages
    if errors:
        raise InvalidInput(fields=errors)


_TARGET_KEYWORDS = ("version", "material", "item", "base_item")


def audit_denials(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record a refused call as a "denied" audit event (see `core.audit.audit_denials`)."""
    return core_audit_denials(action, target_keywords=_TARGET_KEYWORDS)


def apply_changes(
    instance: models.Model, changes: dict[str, Any], allowed: set[str]
) -> dict[str, Any]:
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(fields={name: [_("该字段不能在此修改。")] for name in sorted(unknown)})
    diff: dict[str, Any] = {}
    for name, value in changes.items():
        old = getattr(instance, name)
        if jsonable(old) != jsonable(value):
            diff[name] = {"from": jsonable(old), "to": jsonable(value)}
        setattr(instance, name, value)
    return diff


# --- Base items ------------------------------------------------------------------------


def deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


def file_or_value(value: Any) -> Any:
    return value.name if hasattr(value, "storage") else value
