"""Reading the base registries. Every function records a `RegistryLookup`: who looked up
whom, for which department, why (`purpose`, required) and what it found, and appends its
audit record (`registries.lookup.<operation>`) in the same transaction, found or not; a
service that reads them inside its own transaction keeps those records when it fails
(`lookups_survive_rollback`).
There is no other sanctioned way to read `Resident` or `LegalEntity` (a later issue puts
these behind the data-exchange gateway, which passes the requesting `department`).

Inputs are normalised here (`normalize_id_number`, `normalize_uscc`, names stripped), so
callers pass what the person typed. A malformed number simply is not found.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from govhub.core.audit import audit_log, source_address
from govhub.core.crypto import lookup_hash
from govhub.core.masking import mask_id_number, mask_name
from govhub.core.models import AuditEvent
from govhub.core.requestid import current_on_behalf_of, current_request_id
from govhub.core.validators import normalize_id_number, normalize_uscc
from govhub.organizations.models import Department, StaffMember
from govhub.organizations.policies import staff_roles
from govhub.registries.models import (
    ID_NUMBER_PURPOSE,
    USCC_PURPOSE,
    LegalEntity,
    RegistryLookup,
    Resident,
)

__all__ = [
    "LegalEntityMatch",
    "ResidentMatch",
    "id_number_hash",
    "legal_entity_get",
    "legal_entity_verify_representative",
    "lookups_about",
    "lookups_survive_rollback",
    "normalize_name",
    "record_lookup",
    "resident_get",
    "resident_verify",
]

ResidentOutcome = Literal["match", "name_mismatch", "not_found", "inactive"]
RepresentativeOutcome = Literal["match", "not_found", "not_representative", "inactive"]

logger = logging.getLogger(__name__)

# The look-ups recorded inside the service `lookups_survive_rollback` is running, each as
# the keyword arguments of its `record_lookup`; None outside such a service.
_in_service: ContextVar[list[dict[str, Any]] | None] = ContextVar(
    "registries_lookups_in_service", default=None
)

# Interpuncts typed for the separator in names such as 阿依古丽·买买提.
_NAME_DOTS = re.compile(r"[\u00b7\u2022\u2027\u30fb\uff0e\u0387.]")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ResidentMatch:
    """The answer of `resident_verify`: `outcome`, and the resident only on a match."""

    outcome: ResidentOutcome
    resident: Resident | None
    lookup: RegistryLookup

    @property
    def matched(self) -> bool:
        return self.outcome == "match"


@dataclass(frozen=True)
class LegalEntityMatch:
    """The answer of `legal_entity_verify_representative`; `entity` only on a match."""

    outcome: RepresentativeOutcome
    entity: LegalEntity | None
    lookup: RegistryLookup

    @property
    def matched(self) -> bool:
        return self.outcome == "match"


def normalize_name(value: object) -> str:
    """A person's name as compared: no spaces, one kind of middle dot (·)."""
    text = _WHITESPACE.sub("", "" if value is None else str(value))
    return _NAME_DOTS.sub("·", text)


def id_number_hash(id_number: object) -> str:
    """The look-up hash of an ID number (normalised first), as stored beside it."""
    return lookup_hash(normalize_id_number(id_number), purpose=ID_NUMBER_PURPOSE)


def _uscc_hash(uscc: str) -> str:
    return lookup_hash(uscc, purpose=USCC_PURPOSE)


def _actor_label(actor: Any | None, request: HttpRequest | None, label: str) -> str:
    if label:
        return label[:128]
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())[:128]
    return "anonymous" if request is not None else "system"


# Registry answers that found what was asked; any other is recorded as a failed look-up.
_FOUND = frozenset({RegistryLookup.Outcome.MATCH, RegistryLookup.Outcome.FOUND})


def _staff_member(actor: Any | None) -> StaffMember | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if not getattr(actor, "is_staff_account", True):
        return None  # a resident's own account (their application's checks): no staff row
    return StaffMember.objects.filter(user_id=actor.pk).select_related("department").first()


