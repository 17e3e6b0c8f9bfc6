"""Fixtures shared by every app's tests."""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    """Every test starts with an empty cache (calendar data, rate limits, ...)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language, whatever an earlier test activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def admin_client(client: Any, admin_user: Any) -> Any:
    """pytest-django's `admin_client`, signed in as the Django admin requires: password and
    TOTP (`identity.admin_site` refuses a session without a second factor)."""
    from govhub.identity.testing import sign_in_admin

    sign_in_admin(client, admin_user)
    return client


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself (fixtures) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


SEEDED_CALENDAR_YEARS = (2024, 2025, 2026)


@pytest.fixture
def seeded_calendar(db: None) -> None:
    """The 2024-2026 schedules that migration core.0003 seeds, restored if a transactional
    test (which empties every table when it ends) ran earlier in this database."""
    from django.apps import apps

    from govhub.core.calendar import bump_cache_version
    from govhub.core.calendar_models import CalendarYear

    if CalendarYear.objects.filter(year__in=SEEDED_CALENDAR_YEARS).count() != len(
        SEEDED_CALENDAR_YEARS
    ):
        migration = importlib.import_module("govhub.core.migrations.0003_seed_calendar_2024_2026")
        migration.seed(apps, None)
        bump_cache_version()


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    """Transactional tests (browser tests among them) see the same reference data as the
    others: a flush by an earlier transactional test must not change what they compute."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if transactional or "live_server" in request.fixturenames:
        request.getfixturevalue("seeded_calendar")


# --- connections left open at the end (PostgreSQL) -----------------------------------------
# Dropping a test database fails when a session is still connected to it ("is being accessed
# by other users"): a connection some test, thread or server left open. Where each connection
# was opened is remembered, and any still open when the databases are about to be dropped is
# reported as a warning naming the test, the thread, the code that opened it and what became
# of its Django connection object, then ended, so that the drop still succeeds.

_OPENED: dict[int, tuple[str, str, str, Any]] = {}
_CURRENT_TEST = ["(no test yet)"]


def _remember_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "postgresql":
        return
    import threading
    import traceback
    import weakref

    where = "".join(traceback.format_stack(limit=30)[:-2])
    _OPENED[connection.connection.info.backend_pid] = (
        _CURRENT_TEST[0],
        threading.current_thread().name,
        where,
        weakref.ref(connection),
    )


def _wrapper_fate(wrapper: Any, current: Any) -> str:
    """What became of the Django connection object that opened a session still connected:
    gone (collected without being closed), the one the teardown uses, or another."""
    if wrapper is None:
        return "its connection object was collected without closing it"
    if wrapper is current:
        return "its connection object is the one the teardown uses"
    return "its connection object is alive but not the one the teardown uses"


def pytest_configure(config: pytest.Config) -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(_remember_connection, weak=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _CURRENT_TEST[0] = item.nodeid
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's, then, before the databases are dropped, a warning for every session
    still connected to the test database, which is then ended."""
    yield
    import warnings

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, left(query, 200) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        left = cursor.fetchall()
    from django.db import connections

    current = connections["default"]
    for pid, state, query in left:
        test, thread, where, wrapper = _OPENED.get(
            pid, ("(not opened by this process)", "-", "", lambda: None)
        )
        fate = _wrapper_fate(wrapper(), current) if pid in _OPENED else "-"
        warnings.warn(
            f"a session is still connected to the test database: pid {pid}, {state}, last "
            f"query {query!r}; {fate}; opened during {test} in thread {thread!r} at:\n{where}",
            pytest.PytestWarning,
            stacklevel=1,
        )
    if left:
        # Reported above; ended now so that the test database can still be dropped.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            for pid, _state, _query in left:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
