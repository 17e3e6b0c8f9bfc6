"""System checks of the core app (`manage.py check`, and before `runserver`/`migrate`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning
from django.db import DatabaseError
from django.utils.translation import gettext as _

from govhub.core.calendar import missing_schedule_years


def calendar_schedule_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Warn while the current year (or, in its last quarter, the next) has no published
    working-day calendar: deadlines in it are computed on weekends only."""
    databases = kwargs.get("databases")
    if databases is not None and "default" not in databases:
        return []
    try:
        years = missing_schedule_years()
    except DatabaseError:  # no database or not migrated yet: nothing to check
        return []
    return [
        CheckWarning(
            _("%(year)d年的工作日历尚未发布：涉及该年的工作日只按周末计算，结果标记为临时。")
            % {"year": year},
            hint=_(
                "国务院办公厅发布节假日安排后，在管理后台“工作日历年度”中导入并发布，"
                "或运行 manage.py calendar_import。"
            ),
            obj=f"calendar:{year}",
            id="core.W001",
        )
        for year in years
    ]