def record_lookup(
    *,
    actor: Any | None,
    registry: str,
    operation: str,
    purpose: str,
    subject_hash: str,
    subject_label: str,
    outcome: str,
    request: HttpRequest | None = None,
    actor_label: str = "",
    department: Department | None = None,
    role: str = "",
) -> RegistryLookup:
    """Append one access-log row and its audit record (used by the selectors here and by
    the admin). `department` is the department the look-up is made for; by default the
    one the member of staff belongs to. `role` defaults to the roles they hold today.

    The two rows are written together, as part of the caller's transaction when there is
    one (no savepoint of their own: a look-up inside a case's submission costs no extra
    statements), else in a transaction of their own."""
    _require_purpose(purpose)
    made = _in_service.get()
    if made is not None:
        made.append(
            {
                "actor": actor,
                "registry": registry,
                "operation": operation,
                "purpose": purpose,
                "subject_hash": subject_hash,
                "subject_label": subject_label,
                "outcome": outcome,
                "request": request,
                "actor_label": actor_label,
                "department": department,
                "role": role,
            }
        )
    purpose = purpose.strip()
    with transaction.atomic(savepoint=False):
        user = actor if getattr(actor, "is_authenticated", False) else None
        staff = _staff_member(user) if department is None or not role else None
        if department is None and staff is not None:
            department = staff.department
        if not role and staff is not None:
            role = ",".join(sorted(staff_roles(user)))
        request_id = current_request_id()
        lookup = RegistryLookup.objects.create(
            actor=user,
            actor_label=_actor_label(actor, request, actor_label),
            on_behalf_of=current_on_behalf_of(),
            department=department,
            registry=registry,
            operation=operation,
            purpose=purpose[:200],
            subject_hash=subject_hash,
            subject_label=subject_label[:100],
            outcome=outcome,
            request_id="" if request_id == "-" else request_id,
            source_ip=source_address(request),
        )
        audit_log(
            actor=user,
            actor_label=lookup.actor_label,
            action=f"registries.lookup.{operation}",
            target=lookup,
            outcome=AuditEvent.Outcome.SUCCESS if outcome in _FOUND else AuditEvent.Outcome.FAILURE,
            changes={
                "registry": registry,
                "operation": operation,
                "purpose": lookup.purpose,
                "department": department.code if department is not None else None,
                "result": outcome,
                "subject": lookup.subject_label,
                "subject_hash": subject_hash,
            },
            request=request,
            role=role,
        )
        return lookup


