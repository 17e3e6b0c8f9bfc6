"""Electronic supervision (电子监察): rules, alerts and their follow-up.

Tables and their invariants only. The rules themselves are Python classes
(`govhub.supervision.rules`); a `Rule` row holds what an administrator may change about one
of them (on/off, severity, parameters). An `Alert` is one finding of one rule about one
case (or one step of a case): exactly one row per (rule, case, step), kept for ever and
reopened when a cured cause comes back; `AlertEvent` is its history.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhub.cases.models import Case, CaseStep
from govhub.organizations.models import Department, Region


class Level(models.TextChoices):
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class Rule(models.Model):
    """The administrator's settings of one registered rule (`rules.registry`)."""

    code = models.CharField(_("规则代码"), max_length=64, unique=True)
    enabled = models.BooleanField(_("启用"), default=True)
    severity = models.CharField(
        _("预警等级"),
        max_length=8,
        choices=Level.choices,
        default=Level.RED,
        help_text=_("流程规则的预警等级；时限规则按阈值分为黄牌和红牌。"),
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = pgettext_lazy("singular", "监察规则")
        verbose_name_plural = pgettext_lazy("plural", "监察规则")
        ordering = ("code",)

    def __str__(self) -> str:
        from govhub.supervision.rules import registry

        definition = registry().get(self.code)
        return f"{self.code} {definition.name}" if definition else self.code


class Alert(models.Model):
    """One finding of one rule about one case or one of its steps.

    `cause_active` says whether the rule's condition holds now. A cured cause closes the
    alert (`closed_reason = cured`); when the cause comes back, the same row is reopened.
    `department` and `region` are copied from the case (a step's own department for step
    alerts: a joint review belongs to the joint department), so that scoped lists are
    index ranges."""

    class State(models.TextChoices):
        RAISED = "raised", _("已预警")
        NOTIFIED = "notified", _("已通知")
        EXPLAINED = "explained", _("已说明")
        ESCALATED = "escalated", _("已发监察建议书")
        CLOSED = "closed", _("已关闭")

    class ClosedReason(models.TextChoices):
        CURED = "cured", _("问题已消除（自动）")
        SUPERVISOR = "supervisor", _("监察人员关闭")

    rule = models.ForeignKey(
        Rule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="alerts"
    )
    # No database constraint on the four references below (`db_constraint=False`): the
    # scan inserts tens of thousands of alerts at once with ids it has just read from
    # those very rows, and PostgreSQL's check of each reference locks the referenced case
    # and step rows (FOR KEY SHARE), dirtying the busy case tables' pages; at a million
    # cases that cost more than the rest of the scan. Cases, steps, departments and regions
    # are never deleted while alerts refer to them: PROTECT is enforced by Django.
    case = models.ForeignKey(
        Case,
        verbose_name=_("办件"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by the unique constraints and `alert_case`
        db_constraint=False,
    )
    step = models.ForeignKey(
        CaseStep,
        verbose_name=_("办理环节"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by `alert_one_per_step`
        db_constraint=False,
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("责任部门"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by `alert_department`
        db_constraint=False,
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by `alert_region`
        db_constraint=False,
    )
    level = models.CharField(_("预警等级"), max_length=8, choices=Level.choices)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.RAISED)
    cause_active = models.BooleanField(_("问题仍存在"), default=True)
    detail: Any = models.JSONField(_("详情"), default=dict, blank=True)

    raised_at = models.DateTimeField(_("预警时间"), default=timezone.now)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    explained_at = models.DateTimeField(_("说明时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("发出监察建议书时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("重新预警时间"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("重新预警次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    explanation = models.TextField(_("部门说明"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("说明人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_reason = models.CharField(
        _("关闭原因"), max_length=12, choices=ClosedReason.choices, blank=True
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关闭人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_note = models.TextField(_("关闭说明"), blank=True)

    class Meta:
        verbose_name = pgettext_lazy("singular", "监察预警")
        verbose_name_plural = pgettext_lazy("plural", "监察预警")
        ordering = ("-raised_at", "-id")
        constraints = [
            # Exactly one alert per rule and case (case rules) …
            models.UniqueConstraint(
                fields=("rule", "case"),
                condition=Q(step__isnull=True),
                name="alert_one_per_case",
            ),
            # … and per rule, case and step (step rules). The scans insert with
            # ON CONFLICT DO NOTHING against these, so two scans never make two rows.
            models.UniqueConstraint(
                fields=("rule", "case", "step"),
                condition=Q(step__isnull=False),
                name="alert_one_per_step",
            ),
        ]
        indexes = [
            # A department's alerts, newest first, by state (department staff's list).
            models.Index(
                fields=("department", "state", "-raised_at", "-id"), name="alert_department"
            ),
            # A region's alerts (supervisors: a list of region ids).
            models.Index(fields=("region", "state", "-raised_at", "-id"), name="alert_region"),
            # The alerts whose cause still holds, per rule: what a scan may have to cure.
            models.Index(
                fields=("rule", "case"), condition=Q(cause_active=True), name="alert_active"
            ),
            # One case's alerts (the case screen, process-rule evaluation).
            models.Index(fields=("case", "rule"), name="alert_case"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} · {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED


class AlertEvent(models.Model):
    """The history of an alert: one row per change, never changed."""

    class Action(models.TextChoices):
        RAISE = "raise", _("预警")
        LEVEL = "level", _("等级变化")
        NOTIFY = "notify", _("通知部门")
        EXPLAIN = "explain", _("部门说明")
        ESCALATE = "escalate", _("发出监察建议书")
        CLOSE = "close", _("关闭")
        CURE = "cure", _("问题消除，自动关闭")
        REOPEN = "reopen", _("问题再次出现，重新预警")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    from_state = models.CharField(_("原状态"), max_length=12, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, blank=True)
    from_level = models.CharField(_("原等级"), max_length=8, blank=True)
    to_level = models.CharField(_("新等级"), max_length=8, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人"), max_length=128, blank=True)
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("singular", "预警记录")
        verbose_name_plural = pgettext_lazy("plural", "预警记录")
        ordering = ("alert", "at", "id")
        indexes = [models.Index(fields=("alert", "at", "id"), name="alert_event_alert")]

    def __str__(self) -> str:
        return f"{self.alert_id} · {self.get_action_display()}"


class SupervisionNotice(models.Model):
    """A supervision notice (监察建议书) issued on an alert; its PDF is rendered on demand
    (`notices.supervision_notice_pdf`)."""

    number = models.CharField(_("文号"), max_length=40, unique=True)
    alert = models.ForeignKey(
        Alert, verbose_name=_("监察预警"), on_delete=models.PROTECT, related_name="notices"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("被监察部门"), on_delete=models.PROTECT, related_name="+"
    )
    # The supervising body as printed on the notice, e.g. 鹤岗市电子监察 (the issuing
    # supervisor's region at the time).
    issuer = models.CharField(_("监察机构"), max_length=128)
    text = models.TextField(_("监察意见和建议"))
    reply_by = models.DateField(_("书面回复期限"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("singular", "监察建议书")
        verbose_name_plural = pgettext_lazy("plural", "监察建议书")
        ordering = ("-issued_at", "-id")

    def __str__(self) -> str:
        return self.number


class NoticeCounter(models.Model):
    """The last sequence number of supervision notices for a region and a year."""

    region_code = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("region_code", "year"), name="supervision_notice_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}: {self.last}"


class ScanState(models.Model):
    """The deadline scan's bookkeeping: one row (pk 1).

    `full_key` fingerprints what a full scan depends on (the date, the calendar and the
    deadline rules' settings); a scan whose key differs is a full scan. Otherwise only cases
    with history rows above `watermark_event_id` are scanned again. `running_until` is the
    lease of the run in progress: a second worker finds it taken and does nothing."""

    full_key = models.CharField(max_length=64, blank=True)
    last_full_on = models.DateField(null=True, blank=True)
    watermark_event_id = models.BigIntegerField(null=True, blank=True)
    running_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_report: Any = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("singular", "监察扫描状态")
        verbose_name_plural = pgettext_lazy("plural", "监察扫描状态")

    def __str__(self) -> str:
        return f"scan state (full {self.last_full_on}, watermark {self.watermark_event_id})"


class ProcessCheck(models.Model):
    """The latest case history row whose process rules were evaluated, per case: a task
    for an older (or the same) event finds nothing to do."""

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="+")
    last_event_id = models.BigIntegerField()
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.case_id}: {self.last_event_id}"
