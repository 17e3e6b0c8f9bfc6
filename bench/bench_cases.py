"""Cases at volume (issue 5): 1,000,000 cases on PostgreSQL, 100,000 on SQLite
(`GOVHUB_BENCH_CASES` overrides, for a quick run).

1. Load: `cases_generator.generate_cases` streams the cases with their histories, steps,
   deadline records and materials into the scratch database (COPY on PostgreSQL) and then
   vacuums/analyses the tables. Figures: cases/s and rows/s (no target; the aim is
   20,000 cases/s), and the statistics time. The intake and review queue queries are
   EXPLAINed afterwards: the note says which index the plan uses.
2. In-process latency (the Django test client, like `bench_pages.py`, so without network
   and server), signed in as the busy department's staff (市市场监管局 `hg-amr`: its window
   clerk and its reviewer, L2 sessions): the workbench queue page (`/workbench/`, each
   user's default tab, plus the review and "all" tabs), the case page
   (`/workbench/cases/<number>/`) over a sample of the department's open and ended cases,
   the API's queue list (`/api/v1/cases?queue=intake`) and case detail
   (`/api/v1/cases/<number>`), and `selectors.case_queue` / `selectors.case_detail` alone.
   Target p95 ≤ 50 ms for the pages and API calls. Notes give the query count of one call.
3. Throughput over HTTP with the standard server (`manage.py serve`: granian, WEB_WORKERS
   workers × WEB_THREADS threads, the task worker beside it) on a spare port against the
   same database: the bare-Django floor (`GET /healthz`) and sustained one-call
   submissions (`POST /api/v1/cases`, multipart with a PDF per required material and an
   `Idempotency-Key`, bearer access token of a verified demo person from the OpenID
   provider, signed in with password + SMS, so L2) from many keep-alive clients. Target
   ≥ 200 cases/s; the floor and the floor ÷ submissions ratio are reported beside it.
   The load generator is Python (raw sockets, keep-alive, threads in two processes) on the
   same two cores as the server, for both measures alike: `wrk` is not installed here.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from common import Figure, latency_figures

ROOT = Path(__file__).resolve().parent.parent
VOLUME = {"postgresql": 1_000_000, "sqlite": 100_000}
PAGE_TARGET = 50.0  # ms, p95
SUBMIT_TARGET = 200.0  # cases/s
DEPARTMENT = "hg-amr"
CLERK = "demo-amr-clerk"
REVIEWER = "demo-amr-reviewer"
APPLICANT = "demo-zhangwei"
REPEAT = 200
BUDGET_SECONDS = 20.0  # per measure
DETAIL_SAMPLE = 100
CLIENTS = int(os.environ.get("GOVHUB_BENCH_CLIENTS", "16"))
FLOOR_SECONDS = 10.0
SUBMIT_SECONDS = 20.0


def _volume(engine: str) -> int:
    raw = os.environ.get("GOVHUB_BENCH_CASES", "").replace("_", "").replace(",", "")
    return int(raw) if raw else VOLUME.get(engine, VOLUME["sqlite"])


def _timed(func: Callable[[], object], *, repeat: int = REPEAT) -> list[float]:
    """Like `common.timed_ms`, but within a time budget: a page that takes seconds at a
    million cases is measured a few times, not `repeat` times."""
    samples: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    for n in range(repeat + 3):
        start = time.perf_counter()
        func()
        elapsed = (time.perf_counter() - start) * 1000
        if n >= 3 or elapsed > 1000:  # warm-up, unless one call already takes a second
            samples.append(elapsed)
        if len(samples) >= repeat or (len(samples) >= 5 and time.perf_counter() > deadline):
            break
    return samples


def _figures(
    name: str, samples: list[float], *, p95_target: float | None = None, note: str = ""
) -> list[Figure]:
    """Median and p95, with the number of calls measured in the note."""
    return latency_figures(
        name, samples, p95_target=p95_target, note=f"{note}; {len(samples)} calls".lstrip("; ")
    )


def _queries(func: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        func()
    return len(context.captured_queries)


# --- 1. load ---------------------------------------------------------------------------------


def _load(engine: str) -> tuple[list[Figure], int]:
    from cases_generator import generate_cases

    from govhub.cases.models import Case

    wanted = _volume(engine)
    existing = Case.objects.count()
    if existing >= wanted:
        return [], existing

    def progress(done: int, seconds: float) -> None:
        if done % 100_000 == 0 or done == wanted - existing:
            print(f"   {done:,} cases in {seconds:.0f} s ({done / seconds:,.0f}/s)", flush=True)

    load = os.getloadavg()[0]
    result = generate_cases(wanted - existing, progress=progress)
    total = existing + result.cases
    rows = ", ".join(f"{name} {count:,}" for name, count in result.rows.items() if count)
    mode = (
        "COPY, indexes rebuilt after"
        if result.fast_load
        else ("COPY" if engine == "postgresql" else "executemany")
    )
    return [
        Figure(
            "cases: generate and load",
            result.seconds,
            "s",
            note=(
                f"{result.cases:,} cases, {result.total_rows:,} rows ({rows}); {mode}; "
                f"Python {result.build_seconds:.0f} s, waiting for the database "
                f"{result.wait_seconds:.0f} s, indexes {result.index_seconds:.0f} s; "
                f"load average {load:.1f} at the start"
            ),
        ),
        Figure(
            "cases: load rate",
            result.cases_per_second,
            "cases/s",
            higher_is_better=True,
            note=f"{result.rows_per_second:,.0f} rows/s; aim 20,000 cases/s",
        ),
        Figure(
            "cases: VACUUM ANALYZE" if engine == "postgresql" else "cases: ANALYZE",
            result.finish_seconds,
            "s",
            note=f"{total:,} cases",
        ),
    ], total


def _plan(queryset: Any) -> str:
    """The queue query's plan in a few words (which index, and how long on PostgreSQL)."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        lines = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    print("\n".join("      " + line for line in lines), flush=True)
    text = "\n".join(lines)
    pattern = r"(?:using|Index Scan on|USING INDEX|USING COVERING INDEX) (\w+)"
    indexes = sorted(
        name
        for name in set(re.findall(pattern, text))
        if name in ("case_queue", "case_review_queue") or name.startswith("cases_case_")
    )
    used = ", ".join(indexes) or "no index of cases_case"
    timing = re.search(r"Execution Time: ([\d.]+) ms", text)
    return f"plan: {used}" + (f" ({float(timing.group(1)):.1f} ms)" if timing else "")


