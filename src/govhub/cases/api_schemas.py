"""Schemas of the cases API (`cases.api`): what comes in, what goes out.

Output schemas describe one case screen completely (`CaseDetailOut`), a row of a list
(`CaseRowOut`) and the public status look-up (`PublicStatusOut`). Input schemas are one per
task endpoint; every task body may carry the `revision` the caller saw (409 when stale).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal, get_args

from ninja import Field, Schema
from pydantic import WithJsonSchema

from govhub.cases.models import Channel, DeliveryMethod
from govhub.cases.workflow import State
from govhub.catalog.api_schemas import Labelled, Ref

QUEUES = ("intake", "review", "joint", "results", "paused", "mine", "all")
PROCEDURE_KIND_VALUES = ("hearing", "expert_review", "inspection", "testing", "other")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

ChannelValue = Literal["web", "mobile", "kiosk", "window", "service_point", "hotline", "post"]
StateValue = Literal[
    "draft",
    "submitted",
    "supplement_requested",
    "not_accepted",
    "under_review",
    "special_procedure",
    "decided",
    "issued",
    "delivered",
    "completed",
    "withdrawn",
    "terminated",
]
# The literals above are what OpenAPI shows; they must follow the model's choices.
assert set(get_args(ChannelValue)) == set(Channel.values)
assert set(get_args(StateValue)) == set(State.values)
REVISION_DESCRIPTION = (
    "调用方看到的办件修订号（详情中的 `revision`）；若办件此后已被他人更新，返回 409 "
    "`stale_revision`。省略则不检查。"
)


# --- Errors -------------------------------------------------------------------------------


class ErrorBody(Schema):
    code: str = Field(..., description="稳定的错误代码，供程序判断")
    message: str = Field(..., description="给人看的说明（随 Accept-Language）")
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="出错的字段及原因（如 `form.phone`、`material.12`）"
    )
    request_id: str = Field(..., description="请求编号，也在 X-Request-ID 响应头中")


class ErrorOut(Schema):
    """The platform's error envelope."""

    error: ErrorBody


# --- Input: submission and drafts -------------------------------------------------------------


class ApplicantIn(Schema):
    """The applicant as staff enter them (window, post, hotline, service point). For an
    enterprise, `uscc` names it and `name`/`id_number` are the person handling it."""

    name: str = Field(..., max_length=64, description="申请人（或经办人）姓名")
    id_number: str = Field(..., max_length=32, description="居民身份证号码（与人口库核对）")
    mobile: str = Field("", max_length=20, description="联系电话")
    uscc: str = Field("", max_length=18, description="申请单位的统一社会信用代码（法人申请时）")


class SubmitIn(Schema):
    """The JSON `payload` part of a one-call submission."""

    item: str = Field(..., max_length=36, description="事项实施编码（implementation_code）")
    form_data: dict[str, Any] = Field(
        default_factory=dict, description="申请表，按事项的表单结构（form_schema）填写"
    )
    channel: ChannelValue | None = Field(
        None,
        description="申请渠道；省略时访问令牌为 mobile、浏览器会话为 web。"
        "window/post/hotline/service_point 为工作人员渠道，须填写 `applicant`",
    )
    applicant: ApplicantIn | None = Field(None, description="工作人员渠道：申请人信息")
    paper_material_ids: list[int] = Field(
        default_factory=list, description="工作人员渠道：已当场核验的纸质材料（材料 id）"
    )
    door_to_door: bool = Field(False, description="基层服务点：上门代办")
    proxy_note: str = Field("", max_length=500, description="代办授权说明（服务点必填）")


class DraftCreateIn(Schema):
    item: str = Field(..., max_length=36, description="事项实施编码（implementation_code）")
    form_data: dict[str, Any] | None = Field(
        None, description="申请表；省略时按账号和证照库预填（来源见 `prefill_sources`）"
    )
    channel: Literal["web", "mobile", "kiosk"] | None = Field(
        None, description="申请渠道；省略时访问令牌为 mobile、浏览器会话为 web"
    )


class DraftUpdateIn(Schema):
    form_data: dict[str, Any] = Field(..., description="申请表（整体替换；草稿不校验）")


class DraftSubmitIn(Schema):
    form_data: dict[str, Any] | None = Field(None, description="申请表；省略则用草稿中保存的")
    channel: Literal["web", "mobile", "kiosk"] | None = Field(
        None, description="申请渠道；省略时访问令牌为 mobile、浏览器会话为 web"
    )


# --- Input: tasks -----------------------------------------------------------------------------


class RevisionIn(Schema):
    revision: int | None = Field(None, ge=0, description=REVISION_DESCRIPTION)


