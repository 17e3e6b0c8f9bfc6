"""The base registries (基础库): the population registry (人口库), the legal-person registry
(法人库) and the access log of every look-up in them.

ID numbers are stored encrypted (`govhub.core.crypto.EncryptedTextField`) with a keyed
look-up hash beside them (`lookup_hash(..., purpose="id_number")`), so a record is found
by its ID number without the number being readable in the database. Read the registries
only through `govhub.registries.selectors`, which records who looked up whom and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhub.core.crypto import EncryptedTextField
from govhub.core.masking import mask_id_number, mask_name
from govhub.core.validators import validate_uscc

# The look-up hash purposes used by the registries (see core.crypto.lookup_hash).
ID_NUMBER_PURPOSE = "id_number"
USCC_PURPOSE = "uscc"


class Sex(models.TextChoices):
    # The same values as govhub.core.validators.Sex.
    MALE = "male", pgettext_lazy("sex", "男")
    FEMALE = "female", pgettext_lazy("sex", "女")


class Resident(models.Model):
    """A person in the population registry (人口库)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        DECEASED = "deceased", _("死亡")
        EMIGRATED = "emigrated", _("迁出")

    name = models.CharField(_("姓名"), max_length=64)
    id_number = EncryptedTextField(_("身份证号码"))
    id_number_hash = models.CharField(
        _("身份证号码索引"), max_length=64, unique=True, editable=False
    )
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name=_("户籍所在地"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    household_address = models.CharField(_("户籍地址"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = pgettext_lazy("plural", "居民")
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "deceased", "emigrated"]),
                name="registries_resident_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(sex__in=["male", "female"]), name="registries_resident_sex_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{mask_name(self.name)} {self.id_number_masked}"

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class LegalEntity(models.Model):
    """An enterprise or organisation in the legal-person registry (法人库)."""

    class EntityType(models.TextChoices):
        # USCC positions 1-2: 91 enterprise, 92 individual business, 93 cooperative,
        # 51 social organisation, 52 private non-enterprise unit.
        LIMITED_COMPANY = "limited_company", _("有限责任公司")
        JOINT_STOCK_COMPANY = "joint_stock_company", _("股份有限公司")
        SOLE_PROPRIETORSHIP = "sole_proprietorship", _("个人独资企业")
        PARTNERSHIP = "partnership", _("合伙企业")
        INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
        COOPERATIVE = "cooperative", _("农民专业合作社")
        SOCIAL_ORGANIZATION = "social_organization", _("社会团体")
        PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("民办非企业单位")

    class Status(models.TextChoices):
        ACTIVE = "active", _("存续")
        REVOKED = "revoked", _("吊销")
        DEREGISTERED = "deregistered", _("注销")

    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc]
    )
    entity_type = models.CharField(_("类型"), max_length=32, choices=EntityType.choices)
    legal_representative_name = models.CharField(_("法定代表人"), max_length=64)
    legal_representative_id_number = EncryptedTextField(_("法定代表人身份证号码"))
    legal_representative_id_number_hash = models.CharField(
        _("法定代表人身份证号码索引"), max_length=64, db_index=True, editable=False
    )
    registered_address = models.CharField(_("住所"), max_length=200)
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name=_("登记地"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    established_on = models.DateField(_("成立日期"))
    status = models.CharField(
        _("登记状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("法人")
        verbose_name_plural = pgettext_lazy("plural", "法人")
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "revoked", "deregistered"]),
                name="registries_legalentity_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    @property
    def legal_representative_id_number_masked(self) -> str:
        return mask_id_number(self.legal_representative_id_number)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class RegistryLookup(models.Model):
    """One look-up in a registry: who asked, for which department, about whom, why, and
    what it found.

    Append-only: written by `govhub.registries.selectors`, never updated or deleted by
    the application. The subject is kept as its look-up hash and a masked label. Each row
    also has its audit record (`registries.lookup.<operation>`, object this row), so the
    look-up is covered by the audit trail's hash chain.
    """

    class Registry(models.TextChoices):
        RESIDENT = "resident", _("人口库")
        LEGAL_ENTITY = "legal_entity", _("法人库")

    class Operation(models.TextChoices):
        RESIDENT_VERIFY = "resident_verify", _("核验居民身份")
        RESIDENT_GET = "resident_get", _("查询居民信息")
        LEGAL_ENTITY_GET = "legal_entity_get", _("查询法人信息")
        VERIFY_REPRESENTATIVE = "legal_entity_verify_representative", _("核验法定代表人")
        ADMIN_VIEW = "admin_view", _("管理后台查看")

    class Outcome(models.TextChoices):
        MATCH = "match", _("一致")
        FOUND = "found", _("查到")
        NAME_MISMATCH = "name_mismatch", _("姓名不一致")
        NOT_FOUND = "not_found", _("未查到")
        INACTIVE = "inactive", _("状态异常")
        NOT_REPRESENTATIVE = "not_representative", _("非法定代表人")

    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查询人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("查询人标识"), max_length=128, blank=True)
    on_behalf_of = models.CharField(_("代表主体"), max_length=64, blank=True)
    # The department on whose work the look-up was made: the caller's (a system calling
    # through the exchange names its own), else the department the member of staff
    # belongs to; empty for a citizen's own look-ups.
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("查询部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registry = models.CharField(_("基础库"), max_length=16, choices=Registry.choices)
    operation = models.CharField(_("查询方式"), max_length=40, choices=Operation.choices)
    purpose = models.CharField(_("查询事由"), max_length=200)
    subject_hash = models.CharField(_("查询对象索引"), max_length=64, db_index=True)
    subject_label = models.CharField(_("查询对象"), max_length=100, blank=True)
    outcome = models.CharField(_("结果"), max_length=24, choices=Outcome.choices)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    source_ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("基础库查询记录")
        verbose_name_plural = pgettext_lazy("plural", "基础库查询记录")
        ordering = ("-occurred_at", "-id")
        constraints = [
            models.CheckConstraint(condition=~Q(purpose=""), name="registries_lookup_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.operation}"
