"""An admin base class that writes every add, change and delete to the audit trail."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from govhub.core.audit import audit_log


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
