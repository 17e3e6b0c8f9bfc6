"""Cases (办件): applications and their handling.

Tables and their invariants only; every workflow is in `services`, every transition rule
in `workflow`. A case pins the catalogue version it was applied under, and carries its
department and region (copied from the item) so that every query can be scoped by them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhub.cases.workflow import Action, Decision, State
from govhub.catalog.models import (
    HandlingVariant,
    ImplementationItem,
    ItemVersion,
    Material,
    TimeUnit,
)
from govhub.core.crypto import EncryptedTextField
from govhub.core.masking import mask_id_number, mask_name
from govhub.identity.models import Enterprise
from govhub.organizations.models import Department, Region, ServicePoint, Window


class Channel(models.TextChoices):
    WEB = "web", _("网上办事大厅")
    MOBILE = "mobile", _("移动端")
    KIOSK = "kiosk", _("自助终端")
    WINDOW = "window", _("大厅窗口")
    SERVICE_POINT = "service_point", _("基层服务点")
    HOTLINE = "hotline", _("热线")
    POST = "post", _("邮寄")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")


class DeliveryMethod(models.TextChoices):
    WINDOW = "window", _("窗口领取")
    POST = "post", _("邮寄送达")
    ELECTRONIC = "electronic", _("电子送达")


class CaseNumberCounter(models.Model):
    """The last sequence number used for a region and a day (case numbers)."""

    region_code = models.CharField(max_length=12)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("region_code", "day"), name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day}: {self.last}"


class Case(models.Model):
    """One application (办件) and its handling."""

    number = models.CharField(_("办件编号"), max_length=32, unique=True, null=True, blank=True)
    item = models.ForeignKey(
        ImplementationItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="cases"
    )
    version = models.ForeignKey(
        ItemVersion,
        verbose_name=_("事项版本"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by a composite index or never filtered on
    )
    variant = models.ForeignKey(
        HandlingVariant,
        verbose_name=_("业务办理项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by a composite index or never filtered on
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("受理部门"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # covered by a composite index or never filtered on
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # covered by a composite index or never filtered on
    )
    state = models.CharField(
        _("状态"), max_length=24, choices=State.choices, default=State.DRAFT, db_index=True
    )
    channel = models.CharField(_("申请渠道"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("办件名称"), max_length=300)

    # Who applies. `applicant` is the person's account when they have one; a walk-in
    # applicant without an account is recorded by ID number, and the case appears in their
    # account when they register (matched by `applicant_id_hash`).
    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # covered by a composite index or never filtered on
    )
    applicant_name = models.CharField(_("申请人姓名"), max_length=64)
    applicant_id_number = EncryptedTextField(_("申请人身份证号码"), blank=True)
    applicant_id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    applicant_mobile = models.CharField(_("联系电话"), max_length=20, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("申请单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # covered by a composite index or never filtered on
    )
    enterprise_uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    enterprise_name = models.CharField(_("单位名称"), max_length=128, blank=True)

    # Who entered it, where, and on whose authority.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by a composite index or never filtered on
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("受理窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # covered by a composite index or never filtered on
    )
    service_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # covered by a composite index or never filtered on
    )
    door_to_door = models.BooleanField(_("上门代办"), default=False)
    proxy_note = models.TextField(_("代办授权说明"), blank=True)

    form_data = models.JSONField(_("申请表"), default=dict, blank=True)
    # field -> where the prefilled value came from (e.g. "registries.population").
    prefill_sources = models.JSONField(_("预填来源"), default=dict, blank=True)
    # NULL, not "", when absent: the unique constraint must not treat two absent keys alike.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    # Clocks: see `govhub.cases.clock`. Due dates are local dates.
    case_kind = models.CharField(_("办件类型"), max_length=16, blank=True)
    promised_limit_value = models.PositiveIntegerField(_("承诺时限"), null=True, blank=True)
    promised_limit_unit = models.CharField(
        _("承诺时限单位"), max_length=16, choices=TimeUnit.choices, blank=True
    )
    legal_limit_value = models.PositiveIntegerField(_("法定时限"), null=True, blank=True)
    legal_limit_unit = models.CharField(
        _("法定时限单位"), max_length=16, choices=TimeUnit.choices, blank=True
    )
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    promised_due = models.DateField(_("承诺办结日期"), null=True, blank=True, db_index=True)
    legal_due = models.DateField(_("法定办结日期"), null=True, blank=True)
    paused_since = models.DateField(_("暂停计时日期"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("已扣除天数"), default=0)
    extension_days = models.PositiveIntegerField(_("延长天数"), default=0)

    current_step = models.ForeignKey(
        "CaseStep",
        verbose_name=_("当前环节"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # covered by a composite index or never filtered on
    )
    # The role the current step waits for, when that step is the case's own department's
    # (blank otherwise: no step, or a joint step of another department). Kept with
    # `current_step` by `set_current_step`, so that a review queue is an index range.
    waiting_role = models.CharField(_("待办岗位"), max_length=24, blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("case assignee", "经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    decision = models.CharField(_("决定"), max_length=16, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    remedy = models.TextField(_("救济途径"), blank=True)
    outcome_reason = models.TextField(_("不予受理、撤回或终止理由"), blank=True)

    delivery_method = models.CharField(
        _("送达方式"), max_length=16, choices=DeliveryMethod.choices, blank=True
    )
    delivery_address = models.CharField(_("邮寄地址"), max_length=300, blank=True)
    tracking_number = models.CharField(_("快递单号"), max_length=64, blank=True)

    revision = models.PositiveIntegerField(_("修订号"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("singular", "办件")
        verbose_name_plural = pgettext_lazy("plural", "办件")
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("submitted_by", "idempotency_key"),
                condition=Q(idempotency_key__isnull=False),
                name="case_idempotency_unique",
            ),
        ]
        indexes = [
            # A department's queue: open cases by deadline.
            # The order of a queue page: the soonest due, then the oldest submitted.
            # Region last, so that a queue's count (capped) is read from the index alone.
            models.Index(
                fields=("department", "state", "promised_due", "submitted_at", "id", "region"),
                name="case_queue",
            ),
            # The review queues: a department's cases waiting for one role, by deadline.
            models.Index(
                fields=(
                    "department",
                    "waiting_role",
                    "promised_due",
                    "submitted_at",
                    "id",
                    "region",
                ),
                condition=Q(state="under_review"),
                name="case_review_queue",
            ),
            models.Index(fields=("applicant", "-created_at"), name="case_applicant"),
            models.Index(fields=("enterprise", "-created_at"), name="case_enterprise"),
            models.Index(fields=("region", "state"), name="case_region_state"),
        ]

    def __str__(self) -> str:
        return self.number or _("草稿 %(id)s") % {"id": self.pk}

    @property
    def masked_applicant_name(self) -> str:
        return mask_name(self.applicant_name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.applicant_id_number)

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    def set_current_step(self, step: CaseStep | None) -> None:
        """Move the case to `step` (or to none), keeping `waiting_role` with it."""
        self.current_step = step
        self.waiting_role = (
            step.role if step is not None and step.department_id == self.department_id else ""
        )


class CaseStep(models.Model):
    """One review step (审查/决定环节) of a case, made from the item's configured steps.

    Steps with the same `position` run in parallel (joint review by several departments);
    the case moves on when every step of the position is done.
    """

    class Kind(models.TextChoices):
        REVIEW = "review", _("审查")
        JOINT_REVIEW = "joint_review", _("联合审查")
        DECISION = "decision", _("决定")

    class Outcome(models.TextChoices):
        AGREE = "agree", _("同意")
        DISAGREE = "disagree", _("不同意")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("环节序号"))
    name = models.CharField(_("环节名称"), max_length=64)
    kind = models.CharField(_("环节类型"), max_length=16, choices=Kind.choices)
    role = models.CharField(_("岗位"), max_length=24)  # organizations.Position.Role
    department = models.ForeignKey(
        Department, verbose_name=_("办理部门"), on_delete=models.PROTECT, related_name="+"
    )
    limit_value = models.PositiveIntegerField(_("环节时限"), null=True, blank=True)
    limit_unit = models.CharField(
        _("时限单位"), max_length=16, choices=TimeUnit.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("case assignee", "经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    due_on = models.DateField(_("环节到期日期"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    outcome = models.CharField(_("意见"), max_length=16, choices=Outcome.choices, blank=True)
    opinion = models.TextField(_("审查意见"), blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = pgettext_lazy("singular", "办理环节")
        verbose_name_plural = pgettext_lazy("plural", "办理环节")
        ordering = ("case", "position", "id")
        indexes = [
            models.Index(fields=("department", "finished_at"), name="case_step_open"),
            # Joint review steps sent to a department (staff scope, the joint queue).
            models.Index(
                fields=("department", "case"),
                condition=Q(kind="joint_review"),
                name="case_step_joint",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.name}"

    @property
    def is_open(self) -> bool:
        return self.finished_at is None


class CaseMaterial(models.Model):
    """One material of a case: a file uploaded by the applicant or staff, a paper original
    checked at the window, or a record the government already holds (taken from source)."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("上传")
        GOVERNMENT = "government", _("从源头调取")
        PAPER = "paper", _("窗口核验纸质材料")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(
        Material,
        verbose_name=_("申请材料"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("材料名称"), max_length=200)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/", blank=True, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    sha256 = models.CharField(_("内容摘要"), max_length=64, blank=True)
    # For government-held materials: the registry or licence it was read from.
    source_reference = models.CharField(_("来源记录"), max_length=200, blank=True)
    supplement_round = models.PositiveSmallIntegerField(_("补正轮次"), default=0)
    is_current = models.BooleanField(_("当前有效"), default=True)
    # Staff attachments (an inspection record, an expert's report) are not shown to the
    # applicant.
    is_internal = models.BooleanField(_("内部材料"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("singular", "办件材料")
        verbose_name_plural = pgettext_lazy("plural", "办件材料")
        ordering = ("case", "material__position", "id")

    def __str__(self) -> str:
        return self.name


class SupplementRequest(models.Model):
    """A request to supplement (一次性告知补正): one complete list, once per case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplements")
    # [{"material_id": int | None, "name": str, "reason": str}]
    items = models.JSONField(_("补正内容"), default=list)
    note = models.TextField(_("说明"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("告知时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_("补正时间"), null=True, blank=True)
    # A second request for the same case breaks "tell once, completely": it is allowed
    # (the law allows a new defect to be raised) but flagged for supervision.
    is_repeat = models.BooleanField(_("重复告知"), default=False)

    class Meta:
        verbose_name = pgettext_lazy("singular", "补正告知")
        verbose_name_plural = pgettext_lazy("plural", "补正告知")
        ordering = ("case", "requested_at")

    def __str__(self) -> str:
        return f"{self.case} · {self.requested_at:%Y-%m-%d}"


class SpecialProcedure(models.Model):
    """A special procedure (hearing, expert review, inspection…): its time is excluded."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="special_procedures")
    kind = models.CharField(_("类型"), max_length=32)  # catalog PROCEDURE_KINDS
    name = models.CharField(_("名称"), max_length=64)
    reason = models.TextField(_("理由"), blank=True)
    limit_value = models.PositiveIntegerField(_("时限"), null=True, blank=True)
    limit_unit = models.CharField(_("时限单位"), max_length=16, blank=True)
    started_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("到期日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    result = models.TextField(_("结论"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = pgettext_lazy("singular", "特别程序")
        verbose_name_plural = pgettext_lazy("plural", "特别程序")
        ordering = ("case", "started_on", "id")

    def __str__(self) -> str:
        return f"{self.case} · {self.name}"


class DeadlineChange(models.Model):
    """The history of a case's deadlines: set at acceptance, moved by pauses and extensions."""

    class Reason(models.TextChoices):
        ACCEPTED = "accepted", _("受理起算")
        RESUMED = "resumed", _("恢复计时")
        EXTENDED = "extended", _("延长时限")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadline_changes")
    reason = models.CharField(_("原因"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    promised_due_before = models.DateField(null=True, blank=True)
    promised_due = models.DateField(null=True, blank=True)
    legal_due_before = models.DateField(null=True, blank=True)
    legal_due = models.DateField(null=True, blank=True)
    excluded_days = models.PositiveIntegerField(default=0)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("singular", "时限变更")
        verbose_name_plural = pgettext_lazy("plural", "时限变更")
        ordering = ("case", "occurred_at", "id")

    def __str__(self) -> str:
        return f"{self.case} · {self.get_reason_display()}"


class CaseEvent(models.Model):
    """The case history: one row per action, never changed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=24, choices=Action.choices)
    from_state = models.CharField(_("原状态"), max_length=24, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人"), max_length=128, blank=True)
    role = models.CharField(_("身份"), max_length=24, blank=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, blank=True)
    on_behalf_of = models.CharField(_("代表"), max_length=64, blank=True)
    step = models.ForeignKey(
        CaseStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opinion = models.TextField(_("意见"), blank=True)
    data: Any = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("singular", "办件记录")
        verbose_name_plural = pgettext_lazy("plural", "办件记录")
        ordering = ("case", "occurred_at", "id")
        indexes = [models.Index(fields=("case", "occurred_at", "id"), name="case_event_case")]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_action_display()}"


class CaseResult(models.Model):
    """A result document of a case (approval, licence, refusal decision)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="results")
    name = models.CharField(_("结果名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="results/%Y/%m/", max_length=300)
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    first_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("singular", "办理结果")
        verbose_name_plural = pgettext_lazy("plural", "办理结果")
        ordering = ("case", "issued_at")

    def __str__(self) -> str:
        return self.name


class CaseFee(models.Model):
    """A fee charged for a case (收费), recorded by staff when the result is issued.

    `catalogue_name` is the catalogue fee line it was charged under ("" for none: a fee the
    catalogue does not list, recorded all the same and flagged by supervision)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("收费项目"), max_length=200)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    catalogue_name = models.CharField(_("目录收费项目"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("singular", "办件收费")
        verbose_name_plural = pgettext_lazy("plural", "办件收费")
        ordering = ("case", "id")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="case_fee_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.name} {self.amount}"
