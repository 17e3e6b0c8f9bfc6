"""Export of a date range of the audit trail as signed JSON lines, and checking such a file.

The file (UTF-8, one JSON object per line, each in canonical form):

1. a header: `{"type": "header", "format": "govhub-audit-export/1", "from": …, "to": …}`;
2. one line per event stamped in the range (local dates, `TIME_ZONE`), in time order:
   `{"type": "event", "seq": …, "prev_hash": …, "hash": …, "sealed_at": …, "event": {…}}`,
   where `event` is exactly what the chain hashes (`audit_chain.event_content`), so each
   line can be checked against its own hash; `seq` is null for an event not yet sealed;
3. a trailer: the number of lines before it, the SHA-256 of those lines' bytes, the
   signing key's algorithm, id and public key, and a signature over the rest of the
   trailer (canonical JSON without `signature`).

Both directions stream: memory does not grow with the range.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Q
from django.utils import timezone

from govhub.core.audit_chain import (
    canonical_json,
    changes_digest,
    content_hash,
    event_content,
    utc_iso,
)
from govhub.core.models import AuditChainLink, AuditEvent
from govhub.core.signing import (
    Signer,
    Verifier,
    audit_signer,
    b64decode,
    b64encode,
    trusted_verifiers,
    verifier_from_pem,
)

FORMAT = "govhub-audit-export/1"
DEFAULT_CHUNK_SIZE = 1000


class Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


@dataclass
class ExportReport:
    events: int
    sha256: str
    key_id: str


def _events_between(
    lower: datetime.datetime, upper: datetime.datetime, chunk_size: int
) -> Iterator[AuditEvent]:
    """Events stamped in [lower, upper), by time then id, in keyset pages."""
    base = AuditEvent.objects.filter(occurred_at__gte=lower, occurred_at__lt=upper)
    after: tuple[datetime.datetime, int] | None = None
    while True:
        queryset = base
        if after is not None:
            queryset = queryset.filter(
                Q(occurred_at__gt=after[0]) | Q(occurred_at=after[0], pk__gt=after[1])
            )
        page = list(
            queryset.select_related("chain_link").order_by("occurred_at", "pk")[:chunk_size]
        )
        if not page:
            return
        yield from page
        after = (page[-1].occurred_at, page[-1].pk)


def audit_export(
    *,
    start: datetime.date,
    end: datetime.date,
    out: Writer,
    signer: Signer | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> ExportReport:
    """Write the events stamped from `start` to `end` (local dates, both included)."""
    if end < start:
        raise ValueError("the end date is before the start date")
    signer = signer or audit_signer()
    zone = timezone.get_default_timezone()
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    upper = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone)
    digest = hashlib.sha256()
    lines = 0

    def emit(record: dict[str, Any]) -> None:
        nonlocal lines
        line = canonical_json(record) + b"\n"
        digest.update(line)
        out.write(line.decode("utf-8"))
        lines += 1

    emit(
        {
            "type": "header",
            "format": FORMAT,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "time_zone": str(zone),
            "exported_at": utc_iso(timezone.now()),
        }
    )
    for event in _events_between(lower, upper, chunk_size):
        try:
            link: AuditChainLink | None = event.chain_link
        except AuditChainLink.DoesNotExist:
            link = None
        emit(
            {
                "type": "event",
                "seq": link.seq if link else None,
                "prev_hash": link.prev_hash if link else None,
                "hash": link.hash if link else None,
                "sealed_at": utc_iso(link.sealed_at) if link else None,
                "event": event_content(event),
            }
        )
    trailer: dict[str, Any] = {
        "type": "trailer",
        "format": FORMAT,
        "lines": lines,
        "sha256": digest.hexdigest(),
        "algorithm": signer.algorithm,
        "key_id": signer.key_id,
        "public_key": signer.verifier().public_key_pem(),
    }
    trailer["signature"] = b64encode(signer.sign(canonical_json(trailer)))
    out.write(canonical_json(trailer).decode("utf-8") + "\n")
    return ExportReport(events=lines - 1, sha256=trailer["sha256"], key_id=signer.key_id)


@dataclass
class ExportCheck:
    problem: str | None
    line: int | None = None  # 1-based line of the problem
    events: int = 0
    key_id: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


def _event_problem(record: dict[str, Any], previous: dict[str, Any] | None) -> str | None:
    content = record.get("event")
    if not isinstance(content, dict):
        return "an event line without its event"
    if content.get("changes_digest") != changes_digest(content.get("changes")):
        return f"event {content.get('id')}: its changes do not match their digest"
    seq = record.get("seq")
    if seq is None:
        return None
    prev_hash, own_hash = record.get("prev_hash"), record.get("hash")
    if not isinstance(prev_hash, str) or content_hash(prev_hash, content) != own_hash:
        return f"event {content.get('id')} (seq {seq}) does not match its chain hash"
    if (
        previous is not None
        and isinstance(previous.get("seq"), int)
        and previous["seq"] + 1 == seq
        and previous.get("hash") != prev_hash
    ):
        return f"seq {seq} does not continue seq {seq - 1}"
    return None


def _trailer_problem(
    trailer: dict[str, Any], lines: int, sha256: str, public_key: bytes | None
) -> tuple[str | None, str]:
    key_id = str(trailer.get("key_id", ""))
    if trailer.get("format") != FORMAT:
        return f"not a {FORMAT} trailer", key_id
    if trailer.get("lines") != lines:
        return f"the trailer counts {trailer.get('lines')} lines, the file has {lines}", key_id
    if trailer.get("sha256") != sha256:
        return "the lines do not match the trailer's digest: the file was changed", key_id
    verifier: Verifier | None
    if public_key is not None:
        verifier = verifier_from_pem(public_key)
    else:
        verifier = trusted_verifiers().get((str(trailer.get("algorithm")), key_id))
        if verifier is None:
            return (
                f"signed by key {key_id}, which is not trusted here (give its public key)",
                key_id,
            )
    if (verifier.algorithm, verifier.key_id) != (trailer.get("algorithm"), key_id):
        return f"signed by key {key_id}, not by the given key {verifier.key_id}", key_id
    unsigned = {name: value for name, value in trailer.items() if name != "signature"}
    try:
        signature = b64decode(str(trailer.get("signature", "")))
    except ValueError:
        signature = b""
    if not verifier.verify(canonical_json(unsigned), signature):
        return "the trailer's signature is invalid", key_id
    return None, key_id


def audit_export_verify(lines: Iterable[bytes], *, public_key: bytes | None = None) -> ExportCheck:
    """Check an export file given as its lines (bytes, each with its newline). The key is
    the trusted audit key named in the trailer, or `public_key` (PEM) when given."""
    digest = hashlib.sha256()
    count = events = 0
    held: tuple[int, bytes, dict[str, Any]] | None = None  # the line that may be the trailer
    previous_event: dict[str, Any] | None = None
    for number, raw in enumerate(lines, start=1):
        try:
            record = json.loads(raw)
        except (ValueError, UnicodeError):
            return ExportCheck(f"line {number} is not JSON", line=number, events=events)
        if not isinstance(record, dict):
            return ExportCheck(f"line {number} is not a JSON object", line=number, events=events)
        if held is not None:
            held_number, held_raw, held_record = held
            if held_record.get("type") == "trailer":
                return ExportCheck("a trailer before the end", line=held_number, events=events)
            digest.update(held_raw)
            count += 1
        if number == 1:
            if record.get("type") != "header" or record.get("format") != FORMAT:
                return ExportCheck(f"not a {FORMAT} file", line=1)
        elif record.get("type") == "event":
            problem = _event_problem(record, previous_event)
            if problem is not None:
                return ExportCheck(f"line {number}: {problem}", line=number, events=events)
            previous_event = record
            events += 1
        elif record.get("type") != "trailer":
            return ExportCheck(f"line {number}: unknown line type", line=number, events=events)
        held = (number, raw, record)
    if held is None or held[2].get("type") != "trailer" or held[0] == 1:
        return ExportCheck("the file has no trailer (cut short?)", events=events)
    try:
        problem, key_id = _trailer_problem(held[2], count, digest.hexdigest(), public_key)
    except ValueError as exc:
        return ExportCheck(f"the given public key cannot be read: {exc}", events=events)
    if problem is not None:
        return ExportCheck(problem, line=held[0], events=events, key_id=key_id)
    return ExportCheck(None, events=events, key_id=key_id)
