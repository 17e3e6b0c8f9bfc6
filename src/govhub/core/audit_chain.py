"""The tamper-evident audit chain: canonical bytes, sealing and signed checkpoints.

`audit_log` only inserts `AuditEvent` rows, inside each service's transaction, with no
chain work, so busy services never wait for one another on a chain head. The sealer
(`audit_seal`, run by `manage.py audit_seal` or the `core.tasks.audit_seal_task`) then
links unlinked events, in id order, onto the end of the chain:

    link.hash = SHA-256(link.prev_hash || "\\n" || canonical JSON of the event)

Chain order is seal order: an event whose transaction commits after events with larger
ids were already sealed is simply linked later. To find unlinked events cheaply on a
large table the sealer looks only above a watermark (`AuditSealState`); see
`audit_seal` for why that is safe. `audit_checkpoint` then signs the chain head.
Verification is in `audit_verify`, export in `audit_export`; docs/audit.md explains it all.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from govhub.core.models import AuditChainLink, AuditCheckpoint, AuditEvent, AuditSealState
from govhub.core.signing import Signer, audit_signer, b64encode, setting

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
CONTENT_VERSION = 1
# pg_advisory_xact_lock key shared by sealing and checkpointing (any fixed 64-bit number).
SEAL_LOCK_KEY = 0x60B_A0D1_7C4A_1
DEFAULT_GRACE_SECONDS = 600
DEFAULT_BATCH_SIZE = 1000


# --- Canonical bytes ------------------------------------------------------------------------


def _normalise(value: Any) -> Any:
    """JSON data as the database gives it back: integral floats become ints (PostgreSQL's
    jsonb returns 1e16 as 10000000000000000), keys become strings."""
    if isinstance(value, dict):
        return {str(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_json(value: Any) -> bytes:
    """Stable bytes of JSON data: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        _normalise(value), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def changes_digest(changes: dict[str, Any] | None) -> str:
    """SHA-256 (hex) of the canonical JSON of an audit record's `changes`."""
    return hashlib.sha256(canonical_json(changes or {})).hexdigest()


