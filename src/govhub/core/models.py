"""Core tables: the audit trail (calendar tables live in `calendar_models`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEvent(models.Model):
    """One security- or business-relevant event: who did what to which object, and how it ended.

    Append-only: the application never updates or deletes a row (on PostgreSQL a trigger
    refuses it). The sealer (`govhub.core.audit_chain.audit_seal`) links each row into the
    hash chain afterwards (`AuditChainLink`); see docs/audit.md.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")
        DENIED = "denied", _("拒绝")

    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人标识"), max_length=128, blank=True)
    on_behalf_of = models.CharField(_("代表主体"), max_length=64, blank=True)
    actor_role = models.CharField(_("操作角色"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    object_label = models.CharField(_("对象名称"), max_length=200, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    source_ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    # SHA-256 (hex) of the canonical JSON of `changes`, computed by `audit_log`.
    changes_digest = models.CharField(_("变更摘要"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = pgettext_lazy("plural", "审计记录")
        ordering = ("-occurred_at", "-id")
        indexes = [models.Index(fields=("object_type", "object_id"), name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"


# The audit chain's tables and the working-day calendar's are defined in their own modules.
from govhub.core.audit_models import (  # noqa: E402
    AuditChainLink,
    AuditCheckpoint,
    AuditSealState,
)
from govhub.core.calendar_models import CalendarDay, CalendarYear  # noqa: E402

__all__ = [
    "AuditChainLink",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditSealState",
    "CalendarDay",
    "CalendarYear",
]
