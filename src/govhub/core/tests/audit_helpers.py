"""Helpers of the audit chain's tests: writing records, and tampering with them the way
someone with direct database access would (on PostgreSQL past the append-only trigger)."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from typing import Any

from django.db import connection

from govhub.core.audit import audit_log
from govhub.core.audit_chain import audit_checkpoint, audit_seal, changes_digest, link_hash
from govhub.core.models import AuditChainLink, AuditCheckpoint, AuditEvent

on_postgres = connection.vendor == "postgresql"


def log(count: int, *, start: int = 0) -> list[AuditEvent]:
    return [
        audit_log(actor=None, action="core.test.thing", changes={"n": start + i, "名称": "甲"})
        for i in range(count)
    ]


def seal_and_checkpoint() -> AuditCheckpoint | None:
    audit_seal()
    return audit_checkpoint()


@contextlib.contextmanager
def tampering() -> Iterator[Any]:
    """A cursor that writes past the trigger and the foreign keys, as a DBA could."""
    with connection.cursor() as cursor:
        if on_postgres:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if on_postgres:
                cursor.execute("RESET session_replication_role")


def backdate(events: list[AuditEvent], when: datetime.datetime) -> None:
    # Through the ORM (past the trigger), so the time is stored in the database's format.
    with tampering():
        AuditEvent.objects.filter(pk__in=[event.pk for event in events]).update(occurred_at=when)
    for event in events:
        event.occurred_at = when


def forge_event(*, pk: int | None = None, when: datetime.datetime | None = None) -> AuditEvent:
    """An event written straight into the table (not through audit_log)."""
    event = AuditEvent.objects.create(
        pk=pk,
        action="core.test.forged",
        actor_label="intruder",
        changes={},
        changes_digest=changes_digest({}),
    )
    if when is not None:
        backdate([event], when)
    return event


def delete_rows(table: str, column: str, values: list[Any]) -> None:
    with tampering() as cursor:
        for value in values:
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [value])


def rehash_from(seq: int) -> None:
    """Recompute every link's hashes from `seq` on, as an intruder covering a change would."""
    previous = AuditChainLink.objects.filter(seq=seq - 1).values_list("hash", flat=True).first()
    prev_hash = previous or "0" * 64
    with tampering() as cursor:
        for link in AuditChainLink.objects.filter(seq__gte=seq).select_related("event"):
            new_hash = link_hash(prev_hash, link.event)
            cursor.execute(
                "UPDATE core_auditchainlink SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev_hash, new_hash, link.seq],
            )
            prev_hash = new_hash


def event_at(seq: int) -> AuditEvent:
    return AuditChainLink.objects.select_related("event").get(seq=seq).event


def trail_text() -> str:
    """Everything the audit trail says, as one text (the fields anyone reading it sees)."""
    import json

    rows = AuditEvent.objects.values_list(
        "actor_label", "on_behalf_of", "actor_role", "object_label", "object_id", "changes"
    )
    return "\n".join(json.dumps(list(row), ensure_ascii=False, default=str) for row in rows)


def assert_not_in_trail(*secrets: str) -> None:
    """None of `secrets` appears anywhere in the audit trail."""
    assert AuditEvent.objects.exists(), "nothing was recorded: the check would prove nothing"
    text = trail_text()
    for secret in secrets:
        assert secret and secret not in text, f"{secret!r} is in the audit trail"
