"""Tables of the OpenID provider beside django-oauth-toolkit's own (issue 4).

Imported at the bottom of `identity/models.py`, so they belong to the identity app.

- `OidcClientProfile`: what the platform knows about a registered client system beyond
  django-oauth-toolkit's `Application` (owning department, front-channel logout URI,
  trusted or not, whether it may receive the full ID number).
- `OidcAuthorization`: one sign-in of a user into a client system from one portal session.
  The token endpoint is called by the client's server, without the user's browser session,
  so what the ID token says about the sign-in (acr, amr, auth_time, the enterprise the user
  acts for) is captured here at authorization time and found again by the code, then by
  the refresh-token family. Portal sign-out revokes the tokens of every authorization made
  in that session.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class OidcClientProfile(models.Model):
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="govhub_profile",
        verbose_name=_("接入系统"),
    )
    department = models.ForeignKey(
        "organizations.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="oidc_clients",
        verbose_name=_("所属部门"),
    )
    description = models.TextField(_("说明"), blank=True)
    trusted = models.BooleanField(
        _("受信任系统"),
        default=False,
        help_text=_("受信任的本级部门系统在用户登录时不再询问授权；身份证件信息仍须用户逐次同意。"),
    )
    full_id_number = models.BooleanField(
        _("可获取完整身份证号码"),
        default=False,
        help_text=_("未勾选时，身份证件范围只提供脱敏的号码。"),
    )
    frontchannel_logout_uri = models.URLField(
        _("前端退出地址"),
        blank=True,
        help_text=_("用户在平台退出时，平台在页面中以隐藏框架打开此地址（附 iss 和 sid 参数）。"),
    )
    contact = models.CharField(_("联系人及电话"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("接入系统资料")
        verbose_name_plural = pgettext_lazy("plural", "接入系统资料")

    def __str__(self) -> str:
        return str(self.application)


class OidcAuthorization(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="oidc_authorizations",
        verbose_name=_("用户"),
    )
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="govhub_authorizations",
        verbose_name=_("接入系统"),
    )
    # The portal session: its key (to revoke on sign-out) and a stable id published to the
    # client as the ID token's `sid` (for front-channel logout).
    session_key = models.CharField(_("会话"), max_length=64, blank=True, db_index=True)
    sid = models.CharField(_("会话标识"), max_length=64, blank=True, db_index=True)
    scope = models.TextField(_("授权范围"), blank=True)
    acr = models.CharField(_("认证等级"), max_length=16, blank=True)
    amr = models.JSONField(_("认证方式"), default=list, blank=True)
    auth_time = models.DateTimeField(_("认证时间"))
    acting_for_uscc = models.CharField(_("代办企业代码"), max_length=18, blank=True)
    acting_for_name = models.CharField(_("代办企业名称"), max_length=200, blank=True)
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_family = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("单点登录记录")
        verbose_name_plural = pgettext_lazy("plural", "单点登录记录")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.user} → {self.application}"

    @staticmethod
    def new_sid() -> str:
        return uuid.uuid4().hex
