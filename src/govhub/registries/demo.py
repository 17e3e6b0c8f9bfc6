"""Load the synthetic Hegang registries (5,000+ residents, 1,000+ legal entities).

`load()` needs the organisations demo regions (load `govhub.organizations.demo` first).
It is idempotent and fast: rows are matched by their natural key (the ID number's look-up
hash, the USCC), new ones are inserted with `bulk_create`, changed ones are put back with
`bulk_update`, and nothing else is touched. Refused in production mode.

The named demo people and enterprises (`DEMO_RESIDENTS`, `DEMO_ENTITIES`) are re-exported
here for other apps' demo data and tests; docs/registries.md lists them.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from govhub.core.audit import audit_log
from govhub.core.crypto import lookup_hash
from govhub.organizations.models import Region
from govhub.registries.demo_data import (
    DEMO_ENTITIES,
    DEMO_ENTITIES_BY_KEY,
    DEMO_RESIDENTS,
    DEMO_RESIDENTS_BY_KEY,
    DemoEntity,
    DemoResident,
    generate_entities,
    generate_residents,
)
from govhub.registries.models import ID_NUMBER_PURPOSE, LegalEntity, Resident

__all__ = [
    "DEMO_ENTITIES",
    "DEMO_ENTITIES_BY_KEY",
    "DEMO_RESIDENTS",
    "DEMO_RESIDENTS_BY_KEY",
    "all_entities",
    "all_residents",
    "load",
]

BATCH_SIZE = 500
_RESIDENT_FIELDS = ("name", "sex", "birth_date", "region_id", "household_address", "status")
_ENTITY_FIELDS = (
    "name",
    "entity_type",
    "legal_representative_name",
    "legal_representative_id_number",
    "legal_representative_id_number_hash",
    "registered_address",
    "region_id",
    "established_on",
    "status",
)


def all_residents() -> list[DemoResident]:
    """The named demo people followed by the generated ones (what `load` writes)."""
    return [*DEMO_RESIDENTS, *generate_residents()]


def all_entities(residents: list[DemoResident] | None = None) -> list[DemoEntity]:
    """The named demo enterprises followed by the generated ones."""
    generated = generate_residents() if residents is None else residents[len(DEMO_RESIDENTS) :]
    return [*DEMO_ENTITIES, *generate_entities(generated)]


def _regions(codes: set[str]) -> dict[str, Region]:
    regions = {region.code: region for region in Region.objects.filter(code__in=sorted(codes))}
    missing = sorted(codes - regions.keys())
    if missing:
        raise ImproperlyConfigured(
            "The registries demo needs the organisations demo regions "
            f"(missing {', '.join(missing[:5])}): load govhub.organizations.demo first."
        )
    return regions


def _hash(id_number: str) -> str:
    return lookup_hash(id_number, purpose=ID_NUMBER_PURPOSE)


def _sync(model: Any, key: str, wanted: dict[str, Any], fields: tuple[str, ...]) -> int:
    """Insert the missing rows of `wanted` (natural key → unsaved instance) and put the
    changed ones back; returns how many rows were written."""
    existing = {row[0]: row[1:] for row in model.objects.values_list(key, "pk", *fields).iterator()}
    to_create = [obj for natural, obj in wanted.items() if natural not in existing]
    to_update = []
    for natural, obj in wanted.items():
        row = existing.get(natural)
        if row is None:
            continue
        if tuple(getattr(obj, field) for field in fields) != tuple(row[1:]):
            obj.pk = row[0]
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        model.objects.bulk_update(to_update, fields=list(fields), batch_size=BATCH_SIZE)
    return len(to_create) + len(to_update)


@transaction.atomic
def load() -> dict[str, int]:
    """Load or refresh the demo registries; returns how many of each there are."""
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Demo data is never loaded in production mode (GOVHUB_ENV=production)."
        )
    started = time.perf_counter()
    residents = all_residents()
    entities = all_entities(residents)
    regions = _regions(
        {person.region_code for person in residents} | {e.region_code for e in entities}
    )
    wanted_residents: dict[str, Resident] = {}
    for person in residents:
        digest = _hash(person.id_number)
        wanted_residents[digest] = Resident(
            name=person.name,
            id_number=person.id_number,
            id_number_hash=digest,
            sex=person.sex,
            birth_date=person.birth_date,
            region=regions[person.region_code],
            household_address=person.household_address,
            status=person.status,
        )
    wanted_entities = {
        entity.uscc: LegalEntity(
            name=entity.name,
            uscc=entity.uscc,
            entity_type=entity.entity_type,
            legal_representative_name=entity.legal_representative_name,
            legal_representative_id_number=entity.legal_representative_id_number,
            legal_representative_id_number_hash=_hash(entity.legal_representative_id_number),
            registered_address=entity.registered_address,
            region=regions[entity.region_code],
            established_on=entity.established_on,
            status=entity.status,
        )
        for entity in entities
    }
    written = _sync(Resident, "id_number_hash", wanted_residents, _RESIDENT_FIELDS)
    written += _sync(LegalEntity, "uscc", wanted_entities, _ENTITY_FIELDS)
    counts = {"residents": len(wanted_residents), "legal_entities": len(wanted_entities)}
    audit_log(
        actor=None,
        action="registries.demo.load",
        actor_label="demo-loader",
        changes={
            **counts,
            "rows_written": written,
            "seconds": round(time.perf_counter() - started, 2),
        },
    )
    return counts
