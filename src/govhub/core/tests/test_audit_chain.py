"""The tamper-evident audit chain: canonical bytes, sealing, checkpoints and verification,
with every kind of tampering detected and the right record named."""

from __future__ import annotations

import datetime
import hashlib
import itertools

import pytest
from django.utils import timezone

from govhub.core import audit_chain
from govhub.core.audit import audit_log
from govhub.core.audit_chain import (
    GENESIS_HASH,
    audit_checkpoint,
    audit_seal,
    canonical_json,
    changes_digest,
    checkpoint_statement,
    event_content,
    link_hash,
)
from govhub.core.audit_verify import (
    CHANGED,
    CHECKPOINT,
    INSERTED,
    REMOVED,
    REWRITTEN,
    audit_verify,
)
from govhub.core.models import AuditChainLink, AuditCheckpoint, AuditEvent, AuditSealState
from govhub.core.signing import ALGORITHMS, b64encode
from govhub.core.tests.audit_helpers import (
    backdate,
    delete_rows,
    event_at,
    forge_event,
    log,
    rehash_from,
    seal_and_checkpoint,
    tampering,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_signing_key(settings, tmp_path):
    """Each test signs with a key generated in its own VAR_DIR."""
    settings.VAR_DIR = tmp_path


# --- canonical bytes ------------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_drops_spaces():
    assert canonical_json({"b": 1, "a": [1.0, "甲"]}) == '{"a":[1,"甲"],"b":1}'.encode()
    assert canonical_json({"a": 1e16}) == canonical_json({"a": 10**16})
    assert canonical_json({1: "x"}) == b'{"1":"x"}'


def test_changes_digest_is_sha256_of_the_canonical_json():
    expected = hashlib.sha256(b'{"a":[1],"b":"\xe4\xb9\x99"}').hexdigest()
    assert changes_digest({"b": "乙", "a": [1.0]}) == expected
    assert changes_digest(None) == changes_digest({}) == hashlib.sha256(b"{}").hexdigest()


def test_audit_log_stores_role_and_digest():
    event = audit_log(
        actor=None, action="core.test.thing", changes={"x": [1, 2]}, role="window_clerk"
    )
    event.refresh_from_db()
    assert event.actor_role == "window_clerk"
    assert event.changes_digest == changes_digest({"x": [1, 2]})


def test_every_content_field_is_in_the_hash():
    event = log(1)[0]
    event.refresh_from_db()
    content = event_content(event)
    assert set(content) == {
        "v",
        "id",
        "occurred_at",
        "actor_id",
        "actor_label",
        "on_behalf_of",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "outcome",
        "source_ip",
        "request_id",
        "changes",
        "changes_digest",
    }
    assert content["occurred_at"].endswith("Z")
    original = link_hash(GENESIS_HASH, event)
    for name, value in [
        ("actor_label", "someone else"),
        ("on_behalf_of", "enterprise:X"),
        ("actor_role", "approver"),
        ("action", "core.test.other"),
        ("object_type", "core.other"),
        ("object_id", "9"),
        ("object_label", "other"),
        ("outcome", "failure"),
        ("source_ip", "10.0.0.9"),
        ("request_id", "r-2"),
        ("changes", {"n": 1}),
        ("changes_digest", "0" * 64),
        ("occurred_at", event.occurred_at + datetime.timedelta(microseconds=1)),
    ]:
        changed = AuditEvent(**{f.attname: getattr(event, f.attname) for f in event._meta.fields})
        setattr(changed, name, value)
        assert link_hash(GENESIS_HASH, changed) != original, name
    assert link_hash("1" * 64, event) != original


# --- sealing --------------------------------------------------------------------------------


def test_sealing_links_every_event_once_in_id_order():
    events = log(5)
    report = audit_seal(batch_size=2)
    assert report.linked == 5
    links = list(AuditChainLink.objects.order_by("seq"))
    assert [link.seq for link in links] == [1, 2, 3, 4, 5]
    assert [link.event_id for link in links] == [event.pk for event in events]
    assert links[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(links):
        assert after.prev_hash == before.hash
    assert audit_seal().linked == 0
    log(2, start=5)
    again = audit_seal()
    assert again.linked == 2
    assert again.head_seq == 7
    assert AuditChainLink.objects.count() == 7


def test_a_late_commit_with_a_smaller_id_is_linked_after_larger_ids():
    first = log(1)[0]
    later = forge_event(pk=first.pk + 1000)  # allocated later, but committed first
    audit_seal()
    late = forge_event(pk=first.pk + 500)  # its transaction commits only now
    report = audit_seal()
    assert report.linked == 1
    order = list(AuditChainLink.objects.order_by("seq").values_list("event_id", flat=True))
    assert order == [first.pk, later.pk, late.pk]
    assert audit_verify().ok


def test_the_watermark_skips_old_rows_and_late_rows_above_it_are_still_found():
    old = log(3)
    backdate(old, timezone.now() - datetime.timedelta(hours=2))
    audit_seal()
    watermark = AuditSealState.objects.get(pk=1).watermark
    assert watermark == old[-1].pk
    fresh = log(1, start=3)
    assert audit_seal().linked == 1
    assert AuditChainLink.objects.filter(event=fresh[0]).exists()
    # Losing the state only costs a longer scan.
    with tampering() as cursor:
        cursor.execute("DELETE FROM core_auditsealstate")
    assert audit_seal().linked == 0


def test_an_event_stamped_before_the_previous_run_is_refused_and_reported():
    log(3)
    audit_seal()
    forged = forge_event(when=timezone.now() - datetime.timedelta(hours=1))
    report = audit_seal()
    assert report.refused == [forged.pk]
    assert not AuditChainLink.objects.filter(event=forged).exists()
    result = audit_verify()
    assert result.problem is not None
    assert (result.problem.kind, result.problem.event_id) == (INSERTED, forged.pk)


def test_an_event_inserted_below_the_watermark_is_not_sealed_and_is_reported():
    first = log(2)
    gap_end = forge_event(pk=first[-1].pk + 1000)
    backdate([*first, gap_end], timezone.now() - datetime.timedelta(hours=3))
    audit_seal()
    assert AuditSealState.objects.get(pk=1).watermark == gap_end.pk
    forged = forge_event(pk=first[-1].pk + 500, when=timezone.now() - datetime.timedelta(hours=2))
    report = audit_seal()
    assert (report.linked, report.refused) == (0, [])
    result = audit_verify()
    assert result.problem is not None
    assert (result.problem.kind, result.problem.event_id) == (INSERTED, forged.pk)


def test_the_seal_task_seals_and_signs():
    from govhub.core.tasks import audit_seal_task

    log(3)
    result = audit_seal_task.call()
    assert result["linked"] == 3
    assert result["checkpoint_seq"] == 3
    assert audit_seal_task.call()["checkpoint_seq"] is None


# --- checkpoints ----------------------------------------------------------------------------


def test_a_checkpoint_signs_the_head_and_names_the_previous_one():
    assert audit_checkpoint() is None  # nothing sealed yet
    log(2)
    first = seal_and_checkpoint()
    assert first is not None
    assert (first.seq, first.prev_digest) == (2, "")
    assert first.head_hash == AuditChainLink.objects.get(seq=2).hash
    assert audit_checkpoint() is None  # the head is already covered
    log(1, start=2)
    second = seal_and_checkpoint()
    assert second is not None
    assert second.seq == 3
    assert second.prev_digest == audit_chain.checkpoint_digest(first)
    assert first.algorithm == "ed25519"
    assert len(first.key_id) == 16


# --- verification ---------------------------------------------------------------------------


def build_chain() -> list[AuditCheckpoint]:
    """Eight sealed events, checkpoints at seq 3, 6 and 8."""
    checkpoints = []
    for count, start in ((3, 0), (3, 3), (2, 6)):
        log(count, start=start)
        checkpoint = seal_and_checkpoint()
        assert checkpoint is not None
        checkpoints.append(checkpoint)
    return checkpoints


def test_a_clean_chain_verifies():
    build_chain()
    log(1, start=8)  # written but not sealed yet: fine
    report = audit_verify(chunk_size=3)
    assert report.ok, report.problem
    assert (report.links, report.head_seq, report.checkpoints) == (8, 8, 3)
    assert report.last_checkpoint_seq == 8
    assert report.awaiting_seal == 1


def test_an_updated_event_is_named():
    build_chain()
    target = event_at(5)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["other", target.pk]
        )
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.event_id) == (CHANGED, 5, target.pk)