def utc_iso(value: datetime.datetime) -> str:
    """`2026-01-02T03:04:05.000006Z`: UTC, always with microseconds."""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_content(event: AuditEvent) -> dict[str, Any]:
    """Everything an audit record says, as JSON data (what the chain hashes)."""
    return {
        "v": CONTENT_VERSION,
        "id": event.pk,
        "occurred_at": utc_iso(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "on_behalf_of": event.on_behalf_of,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "outcome": event.outcome,
        "source_ip": str(event.source_ip) if event.source_ip is not None else None,
        "request_id": event.request_id,
        "changes": event.changes,
        "changes_digest": event.changes_digest,
    }


def content_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """The hash of a link: SHA-256 of the previous hash, a newline and the content."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(content))
    return digest.hexdigest()


def link_hash(prev_hash: str, event: AuditEvent) -> str:
    return content_hash(prev_hash, event_content(event))


# --- Checkpoint statements ------------------------------------------------------------------


def checkpoint_statement(checkpoint: AuditCheckpoint) -> bytes:
    """The bytes a checkpoint's signature is over."""
    return canonical_json(
        {
            "v": CONTENT_VERSION,
            "type": "govhub.audit.checkpoint",
            "seq": checkpoint.seq,
            "head_hash": checkpoint.head_hash,
            "prev_digest": checkpoint.prev_digest,
            "created_at": utc_iso(checkpoint.created_at),
            "key_id": checkpoint.key_id,
            "algorithm": checkpoint.algorithm,
        }
    )


def checkpoint_digest(checkpoint: AuditCheckpoint) -> str:
    """What the next checkpoint's `prev_digest` holds: SHA-256 of statement and signature."""
    digest = hashlib.sha256(checkpoint_statement(checkpoint))
    digest.update(b"\n")
    digest.update(checkpoint.signature.encode("ascii"))
    return digest.hexdigest()


# --- Settings -------------------------------------------------------------------------------


def grace() -> datetime.timedelta:
    """How long an audit record's transaction may stay open (plus clock skew between
    servers): `GOVHUB_AUDIT_SEAL_GRACE_SECONDS`, default 600."""
    return datetime.timedelta(
        seconds=int(setting("GOVHUB_AUDIT_SEAL_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))
    )


MIN_RETENTION_DAYS = 180


def retention_days() -> int:
    """How long audit records are kept at least: `GOVHUB_AUDIT_RETENTION_DAYS`, default
    and minimum 180 (a system check refuses less; see `core.checks`)."""
    return int(setting("GOVHUB_AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS))


def _batch_size() -> int:
    return max(1, int(setting("GOVHUB_AUDIT_SEAL_BATCH", DEFAULT_BATCH_SIZE)))


def _lock() -> None:
    """Serialise sealers and checkpoints. Call inside `transaction.atomic()`.

    PostgreSQL: a transaction-level advisory lock. SQLite: the write transaction
    (`transaction_mode=IMMEDIATE` in settings) already admits one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])


def last_sealed_at() -> datetime.datetime | None:
    """When the most recent seal run that linked anything started."""
    value: datetime.datetime | None = AuditChainLink.objects.aggregate(last=Max("sealed_at"))[
        "last"
    ]
    return value


# --- Sealing --------------------------------------------------------------------------------


@dataclass
class SealReport:
    linked: int = 0
    head_seq: int = 0
    watermark: int = 0
    refused: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "linked": self.linked,
            "head_seq": self.head_seq,
            "watermark": self.watermark,
            "refused": len(self.refused),
        }


def audit_seal(*, batch_size: int | None = None) -> SealReport:
    """Link every committed, unlinked audit record onto the chain. Safe to run twice and
    concurrently (runs serialise per batch on the lock).

    Why looking only above the watermark W is enough. Assume every transaction that
    writes an audit record commits within the grace period G after `audit_log` stamped
    its `occurred_at`, and that ids are allocated in time order. A run starting at r
    scans every unlinked id above W in increasing order, each batch seeing what has
    committed by then. At the end it may raise W to the largest id stamped before r - G:
    every event up to that id was allocated before r - G, so committed before r, so this
    run's scan saw it and linked it (or refused it, see below). Events committed late
    with smaller ids than linked ones are therefore found as long as they are above W.

    Refused: an unlinked event stamped more than G before the previous run started
    cannot be a late commit (that run would have seen it), so it is not linked but
    logged; `audit_verify` reports it as inserted.
    """
    size = batch_size or _batch_size()
    run_started = timezone.now()
    late_limit = grace()
    report = SealReport()
    state = AuditSealState.objects.filter(pk=1).first()
    start = state.watermark if state is not None else 0
    cursor = start
    previous_run: datetime.datetime | None = None
    first_batch = True
    while True:
        with transaction.atomic():
            _lock()
            head = AuditChainLink.objects.order_by("-seq").values("seq", "hash").first()
            seq, prev_hash = (head["seq"], head["hash"]) if head else (0, GENESIS_HASH)
            if first_batch:
                previous_run = last_sealed_at()
                first_batch = False
            candidates = list(
                AuditEvent.objects.filter(pk__gt=cursor, chain_link__isnull=True).order_by("pk")[
                    :size
                ]
            )
            links = []
            for event in candidates:
                cursor = event.pk
                if previous_run is not None and event.occurred_at < previous_run - late_limit:
                    report.refused.append(event.pk)
                    logger.warning(
                        "audit event not sealed: stamped before the previous seal run",
                        extra={"audit_event": event.pk},
                    )
                    continue
                seq += 1
                prev_hash_of_link, prev_hash = prev_hash, link_hash(prev_hash, event)
                links.append(
                    AuditChainLink(
                        seq=seq,
                        event=event,
                        prev_hash=prev_hash_of_link,
                        hash=prev_hash,
                        sealed_at=run_started,
                    )
                )
            AuditChainLink.objects.bulk_create(links)
            report.linked += len(links)
            report.head_seq = seq
        if len(candidates) < size:
            break
    report.watermark = _raise_watermark(start=start, before=run_started - late_limit)
    return report


def _raise_watermark(*, start: int, before: datetime.datetime) -> int:
    """Move the watermark to the largest id stamped before `before` (never down)."""
    highest = AuditEvent.objects.filter(pk__gt=start, occurred_at__lt=before).aggregate(
        top=Max("pk")
    )["top"]
    with transaction.atomic():
        _lock()
        state, _created = AuditSealState.objects.select_for_update().get_or_create(pk=1)
        if highest is not None and highest > state.watermark:
            state.watermark = highest
            state.save(update_fields=["watermark", "updated_at"])
        return state.watermark


# --- Checkpoints ----------------------------------------------------------------------------


def audit_checkpoint(*, signer: Signer | None = None) -> AuditCheckpoint | None:
    """Sign the current chain head, unless the newest checkpoint already covers it."""
    signer = signer or audit_signer()
    with transaction.atomic():
        _lock()
        head = AuditChainLink.objects.order_by("-seq").values("seq", "hash").first()
        if head is None:
            return None
        previous = AuditCheckpoint.objects.order_by("-seq").first()
        if previous is not None and previous.seq >= head["seq"]:
            return None
        checkpoint = AuditCheckpoint(
            seq=head["seq"],
            head_hash=head["hash"],
            prev_digest=checkpoint_digest(previous) if previous is not None else "",
            created_at=timezone.now(),
            key_id=signer.key_id,
            algorithm=signer.algorithm,
        )
        checkpoint.signature = b64encode(signer.sign(checkpoint_statement(checkpoint)))
        checkpoint.save(force_insert=True)
    return checkpoint
