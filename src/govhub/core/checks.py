"""System checks of the core app (`manage.py check`, and before `runserver`/`migrate`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage
from django.core.checks import Error as CheckError
from django.core.checks import Warning as CheckWarning
from django.db import DatabaseError
from django.utils.translation import gettext as _

from govhub.core.audit_chain import MIN_RETENTION_DAYS
from govhub.core.calendar import missing_schedule_years
from govhub.core.signing import setting


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


# Registered here (this module is imported by CoreConfig.ready()), tagged like the others.
@checks.register("govhub")
def audit_retention_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The audit trail is kept at least 180 days (网络安全法第二十一条: network logs are kept
    no less than six months); `GOVHUB_AUDIT_RETENTION_DAYS` may raise it, never lower it."""
    raw = setting("GOVHUB_AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return [
            CheckError(
                _("GOVHUB_AUDIT_RETENTION_DAYS必须是整数天数，当前为“%(value)s”。")
                % {"value": raw},
                id="core.E120",
            )
        ]
    if days < MIN_RETENTION_DAYS:
        return [
            CheckError(
                _("审计记录保存期为%(days)d天，短于最低要求的%(minimum)d天。")
                % {"days": days, "minimum": MIN_RETENTION_DAYS},
                hint=_("将GOVHUB_AUDIT_RETENTION_DAYS设为%(minimum)d或更大，或不设置。")
                % {"minimum": MIN_RETENTION_DAYS},
                id="core.E121",
            )
        ]
    return []


@checks.register("govhub")
def audit_signing_key_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """In production the audit signing key must come from the deployment's secret store:
    a key generated on one machine's disk is neither shared nor backed up."""
    if not getattr(settings, "PRODUCTION", False) or setting("GOVHUB_AUDIT_SIGNING_KEY", ""):
        return []
    return [
        CheckWarning(
            _("生产环境未配置GOVHUB_AUDIT_SIGNING_KEY：审计检查点将由本机生成的密钥签署。"),
            hint=_(
                "生成Ed25519私钥（PEM），放在各任务执行机可读的位置，"
                "以GOVHUB_AUDIT_SIGNING_KEY指定其路径，并与数据库分开备份。"
            ),
            id="core.W120",
        )
    ]
