"""Synthetic demo catalogue for Hegang: themes, life events, base items and their
implementations by city departments, district and county governments and county
departments, each with one published version (v1) and its materials. Data in `demo_data`.

`load()` is idempotent: it updates or creates every row by its natural key (theme and life
event codes, base code, implementation code, version number 1, material position, variant
code), so a
second run neither duplicates nor fails and puts edited demo rows back. If an official
published a later version of a demo item, that version is marked superseded and v1 is
published again. It refuses to run in production mode and needs the organisations demo
(`govhub.organizations.demo.load()`) to have been loaded first.

Implementation codes follow the catalogue contract: base code (12) + the implementing
department's USCC (18) + the sequence as six digits; handling variants (业务办理项) add a
three-digit sequence.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from govhub.catalog.codes import implementation_code, variant_code
from govhub.catalog.demo_data import EXTRA_IMPLEMENTATIONS, ITEMS
from govhub.catalog.demo_data import library as lib
from govhub.catalog.demo_data import taxonomy as tax
from govhub.catalog.demo_data.specs import UNITS, ItemSpec
from govhub.catalog.models import (
    BaseItem,
    HandlingVariant,
    ImplementationItem,
    ItemVersion,
    LifeEvent,
    Material,
    Theme,
)
from govhub.catalog.search import reindex_all
from govhub.catalog.selectors import catalog_changed
from govhub.core.audit import audit_log
from govhub.organizations import demo_data as org_data
from govhub.organizations.models import Department, Region, ServiceHall

TYPE_NAMES = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
}
AUDIENCE_NAMES = {"person": "自然人", "enterprise": "法人", "both": "自然人和法人"}
PUBLISHED_AT = datetime.fromisoformat(tax.PUBLISHED_AT)


def base_code(spec: ItemSpec) -> str:
    """Item type (2) + domain segment (3) + the item's serial (4) + "000"."""
    return f"{spec.item_type}{tax.DOMAINS[spec.domain][2]}{spec.serial:04d}000"


# --- themes, life events, base items ----------------------------------------------------


def _load_themes() -> dict[str, Theme]:
    themes = {}
    for order, (code, name, name_en, audience) in enumerate(tax.THEMES, start=1):
        themes[code], _ = Theme.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "audience": audience, "sort_order": order},
        )
    return themes


def _load_life_events() -> dict[str, LifeEvent]:
    events = {}
    for order, (code, name, name_en, audience, text, text_en) in enumerate(
        tax.LIFE_EVENTS, start=1
    ):
        events[code], _ = LifeEvent.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "audience": audience,
                "description": text,
                "description_en": text_en,
                "sort_order": order,
            },
        )
    return events


def _load_base_item(spec: ItemSpec) -> BaseItem:
    item, _ = BaseItem.objects.update_or_create(
        base_code=base_code(spec),
        defaults={
            "name": spec.name,
            "name_en": spec.name_en,
            "item_type": spec.item_type,
            "legal_basis": [
                {"law": law, "article": article, "text": text} for law, article, text in spec.laws
            ],
            "levels": list(spec.levels),
            "responsible_department_kind": tax.DOMAINS[spec.domain][1],
        },
    )
    return item


# --- which body implements what, where ------------------------------------------------------


class _Implementation:
    def __init__(
        self, spec: ItemSpec, department: str, region: str, sequence: int = 1, **state: str
    ) -> None:
        self.spec, self.department, self.region, self.sequence = spec, department, region, sequence
        self.state = state.get("state", "active")
        self.effective_date = state.get("effective_date", "")
        self.reason = state.get("reason", "")
        self.handed_down_to = state.get("handed_down_to", "")


def _plan() -> list[_Implementation]:
    governments = {division: code for code, _serial, division in org_data.DIVISION_GOVERNMENTS}
    by_serial = {spec.serial: spec for spec in ITEMS}
    plan: list[_Implementation] = []
    for spec in ITEMS:
        if spec.city:
            if spec.cancelled:
                effective, reason = spec.cancelled
                plan.append(
                    _Implementation(
                        spec,
                        tax.DOMAINS[spec.domain][0],
                        org_data.CITY[0],
                        state="cancelled",
                        effective_date=effective,
                        reason=reason,
                    )
                )
            else:
                plan.append(_Implementation(spec, tax.DOMAINS[spec.domain][0], org_data.CITY[0]))
        for division in spec.county:
            body = tax.COUNTY_BODIES.get(spec.domain, {}).get(division, governments[division])
            plan.append(_Implementation(spec, body, division))
    for extra in EXTRA_IMPLEMENTATIONS:
        plan.append(
            _Implementation(
                by_serial[extra.serial],
                extra.department,
                extra.region,
                extra.sequence,
                state=extra.state,
                effective_date=extra.effective_date,
                reason=extra.reason,
                handed_down_to=extra.handed_down_to,
            )
        )
    return plan