def test_changed_changes_with_a_matching_hash_are_still_caught_by_the_digest():
    log(1)
    event = AuditEvent.objects.get()
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET changes = %s WHERE id = %s", ['{"n": 99}', event.pk]
        )
    audit_seal()  # sealed after the change: the hash covers the changed row
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.event_id) == (CHANGED, event.pk)


def test_a_deleted_event_and_link_are_named_by_seq():
    build_chain()
    target = event_at(4)
    delete_rows("core_auditchainlink", "seq", [4])
    delete_rows("core_auditevent", "id", [target.pk])
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (REMOVED, 4)


def test_a_deleted_event_under_its_link_is_named():
    build_chain()
    target = event_at(7)
    delete_rows("core_auditevent", "id", [target.pk])
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.event_id) == (REMOVED, 7, target.pk)
    delete_rows("core_auditchainlink", "seq", [7])  # SQLite checks foreign keys at teardown


def test_a_removed_newest_link_is_named_by_the_checkpoint_that_covers_it():
    checkpoints = build_chain()
    delete_rows("core_auditchainlink", "seq", [8])
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.checkpoint_id) == (REMOVED, 8, checkpoints[2].pk)


def test_a_removed_link_in_an_uncheckpointed_tail_leaves_its_event_outside_the_chain():
    build_chain()
    log(2, start=8)
    audit_seal()
    target = event_at(10)
    delete_rows("core_auditchainlink", "seq", [10])
    with tampering():
        AuditChainLink.objects.update(sealed_at=timezone.now() + datetime.timedelta(hours=1))
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.event_id) == (INSERTED, target.pk)


