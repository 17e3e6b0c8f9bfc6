"""Checking the audit chain (`manage.py audit_verify`, and later the supervision dashboard).

`audit_verify()` reads the links in sequence order, a page at a time (keyset pages of
`chunk_size` links and their events, so memory stays bounded on a chain of millions),
recomputes every hash and checks every signed checkpoint on the way. It stops at the
first problem and names it:

| kind        | what happened                                                         |
|-------------|-----------------------------------------------------------------------|
| `changed`   | a sealed record's content no longer gives its link's hash             |
| `removed`   | a gap in the sequence, a link without its event, or a checkpoint      |
|             | beyond the end of the chain                                           |
| `inserted`  | a link that does not continue the one before it, or an event that is  |
|             | not in the chain although it is older than the last seal run          |
| `rewritten` | the links are consistent, but a signed checkpoint's head disagrees:   |
|             | the tail was recomputed after the records were changed                |
| `checkpoint`| a checkpoint whose signature is invalid, by an untrusted key, or that |
|             | does not follow the checkpoint before it                              |
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.core.audit_chain import (
    GENESIS_HASH,
    MIN_RETENTION_DAYS,
    changes_digest,
    checkpoint_digest,
    checkpoint_statement,
    grace,
    last_sealed_at,
    link_hash,
    retention_days,
    utc_iso,
)
from govhub.core.models import AuditChainLink, AuditCheckpoint, AuditEvent
from govhub.core.signing import Verifier, b64decode, trusted_verifiers

CHANGED = "changed"
REMOVED = "removed"
INSERTED = "inserted"
REWRITTEN = "rewritten"
CHECKPOINT = "checkpoint"
DEFAULT_CHUNK_SIZE = 1000


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    seq: int | None = None
    event_id: int | None = None
    checkpoint_id: int | None = None


@dataclass
class VerifyReport:
    problem: Problem | None = None
    start_seq: int = 0  # links after this one were checked
    head_seq: int = 0  # the last link checked
    links: int = 0
    checkpoints: int = 0
    last_checkpoint_seq: int = 0
    awaiting_seal: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Failed(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _links(
    after: int, upto: int, chunk_size: int
) -> Iterator[tuple[AuditChainLink, AuditEvent | None]]:
    """Links after seq `after` up to `upto` in order, each with its event (None when it
    is missing)."""
    links = AuditChainLink.objects.filter(seq__lte=upto).order_by("seq")
    cursor = after
    while True:
        page = list(links.filter(seq__gt=cursor)[:chunk_size])
        if not page:
            return
        events = AuditEvent.objects.in_bulk([link.event_id for link in page])
        for link in page:
            yield link, events.get(link.event_id)
        cursor = page[-1].seq


def _checkpoints(after: int, upto: int, chunk_size: int) -> Iterator[AuditCheckpoint]:
    checkpoints = AuditCheckpoint.objects.filter(seq__lte=upto).order_by("seq")
    cursor = after
    while True:
        page = list(checkpoints.filter(seq__gt=cursor)[:chunk_size])
        if not page:
            return
        yield from page
        cursor = page[-1].seq


class _CheckpointChain:
    """Checks each checkpoint's signature and that it names the one before it."""

    def __init__(self, verifiers: dict[tuple[str, str], Verifier], prev_digest: str) -> None:
        self.verifiers = verifiers
        self.prev_digest = prev_digest
        self.last_good: AuditCheckpoint | None = None
        self.count = 0

    def signature_problem(self, checkpoint: AuditCheckpoint) -> Problem | None:
        verifier = self.verifiers.get((checkpoint.algorithm, checkpoint.key_id))
        if verifier is None:
            return Problem(
                CHECKPOINT,
                _("检查点%(checkpoint)d的签名密钥%(key)s不受信任。")
                % {
                    "checkpoint": checkpoint.pk,
                    "key": f"{checkpoint.algorithm}:{checkpoint.key_id}",
                },
                seq=checkpoint.seq,
                checkpoint_id=checkpoint.pk,
            )
        try:
            signature = b64decode(checkpoint.signature)
        except ValueError:
            signature = b""
        if not verifier.verify(checkpoint_statement(checkpoint), signature):
            return Problem(
                CHECKPOINT,
                _("检查点%(checkpoint)d的签名无效：检查点被伪造或改动。")
                % {"checkpoint": checkpoint.pk},
                seq=checkpoint.seq,
                checkpoint_id=checkpoint.pk,
            )
        return None

    def accept(self, checkpoint: AuditCheckpoint) -> None:
        """Raise `_Failed` unless the checkpoint is validly signed and follows the last."""
        problem = self.signature_problem(checkpoint)
        if problem is None and checkpoint.prev_digest != self.prev_digest:
            problem = Problem(
                CHECKPOINT,
                _("检查点%(checkpoint)d与前一检查点不衔接：有检查点被删除或伪造。")
                % {"checkpoint": checkpoint.pk},
                seq=checkpoint.seq,
                checkpoint_id=checkpoint.pk,
            )
        if problem is not None:
            raise _Failed(problem)
        self.prev_digest = checkpoint_digest(checkpoint)
        self.last_good = checkpoint
        self.count += 1


