"""What a submission's statements cost through Django's ORM on this machine, beside the
same SQL through a bare database cursor (issue 5, for `cases_throughput`).

The throughput target is a CPU budget: two cores at 200 submissions/s leave 10 ms of CPU
for everything one submission costs (web server, task worker, database). This measures
the part of it that the request's shape fixes: one minimal submission is made in-process
and its statements counted (reads and writes), then a primary-key read of an existing
audit record and a one-row insert of the audit table are timed through the ORM and
through a cursor with the SQL the ORM sent, each in a transaction that is rolled back.
Python's CPU comes from this process; PostgreSQL's from its backend's `/proc` entry (on
SQLite the database works in this process, so its share is in the Python figure).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import http_load
from common import Figure

REPEAT = 2000
WARMUP = 200


def submission_statements(
    submit_url: str, *, token: str, body: bytes, content_type: str
) -> tuple[int, int]:
    """(reads, writes) of one minimal submission through the API, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as context:
        response = client.post(
            submit_url,
            data=body,
            content_type=content_type,
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"bench-floor-{uuid.uuid4().hex}",
                "Prefer": "return=minimal",
                "Accept": "application/json",
            },
        )
    if response.status_code != 201:
        raise RuntimeError(f"the in-process submission was refused: {response.status_code}")
    verbs = [query["sql"].lstrip().split(None, 1)[0].upper() for query in context]
    reads = sum(verb == "SELECT" for verb in verbs)
    writes = sum(verb in {"INSERT", "UPDATE", "DELETE"} for verb in verbs)
    return reads, writes


def _backend_cpu() -> float | None:
    """CPU seconds PostgreSQL's backend for this connection has used, else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return http_load.process_cpu(pid)  # None for a database on another machine


def _cost(statement: Callable[[], object]) -> tuple[float, float | None]:
    """(Python ms, database ms) per call of `statement`, in a transaction rolled back."""
    from django.db import transaction

    with transaction.atomic():
        for _ in range(WARMUP):
            statement()
        database_before = _backend_cpu()
        python_before = time.process_time()
        for _ in range(REPEAT):
            statement()
        python = (time.process_time() - python_before) * 1000 / REPEAT
        database_after = _backend_cpu()
        transaction.set_rollback(True)
    if database_before is None or database_after is None:
        return python, None
    return python, (database_after - database_before) * 1000 / REPEAT


def _statements() -> dict[str, Callable[[], object]]:
    """A read by primary key and a one-row insert of the audit table, through the ORM and
    through a cursor with the SQL the ORM sent for them."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from govhub.core.models import AuditEvent

    def orm_insert() -> Any:
        return AuditEvent.objects.create(
            action="bench.statement", object_type="bench", object_id="1", changes={"n": 1}
        )

    # A row that stays: the timed reads run in transactions of their own, where a row
    # inserted here and rolled back would be missing, and reading nothing is cheaper.
    pk = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    if pk is None:
        raise RuntimeError("the bench database has no audit record to read")

    def orm_read() -> Any:
        return AuditEvent.objects.filter(pk=pk).first()

    with transaction.atomic(), CaptureQueriesContext(connection) as context:
        orm_insert()
        if orm_read() is None:
            raise RuntimeError(f"audit record {pk} is not there")
        transaction.set_rollback(True)
    sent = [query["sql"] for query in context.captured_queries]
    insert_sql = next(sql for sql in reversed(sent) if sql.lstrip().upper().startswith("INSERT"))
    read_sql = next(sql for sql in reversed(sent) if sql.lstrip().upper().startswith("SELECT"))

    def cursor_read() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(read_sql)
            row = cursor.fetchone()
        if row is None:
            raise RuntimeError(f"audit record {pk} is not there")
        return row

    def cursor_insert() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(insert_sql)
            return cursor.fetchone() if cursor.description else None

    return {
        "orm read": orm_read,
        "orm write": orm_insert,
        "cursor read": cursor_read,
        "cursor write": cursor_insert,
    }


def orm_floor(reads: int, writes: int, *, cores: int) -> list[Figure]:
    costs = {name: _cost(statement) for name, statement in _statements().items()}

    def total(kind: str) -> tuple[float, float | None]:
        read, write = costs[f"{kind} read"], costs[f"{kind} write"]
        python = reads * read[0] + writes * write[0]
        if read[1] is None or write[1] is None:
            return python, None
        return python, reads * read[1] + writes * write[1]

    def describe(kind: str) -> str:
        read, write = costs[f"{kind} read"], costs[f"{kind} write"]
        database = total(kind)[1]
        parts = [f"read {read[0]:.2f}, write {write[0]:.2f} ms of Python"]
        if database is not None:
            parts.append(f"database {read[1]:.2f} / {write[1]:.2f} ms")
        return f"{'; '.join(parts)} per statement; {reads} reads + {writes} writes"

    figures = []
    for kind, label in (("orm", "through the ORM"), ("cursor", "through a bare cursor")):
        python, database = total(kind)
        spent = python + (database or 0.0)
        figures.append(
            Figure(
                f"CPU of one submission's statements {label}",
                spent,
                "ms",
                note=(
                    f"{describe(kind)}; {cores} cores at this cost alone: "
                    f"{cores * 1000 / spent:,.0f} submissions/s at most"
                ),
            )
        )
    return figures
