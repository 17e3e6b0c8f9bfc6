"""Admin screens of the working-day calendar. Every change goes through
`govhub.core.services`, so it is audited and the calendar cache is refreshed."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, Literal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govhub.core import services
from govhub.core.admin_audit import AuditCheckpointAdmin, AuditEventAdmin
from govhub.core.audit_models import AuditCheckpoint
from govhub.core.calendar_models import SOURCE_HELP_TEXT, CalendarDay, CalendarYear
from govhub.core.errors import ApplicationError
from govhub.core.models import AuditEvent
from govhub.core.text import admin_site_header_lazy, join_list

# The admin index shows a banner while a calendar year needs publishing. The stock
# index is extended (not copied); see templates/admin/govhub_index.html.
admin.site.index_template = "admin/govhub_index.html"
# Lazy: the site's name and the language are those of each request.
admin.site.site_header = admin_site_header_lazy()
admin.site.site_title = admin_site_header_lazy()
admin.site.index_title = _("管理首页")

WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ("date", "weekday", "kind", "name")
    readonly_fields = ("date", "weekday", "kind", "name")
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("date",)

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()]) if obj.date else ""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ("year", "source", "notes")


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(
        label=_("年份"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR
    )
    file = forms.FileField(
        label=_("文件"), help_text=_("CSV或JSON文件，UTF-8编码；导入会替换该年度的全部日期。")
    )
    source = forms.CharField(
        label=_("依据"),
        max_length=200,
        required=False,
        help_text=SOURCE_HELP_TEXT,
    )
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    publish = forms.BooleanField(label=_("导入后立即发布"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in (".csv", ".json"):
            raise forms.ValidationError(_("请上传 .csv 或 .json 文件。"), code="file_format")
        return upload


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = (
        "year",
        "status",
        "source",
        "holiday_count",
        "workday_count",
        "loaded_at",
        "published_at",
    )
    list_filter = ("status",)
    readonly_fields = ("status", "loaded_at", "published_at")
    inlines = (CalendarDayInline,)
    actions = ("publish_years", "unpublish_years")
    change_list_template = "admin/core/calendaryear/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                holidays=Count("days", filter=Q(days__kind=CalendarDay.Kind.HOLIDAY)),
                workdays=Count("days", filter=Q(days__kind=CalendarDay.Kind.WORKDAY)),
            )
        )

    @admin.display(description=_("放假天数"), ordering="holidays")
    def holiday_count(self, obj: Any) -> int:
        return int(getattr(obj, "holidays", 0))

    @admin.display(description=_("调休上班天数"), ordering="workdays")
    def workday_count(self, obj: Any) -> int:
        return int(getattr(obj, "workdays", 0))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "year") if obj is not None else fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = services.calendar_year_save(
            actor=request.user,
            year=obj.year,
            source=obj.source,
            notes=obj.notes,
            request=request,
        )
        obj.pk = saved.pk

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # The days inline is read-only: days change through their own screen.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def _run_for_each(
        self, request: HttpRequest, queryset: QuerySet[CalendarYear], fn: Any
    ) -> None:
        done = []
        for calendar_year in queryset.order_by("year"):
            try:
                fn(actor=request.user, year=calendar_year.year, request=request)
            except ApplicationError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                done.append(str(calendar_year.year))
        if done:
            self.message_user(
                request, gettext("已处理：%(years)s") % {"years": join_list(done)}, messages.SUCCESS
            )

    @admin.action(description=_("发布所选年度"), permissions=["change"])
    def publish_years(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        self._run_for_each(request, queryset, services.calendar_year_publish)

    @admin.action(description=_("撤回所选年度的发布"), permissions=["change"])
    def unpublish_years(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        self._run_for_each(request, queryset, services.calendar_year_unpublish)

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="core_calendaryear_import",
            )
        ]
        return custom + list(super().get_urls())

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (
            self.has_change_permission(request)
            and request.user.has_perm("core.add_calendarday")
            and request.user.has_perm("core.delete_calendarday")
        ):
            raise PermissionDenied
        row_errors: list[str] = []
        if request.method == "POST":
            form = CalendarImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                file_format: Literal["csv", "json"] = (
                    "json" if upload.name.lower().endswith(".json") else "csv"
                )
                try:
                    result = services.calendar_import(
                        actor=request.user,
                        year=form.cleaned_data["year"],
                        content=upload.read(),
                        file_format=file_format,
                        source=form.cleaned_data["source"] or None,
                        notes=form.cleaned_data["notes"] or None,
                        publish=form.cleaned_data["publish"],
                        request=request,
                    )
                except services.CalendarImportError as exc:
                    row_errors = [error.message for error in exc.row_errors]
                    form.add_error(None, str(exc.message))
                except ApplicationError as exc:
                    form.add_error(None, str(exc.message))
                else:
                    self.message_user(
                        request,
                        gettext("已导入%(year)d年：%(holidays)s，%(workdays)s。")
                        % {
                            "year": result.calendar_year.year,
                            "holidays": result.holidays_text,
                            "workdays": result.workdays_text,
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:core_calendaryear_change", args=[result.calendar_year.pk])
                    )
        else:
            form = CalendarImportForm(initial={"year": request.GET.get("year")})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("导入工作日历"),
            "form": form,
            "row_errors": row_errors,
        }
        return TemplateResponse(request, "admin/core/calendaryear/import.html", context)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day = cleaned.get("date") or (self.instance.date if self.instance.pk else None)
        kind = cleaned.get("kind")
        if day and kind:
            problem = services.calendar_day_problem(day=day, kind=kind)
            if problem:
                self.add_error("kind", problem)
        return cleaned


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "weekday", "kind", "name", "calendar_year")
    list_filter = ("calendar_year", "kind")
    list_select_related = ("calendar_year",)
    date_hierarchy = "date"
    search_fields = ("name",)

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A different date is a different entry: remove this one and add the other.
        return ("date",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = services.calendar_day_set(
            actor=request.user, day=obj.date, kind=obj.kind, name=obj.name, request=request
        )
        obj.pk = saved.pk
        obj.calendar_year = saved.calendar_year

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.calendar_day_remove(actor=request.user, day=obj.date, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        with transaction.atomic():
            for calendar_day in queryset:
                services.calendar_day_remove(
                    actor=request.user, day=calendar_day.date, request=request
                )


# The audit trail and its signed checkpoints, read-only (see `admin_audit`).
admin.site.register(AuditEvent, AuditEventAdmin)
admin.site.register(AuditCheckpoint, AuditCheckpointAdmin)
