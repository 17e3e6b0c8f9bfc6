"""`make run` loads the demo data on every start: it must be idempotent."""

import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("organizations", "identity", "core", "catalog")
        for model in apps.get_app_config(app).get_models()
        if model._meta.label != "core.AuditEvent"
    }


@pytest.mark.django_db
def test_loading_twice_neither_duplicates_nor_fails():
    call_command("load_demo_data", stdout=io.StringIO())
    first = _row_counts()
    assert first["organizations.Department"] >= 17
    assert first["catalog.ImplementationItem"] >= 150
    assert first["catalog.SearchDocument"] == first["catalog.ImplementationItem"]
    call_command("load_demo_data", stdout=io.StringIO())
    assert _row_counts() == first


@pytest.mark.django_db
@override_settings(PRODUCTION=True)
def test_refused_in_production():
    with pytest.raises(CommandError):
        call_command("load_demo_data")
