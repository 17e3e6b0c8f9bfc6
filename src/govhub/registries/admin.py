"""Read-only admin screens for the registries and their access log.

Nothing can be added, changed or deleted here: the registries are fed by their owning
departments (and the demo loader), the access log only by the selectors (each row with
its audit record). Lists show
masked names and ID numbers; opening a record shows it in full (ID number still masked)
and is itself recorded as a look-up. The search box takes a full ID number (found by its
look-up hash, also recorded) or an exact name; for legal entities a USCC or part of a name.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from govhub.core.admin_audit import admin_role
from govhub.core.crypto import lookup_hash
from govhub.core.masking import mask_id_number, mask_name
from govhub.core.validators import normalize_id_number, normalize_uscc
from govhub.organizations.admin import CountyFilter
from govhub.registries.models import USCC_PURPOSE, LegalEntity, RegistryLookup, Resident
from govhub.registries.selectors import id_number_hash, record_lookup

ADMIN_VIEW_PURPOSE = "管理后台查看"
ADMIN_SEARCH_PURPOSE = "管理后台检索"


def _looks_like_id_number(term: str) -> bool:
    number = normalize_id_number(term)
    return len(number) == 18 and number[:17].isdigit()


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: no add, change or delete, and no bulk actions."""

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = ("masked_name", "masked_id_number", "sex", "birth_year", "region", "status")
    list_filter = ("status", "sex", CountyFilter)
    list_select_related = ("region",)
    search_fields = ("name",)
    search_help_text = _("输入完整的身份证号码或准确的姓名。检索和查看均记入查询记录。")
    fields = (
        "name",
        "masked_id_number",
        "sex",
        "birth_date",
        "region",
        "household_address",
        "status",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: Resident) -> str:
        return mask_name(obj.name)

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj: Resident) -> str:
        return obj.id_number_masked

    @admin.display(description=_("出生年份"), ordering="birth_date")
    def birth_year(self, obj: Resident) -> int:
        return obj.birth_date.year

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if _looks_like_id_number(term):
            digest = id_number_hash(term)
            results = queryset.filter(id_number_hash=digest)
            record_lookup(
                actor=request.user,
                registry=RegistryLookup.Registry.RESIDENT,
                operation=RegistryLookup.Operation.ADMIN_VIEW,
                purpose=ADMIN_SEARCH_PURPOSE,
                subject_hash=digest,
                subject_label=f"? {mask_id_number(normalize_id_number(term))}",
                outcome=(
                    RegistryLookup.Outcome.FOUND
                    if results.exists()
                    else RegistryLookup.Outcome.NOT_FOUND
                ),
                request=request,
                role=admin_role(request.user),
            )
            return results, False
        return queryset.filter(name=term), False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        resident = Resident.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if resident is not None and response.status_code == 200:
            record_lookup(
                actor=request.user,
                registry=RegistryLookup.Registry.RESIDENT,
                operation=RegistryLookup.Operation.ADMIN_VIEW,
                purpose=ADMIN_VIEW_PURPOSE,
                subject_hash=resident.id_number_hash,
                subject_label=str(resident),
                outcome=RegistryLookup.Outcome.FOUND,
                request=request,
                role=admin_role(request.user),
            )
        return response


@admin.register(LegalEntity)
class LegalEntityAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "uscc",
        "entity_type",
        "masked_representative",
        "region",
        "established_on",
        "status",
    )
    list_filter = ("status", "entity_type", CountyFilter)
    list_select_related = ("region",)
    search_fields = ("name",)
    search_help_text = _("输入统一社会信用代码或名称中的文字。")
    fields = (
        "name",
        "uscc",
        "entity_type",
        "legal_representative_name",
        "masked_representative_id_number",
        "registered_address",
        "region",
        "established_on",
        "status",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("法定代表人"))
    def masked_representative(self, obj: LegalEntity) -> str:
        return mask_name(obj.legal_representative_name)

    @admin.display(description=_("法定代表人身份证号码"))
    def masked_representative_id_number(self, obj: LegalEntity) -> str:
        return obj.legal_representative_id_number_masked

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        code = normalize_uscc(term)
        if len(code) == 18:
            return queryset.filter(uscc=code), False
        return super().get_search_results(request, queryset, term)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        entity = LegalEntity.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if entity is not None and response.status_code == 200:
            record_lookup(
                actor=request.user,
                registry=RegistryLookup.Registry.LEGAL_ENTITY,
                operation=RegistryLookup.Operation.ADMIN_VIEW,
                purpose=ADMIN_VIEW_PURPOSE,
                subject_hash=lookup_hash(entity.uscc, purpose=USCC_PURPOSE),
                subject_label=entity.uscc,
                outcome=RegistryLookup.Outcome.FOUND,
                request=request,
                role=admin_role(request.user),
            )
        return response


@admin.register(RegistryLookup)
class RegistryLookupAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "actor_label",
        "on_behalf_of",
        "department",
        "registry",
        "operation",
        "purpose",
        "subject_label",
        "outcome",
        "source_ip",
    )
    list_filter = ("registry", "operation", "outcome")
    list_select_related = ("department",)
    date_hierarchy = "occurred_at"
    search_fields = ("actor_label", "purpose", "request_id", "subject_label")
    search_help_text = _(
        "输入查询人、事由或请求编号；"
        "输入完整的身份证号码或统一社会信用代码可查看关于此人或此单位的全部查询。"
    )
    fields = (
        "occurred_at",
        "actor",
        "actor_label",
        "on_behalf_of",
        "department",
        "registry",
        "operation",
        "purpose",
        "subject_label",
        "subject_hash",
        "outcome",
        "request_id",
        "source_ip",
    )
    readonly_fields = fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if _looks_like_id_number(term):
            return queryset.filter(subject_hash=id_number_hash(term)), False
        code = normalize_uscc(term)
        if len(code) == 18:
            return queryset.filter(subject_hash=lookup_hash(code, purpose=USCC_PURPOSE)), False
        return super().get_search_results(request, queryset, term)