# --- 2. in-process latency -------------------------------------------------------------------


def _staff_client(username: str) -> tuple[Any, Any]:
    from django.test import Client

    from govhub.identity.models import User
    from govhub.identity.testing import sign_in

    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="127.0.0.1")
    sign_in(client, user, methods=("pwd", "otp"))
    return client, user


def _sample_numbers(department_id: int) -> list[str]:
    """Case numbers of the department: half open (what staff mostly open), half ended,
    spread over the table."""
    import random

    from govhub.cases.models import Case
    from govhub.cases.workflow import FINAL_STATES

    rng = random.Random(2026)
    cases = Case.objects.filter(department_id=department_id).exclude(state="draft")
    open_numbers = [
        number
        for number in cases.exclude(state__in=FINAL_STATES)
        .order_by("pk")
        .values_list("number", flat=True)
        if number
    ]
    numbers = rng.sample(open_numbers, min(len(open_numbers), DETAIL_SAMPLE // 2))
    bounds = cases.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), cases.order_by("-pk").values_list("pk", flat=True).first()
    for _ in range(DETAIL_SAMPLE - len(numbers)):
        if low is None or high is None:
            break
        number = (
            cases.filter(state__in=FINAL_STATES, pk__gte=rng.randint(low, high))
            .order_by("pk")
            .values_list("number", flat=True)
            .first()
        )
        if number:
            numbers.append(number)
    assert numbers, "the department has no cases"
    return numbers


def _has_url(name: str, *args: Any) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _latency(total: int) -> list[Figure]:
    from govhub.cases import selectors
    from govhub.cases.models import Case
    from govhub.organizations.models import Department

    department = Department.objects.get(code=DEPARTMENT)

    in_department = Case.objects.filter(department=department).count()
    volume = f"{total:,} cases, {in_department:,} in {DEPARTMENT}"
    figures: list[Figure] = []
    clerk_client, clerk = _staff_client(CLERK)
    reviewer_client, reviewer = _staff_client(REVIEWER)

    # The plans of the two working queues (printed in full; summarised in the notes).
    print("   EXPLAIN intake queue (clerk):", flush=True)
    intake_plan = _plan(
        selectors._queue_base(clerk, "intake")
        .select_related("item", "department", "current_step", "assignee")
        .order_by("promised_due", "submitted_at", "id")[:21]
    )
    print("   EXPLAIN review queue (reviewer):", flush=True)
    review_plan = _plan(
        selectors._queue_base(reviewer, "review")
        .select_related("item", "department", "current_step", "assignee")
        .order_by("promised_due", "submitted_at", "id")[:21]
    )
    plans = {"intake": intake_plan, "review": review_plan}

    def page(name: str, client: Any, url: str, note: str, target: float | None) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        count = _queries(lambda: client.get(url))
        samples = _timed(lambda: client.get(url), repeat=REPEAT)
        figures.extend(
            _figures(name, samples, p95_target=target, note=f"{volume}; {count} queries; {note}")
        )

    workbench = _has_url("workbench:queue")
    if workbench:
        page("GET /workbench/ (clerk: intake)", clerk_client, workbench, intake_plan, PAGE_TARGET)
        page(
            "GET /workbench/ (reviewer: review)",
            reviewer_client,
            workbench,
            review_plan,
            PAGE_TARGET,
        )
        page(
            "GET /workbench/?queue=all (reviewer)",
            reviewer_client,
            f"{workbench}?queue=all",
            "every case the reviewer may see",
            PAGE_TARGET,
        )
    for queue, user in (("intake", clerk), ("review", reviewer), ("all", reviewer)):
        one_page = functools.partial(selectors.case_queue, actor=user, queue=queue)
        count = _queries(one_page)
        samples = _timed(one_page, repeat=REPEAT)
        figures.extend(
            _figures(
                f"selectors.case_queue({queue}) first page",
                samples,
                p95_target=None if workbench else PAGE_TARGET,
                note=f"{volume}; {count} queries; {plans.get(queue, '')}".rstrip("; "),
            )
        )
    count = _queries(lambda: selectors.queue_counts(actor=reviewer))
    samples = _timed(lambda: selectors.queue_counts(actor=reviewer), repeat=50)
    figures.extend(
        _figures("selectors.queue_counts() (reviewer)", samples, note=f"{volume}; {count} queries")
    )

    numbers = _sample_numbers(department.pk)
    cycle = itertools.cycle(numbers)
    sample_note = f"{volume}; {len(numbers)} cases of {DEPARTMENT}, half open"
    if _has_url("workbench:case", numbers[0]):

        def case_page() -> None:
            number = next(cycle)
            response = reviewer_client.get(_has_url("workbench:case", number))
            assert response.status_code == 200, (number, response.status_code)

        case_page()
        count = _queries(case_page)
        figures.extend(
            _figures(
                "GET /workbench/cases/<number>/ (reviewer)",
                _timed(case_page, repeat=REPEAT),
                p95_target=PAGE_TARGET,
                note=f"{sample_note}; {count} queries",
            )
        )

    def detail() -> None:
        selectors.case_detail(actor=reviewer, number=next(cycle))

    count = _queries(detail)
    figures.extend(
        _figures(
            "selectors.case_detail()",
            _timed(detail, repeat=REPEAT),
            p95_target=None if workbench else PAGE_TARGET,
            note=f"{sample_note}; {count} queries",
        )
    )

    api_list = _has_url("api-v1:cases_list")
    if api_list:
        url = f"{api_list}?queue=intake"
        page(f"GET {url} (clerk)", clerk_client, url, intake_plan, PAGE_TARGET)

        def api_detail() -> None:
            url = _has_url("api-v1:cases_detail", next(cycle))
            response = reviewer_client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        api_detail()
        count = _queries(api_detail)
        label = str(_has_url("api-v1:cases_detail", numbers[0])).replace(numbers[0], "<number>")
        figures.extend(
            _figures(
                f"GET {label}",
                _timed(api_detail, repeat=REPEAT),
                p95_target=PAGE_TARGET,
                note=f"{sample_note}; {count} queries",
            )
        )
    return figures


# --- 3. throughput over HTTP -------------------------------------------------------------------


def _access_token() -> str:
    """A bearer token of the demo person from the platform's OpenID provider, through the
    sample department system's client (authorization code + PKCE; the session signed in
    with password and SMS, so the token's sign-in is L2)."""
    import base64
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlencode, urlparse

    from django.conf import settings
    from django.test import Client
    from oauth2_provider.models import Application

    from govhub.identity.models import User
    from govhub.identity.testing import sign_in

    application = Application.objects.get(client_id=settings.GOVHUB_SAMPLE_CLIENT_ID)
    redirect_uri = application.redirect_uris.split()[0]
    browser = Client(HTTP_HOST="127.0.0.1")
    sign_in(browser, User.objects.get(username=APPLICANT), methods=("pwd", "sms"))
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": application.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid profile phone",
            "state": "bench",
            "nonce": "bench",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    response = browser.get(f"/oauth/authorize/?{query}")
    assert response.status_code == 302, (response.status_code, response.content[:300])
    code = parse_qs(urlparse(response["Location"]).query)["code"][0]
    basic = base64.b64encode(
        f"{application.client_id}:{settings.GOVHUB_SAMPLE_CLIENT_SECRET}".encode()
    ).decode()
    response = Client(HTTP_HOST="127.0.0.1").post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return str(response.json()["access_token"])


def _submission_body() -> tuple[bytes, str, str]:
    """A valid one-call submission for the demo person: an online item of the busy
    department whose form the demo form filler completes, a small PDF for every required
    material that is not taken from source. Returns (body, content type, item code)."""
    from govhub.cases import prefill, schema_form
    from govhub.cases.demo_forms import Facts, application_form, demo_pdf
    from govhub.catalog.models import ImplementationItem
    from govhub.core import calendar
    from govhub.identity.models import User

    user = User.objects.get(username=APPLICANT)
    candidates = (
        ImplementationItem.objects.filter(
            state=ImplementationItem.State.ACTIVE,
            published_version__isnull=False,
            department__code=DEPARTMENT,
        )
        .select_related("published_version")
        .order_by("implementation_code")
    )
    for item in candidates:
        version = item.published_version
        assert version is not None
        if "online" not in (version.handling_forms or []) or not version.form_schema:
            continue
        if version.audience == "enterprise":
            continue
        known = prefill.prefill_for(version.form_schema, user=user).values
        try:
            form = application_form(
                version.form_schema,
                known=known,
                facts=Facts(applied_on=calendar.local_today(), mobile=user.mobile or ""),
            )
        except Exception:  # a form the filler cannot complete: try the next item
            continue
        if schema_form.validate_submission(version.form_schema, form):
            continue
        held = prefill.government_held_materials(version, user=user, enterprise=None)
        materials = [m for m in version.materials.all() if m.required and m.pk not in held]
        if len(materials) > 2:
            continue
        boundary = f"----govhub-bench-{uuid.uuid4().hex}"
        payload = json.dumps({"item": item.implementation_code, "form_data": form})
        parts = [
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="payload"\r\n'
                f"Content-Type: application/json\r\n\r\n"
            ).encode()
            + payload.encode()
            + b"\r\n"
        ]
        for material in materials:
            parts.append(
                (
                    f"--{boundary}\r\nContent-Disposition: form-data; "
                    f'name="material_{material.pk}"; filename="material.pdf"\r\n'
                    "Content-Type: application/pdf\r\n\r\n"
                ).encode()
                + demo_pdf(f"material {material.pk}")
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return body, f"multipart/form-data; boundary={boundary}", item.implementation_code
    raise RuntimeError(f"no online person item of {DEPARTMENT} with a form the filler completes")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = quote(s.get("USER") or "", safe="")
    password = quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{s.get('HOST') or ''}{port}/{s['NAME']}"


def _serve_command(port: int) -> list[str]:
    return [
        sys.executable, str(ROOT / "manage.py"), "serve", "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip


@contextlib.contextmanager
def _server(port: int) -> Any:
    """`manage.py serve` on `port` against the bench database, until the block ends."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    log_path = Path(os.environ.get("GOVHUB_VAR_DIR", "/tmp")) / f"bench-serve-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        _serve_command(port), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        answer = b""
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"manage.py serve exited with {process.returncode}: see {log.name}"
                )
            try:
                status, answer, _ms = _one_request(port, _get("/readyz", port))
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"manage.py serve did not become ready ({answer[:200]!r}): see {log.name}"
                )
            time.sleep(0.3)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def _get(path: str, port: int) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


def _read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 response from `sock` (Content-Length or chunked): status, body, and
    whether the server keeps the connection open. Leftover bytes stay in `buffer`."""
    while (end := buffer.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        buffer += chunk
    head = bytes(buffer[:end]).decode("latin-1")
    del buffer[: end + 4]
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            while (eol := buffer.find(b"\r\n")) < 0:
                buffer += sock.recv(65536)
            size = int(bytes(buffer[:eol]).split(b";")[0], 16)
            del buffer[: eol + 2]
            while len(buffer) < size + 2:
                buffer += sock.recv(65536)
            body += buffer[:size]
            del buffer[: size + 2]
            if size == 0:
                return status, bytes(body), keep
    length = int(headers.get("content-length", "0"))
    while len(buffer) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        buffer += chunk
    content = bytes(buffer[:length])
    del buffer[:length]
    return status, content, keep


def _one_request(port: int, request: bytes) -> tuple[int, bytes, float]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        start = time.perf_counter()
        sock.sendall(request)
        status, body, _keep = _read_response(sock, bytearray())
        return status, body, (time.perf_counter() - start) * 1000


def _client_process(
    port: int,
    make: Callable[[str], bytes],
    threads: int,
    start_at: float,
    stop_at: float,
    tag: str,
    out: Any,
) -> None:
    """Keep-alive clients (threads) sending requests until `stop_at` (epoch seconds);
    only requests started within [start_at, stop_at) are counted."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        local_statuses: Counter[int] = Counter()
        local: list[float] = []
        sequence = itertools.count()
        sock: socket.socket | None = None
        buffer = bytearray()
        while time.time() < stop_at:
            try:
                if sock is None:
                    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    buffer = bytearray()
                request = make(f"{tag}-{n}-{next(sequence)}")
                began = time.time()
                start = time.perf_counter()
                sock.sendall(request)
                status, body, keep = _read_response(sock, buffer)
                elapsed = (time.perf_counter() - start) * 1000
                if began >= start_at:
                    local_statuses[status] += 1
                    local.append(elapsed)
                    if status >= 400 and len(failures) < 3:
                        failures.append(f"{status} {body[:200]!r}")
                if not keep:
                    sock.close()
                    sock = None
            except OSError as exc:
                if time.time() >= start_at:
                    local_statuses[0] += 1
                    if len(failures) < 3:
                        failures.append(repr(exc))
                if sock is not None:
                    sock.close()
                sock = None
        if sock is not None:
            sock.close()
        with lock:
            statuses.update(local_statuses)
            latencies.extend(local)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((dict(statuses), latencies, failures))


def _drive(
    port: int, make: Callable[[str], bytes], *, seconds: float, clients: int = CLIENTS
) -> tuple[Counter[int], list[float], list[str], float]:
    """`clients` keep-alive connections in two client processes for `seconds` (after a
    one-second warm-up that is not counted)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 1.5
    stop_at = start_at + seconds
    processes = 2 if clients >= 2 else 1
    children = [
        context.Process(
            target=_client_process,
            args=(
                port,
                make,
                clients // processes,
                start_at,
                stop_at,
                f"p{k}{uuid.uuid4().hex[:8]}",
                queue,
            ),
        )
        for k in range(processes)
    ]
    for child in children:
        child.start()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    failures: list[str] = []
    for _ in children:
        part_statuses, part_latencies, part_failures = queue.get(timeout=seconds + 120)
        statuses.update(part_statuses)
        latencies.extend(part_latencies)
        failures.extend(part_failures)
    for child in children:
        child.join(timeout=30)
    return statuses, latencies, failures, seconds


def _throughput(total: int) -> list[Figure]:
    submit_url = _has_url("api-v1:cases_submit")
    port = _free_port()
    workers = os.environ.get("WEB_WORKERS", "2")
    threads = os.environ.get("WEB_THREADS", "4")
    setup = (
        f"granian {workers} workers × {threads} threads + task worker; {CLIENTS} clients; "
        f"load average {os.getloadavg()[0]:.1f} before"
    )
    floor_request = _get("/healthz", port)

    if submit_url:
        token = _access_token()
        body, content_type, item_code = _submission_body()

        def submit(key: str, *, prefer: str = "") -> bytes:
            head = (
                f"POST {submit_url} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Authorization: Bearer {token}\r\nIdempotency-Key: bench-{key}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                + (f"Prefer: {prefer}\r\n" if prefer else "")
                + "Accept: application/json\r\n\r\n"
            )
            return head.encode() + body

        def submit_minimal(key: str) -> bytes:
            return submit(key, prefer="return=minimal")

    with _server(port):
        # Warm both server processes before measuring.
        _drive(port, lambda _key: floor_request, seconds=1.0)
        floor_statuses, floor_ms, floor_failures, floor_seconds = _drive(
            port, lambda _key: floor_request, seconds=FLOOR_SECONDS
        )
        if submit_url:
            status, answer, _ms = _one_request(port, submit(f"check-{uuid.uuid4().hex}"))
            if status != 201:
                raise RuntimeError(f"the submission was refused: {status} {answer[:500]!r}")
            submit_statuses, submit_ms, submit_failures, submit_seconds = _drive(
                port, submit, seconds=SUBMIT_SECONDS
            )
            minimal_statuses, minimal_ms, minimal_failures, minimal_seconds = _drive(
                port, submit_minimal, seconds=SUBMIT_SECONDS
            )

    def outcome(statuses: Counter[int], failures: list[str]) -> str:
        text = ", ".join(f"{code or 'error'}: {n:,}" for code, n in sorted(statuses.items()))
        return text + (f"; first failure {failures[0][:160]}" if failures else "")

    floor_rate = floor_statuses.get(200, 0) / floor_seconds
    print(f"   floor: {outcome(floor_statuses, floor_failures)}", flush=True)
    figures = [
        Figure(
            "HTTP GET /healthz (bare-Django floor)",
            floor_rate,
            "req/s",
            higher_is_better=True,
            note=f"{setup}; {FLOOR_SECONDS:.0f} s; {outcome(floor_statuses, floor_failures)}",
        ),
        *latency_figures("HTTP GET /healthz", floor_ms, note=setup),
    ]
    if not submit_url:
        print("   the cases API is not mounted: no submissions measured", flush=True)
        return figures
    submit_rate = submit_statuses.get(201, 0) / submit_seconds
    print(f"   submissions: {outcome(submit_statuses, submit_failures)}", flush=True)
    figures += [
        Figure(
            f"HTTP POST {submit_url} (submissions)",
            submit_rate,
            "cases/s",
            target=SUBMIT_TARGET,
            higher_is_better=True,
            note=(
                f"{setup}; {SUBMIT_SECONDS:.0f} s; item {item_code}, {len(body):,}-byte "
                f"multipart; {total:,} cases before; {outcome(submit_statuses, submit_failures)}"
            ),
        ),
        *latency_figures(f"HTTP POST {submit_url}", submit_ms, note=setup),
    ]
    minimal_rate = minimal_statuses.get(201, 0) / minimal_seconds
    print(f"   submissions (minimal): {outcome(minimal_statuses, minimal_failures)}", flush=True)
    figures += [
        Figure(
            f"HTTP POST {submit_url} (Prefer: return=minimal)",
            minimal_rate,
            "cases/s",
            target=SUBMIT_TARGET,
            higher_is_better=True,
            note=(
                f"{setup}; {SUBMIT_SECONDS:.0f} s; the receipt instead of the whole case; "
                f"{outcome(minimal_statuses, minimal_failures)}"
            ),
        ),
        *latency_figures(f"HTTP POST {submit_url} (minimal)", minimal_ms, note=setup),
        Figure(
            "floor ÷ submissions",
            floor_rate / minimal_rate if minimal_rate else float("inf"),
            "×",
            note=f"minimal submissions run at {100 * minimal_rate / floor_rate:.1f}% of the "
            f"floor; whole-case answers at {100 * submit_rate / floor_rate:.1f}%"
            if floor_rate
            else "",
        ),
    ]
    return figures


def run() -> list[Figure]:
    from django.db import connection

    engine = connection.vendor
    figures, total = _load(engine)
    figures += _latency(total)
    try:
        figures += _throughput(total)
    except (RuntimeError, OSError) as exc:
        # The other benchmarks still run; the missed target says what went wrong.
        print(f"   HTTP measurement failed: {exc}", flush=True)
        figures.append(
            Figure(
                "HTTP POST /api/v1/cases (submissions)",
                0.0,
                "cases/s",
                target=SUBMIT_TARGET,
                higher_is_better=True,
                note=f"not measured: {str(exc)[:300]}",
            )
        )
    return figures
