"""Django admin screens for notifications.

- Templates: kept by system administrators; every save is audited (`AuditedAdmin`); the
  text is checked when saved (template syntax, no `debug` tag) and the change page shows
  a preview in both languages, rendered with made-up values.
- Deliveries: read-only, recipients masked, for system administrators; failed ones can be
  queued again ("retry"), which is audited.
- In-site messages are private to their recipients and have no admin screen.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template import TemplateSyntaxError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from govhub.core.admin_audit import AuditedAdmin
from govhub.notifications import policies, services
from govhub.notifications.models import Channel, Delivery, NotificationTemplate
from govhub.notifications.rendering import (
    CHINESE,
    ENGLISH,
    compile_template,
    render,
    sample_context,
)

TEMPLATE_FIELDS = ("subject", "body", "subject_en", "body_en")


class NotificationTemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ("event", "channel", "is_active", *TEMPLATE_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in TEMPLATE_FIELDS:
            text = cleaned.get(name) or ""
            try:
                compile_template(text)
            except TemplateSyntaxError as exc:
                self.add_error(name, _("模板语法错误：%(error)s") % {"error": exc})
        if cleaned.get("channel") != Channel.SMS and not (cleaned.get("subject") or "").strip():
            self.add_error("subject", _("站内消息和电子邮件需要标题。"))
        return cleaned


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(AuditedAdmin):
    form = NotificationTemplateForm
    list_display = ("event", "channel", "is_active", "updated_at")
    list_filter = ("channel", "is_active", "event")
    search_fields = ("subject", "body", "subject_en", "body_en")
    readonly_fields = ("preview", "updated_at")
    fieldsets = (
        (None, {"fields": ("event", "channel", "is_active")}),
        (gettext_lazy("中文"), {"fields": ("subject", "body")}),
        (gettext_lazy("英文"), {"fields": ("subject_en", "body_en")}),
        (gettext_lazy("预览"), {"fields": ("preview", "updated_at")}),
    )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and policies.can_manage_templates(
            request.user
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and policies.can_manage_templates(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and policies.can_manage_templates(
            request.user
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and policies.can_manage_templates(
            request.user
        )

    @admin.display(description=gettext_lazy("预览（示例数据）"))
    def preview(self, obj: NotificationTemplate | None) -> str:
        if obj is None or obj.pk is None:
            return _("保存后显示预览。")
        blocks = []
        for language, label in ((CHINESE, _("中文")), (ENGLISH, _("英文"))):
            if language == ENGLISH and not obj.body_en.strip():
                blocks.append((label, "", _("（未填写英文正文，英文读者将收到中文。）")))
                continue
            try:
                rendered = render(
                    obj, sample_context(channel=obj.channel, language=language), language=language
                )
            except Exception as exc:  # show a broken template instead of failing the page
                blocks.append((label, "", _("无法生成预览：%(error)s") % {"error": exc}))
                continue
            blocks.append((label, rendered.subject, rendered.body))
        return format_html(
            '<div class="notification-preview">{}</div>',
            format_html_join(
                "",
                "<section><h4>{}</h4><p><strong>{}</strong></p>"
                '<pre style="white-space: pre-wrap">{}</pre></section>',
                blocks,
            ),
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "case_number",
        "event",
        "channel",
        "recipient_masked",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "channel", "event")
    search_fields = ("case_number", "event_key")
    date_hierarchy = "created_at"
    list_select_related = False
    fields = (
        "event_key",
        "case_number",
        "event",
        "channel",
        "recipient_masked",
        "language",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ("retry_failed",)

    @admin.display(description=gettext_lazy("收件人"))
    def recipient_masked(self, obj: Delivery) -> str:
        return obj.masked_recipient

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and policies.can_view_deliveries(
            request.user
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return policies.can_retry_deliveries(request.user)

    @admin.action(description=gettext_lazy("重新发送所选的失败通知"), permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.deliveries_retry(actor=request.user, deliveries=queryset, request=request)
        if count:
            self.message_user(
                request,
                ngettext(
                    "已重新排队 %(count)d 条失败的通知。",
                    "已重新排队 %(count)d 条失败的通知。",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("所选记录中没有发送失败的通知。"), messages.WARNING)
