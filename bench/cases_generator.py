"""Synthetic cases (办件) at volume, streamed into the database without holding them.

    from cases_generator import generate_cases
    result = generate_cases(1_000_000)          # bench/bench_cases.py, manage.py generate_cases

What it makes, for the published items of the demo catalogue (every department and region
that has them; market regulation and human resources get more than their share, as in a
real city):

- `Case` rows in a city's mix of states: about 90% ended (completed, not accepted,
  withdrawn, terminated) and about 10% open (submitted, supplement requested before or
  after acceptance, under review, special procedure, decided, issued, delivered by post).
  Ended cases were submitted over the last two years; open ones recently, with
  acceptance dates and promised due dates around today computed on the platform's
  working-day calendar (`cases.clock.due_date`), some of them overdue. Numbers are
  region-date-sequence like `service_support.next_case_number` makes them, and the
  `CaseNumberCounter` rows are moved on so that later submissions continue the sequence.
- The history (`CaseEvent`, 3–8 rows for most cases; a case just submitted has one or
  two, a joint review adds one per department), the review steps (`CaseStep`, from the
  item's configured steps via `services_handling._step_plan`) of every accepted case, the
  deadline record at acceptance (`DeadlineChange`, plus one per resumption or extension),
  supplement requests and special procedures where the state or history has them, and a
  couple of material rows per case (uploads point at one shared placeholder PDF; paper
  originals and government-held materials have no file).
- Applicants are the demo residents (registries) and the demo person accounts, and for
  enterprise cases the demo legal entities. Each resident's ID number is encrypted once
  (`core.crypto`) and the same ciphertext reused for all their cases: Fernet costs tens
  of microseconds, a million of them would dominate the load. Most applicants have no
  account here: their cases have no `applicant`/`submitted_by` and are found by
  `applicant_id_hash`, as cases entered at a window before someone registered are.
  Staff actions name the department's demo staff where it has them, otherwise only a
  label (`actor_label`).

How it writes: in batches (5,000 cases by default) with ids assigned here (max(id) + 1 of
each table when it starts), so that child rows refer to their parents without reading
anything back; only two batches are in memory at a time: a writer thread sends one (COPY
… FROM STDIN with psycopg 3 on PostgreSQL, `executemany` on SQLite) while the next is
being built. The whole load is one transaction: an interrupted load leaves nothing behind.
On PostgreSQL, a superuser load of at least `FAST_LOAD_MIN` cases also drops the tables'
secondary indexes for the load and builds them again at the end (DDL is transactional
too), and skips the foreign-key triggers for the transaction (`session_replication_role =
replica`): the rows are consistent by construction, and both make a million-case load
several times faster. Sequences are moved past the new ids at the end; PostgreSQL tables
are then vacuumed and analysed (`ANALYZE` on SQLite), since plans over a million fresh
rows need statistics.

Meant for a benchmark or test database that nobody else writes to while it runs.
"""

from __future__ import annotations

import datetime
import json
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cases_generator_rows import (
    COLUMNS,
    TABLE_ORDER,
    UTC,
    Builder,
)
from cases_generator_source import (
    BATCH_SIZE,
    FAST_LOAD_MIN,
    PLACEHOLDER_FILE,
    PLACEHOLDER_PDF,
    Source,
    copy_escape,
)


@dataclass
class GenerateResult:
    engine: str
    cases: int
    rows: dict[str, int]
    seconds: float  # making and writing the rows, rebuilding indexes; not the statistics
    finish_seconds: float  # VACUUM/ANALYZE afterwards
    fast_load: bool
    first_id: int
    build_seconds: float = 0.0  # of `seconds`: making the rows in Python
    wait_seconds: float = 0.0  # of `seconds`: the builder waiting for the writer thread
    write_seconds: float = 0.0  # the writer thread's time (COPY / executemany), overlapping
    index_seconds: float = 0.0  # of `seconds`: building the dropped indexes again

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


# --- writing -------------------------------------------------------------------------------


def _models() -> dict[str, Any]:
    from django.apps import apps

    return {name: apps.get_model("cases", name) for name in TABLE_ORDER}


def _extra_columns(model: Any, columns: tuple[str, ...], connection: Any) -> list[tuple[str, Any]]:
    """Columns of `model` the generator does not know, with the value every row gets."""
    from django.db.models import JSONField

    extra = []
    for f in model._meta.concrete_fields:
        if f.column in columns:
            continue
        if f.has_default() and isinstance(f, JSONField):
            value = json.dumps(f.get_default())
        elif f.has_default():
            value = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            value = None
        else:
            raise RuntimeError(
                f"{model._meta.db_table}.{f.column} is NOT NULL without a default: "
                "teach bench/cases_generator.py what to put there"
            )
        extra.append((f.column, value))
    return extra


