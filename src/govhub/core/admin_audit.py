"""Admin pieces of the audit trail: `AuditedAdmin`, a base class that writes every add,
change and delete to the audit trail, and the read-only screens of the trail itself
(`AuditEventAdmin`, `AuditCheckpointAdmin`), which show where each record sits in the
hash chain."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from govhub.core.audit import audit_log
from govhub.core.models import AuditChainLink, AuditCheckpoint, AuditEvent


def _jsonable(value: Any) -> Any:
    """A value of a form field as it goes into the audit record."""
    if value is None or isinstance(value, bool | int | float | str | dict):
        return value
    if isinstance(value, models.Model):
        return str(value)[:200]
    if isinstance(value, QuerySet | list | tuple | set):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)[:200]


def _action(obj: models.Model, verb: str) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}"


def _form_changes(form: forms.BaseForm) -> dict[str, Any]:
    cleaned = getattr(form, "cleaned_data", {}) or {}
    return {name: _jsonable(cleaned.get(name)) for name in form.changed_data}


class AuditedAdmin(admin.ModelAdmin):
    """Records every add, change and delete (also of inline rows) in the audit trail."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Many-to-many values are saved later (save_related) but are already in
        # cleaned_data, so the record shows what the object ends up with.
        audit_log(
            actor=request.user,
            action=_action(obj, "admin_change" if change else "admin_add"),
            target=obj,
            changes=_form_changes(form),
            request=request,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_log(
            actor=request.user, action=_action(obj, "admin_delete"), target=obj, request=request
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            audit_log(
                actor=request.user,
                action=_action(obj, "admin_delete"),
                target=obj,
                request=request,
            )
        super().delete_queryset(request, queryset)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseFormSet[Any], change: bool
    ) -> None:
        inline_forms = {id(f.instance): f for f in formset.forms}
        for obj in getattr(formset, "deleted_objects", None) or []:
            audit_log(
                actor=request.user,
                action=_action(obj, "admin_delete"),
                target=obj,
                request=request,
            )
        super().save_formset(request, form, formset, change)
        for obj, verb in [
            *((o, "admin_add") for o in getattr(formset, "new_objects", [])),
            *((o, "admin_change") for o, _fields in getattr(formset, "changed_objects", [])),
        ]:
            inline_form = inline_forms.get(id(obj))
            audit_log(
                actor=request.user,
                action=_action(obj, verb),
                target=obj,
                changes=_form_changes(inline_form) if inline_form is not None else {},
                request=request,
            )


def _link(obj: AuditEvent) -> AuditChainLink | None:
    try:
        return obj.chain_link
    except AuditChainLink.DoesNotExist:
        return None


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nobody adds, edits or deletes a record of the audit trail here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail, read-only, with each record's place in the hash chain."""

    list_display = (
        "occurred_at",
        "actor_label",
        "on_behalf_of",
        "actor_role",
        "action",
        "object_type",
        "object_label",
        "outcome",
        "chain_seq",
    )
    list_filter = ("outcome", "action", "object_type")
    search_fields = (
        "actor_label",
        "on_behalf_of",
        "action",
        "object_id",
        "object_label",
        "request_id",
    )
    date_hierarchy = "occurred_at"
    list_select_related = ("actor", "chain_link")
    readonly_fields = (
        *(field.name for field in AuditEvent._meta.fields),
        "chain_seq",
        "chain_prev_hash",
        "chain_hash",
        "chain_sealed_at",
    )

    @admin.display(description=_("链序号"))
    def chain_seq(self, obj: AuditEvent) -> Any:
        link = _link(obj)
        return link.seq if link is not None else _("待封存")

    @admin.display(description=_("前一记录哈希"))
    def chain_prev_hash(self, obj: AuditEvent) -> str:
        link = _link(obj)
        return link.prev_hash if link is not None else ""

    @admin.display(description=_("哈希"))
    def chain_hash(self, obj: AuditEvent) -> str:
        link = _link(obj)
        return link.hash if link is not None else ""

    @admin.display(description=_("封存时间"))
    def chain_sealed_at(self, obj: AuditEvent) -> Any:
        link = _link(obj)
        return link.sealed_at if link is not None else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("chain_link")


class AuditCheckpointAdmin(ReadOnlyAdmin):
    """Signed checkpoints of the audit chain, read-only."""

    list_display = ("seq", "created_at", "algorithm", "key_id", "head_hash")
    date_hierarchy = "created_at"
    readonly_fields = tuple(field.name for field in AuditCheckpoint._meta.fields)
