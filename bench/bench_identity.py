"""Identity and single sign-on in-process, on the demo data (5,008 residents, 1,004 legal
entities, the demo accounts, the sample department's OpenID client):

- registry verification (`resident_verify`, `legal_entity_verify_representative`), each
  call a keyed-hash look-up plus one access-log row; target p95 ≤ 10 ms;
- the sign-in page (GET, p95 ≤ 50 ms like every page) and a password sign-in (POST), whose
  cost is the password hasher's: measured, with the hasher alone beside it, no target;
- the OpenID Connect round of the sample department system for a signed-in portal session:
  authorize (PKCE S256, trusted client, no consent) → code, token exchange (client secret
  over HTTP Basic), userinfo with the access token, discovery and JWKS.

The sample client's secret is stored hashed with the platform's client-secret hasher
(`identity.oidc.hashers`, a salted HMAC-SHA256: client secrets are random, so the password
hasher's deliberate slowness would only cost the token endpoint CPU on every call).

Query counts (one request, after warm-up) are in the notes.
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from common import Figure, latency_figures, timed_ms

PASSWORD = "Hegang-demo-2026"  # docs/identity.md; GOVHUB_DEMO_PASSWORD
SCOPE = "openid profile phone enterprise"  # what the sample department asks for
PURPOSE = "实名注册核验"
FAST = 200  # iterations of the cheap calls
SLOW = 20  # iterations of the calls that run the password hasher


def _queries(func: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        func()
    return len(context.captured_queries)


def _registries() -> list[Figure]:
    from django.test import RequestFactory

    from govhub.registries.models import LegalEntity, Resident
    from govhub.registries.selectors import (
        legal_entity_verify_representative,
        resident_verify,
    )

    rng = random.Random(2026)
    request = RequestFactory().post("/account/register/", REMOTE_ADDR="203.0.113.7")
    residents = list(Resident.objects.order_by("pk"))
    assert len(residents) >= 1000, "the demo registries are not loaded"
    # What registration sends: mostly a match, some typos in the name, some numbers that
    # are not in the registry (a valid-looking number of another county).
    cases = []
    for n, resident in enumerate(rng.sample(residents, FAST)):
        name, number = resident.name, resident.id_number
        if n % 10 == 7:
            name = name[:-1] + "某"
        elif n % 10 == 9:
            number = "110101" + number[6:]
        cases.append((name, number))
    outcomes: dict[str, int] = {}
    people = iter(cases * 2)

    def verify_resident() -> None:
        name, number = next(people)
        result = resident_verify(
            actor=None, name=name, id_number=number, purpose=PURPOSE, request=request
        )
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1

    queries = _queries(verify_resident)
    resident_samples = timed_ms(verify_resident, repeat=FAST)
    resident_note = f"{len(residents):,} residents; {queries} queries; " + ", ".join(
        f"{k} {v}" for k, v in sorted(outcomes.items())
    )

    entities = list(LegalEntity.objects.order_by("pk"))
    assert len(entities) >= 1000, "the demo registries are not loaded"
    entity_cases = [
        (e.uscc, e.legal_representative_name, e.legal_representative_id_number)
        for e in rng.sample(entities, FAST)
    ]
    entity_outcomes: dict[str, int] = {}
    representatives = iter(entity_cases * 2)

    def verify_representative() -> None:
        uscc, name, number = next(representatives)
        result = legal_entity_verify_representative(
            actor=None, uscc=uscc, name=name, id_number=number, purpose="企业注册", request=request
        )
        entity_outcomes[result.outcome] = entity_outcomes.get(result.outcome, 0) + 1

    entity_queries = _queries(verify_representative)
    entity_samples = timed_ms(verify_representative, repeat=FAST)
    entity_note = f"{len(entities):,} entities; {entity_queries} queries; " + ", ".join(
        f"{k} {v}" for k, v in sorted(entity_outcomes.items())
    )
    return [
        *latency_figures(
            "registries resident_verify()", resident_samples, p95_target=10.0, note=resident_note
        ),
        *latency_figures(
            "registries legal_entity_verify_representative()",
            entity_samples,
            p95_target=10.0,
            note=entity_note,
        ),
    ]


def _sign_in() -> list[Figure]:
    from django.contrib.auth.hashers import check_password, identify_hasher
    from django.test import Client
    from django.urls import reverse

    from govhub.identity.models import User

    url = reverse("identity:sign_in")
    anonymous = Client(HTTP_HOST="127.0.0.1")
    response = anonymous.get(url)
    assert response.status_code == 200, response.status_code
    page_queries = _queries(lambda: anonymous.get(url))
    page = timed_ms(lambda: anonymous.get(url), repeat=300)

    # The demo persons, by username, mobile and ID number in turn (all three are accepted).
    users = list(User.objects.filter(username__startswith="demo-", kind="person").order_by("pk"))
    assert users, "the demo accounts are not loaded"
    identifiers = []
    for n, user in enumerate(users):
        identifiers.append([user.username, user.mobile, user.id_number][n % 3] or user.username)
    hasher = identify_hasher(users[0].password)
    rounds = getattr(hasher, "iterations", None)

    def post(identifier: str) -> tuple[float, int]:
        browser = Client(HTTP_HOST="127.0.0.1")  # a fresh visitor each time
        start = time.perf_counter()
        response = browser.post(url, {"identifier": identifier, "password": PASSWORD})
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 302, (identifier, response.status_code)
        return elapsed, response.status_code

    post(identifiers[0])  # warm-up
    signin_queries = _queries(lambda: post(identifiers[1 % len(identifiers)]))
    posts = [post(identifiers[n % len(identifiers)])[0] for n in range(SLOW)]

    encoded = users[0].password
    hashing = timed_ms(lambda: check_password(PASSWORD, encoded), repeat=SLOW, warmup=1)
    hasher_note = f"{hasher.algorithm}" + (f", {rounds:,} iterations" if rounds else "")
    return [
        *latency_figures(
            "GET /account/sign-in/", page, p95_target=50.0, note=f"{page_queries} queries"
        ),
        *latency_figures(
            "POST /account/sign-in/ (password)",
            posts,
            note=f"{SLOW} sign-ins, fresh session each; {signin_queries} queries; {hasher_note}",
        ),
        Figure(
            "password hasher check_password() median",
            statistics.median(hashing),
            "ms",
            note=hasher_note,
        ),
    ]


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _oidc() -> list[Figure]:
    from django.conf import settings
    from django.test import Client
    from oauth2_provider.models import Application

    from govhub.identity.models import User
    from govhub.identity.testing import sign_in

    client_id = settings.GOVHUB_SAMPLE_CLIENT_ID
    secret = settings.GOVHUB_SAMPLE_CLIENT_SECRET
    application = Application.objects.get(client_id=client_id)
    redirect_uri = application.redirect_uris.split()[0]
    hashed = application.hash_client_secret

    user = User.objects.get(username="demo-zhangwei")
    browser = Client(HTTP_HOST="127.0.0.1")
    sign_in(browser, user, methods=("pwd", "sms"))  # an L2 portal session
    server = Client(HTTP_HOST="127.0.0.1")  # the department system's own calls

    def authorize(client: str, redirect: str) -> tuple[str, str]:
        verifier, challenge = _pkce()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client,
                "redirect_uri": redirect,
                "scope": SCOPE,
                "state": secrets.token_urlsafe(8),
                "nonce": secrets.token_urlsafe(8),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        response = browser.get(f"/oauth/authorize/?{query}")
        assert response.status_code == 302, (response.status_code, response.content[:300])
        location = response["Location"]
        assert location.startswith(redirect), location
        return parse_qs(urlparse(location).query)["code"][0], verifier

    def exchange(client: str, client_secret: str, redirect: str, code: str, verifier: str) -> str:
        response = server.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
            HTTP_AUTHORIZATION=_basic(client, client_secret),
        )
        assert response.status_code == 200, (response.status_code, response.content[:300])
        data: dict[str, Any] = response.json()
        assert data.get("id_token"), data
        return str(data["access_token"])

    def timed(func: Callable[[], Any]) -> tuple[float, Any]:
        start = time.perf_counter()
        value = func()
        return (time.perf_counter() - start) * 1000, value

    # Warm-up, and one request of each counted.
    code, verifier = authorize(client_id, redirect_uri)
    exchange(client_id, secret, redirect_uri, code, verifier)
    authorize_queries = _queries(lambda: authorize(client_id, redirect_uri))
    code, verifier = authorize(client_id, redirect_uri)
    token_queries = _queries(lambda: exchange(client_id, secret, redirect_uri, code, verifier))
    for _ in range(5):
        authorize(client_id, redirect_uri)

    authorize_samples: list[float] = []
    token_samples: list[float] = []
    access_token = ""
    for _ in range(FAST):
        elapsed, (code, verifier) = timed(lambda: authorize(client_id, redirect_uri))
        authorize_samples.append(elapsed)
        elapsed, access_token = timed(
            partial(exchange, client_id, secret, redirect_uri, code, verifier)
        )
        token_samples.append(elapsed)

    bearer = f"Bearer {access_token}"
    response = server.get("/oauth/userinfo/", HTTP_AUTHORIZATION=bearer)
    assert response.status_code == 200 and response.json().get("sub") == str(user.sub), (
        response.status_code,
        response.content[:300],
    )
    userinfo_queries = _queries(lambda: server.get("/oauth/userinfo/", HTTP_AUTHORIZATION=bearer))
    userinfo = timed_ms(
        lambda: server.get("/oauth/userinfo/", HTTP_AUTHORIZATION=bearer), repeat=FAST
    )

    discovery_url = "/.well-known/openid-configuration"
    jwks_url = "/oauth/jwks.json"
    for url in (discovery_url, jwks_url):
        response = server.get(url)
        assert response.status_code == 200, (url, response.status_code)
    discovery = timed_ms(lambda: server.get(discovery_url), repeat=300)
    jwks = timed_ms(lambda: server.get(jwks_url), repeat=300)

    secret_note = (
        f"client secret hashed with {application.client_secret.split('$', 1)[0]}"
        if hashed
        else "client secret stored in clear"
    )
    figures = [
        *latency_figures(
            "OIDC authorize → code (trusted, PKCE)",
            authorize_samples,
            p95_target=50.0,
            note=f"signed-in L2 session; {authorize_queries} queries",
        ),
        *latency_figures(
            "OIDC token exchange (sample client)",
            token_samples,
            p95_target=50.0,
            note=f"{len(token_samples)} exchanges; {token_queries} queries; {secret_note}",
        ),
    ]
    figures += [
        *latency_figures(
            "OIDC userinfo",
            userinfo,
            p95_target=20.0,
            note=f"scope {SCOPE}; {userinfo_queries} queries",
        ),
        *latency_figures("GET /.well-known/openid-configuration", discovery, p95_target=10.0),
        *latency_figures("GET /oauth/jwks.json", jwks, p95_target=10.0),
    ]
    return figures


def run() -> list[Figure]:
    return [*_registries(), *_sign_in(), *_oidc()]
