"""Helpers for the OpenID provider's tests: clients, portal sessions, a browser stand-in."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from html import unescape
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from oauth2_provider.models import Application

from govhub.identity import session as identity_session
from govhub.identity.oidc_models import OidcClientProfile

CLIENT_SECRET = "test-client-secret-0123456789"
REDIRECT_URI = "https://rp.example.test/callback"
POST_LOGOUT_URI = "https://rp.example.test/signed-out"
FRONTCHANNEL_URI = "https://rp.example.test/frontchannel"


def make_client(
    *,
    client_id: str = "test-rp",
    trusted: bool = False,
    full_id_number: bool = False,
    redirect_uris: str = REDIRECT_URI,
    post_logout_redirect_uris: str = POST_LOGOUT_URI,
    frontchannel_logout_uri: str = "",
    client_type: str = Application.CLIENT_CONFIDENTIAL,
) -> Application:
    application = Application.objects.create(
        client_id=client_id,
        name=f"测试系统 {client_id}",
        client_type=client_type,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=CLIENT_SECRET,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
    )
    OidcClientProfile.objects.create(
        application=application,
        trusted=trusted,
        full_id_number=full_id_number,
        frontchannel_logout_uri=frontchannel_logout_uri,
    )
    return application


def portal_session(
    user: Any, *, methods: list[str], auth_time: int | None = None, **extra: Any
) -> str:
    """A signed-in portal session as `session_sign_in` leaves it; returns its key."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    now = int(time.time())
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = identity_session.BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[identity_session.METHODS] = methods
    store[identity_session.AUTH_TIME] = auth_time if auth_time is not None else now
    store[identity_session.STARTED] = now
    store[identity_session.LAST_SEEN] = now
    for key, value in extra.items():
        store[key] = value
    store.save()
    return str(store.session_key)


_browsers: list[requests.Session] = []


def tracked[S: requests.Session](session: S) -> S:
    """Close `session` with the browsers after the test (see `close_browsers`)."""
    _browsers.append(session)
    return session


def close_browsers() -> None:
    """Close every browser stand-in: a live_server thread serving a kept-alive connection
    must not outlive the test (call from a fixture after each live test)."""
    while _browsers:
        _browsers.pop().close()


def browser_for(
    user: Any, *, methods: list[str], host: str = "localhost.local", **kwargs: Any
) -> requests.Session:
    """A requests session holding the portal session cookie for live_server's host (the
    cookie jar files "localhost" as "localhost.local"), so the server's own Set-Cookie
    replaces it instead of sitting beside it."""
    browser = requests.Session()
    _browsers.append(browser)
    key = portal_session(user, methods=methods, **kwargs)
    browser.cookies.set(settings.SESSION_COOKIE_NAME, key, domain=host, path="/")
    return browser


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def form_fields(html: str, form_id: str | None = None) -> dict[str, str]:
    """The named inputs of the first form (or the form with `form_id`) in `html`."""
    if form_id is not None:
        start = html.index(f'id="{form_id}"')
        html = html[start:]
    form = html[: html.index("</form>")]
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return fields


def follow_to(
    browser: requests.Session, response: requests.Response, prefix: str, limit: int = 10
) -> str:
    """Follow redirects (by hand) until one points at `prefix`; return that URL."""
    for _ in range(limit):
        location = response.headers.get("Location", "")
        if not location:
            raise AssertionError(f"no redirect to {prefix}: {response.status_code}")
        url = urljoin(response.url, location)
        if url.startswith(prefix):
            return url
        response = browser.get(url, allow_redirects=False)
    raise AssertionError(f"too many redirects before {prefix}")


def approve(browser: requests.Session, response: requests.Response) -> requests.Response:
    """Press "agree" on the consent page."""
    assert response.status_code == 200, response.status_code
    fields = form_fields(response.text, "authorization-form")
    fields["allow"] = "on"
    return browser.post(
        response.url,
        data=fields,
        headers={"Referer": response.url},
        allow_redirects=False,
    )


# --- The same with Django's test client (no live server) --------------------------------

VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")


def authorize_url(**overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": "test-rp",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": CHALLENGE.decode(),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return f"/oauth/authorize/?{urlencode({k: v for k, v in params.items() if v is not None})}"


def sign_in(
    client: Any, user: Any, *, methods: tuple[str, ...] = ("pwd",), auth_time: int | None = None
) -> None:
    """Sign `user` in on the test client as `session_sign_in` would."""
    client.force_login(user, backend=identity_session.BACKEND)
    session = client.session
    session[identity_session.METHODS] = list(methods)
    session[identity_session.AUTH_TIME] = auth_time or int(time.time())
    session[identity_session.STARTED] = int(time.time())
    session[identity_session.LAST_SEEN] = int(time.time())
    session.save()


def form_data(response: Any, **extra: str) -> dict[str, str]:
    """The consent form's hidden fields (from the view's context)."""
    initial = response.context["form"].initial
    return {**{k: v for k, v in initial.items() if v is not None}, **extra}


def basic_auth(client_id: str = "test-rp") -> str:
    raw = f"{client_id}:{CLIENT_SECRET}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def exchange(client: Any, location: str) -> dict[str, Any]:
    """Redeem the code in a redirect to the client at the token endpoint."""
    response = client.post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": query_of(location)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
        },
        HTTP_AUTHORIZATION=basic_auth(),
    )
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def get_tokens(client: Any, **authorize: str | None) -> dict[str, Any]:
    """Authorize (consenting if asked) and redeem the code."""
    url = authorize_url(**authorize)
    response = client.get(url)
    if response.status_code == 200:
        response = client.post(url, data=form_data(response, allow="on"))
    assert response.status_code == 302, response.content[:300]
    return exchange(client, response["Location"])
