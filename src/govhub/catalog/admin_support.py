"""Building blocks of the catalogue admin: audited saves, JSON fields checked with
`validation.py`, and actions that ask for input (a reason, a date) before running."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy

from govhub.catalog.validation import CHECKERS
from govhub.core.errors import ApplicationError
from govhub.organizations.models import Region


def error_text(exc: ApplicationError) -> str:
    details = [m for messages_ in exc.fields.values() for m in messages_]
    if details and str(exc.message) == str(exc.default_message):
        return "；".join(details)
    return str(exc.message)


class JsonFieldsForm(forms.ModelForm):
    """JSON fields edited as JSON text, checked with `validation.py`."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, checker in CHECKERS.items():
            if name in self.fields and name in cleaned:
                for message in checker(cleaned[name]):
                    self.add_error(name, message)
        return cleaned


def json_widgets(model: type[models.Model]) -> dict[str, forms.Widget]:
    return {
        f.name: forms.Textarea(attrs={"rows": 6, "cols": 90, "class": "vLargeTextField"})
        for f in model._meta.get_fields()
        if isinstance(f, models.JSONField)
    }


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("退回原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )


class RetireForm(forms.Form):
    effective_date = forms.DateField(
        label=gettext_lazy("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=gettext_lazy("调整原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )


class HandDownForm(RetireForm):
    target_region = forms.ModelChoiceField(
        label=gettext_lazy("下放至"), queryset=Region.objects.filter(is_active=True)
    )


def action_form(
    admin_: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    form_class: type[forms.Form],
    action: str,
    title: str,
) -> tuple[forms.Form | None, HttpResponse | None]:
    """An admin action asking for input first: (valid form, None) once posted back, else
    (None, the page with the form)."""
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            return form, None
    else:
        form = form_class()
    context = {
        **admin_.admin_site.each_context(request),
        "title": title,
        "opts": admin_.model._meta,
        "form": form,
        "objects": queryset,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return None, TemplateResponse(request, "admin/catalog/action_form.html", context)
