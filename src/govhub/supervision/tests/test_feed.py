"""The provincial feed: who may pull (client-credentials tokens with `supervision.feed`
only), what an item carries, the cursor (no change skipped or repeated, also while other
connections insert), the audit record of every pull, the OpenAPI document, and pinned
query counts. The concurrency tests need PostgreSQL: SQLite has one writer at a time, so
ids commit in order there and there is no race to test."""

from __future__ import annotations

import base64
import datetime
import random
import secrets
import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value

from govhub.cases.models import Case, CaseEvent
from govhub.cases.tests.factories import CaseFactory, make_online_item
from govhub.core.models import AuditEvent
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.supervision.feed import read_changes
from govhub.supervision.models import AlertEvent
from govhub.supervision.tests.factories import AlertFactory

BASE = "/api/v1/supervision"
SECRET = "feed-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: ids commit in order, there is no race to test",
)


def machine_client(client_id: str = "province-feed") -> Application:
    return Application.objects.create(
        client_id=client_id,
        name="省电子监察系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=SECRET,
        hash_client_secret=True,
    )


def bearer(
    application: Application,
    *,
    scope: str = "supervision.feed",
    user: Any = None,
    expires_in: int = 600,
) -> dict[str, str]:
    raw = secrets.token_urlsafe(24)
    token = AccessToken(
        user=user,
        application=application,
        scope=scope,
        expires=timezone.now() + datetime.timedelta(seconds=expires_in),
    )
    set_token_value(token, raw)
    token.save()
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_envelope(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert body["error"]["message"] and body["error"]["request_id"]


def event(case: Case, action: str = "accept", **fields: Any) -> CaseEvent:
    return CaseEvent.objects.create(case=case, action=action, **fields)


# --- who may pull ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_is_needed(client: Client) -> None:
    assert_envelope(client.get(f"{BASE}/feed/cases"), 401, "not_authenticated")
    headers = {"HTTP_AUTHORIZATION": "Bearer not-a-token"}
    assert_envelope(client.get(f"{BASE}/feed/alerts", **headers), 401, "not_authenticated")


@pytest.mark.django_db
def test_expired_and_scopeless_tokens_are_refused(client: Client) -> None:
    app = machine_client()
    expired = bearer(app, expires_in=-5)
    assert_envelope(client.get(f"{BASE}/feed/cases", **expired), 401, "not_authenticated")
    scopeless = bearer(app, scope="")
    assert_envelope(client.get(f"{BASE}/feed/cases", **scopeless), 403, "insufficient_scope")


@pytest.mark.django_db
def test_a_persons_token_is_refused_even_with_the_scope(client: Client) -> None:
    app = Application.objects.create(
        client_id="mobile",
        name="移动端",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example.test/cb",
    )
    headers = bearer(app, user=VerifiedPersonFactory(), scope="openid supervision.feed")
    response = client.get(f"{BASE}/feed/cases", **headers)
    assert_envelope(response, 403, "client_credentials_required")


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.mark.django_db
def test_token_endpoint_issues_the_scope_to_machine_clients_only(client: Client) -> None:
    machine_client("province-feed")
    response = client.post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "supervision.feed"},
        HTTP_AUTHORIZATION=_basic("province-feed", SECRET),
    )
    assert response.status_code == 200, response.content
    token = response.json()
    assert token["scope"] == "supervision.feed" and "refresh_token" not in token
    pulled = client.get(f"{BASE}/feed/cases", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    assert pulled.status_code == 200
    # A machine client gets no personal scope …
    refused = client.post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "openid idcard"},
        HTTP_AUTHORIZATION=_basic("province-feed", SECRET),
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    # … and a client for people cannot use the grant.
    Application.objects.create(
        client_id="dept-system",
        name="部门系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://dept.example.test/cb",
        client_secret=SECRET,
        hash_client_secret=True,
    )
    other = client.post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "supervision.feed"},
        HTTP_AUTHORIZATION=_basic("dept-system", SECRET),
    )
    assert other.status_code in (400, 401) and other.json()["error"] == "unauthorized_client"


# --- what an item carries, and the cursor ------------------------------------------------------


