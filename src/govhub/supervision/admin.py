"""Django admin screens for supervision (every admin save is audited by the site).

- Rules: switched on and off and tuned by system administrators and supervisors; the
  parameters are checked against the rule's declaration, with the problem said in
  Chinese. Rules come from code (`rules.registry`), so none is added or deleted here.
- Alerts: read-only, for supervisors, limited to the regions they supervise (the
  dashboards and the follow-up are built on `selectors` and `services`).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhub.organizations.models import Position
from govhub.organizations.policies import is_system_admin, staff_roles
from govhub.supervision import policies
from govhub.supervision.models import Alert, AlertEvent, Rule
from govhub.supervision.rules import registry


def can_manage_rules(user: Any) -> bool:
    return is_system_admin(user) or Position.Role.SUPERVISOR in staff_roles(user)


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ("enabled", "severity", "params")

    def clean_params(self) -> dict[str, Any]:
        raw = self.cleaned_data.get("params")
        definition = registry().get(self.instance.code)
        if definition is None:
            raise ValidationError(_("该规则已不在系统中，不能修改参数。"))
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValidationError(_("参数不是有效的 JSON：%(error)s") % {"error": exc}) from exc
        return definition.clean_params(raw)


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("code", "rule_name", "enabled", "severity", "updated_at", "updated_by")
    list_filter = ("enabled", "severity")
    readonly_fields = (
        "code",
        "rule_name",
        "rule_description",
        "param_help",
        "updated_at",
        "updated_by",
    )
    fields = (
        "code",
        "rule_name",
        "rule_description",
        "enabled",
        "severity",
        "params",
        "param_help",
        "updated_at",
        "updated_by",
    )

    @admin.display(description=gettext_lazy("规则名称"))
    def rule_name(self, obj: Rule) -> str:
        definition = registry().get(obj.code)
        return str(definition.name) if definition else "—"

    @admin.display(description=gettext_lazy("说明"))
    def rule_description(self, obj: Rule) -> str:
        definition = registry().get(obj.code)
        return str(definition.description) if definition else "—"

    @admin.display(description=gettext_lazy("可用参数"))
    def param_help(self, obj: Rule) -> str:
        definition = registry().get(obj.code)
        if definition is None or not definition.params:
            return _("（无参数）")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><code>{}</code>：{}（{} {}）</li>",
                (
                    (name, spec.label, _("默认"), json.dumps(spec.default, ensure_ascii=False))
                    for name, spec in definition.params.items()
                ),
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and can_manage_rules(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and can_manage_rules(request.user)

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    fields = (
        "at",
        "action",
        "from_state",
        "to_state",
        "from_level",
        "to_level",
        "actor_label",
        "note",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("raised_at", "rule", "case_number", "level", "state", "department", "region")
    list_filter = ("state", "level", "rule")
    search_fields = ("case__number",)
    list_select_related = ("rule", "case", "department", "region")
    inlines = (AlertEventInline,)
    exclude = ()

    @admin.display(description=gettext_lazy("办件编号"))
    def case_number(self, obj: Alert) -> str:
        return obj.case.number or ""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Alert._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Alert]:
        scope = policies.alert_scope(request.user)
        queryset = super().get_queryset(request)
        return queryset.filter(scope) if scope is not None else queryset.none()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and (
            Position.Role.SUPERVISOR in staff_roles(request.user)
        )
