"""Notifications: editable message templates, the in-site inbox and the delivery record.

- `NotificationTemplate`: the text sent for one case action (`event`) on one `channel`,
  in Chinese and English, edited in the Django admin. Bodies are Django template strings
  rendered with a small context of plain strings (see `rendering`).
- `Message`: one message in a person's in-site inbox (站内消息).
- `Delivery`: one row per (event, channel, recipient), unique. A background task creates
  the row before it sends and records the outcome on it, so running the task again never
  sends the same notification twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from govhub.cases.workflow import TRANSITIONS, Action
from govhub.core.masking import mask_phone


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


# The case actions an applicant hears about (the workflow table says which).
NOTIFIED_ACTIONS: tuple[str, ...] = tuple(
    action for action, rule in TRANSITIONS.items() if rule.applicant_relevant
)
EVENT_CHOICES = [(action.value, action.label) for action in Action if action in NOTIFIED_ACTIONS]


def is_english(language: str | None = None) -> bool:
    return (language or get_language() or "").lower().startswith("en")


class NotificationTemplate(models.Model):
    """The text of one notification: a case action on one channel, in both languages."""

    event = models.CharField(_("办件操作"), max_length=24, choices=EVENT_CHOICES)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    subject = models.CharField(
        _("标题"),
        max_length=200,
        blank=True,
        help_text=_("站内消息和电子邮件的标题；短信不用标题。"),
    )
    body = models.TextField(
        _("正文"),
        help_text=_(
            "Django 模板语法。可用变量：number（办件编号）、item（事项名称）、title（办件名称）、"
            "state（办件状态）、applicant（申请人，短信中为脱敏姓名）、deadline（承诺办结日期）、"
            "reason（理由或意见）、decision（决定）、remedy（救济途径）、materials（需补正材料）、"
            "link（办件链接）、site（网站名称）、signature（短信签名）。"
        ),
    )
    subject_en = models.CharField(_("英文标题"), max_length=200, blank=True)
    body_en = models.TextField(_("英文正文"), blank=True)
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用后，该操作在该渠道上不再发送通知。")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知模板")
        verbose_name_plural = pgettext_lazy("plural", "通知模板")
        ordering = ("event", "channel")
        constraints = [
            models.UniqueConstraint(fields=("event", "channel"), name="notification_template_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.get_channel_display()}"


class MessageQuerySet(models.QuerySet["Message"]):
    def unread(self) -> MessageQuerySet:
        return self.filter(read_at__isnull=True)


class Message(models.Model):
    """One message in a person's in-site inbox. Both languages are stored, so the page
    shows the reader's language whichever it is when they read it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        on_delete=models.CASCADE,
        related_name="inbox_messages",
    )
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    subject_en = models.CharField(_("英文标题"), max_length=200, blank=True)
    body_en = models.TextField(_("英文正文"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("办件"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    case_number = models.CharField(_("办件编号"), max_length=32, blank=True)
    event = models.CharField(_("办件操作"), max_length=24, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = pgettext_lazy("plural", "站内消息")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("recipient", "-created_at", "-id"), name="message_inbox"),
            models.Index(
                fields=("recipient",),
                condition=Q(read_at__isnull=True),
                name="message_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def display_subject(self) -> str:
        """The subject in the active language (Chinese when there is no translation)."""
        return self.subject_en if is_english() and self.subject_en else self.subject

    @property
    def display_body(self) -> str:
        return self.body_en if is_english() and self.body_en else self.body


class Delivery(models.Model):
    """One notification to one recipient on one channel, for one event. The unique key
    (event_key, channel, recipient) is what keeps a notification from going out twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("未发送")

    # "case_event:<CaseEvent id>": what the notification is about.
    event_key = models.CharField(_("事件"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    # "user:<id>" for the inbox, the mobile number for SMS, the address for e-mail.
    recipient = models.CharField(_("收件人"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case_event = models.ForeignKey(
        "cases.CaseEvent",
        verbose_name=_("办件记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    case_number = models.CharField(_("办件编号"), max_length=32, blank=True)
    event = models.CharField(_("办件操作"), max_length=24, blank=True)
    language = models.CharField(_("语言"), max_length=16, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    message = models.ForeignKey(
        Message,
        verbose_name=_("站内消息"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知发送记录")
        verbose_name_plural = pgettext_lazy("plural", "通知发送记录")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("event_key", "channel", "recipient"), name="delivery_once"
            )
        ]
        indexes = [models.Index(fields=("case_number",), name="delivery_case_number")]

    def __str__(self) -> str:
        return f"{self.event_key} · {self.get_channel_display()} · {self.masked_recipient}"

    @property
    def masked_recipient(self) -> str:
        """The recipient as staff may see it: a masked mobile or e-mail address."""
        if self.channel == Channel.SMS:
            return mask_phone(self.recipient)
        if self.channel == Channel.EMAIL:
            local, _at, domain = self.recipient.partition("@")
            return f"{local[:1]}***@{domain}" if domain else "***"
        return self.recipient
