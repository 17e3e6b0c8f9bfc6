"""The provincial feed: cases and alerts with their whole history, pulled in order of
change.

A *change* is one row of an append-only history table: `cases.CaseEvent` for cases,
`supervision.AlertEvent` for alerts. Their auto-increment ids are the feed's sequence: the
cursor is the last id a client has consumed, and a page hands out the changes above it in
id order, each case (alert) once per page with its whole timeline as it is now.

Ids are drawn when a row is inserted, not when its transaction commits, so a reader can
see id 11 while id 10 is still uncommitted; handing out 11 and moving the cursor past 10
would skip 10 for ever. A page therefore only goes up to a *safe high-water mark*: an id
at or below which every id is settled (committed, or rolled back and never coming):

- **Gap-free prefix.** When the ids above the cursor are consecutive (cursor + 1, + 2, …),
  every one of them is committed: they are all safe. This is the usual case, and it needs
  no waiting.
- **A gap** (a missing id below a visible one) is either a transaction still running or
  one that rolled back. On PostgreSQL an INSERT takes the table's RowExclusiveLock before
  it draws an id and holds it until its transaction ends, so the transactions that hold
  that lock now (`pg_locks`) are the only ones that can still commit an id already drawn.
  The page waits, briefly, until they have ended; then every id up to the highest one
  read is settled, and a second read returns what committed. If they do not end within
  the wait (`GOVHUB_SUPERVISION_FEED_WAIT_MS`, 500 ms), the page stops before the gap and
  says `retry_after`; the next pull looks again. Transactions on other tables, or
  reading this one, are not waited for.
- **SQLite** has one writer at a time: a row's id is drawn and committed while it holds
  the database's write lock, so ids commit in order and every visible id is safe.

The cursor therefore never skips a change and never repeats one; a case (alert) appears
again when a later change to it is consumed, and clients keep the latest copy by number.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models

POLL_SECONDS = 0.01


@dataclass(frozen=True)
class Change:
    seq: int
    key: int  # the case (alert) the change belongs to


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    next_cursor: int
    has_more: bool
    retry_after: int  # seconds; non-zero when a gap was not settled yet


def wait_seconds() -> float:
    return int(getattr(settings, "GOVHUB_SUPERVISION_FEED_WAIT_MS", 500)) / 1000


def _read(
    model: type[models.Model], key: str, after: int, limit: int, upto: int | None = None
) -> list[Change]:
    rows = model._default_manager.filter(pk__gt=after)
    if upto is not None:
        rows = rows.filter(pk__lte=upto)
    values = rows.order_by("pk").values_list("pk", key)[:limit]
    return [Change(int(pk), int(owner)) for pk, owner in values]


def _prefix(after: int, changes: Sequence[Change]) -> list[Change]:
    """The changes numbered after + 1, after + 2, … without a gap."""
    prefix: list[Change] = []
    expected = after + 1
    for change in changes:
        if change.seq != expected:
            break
        prefix.append(change)
        expected += 1
    return prefix


WRITERS = (
    "SELECT COALESCE(array_agg(DISTINCT virtualtransaction), '{}') FROM pg_locks "
    "WHERE locktype = 'relation' AND relation = to_regclass(%s) AND mode = 'RowExclusiveLock' "
    "AND granted AND pid <> pg_backend_pid() "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _writers_settled(model: type[models.Model], deadline: float) -> bool:
    """Wait until every transaction that is writing to the table now has ended
    (PostgreSQL); False when one still runs at `deadline`.

    A transaction takes the table's RowExclusiveLock before its INSERT draws an id and
    keeps it until it commits or rolls back, so the transactions holding it now are the
    only ones that can still commit an id drawn so far. The caller's own transaction is
    left out (it cannot be waited for)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(WRITERS, [table])
        pending: list[str] = list(cursor.fetchone()[0])
        while pending:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
            cursor.execute(f"{WRITERS} AND virtualtransaction = ANY(%s)", [table, pending])
            pending = list(cursor.fetchone()[0])
    return True


def read_changes(
    model: type[models.Model], *, key: str, after: int, limit: int, wait: float | None = None
) -> ChangePage:
    """Up to `limit` changes above `after` (ascending), below the safe high-water mark.
    `key` names the owner's id column (`case_id`, `alert_id`)."""
    seen = _read(model, key, after, limit + 1)
    if not seen:
        return ChangePage([], after, False, 0)
    if connection.vendor != "postgresql":
        page = seen[:limit]
        return ChangePage(page, page[-1].seq, len(seen) > limit, 0)
    prefix = _prefix(after, seen)
    if len(prefix) >= limit or len(prefix) == len(seen):
        page = prefix[:limit]
        return ChangePage(page, page[-1].seq, len(seen) > len(page), 0)
    # A gap: wait for the transactions running now, then every id up to `top` is settled.
    top = seen[-1].seq
    deadline = time.monotonic() + (wait_seconds() if wait is None else wait)
    if not _writers_settled(model, deadline):
        if prefix:
            return ChangePage(prefix, prefix[-1].seq, True, 1)
        return ChangePage([], after, True, 1)
    settled = _read(model, key, after, limit + 1, upto=top)
    page = settled[:limit]
    if len(settled) > limit:
        return ChangePage(page, page[-1].seq, True, 0)
    # Every committed id up to `top` (the highest id seen) is in the page: the cursor
    # passes the settled gaps too.
    return ChangePage(page, top, False, 0)


def owners_in_order(changes: Sequence[Change]) -> list[tuple[int, int]]:
    """(owner id, its last change in the page), in the order of those last changes."""
    last: dict[int, int] = {}
    for change in changes:
        last[change.key] = change.seq
    return sorted(last.items(), key=lambda item: item[1])


def parse_cursor(value: str | None) -> int:
    """The cursor a client sent ("" or missing: from the beginning)."""
    if not value:
        return 0
    return int(value)


def cursor_text(value: int) -> str:
    return str(value)
