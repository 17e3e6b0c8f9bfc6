"""Fixtures of the core app's tests (the shared `seeded_calendar` is in the root conftest)."""
