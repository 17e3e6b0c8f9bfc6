"""Catalogue import/export: JSON and XLSX round trips, idempotence, every error reported,
all or nothing."""

from __future__ import annotations

import copy
import json

import pytest

from govhub.catalog import importexport
from govhub.catalog.models import (
    BaseItem,
    HandlingVariant,
    ImplementationItem,
    ItemVersion,
    LifeEvent,
    Material,
    Theme,
)
from govhub.catalog.tests.factories import (
    HandlingVariantFactory,
    ThemeFactory,
    make_published_item,
)
from govhub.core.models import AuditEvent
from govhub.organizations.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def build_catalogue():
    joint = DepartmentFactory()
    first = make_published_item(charged=False)
    first.published_version.joint_departments.add(joint)
    HandlingVariantFactory(item=first, name="首次申请")
    HandlingVariantFactory(item=first, name="变更", is_active=False)
    make_published_item(
        themes=[ThemeFactory(), ThemeFactory(audience="enterprise")],
        audience="enterprise",
        charged=True,
        fee_basis="《某收费标准》",
        fee_lines=[
            {
                "name": "工本费",
                "standard": "每本10元",
                "amount": "10",
                "basis": "",
                "reductions": "低保户免收",
            }
        ],
        online_payment=True,
    )
    # An item never published is exported without a version.
    make_published_item(status=ItemVersion.Status.DRAFT)
    ThemeFactory()  # a theme nobody uses yet


def wipe_catalogue():
    ImplementationItem.objects.update(published_version=None)
    Material.objects.all().delete()
    HandlingVariant.objects.all().delete()
    ItemVersion.objects.all().delete()
    ImplementationItem.objects.all().delete()
    BaseItem.objects.all().delete()
    Theme.objects.all().delete()
    LifeEvent.objects.all().delete()


def test_export_document_shape():
    build_catalogue()
    doc = importexport.export_document()
    assert doc["format"] == "govhub-catalog/1"
    assert list(doc) == ["format", "themes", "life_events", "base_items", "implementation_items"]
    assert len(doc["implementation_items"]) == 3
    first = doc["implementation_items"][0]
    assert len(first["implementation_code"]) == 36
    with_version = [i for i in doc["implementation_items"] if i["version"]]
    assert len(with_version) == 2
    material = with_version[0]["version"]["materials"][0]
    assert material["blank_form"] == "catalog/forms/2026/application-form.pdf"
    json.dumps(doc)  # serialisable as it is


def test_json_round_trip_into_an_empty_catalogue_is_identical():
    build_catalogue()
    exported = importexport.export_json()
    wipe_catalogue()
    result = importexport.import_json(exported)
    assert result.created["implementation_items"] == 3
    assert len(result.published) == 2
    assert importexport.export_json() == exported


def test_reimport_changes_nothing():
    build_catalogue()
    exported = importexport.export_json()
    before = AuditEvent.objects.count()
    versions = ItemVersion.objects.count()
    result = importexport.import_json(exported)
    assert not result.changed
    assert ItemVersion.objects.count() == versions
    assert AuditEvent.objects.count() == before


def test_changed_item_gets_a_new_published_version():
    build_catalogue()
    doc = importexport.export_document()
    entry = next(i for i in doc["implementation_items"] if i["version"])
    entry["version"]["conditions"] = [*entry["version"]["conditions"], "申请人无不良信用记录。"]
    item = ImplementationItem.objects.get(implementation_code=entry["implementation_code"])
    old = item.published_version
    result = importexport.import_document(doc)
    assert result.published == [item.implementation_code]
    item.refresh_from_db()
    old.refresh_from_db()
    assert item.published_version.number == old.number + 1
    assert "申请人无不良信用记录。" in item.published_version.conditions
    assert old.status == ItemVersion.Status.SUPERSEDED
    assert item.published_version.materials.count() == old.materials.count()
    assert AuditEvent.objects.filter(action="catalog.catalogue.import").count() == 1


def test_every_bad_row_is_reported_and_nothing_is_written():
    build_catalogue()
    doc = importexport.export_document()
    wipe_catalogue()
    bad = copy.deepcopy(doc)
    bad["themes"][0]["audience"] = "alien"
    bad["base_items"][0]["base_code"] = "bad"
    bad["base_items"][1]["legal_basis"] = [{"article": "第一条"}]
    items = bad["implementation_items"]
    items[1]["department"] = "no-such-dept"
    items[1]["department_uscc"] = ""
    items[2]["region"] = "000000"
    version = next(i for i in items if i["version"])["version"]
    version["steps"][1]["name"] = ""
    version["form_schema"] = {"type": "array"}
    version["materials"][0]["kind"] = "scroll"
    with pytest.raises(importexport.ImportRejected) as exc:
        importexport.import_document(bad)
    messages = [str(e) for e in exc.value.errors]
    text = "\n".join(messages)
    assert "主题第1行【audience】" in text
    assert "基本目录第1行【base_code】" in text
    assert "设定依据第1项缺少法律法规名称。" in text
    assert "找不到部门“no-such-dept”。" in text
    assert "找不到区划代码“000000”。" in text
    assert "办理流程第2步缺少名称。" in text
    assert "申请表单结构的顶层类型应为 object。" in text
    assert "【materials[1].kind】" in text
    # all or nothing
    assert not Theme.objects.exists()
    assert not BaseItem.objects.exists()
    assert not ImplementationItem.objects.exists()