class _Writer:
    """Writes one batch: COPY text on PostgreSQL (one format string per table, the values
    already escaped), `executemany` on SQLite."""

    NULL = {"postgresql": "\\N", "sqlite": None}

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.vendor = connection.vendor
        if self.vendor not in self.NULL:
            raise RuntimeError(f"the case generator knows PostgreSQL and SQLite, not {self.vendor}")
        self.null = self.NULL[self.vendor]
        self.escape: Callable[[str], str] = (
            copy_escape if self.vendor == "postgresql" else (lambda text: text)
        )
        qn = connection.ops.quote_name
        self.current_step_at = COLUMNS["Case"].index("current_step_id")
        self.set_current_step = (
            f"UPDATE {qn(_models()['Case']._meta.db_table)} SET {qn('current_step_id')} = ? "
            f"WHERE {qn('id')} = ?"
        )
        self.statements: dict[str, str] = {}
        self.extra: dict[str, tuple[Any, ...]] = {}
        self.formats: dict[str, str] = {}
        for name, model in _models().items():
            columns = COLUMNS[name]
            extra = _extra_columns(model, columns, connection)
            names = ", ".join(qn(c) for c in [*columns, *(c for c, _ in extra)])
            table = qn(model._meta.db_table)
            if self.vendor == "postgresql":
                self.statements[name] = f"COPY {table} ({names}) FROM STDIN"
                tail = "".join(
                    "\t"
                    + ("\\N" if v is None else self.escape(str(v)))
                    .replace("{", "{{")
                    .replace("}", "}}")
                    for _, v in extra
                )
                self.formats[name] = "\t".join(["{}"] * len(columns)) + tail + "\n"
            else:
                marks = ", ".join(["?"] * (len(columns) + len(extra)))
                self.statements[name] = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                self.extra[name] = tuple(v for _, v in extra)

    def encode(self, rows: dict[str, list[tuple[Any, ...]]]) -> list[tuple[str, Any]]:
        """The batch as (statement, data) pairs for `send`: COPY text on PostgreSQL, rows
        of parameters on SQLite."""
        encoded: list[tuple[str, Any]] = []
        steps: list[tuple[int, int]] = []
        for name in TABLE_ORDER:
            batch = rows[name]
            if not batch:
                continue
            if self.vendor == "postgresql":
                line = self.formats[name].format
                encoded.append((self.statements[name], "".join([line(*row) for row in batch])))
            else:
                extra = self.extra[name]
                if name == "Case":
                    # A case names its current step, which is written after it. SQLite
                    # settles a deferred foreign key by searching the referring column,
                    # and `current_step_id` has no index: every step would scan the
                    # cases. So the cases go in without it and get it once the steps are in.
                    at = self.current_step_at
                    steps = [(row[at], row[0]) for row in batch if row[at] is not None]
                    batch = [(*row[:at], None, *row[at + 1 :]) for row in batch]
                encoded.append(
                    (
                        self.statements[name],
                        [
                            tuple(v.isoformat() if isinstance(v, datetime.date) else v for v in row)
                            + extra
                            for row in batch
                        ],
                    )
                )
                if name == "CaseStep" and steps:
                    encoded.append((self.set_current_step, steps))
        return encoded

    def send(self, encoded: list[tuple[str, Any]]) -> None:
        """Write an encoded batch on the connection's DB-API connection (so that a thread
        other than the builder's can do it, inside the builder's transaction)."""
        raw = self.connection.connection
        if self.vendor == "postgresql":
            with raw.cursor() as cursor:
                for statement, text in encoded:
                    with cursor.copy(statement) as copy:
                        copy.write(text)
        else:
            cursor = raw.cursor()
            try:
                for statement, rows in encoded:
                    cursor.executemany(statement, rows)
            finally:
                cursor.close()


