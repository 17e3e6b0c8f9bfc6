"""On PostgreSQL: the append-only trigger, and sealing while other transactions are open
(real concurrent connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from govhub.core.audit import audit_log
from govhub.core.audit_chain import audit_seal
from govhub.core.audit_verify import audit_verify
from govhub.core.models import AuditChainLink, AuditCheckpoint, AuditEvent
from govhub.core.tests.audit_helpers import log, seal_and_checkpoint

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (trigger, two connections)"
    ),
]


@pytest.fixture(autouse=True)
def _own_signing_key(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("core_auditevent", "id"),
        ("core_auditchainlink", "seq"),
        ("core_auditcheckpoint", "id"),
    ],
)
def test_the_trigger_refuses_update_and_delete(table, column):
    log(2)
    seal_and_checkpoint()
    for statement in (
        f"UPDATE {table} SET {column} = {column} WHERE {column} IS NOT NULL",
        f"DELETE FROM {table}",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 2
    assert AuditChainLink.objects.count() == 2
    assert AuditCheckpoint.objects.count() == 1


def test_the_orm_cannot_change_a_record_either():
    event = log(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="core.test.other")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias)
    assert AuditEvent.objects.get(pk=event.pk).action == "core.test.thing"


def test_an_event_committed_after_a_larger_id_is_sealed_later():
    inserted = threading.Event()
    release = threading.Event()
    result: dict[str, object] = {}

    def slow_service() -> None:
        try:
            with transaction.atomic():
                result["event"] = audit_log(actor=None, action="core.test.slow", changes={})
                inserted.set()
                release.wait(10)
        except Exception as exc:
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_service)
    thread.start()
    assert inserted.wait(10)
    quick = audit_log(actor=None, action="core.test.quick", changes={})
    first = audit_seal()
    release.set()
    thread.join(10)
    assert "error" not in result
    slow = result["event"]
    assert isinstance(slow, AuditEvent)
    assert slow.pk < quick.pk
    assert first.linked == 1
    assert AuditChainLink.objects.get(seq=1).event_id == quick.pk
    second = audit_seal()
    assert second.linked == 1
    assert AuditChainLink.objects.get(seq=2).event_id == slow.pk
    assert audit_verify().ok


def test_two_sealers_at_once_link_each_event_once():
    log(300)
    outcomes: list[object] = [None, None]
    barrier = threading.Barrier(2)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = audit_seal(batch_size=25)
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert AuditChainLink.objects.count() == 300
    assert list(AuditChainLink.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 301)
    )
    assert audit_verify().ok