class AcceptIn(RevisionIn):
    opinion: str = Field("", max_length=2000, description="受理意见")


class RejectIntakeIn(RevisionIn):
    reason: str = Field(..., max_length=2000, description="不予受理的理由")
    legal_notice: str = Field(
        ..., max_length=2000, description="法律告知：依据，以及申请人可以采取的途径"
    )


class SupplementItemIn(Schema):
    material_id: int | None = Field(None, description="事项的申请材料 id；其他内容省略")
    name: str = Field("", max_length=200, description="需补正的内容；省略时用材料名称")
    reason: str = Field(..., max_length=1000, description="需要补正的原因")


class RequestSupplementIn(RevisionIn):
    items: list[SupplementItemIn] = Field(
        default_factory=list, description="一次性列出需要补正的全部内容"
    )
    note: str = Field("", max_length=2000, description="说明")


class ResubmitIn(RevisionIn):
    """The JSON `payload` part of a resubmission (optional)."""

    form_data: dict[str, Any] | None = Field(None, description="更正后的申请表；省略则不变")


class AssignIn(RevisionIn):
    assignee: str = Field(..., max_length=64, description="被指派的工作人员账号的 `sub`")


class ReviewIn(RevisionIn):
    step: int = Field(..., description="办理环节 id（详情 `steps[].id`）")
    outcome: Literal["agree", "disagree"] = Field(..., description="审查意见：同意或不同意")
    opinion: str = Field(..., max_length=4000, description="审查意见的内容")


class SpecialStartIn(RevisionIn):
    kind: Literal[PROCEDURE_KIND_VALUES] = Field(  # type: ignore[valid-type]
        ..., description="类型：听证、专家评审、现场核查、检验检测、其他"
    )
    name: str = Field(..., max_length=64, description="特别程序名称")
    reason: str = Field(..., max_length=2000, description="启动理由")
    limit_value: int | None = Field(None, description="时限（省略则不设）")
    limit_unit: Literal["working_days", "calendar_days"] = Field(
        "working_days", description="时限单位"
    )


class SpecialEndIn(RevisionIn):
    result: str = Field(..., max_length=4000, description="特别程序的结论")


class ExtendIn(RevisionIn):
    days: int = Field(..., description="延长的天数（1–60，与时限同单位）")
    reason: str = Field(..., max_length=2000, description="延长理由")


class DecideIn(RevisionIn):
    decision: Literal["approved", "refused"] = Field(..., description="准予或不予")
    reason: str = Field(..., max_length=4000, description="决定的理由")
    remedy: str = Field(
        "", max_length=2000, description="救济途径；不予决定省略时用事项指南中的复议、诉讼途径"
    )


# A fee's amount: a JSON number or a string, checked by the service (`cases.fees`), so that
# a wrong one gets a message that says what is wrong, on `fees.<i>.amount`.
FeeAmount = Annotated[Any, WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]})]


class FeeIn(Schema):
    name: str = Field(..., description="收费项目名称；与事项目录的收费项目同名即按该项目登记")
    amount: FeeAmount = Field(
        ..., description='实收金额（元），不小于 0，最多两位小数，如 20 或 "20.50"'
    )


class IssueIn(RevisionIn):
    """The JSON `payload` part of issuing a result (optional)."""

    name: str = Field("", max_length=200, description="结果名称；省略时用事项的审批结果名称")
    fees: list[FeeIn] = Field(
        default_factory=list,
        description="实际收取的费用（如实登记；目录以外或高于标准的收费由电子监察标记）",
    )


class DeliverIn(RevisionIn):
    method: Literal[tuple(DeliveryMethod.values)] = Field(  # type: ignore[valid-type]
        ..., description="送达方式：window 窗口领取、post 邮寄、electronic 电子送达"
    )
    address: str = Field("", max_length=300, description="邮寄地址（邮寄时必填，默认申请表中的）")
    tracking_number: str = Field("", max_length=64, description="快递单号")


class ReasonIn(RevisionIn):
    reason: str = Field(..., max_length=2000, description="理由")


class AttachmentIn(RevisionIn):
    """The JSON `payload` part of adding an attachment."""

    name: str = Field(..., max_length=200, description="附件名称（如 现场核查记录）")


# --- Input: queries ---------------------------------------------------------------------------


