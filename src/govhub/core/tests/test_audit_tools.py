"""The audit chain's tools: export and its check, the management commands, the signing
key, the retention check and the read-only admin screens."""

from __future__ import annotations

import datetime
import io
import json
import stat

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from govhub.core.admin_audit import AuditCheckpointAdmin, AuditEventAdmin
from govhub.core.audit_export import audit_export, audit_export_verify
from govhub.core.checks import audit_retention_check, audit_signing_key_check
from govhub.core.models import AuditCheckpoint, AuditEvent
from govhub.core.signing import ALGORITHMS, audit_signer, trusted_verifiers
from govhub.core.tests.audit_helpers import backdate, event_at, log, seal_and_checkpoint, tampering

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _own_signing_key(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def two_days() -> tuple[list[AuditEvent], list[AuditEvent]]:
    """Three events on 2026-03-01 and two on 2026-03-02 (Beijing time), all sealed."""
    day1 = log(3)
    day2 = log(2, start=3)
    backdate(day1, datetime.datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI))
    backdate(day2, datetime.datetime(2026, 3, 2, 23, 59, tzinfo=SHANGHAI))
    seal_and_checkpoint()
    return day1, day2


def export(start: str, end: str) -> str:
    out = io.StringIO()
    audit_export(
        start=datetime.date.fromisoformat(start), end=datetime.date.fromisoformat(end), out=out
    )
    return out.getvalue()


def lines_of(text: str) -> list[bytes]:
    return [line.encode() for line in text.splitlines(keepends=True)]


# --- export -----------------------------------------------------------------------------------


def test_export_writes_a_range_as_signed_json_lines():
    day1, _day2 = two_days()
    text = export("2026-03-01", "2026-03-01")
    records = [json.loads(line) for line in text.splitlines()]
    assert records[0]["type"] == "header"
    assert records[0]["from"] == records[0]["to"] == "2026-03-01"
    events = [record for record in records if record["type"] == "event"]
    assert [record["event"]["id"] for record in events] == [event.pk for event in day1]
    assert [record["seq"] for record in events] == [1, 2, 3]
    assert records[-1]["type"] == "trailer"
    assert records[-1]["lines"] == 4
    check = audit_export_verify(lines_of(text))
    assert check.ok, check.problem
    assert check.events == 3
    assert check.key_id == audit_signer().key_id
    both = export("2026-03-01", "2026-03-02")
    assert audit_export_verify(lines_of(both)).events == 5


def test_an_unsealed_event_is_exported_without_a_link():
    log(1)
    today = timezone.localdate()
    text = export(today.isoformat(), today.isoformat())
    event_line = json.loads(text.splitlines()[1])
    assert event_line["seq"] is None
    assert audit_export_verify(lines_of(text)).ok


def test_a_changed_export_line_is_named():
    two_days()
    lines = export("2026-03-01", "2026-03-02").splitlines(keepends=True)
    record = json.loads(lines[2])
    record["event"]["object_label"] = "changed"
    lines[2] = json.dumps(record, ensure_ascii=False) + "\n"
    check = audit_export_verify([line.encode() for line in lines])
    assert not check.ok
    assert check.line == 3
    assert "does not match its chain hash" in (check.problem or "")


def test_a_removed_export_line_fails_the_trailer():
    two_days()
    lines = export("2026-03-01", "2026-03-02").splitlines(keepends=True)
    del lines[3]
    check = audit_export_verify([line.encode() for line in lines])
    assert not check.ok
    assert check.line == len(lines)
    assert "counts" in (check.problem or "")


def test_a_rehashed_line_still_breaks_the_next_link_or_the_digest():
    two_days()
    lines = export("2026-03-01", "2026-03-02").splitlines(keepends=True)
    record = json.loads(lines[5])  # the last event: no next line to disagree
    record["event"]["actor_label"] = "x"
    from govhub.core.audit_chain import content_hash

    record["hash"] = content_hash(record["prev_hash"], record["event"])
    lines[5] = json.dumps(record) + "\n"
    check = audit_export_verify([line.encode() for line in lines])
    assert not check.ok
    assert "digest" in (check.problem or "")