def lookups_survive_rollback[**P, R](service: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service that reads the registries inside its transaction; put it
    directly outside `@transaction.atomic`. When the service fails, its transaction rolls
    back, and with it the access-log rows and audit records of the look-ups it made: they
    are written again after it (in the caller's transaction, or in one of their own). So a
    read of the registries leaves its record even when the work it was for is refused: a
    clerk's name-and-number check that did not match, an application missing a material.
    When the service succeeds, nothing more is written."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        made: list[dict[str, Any]] = []
        token = _in_service.set(made)
        try:
            result = service(*args, **kwargs)
        except BaseException:
            # Written again where the caller's own look-ups are collected, if anywhere.
            _in_service.reset(token)
            _record_again(made)
            raise
        _in_service.reset(token)
        # Now part of the caller's transaction: if the caller is such a service and fails
        # in turn, they roll back with it.
        outer = _in_service.get()
        if outer is not None:
            outer.extend(made)
        return result

    return wrapper


def _record_again(made: list[dict[str, Any]]) -> None:
    for lookup in made:
        try:
            record_lookup(**lookup)
        except Exception:
            # The service's own error is the one the caller must see.
            logger.exception(
                "a registry look-up rolled back with its service could not be recorded again",
                extra={"registry": lookup.get("registry"), "operation": lookup.get("operation")},
            )


def _require_purpose(purpose: str) -> None:
    # Checked before any reading, so a call without a purpose reads nothing.
    if not (purpose or "").strip():
        raise ValueError("a registry look-up needs a purpose (查询事由)")


def resident_verify(
    *,
    actor: Any | None,
    name: str,
    id_number: str,
    purpose: str,
    request: HttpRequest | None = None,
    actor_label: str = "",
    department: Department | None = None,
) -> ResidentMatch:
    """Check that `name` and `id_number` belong to the same registered, living resident.

    Outcomes: `match`; `name_mismatch` (the ID number exists under another name: nothing
    else is revealed); `not_found`; `inactive` (name and number match, but the resident
    is deceased or has emigrated).
    """
    _require_purpose(purpose)
    number = normalize_id_number(id_number)
    subject_hash = lookup_hash(number, purpose=ID_NUMBER_PURPOSE)
    resident = Resident.objects.filter(id_number_hash=subject_hash).first()
    outcome: ResidentOutcome
    if resident is None:
        outcome = "not_found"
    elif normalize_name(resident.name) != normalize_name(name):
        outcome = "name_mismatch"
    elif not resident.is_active:
        outcome = "inactive"
    else:
        outcome = "match"
    lookup = record_lookup(
        actor=actor,
        registry=RegistryLookup.Registry.RESIDENT,
        operation=RegistryLookup.Operation.RESIDENT_VERIFY,
        purpose=purpose,
        subject_hash=subject_hash,
        subject_label=f"{mask_name(normalize_name(name))} {mask_id_number(number)}",
        outcome=outcome,
        request=request,
        actor_label=actor_label,
        department=department,
    )
    return ResidentMatch(
        outcome=outcome, resident=resident if outcome == "match" else None, lookup=lookup
    )


def resident_get(
    *,
    actor: Any | None,
    id_number: str,
    purpose: str,
    request: HttpRequest | None = None,
    actor_label: str = "",
    department: Department | None = None,
) -> Resident | None:
    """The resident with this ID number, whatever their status (see `.status`)."""
    _require_purpose(purpose)
    number = normalize_id_number(id_number)
    subject_hash = lookup_hash(number, purpose=ID_NUMBER_PURPOSE)
    resident = Resident.objects.select_related("region").filter(id_number_hash=subject_hash).first()
    record_lookup(
        actor=actor,
        registry=RegistryLookup.Registry.RESIDENT,
        operation=RegistryLookup.Operation.RESIDENT_GET,
        purpose=purpose,
        subject_hash=subject_hash,
        subject_label=(str(resident) if resident is not None else f"? {mask_id_number(number)}"),
        outcome=RegistryLookup.Outcome.FOUND if resident else RegistryLookup.Outcome.NOT_FOUND,
        request=request,
        actor_label=actor_label,
        department=department,
    )
    return resident


def legal_entity_get(
    *,
    actor: Any | None,
    uscc: str,
    purpose: str,
    request: HttpRequest | None = None,
    actor_label: str = "",
    department: Department | None = None,
) -> LegalEntity | None:
    """The legal entity with this unified social credit code, whatever its status."""
    _require_purpose(purpose)
    code = normalize_uscc(uscc)
    entity = LegalEntity.objects.select_related("region").filter(uscc=code).first()
    record_lookup(
        actor=actor,
        registry=RegistryLookup.Registry.LEGAL_ENTITY,
        operation=RegistryLookup.Operation.LEGAL_ENTITY_GET,
        purpose=purpose,
        subject_hash=_uscc_hash(code),
        subject_label=code,
        outcome=RegistryLookup.Outcome.FOUND if entity else RegistryLookup.Outcome.NOT_FOUND,
        request=request,
        actor_label=actor_label,
        department=department,
    )
    return entity


def legal_entity_verify_representative(
    *,
    actor: Any | None,
    uscc: str,
    name: str,
    id_number: str,
    purpose: str,
    request: HttpRequest | None = None,
    actor_label: str = "",
    department: Department | None = None,
) -> LegalEntityMatch:
    """Check that the person (`name` + `id_number`) is the entity's legal representative.

    Outcomes: `match`; `not_found` (no such USCC); `not_representative` (name or ID
    number differ from the registered representative's); `inactive` (the person is the
    representative, but the entity is revoked or deregistered).
    """
    _require_purpose(purpose)
    code = normalize_uscc(uscc)
    person_hash = id_number_hash(id_number)
    entity = LegalEntity.objects.filter(uscc=code).first()
    outcome: RepresentativeOutcome
    if entity is None:
        outcome = "not_found"
    elif entity.legal_representative_id_number_hash != person_hash or normalize_name(
        entity.legal_representative_name
    ) != normalize_name(name):
        outcome = "not_representative"
    elif not entity.is_active:
        outcome = "inactive"
    else:
        outcome = "match"
    lookup = record_lookup(
        actor=actor,
        registry=RegistryLookup.Registry.LEGAL_ENTITY,
        operation=RegistryLookup.Operation.VERIFY_REPRESENTATIVE,
        purpose=purpose,
        subject_hash=_uscc_hash(code),
        subject_label=f"{code} {mask_id_number(normalize_id_number(id_number))}",
        outcome=outcome,
        request=request,
        actor_label=actor_label,
        department=department,
    )
    return LegalEntityMatch(
        outcome=outcome, entity=entity if outcome == "match" else None, lookup=lookup
    )


def lookups_about(
    *, id_number: str | None = None, uscc: str | None = None
) -> QuerySet[RegistryLookup]:
    """The access log about one person or one entity, newest first (for audits)."""
    if (id_number is None) == (uscc is None):
        raise ValueError("give exactly one of id_number or uscc")
    if id_number is not None:
        subject = id_number_hash(id_number)
    else:
        subject = _uscc_hash(normalize_uscc(uscc))
    return RegistryLookup.objects.filter(subject_hash=subject)
