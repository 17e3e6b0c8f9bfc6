"""Sustained submissions over HTTP (issue 5), for `bench_cases`: the standard server
(`manage.py serve`) against the bench database, its bare-Django floor, one-call
submissions with the whole case and with `Prefer: return=minimal`, where the CPU time of
the minimal run went (web server, task worker, PostgreSQL, load generator), and whether
the background work the submissions queued kept up with them."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter
from typing import Any

import http_load
import orm_floor
from common import Figure, latency_figures

SUBMIT_TARGET = 200.0  # cases/s
DEPARTMENT = "hg-amr"
APPLICANT = "demo-zhangwei"
CLIENTS = int(os.environ.get("GOVHUB_BENCH_CLIENTS", "16"))
FLOOR_SECONDS = 10.0
SUBMIT_SECONDS = 20.0


def has_url(name: str, *args: Any) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


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


DRAIN_LIMIT_SECONDS = 300.0


def _waiting_tasks() -> int | None:
    """Background tasks ready to run and not run yet (the database task backend), else
    None."""
    from django.conf import settings

    if not str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().count()  # not the deferred retries


def _drain(level: int | None) -> float | None:
    """Seconds until the task worker is back to `level` waiting tasks (None when it is not
    within `DRAIN_LIMIT_SECONDS`, or the backend is not the database)."""
    if level is None:
        return None
    start = time.monotonic()
    while time.monotonic() - start < DRAIN_LIMIT_SECONDS:
        waiting = _waiting_tasks()
        if waiting is not None and waiting <= level:
            return time.monotonic() - start
        time.sleep(0.5)
    return None


def _cost_figures(
    cpu: dict[str, float],
    *,
    submissions: int,
    seconds: float,
    waiting: tuple[int | None, int | None],
    drained: float | None,
) -> list[Figure]:
    """Where the time of the minimal submissions went, and whether the background work
    they queued (notifications, supervision checks) kept up with them."""
    if not submissions:
        return []
    per = {group: 1000 * seconds / submissions for group, seconds in cpu.items()}
    split = ", ".join(f"{group} {ms:.1f}" for group, ms in per.items() if ms >= 0.05)
    cores = os.cpu_count() or 1
    # The load generator shares the cores here; a real deployment's clients do not.
    serving = [g for g in ("web server", "task worker", "PostgreSQL") if per.get(g, 0.0) > 0]
    served = sum(per[group] for group in serving)
    figures = [
        Figure(
            "CPU per minimal submission, all processes",
            sum(per.values()),
            "ms",
            note=f"{split} (ms per submission, /proc over the run)"
            + (
                f"; {cores} cores at {served:.1f} ms ({', '.join(serving)}): "
                f"{cores * 1000 / served:,.0f} submissions/s at most"
                if served
                else ""
            ),
        )
    ]
    before, after = waiting
    if drained is not None:
        # The web server answers faster than the background keeps up with; what a city
        # can count on is the rate at which both are done.
        figures.append(
            Figure(
                "sustained submissions, background included",
                submissions / (seconds + drained),
                "cases/s",
                higher_is_better=True,
                note=(
                    f"{submissions:,} minimal submissions in {seconds:.0f} s, their "
                    f"notifications and supervision checks done {drained:.1f} s later"
                ),
            )
        )
    if before is not None and after is not None:
        figures.append(
            Figure(
                "background tasks waiting after the minimal run",
                float(after - before),
                "tasks",
                note=(
                    f"{before:,} before, {after:,} after {submissions:,} submissions; back to "
                    + (
                        f"{before:,} in {drained:.1f} s"
                        if drained is not None
                        else "it: not within"
                    )
                    + (f" {DRAIN_LIMIT_SECONDS:.0f} s" if drained is None else "")
                ),
            )
        )
    return figures


def throughput(total: int) -> list[Figure]:
    submit_url = has_url("api-v1:cases_submit")
    port = http_load.free_port()
    workers = os.environ.get("WEB_WORKERS", "2")
    threads = os.environ.get("WEB_THREADS", "4")
    setup = (
        f"granian {workers} workers × {threads} threads + task worker; {CLIENTS} clients; "
        f"load average {os.getloadavg()[0]:.1f} before"
    )
    floor_request = http_load.get_request("/healthz", port)

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

    with http_load.server(port):
        # Warm both server processes before measuring.
        http_load.drive(port, lambda _key: floor_request, seconds=1.0)
        floor_statuses, floor_ms, floor_failures, floor_seconds = http_load.drive(
            port, lambda _key: floor_request, seconds=FLOOR_SECONDS
        )
        if submit_url:
            status, answer, _ms = http_load.one_request(port, submit(f"check-{uuid.uuid4().hex}"))
            if status != 201:
                raise RuntimeError(f"the submission was refused: {status} {answer[:500]!r}")
            submit_statuses, submit_ms, submit_failures, submit_seconds = http_load.drive(
                port, submit, seconds=SUBMIT_SECONDS
            )
            # The background catches up with the whole-case run first, so that the
            # minimal run's figures are its own.
            _drain(0)
            waiting_before = _waiting_tasks()
            cpu_before = http_load.cpu_snapshot()
            minimal_statuses, minimal_ms, minimal_failures, minimal_seconds = http_load.drive(
                port, submit_minimal, seconds=SUBMIT_SECONDS
            )
            cpu = http_load.cpu_split(cpu_before, http_load.cpu_snapshot())
            waiting_after = _waiting_tasks()
            drained = _drain(waiting_before)

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
        *_cost_figures(
            cpu,
            # The drive counts requests started within its window; a second and a half
            # of warm-up precedes it, so the CPU snapshots span a little more.
            submissions=minimal_statuses.get(201, 0),
            seconds=minimal_seconds,
            waiting=(waiting_before, waiting_after),
            drained=drained,
        ),
        *orm_floor.orm_floor(
            *orm_floor.submission_statements(
                submit_url, token=token, body=body, content_type=content_type
            ),
            cores=os.cpu_count() or 1,
        ),
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