# --- the guide content of one implementation ---------------------------------------------------


def _limit(limit: tuple[int | None, str]) -> tuple[int | None, str]:
    value, unit = limit
    return (None, UNITS[unit]) if unit == "I" else (value, UNITS[unit])


def _step(name: str, role: str, handler: str, value: int, unit: str, text: str) -> dict[str, Any]:
    return {
        "name": name,
        "role": role,
        "handler": handler,
        "limit_value": value or None,
        "limit_unit": unit if value else "immediate",
        "description": text,
    }


def _steps(spec: ItemSpec, department: Department, window: str) -> list[dict[str, Any]]:
    short = department.short_name or department.name
    value, unit = _limit(spec.promised)
    if spec.profile == "enforcement":
        total = value or 0
        return [
            _step("立案", "受理", f"{short}执法机构", 0, unit,
                  "对发现的违法线索进行核查，符合条件的予以立案。"),
            _step("调查取证", "审查", f"{short}执法人员", max(total - 10, 1), unit,
                  "两名以上执法人员出示证件，依法调查取证并制作笔录。"),
            _step("告知", "审查", f"{short}执法机构", 5, unit,
                  "告知当事人拟作出决定的事实、理由、依据及其依法享有的陈述、申辩和听证权利。"),
            _step("决定", "决定", f"{short}负责人", 3, unit, "根据调查结果依法作出决定。"),
            _step("送达", "办结", f"{short}执法机构", 0, unit, "依法送达决定书并告知救济途径。"),
        ]  # fmt: skip
    accept = f"{window}受理人员"
    if value is None:
        return [
            _step("受理", "受理", accept, 0, unit,
                  "核验身份和材料，材料齐全、符合法定形式的当场受理。"),
            _step("审核", "审查", accept, 0, unit, "窗口人员当场审核。"),
            _step("办结", "办结", accept, 0, unit, "当场出具办理结果。"),
        ]  # fmt: skip
    first = 1 if value >= 3 else 0
    decide = 1 if value >= 2 else 0
    review = value - first - decide
    return [
        _step("受理", "受理", accept, first, unit,
              "材料齐全、符合法定形式的予以受理，出具受理通知书；材料不全的一次性告知需补正的全部内容。"),
        _step("审查", "审查", f"{short}业务科室", review, unit,
              "对申请材料进行审查，必要时核实有关情况。"),
        _step("决定", "决定", f"{short}分管负责人", decide, unit, "依法作出准予或不予办理的决定。"),
        _step("办结", "办结", "统一出件窗口", 0, unit,
              "制发办理结果，申请人可窗口领取或选择免费邮寄。"),
    ]  # fmt: skip


PROFILES: dict[str, dict[str, Any]] = {
    "immediate": {
        "handling_forms": ["window", "online"],
        "online_depth": [1, 2, 3, 4],
        "visits_required": 1,
        "visits_reason": "需现场核验本人身份、采集照片或当面签字确认",
        "booking_available": True,
        "express_delivery": False,
        "cross_region": "city",
    },
    "online": {
        "handling_forms": ["online", "window", "post"],
        "online_depth": [1, 2, 3, 4, 5, 6],
        "visits_required": 0,
        "visits_reason": "",
        "booking_available": True,
        "express_delivery": True,
        "cross_region": "province",
    },
    "standard": {
        "handling_forms": ["window", "online"],
        "online_depth": [1, 2, 3, 4],
        "visits_required": 1,
        "visits_reason": "需现场核验申请材料原件并当面签署申请书",
        "booking_available": True,
        "express_delivery": True,
        "cross_region": "none",
    },
    "complex": {
        "handling_forms": ["window", "online"],
        "online_depth": [1, 2, 3],
        "visits_required": 1,
        "visits_reason": "需提交纸质材料原件并配合现场核查",
        "booking_available": True,
        "express_delivery": True,
        "cross_region": "none",
    },
    "enforcement": {
        "handling_forms": ["window"],
        "online_depth": [1],
        "visits_required": 0,
        "visits_reason": "",
        "booking_available": False,
        "express_delivery": False,
        "cross_region": "none",
    },
}

PROFILE_FAQS = {
    "immediate": ("当天能办好吗？", "材料齐全、符合法定形式的，窗口当场办结，无需再次跑动。"),
    "online": (
        "网上申请后如何领取结果？",
        "办理结果在网上实时反馈；需要纸质结果的，可选择免费邮寄送达。",
    ),
    "standard": (
        "可以预约办理吗？",
        "可以。通过鹤岗市政务服务网或拨打咨询电话预约，按预约时间到窗口办理，无需排队取号。",
    ),
    "complex": (
        "材料不齐全怎么办？",
        "窗口将一次性告知需要补正的全部内容；补齐后可通过网上或窗口再次提交。",
    ),
}


