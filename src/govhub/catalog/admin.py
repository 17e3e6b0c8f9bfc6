"""Django admin screens for the catalogue.

- Every save and delete is written to the audit trail (`catalog.<model>.admin_*`).
- Rights come from `catalog.policies` (positions), not from Django's flags: base items,
  themes and life events are kept by system administrators; an item's drafts by its
  department's administrators. Published (frozen) versions are read-only.
- New implementation items and handling variants get their codes from `services`; the
  lifecycle actions (create draft, submit, publish) go through `services`, and a refused
  publication shows the quality findings.
- “信息质量” (`quality/` under the implementation item list) lists every finding.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhub.catalog import policies, quality, services
from govhub.catalog.admin_support import (
    HandDownForm,
    JsonFieldsForm,
    RejectForm,
    RetireForm,
    action_form,
    error_text,
    json_widgets,
)
from govhub.catalog.models import (
    BaseItem,
    HandlingVariant,
    ImplementationItem,
    ItemVersion,
    LifeEvent,
    Material,
    Theme,
)
from govhub.core.admin_audit import AuditedAdmin
from govhub.core.errors import ApplicationError


class CatalogueAuthorityAdmin(AuditedAdmin):
    """Kept by system administrators (the catalogue authority)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and policies.can_manage_base_items(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and policies.can_manage_base_items(
            request.user
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and policies.can_manage_base_items(
            request.user
        )


@admin.register(Theme)
class ThemeAdmin(CatalogueAuthorityAdmin):
    list_display = ("name", "code", "audience", "sort_order", "name_en")
    list_filter = ("audience",)
    search_fields = ("name", "code", "name_en")


@admin.register(LifeEvent)
class LifeEventAdmin(CatalogueAuthorityAdmin):
    list_display = ("name", "code", "audience", "sort_order", "name_en")
    list_filter = ("audience",)
    search_fields = ("name", "code", "name_en")


class BaseItemForm(JsonFieldsForm):
    class Meta:
        model = BaseItem
        fields = (
            "base_code",
            "name",
            "name_en",
            "item_type",
            "legal_basis",
            "levels",
            "responsible_department_kind",
        )
        widgets = json_widgets(BaseItem)


@admin.register(BaseItem)
class BaseItemAdmin(CatalogueAuthorityAdmin):
    form = BaseItemForm
    list_display = ("base_code", "name", "item_type", "responsible_department_kind")
    list_filter = ("item_type",)
    search_fields = ("base_code", "name", "name_en")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("base_code",) if obj is not None else ()


class VersionInline(admin.TabularInline):
    model = ItemVersion
    fields = ("number", "status", "name", "change_note", "submitted_at", "published_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-number",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VariantInline(admin.TabularInline):
    model = HandlingVariant
    fields = ("code", "sequence", "name", "name_en", "is_active")
    readonly_fields = ("code", "sequence")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # added with their codes on the handling variant screen


class ImplementationItemForm(forms.ModelForm):
    class Meta:
        model = ImplementationItem
        fields = ("base_item", "department", "region")

    request: HttpRequest

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        department, region = cleaned.get("department"), cleaned.get("region")
        if (
            department
            and region
            and not policies.can_edit_for(self.request.user, department=department, region=region)
        ):
            raise forms.ValidationError(_("您没有权限为该部门添加实施清单事项。"))
        return cleaned


@admin.register(ImplementationItem)
class ImplementationItemAdmin(AuditedAdmin):
    list_display = (
        "implementation_code",
        "item_name",
        "department",
        "region",
        "state",
        "published_number",
    )
    list_filter = ("state", "base_item__item_type")
    search_fields = ("implementation_code", "base_item__name", "base_item__base_code")
    list_select_related = ("base_item", "department", "region", "published_version")
    autocomplete_fields = ("base_item", "department", "region", "handed_down_to")
    inlines = (VersionInline, VariantInline)
    actions = ("create_drafts", "cancel_items", "hand_down_items")
    change_list_template = "admin/catalog/implementationitem/change_list.html"

    @admin.display(description=gettext_lazy("事项名称"), ordering="base_item__name")
    def item_name(self, obj: ImplementationItem) -> str:
        return obj.base_item.name

    @admin.display(description=gettext_lazy("现行版本"))
    def published_number(self, obj: ImplementationItem) -> str:
        version = obj.published_version
        if version is None:
            return "—"
        url = reverse("admin:catalog_itemversion_change", args=[version.pk])
        return format_html('<a href="{}">{}</a>', url, _("第%(n)d版") % {"n": version.number})

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ImplementationItemForm
            kwargs["fields"] = ("base_item", "department", "region")
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("base_item", "department", "region")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        # Codes, ownership and the state are set by services (cancel/hand down), never here.
        return (
            "implementation_code",
            "base_item",
            "department",
            "region",
            "sequence",
            "published_version",
            "state",
            "change_effective_date",
            "change_reason",
            "handed_down_to",
        )

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or policies.can_edit_item(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel or hand down instead; history is kept

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        item = services.implementation_item_create(
            actor=request.user,
            base_item=obj.base_item,
            department=obj.department,
            region=obj.region,
        )
        obj.pk = item.pk
        obj.sequence = item.sequence
        obj.implementation_code = item.implementation_code
        obj._state.adding = False
        obj._state.db = item._state.db

    @admin.action(description=gettext_lazy("为所选事项新建草稿版本"))
    def create_drafts(self, request: HttpRequest, queryset: QuerySet[ImplementationItem]) -> None:
        for item in queryset:
            try:
                draft = services.version_create_draft(actor=request.user, item=item)
            except ApplicationError as exc:
                self.message_user(
                    request, f"{item.implementation_code}：{error_text(exc)}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    _("%(code)s：已新建第%(n)d版草稿。")
                    % {"code": item.implementation_code, "n": draft.number},
                    messages.SUCCESS,
                )

    @admin.action(description=gettext_lazy("取消所选事项"))
    def cancel_items(
        self, request: HttpRequest, queryset: QuerySet[ImplementationItem]
    ) -> HttpResponse | None:
        form, page = action_form(self, request, queryset, RetireForm, "cancel_items", _("取消事项"))
        if form is None:
            return page
        for item in queryset:
            self._retire(request, item, services.item_cancel, form.cleaned_data, _("已取消。"))
        return None

    @admin.action(description=gettext_lazy("下放所选事项"))
    def hand_down_items(
        self, request: HttpRequest, queryset: QuerySet[ImplementationItem]
    ) -> HttpResponse | None:
        form, page = action_form(
            self, request, queryset, HandDownForm, "hand_down_items", _("下放事项")
        )
        if form is None:
            return page
        for item in queryset:
            self._retire(request, item, services.item_hand_down, form.cleaned_data, _("已下放。"))
        return None

    def _retire(
        self,
        request: HttpRequest,
        item: ImplementationItem,
        service: Any,
        data: dict[str, Any],
        done: str,
    ) -> None:
        try:
            service(actor=request.user, item=item, **data)
        except ApplicationError as exc:
            self.message_user(
                request, f"{item.implementation_code}：{error_text(exc)}", messages.ERROR
            )
        else:
            self.message_user(request, f"{item.implementation_code}：{done}", messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        quality_url = path(
            "quality/",
            self.admin_site.admin_view(self.quality_view),
            name="catalog_implementationitem_quality",
        )
        return [quality_url, *super().get_urls()]

    def quality_view(self, request: HttpRequest) -> HttpResponse:
        errors_only = request.GET.get("errors") == "1"
        found = quality.check_all(errors_only=errors_only)
        context = {
            **self.admin_site.each_context(request),
            "title": _("信息质量检查"),
            "opts": self.model._meta,
            "findings": found,
            "errors_only": errors_only,
            "error_count": sum(1 for f in found if f.finding.level == quality.ERROR),
            "warning_count": sum(1 for f in found if f.finding.level == quality.WARNING),
        }
        return TemplateResponse(request, "admin/catalog/quality.html", context)


class MaterialInline(admin.StackedInline):
    model = Material
    extra = 0
    fields = (
        ("position", "name", "name_en"),
        ("kind", "form", "required", "required_note", "copies"),
        ("source", "licence_type"),
        "acceptance_criteria",
        "basis",
        ("blank_form", "sample"),
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _version_editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _version_editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _version_editable(request, obj)


def _version_editable(request: HttpRequest, version: ItemVersion | None) -> bool:
    return (
        version is not None
        and version.status == ItemVersion.Status.DRAFT
        and policies.can_edit_item(request.user, version.item)
    )


class ItemVersionForm(JsonFieldsForm):
    class Meta:
        model = ItemVersion
        fields = (*services.version_content_fields(), "change_note")
        widgets = json_widgets(ItemVersion)


@admin.register(ItemVersion)
class ItemVersionAdmin(AuditedAdmin):
    form = ItemVersionForm
    list_display = ("name", "item_code", "number", "status", "updated_at", "published_at")
    list_filter = ("status", "case_kind", "audience")
    search_fields = ("name", "item__implementation_code")
    list_select_related = ("item",)
    autocomplete_fields = ("themes", "life_events", "joint_departments")
    readonly_fields = ("item", "number", "status", "submitted_at", "published_at", "published_by")
    inlines = (MaterialInline,)
    actions = ("submit_versions", "publish_versions", "reject_versions")
    fieldsets = (
        (None, {"fields": ("item", "number", "status", "change_note")}),
        (
            gettext_lazy("基本信息"),
            {
                "fields": (
                    ("name", "name_en"),
                    "aliases",
                    "summary",
                    "summary_en",
                    "audience",
                    "themes",
                    "life_events",
                    ("source_of_power", "entrusted_department"),
                    "joint_departments",
                )
            },
        ),
        (
            gettext_lazy("条件、流程与时限"),
            {
                "fields": (
                    "conditions",
                    "steps",
                    "special_procedures",
                    ("legal_limit_value", "legal_limit_unit", "legal_limit_note"),
                    ("promised_limit_value", "promised_limit_unit", "promised_limit_note"),
                    "case_kind",
                )
            },
        ),
        (
            gettext_lazy("收费"),
            {"fields": ("charged", "fee_basis", "fee_lines", "online_payment")},
        ),
        (
            gettext_lazy("办理方式"),
            {
                "fields": (
                    "handling_forms",
                    ("visits_required", "visits_reason"),
                    "online_depth",
                    ("booking_available", "express_delivery", "cross_region"),
                    "intermediary_services",
                    "quantity_limit",
                )
            },
        ),
        (
            gettext_lazy("地点与咨询"),
            {"fields": ("address", "office_hours", ("consultation_phone", "complaint_phone"))},
        ),
        (
            gettext_lazy("办理结果与救济"),
            {
                "fields": (
                    ("result_type", "result_name"),
                    "result_sample",
                    "faqs",
                    "reconsideration",
                    "litigation",
                )
            },
        ),
        (gettext_lazy("申请表单"), {"fields": ("form_schema",)}),
        (gettext_lazy("发布"), {"fields": ("submitted_at", "published_at", "published_by")}),
    )

    @admin.display(description=gettext_lazy("实施编码"), ordering="item__implementation_code")
    def item_code(self, obj: ItemVersion) -> str:
        url = reverse("admin:catalog_implementationitem_change", args=[obj.item_id])
        return format_html('<a href="{}">{}</a>', url, obj.item.implementation_code)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new versions come from “新建草稿版本” on the item list

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if obj is None:
            return allowed
        return allowed and _version_editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("提交审核"))
    def submit_versions(self, request: HttpRequest, queryset: QuerySet[ItemVersion]) -> None:
        self._run(request, queryset, services.version_submit, _("已提交审核。"))

    @admin.action(description=gettext_lazy("审核通过并发布"))
    def publish_versions(self, request: HttpRequest, queryset: QuerySet[ItemVersion]) -> None:
        self._run(request, queryset, services.version_publish, _("已发布。"))

    @admin.action(description=gettext_lazy("退回修改"))
    def reject_versions(
        self, request: HttpRequest, queryset: QuerySet[ItemVersion]
    ) -> HttpResponse | None:
        form, page = action_form(
            self, request, queryset, RejectForm, "reject_versions", _("退回修改")
        )
        if form is None:
            return page
        reason = form.cleaned_data["reason"]
        for version in queryset.select_related("item"):
            label = f"{version.item.implementation_code} {_('第%(n)d版') % {'n': version.number}}"
            try:
                services.version_reject(actor=request.user, version=version, reason=reason)
            except ApplicationError as exc:
                self.message_user(request, f"{label}：{error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"{label}：{_('已退回修改。')}", messages.SUCCESS)
        return None

    def _run(
        self, request: HttpRequest, queryset: QuerySet[ItemVersion], service: Any, done: str
    ) -> None:
        for version in queryset.select_related("item"):
            label = f"{version.item.implementation_code} {_('第%(n)d版') % {'n': version.number}}"
            try:
                service(actor=request.user, version=version)
            except ApplicationError as exc:
                self.message_user(request, f"{label}：{error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"{label}：{done}", messages.SUCCESS)


class HandlingVariantForm(forms.ModelForm):
    class Meta:
        model = HandlingVariant
        fields = ("item", "name", "name_en", "is_active")

    request: HttpRequest

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        item = cleaned.get("item")
        if item is not None and not policies.can_edit_item(self.request.user, item):
            raise forms.ValidationError(_("您没有权限修改该事项。"))
        return cleaned


@admin.register(HandlingVariant)
class HandlingVariantAdmin(AuditedAdmin):
    form = HandlingVariantForm
    list_display = ("code", "name", "item", "is_active")
    search_fields = ("code", "name", "item__implementation_code")
    list_select_related = ("item__base_item",)
    autocomplete_fields = ("item",)

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("item", "code", "sequence") if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or policies.can_edit_item(request.user, obj.item))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # mark inactive instead; codes are never reused

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        variant = services.variant_add(
            actor=request.user, item=obj.item, name=obj.name, name_en=obj.name_en
        )
        if not obj.is_active:
            HandlingVariant.objects.filter(pk=variant.pk).update(is_active=False)
        obj.pk, obj.code, obj.sequence = variant.pk, variant.code, variant.sequence
        obj._state.adding = False
        obj._state.db = variant._state.db
