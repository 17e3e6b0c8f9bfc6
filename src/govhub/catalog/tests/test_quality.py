"""Quality rules: each fires on a crafted bad version and is silent on a good one."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govhub.catalog import quality
from govhub.catalog.tests.factories import ItemVersionFactory, MaterialFactory, make_published_item

pytestmark = pytest.mark.django_db


def good_version(**overrides):
    version = ItemVersionFactory(**overrides)
    MaterialFactory(version=version)
    return version


def fully_online_version(**overrides):
    values = {
        "handling_forms": ["online"],
        "online_depth": [1, 2, 3, 4, 5, 6],
        "visits_required": 0,
        "visits_reason": "",
        "booking_available": False,
    }
    values.update(overrides)
    return good_version(**values)


def findings(version, code):
    return quality.RULES[code](version)


def test_good_versions_have_no_findings():
    assert quality.check_version(good_version()) == []
    assert quality.check_version(fully_online_version()) == []
    immediate = good_version(
        case_kind="immediate",
        promised_limit_unit="immediate",
        promised_limit_value=None,
        steps=[
            {
                "name": "受理并办结",
                "role": "办结",
                "handler": "窗口",
                "limit_value": None,
                "limit_unit": "immediate",
                "description": "",
            }
        ],
    )
    assert quality.check_version(immediate) == []
    charged = fully_online_version(
        charged=True,
        fee_basis="《某收费标准》",
        fee_lines=[
            {
                "name": "工本费",
                "standard": "每本10元",
                "amount": "10",
                "basis": "",
                "reductions": "",
            }
        ],
        online_payment=True,
    )
    assert quality.check_version(charged) == []


def test_every_rule_has_a_test_below():
    tested = {
        name.removeprefix("test_rule_") for name in globals() if name.startswith("test_rule_")
    }
    assert set(quality.RULES) <= tested


def test_rule_immediate_case_kind():
    bad = good_version(promised_limit_unit="immediate", promised_limit_value=None)
    assert [f.field for f in findings(bad, "immediate_case_kind")] == ["case_kind"]
    bad2 = good_version(case_kind="immediate")
    assert [f.field for f in findings(bad2, "immediate_case_kind")] == ["promised_limit_unit"]
    assert findings(good_version(), "immediate_case_kind") == []


def test_rule_promised_limit_present():
    bad = good_version(promised_limit_value=None)
    assert findings(bad, "promised_limit_present")[0].level == quality.ERROR
    assert findings(good_version(), "promised_limit_present") == []


def test_rule_fully_online_visits():
    bad = fully_online_version(visits_required=1, visits_reason="核验原件")
    assert findings(bad, "fully_online_visits")[0].field == "visits_required"
    assert findings(fully_online_version(), "fully_online_visits") == []


def test_rule_charged_fee_info():
    bad = fully_online_version(charged=True, fee_basis="", fee_lines=[], online_payment=False)
    found = {(f.field, f.level) for f in findings(bad, "charged_fee_info")}
    assert found == {
        ("fee_basis", "error"),
        ("fee_lines", "error"),
        ("online_payment", "warning"),
    }
    free_with_lines = good_version(fee_lines=[{"name": "工本费", "standard": "10元"}])
    assert findings(free_with_lines, "charged_fee_info")[0].field == "fee_lines"
    assert findings(good_version(), "charged_fee_info") == []


@pytest.mark.parametrize(
    ("legal", "promised", "level"),
    [
        ((20, "working_days"), (25, "working_days"), "error"),
        ((20, "calendar_days"), (21, "working_days"), "error"),
        ((20, "immediate"), (5, "working_days"), "error"),
        ((20, "calendar_days"), (15, "working_days"), "warning"),
        ((10, "working_days"), (14, "calendar_days"), "warning"),
        ((20, "working_days"), (20, "working_days"), None),
        ((20, "working_days"), (20, "calendar_days"), None),
    ],
)
def test_rule_promised_within_legal(legal, promised, level):
    version = good_version(
        legal_limit_value=legal[0],
        legal_limit_unit=legal[1],
        promised_limit_value=promised[0],
        promised_limit_unit=promised[1],
        steps=[],
    )
    found = findings(version, "promised_within_legal")
    assert [f.level for f in found] == ([level] if level else [])


@pytest.mark.parametrize("text", ["其他条件", "法律法规规定的其他条件。", "有关部门要求的其他材料"])
def test_rule_no_catch_all(text):
    bad = good_version(conditions=["申请人具有完全民事行为能力。", text])
    found = findings(bad, "no_catch_all")
    assert found[0].field == "conditions"
    assert "受理条件第2项" in found[0].message
    material_bad = good_version()
    MaterialFactory(version=material_bad, name="身份证明等相关材料")
    assert findings(material_bad, "no_catch_all")[0].field == "materials"
    assert findings(good_version(), "no_catch_all") == []


def test_rule_conditions_present():
    assert findings(good_version(conditions=[]), "conditions_present")[0].field == "conditions"
    assert findings(good_version(), "conditions_present") == []


def test_rule_material_acceptance_criteria():
    version = good_version()
    MaterialFactory(version=version, name="营业执照", acceptance_criteria=" ")
    MaterialFactory(version=version, name="可选材料", required=False, acceptance_criteria="")
    found = findings(version, "material_acceptance_criteria")
    assert [f.message for f in found] == ["必需材料“营业执照”未填写受理标准。"]
    assert findings(good_version(), "material_acceptance_criteria") == []


def test_rule_visits_reason():
    assert findings(good_version(visits_reason=""), "visits_reason")[0].field == "visits_reason"
    assert findings(good_version(), "visits_reason") == []


def test_rule_online_depth_forms():
    bad = good_version(handling_forms=["window"], online_depth=[1, 2])
    assert findings(bad, "online_depth_forms")[0].level == "error"
    shallow = good_version(handling_forms=["window", "online"], online_depth=[1])
    assert findings(shallow, "online_depth_forms")[0].level == "warning"
    assert findings(good_version(), "online_depth_forms") == []


def test_rule_handling_forms_present():
    bad = good_version(handling_forms=[], online_depth=[], booking_available=False)
    assert findings(bad, "handling_forms_present")[0].field == "handling_forms"
    assert findings(good_version(), "handling_forms_present") == []


def test_rule_booking_window():
    bad = good_version(handling_forms=["online"], booking_available=True)
    assert findings(bad, "booking_window")[0].field == "booking_available"
    assert findings(good_version(), "booking_window") == []


def test_rule_result_name():
    assert findings(good_version(result_name=""), "result_name")[0].field == "result_name"
    assert findings(good_version(result_type="", result_name=""), "result_name") == []
    assert findings(good_version(), "result_name") == []


def test_rule_contact_phones():
    bad = good_version(consultation_phone="", complaint_phone="")
    assert {f.field for f in findings(bad, "contact_phones")} == {
        "consultation_phone",
        "complaint_phone",
    }
    assert findings(good_version(), "contact_phones") == []


def test_rule_step_limits():
    too_long = good_version(
        steps=[
            {"name": "受理", "limit_value": 6, "limit_unit": "working_days"},
            {"name": "审查", "limit_value": 6, "limit_unit": "working_days"},
            {"name": "送达", "limit_value": None, "limit_unit": "working_days"},
        ]
    )
    messages = [f.message for f in findings(too_long, "step_limits")]
    assert "办理流程第3步未填写时限。" in messages
    assert "办理流程各步时限合计12工作日，超过承诺办结时限10工作日。" in messages
    assert all(f.level == "warning" for f in findings(too_long, "step_limits"))
    assert findings(good_version(steps=[]), "step_limits")[0].message == "未填写办理流程。"
    assert findings(good_version(), "step_limits") == []


def test_rule_form_schema_valid():
    bad = good_version(form_schema={"type": "array"})
    assert findings(bad, "form_schema_valid")[0].field == "form_schema"
    assert findings(good_version(), "form_schema_valid") == []


def test_rule_json_shapes():
    bad = good_version(faqs=[{"question": "问"}])
    assert findings(bad, "json_shapes")[0].message == "常见问题第1项缺少解答。"
    assert findings(good_version(), "json_shapes") == []


def test_rule_materials_present():
    assert findings(ItemVersionFactory(), "materials_present")[0].level == "warning"
    assert findings(good_version(), "materials_present") == []


def test_check_all_uses_published_or_latest_version():
    published = make_published_item()
    ItemVersionFactory(item=published, conditions=[])  # an open draft with an error
    never_published = ItemVersionFactory(conditions=[])
    MaterialFactory(version=never_published)
    found = quality.check_all()
    assert {(f.item.pk, f.version.pk) for f in found} == {
        (never_published.item_id, never_published.pk)
    }
    assert found[0].finding.rule == "conditions_present"


def test_check_all_query_count(django_assert_num_queries):
    for _ in range(3):
        make_published_item()
    with django_assert_num_queries(3):
        quality.check_all()


def test_command_prints_table_and_fails_on_errors(capsys):
    make_published_item()
    call_command("catalog_quality")
    assert "未发现" in capsys.readouterr().out
    bad = make_published_item(consultation_phone="", online_depth=[1])
    with pytest.raises(CommandError):
        call_command("catalog_quality", "--errors-only")
    out = capsys.readouterr().out
    assert bad.implementation_code in out
    assert "未填写咨询电话。" in out
    assert "online_depth_forms" not in out  # a warning
    with pytest.raises(CommandError):
        call_command("catalog_quality")
    out = capsys.readouterr().out
    assert "online_depth_forms" in out
    assert "共1项错误，1项警告。" in out