def test_removing_the_newest_records_beyond_a_checkpoint_is_detected():
    checkpoints = build_chain()
    for seq in (7, 8):
        target = event_at(seq)
        delete_rows("core_auditchainlink", "seq", [seq])
        delete_rows("core_auditevent", "id", [target.pk])
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.checkpoint_id) == (REMOVED, 7, checkpoints[2].pk)


def test_an_inserted_event_older_than_the_last_seal_is_named():
    build_chain()
    forged = forge_event(when=timezone.now() - datetime.timedelta(days=3))
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.event_id) == (INSERTED, forged.pk)


def test_a_forged_link_squeezed_into_the_chain_breaks_the_next_link():
    build_chain()
    forged = forge_event()
    with tampering() as cursor:
        # Make room after seq 4 and link the forged event there.
        for seq in range(8, 4, -1):
            cursor.execute("UPDATE core_auditchainlink SET seq = %s WHERE seq = %s", [seq + 1, seq])
        prev_hash = AuditChainLink.objects.get(seq=4).hash
        AuditChainLink.objects.create(
            seq=5,
            event=forged,
            prev_hash=prev_hash,
            hash=link_hash(prev_hash, forged),
            sealed_at=timezone.now(),
        )
    problem = audit_verify().problem
    assert problem is not None
    # The forged link itself continues seq 4; the record after it no longer does.
    assert (problem.kind, problem.seq, problem.event_id) == (INSERTED, 6, event_at(6).pk)


def test_a_rewritten_tail_is_caught_by_the_checkpoint_after_the_change():
    checkpoints = build_chain()
    target = event_at(5)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET outcome = %s WHERE id = %s", ["failure", target.pk]
        )
    rehash_from(5)
    problem = audit_verify().problem
    assert problem is not None
    # Checkpoint 1 (seq 3) still matches; checkpoint 2 (seq 6) does not: seq 4..6.
    assert (problem.kind, problem.seq, problem.checkpoint_id) == (REWRITTEN, 4, checkpoints[1].pk)


def test_a_rewrite_of_the_whole_chain_is_caught_by_the_first_checkpoint():
    checkpoints = build_chain()
    target = event_at(1)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET actor_label = %s WHERE id = %s", ["nobody", target.pk]
        )
    rehash_from(1)
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.checkpoint_id) == (REWRITTEN, 1, checkpoints[0].pk)


