"""Tables of the working-day calendar (工作日历).

Only the days that differ from the weekend rule are stored: weekdays that are public
holidays (放假) and weekend days that are worked instead (调休上班). A year's days count
only once the year is published; until then working days are computed from weekends
alone and flagged provisional (see `govhub.core.calendar`). Change these tables only
through `govhub.core.services`, which audits each change and refreshes the cache.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NAME_MAX_LENGTH = 32
# No year in it: the same words fit every year's notice (shared with the import form).
SOURCE_HELP_TEXT = _("节假日安排所依据的文件，例如国务院办公厅发布的当年部分节假日安排的通知。")


class CalendarYear(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(
        _("依据"),
        max_length=200,
        blank=True,
        help_text=SOURCE_HELP_TEXT,
    )
    notes = models.TextField(_("备注"), blank=True)
    loaded_at = models.DateTimeField(_("载入时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作日历年度")
        verbose_name_plural = pgettext_lazy("plural", "工作日历年度")
        ordering = ("-year",)
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1949) & Q(year__lte=2200), name="calendar_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    calendar_year = models.ForeignKey(
        CalendarYear,
        verbose_name=_("年度"),
        on_delete=models.CASCADE,
        related_name="days",
    )
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(
        _("节日"), max_length=NAME_MAX_LENGTH, blank=True, help_text=_("例如：春节、国庆节")
    )

    class Meta:
        verbose_name = _("工作日历日期")
        verbose_name_plural = pgettext_lazy("plural", "工作日历日期")
        ordering = ("date",)

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".rstrip()
