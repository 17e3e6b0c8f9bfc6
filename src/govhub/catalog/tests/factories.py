"""factory_boy factories for the catalogue (synthetic data only).

Base codes made here start with "T" so they never collide with demo data.
`ItemVersionFactory` builds a version that passes every quality rule (see `quality.py`);
`make_published_item()` builds a realistic published implementation item with materials.
"""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from govhub.catalog.codes import implementation_code
from govhub.catalog.models import (
    Audience,
    BaseItem,
    HandlingVariant,
    ImplementationItem,
    ItemVersion,
    LifeEvent,
    Material,
    Theme,
    TimeUnit,
)
from govhub.organizations.tests.factories import DepartmentFactory, RegionFactory

__all__ = [
    "BaseItemFactory",
    "DepartmentFactory",
    "HandlingVariantFactory",
    "ImplementationItemFactory",
    "ItemVersionFactory",
    "LifeEventFactory",
    "MaterialFactory",
    "RegionFactory",
    "ThemeFactory",
    "good_form_schema",
    "good_steps",
    "make_published_item",
]


def good_form_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 50},
            "phone": {"type": "string", "title": "联系电话", "pattern": "^[0-9-]{7,20}$"},
            "reason": {"type": "string", "title": "申请事由"},
        },
        "required": ["applicant_name", "phone"],
    }


def good_steps() -> list[dict[str, Any]]:
    return [
        {
            "name": "受理",
            "role": "受理",
            "handler": "综合受理窗口",
            "limit_value": 1,
            "limit_unit": "working_days",
            "description": "窗口人员核对申请材料，材料齐全、符合法定形式的当场受理。",
        },
        {
            "name": "审查",
            "role": "审查",
            "handler": "业务科室",
            "limit_value": 5,
            "limit_unit": "working_days",
            "description": "业务科室对申请材料进行实质审查。",
        },
        {
            "name": "决定",
            "role": "决定",
            "handler": "分管负责人",
            "limit_value": 2,
            "limit_unit": "working_days",
            "description": "作出准予或者不予办理的决定。",
        },
        {
            "name": "办结",
            "role": "办结",
            "handler": "综合出件窗口",
            "limit_value": 1,
            "limit_unit": "working_days",
            "description": "送达办理结果。",
        },
    ]


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-theme-{n}")
    name = factory.Sequence(lambda n: f"测试主题{n}")
    name_en = factory.Sequence(lambda n: f"Test theme {n}")
    audience = Audience.PERSON
    sort_order = factory.Sequence(lambda n: n)


class LifeEventFactory(DjangoModelFactory):
    class Meta:
        model = LifeEvent
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-event-{n}")
    name = factory.Sequence(lambda n: f"测试事件{n}")
    name_en = factory.Sequence(lambda n: f"Test event {n}")
    audience = Audience.PERSON
    description = "测试用的人生事件。"
    sort_order = factory.Sequence(lambda n: n)


class BaseItemFactory(DjangoModelFactory):
    class Meta:
        model = BaseItem

    base_code = factory.Sequence(lambda n: f"T{n:011d}")
    name = factory.Sequence(lambda n: f"测试事项许可{n}")
    name_en = factory.Sequence(lambda n: f"Test licence {n}")
    item_type = BaseItem.ItemType.LICENSING
    legal_basis = factory.LazyFunction(
        lambda: [
            {
                "law": "中华人民共和国行政许可法",
                "article": "第十二条",
                "text": "下列事项可以设定行政许可：……",
            }
        ]
    )
    levels = factory.LazyFunction(lambda: ["county"])
    responsible_department_kind = "测试主管部门"


class ImplementationItemFactory(DjangoModelFactory):
    """An implementation item without versions (see `make_published_item`)."""

    class Meta:
        model = ImplementationItem

    base_item = factory.SubFactory(BaseItemFactory)
    department = factory.SubFactory(DepartmentFactory)
    region = factory.SelfAttribute("department.region")
    sequence = 1
    implementation_code = factory.LazyAttribute(
        lambda o: implementation_code(o.base_item.base_code, o.department.uscc, o.sequence)
    )


