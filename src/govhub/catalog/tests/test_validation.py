"""JSON shapes and the form schema: clear Chinese messages naming field and row."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from govhub.catalog.tests.factories import good_form_schema, good_steps
from govhub.catalog.validation import (
    json_errors,
    json_field_errors,
    validate_form_schema,
    validate_json_field,
)


def test_good_values_pass():
    assert (
        json_errors(
            {
                "legal_basis": [
                    {"law": "中华人民共和国行政许可法", "article": "第十二条", "text": ""}
                ],
                "levels": ["county", "township"],
                "aliases": ["办证"],
                "conditions": ["申请人年满十八周岁。"],
                "steps": good_steps(),
                "special_procedures": [
                    {
                        "name": "现场核查",
                        "kind": "inspection",
                        "limit_value": 5,
                        "limit_unit": "working_days",
                        "note": "",
                    }
                ],
                "fee_lines": [
                    {
                        "name": "工本费",
                        "standard": "每本10元",
                        "amount": "10.00",
                        "basis": "发改价格",
                        "reductions": "",
                    }
                ],
                "handling_forms": ["window", "online", "post"],
                "online_depth": [1, 2, 3, 4, 5, 6, 7],
                "intermediary_services": [
                    {
                        "name": "检测报告",
                        "providers": ["某检测公司"],
                        "basis": "",
                        "fee": "市场调节",
                    }
                ],
                "faqs": [{"question": "多久办结？", "answer": "五个工作日。"}],
                "form_schema": good_form_schema(),
            }
        )
        == {}
    )


def test_empty_form_schema_means_no_form_yet():
    validate_form_schema({})


def test_step_without_name_names_field_and_row():
    steps = good_steps()
    steps[1]["name"] = ""
    assert json_field_errors("steps", steps) == ["办理流程第2步缺少名称。"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("steps", "受理", "办理流程应为列表。"),
        ("steps", ["受理"], "办理流程第1步应为一个对象（键值对）。"),
        (
            "steps",
            [{"name": "受理", "limit_value": -1, "limit_unit": "working_days"}],
            "办理流程第1步的时限应为不小于0的整数或留空。",
        ),
        (
            "steps",
            [{"name": "受理", "limit_value": 3, "limit_unit": "weeks"}],
            "办理流程第1步的时限单位“weeks”无效，可选：working_days（工作日）、calendar_days（自然日）、immediate（即办）。",
        ),
        ("steps", [{"name": "受理", "limit_value": 3}], "办理流程第1步填写了时限但缺少时限单位。"),
        ("steps", [{"name": "受理", "owner": "x"}], "办理流程第1步含有未知字段“owner”。"),
        ("conditions", ["条件一", " "], "受理条件第2项为空或不是文字。"),
        (
            "fee_lines",
            [{"name": "工本费", "standard": "10元", "amount": "十元"}],
            "收费项目第1项的金额“十元”应为不小于0的数字（单位：元）。",
        ),
        ("fee_lines", [{"name": "工本费"}], "收费项目第1项缺少收费标准。"),
        (
            "special_procedures",
            [{"name": "听证", "kind": "party"}],
            "特别程序第1项的种类“party”无效，可选：hearing、expert_review、inspection、testing、other。",
        ),
        ("faqs", [{"question": "问", "answer": ""}], "常见问题第1项缺少解答。"),
        (
            "intermediary_services",
            [{"name": "评估", "providers": "某公司"}],
            "中介服务第1项的服务机构应为文字列表。",
        ),
        (
            "handling_forms",
            ["window", "fax"],
            "办理形式第2项的值“fax”无效，可选：window、online、post。",
        ),
        ("handling_forms", ["window", "window"], "办理形式中“window”重复。"),
        ("online_depth", [1, 8], "网上办理深度第2项的值“8”无效，可选：1、2、3、4、5、6、7。"),
        ("online_depth", [True], "网上办理深度第1项的值“True”无效，可选：1、2、3、4、5、6、7。"),
        (
            "levels",
            ["county", "planet"],
            "行使层级第2项的值“planet”无效，可选：national、provincial、city、county、township。",
        ),
        ("legal_basis", [{"law": " "}], "设定依据第1项缺少法律法规名称。"),
        ("legal_basis", [{"law": "某法", "article": 12}], "设定依据第1项的条款应为文字。"),
    ],
)
def test_bad_rows_are_named(field, value, expected):
    errors = json_field_errors(field, value)
    assert expected in errors
    with pytest.raises(ValidationError):
        validate_json_field(field, value)


@pytest.mark.parametrize(
    ("schema", "fragment"),
    [
        ([], "应为一个 JSON 对象"),
        ({"type": "objekt"}, "不是有效的 JSON Schema"),
        ({"type": "array", "items": {"type": "string"}}, "顶层类型应为 object"),
        ({"type": "object"}, "至少应定义一个填写项"),
        ({"type": "object", "properties": {"name": {"type": "string"}}}, "“name”缺少中文标题"),
        (
            {
                "type": "object",
                "properties": {"name": {"type": "string", "title": "姓名"}},
                "required": ["age"],
            },
            "必填项“age”未在 properties 中定义",
        ),
    ],
)
def test_bad_form_schemas(schema, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_form_schema(schema)
    assert any(fragment in message for message in exc.value.messages)


@given(st.lists(st.text(min_size=1).filter(lambda s: s.strip()), max_size=5))
def test_any_non_blank_conditions_pass(conditions):
    assert json_field_errors("conditions", conditions) == []


@given(st.lists(st.sampled_from([1, 2, 3, 4, 5, 6, 7]), unique=True))
def test_any_unique_depths_pass(depths):
    assert json_field_errors("online_depth", depths) == []


@given(st.integers().filter(lambda n: not 1 <= n <= 7))
def test_depths_out_of_range_fail(depth):
    assert json_field_errors("online_depth", [depth]) != []
