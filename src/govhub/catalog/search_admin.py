"""Admin screens of the catalogue search: synonyms (edited through the services, so each
change is audited and reaches every process at once) and the anonymous query log
(read-only)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from govhub.catalog.search.synonyms import clean_synonym, search_synonym_delete, search_synonym_save
from govhub.catalog.search_models import SearchQueryLog, SearchSynonym
from govhub.core.text import join_list

_SEPARATORS = re.compile(r"[\n,，、;；]+")


class SearchSynonymForm(forms.ModelForm):
    equivalents_text = forms.CharField(
        label=_("同义词"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个，或用顿号、逗号分隔。搜索其中任何一个词，也会找到包含其他词的事项。"),
    )

    class Meta:
        model = SearchSynonym
        fields = ("term", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["equivalents_text"].initial = "\n".join(self.instance.equivalents)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [p.strip() for p in _SEPARATORS.split(data.get("equivalents_text") or "")]
        try:
            data["term"], data["equivalents"] = clean_synonym(
                term=data.get("term") or "", equivalents=[p for p in parts if p]
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error("equivalents_text" if field == "equivalents" else field, messages)
            return data
        taken = SearchSynonym.objects.filter(term=data["term"])
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            self.add_error("term", _("该词语已有同义词设置，请直接修改。"))
        return data

    def validate_unique(self) -> None:
        """Left to the service, which says it in the administrator's words."""


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    form = SearchSynonymForm
    list_display = ("term", "equivalent_list", "note", "updated_at")
    search_fields = ("term", "note")
    fields = ("term", "equivalents_text", "note")

    @admin.display(description=_("同义词"))
    def equivalent_list(self, obj: SearchSynonym) -> str:
        return join_list(obj.equivalents)

    def save_model(self, request: HttpRequest, obj: SearchSynonym, form: Any, change: bool) -> None:
        saved = search_synonym_save(
            actor=request.user,
            term=form.cleaned_data["term"],
            equivalents=form.cleaned_data["equivalents"],
            note=form.cleaned_data.get("note", ""),
            synonym=obj if change else None,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: SearchSynonym) -> None:
        search_synonym_delete(actor=request.user, synonym=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SearchSynonym]) -> None:
        for synonym in queryset:
            search_synonym_delete(actor=request.user, synonym=synonym)


@admin.register(SearchQueryLog)
class SearchQueryLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "query", "result_count", "language", "filters")
    list_filter = ("language",)
    search_fields = ("query",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "query", "filters", "result_count", "language")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