@pytest.mark.django_db
def test_cases_feed_pages_in_order_of_change_with_whole_timelines(client: Client) -> None:
    headers = bearer(machine_client())
    item = make_online_item()
    one, two, three = (CaseFactory(item=item) for _ in range(3))
    e1 = event(one, "submit", to_state="submitted", role="applicant", actor_label="王某某")
    e2 = event(two, "submit", to_state="submitted", role="applicant")
    e3 = event(
        one,
        "accept",
        from_state="submitted",
        to_state="under_review",
        role="window_clerk",
        actor_label="李窗口",
        opinion="材料齐全",
    )
    e4 = event(three, "submit", to_state="submitted", role="applicant")
    e5 = event(two, "accept", role="window_clerk", actor_label="赵窗口")

    seen: list[tuple[str, int]] = []
    cursor = ""
    pages = []
    while True:
        body = client.get(f"{BASE}/feed/cases", {"cursor": cursor, "limit": 2}, **headers).json()
        pages.append(body)
        seen += [(item["number"], item["seq"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert seen == [
        (one.number, e1.pk),
        (two.number, e2.pk),
        (one.number, e3.pk),
        (three.number, e4.pk),
        (two.number, e5.pk),
    ]
    assert [p["next_cursor"] for p in pages] == [str(e2.pk), str(e4.pk), str(e5.pk)]
    first = pages[0]["items"][0]
    # The whole timeline as it is now; applicants are not named, officials are.
    assert [entry["seq"] for entry in first["timeline"]] == [e1.pk, e3.pk]
    assert first["timeline"][0]["actor"] == "" and first["timeline"][1]["actor"] == "李窗口"
    assert first["timeline"][1]["opinion"] == "材料齐全"
    assert first["timeline"][1]["action_label"] == "受理"
    assert first["department"]["code"] == one.department.code
    assert "applicant_name" not in first and "id_number" not in str(first)
    # Nothing new: an empty page that keeps the cursor.
    empty = client.get(f"{BASE}/feed/cases", {"cursor": cursor}, **headers).json()
    assert empty == {"items": [], "next_cursor": cursor, "has_more": False, "retry_after": 0}
    # A later change brings the case again, once.
    e6 = event(three, "accept")
    later = client.get(f"{BASE}/feed/cases", {"cursor": cursor}, **headers).json()
    assert [(i["number"], i["seq"]) for i in later["items"]] == [(three.number, e6.pk)]


@pytest.mark.django_db
def test_one_case_changed_many_times_is_one_item_per_page(client: Client) -> None:
    headers = bearer(machine_client())
    case = CaseFactory()
    events = [event(case, "claim") for _ in range(4)]
    body = client.get(f"{BASE}/feed/cases", {"limit": 10}, **headers).json()
    assert len(body["items"]) == 1 and body["items"][0]["seq"] == events[-1].pk
    assert body["next_cursor"] == str(events[-1].pk)


@pytest.mark.django_db
def test_alerts_feed(client: Client) -> None:
    headers = bearer(machine_client())
    alert = AlertFactory()
    raised = AlertEvent.objects.create(
        alert=alert, action="raise", to_state="raised", to_level="red"
    )
    from govhub.supervision import services
    from govhub.supervision.tests.factories import supervisor

    boss = supervisor(alert.region)
    services.alert_escalate(actor=boss, alert=alert, text="请立即纠正。")
    body = client.get(f"{BASE}/feed/alerts", **headers).json()
    assert len(body["items"]) == 1
    item = body["items"][0]
    assert item["id"] == alert.pk and item["state"] == "escalated"
    assert item["rule"]["code"] == alert.rule.code and item["rule"]["name"]
    assert [e["action"] for e in item["timeline"]] == ["raise", "escalate"]
    assert item["timeline"][0]["seq"] == raised.pk and item["timeline"][0]["actor"] == ""
    assert item["notices"][0]["number"].endswith("000001")
    assert item["case_number"] == alert.case.number


@pytest.mark.django_db
def test_bad_cursor_and_limit_are_422(client: Client) -> None:
    headers = bearer(machine_client())
    assert_envelope(
        client.get(f"{BASE}/feed/cases", {"cursor": "abc"}, **headers), 422, "validation_error"
    )
    assert_envelope(
        client.get(f"{BASE}/feed/cases", {"limit": 101}, **headers), 422, "validation_error"
    )


@pytest.mark.django_db
def test_every_pull_is_audited(client: Client) -> None:
    app = machine_client("province-feed")
    headers = bearer(app)
    event(CaseFactory(), "submit")
    client.get(f"{BASE}/feed/cases", **headers)
    client.get(f"{BASE}/feed/alerts", {"cursor": "7"}, **headers)
    records = list(AuditEvent.objects.filter(action="supervision.feed.pull").order_by("pk"))
    assert [r.changes["feed"] for r in records] == ["cases", "alerts"]
    assert records[0].actor_label == "oauth-client:province-feed"
    assert records[0].changes["items"] == 1 and records[1].changes["cursor"] == 7


@pytest.mark.django_db
def test_openapi_documents_the_feed(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/supervision/feed/cases", "/api/v1/supervision/feed/alerts"):
        operation = schema["paths"][path]["get"]
        assert operation["security"]
        assert {p["name"] for p in operation["parameters"]} >= {"cursor", "limit"}


@pytest.mark.django_db
def test_query_count_does_not_depend_on_the_page(client: Client) -> None:
    headers = bearer(machine_client())
    item = make_online_item()

    def pull() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{BASE}/feed/cases", {"limit": 100}, **headers).status_code == 200
        return len(queries)

    for case in [CaseFactory(item=item) for _ in range(2)]:
        event(case, "submit")
    small = pull()
    for case in [CaseFactory(item=item) for _ in range(8)]:
        event(case, "submit")
        event(case, "accept")
    assert pull() == small


# --- the cursor under concurrent inserts (PostgreSQL) ------------------------------------------


def _in_thread(target: Any) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_an_uncommitted_id_holds_the_cursor_back() -> None:
    case = CaseFactory()
    before = event(case, "submit")
    inserted, release = threading.Event(), threading.Event()
    held: dict[str, int] = {}

    def slow_writer() -> None:
        with transaction.atomic():
            held["id"] = event(Case.objects.get(pk=case.pk), "claim").pk
            inserted.set()
            release.wait(10)

    writer = _in_thread(slow_writer)
    try:
        assert inserted.wait(10)
        after = event(case, "accept")  # committed, above the uncommitted id
        assert held["id"] < after.pk
        page = read_changes(CaseEvent, key="case_id", after=before.pk - 1, limit=50, wait=0.05)
        # Only what is certainly settled: up to the gap, never past it.
        assert [c.seq for c in page.changes] == [before.pk]
        assert page.next_cursor == before.pk and page.has_more and page.retry_after > 0
        # Nothing at all above the cursor is handed out while the writer runs.
        page = read_changes(CaseEvent, key="case_id", after=before.pk, limit=50, wait=0.05)
        assert page.changes == [] and page.next_cursor == before.pk and page.retry_after > 0
    finally:
        release.set()
        writer.join(10)
    page = read_changes(CaseEvent, key="case_id", after=before.pk, limit=50, wait=1)
    assert [c.seq for c in page.changes] == [held["id"], after.pk]
    assert page.next_cursor == after.pk and not page.has_more


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_id_is_passed_once_settled() -> None:
    case = CaseFactory()
    first = event(case, "submit")
    try:
        with transaction.atomic():
            event(case, "claim")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    last = event(case, "accept")
    page = read_changes(CaseEvent, key="case_id", after=first.pk, limit=50, wait=1)
    assert [c.seq for c in page.changes] == [last.pk]
    assert page.next_cursor == last.pk and page.retry_after == 0


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_cursor_never_skips_or_repeats_under_concurrent_inserts() -> None:
    cases = [CaseFactory() for _ in range(3)]
    writers_done = threading.Event()
    rng = random.Random(20260318)
    plans = [[rng.random() for _ in range(25)] for _ in range(4)]

    def writer(plan: list[float]) -> None:
        for index, draw in enumerate(plan):
            try:
                with transaction.atomic():
                    event(Case.objects.get(pk=cases[index % 3].pk), "claim")
                    time.sleep(draw * 0.02)  # hold the id a while before committing
                    if draw < 0.15:
                        raise RuntimeError("roll back")
            except RuntimeError:
                pass

    threads = [_in_thread(lambda plan=plan: writer(plan)) for plan in plans]

    def wait_all() -> None:
        for thread in threads:
            thread.join(60)
        writers_done.set()

    watcher = threading.Thread(target=wait_all, daemon=True)
    watcher.start()
    handed: list[int] = []
    cursor = 0
    while True:
        finished = writers_done.is_set()
        page = read_changes(CaseEvent, key="case_id", after=cursor, limit=7, wait=0.05)
        seqs = [c.seq for c in page.changes]
        assert seqs == sorted(seqs) and all(s > cursor for s in seqs)
        assert page.next_cursor >= cursor
        handed += seqs
        cursor = page.next_cursor
        if finished and not page.has_more and not page.changes:
            break
        time.sleep(0.005)
    committed = list(CaseEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert len(handed) == len(set(handed)), "a change was handed out twice"
    assert handed == committed, "a change was skipped"
    assert len(committed) < 100  # some rolled back: the gaps were really there
