"""Filling the demo cases' application forms and making their material files.

`application_form()` completes an item's form (its JSON Schema) from what is known about
the applicant (`known`: prefilled or registry values) and the scenario's own values
(`overrides`), filling every other property with a plausible value chosen by the
property's name or, failing that, by its schema: the first choice of an enum, one choice
of an array of enums, a number within its bounds, a recent date. It raises
`ImproperlyConfigured` when it meets a property it cannot fill sensibly (a pattern of an
unknown kind), so a new catalogue field shows up as a loud failure of the demo loader,
not as an invalid case. The caller validates the result with
`schema_form.validate_submission` before submitting.

`demo_pdf()` is a small, valid one-page PDF (ASCII text only, so no font is embedded)
that the upload checks accept: a stand-in for a scanned material.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from govhub.cases.schema_form import field_kind, ordered_properties

# Free-text fields of the catalogue's shared form fields (catalog/demo_data/library.py).
TEXT_SAMPLES: dict[str, str] = {
    "business_scope": "一般项目：矿山机械制造；机械零部件加工；五金产品批发。",
    "trade_name": "鑫源",
    "equipment_code": "QZ-2024-0315",
    "trademark_name": "鹤城黑土",
    "child_name": "王小雨",
    "birth_place": "鹤岗市人民医院",
    "move_from": "黑龙江省佳木斯市前进区长安路12号",
    "certificate_purpose": "应聘单位入职审查",
    "spouse_name": "李建华",
    "hardship_reason": "家庭成员突发重病住院治疗，医疗费用支出较大，家庭基本生活暂时出现严重困难。",
    "deceased_name": "周建国",
    "hospital_name": "哈尔滨医科大学附属第一医院",
    "training_course": "电工（四级）",
    "school_district": "向阳区红军小学学区",
    "subject": "小学数学",
    "institution_name": "鹤岗市人民医院",
    "property_location": "鹤岗市向阳区红军路18号3栋2单元401室",
    "query_purpose": "办理房屋买卖手续前核实权属",
    "project_name": "矿山机械生产线技术改造项目",
    "project_location": "鹤岗市向阳区北山街道工业园区",
    "construction_scale": "改造生产厂房3000平方米，购置数控加工设备12台（套）。",
    "route": "鹤岗市—萝北县名山旅游区",
    "licence_number": "230400123456",
    "reconsideration_request": "请求撤销被申请人作出的行政处罚决定。",
    "dispute_area": "萝北县凤翔镇永丰村东山林地，约12亩",
}
NUMBER_SAMPLES: dict[str, int | float] = {
    "registered_capital": 200,
    "premises_area": 85,
    "nice_class": 7,
    "member_count": 12,
    "family_size": 3,
    "monthly_income": 1450,
    "medical_expense": 12680.5,
    "loan_amount": 20,
    "total_investment": 500,
    "property_area": 96.5,
    "vehicle_count": 3,
    "tax_year": 2025,
    "invoice_quantity": 50,
    "employee_count": 36,
}
# Days before the day of application.
DATE_OFFSETS: dict[str, int] = {
    "child_birth_date": 45,
    "delivery_date": 45,
    "unemployment_date": 35,
    "death_date": 28,
    "booking_date": -7,  # a registration booked for next week
}
DEFAULT_DATE_OFFSET = 30


@dataclass(frozen=True)
class Facts:
    """What the form may need to say about the application beyond the known fields."""

    applied_on: datetime.date
    mobile: str = ""
    bank_account: str = ""
    other_id_number: str = ""  # the other party (a spouse) for `*_id_number` fields
    other_name: str = ""
    deceased_id_number: str = ""
    deceased_name: str = ""


def _bounded(value: int | float, prop: Mapping[str, Any]) -> int | float:
    minimum, maximum = prop.get("minimum"), prop.get("maximum")
    if minimum is not None and value < minimum:
        value = minimum
    if maximum is not None and value > maximum:
        value = maximum
    return int(value) if prop.get("type") == "integer" else value


def _choice(prop: Mapping[str, Any]) -> Any:
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        return prop["enum"][0]
    for keyword in ("oneOf", "anyOf"):
        options = prop.get(keyword)
        if isinstance(options, list) and options and "const" in options[0]:
            return options[0]["const"]
    return None


def _id_number(name: str, facts: Facts) -> str:
    number = facts.deceased_id_number if name.startswith("deceased") else facts.other_id_number
    if not number:
        raise ImproperlyConfigured(f"Demo form field {name!r} needs a second person's ID number.")
    return number


def _sample(name: str, prop: Mapping[str, Any], facts: Facts) -> Any:
    """A plausible value for a property the applicant's known data does not cover."""
    kind = field_kind(name)
    choice = _choice(prop)
    if choice is not None:
        return choice
    type_ = prop.get("type")
    if type_ == "array":
        items = prop.get("items")
        first = _choice(items) if isinstance(items, Mapping) else None
        if first is None:
            raise ImproperlyConfigured(f"Demo form field {name!r}: an array without choices.")
        return [first]
    if type_ in ("integer", "number"):
        return _bounded(NUMBER_SAMPLES.get(name, 1), prop)
    if type_ == "boolean":
        return True
    if prop.get("format") == "date":
        offset = DATE_OFFSETS.get(name, DEFAULT_DATE_OFFSET)
        return (facts.applied_on - datetime.timedelta(days=offset)).isoformat()
    if kind == "id_number":
        return _id_number(name, facts)
    if kind in ("phone", "mobile"):
        return facts.mobile
    if name == "bank_account":
        return facts.bank_account
    if name == "spouse_name" and facts.other_name:
        return facts.other_name
    if name == "deceased_name" and facts.deceased_name:
        return facts.deceased_name
    if name in TEXT_SAMPLES:
        text = TEXT_SAMPLES[name]
    elif prop.get("pattern"):
        raise ImproperlyConfigured(
            f"Demo form field {name!r} has a pattern the demo loader does not know."
        )
    else:
        text = f"{prop.get('title') or name}（演示）"
    limit = prop.get("maxLength")
    return text[:limit] if isinstance(limit, int) else text


def application_form(
    schema: Mapping[str, Any],
    *,
    known: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    facts: Facts,
) -> dict[str, Any]:
    """Every property of `schema`: the scenario's value, else the known one, else a sample.
    Only the schema's own properties are returned (forms have `additionalProperties: false`)."""
    overrides = overrides or {}
    data: dict[str, Any] = {}
    for name, prop in ordered_properties(schema):
        if name in overrides:
            data[name] = overrides[name]
        elif known.get(name) not in (None, ""):
            data[name] = known[name]
        else:
            data[name] = _sample(name, prop, facts)
    return data


def demo_pdf(label: str) -> bytes:
    """A one-page PDF showing `label` (ASCII), with a correct cross-reference table."""
    text = "".join(ch if 32 <= ord(ch) < 127 and ch not in "()\\" else "?" for ch in label)
    stream = f"BT /F1 14 Tf 72 770 Td (govhub demo material) Tj 0 -22 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