class CaseListQuery(Schema):
    queue: Literal[QUEUES] | None = Field(  # type: ignore[valid-type]
        None,
        description="工作人员的办件队列：intake 待受理、review 待审查/决定、joint 联合审查、"
        "results 待出证送达、paused 暂停计时、mine 我认领的、all 可见的全部。省略：我的申请",
    )
    q: str = Field("", max_length=64, description="办件编号前缀、申请人姓名或单位名称（队列）")
    item: str | None = Field(None, max_length=36, description="事项实施编码（队列）")
    state: StateValue | None = Field(None, description="状态")
    channel: ChannelValue | None = Field(None, description="申请渠道（队列）")
    overdue: bool = Field(False, description="只看已超期（队列）")
    page: int = Field(1, ge=1, description="页码，从 1 开始")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="每页条数（1–100）"
    )


class StatusQuery(Schema):
    number: str = Field(..., min_length=1, max_length=32, description="办件编号")
    id_tail: str = Field(
        ...,
        min_length=6,
        max_length=6,
        description="申请人身份证号码后六位（法人为统一社会信用代码后六位）",
    )


# --- Output -----------------------------------------------------------------------------------


class PersonRef(Schema):
    sub: str | None = Field(None, description="账号的 `sub`（只对工作人员显示）")
    name: str


class ItemRef(Schema):
    implementation_code: str
    name: str
    version: int = Field(..., description="申请时适用的事项版本号")
    case_kind: Labelled
    department: Ref
    region: Ref


class EnterpriseOut(Schema):
    uscc: str
    name: str


class ApplicantOut(Schema):
    kind: Labelled
    name: str
    masked_id_number: str = Field(..., description="脱敏的身份证号码（任何人都看不到全号）")
    mobile: str = Field(..., description="联系电话；申请人本人看到脱敏号码")
    enterprise: EnterpriseOut | None


class ClockOut(Schema):
    unit: Labelled = Field(..., description="时限单位")
    accepted_on: datetime.date | None
    used_days: int | None = Field(..., description="已用天数（扣除暂停）")
    left_days: int | None = Field(..., description="距承诺办结日期的剩余天数（超期为负）")
    promised_due: datetime.date | None
    legal_due: datetime.date | None
    paused: bool
    paused_since: datetime.date | None
    excluded_days: int = Field(..., description="已扣除（暂停）和延长的天数")
    overdue: bool
    provisional: bool = Field(..., description="跨越尚未公布节假日安排的年份，日期为暂定")
    step_due: datetime.date | None = Field(..., description="当前环节的到期日期")


class DeadlineOut(Schema):
    reason: Labelled
    note: str
    promised_due_before: datetime.date | None
    promised_due: datetime.date | None
    legal_due_before: datetime.date | None
    legal_due: datetime.date | None
    excluded_days: int
    occurred_at: datetime.datetime


class StepOut(Schema):
    id: int
    position: int = Field(..., description="序号；序号相同的环节并行（联合审查）")
    name: str
    kind: Labelled
    role: Labelled
    department: Ref
    status: Labelled = Field(..., description="waiting 未开始、open 办理中、done 已完成")
    started_on: datetime.date | None
    due_on: datetime.date | None
    finished_at: datetime.datetime | None
    outcome: Labelled | None = Field(..., description="意见（申请人看不到）")
    opinion: str = Field(..., description="审查意见（申请人看不到）")
    acted_by: PersonRef | None
    assignee: PersonRef | None


class HeldFileOut(Schema):
    id: int
    name: str
    source: Labelled = Field(..., description="upload 上传、government 从源头调取、paper 纸质核验")
    original_name: str
    content_type: str
    size: int
    sha256: str
    source_reference: str = Field(..., description="从源头调取时的来源记录")
    supplement_round: int
    uploaded_at: datetime.datetime
    download_url: str | None = Field(..., description="有文件时的下载地址")


class MaterialRowOut(Schema):
    material_id: int | None = Field(..., description="事项的申请材料 id；附件为 null")
    name: str
    required: bool
    provided: bool
    held: list[HeldFileOut]


class SupplementLineOut(Schema):
    material_id: int | None
    name: str
    reason: str


class SupplementOut(Schema):
    id: int
    items: list[SupplementLineOut]
    note: str
    requested_at: datetime.datetime
    resolved_at: datetime.datetime | None
    is_repeat: bool = Field(..., description="第二次及以后的补正告知（受监察）")


class ProcedureOut(Schema):
    id: int
    kind: Labelled
    name: str
    reason: str
    limit_value: int | None
    limit_unit: str
    started_on: datetime.date
    due_on: datetime.date | None
    ended_on: datetime.date | None
    result: str


class OutcomeOut(Schema):
    decision: Labelled | None
    decision_reason: str
    remedy: str = Field(..., description="救济途径；不予受理时为法律告知")
    outcome_reason: str = Field(..., description="不予受理、撤回或终止的理由")
    decided_at: datetime.datetime | None
    completed_at: datetime.datetime | None