def _starting_checkpoint(
    which: int | Literal["latest"], chain: _CheckpointChain
) -> AuditCheckpoint:
    queryset = AuditCheckpoint.objects.all()
    checkpoint = (
        queryset.order_by("-seq").first()
        if which == "latest"
        else queryset.filter(pk=which).first()
    )
    if checkpoint is None:
        raise ValueError(
            "there is no checkpoint yet"
            if which == "latest"
            else f"there is no checkpoint with id {which}"
        )
    problem = chain.signature_problem(checkpoint)
    if problem is not None:
        raise _Failed(problem)
    return checkpoint


def audit_verify(
    *,
    from_checkpoint: int | Literal["latest"] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    now: datetime.datetime | None = None,
) -> VerifyReport:
    """Check the whole chain (or, with `from_checkpoint`, the part after a checkpoint
    whose signature is good), every checkpoint, and that no old event is left out.
    Raises ValueError when `from_checkpoint` names no checkpoint."""
    now = now or timezone.now()
    report = VerifyReport()
    chain = _CheckpointChain(trusted_verifiers(), prev_digest="")
    try:
        _verify(report, chain, from_checkpoint, chunk_size, now)
    except _Failed as failed:
        report.problem = failed.problem
    report.checkpoints = chain.count
    if chain.last_good is not None:
        report.last_checkpoint_seq = chain.last_good.seq
    return report


