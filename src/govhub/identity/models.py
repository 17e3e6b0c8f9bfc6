"""Accounts and everything that proves who is behind them (issue 4).

- `User`: person and staff accounts. A person's ID number is stored encrypted with a keyed
  hash beside it for look-up and uniqueness; `sub` is the stable OpenID Connect subject.
- Factors: the password (Django's), the verified mobile (SMS codes, `SmsChallenge`) and a
  time-based one-time password (`TotpDevice`).
- Sign-in protection: `SignInEvent` (history shown to the user), `LoginThrottle`
  (lockout with back-off per account and per address), `RealNameCheck` (what the
  population registry answered at registration).
- Enterprises (`Enterprise`, registered by the legal representative) and their agents
  (`AgentAuthorization`, with scopes and expiry); `StaffActivation` tokens.

Levels of assurance are computed in `govhub.identity.levels`.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhub.core.crypto import EncryptedTextField
from govhub.core.masking import mask_id_number, mask_phone


class User(AbstractUser):
    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        STAFF = "staff", _("工作人员")

    kind = models.CharField(_("账号类型"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    # The OpenID Connect subject: stable, opaque, never the ID number.
    sub = models.UUIDField(_("统一身份标识"), unique=True, default=uuid.uuid4, editable=False)
    id_number = EncryptedTextField(_("身份证号码"), blank=True)
    id_number_hash = models.CharField(
        _("身份证号码索引"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    mobile = models.CharField(_("手机号码"), max_length=11, blank=True)
    mobile_verified_at = models.DateTimeField(_("手机号码验证时间"), null=True, blank=True)
    real_name_verified_at = models.DateTimeField(_("实名认证时间"), null=True, blank=True)
    in_person_verified_at = models.DateTimeField(_("现场核验时间"), null=True, blank=True)
    in_person_verified_by = models.ForeignKey(
        "self",
        verbose_name=_("现场核验人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")
        constraints = [
            models.UniqueConstraint(
                fields=("mobile",), condition=~Q(mobile=""), name="user_mobile_unique"
            ),
        ]

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    @property
    def is_staff_account(self) -> bool:
        """Accounts that must sign in with password + TOTP: staff, and anyone who may
        open the Django admin."""
        return self.kind == self.Kind.STAFF or self.is_staff or self.is_superuser

    @property
    def is_real_name_verified(self) -> bool:
        return self.real_name_verified_at is not None and bool(self.id_number_hash)

    @property
    def is_in_person_verified(self) -> bool:
        return self.is_real_name_verified and self.in_person_verified_at is not None

    @property
    def assurance_ceiling(self) -> str:
        """The highest level a session of this account can reach: "L3" when confirmed in
        person at a window, "L2" when real-name verified (staff accounts count: their
        department vouches for them), "L1" otherwise."""
        from govhub.identity.levels import account_ceiling

        return account_ceiling(self)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_phone(self.mobile)


class TotpDevice(models.Model):
    """A confirmed authenticator app (RFC 6238, 30-second steps, 6 digits). One per
    account; enrolling again replaces it. `last_used_step` refuses a code used before."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="totp_device",
    )
    secret = EncryptedTextField(_("密钥"))
    confirmed_at = models.DateTimeField(_("绑定时间"))
    last_used_step = models.BigIntegerField(_("最近使用的时间步"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("动态口令设备")
        verbose_name_plural = pgettext_lazy("plural", "动态口令设备")

    def __str__(self) -> str:
        return f"TOTP · {self.user}"


class SmsChallenge(models.Model):
    """One SMS verification code sent to a number for one purpose. Only the newest
    challenge of a number and purpose counts; the code itself is stored as a keyed hash."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("注册")
        SIGN_IN = "sign_in", _("登录")
        STEP_UP = "step_up", _("身份核验")
        MOBILE_CHANGE = "mobile_change", _("更换手机号码")
        PASSWORD_RESET = "password_reset", _("找回密码")

    mobile = models.CharField(_("手机号码"), max_length=11, db_index=True)
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("过期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    delivered = models.BooleanField(_("已发送"), default=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = pgettext_lazy("plural", "短信验证码")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("mobile", "purpose", "created_at"), name="sms_lookup_idx")]

    def __str__(self) -> str:
        return f"{mask_phone(self.mobile)} · {self.get_purpose_display()}"


class SignInEvent(models.Model):
    """One sign-in attempt, second factor, step-up, sign-out or session expiry; the
    account's history page lists these."""

    class Method(models.TextChoices):
        PASSWORD = "pwd", _("密码")
        SMS = "sms", _("短信验证码")
        TOTP = "otp", _("动态口令")
        UPSTREAM = "federated", _("上级身份认证")
        SESSION = "session", _("会话")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("成功")
        NEEDS_FACTOR = "needs_factor", _("待验证第二因素")
        STEP_UP = "step_up", pgettext_lazy("sign-in outcome", "提升认证等级")
        FAILURE = "failure", _("失败")
        LOCKED = "locked", _("已锁定")
        SIGNED_OUT = "signed_out", pgettext_lazy("sign-in outcome", "退出登录")
        EXPIRED = "expired", _("会话超时")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sign_in_events",
    )
    identifier = models.CharField(_("登录标识（脱敏）"), max_length=64, blank=True)
    method = models.CharField(_("方式"), max_length=16, choices=Method.choices)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("原因"), max_length=64, blank=True)
    acr = models.CharField(_("认证等级"), max_length=8, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=256, blank=True)
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("登录记录")
        verbose_name_plural = pgettext_lazy("plural", "登录记录")
        ordering = ("-occurred_at", "-id")
        indexes = [models.Index(fields=("user", "occurred_at"), name="signin_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.identifier} {self.outcome}"


class LoginThrottle(models.Model):
    """Consecutive failures of one account or one address. Reaching the threshold locks
    it; each further lock lasts twice as long as the one before (back-off)."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", _("账号")
        ADDRESS = "address", _("网络地址")

    scope = models.CharField(_("范围"), max_length=8, choices=Scope.choices)
    key_hash = models.CharField(_("标识摘要"), max_length=64)
    label = models.CharField(_("标识（脱敏）"), max_length=64, blank=True)
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    lock_count = models.PositiveIntegerField(_("锁定次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = pgettext_lazy("plural", "登录限制")
        constraints = [
            models.UniqueConstraint(fields=("scope", "key_hash"), name="throttle_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.label}"


class RealNameCheck(models.Model):
    """What the population registry answered when someone claimed a name and ID number."""

    class Outcome(models.TextChoices):
        MATCH = "match", _("一致")
        NAME_MISMATCH = "name_mismatch", _("姓名不一致")
        NOT_FOUND = "not_found", _("查无此人")
        INACTIVE = "inactive", _("状态异常")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="real_name_checks",
    )
    purpose = models.CharField(_("用途"), max_length=32, default="register")
    masked_name = models.CharField(_("姓名（脱敏）"), max_length=16)
    masked_id_number = models.CharField(_("身份证号码（脱敏）"), max_length=32)
    outcome = models.CharField(_("核验结果"), max_length=16, choices=Outcome.choices)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    checked_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("实名核验记录")
        verbose_name_plural = pgettext_lazy("plural", "实名核验记录")
        ordering = ("-checked_at", "-id")

    def __str__(self) -> str:
        return f"{self.masked_name} {self.masked_id_number} {self.outcome}"


class AgentScope(models.TextChoices):
    """What an agent (经办人) may do for an enterprise."""

    APPLY = "apply", _("申请办理事项")
    VIEW = "view", _("查询办件进度和结果")
    PAY = "pay", _("缴纳费用")
    LICENCES = "licences", _("查看和使用电子证照")


class Enterprise(models.Model):
    """An enterprise account, registered by its legal representative and checked against
    the legal-person registry."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("已停用")

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    legal_representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("法定代表人"),
        on_delete=models.PROTECT,
        related_name="represented_enterprises",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    registered_at = models.DateTimeField(_("注册时间"), default=timezone.now)

    class Meta:
        verbose_name = _("企业账号")
        verbose_name_plural = pgettext_lazy("plural", "企业账号")
        ordering = ("uscc",)

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    @property
    def on_behalf_of_label(self) -> str:
        """What the audit trail records for actions done for this enterprise."""
        return f"enterprise:{self.uscc}"


class AgentAuthorizationQuerySet(models.QuerySet["AgentAuthorization"]):
    def valid_at(self, when: datetime.datetime) -> AgentAuthorizationQuerySet:
        return self.filter(
            revoked_at__isnull=True,
            valid_from__lte=when,
            expires_at__gt=when,
            enterprise__status=Enterprise.Status.ACTIVE,
        )


class AgentAuthorization(models.Model):
    """The legal representative lets a person act for the enterprise (经办人授权), for
    some scopes, until `expires_at` (exclusive)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="agents"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="agent_authorizations",
    )
    scopes = models.JSONField(_("授权范围"), default=list)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AgentAuthorizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = pgettext_lazy("plural", "经办人授权")
        ordering = ("enterprise", "-valid_from")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("valid_from")),
                name="agent_authorization_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.agent}"

    def is_valid_at(self, when: datetime.datetime) -> bool:
        return (
            self.revoked_at is None
            and self.valid_from <= when < self.expires_at
            and self.enterprise.status == Enterprise.Status.ACTIVE
        )

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(AgentScope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]


class StaffActivation(models.Model):
    """A one-time token a department administrator gives a staff member to set their
    password and enrol their authenticator app."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="staff_activations",
    )
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("发放时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("工作人员激活令牌")
        verbose_name_plural = pgettext_lazy("plural", "工作人员激活令牌")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


# The OpenID provider's tables (govhub.identity.oidc_models) belong to this app.
from govhub.identity.oidc_models import OidcAuthorization, OidcClientProfile  # noqa: E402,F401