class DeliveryOut(Schema):
    method: Labelled | None
    address: str
    tracking_number: str


class ResultFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    issued_at: datetime.datetime
    first_downloaded_at: datetime.datetime | None
    download_url: str


class FeeOut(Schema):
    id: int
    name: str = Field(..., description="收费项目")
    amount: str = Field(..., description='实收金额（元），两位小数，如 "20.00"')
    catalogue_name: str = Field(..., description="所依据的目录收费项目；空为目录以外的收费")
    recorded_at: datetime.datetime
    recorded_by: PersonRef | None = Field(..., description="登记人（只对工作人员显示）")


class HistoryOut(Schema):
    id: int
    action: Labelled
    from_state: Labelled | None
    to_state: Labelled | None
    actor: str = Field(..., description="操作人；申请人看到的是部门名称")
    role: Labelled | None
    channel: Labelled | None
    on_behalf_of: str
    step: str = Field(..., description="环节名称")
    opinion: str
    occurred_at: datetime.datetime


class ActionOut(Schema):
    action: str = Field(..., description="操作代码（workflow.Action；草稿另有 discard：放弃草稿）")
    label: str
    method: Literal["POST", "DELETE"]
    url: str = Field(..., description="执行该操作的接口地址")


class CaseDetailOut(Schema):
    """Everything one case screen shows, in one response."""

    id: int
    number: str | None = Field(..., description="办件编号；草稿没有")
    title: str
    state: Labelled
    revision: int = Field(..., description="修订号：每次办理都会增加；写操作可带上以防覆盖")
    viewer: Literal["applicant", "staff"] = Field(..., description="调用方以何种身份查看")
    channel: Labelled
    item: ItemRef
    applicant: ApplicantOut
    door_to_door: bool
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    form_data: dict[str, Any]
    form_schema: dict[str, Any] = Field(..., description="申请时适用的申请表结构")
    prefill_sources: dict[str, str] = Field(..., description="预填字段的数据来源")
    clock: ClockOut
    deadlines: list[DeadlineOut]
    current_step: StepOut | None
    assignee: PersonRef | None = Field(..., description="经办人（只对工作人员显示）")
    steps: list[StepOut]
    materials: list[MaterialRowOut]
    missing_materials: list[str] = Field(..., description="尚缺的必需材料名称")
    open_supplement: SupplementOut | None
    supplements: list[SupplementOut]
    special_procedures: list[ProcedureOut]
    outcome: OutcomeOut
    delivery: DeliveryOut
    results: list[ResultFileOut]
    fees: list[FeeOut] = Field(..., description="实收费用（出具办理结果时登记）")
    history: list[HistoryOut] = Field(..., description="办理记录；申请人只看到与其相关的")
    actions: list[ActionOut] = Field(..., description="调用方现在可以执行的操作")
    url: str | None = Field(..., description="本详情的接口地址")


class CaseReceiptOut(Schema):
    """The short answer to a submission sent with `Prefer: return=minimal`."""

    id: int
    number: str = Field(..., description="办件编号")
    state: Labelled
    revision: int
    submitted_at: datetime.datetime
    url: str = Field(..., description="办件详情的接口地址")


class RowClockOut(Schema):
    promised_due: datetime.date | None
    left_days: int | None
    paused: bool
    overdue: bool


class CaseRowOut(Schema):
    id: int
    number: str | None
    title: str
    state: Labelled
    channel: Labelled
    item_code: str
    department: Ref
    applicant_name: str
    enterprise_name: str
    submitted_at: datetime.datetime | None
    clock: RowClockOut
    current_step: str = Field(..., description="当前环节名称")
    assignee: str = Field(..., description="经办人姓名（只对工作人员显示）")
    url: str = Field(..., description="详情的接口地址")


class CaseListOut(Schema):
    count: int | None = Field(..., description="总条数（我的申请）；队列为 null，见 `counts`")
    counts: dict[str, int] | None = Field(
        ...,
        description="队列：各队列的办件数（标签页角标，最多数到 1000：超过 999 即为 1000）；"
        "我的申请为 null",
    )
    page: int
    page_size: int
    has_next: bool
    items: list[CaseRowOut]


class TimelineOut(Schema):
    occurred_at: datetime.datetime
    action: str


class PublicStatusOut(Schema):
    number: str
    title: str
    department: str
    state: Labelled
    submitted_at: datetime.datetime | None
    accepted_on: datetime.date | None
    promised_due: datetime.date | None
    completed_at: datetime.datetime | None
    applicant: str = Field(..., description="脱敏的申请人（法人为单位名称）")
    timeline: list[TimelineOut]
