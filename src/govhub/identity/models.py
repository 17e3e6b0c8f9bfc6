"""Accounts. The custom user model exists from the first migration so that identity
(issue 4: real-name accounts, enterprises, factors, SSO) can grow without a swap."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class User(AbstractUser):
    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        STAFF = "staff", _("工作人员")

    kind = models.CharField(_("账号类型"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username