class _Pipeline:
    """A writer thread: the database takes one batch while the next is being built."""

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer
        self.queue: queue.Queue[list[tuple[str, Any]] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._run, name="case-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (encoded := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain
            began = time.perf_counter()
            try:
                self.writer.send(encoded)
            except BaseException as exc:  # handed over to the builder's thread
                self.error = exc
            self.seconds += time.perf_counter() - began

    def put(self, encoded: list[tuple[str, Any]]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(encoded)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _next_ids(connection: Any) -> dict[str, int]:
    ids = {}
    with connection.cursor() as cursor:
        for name, model in _models().items():
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}")
            ids[name] = (cursor.fetchone()[0] or 0) + 1
    return ids


def _save_counters(counters: dict[tuple[str, datetime.date], int], before: dict[Any, int]) -> None:
    from govhub.cases.models import CaseNumberCounter

    changed = {key: last for key, last in counters.items() if before.get(key) != last}
    existing = {
        (c.region_code, c.day): c
        for c in CaseNumberCounter.objects.filter(day__in={day for _, day in changed})
    }
    updates = []
    for key, last in changed.items():
        if key in existing:
            existing[key].last = max(existing[key].last, last)
            updates.append(existing[key])
    CaseNumberCounter.objects.bulk_update(updates, ["last"], batch_size=1000)
    CaseNumberCounter.objects.bulk_create(
        (
            CaseNumberCounter(region_code=code, day=day, last=last)
            for (code, day), last in changed.items()
            if (code, day) not in existing
        ),
        batch_size=2000,
    )


def _placeholder_file() -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    if not default_storage.exists(PLACEHOLDER_FILE):
        default_storage.save(PLACEHOLDER_FILE, ContentFile(PLACEHOLDER_PDF))


class _FastLoad:
    """PostgreSQL bulk-load mode, inside the load's one transaction: the tables' secondary
    indexes are dropped and built again at the end (DDL is transactional, so an aborted
    load gives them back), and foreign-key triggers are off for the transaction."""

    def __init__(self, connection: Any, tables: Iterable[str]) -> None:
        self.connection = connection
        self.tables = list(tables)
        self.indexes: list[tuple[str, str]] = []

    @staticmethod
    def possible(connection: Any) -> bool:
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        return bool(row and row[0])

    def begin(self) -> None:
        with self.connection.cursor() as cursor:
            # Indexes that no constraint owns (primary keys and unique constraints stay).
            cursor.execute(
                """
                SELECT i.relname, pg_get_indexdef(i.oid)
                FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid
                JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
                  AND NOT x.indisunique
                """,
                [self.tables],
            )
            self.indexes = list(cursor.fetchall())
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
            cursor.execute("SET LOCAL session_replication_role = replica")

    def end(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)


def generate_cases(
    count: int,
    *,
    batch_size: int = BATCH_SIZE,
    seed: int = 2026,
    today: datetime.date | None = None,
    fast_load: bool | None = None,
    analyze: bool = True,
    progress: Callable[[int, float], None] | None = None,
    using: str = "default",
) -> GenerateResult:
    """Write `count` cases with their histories; see the module docstring."""
    from django.db import connections, transaction

    from govhub.cases.models import CaseNumberCounter
    from govhub.core import calendar

    connection = connections[using]
    rng = random.Random(seed)
    today = today or calendar.local_today()
    now = datetime.datetime.now(UTC)
    writer = _Writer(connection)
    source = Source(rng, today=today, null=writer.null, escape=writer.escape)
    _placeholder_file()
    if fast_load is None:
        fast_load = count >= FAST_LOAD_MIN and _FastLoad.possible(connection)
    totals = dict.fromkeys(TABLE_ORDER, 0)
    tables = [m._meta.db_table for m in _models().values()]

    timings = {"build": 0.0, "wait": 0.0, "index": 0.0}
    start = time.perf_counter()
    with transaction.atomic(using=using):
        mode = _FastLoad(connection, tables) if fast_load else None
        if mode is not None:
            mode.begin()
        ids = _next_ids(connection)
        first_id = ids["Case"]
        before = {(c.region_code, c.day): c.last for c in CaseNumberCounter.objects.all()}
        builder = Builder(source, rng, today, now, ids, dict(before), null=writer.null)
        pipeline = _Pipeline(writer)
        try:
            done = 0
            while done < count:
                size = min(batch_size, count - done)
                began = time.perf_counter()
                for _ in range(size):
                    builder.case()
                rows = builder.take()
                encoded = writer.encode(rows)
                built = time.perf_counter()
                pipeline.put(encoded)  # waits while the previous batch is still being written
                timings["build"] += built - began
                timings["wait"] += time.perf_counter() - built
                for name, batch in rows.items():
                    totals[name] += len(batch)
                done += size
                if progress is not None:
                    progress(done, time.perf_counter() - start)
        finally:
            began = time.perf_counter()
            pipeline.close()
            timings["wait"] += time.perf_counter() - began
        if mode is not None:
            began = time.perf_counter()
            mode.end()
            timings["index"] = time.perf_counter() - began
        _save_counters(builder.counters, before)
        _reset_sequences(connection)
    seconds = time.perf_counter() - start

    begin = time.perf_counter()
    if analyze:
        analyze_tables(connection, tables)
    return GenerateResult(
        engine=connection.vendor,
        cases=count,
        rows=totals,
        seconds=seconds,
        finish_seconds=time.perf_counter() - begin,
        fast_load=fast_load,
        first_id=first_id,
        build_seconds=timings["build"],
        wait_seconds=timings["wait"],
        write_seconds=pipeline.seconds,
        index_seconds=timings["index"],
    )


def _reset_sequences(connection: Any) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT remembers the largest id inserted, whoever chose it
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(_models().values()))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze_tables(connection: Any, tables: list[str]) -> None:
    """Statistics (and, on PostgreSQL, the visibility map) for the freshly loaded tables."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(qn(t) for t in tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {qn(table)}")
