"""Supervision tests count working days: they need the seeded 2024-2026 holiday schedules,
which a transactional test elsewhere in the same database may have flushed."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _holiday_schedules(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("seeded_calendar")
