"""Schemas of the public catalogue API (`catalog.api`)."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from .models import BaseItem

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page[T](Schema):
    count: int
    items: list[T]


class PageQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（1–100）")
    offset: int = Field(0, ge=0, description="跳过的条数")


class ItemQuery(PageQuery):
    q: str = Field("", max_length=100, description="关键词（事项名称、别名、条件、材料）")
    department: str | None = Field(None, max_length=32, description="实施部门代码")
    region: str | None = Field(
        None, pattern=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$", description="区划代码（含下级区划）"
    )
    theme: str | None = Field(None, max_length=40, description="主题代码")
    life_event: str | None = Field(None, max_length=40, description="人生事件代码")
    audience: Literal["person", "enterprise", "both"] | None = Field(
        None, description="服务对象：person 含面向两者的事项"
    )
    item_type: Literal[tuple(BaseItem.ItemType.values)] | None = Field(  # type: ignore[valid-type]
        None, description="事项类型代码"
    )
    online_depth: int | None = Field(None, ge=1, le=7, description="支持的网上办理深度")
    fully_online: bool = Field(False, description="只看全程网办事项")


class DepartmentItemQuery(PageQuery):
    pass


class Ref(Schema):
    code: str
    name: str


class Labelled(Schema):
    value: str
    label: str


class TimeLimitOut(Schema):
    value: int | None
    unit: str
    unit_label: str
    text: str


class ItemSummaryOut(Schema):
    implementation_code: str
    base_code: str
    name: str
    item_type: Labelled
    audience: Labelled
    department: Ref
    region: Ref
    case_kind: Labelled
    promised_limit: TimeLimitOut
    legal_limit: TimeLimitOut
    visits_required: int
    charged: bool
    handling_forms: list[Labelled]
    online_depth: list[int]
    fully_online: bool
    state: Labelled
    version: int
    url: str


class LegalBasisOut(Schema):
    law: str
    article: str
    text: str


class MaterialOut(Schema):
    position: int
    name: str
    kind: Labelled
    form: Labelled
    required: bool
    required_note: str
    copies: int
    source: Labelled
    licence_type: str
    acceptance_criteria: str
    basis: str
    blank_form_url: str | None
    sample_url: str | None


class StepOut(Schema):
    name: str
    role: str
    handler: str
    limit: TimeLimitOut
    description: str


class SpecialProcedureOut(Schema):
    name: str
    kind: Labelled
    limit: TimeLimitOut
    note: str


class FeeLineOut(Schema):
    name: str
    standard: str
    amount: str
    basis: str
    reductions: str


class IntermediaryOut(Schema):
    name: str
    providers: list[str]
    basis: str
    fee: str


class FaqOut(Schema):
    question: str
    answer: str


class ThemeRef(Schema):
    code: str
    name: str
    audience: str


class ResultOut(Schema):
    type: Labelled | None
    name: str
    sample_url: str | None
    express_delivery: bool


class FeesOut(Schema):
    charged: bool
    basis: str
    lines: list[FeeLineOut]
    online_payment: bool


class PlaceOut(Schema):
    address: str
    office_hours: str
    consultation_phone: str
    complaint_phone: str


class VersionRef(Schema):
    number: int
    status: Labelled
    published_at: datetime.datetime | None
    change_note: str
    current: bool


class NoticeOut(Schema):
    state: Labelled
    effective_date: datetime.date | None
    reason: str
    handed_down_to: Ref | None


class ChannelsOut(Schema):
    online_application: bool
    booking: bool


class LinksOut(Schema):
    guide: str
    pdf: str
    versions: str


class ItemDetailOut(ItemSummaryOut):
    summary: str
    aliases: list[str]
    themes: list[ThemeRef]
    life_events: list[ThemeRef]
    legal_basis: list[LegalBasisOut]
    levels: list[Labelled]
    source_of_power: str
    entrusted_department: str
    joint_departments: list[Ref]
    variants: list[Ref]
    conditions: list[str]
    materials: list[MaterialOut]
    steps: list[StepOut]
    special_procedures: list[SpecialProcedureOut]
    fees: FeesOut
    visits_reason: str
    online_depth_labels: list[Labelled]
    booking_available: bool
    express_delivery: bool
    cross_region: Labelled
    intermediary_services: list[IntermediaryOut]
    quantity_limit: str
    place: PlaceOut
    result: ResultOut
    faqs: list[FaqOut]
    reconsideration: str
    litigation: str
    form_schema: dict[str, Any]
    published_version: VersionRef
    notice: NoticeOut | None
    channels: ChannelsOut
    links: LinksOut


class VersionOut(VersionRef):
    name: str
    url: str


class ThemeOut(Schema):
    code: str
    name: str
    audience: Labelled
    item_count: int


class LifeEventOut(ThemeOut):
    description: str