def test_a_changed_checkpoint_fails_its_signature():
    checkpoints = build_chain()
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditcheckpoint SET head_hash = %s WHERE id = %s",
            ["f" * 64, checkpoints[1].pk],
        )
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.checkpoint_id) == (CHECKPOINT, checkpoints[1].pk)


def test_a_deleted_checkpoint_breaks_the_checkpoint_chain():
    checkpoints = build_chain()
    delete_rows("core_auditcheckpoint", "id", [checkpoints[1].pk])
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.checkpoint_id) == (CHECKPOINT, checkpoints[2].pk)


def _sign_checkpoint_with(signer, *, seq, head_hash, prev_digest="", created_at=None):
    checkpoint = AuditCheckpoint(
        seq=seq,
        head_hash=head_hash,
        prev_digest=prev_digest,
        created_at=created_at or timezone.now(),
        key_id=signer.key_id,
        algorithm=signer.algorithm,
    )
    checkpoint.signature = b64encode(signer.sign(checkpoint_statement(checkpoint)))
    checkpoint.save()
    return checkpoint


def _other_signer(tmp_path):
    path = tmp_path / "other.pem"
    path.write_text(ALGORITHMS["ed25519"].generate_private_pem())
    return ALGORITHMS["ed25519"].load_signer(path.read_bytes()), path


def test_a_checkpoint_by_an_untrusted_key_fails_and_a_trusted_earlier_key_passes(
    settings, tmp_path
):
    log(2)
    audit_seal()
    other, path = _other_signer(tmp_path)
    checkpoint = _sign_checkpoint_with(
        other, seq=2, head_hash=AuditChainLink.objects.get(seq=2).hash
    )
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.checkpoint_id) == (CHECKPOINT, checkpoint.pk)
    settings.GOVHUB_AUDIT_TRUSTED_KEYS = str(path)
    assert audit_verify().ok


def test_verifying_from_a_checkpoint_checks_only_what_follows():
    checkpoints = build_chain()
    log(2, start=8)
    audit_seal()
    target = event_at(2)
    with tampering() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_id = %s WHERE id = %s", ["7", target.pk])
    partial = audit_verify(from_checkpoint="latest")
    assert partial.ok, partial.problem
    assert (partial.start_seq, partial.links, partial.head_seq) == (8, 2, 10)
    assert audit_verify(from_checkpoint=checkpoints[1].pk).ok
    full = audit_verify().problem
    assert full is not None
    assert (full.kind, full.seq) == (CHANGED, 2)
    after = event_at(9)
    with tampering() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_id = %s WHERE id = %s", ["7", after.pk])
    problem = audit_verify(from_checkpoint="latest").problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (CHANGED, 9)
    with pytest.raises(ValueError, match="no checkpoint"):
        audit_verify(from_checkpoint=checkpoints[-1].pk + 100)


def _prune_through(seq: int) -> None:
    for link in AuditChainLink.objects.filter(seq__lte=seq).order_by("seq"):
        delete_rows("core_auditchainlink", "seq", [link.seq])
        delete_rows("core_auditevent", "id", [link.event_id])


def test_pruning_is_accepted_only_behind_a_checkpoint_older_than_the_retention():
    from govhub.core.signing import audit_signer

    log(4)
    audit_seal()
    head = AuditChainLink.objects.get(seq=3).hash
    old = timezone.now() - datetime.timedelta(days=181)
    _sign_checkpoint_with(audit_signer(), seq=3, head_hash=head, created_at=old)
    audit_checkpoint()
    _prune_through(3)
    report = audit_verify()
    assert report.ok, report.problem
    assert report.links == 1


def test_pruning_newer_than_the_retention_is_a_removal():
    log(4)
    audit_seal()
    log(1, start=4)
    seal_and_checkpoint()
    _prune_through(2)
    problem = audit_verify().problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (REMOVED, 1)


def test_an_empty_trail_verifies():
    report = audit_verify()
    assert report.ok
    assert report.links == 0


def test_unsealed_events_do_not_fail_verification_before_the_first_seal():
    log(2)
    report = audit_verify()
    assert report.ok
    assert report.awaiting_seal == 2