def test_a_cut_short_or_foreign_file_is_refused():
    two_days()
    lines = lines_of(export("2026-03-01", "2026-03-01"))
    assert "no trailer" in (audit_export_verify(lines[:-1]).problem or "")
    assert "not JSON" in (audit_export_verify([b"{oops\n"]).problem or "")
    assert "not a govhub-audit-export/1 file" in (
        audit_export_verify([b'{"type": "event"}\n']).problem or ""
    )


def test_an_export_signed_by_another_key_needs_that_key(tmp_path):
    two_days()
    other = ALGORITHMS["ed25519"].load_signer(ALGORITHMS["ed25519"].generate_private_pem().encode())
    out = io.StringIO()
    audit_export(
        start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 1), out=out, signer=other
    )
    lines = lines_of(out.getvalue())
    assert "not trusted" in (audit_export_verify(lines).problem or "")
    public = other.verifier().public_key_pem().encode()
    assert audit_export_verify(lines, public_key=public).ok
    wrong = audit_signer().verifier().public_key_pem().encode()
    assert "not by the given key" in (audit_export_verify(lines, public_key=wrong).problem or "")


# --- commands ---------------------------------------------------------------------------------


def test_seal_and_verify_commands(tmp_path):
    log(3)
    out = io.StringIO()
    call_command("audit_seal", stdout=out)
    assert "Sealed 3 record(s)" in out.getvalue()
    assert "Checkpoint" in out.getvalue()
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit chain intact: 3 link(s)" in out.getvalue()
    out = io.StringIO()
    call_command("audit_verify", "--from-checkpoint", stdout=out)
    assert "0 link(s) after seq 3" in out.getvalue()
    target = event_at(2)
    with tampering() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = %s WHERE id = %s", ["x", target.pk])
    with pytest.raises(CommandError, match=f"changed; seq 2, event {target.pk}") as failure:
        call_command("audit_verify")
    assert failure.value.returncode == 1
    with pytest.raises(CommandError, match="checkpoint id or 'latest'"):
        call_command("audit_verify", "--from-checkpoint", "first")
    with pytest.raises(CommandError, match="no checkpoint with id 999"):
        call_command("audit_verify", "--from-checkpoint", "999")


def test_export_command_writes_and_verifies_a_file(tmp_path):
    two_days()
    path = tmp_path / "audit.jsonl"
    out = io.StringIO()
    call_command(
        "audit_export",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-02",
        "--output",
        str(path),
        stdout=out,
    )
    assert "Exported 5 record(s)" in out.getvalue()
    out = io.StringIO()
    call_command("audit_export", "--verify", str(path), stdout=out)
    assert "intact, 5 record(s)" in out.getvalue()
    text = path.read_text(encoding="utf-8").replace('"outcome":"success"', '"outcome":"failure"', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="line 2: event") as failure:
        call_command("audit_export", "--verify", str(path))
    assert failure.value.returncode == 1
    printed = io.StringIO()
    call_command(
        "audit_export",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-02",
        stdout=printed,
        stderr=io.StringIO(),
    )
    assert audit_export_verify(lines_of(printed.getvalue())).events == 2
    with pytest.raises(CommandError, match="not a date"):
        call_command("audit_export", "--from", "2026-13-01", "--to", "2026-03-02")
    with pytest.raises(CommandError, match="before"):
        call_command("audit_export", "--from", "2026-03-02", "--to", "2026-03-01")
    with pytest.raises(CommandError, match="give --from and --to"):
        call_command("audit_export")


# --- signing key ------------------------------------------------------------------------------


def test_the_development_key_is_generated_once_with_owner_only_access(settings, tmp_path):
    signer = audit_signer()
    path = tmp_path / "audit-keys" / "ed25519.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert audit_signer().key_id == signer.key_id
    assert signer.verifier().verify(b"x", signer.sign(b"x"))
    assert not signer.verifier().verify(b"y", signer.sign(b"x"))