def _verify(
    report: VerifyReport,
    chain: _CheckpointChain,
    from_checkpoint: int | Literal["latest"] | None,
    chunk_size: int,
    now: datetime.datetime,
) -> None:
    start_seq, prev_hash = 0, GENESIS_HASH
    if from_checkpoint is not None:
        start = _starting_checkpoint(from_checkpoint, chain)
        start_seq, prev_hash = start.seq, start.head_hash
        chain.prev_digest = checkpoint_digest(start)
        chain.last_good = start
    report.start_seq = report.head_seq = start_seq
    # What is appended while we read (the sealer keeps running) is left for the next run.
    # Checkpoints first: one beyond the last link then means links were removed.
    upto = max(
        AuditCheckpoint.objects.aggregate(top=Max("seq"))["top"] or 0,
        AuditChainLink.objects.aggregate(top=Max("seq"))["top"] or 0,
    )
    checkpoints = _checkpoints(start_seq, upto, chunk_size)
    pending = next(checkpoints, None)
    expected = start_seq + 1
    for link, event in _links(start_seq, upto, chunk_size):
        if link.seq != expected:
            if expected == 1:
                # The oldest records were pruned: a signed checkpoint must vouch for the
                # head of what was removed, and be older than the retention period.
                while pending is not None and pending.seq < link.seq:
                    chain.accept(pending)
                    pending = next(checkpoints, None)
                prev_hash = _pruned_anchor(chain.last_good, link, now)
            else:
                raise _Failed(
                    Problem(
                        REMOVED,
                        _("链序号%(first)d至%(last)d的记录缺失：记录或其链节点被删除。")
                        % {"first": expected, "last": link.seq - 1},
                        seq=expected,
                    )
                )
        if event is None:
            raise _Failed(
                Problem(
                    REMOVED,
                    _("链序号%(seq)d的审计记录（编号%(event)d）缺失：记录被删除。")
                    % {"seq": link.seq, "event": link.event_id},
                    seq=link.seq,
                    event_id=link.event_id,
                )
            )
        if link.prev_hash != prev_hash:
            raise _Failed(
                Problem(
                    INSERTED,
                    _(
                        "链序号%(seq)d（审计记录编号%(event)d）与前一节点不衔接："
                        "有记录被插入或链节点被改动。"
                    )
                    % {"seq": link.seq, "event": event.pk},
                    seq=link.seq,
                    event_id=event.pk,
                )
            )
        computed = link_hash(prev_hash, event)
        if computed != link.hash:
            raise _Failed(
                Problem(
                    CHANGED,
                    _(
                        "链序号%(seq)d的审计记录（编号%(event)d）与封存时的哈希不符："
                        "记录在封存后被改动。"
                    )
                    % {"seq": link.seq, "event": event.pk},
                    seq=link.seq,
                    event_id=event.pk,
                )
            )
        if event.changes_digest != changes_digest(event.changes):
            raise _Failed(
                Problem(
                    CHANGED,
                    _(
                        "审计记录编号%(event)d（链序号%(seq)d）的变更内容与其摘要不符："
                        "记录在封存前被改动。"
                    )
                    % {"seq": link.seq, "event": event.pk},
                    seq=link.seq,
                    event_id=event.pk,
                )
            )
        prev_hash = computed
        while pending is not None and pending.seq <= link.seq:
            last_good = chain.last_good
            chain.accept(pending)
            if pending.seq == link.seq and pending.head_hash != computed:
                first = last_good.seq + 1 if last_good is not None else 1
                raise _Failed(
                    Problem(
                        REWRITTEN,
                        _(
                            "检查点%(checkpoint)d（覆盖至链序号%(seq)d）与链不符："
                            "链序号%(first)d至%(seq)d之间的记录被改动，其后的哈希被重新计算。"
                        )
                        % {"checkpoint": pending.pk, "seq": pending.seq, "first": first},
                        seq=first,
                        checkpoint_id=pending.pk,
                    )
                )
            pending = next(checkpoints, None)
        report.head_seq = link.seq
        report.links += 1
        expected = link.seq + 1
    if pending is not None:
        chain.accept(pending)
        raise _Failed(
            Problem(
                REMOVED,
                _(
                    "检查点%(checkpoint)d覆盖至链序号%(seq)d，但链止于链序号%(last)d："
                    "其后的记录被删除。"
                )
                % {"checkpoint": pending.pk, "seq": pending.seq, "last": expected - 1},
                seq=expected,
                checkpoint_id=pending.pk,
            )
        )
    _check_unlinked(report)


def _pruned_anchor(
    anchor: AuditCheckpoint | None, link: AuditChainLink, now: datetime.datetime
) -> str:
    """The head hash the first remaining link must continue, after a pruning."""
    days = max(retention_days(), MIN_RETENTION_DAYS)
    oldest_allowed = now - datetime.timedelta(days=days)
    if (
        anchor is None
        or anchor.seq != link.seq - 1
        or anchor.head_hash != link.prev_hash
        or anchor.created_at > oldest_allowed
    ):
        raise _Failed(
            Problem(
                REMOVED,
                _(
                    "链从链序号%(first)d开始，但没有在保存期之前签署、覆盖至链序号%(anchor)d的"
                    "检查点：之前的记录被删除。"
                )
                % {"first": link.seq, "anchor": link.seq - 1},
                seq=1,
            )
        )
    return anchor.head_hash


def _check_unlinked(report: VerifyReport) -> None:
    unlinked = AuditEvent.objects.filter(chain_link__isnull=True)
    last_run = last_sealed_at()
    if last_run is not None:
        stray = unlinked.filter(occurred_at__lt=last_run - grace()).order_by("pk").first()
        if stray is not None:
            raise _Failed(
                Problem(
                    INSERTED,
                    _(
                        "审计记录编号%(event)d（时间%(time)s）未进入审计链，但早于最近一次封存："
                        "记录是事后插入的，或其链节点被删除。"
                    )
                    % {"event": stray.pk, "time": utc_iso(stray.occurred_at)},
                    event_id=stray.pk,
                )
            )
    report.awaiting_seal = unlinked.count()
