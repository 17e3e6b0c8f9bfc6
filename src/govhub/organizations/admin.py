"""Django admin screens for the organisation directory. Every save and delete made here
is written to the audit trail (`organizations.<model>.admin_add|admin_change|admin_delete`)
in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from govhub.core.admin_audit import AuditedAdmin
from govhub.core.text import join_list
from govhub.core.validators import normalize_uscc
from govhub.organizations.models import (
    Department,
    Position,
    Region,
    ServiceHall,
    ServicePoint,
    StaffMember,
    Window,
)
from govhub.organizations.services import uscc_validation_errors


class CountyFilter(admin.SimpleListFilter):
    """Filter by county-level division (including everything inside it)."""

    title = _("所在区县")
    parameter_name = "county"
    region_field = "region"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        counties = Region.objects.filter(level__lte=Region.Level.COUNTY, is_active=True)
        return [(r.code, r.name) for r in counties.order_by("path")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        code = self.value()
        if not code:
            return queryset
        region = Region.objects.filter(code=code).first()
        if region is None:
            return queryset.none()
        return queryset.filter(**{f"{self.region_field}__path__startswith": region.path})


class StaffCountyFilter(CountyFilter):
    region_field = "department__region"


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ("indented_name", "code", "level", "parent", "name_en", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name", "name_en")
    ordering = ("path",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)
    list_select_related = ("parent",)
    list_per_page = 100
    fields = ("code", "name", "name_en", "level", "parent", "sort_order", "is_active", "path")

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj: Region) -> str:
        depth = max(len(obj.ancestor_codes) - 1, 0)
        return f"{'　' * depth}{'└ ' if depth else ''}{obj.name}"


class DepartmentAdminForm(forms.ModelForm):
    confirm_legacy_uscc = forms.BooleanField(
        label=_("确认为历史代码"),
        required=False,
        help_text=_("校验位不符合 GB 32100 的早年代码，核实无误后勾选此项才能保存。"),
    )

    class Meta:
        model = Department
        fields = "__all__"  # noqa: DJ007 - the admin edits every field

    def clean_uscc(self) -> str:
        return normalize_uscc(self.cleaned_data.get("uscc") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        uscc = cleaned.get("uscc")
        if uscc:
            problems = uscc_validation_errors(
                uscc,
                confirm_legacy_uscc=bool(cleaned.get("confirm_legacy_uscc")),
                department=self.instance,
            )
            if problems:
                self.add_error("uscc", problems)
        return cleaned


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    form = DepartmentAdminForm
    list_display = ("name", "short_name", "code", "kind", "region", "uscc", "phone", "is_active")
    list_filter = ("kind", "is_active", CountyFilter)
    search_fields = ("name", "short_name", "name_en", "code", "uscc")
    autocomplete_fields = ("region", "parent")
    list_select_related = ("region",)
    ordering = ("region__path", "sort_order", "code")
    fieldsets = (
        (None, {"fields": ("code", "name", "short_name", "name_en", "kind", "region", "parent")}),
        (_("统一社会信用代码"), {"fields": ("uscc", "confirm_legacy_uscc")}),
        (
            _("公开信息"),
            {
                "fields": (
                    "functions",
                    "functions_en",
                    "address",
                    "office_hours",
                    "phone",
                    "website",
                )
            },
        ),
        (_("显示"), {"fields": ("sort_order", "is_active")}),
    )


class WindowInline(admin.TabularInline):
    model = Window
    fields = ("number", "name", "name_en", "kind", "sort_order", "is_active")
    extra = 0
    show_change_link = True


@admin.register(ServiceHall)
class ServiceHallAdmin(AuditedAdmin):
    list_display = ("name", "code", "region", "operator", "phone", "is_active")
    list_filter = ("is_active", CountyFilter)
    search_fields = ("name", "name_en", "code", "address")
    autocomplete_fields = ("region", "operator")
    list_select_related = ("region", "operator")
    inlines = (WindowInline,)


@admin.register(Window)
class WindowAdmin(AuditedAdmin):
    list_display = ("__str__", "hall", "kind", "department_names", "sort_order", "is_active")
    list_filter = ("hall", "kind", "is_active")
    search_fields = ("number", "name", "name_en", "hall__name")
    autocomplete_fields = ("hall",)
    filter_horizontal = ("departments",)
    list_select_related = ("hall",)
    ordering = ("hall__code", "sort_order", "number")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Window]:
        return super().get_queryset(request).prefetch_related("departments")

    @admin.display(description=_("服务部门"))
    def department_names(self, obj: Window) -> str:
        return join_list(d.display_short_name for d in obj.departments.all())


@admin.register(ServicePoint)
class ServicePointAdmin(AuditedAdmin):
    list_display = ("name", "code", "kind", "region", "phone", "is_active")
    list_filter = ("kind", "is_active", CountyFilter)
    search_fields = ("name", "name_en", "code", "address", "region__code")
    autocomplete_fields = ("region",)
    list_select_related = ("region",)
    ordering = ("region__path", "code")


class PositionInline(admin.TabularInline):
    model = Position
    fields = (
        "role",
        "department",
        "region",
        "window",
        "service_point",
        "valid_from",
        "valid_until",
        "is_active",
    )
    autocomplete_fields = ("department", "region", "window", "service_point")
    extra = 0


@admin.register(StaffMember)
class StaffMemberAdmin(AuditedAdmin):
    list_display = ("employee_number", "full_name", "user", "department", "title", "is_active")
    list_filter = ("is_active", StaffCountyFilter)
    search_fields = ("employee_number", "user__username", "user__full_name", "department__name")
    autocomplete_fields = ("user", "department")
    list_select_related = ("user", "department")
    inlines = (PositionInline,)

    @admin.display(description=_("姓名"), ordering="user__full_name")
    def full_name(self, obj: StaffMember) -> str:
        return obj.user.get_full_name()


@admin.register(Position)
class PositionAdmin(AuditedAdmin):
    list_display = (
        "staff",
        "role",
        "department",
        "region",
        "window",
        "service_point",
        "valid_from",
        "valid_until",
        "is_active",
    )
    list_filter = ("role", "is_active")
    search_fields = (
        "staff__employee_number",
        "staff__user__username",
        "staff__user__full_name",
        "department__name",
    )
    autocomplete_fields = ("staff", "department", "region", "window", "service_point")
    list_select_related = ("staff__user", "department", "region", "window", "service_point")
    date_hierarchy = "valid_from"
