"""Migration 0002 gives existing accounts their own OpenID subject."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("identity", "0001_initial")]
AFTER = [("identity", "0002_accounts_factors_enterprises")]


@pytest.mark.django_db(transaction=True)
def test_existing_accounts_get_distinct_subjects():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old_apps = executor.loader.project_state(BEFORE).apps
        old_user_model = old_apps.get_model("identity", "User")
        for n in range(3):
            old_user_model.objects.create(username=f"existing{n}", password="!")
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new_apps = executor.loader.project_state(AFTER).apps
        subjects = list(
            new_apps.get_model("identity", "User").objects.values_list("sub", flat=True)
        )
        assert len(subjects) == 3 and None not in subjects and len(set(subjects)) == 3
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
