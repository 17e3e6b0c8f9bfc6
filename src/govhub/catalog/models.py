"""The service-item catalogue (政务服务事项目录): base items, implementation items and their
versions, with everything a guide (办事指南) shows.

- `BaseItem` (基本目录): the abstract item with its stable base code.
- `ImplementationItem` (实施清单): one department's implementation of a base item in a
  region, with a deterministic implementation code (see `codes.py`). Its guide content lives
  in `ItemVersion`s: one draft at a time, published versions frozen, history kept.
- `HandlingVariant` (业务办理项): an optional variant of an implementation with its own code.
- `Material` rows belong to a version; small lists (conditions, steps, fee lines, special
  procedures, FAQs, intermediary services) are JSON lists on the version, validated by
  `validation.py` schemas.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhub.organizations.models import Department, Region


def _display(obj: models.Model, field: str) -> str:
    language = translation.get_language() or ""
    english = getattr(obj, f"{field}_en", "")
    if language.startswith("en") and english:
        return str(english)
    return str(getattr(obj, field))


class Audience(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")
    BOTH = "both", _("自然人和法人")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")
    IMMEDIATE = "immediate", _("即办")


class Theme(models.Model):
    """A theme for browsing (主题): 生育收养, 户籍办理 … for persons; 设立变更 … for enterprises."""

    code = models.SlugField(_("主题代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    audience = models.CharField(_("服务对象"), max_length=16, choices=Audience.choices)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = pgettext_lazy("plural", "主题")
        ordering = ("audience", "sort_order", "code")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return _display(self, "name")


class LifeEvent(models.Model):
    """A life or business event (人生事件 / 企业生命周期): 出生, 入学, 开办企业, 注销 …"""

    code = models.SlugField(_("事件代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    audience = models.CharField(_("服务对象"), max_length=16, choices=Audience.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    description_en = models.CharField(_("英文说明"), max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("人生事件")
        verbose_name_plural = pgettext_lazy("plural", "人生事件")
        ordering = ("audience", "sort_order", "code")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return _display(self, "name")


class BaseItem(models.Model):
    """A base catalogue item (基本目录): same item, same standard, same code, everywhere."""

    class ItemType(models.TextChoices):
        LICENSING = "01", _("行政许可")
        PENALTY = "02", _("行政处罚")
        COERCION = "03", _("行政强制")
        LEVY = "04", _("行政征收")
        BENEFIT = "05", _("行政给付")
        INSPECTION = "06", _("行政检查")
        CONFIRMATION = "07", _("行政确认")
        REWARD = "08", _("行政奖励")
        ADJUDICATION = "09", _("行政裁决")
        OTHER_POWER = "10", _("其他行政权力")
        PUBLIC_SERVICE = "20", _("公共服务")

    class Level(models.TextChoices):
        NATIONAL = "national", _("国家级")
        PROVINCIAL = "provincial", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡级")

    base_code = models.CharField(_("基本编码"), max_length=12, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    # [{"law": "中华人民共和国行政许可法", "article": "第十二条", "text": "…"}]
    legal_basis = models.JSONField(_("设定依据"), default=list, blank=True)
    levels = models.JSONField(_("行使层级"), default=list, blank=True)
    responsible_department_kind = models.CharField(_("实施部门类别"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("基本目录事项")
        verbose_name_plural = pgettext_lazy("plural", "基本目录事项")
        ordering = ("base_code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(base_code__regex=r"^[0-9A-Z]{12}$"), name="base_code_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.base_code} {self.name}"

    @property
    def display_name(self) -> str:
        return _display(self, "name")


class ImplementationItem(models.Model):
    """One organisation's implementation of a base item in a region (实施清单)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("在用")
        CANCELLED = "cancelled", _("已取消")
        HANDED_DOWN = "handed_down", _("已下放")

    implementation_code = models.CharField(_("实施编码"), max_length=36, unique=True)
    base_item = models.ForeignKey(
        BaseItem,
        verbose_name=_("基本目录事项"),
        on_delete=models.PROTECT,
        related_name="implementations",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("实施主体"),
        on_delete=models.PROTECT,
        related_name="catalog_items",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("实施区划"), on_delete=models.PROTECT, related_name="catalog_items"
    )
    sequence = models.PositiveSmallIntegerField(_("序号"), default=1)
    # The published version everyone reads; null until the first publication.
    published_version = models.OneToOneField(
        "ItemVersion",
        verbose_name=_("现行版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.ACTIVE)
    change_effective_date = models.DateField(_("调整生效日期"), null=True, blank=True)
    change_reason = models.TextField(_("调整原因"), blank=True)
    handed_down_to = models.ForeignKey(
        Region,
        verbose_name=_("下放至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("实施清单事项")
        verbose_name_plural = pgettext_lazy("plural", "实施清单事项")
        ordering = ("implementation_code",)
        constraints = [
            models.UniqueConstraint(
                fields=("base_item", "department", "region", "sequence"),
                name="implementation_unique_per_body",
            ),
            models.CheckConstraint(
                condition=Q(implementation_code__regex=r"^[0-9A-Z]{36}$"),
                name="implementation_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.implementation_code} {self.base_item.name}"


class HandlingVariant(models.Model):
    """A handling variant (业务办理项) of an implementation item, with its own code."""

    item = models.ForeignKey(
        ImplementationItem,
        verbose_name=_("实施清单事项"),
        on_delete=models.CASCADE,
        related_name="variants",
    )
    code = models.CharField(_("业务办理项编码"), max_length=39, unique=True)
    sequence = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("业务办理项")
        verbose_name_plural = pgettext_lazy("plural", "业务办理项")
        ordering = ("item", "sequence")
        constraints = [
            models.UniqueConstraint(fields=("item", "sequence"), name="variant_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        return _display(self, "name")


class ItemVersion(models.Model):
    """One version of an implementation item's guide. Published versions are frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被替代")

    class CaseKind(models.TextChoices):
        IMMEDIATE = "immediate", _("即办件")
        PROMISED = "promised", _("承诺件")

    class CrossRegion(models.TextChoices):
        NONE = "none", _("不支持")
        CITY = "city", _("全市通办")
        PROVINCE = "province", _("全省通办")
        NATIONAL = "national", _("跨省通办")

    class ResultType(models.TextChoices):
        LICENCE = "licence", _("证照")
        APPROVAL = "approval", _("批文")
        CERTIFICATE = "certificate", _("证明")
        OTHER = "other", _("其他")

    item = models.ForeignKey(
        ImplementationItem,
        verbose_name=_("实施清单事项"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("版本状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    change_note = models.CharField(_("修订说明"), max_length=300, blank=True)

    # --- What it is -----------------------------------------------------------------
    name = models.CharField(_("事项名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    summary = models.TextField(_("事项简介"), blank=True)
    summary_en = models.TextField(_("英文简介"), blank=True)
    audience = models.CharField(_("服务对象"), max_length=16, choices=Audience.choices)
    themes = models.ManyToManyField(Theme, verbose_name=_("主题"), blank=True, related_name="+")
    life_events = models.ManyToManyField(
        LifeEvent, verbose_name=_("人生事件"), blank=True, related_name="+"
    )
    source_of_power = models.CharField(_("权力来源"), max_length=64, blank=True)
    entrusted_department = models.CharField(_("受委托部门"), max_length=128, blank=True)
    joint_departments = models.ManyToManyField(
        Department, verbose_name=_("联办部门"), blank=True, related_name="+"
    )

    # --- Conditions, process, limits ---------------------------------------------------
    conditions = models.JSONField(_("受理条件"), default=list, blank=True)  # ["…", "…"]
    steps = models.JSONField(_("办理流程"), default=list, blank=True)
    special_procedures = models.JSONField(_("特别程序"), default=list, blank=True)
    legal_limit_value = models.PositiveIntegerField(_("法定办结时限"), null=True, blank=True)
    legal_limit_unit = models.CharField(
        _("法定时限单位"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    legal_limit_note = models.CharField(_("法定时限说明"), max_length=300, blank=True)
    promised_limit_value = models.PositiveIntegerField(_("承诺办结时限"), null=True, blank=True)
    promised_limit_unit = models.CharField(
        _("承诺时限单位"),
        max_length=16,
        choices=TimeUnit.choices,
        default=TimeUnit.WORKING_DAYS,
    )
    promised_limit_note = models.CharField(_("承诺时限说明"), max_length=300, blank=True)
    case_kind = models.CharField(_("办件类型"), max_length=16, choices=CaseKind.choices)

    # --- Fees ------------------------------------------------------------------------
    charged = models.BooleanField(_("是否收费"), default=False)
    fee_basis = models.TextField(_("收费依据"), blank=True)
    fee_lines = models.JSONField(_("收费项目"), default=list, blank=True)
    online_payment = models.BooleanField(_("支持网上支付"), default=False)

    # --- How to apply ------------------------------------------------------------------
    handling_forms = models.JSONField(_("办理形式"), default=list, blank=True)
    visits_required = models.PositiveSmallIntegerField(_("到办事现场次数"), default=0)
    visits_reason = models.CharField(_("必须现场办理原因"), max_length=300, blank=True)
    online_depth = models.JSONField(_("网上办理深度"), default=list, blank=True)
    booking_available = models.BooleanField(_("支持预约办理"), default=False)
    express_delivery = models.BooleanField(_("支持物流快递"), default=False)
    cross_region = models.CharField(
        _("通办范围"), max_length=16, choices=CrossRegion.choices, default=CrossRegion.NONE
    )
    intermediary_services = models.JSONField(_("中介服务"), default=list, blank=True)
    quantity_limit = models.CharField(_("数量限制"), max_length=300, blank=True)

    # --- Where, when, whom to ask --------------------------------------------------------
    address = models.CharField(_("办理地点"), max_length=300, blank=True)
    office_hours = models.CharField(_("办理时间"), max_length=300, blank=True)
    consultation_phone = models.CharField(_("咨询电话"), max_length=64, blank=True)
    complaint_phone = models.CharField(_("监督投诉电话"), max_length=64, blank=True)

    # --- Result -------------------------------------------------------------------------
    result_type = models.CharField(
        _("审批结果类型"), max_length=16, choices=ResultType.choices, blank=True
    )
    result_name = models.CharField(_("审批结果名称"), max_length=200, blank=True)
    result_sample = models.FileField(
        _("审批结果样本"), upload_to="catalog/results/%Y/", blank=True, max_length=300
    )
    faqs = models.JSONField(_("常见问题"), default=list, blank=True)
    reconsideration = models.TextField(_("行政复议"), blank=True)
    litigation = models.TextField(_("行政诉讼"), blank=True)

    # --- The application form -------------------------------------------------------------
    form_schema = models.JSONField(_("申请表单结构"), default=dict, blank=True)

    # --- Lifecycle ----------------------------------------------------------------------------
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = pgettext_lazy("plural", "事项版本")
        ordering = ("item", "-number")
        constraints = [
            models.UniqueConstraint(fields=("item", "number"), name="version_number_unique"),
            # At most one editable (draft or submitted) version per item.
            models.UniqueConstraint(
                fields=("item",),
                condition=Q(status__in=["draft", "submitted"]),
                name="one_open_version_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def display_name(self) -> str:
        return _display(self, "name")

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.SUPERSEDED)


class Material(models.Model):
    """One application material (申请材料) of a version."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("原件")
        COPY = "copy", _("复印件")
        ELECTRONIC = "electronic", _("电子件")
        ORIGINAL_AND_COPY = "original_and_copy", _("原件和复印件")

    class Form(models.TextChoices):
        PAPER = "paper", _("纸质")
        ELECTRONIC = "electronic", _("电子")
        BOTH = "both", _("纸质和电子")

    class Source(models.TextChoices):
        APPLICANT = "applicant", _("申请人自备")
        GOVERNMENT = "government", _("政府部门核发")
        INTERMEDIARY = "intermediary", _("中介机构出具")

    version = models.ForeignKey(
        ItemVersion, verbose_name=_("事项版本"), on_delete=models.CASCADE, related_name="materials"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("材料名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    kind = models.CharField(_("材料类型"), max_length=20, choices=Kind.choices)
    form = models.CharField(_("材料形式"), max_length=16, choices=Form.choices)
    required = models.BooleanField(_("是否必需"), default=True)
    required_note = models.CharField(_("必需说明"), max_length=200, blank=True)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    source = models.CharField(_("来源渠道"), max_length=16, choices=Source.choices)
    # For government-issued materials: which licence type (linked to `licences` later).
    licence_type = models.CharField(_("证照类型"), max_length=128, blank=True)
    acceptance_criteria = models.TextField(_("受理标准"), blank=True)
    basis = models.CharField(_("设定依据"), max_length=300, blank=True)
    blank_form = models.FileField(
        _("空白表格"), upload_to="catalog/forms/%Y/", blank=True, max_length=300
    )
    sample = models.FileField(
        _("示例样表"), upload_to="catalog/samples/%Y/", blank=True, max_length=300
    )

    class Meta:
        verbose_name = pgettext_lazy("singular", "申请材料")
        verbose_name_plural = pgettext_lazy("plural", "申请材料")
        ordering = ("version", "position")
        constraints = [
            models.UniqueConstraint(fields=("version", "position"), name="material_position_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return _display(self, "name")


from govhub.catalog import search_models  # noqa: E402, F401  (search index tables)