def form_schema(spec: ItemSpec) -> dict[str, Any]:
    """The applicant's form (JSON Schema draft 2020-12) for items applied for online."""
    if spec.profile == "enforcement":
        return {}
    common = lib.ENTERPRISE_FIELDS if spec.audience == "enterprise" else lib.PERSON_FIELDS
    properties = {**common, **{key: lib.FIELDS[key] for key in spec.fields}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{spec.name}申请表",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _where(spec: ItemSpec, region: Region, halls: dict[str, ServiceHall]) -> tuple[str, str]:
    """(address, office hours) of the place the item is handled."""
    if region.code == org_data.CITY[0]:
        hall = halls["hg-city-hall"]
        window = tax.DOMAINS[spec.domain][3]
        return f"{hall.name}（{hall.address}）{window}号窗口", org_data.HALL_HOURS
    if region.code in tax.COUNTY_HALLS:
        hall_code, windows, default = tax.COUNTY_HALLS[region.code]
        hall = halls[hall_code]
        window = windows.get(spec.domain, default)
        return f"{hall.name}（{hall.address}）{window}号窗口", org_data.HOURS
    seat = org_data.DIVISION_SEATS[region.code]
    return f"{region.name}政务服务大厅（{seat}）", org_data.HOURS


def _reconsideration_body(department: Department) -> str:
    if department.kind == Department.Kind.VERTICAL:
        return "国家税务总局黑龙江省税务局"
    if department.kind == Department.Kind.GOVERNMENT or department.region.code == "230400":
        return "鹤岗市人民政府"
    return f"{department.region.name}人民政府"


def _version_fields(
    plan: _Implementation, department: Department, region: Region, halls: dict[str, ServiceHall]
) -> dict[str, Any]:
    spec = plan.spec
    profile = PROFILES[spec.profile]
    legal_value, legal_unit = _limit(spec.legal)
    promised_value, promised_unit = _limit(spec.promised)
    address, hours = _where(spec, region, halls)
    window = address.rsplit("）", 1)[-1] or "综合受理窗口"
    depth = list(profile["online_depth"])
    if spec.profile == "online" and spec.result[0] == "licence":
        depth.append(7)
    fee_basis, fee_lines = tax.FEES.get(spec.fee, ("", []))
    faqs = [{"question": q, "answer": a} for q, a in spec.faqs]
    if spec.profile in PROFILE_FAQS:
        question, answer = PROFILE_FAQS[spec.profile]
        faqs.append({"question": question, "answer": answer})
    law, article, _text = spec.laws[0]
    immediate = promised_unit == "immediate"
    return {
        "status": ItemVersion.Status.PUBLISHED,
        "change_note": "演示数据初始版本",
        "name": spec.name,
        "name_en": spec.name_en,
        "aliases": list(spec.aliases),
        "summary": (
            f"依据{law}{article}，由{department.name}实施的{TYPE_NAMES[spec.item_type]}事项，"
            f"服务对象为{AUDIENCE_NAMES[spec.audience]}。"
        ),
        "summary_en": f"{spec.name_en}, provided by {department.name_en}.",
        "audience": spec.audience,
        "source_of_power": "法定本级行使",
        "entrusted_department": "",
        "conditions": list(spec.conditions),
        "steps": _steps(spec, department, window),
        "special_procedures": [
            {"name": name, "kind": kind, "limit_value": value, "limit_unit": unit, "note": note}
            for name, kind, value, unit, note in spec.special
        ],
        "legal_limit_value": legal_value,
        "legal_limit_unit": legal_unit,
        "legal_limit_note": "" if legal_value else "法律法规未规定办理时限，当场办结",
        "promised_limit_value": promised_value,
        "promised_limit_unit": promised_unit,
        "promised_limit_note": "材料齐全、符合法定形式的，当场办结" if immediate else "",
        "case_kind": "immediate" if immediate else "promised",
        "charged": bool(fee_lines),
        "fee_basis": fee_basis,
        "fee_lines": [
            {"name": n, "standard": s, "amount": a, "basis": b, "reductions": r}
            for n, s, a, b, r in fee_lines
        ],
        "online_payment": bool(fee_lines),
        "handling_forms": list(profile["handling_forms"]),
        "visits_required": profile["visits_required"],
        "visits_reason": profile["visits_reason"],
        "online_depth": depth,
        "booking_available": profile["booking_available"],
        "express_delivery": profile["express_delivery"],
        "cross_region": spec.cross_region or profile["cross_region"],
        "intermediary_services": [
            {"name": name, "providers": list(providers), "basis": basis, "fee": fee}
            for name, providers, basis, fee in spec.intermediaries
        ],
        "quantity_limit": spec.quantity_limit,
        "address": address,
        "office_hours": hours,
        "consultation_phone": department.phone or tax.COMPLAINT_PHONE,
        "complaint_phone": tax.COMPLAINT_PHONE,
        "result_type": spec.result[0],
        "result_name": spec.result[1],
        "faqs": faqs,
        "reconsideration": tax.RECONSIDERATION.format(
            department=department.name, body=_reconsideration_body(department)
        ),
        "litigation": tax.LITIGATION,
        "form_schema": form_schema(spec) if "online" in profile["handling_forms"] else {},
        "submitted_at": PUBLISHED_AT,
        "published_at": PUBLISHED_AT,
    }


def _load_materials(version: ItemVersion, spec: ItemSpec) -> int:
    for position, key in enumerate(spec.materials, start=1):
        material = lib.MATERIALS[key.lstrip("?")]
        optional = key.startswith("?")
        Material.objects.update_or_create(
            version=version,
            position=position,
            defaults={
                "name": material.name,
                "name_en": "",
                "kind": material.kind,
                "form": material.form,
                "required": not optional,
                "required_note": material.note if optional else "",
                "copies": material.copies,
                "source": material.source,
                "licence_type": material.licence_type,
                "acceptance_criteria": material.criteria,
                "basis": material.basis or spec.laws[0][0],
            },
        )
    version.materials.filter(position__gt=len(spec.materials)).delete()
    return len(spec.materials)


def _load_variants(item: ImplementationItem, spec: ItemSpec) -> int:
    for sequence, (name, name_en) in enumerate(spec.variants, start=1):
        HandlingVariant.objects.update_or_create(
            code=variant_code(item.implementation_code, sequence),
            defaults={
                "item": item,
                "sequence": sequence,
                "name": name,
                "name_en": name_en,
                "is_active": True,
            },
        )
    return len(spec.variants)


@transaction.atomic
def load() -> dict[str, int]:
    """Load or refresh the demo catalogue; returns how many of each were loaded."""
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Demo data is never loaded in production mode (GOVHUB_ENV=production)."
        )
    departments = {d.code: d for d in Department.objects.select_related("region")}
    regions = {r.code: r for r in Region.objects.filter(code__startswith="2304")}
    halls = {h.code: h for h in ServiceHall.objects.all()}
    plan = _plan()
    missing = sorted(
        {p.department for p in plan if p.department not in departments}
        | {p.region for p in plan if p.region not in regions}
        | ({"hg-city-hall"} - set(halls))
    )
    if missing:
        raise ImproperlyConfigured(
            "Load the organisations demo first (govhub.organizations.demo); missing: "
            + ", ".join(missing)
        )
    themes = _load_themes()
    events = _load_life_events()
    base_items = {spec.serial: _load_base_item(spec) for spec in ITEMS}
    materials = variants = 0
    for entry in plan:
        department, region = departments[entry.department], regions[entry.region]
        base = base_items[entry.spec.serial]
        item, _ = ImplementationItem.objects.update_or_create(
            implementation_code=implementation_code(
                base.base_code, department.uscc, entry.sequence
            ),
            defaults={
                "base_item": base,
                "department": department,
                "region": region,
                "sequence": entry.sequence,
                "state": entry.state,
                "change_effective_date": (
                    date.fromisoformat(entry.effective_date) if entry.effective_date else None
                ),
                "change_reason": entry.reason,
                "handed_down_to": regions.get(entry.handed_down_to),
            },
        )
        version, _ = ItemVersion.objects.update_or_create(
            item=item, number=1, defaults=_version_fields(entry, department, region, halls)
        )
        item.versions.exclude(pk=version.pk).filter(status=ItemVersion.Status.PUBLISHED).update(
            status=ItemVersion.Status.SUPERSEDED
        )
        version.themes.set([themes[code] for code in entry.spec.themes])
        version.life_events.set([events[code] for code in entry.spec.events])
        joint = entry.spec.joint if region.code == org_data.CITY[0] else ()
        version.joint_departments.set([departments[code] for code in joint])
        materials += _load_materials(version, entry.spec)
        variants += _load_variants(item, entry.spec)
        if item.published_version_id != version.pk:
            item.published_version = version
            item.save(update_fields=["published_version", "updated_at"])
    counts = {
        "themes": len(themes),
        "life_events": len(events),
        "base_items": len(base_items),
        "implementation_items": len(plan),
        "materials": materials,
        "handling_variants": variants,
    }
    # Rows were written directly, not through the publishing service and its events, so
    # the search index and the cached browse counts are brought up to date here.
    counts["search_documents"] = reindex_all()
    catalog_changed()
    audit_log(actor=None, action="catalog.demo.load", actor_label="demo-loader", changes=counts)
    return counts
