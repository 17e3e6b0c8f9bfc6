"""What the platform already knows about an applicant, so they are not asked again.

- `prefill_for()`: values for the application form that the platform holds *verified*:
  the real-name account (name, ID number, verified mobile), the population registry
  (household address, birth date) and, for an enterprise, the legal-person registry
  (name, code, legal representative, registered address). Only fields the schema has are
  filled, and a registry is read only when the schema needs something from it: every
  read is recorded in `registries.RegistryLookup` with the purpose `cases.prefill`.
- `government_held_materials()`: the item version's government-issued materials that
  the registries hold for this applicant (ID card, household register, business
  licence, legal representative's ID), with a masked reference instead of an upload.

Prefilled values stay editable unless the caller passes `Prefill.locked` as `readonly`
to the form; services use `Prefill.enforce()` so that locked identity fields cannot be
changed by a crafted request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhub.catalog.models import ItemVersion, Material
from govhub.core.masking import mask_id_number, mask_name
from govhub.identity.models import Enterprise, User
from govhub.registries import selectors as registries
from govhub.registries.models import LegalEntity, Resident

__all__ = [
    "PREFILL_PURPOSE",
    "SOURCE_ACCOUNT",
    "SOURCE_ENTERPRISE_ACCOUNT",
    "SOURCE_LEGAL_PERSON",
    "SOURCE_POPULATION",
    "Prefill",
    "government_held_materials",
    "prefill_for",
    "source_label",
]

PREFILL_PURPOSE = "cases.prefill"
MATERIALS_PURPOSE = "cases.government_materials"

SOURCE_ACCOUNT = "account"
SOURCE_ENTERPRISE_ACCOUNT = "account.enterprise"
SOURCE_POPULATION = "registries.population"
SOURCE_LEGAL_PERSON = "registries.legal_person"

SOURCE_LABELS: dict[str, Any] = {
    SOURCE_ACCOUNT: gettext_lazy("来自实名账号"),
    SOURCE_ENTERPRISE_ACCOUNT: gettext_lazy("来自企业账号"),
    SOURCE_POPULATION: gettext_lazy("来自人口基础库"),
    SOURCE_LEGAL_PERSON: gettext_lazy("来自法人基础库"),
}

# Form fields → what fills them. Field names follow the catalogue's shared fields
# (catalog/demo_data/library.py: PERSON_FIELDS, ENTERPRISE_FIELDS).
ACCOUNT_NAME_FIELDS = ("applicant_name", "contact_name")
ACCOUNT_ID_FIELDS = ("id_number",)
ACCOUNT_MOBILE_FIELDS = ("phone", "mobile", "contact_phone")
POPULATION_FIELDS = {
    "address": "household_address",
    "household_address": "household_address",
    "birth_date": "birth_date",
    "birth_date_elder": "birth_date",  # the elderly applicant's own birth date
}
LEGAL_PERSON_FIELDS = {
    "enterprise_name": "name",
    "uscc": "uscc",
    "legal_representative": "legal_representative_name",
    "address": "registered_address",
    "registered_address": "registered_address",
}
# Identity fields that the applicant may not change (advisory: see `Prefill.enforce`).
PERSON_LOCKED = frozenset({"applicant_name", "id_number"})
ENTERPRISE_LOCKED = frozenset({"enterprise_name", "uscc"})

# Licence types the registries stand in for (materials with source "government").
PERSON_HELD = frozenset({"居民身份证", "居民户口簿"})
ENTERPRISE_HELD = frozenset({"营业执照", "居民身份证"})
# Materials of that type that still cannot be replaced by a registry reference: the
# other party's documents (“男女双方居民身份证”: the registry answers only for the
# applicant) and an old card that is handed in (“原居民身份证”).
OTHER_PARTY_MARKERS = ("双方", "对方", "受托人", "委托人", "家庭成员", "逝者")
HANDED_IN_PREFIX = "原"


def source_label(code: str) -> str:
    """The note shown beside a prefilled field, e.g. “来自人口基础库”."""
    label = SOURCE_LABELS.get(code)
    return str(label) if label is not None else _("已自动填写")


@dataclass(frozen=True)
class Prefill:
    """Prefilled form values and, for each, the code of its source."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    # Fields that identify the applicant; pass as `readonly` to the form.
    locked: frozenset[str] = frozenset()

    def sources_for(self, data: Mapping[str, Any]) -> dict[str, str]:
        """The sources of the prefilled values that `data` still holds unchanged (what a
        case records in `prefill_sources`, and what the form notes beside fields)."""
        return {
            name: source
            for name, source in self.sources.items()
            if name in data and data[name] == self.values.get(name)
        }

    def enforce(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`data` with the locked fields set back to their verified values."""
        return {**data, **{name: self.values[name] for name in self.locked if name in self.values}}

    def merged(self, data: Mapping[str, Any] | None) -> dict[str, Any]:
        """The prefilled values under what the applicant has already entered (a draft)."""
        return {**self.values, **(data or {})}


def _schema_fields(schema: Mapping[str, Any]) -> set[str]:
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return set(properties) if isinstance(properties, dict) else set()


def _is_person_account(user: Any) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "kind", None) == User.Kind.PERSON
    )


def _verified_resident(user: User, purpose: str) -> Resident | None:
    """The account holder in the population registry: the same name and ID number, alive
    and resident (`resident_verify`, which records the look-up)."""
    match = registries.resident_verify(
        actor=user, name=user.full_name, id_number=user.id_number, purpose=purpose
    )
    return match.resident


def _legal_entity(user: User, enterprise: Enterprise, purpose: str) -> LegalEntity | None:
    return registries.legal_entity_get(actor=user, uscc=enterprise.uscc, purpose=purpose)


def _value(record: Any, attribute: str) -> Any:
    value = getattr(record, attribute)
    return value.isoformat() if hasattr(value, "isoformat") else value


def prefill_for(
    schema: Mapping[str, Any], *, user: Any, enterprise: Enterprise | None = None
) -> Prefill:
    """What can be filled in `schema` for `user` (applying for themselves, or for
    `enterprise`, whose authorisation the caller has checked). Empty for anonymous and
    staff accounts: staff enter someone else's application."""
    wanted = _schema_fields(schema)
    if not wanted or not _is_person_account(user):
        return Prefill()
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def fill(name: str, value: Any, source: str) -> None:
        if name in wanted and name not in values and value not in (None, ""):
            values[name] = value
            sources[name] = source

    locked: set[str] = set()
    if enterprise is not None and wanted & set(LEGAL_PERSON_FIELDS):
        entity = _legal_entity(user, enterprise, PREFILL_PURPOSE)
        if entity is not None:
            for name, attribute in LEGAL_PERSON_FIELDS.items():
                fill(name, _value(entity, attribute), SOURCE_LEGAL_PERSON)
        else:  # the account was checked against the registry when it was registered
            fill("enterprise_name", enterprise.name, SOURCE_ENTERPRISE_ACCOUNT)
            fill("uscc", enterprise.uscc, SOURCE_ENTERPRISE_ACCOUNT)
        locked |= ENTERPRISE_LOCKED & set(values)

    if user.is_real_name_verified:
        for name in ACCOUNT_NAME_FIELDS:
            fill(name, user.full_name, SOURCE_ACCOUNT)
        for name in ACCOUNT_ID_FIELDS:
            fill(name, user.id_number, SOURCE_ACCOUNT)
        if enterprise is None:
            locked |= PERSON_LOCKED & set(values)
        if enterprise is None and (wanted - set(values)) & set(POPULATION_FIELDS):
            resident = _verified_resident(user, PREFILL_PURPOSE)
            if resident is not None:
                for name, attribute in POPULATION_FIELDS.items():
                    fill(name, _value(resident, attribute), SOURCE_POPULATION)
    if user.mobile and user.mobile_verified_at is not None:
        for name in ACCOUNT_MOBILE_FIELDS:
            fill(name, user.mobile, SOURCE_ACCOUNT)
    return Prefill(values=values, sources=sources, locked=frozenset(locked))


def _held_candidates(version: ItemVersion, licence_types: frozenset[str]) -> list[Material]:
    # From `version.materials.all()`, so a submission that loaded them already (its
    # material check) reads them once.
    return [
        m
        for m in sorted(version.materials.all(), key=lambda m: (m.position, m.pk))
        if m.source == Material.Source.GOVERNMENT
        and m.licence_type in licence_types
        and not m.name.startswith(HANDED_IN_PREFIX)
        and not any(marker in m.name for marker in OTHER_PARTY_MARKERS)
    ]


def government_held_materials(
    version: ItemVersion, *, user: Any, enterprise: Enterprise | None = None
) -> dict[int, str]:
    """Material id → a reference to the registry record that stands in for it.

    For a person: the ID card and household register when the account holder is in the
    population registry (same name and number, alive and resident). For an enterprise:
    the business licence (unless the entity is deregistered) and the legal
    representative's ID card when the entity is in the legal-person registry. References
    never show a full ID number. The registry is read only when the version asks for
    such a material.
    """
    if not _is_person_account(user):
        return {}
    held: dict[int, str] = {}
    if enterprise is not None:
        candidates = _held_candidates(version, ENTERPRISE_HELD)
        if not candidates:
            return {}
        entity = _legal_entity(user, enterprise, MATERIALS_PURPOSE)
        if entity is None:
            return {}
        for material in candidates:
            if material.licence_type == "营业执照":
                if entity.status == LegalEntity.Status.DEREGISTERED:
                    continue
                reference = _("法人基础库：%(name)s，统一社会信用代码 %(uscc)s") % {
                    "name": entity.name,
                    "uscc": entity.uscc,
                }
                if not entity.is_active:
                    reference += _("（登记状态：%(status)s）") % {
                        "status": entity.get_status_display()
                    }
            else:
                reference = _("法人基础库：法定代表人%(name)s，居民身份证 %(number)s（已脱敏）") % {
                    "name": mask_name(entity.legal_representative_name),
                    "number": entity.legal_representative_id_number_masked,
                }
            held[material.pk] = reference
        return held

    if not user.is_real_name_verified:
        return {}
    candidates = _held_candidates(version, PERSON_HELD)
    if not candidates:
        return {}
    resident = _verified_resident(user, MATERIALS_PURPOSE)
    if resident is None:
        return {}
    for material in candidates:
        held[material.pk] = _("人口基础库：%(licence)s %(number)s（已脱敏）") % {
            "licence": material.licence_type,
            "number": mask_id_number(resident.id_number),
        }
    return held