class ItemVersionFactory(DjangoModelFactory):
    """A draft version that passes every quality rule."""

    class Meta:
        model = ItemVersion

    item = factory.SubFactory(ImplementationItemFactory)
    number = factory.LazyAttribute(lambda o: o.item.versions.count() + 1)
    status = ItemVersion.Status.DRAFT
    name = factory.LazyAttribute(lambda o: o.item.base_item.name)
    summary = "本事项为测试用的合成数据。"
    audience = Audience.PERSON
    conditions = factory.LazyFunction(
        lambda: ["申请人具有完全民事行为能力。", "申请人在本行政区域内有固定住所。"]
    )
    steps = factory.LazyFunction(good_steps)
    special_procedures = factory.LazyFunction(list)
    legal_limit_value = 20
    legal_limit_unit = TimeUnit.WORKING_DAYS
    promised_limit_value = 10
    promised_limit_unit = TimeUnit.WORKING_DAYS
    case_kind = ItemVersion.CaseKind.PROMISED
    charged = False
    handling_forms = factory.LazyFunction(lambda: ["window", "online"])
    visits_required = 1
    visits_reason = "需现场核验申请人身份证件原件。"
    online_depth = factory.LazyFunction(lambda: [1, 2, 3, 4])
    booking_available = True
    express_delivery = False
    address = "测试市政务服务中心一楼综合受理区"
    office_hours = "工作日 8:30-11:30，13:30-17:00"
    consultation_phone = "0468-3000001"
    complaint_phone = "0468-12345"
    result_type = ItemVersion.ResultType.CERTIFICATE
    result_name = "测试证明"
    faqs = factory.LazyFunction(
        lambda: [{"question": "可以委托他人办理吗？", "answer": "可以，需提交授权委托书。"}]
    )
    reconsideration = "对决定不服的，可以自收到决定之日起六十日内申请行政复议。"
    litigation = "对决定不服的，可以自知道作出决定之日起六个月内提起行政诉讼。"
    form_schema = factory.LazyFunction(good_form_schema)


class MaterialFactory(DjangoModelFactory):
    class Meta:
        model = Material

    version = factory.SubFactory(ItemVersionFactory)
    position = factory.LazyAttribute(lambda o: o.version.materials.count() + 1)
    name = factory.Sequence(lambda n: f"测试材料{n}")
    kind = Material.Kind.ORIGINAL
    form = Material.Form.PAPER
    required = True
    copies = 1
    source = Material.Source.APPLICANT
    acceptance_criteria = "内容完整、真实有效，由申请人签字确认。"
    basis = "《中华人民共和国行政许可法》第三十一条"


class HandlingVariantFactory(DjangoModelFactory):
    class Meta:
        model = HandlingVariant

    item = factory.SubFactory(ImplementationItemFactory)
    sequence = factory.LazyAttribute(lambda o: o.item.variants.count() + 1)
    code = factory.LazyAttribute(lambda o: f"{o.item.implementation_code}{o.sequence:03d}")
    name = factory.Sequence(lambda n: f"测试办理项{n}")


_ITEM_FIELDS = {
    "base_item",
    "department",
    "region",
    "sequence",
    "implementation_code",
    "state",
    "change_effective_date",
    "change_reason",
    "handed_down_to",
}


def make_published_item(**overrides: Any) -> ImplementationItem:
    """A realistic published implementation item: version 1 published, two materials
    (an application form with blank form and sample references, and an ID card issued by
    the government), a theme and a life event.

    Keyword arguments naming `ImplementationItem` fields go to the item; `materials` (a list
    of dicts for `MaterialFactory`), `themes` and `life_events` (lists) replace the defaults;
    everything else goes to the version.
    """
    item_kwargs = {k: overrides.pop(k) for k in list(overrides) if k in _ITEM_FIELDS}
    materials = overrides.pop("materials", None)
    themes = overrides.pop("themes", None)
    life_events = overrides.pop("life_events", None)
    item = ImplementationItemFactory(**item_kwargs)
    overrides.setdefault("status", ItemVersion.Status.PUBLISHED)
    if overrides["status"] in (ItemVersion.Status.PUBLISHED, ItemVersion.Status.SUPERSEDED):
        overrides.setdefault("published_at", timezone.now())
    version = ItemVersionFactory(item=item, **overrides)
    if materials is None:
        materials = [
            {
                "name": "申请表",
                "kind": Material.Kind.ORIGINAL,
                "form": Material.Form.BOTH,
                "blank_form": "catalog/forms/2026/application-form.pdf",
                "sample": "catalog/samples/2026/application-sample.pdf",
            },
            {
                "name": "居民身份证",
                "kind": Material.Kind.ORIGINAL,
                "form": Material.Form.PAPER,
                "source": Material.Source.GOVERNMENT,
                "licence_type": "居民身份证",
                "acceptance_criteria": "在有效期内，与申请人本人一致。",
            },
        ]
    for position, spec in enumerate(materials, start=1):
        MaterialFactory(version=version, position=spec.pop("position", position), **spec)
    version.themes.set(themes if themes is not None else [ThemeFactory()])
    version.life_events.set(life_events if life_events is not None else [LifeEventFactory()])
    if version.status == ItemVersion.Status.PUBLISHED:
        item.published_version = version
        item.save(update_fields=["published_version", "updated_at"])
    return item