def test_a_configured_key_is_used_and_must_exist(settings, tmp_path):
    path = tmp_path / "configured.pem"
    path.write_text(ALGORITHMS["ed25519"].generate_private_pem())
    expected = ALGORITHMS["ed25519"].load_signer(path.read_bytes()).key_id
    settings.GOVHUB_AUDIT_SIGNING_KEY = str(path)
    assert audit_signer().key_id == expected
    settings.GOVHUB_AUDIT_SIGNING_KEY = str(tmp_path / "missing.pem")
    with pytest.raises(ImproperlyConfigured, match="no key file"):
        audit_signer()
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    settings.GOVHUB_AUDIT_SIGNING_KEY = str(bad)
    with pytest.raises(ImproperlyConfigured, match="not a readable ed25519 private key"):
        audit_signer()


def test_an_unknown_algorithm_is_a_configuration_error(settings):
    settings.GOVHUB_AUDIT_SIGNING_ALGORITHM = "sm2"
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        audit_signer()


def test_trusted_keys_accept_public_pem_files(settings, tmp_path):
    other = ALGORITHMS["ed25519"].load_signer(ALGORITHMS["ed25519"].generate_private_pem().encode())
    public = tmp_path / "old.pub.pem"
    public.write_text(other.verifier().public_key_pem())
    settings.GOVHUB_AUDIT_TRUSTED_KEYS = f"{public}, "
    assert ("ed25519", other.key_id) in trusted_verifiers()
    settings.GOVHUB_AUDIT_TRUSTED_KEYS = str(tmp_path / "nothing.pem")
    with pytest.raises(ImproperlyConfigured, match="GOVHUB_AUDIT_TRUSTED_KEYS"):
        trusted_verifiers()


# --- checks -----------------------------------------------------------------------------------


def test_retention_below_180_days_is_an_error(settings):
    settings.GOVHUB_AUDIT_RETENTION_DAYS = 90
    assert [message.id for message in audit_retention_check()] == ["core.E121"]
    settings.GOVHUB_AUDIT_RETENTION_DAYS = "half a year"
    assert [message.id for message in audit_retention_check()] == ["core.E120"]
    settings.GOVHUB_AUDIT_RETENTION_DAYS = 365
    assert audit_retention_check() == []
    del settings.GOVHUB_AUDIT_RETENTION_DAYS
    assert audit_retention_check() == []


def test_retention_check_reads_the_environment(settings, monkeypatch):
    monkeypatch.setenv("GOVHUB_AUDIT_RETENTION_DAYS", "30")
    assert [message.id for message in audit_retention_check()] == ["core.E121"]


def test_production_without_a_configured_signing_key_is_warned(settings, tmp_path):
    settings.PRODUCTION = True
    assert [message.id for message in audit_signing_key_check()] == ["core.W120"]
    settings.GOVHUB_AUDIT_SIGNING_KEY = str(tmp_path / "key.pem")
    assert audit_signing_key_check() == []
    settings.PRODUCTION = False
    del settings.GOVHUB_AUDIT_SIGNING_KEY
    assert audit_signing_key_check() == []


# --- admin ------------------------------------------------------------------------------------


def test_the_admin_screens_show_the_chain_and_change_nothing(admin_user):
    log(2)
    seal_and_checkpoint()
    log(1, start=2)
    request = RequestFactory().get("/admin/core/auditevent/")
    request.user = admin_user
    event_admin = AuditEventAdmin(AuditEvent, admin.site)
    rows = list(event_admin.get_queryset(request).order_by("pk"))
    assert [event_admin.chain_seq(row) for row in rows[:2]] == [1, 2]
    assert str(event_admin.chain_seq(rows[2])) == "待封存"
    assert event_admin.chain_hash(rows[0]) == rows[0].chain_link.hash
    assert event_admin.chain_prev_hash(rows[2]) == ""
    assert "chain_hash" in event_admin.get_readonly_fields(request, rows[0])
    checkpoint_admin = AuditCheckpointAdmin(AuditCheckpoint, admin.site)
    for model_admin in (event_admin, checkpoint_admin):
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, None)
        assert not model_admin.has_delete_permission(request, None)