def test_code_mismatch_and_duplicates_are_reported():
    build_catalogue()
    doc = importexport.export_document()
    items = doc["implementation_items"]
    items[0]["implementation_code"] = items[0]["implementation_code"][:-1] + "9"
    doc["themes"].append(dict(doc["themes"][0]))
    with pytest.raises(importexport.ImportRejected) as exc:
        importexport.import_document(doc)
    text = "\n".join(str(e) for e in exc.value.errors)
    assert "实施编码应为" in text
    assert "重复" in text


def test_quality_errors_refuse_the_import_unless_disabled():
    build_catalogue()
    doc = importexport.export_document()
    wipe_catalogue()
    entry = next(i for i in doc["implementation_items"] if i["version"])
    entry["version"]["conditions"] = ["其他条件"]
    with pytest.raises(importexport.ImportRejected) as exc:
        importexport.import_document(doc)
    assert any("兜底表述" in str(e) for e in exc.value.errors)
    importexport.import_document(doc, enforce_quality=False)
    assert ImplementationItem.objects.count() == 3


def test_wrong_format_is_refused():
    with pytest.raises(importexport.ImportRejected) as exc:
        importexport.import_json('{"format": "other/1"}')
    assert "govhub-catalog/1" in str(exc.value.errors[0])
    with pytest.raises(importexport.ImportRejected):
        importexport.import_json("{not json")


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_has_the_sheets_with_chinese_headers():
    import io

    from openpyxl import load_workbook

    from govhub.catalog import importexport_xlsx

    build_catalogue()
    book = load_workbook(io.BytesIO(importexport_xlsx.export_xlsx()))
    assert book.sheetnames == ["主题", "人生事件", "基本目录", "实施清单", "申请材料"]
    headers = [c.value for c in book["实施清单"][1]]
    assert headers[:3] == ["实施编码", "基本编码", "实施主体代码"]
    assert "受理条件" in headers and "承诺办结时限" in headers
    assert len(headers) == len(set(headers))
    assert [c.value for c in book["申请材料"][1]][:3] == ["实施编码", "序号", "材料名称"]
    assert book["申请材料"].max_row == 1 + 4  # two published items, two materials each


def test_xlsx_round_trip_into_an_empty_catalogue_is_identical():
    from govhub.catalog import importexport_xlsx

    build_catalogue()
    exported = importexport.export_json()
    workbook = importexport_xlsx.export_xlsx()
    wipe_catalogue()
    importexport_xlsx.import_xlsx(workbook)
    assert importexport.export_json() == exported
    assert not importexport_xlsx.import_xlsx(importexport_xlsx.export_xlsx()).changed


def test_xlsx_errors_name_sheet_row_and_column():
    import io

    from openpyxl import load_workbook

    from govhub.catalog import importexport_xlsx

    build_catalogue()
    book = load_workbook(io.BytesIO(importexport_xlsx.export_xlsx()))
    wipe_catalogue()
    items = book["实施清单"]
    headers = [c.value for c in items[1]]
    items.cell(row=2, column=headers.index("是否收费") + 1, value="也许")
    items.cell(row=3, column=headers.index("办理流程") + 1, value="[{")
    items.cell(row=3, column=headers.index("实施区划代码") + 1, value="999999999")
    materials = book["申请材料"]
    mheaders = [c.value for c in materials[1]]
    materials.cell(row=4, column=mheaders.index("材料类型") + 1, value="竹简")
    materials.cell(row=5, column=1, value="NOSUCHCODE")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(importexport.ImportRejected) as exc:
        importexport_xlsx.import_xlsx(out.getvalue())
    text = "\n".join(str(e) for e in exc.value.errors)
    assert "实施清单第2行【是否收费】应为“是”或“否”。" in text
    assert "实施清单第3行【办理流程】不是有效的 JSON。" in text
    assert "实施清单第3行【实施区划代码】找不到区划代码“999999999”。" in text
    assert "申请材料第4行【材料类型】" in text
    assert "申请材料第5行【实施编码】实施清单中没有实施编码“NOSUCHCODE”。" in text
    assert not ImplementationItem.objects.exists()


def test_xlsx_unreadable_file_is_refused():
    from govhub.catalog import importexport_xlsx

    with pytest.raises(importexport.ImportRejected) as exc:
        importexport_xlsx.import_xlsx(b"not a workbook")
    assert "无法读取 XLSX 文件" in str(exc.value.errors[0])


# --- commands -------------------------------------------------------------------------------------


def test_export_and_import_commands(tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    build_catalogue()
    json_path, xlsx_path = tmp_path / "catalogue.json", tmp_path / "catalogue.xlsx"
    call_command("catalog_export", "--output", str(json_path))
    call_command("catalog_export", "--output", str(xlsx_path))
    exported = json_path.read_text(encoding="utf-8")
    wipe_catalogue()
    call_command("catalog_import", str(xlsx_path), "--dry-run")
    assert "校验通过（未写入）" in capsys.readouterr().out
    assert not ImplementationItem.objects.exists()
    call_command("catalog_import", str(json_path))
    assert "实施清单事项3项" in capsys.readouterr().out
    call_command("catalog_export")
    assert capsys.readouterr().out == exported

    broken = json.loads(exported)
    broken["base_items"][0]["item_type"] = "99"
    json_path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("catalog_import", str(json_path))
    assert "基本目录第1行【item_type】" in capsys.readouterr().err
