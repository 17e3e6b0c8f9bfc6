import re

import jsonschema
import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import override_settings

from govhub.catalog import demo
from govhub.catalog.demo_data import ITEMS, ExtraImplementation
from govhub.catalog.demo_data import taxonomy as tax
from govhub.catalog.models import HandlingVariant, ImplementationItem, ItemVersion, Material, Theme
from govhub.organizations import demo as organizations_demo

pytestmark = pytest.mark.django_db

CATCH_ALL = ("其他条件", "其它条件", "其他材料", "其它材料", "其他相关材料", "等相关材料", "等材料")
DIVISIONS = {"230402", "230403", "230404", "230405", "230406", "230407", "230421", "230422"}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Both demos loaded once for this module, inside a transaction rolled back at the end;
    each test runs in its own savepoint, so edits made by a test never leak."""
    fast = override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "govhub.identity.oidc.hashers.ClientSecretHasher",
        ]
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        organizations_demo.load()
        counts = demo.load()
        yield counts
        transaction.set_rollback(True)


def catalog_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_app_config("catalog").get_models()}


def published():
    return list(
        ItemVersion.objects.filter(status=ItemVersion.Status.PUBLISHED).select_related(
            "item__department", "item__base_item"
        )
    )


def test_second_load_neither_duplicates_nor_fails(loaded):
    before = catalog_counts()
    assert demo.load() == loaded
    assert catalog_counts() == before


def test_second_load_restores_edited_rows(loaded):
    version = ItemVersion.objects.filter(name="企业设立登记").first()
    version.name = "被改动的名称"
    version.save()
    version.materials.first().delete()
    Theme.objects.filter(code="tax").update(name="改动")
    before = Material.objects.count()
    demo.load()
    version.refresh_from_db()
    assert version.name == "企业设立登记"
    assert Material.objects.count() == before + 1
    assert Theme.objects.get(code="tax").name == "税收财务"


def test_second_load_republishes_version_one(loaded):
    item = ImplementationItem.objects.filter(base_item__name="出生登记").first()
    fields = {
        f.name: getattr(item.published_version, f.name)
        for f in ItemVersion._meta.concrete_fields
        if f.name not in ("id", "item", "number", "status", "created_by", "published_by")
    }
    newer = ItemVersion.objects.create(
        **{**fields, "item": item, "number": 2, "status": "published"}
    )
    item.published_version = newer
    item.save()
    demo.load()
    item.refresh_from_db()
    newer.refresh_from_db()
    assert item.published_version.number == 1
    assert item.published_version.status == "published"
    assert newer.status == "superseded"


def test_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        demo.load()


def test_reports_missing_organisations(loaded, monkeypatch):
    extra = ExtraImplementation(101, "no-such-department", "230400", 9)
    monkeypatch.setattr(demo, "EXTRA_IMPLEMENTATIONS", [extra])
    with pytest.raises(ImproperlyConfigured, match=r"organisations demo.*no-such-department"):
        demo.load()


def test_scale_departments_and_divisions(loaded):
    items = ImplementationItem.objects.all()
    assert loaded["implementation_items"] == items.count() >= 150
    assert items.values("department").distinct().count() >= 15
    assert set(items.values_list("region__code", flat=True)) >= DIVISIONS
    assert all(item.published_version.status == "published" for item in items)
    assert all(item.published_version.number == 1 for item in items)


def test_every_theme_and_life_event_is_used(loaded):
    used_themes = set(ItemVersion.themes.through.objects.values_list("theme__code", flat=True))
    assert used_themes == {code for code, *_ in tax.THEMES}
    used_events = set(
        ItemVersion.life_events.through.objects.values_list("lifeevent__code", flat=True)
    )
    assert used_events == {code for code, *_ in tax.LIFE_EVENTS}
    assert len(tax.LIFE_EVENTS) >= 8
    assert sum(a == "person" for *_, a in tax.THEMES) >= 10
    assert sum(a == "enterprise" for *_, a in tax.THEMES) >= 10


def test_all_item_types_present(loaded):
    from govhub.catalog.models import BaseItem

    assert set(BaseItem.objects.values_list("item_type", flat=True)) == set(
        BaseItem.ItemType.values
    )


def test_required_kinds_present(loaded):
    versions = published()
    immediate = [v for v in versions if v.case_kind == "immediate"]
    fully_online = [
        v
        for v in versions
        if {1, 2, 3, 4, 5, 6} <= set(v.online_depth)
        and v.visits_required == 0
        and "online" in v.handling_forms
    ]
    charged = [v for v in versions if v.charged]
    assert immediate and fully_online and charged
    assert any(v.special_procedures for v in versions)
    assert any(len(v.steps) >= 4 for v in versions)
    assert any(v.intermediary_services for v in versions)
    assert any(v.booking_available and v.express_delivery for v in versions)
    assert {"province", "national"} <= {v.cross_region for v in versions}
    assert all(v.reconsideration and v.litigation for v in versions)
    assert all(v.faqs for v in versions if "online" in v.handling_forms)
    states = set(ImplementationItem.objects.values_list("state", flat=True))
    assert {"active", "cancelled", "handed_down"} <= states
    for item in ImplementationItem.objects.exclude(state="active"):
        assert item.change_effective_date and item.change_reason


def test_quality_invariants(loaded):
    for v in published():
        if v.promised_limit_unit == "immediate":
            assert v.case_kind == "immediate", v.name
        else:
            assert v.case_kind == "promised" and v.promised_limit_value, v.name
        if {1, 2, 3, 4, 5, 6} <= set(v.online_depth):
            assert v.visits_required == 0, v.name
        if v.visits_required:
            assert v.visits_reason
        if v.charged:
            assert v.fee_basis and v.fee_lines and v.online_payment, v.name
        if v.legal_limit_unit == "immediate":
            assert v.promised_limit_unit == "immediate", v.name
        if v.promised_limit_unit == v.legal_limit_unit and v.legal_limit_value:
            assert v.promised_limit_value <= v.legal_limit_value, v.name
        assert v.conditions and v.consultation_phone and v.complaint_phone and v.address
        for condition in v.conditions:
            assert not any(phrase in condition for phrase in CATCH_ALL), condition


def test_materials_have_criteria_and_no_catch_all(loaded):
    materials = Material.objects.all()
    assert materials.exists()
    for material in materials:
        assert not any(phrase in material.name for phrase in CATCH_ALL), material.name
        if material.required:
            assert material.acceptance_criteria.strip(), material.name
        if material.source == "government":
            assert material.licence_type, material.name
    counts = [v.materials.count() for v in ItemVersion.objects.all()]
    assert max(counts) <= 6 and min(counts) >= 1


def test_implementation_codes_follow_the_contract(loaded):
    for item in ImplementationItem.objects.select_related("base_item", "department"):
        expected = f"{item.base_item.base_code}{item.department.uscc}{item.sequence:06d}"
        assert item.implementation_code == expected
        assert re.fullmatch(r"[0-9A-Z]{36}", item.implementation_code)


def test_handling_variant_codes_extend_the_implementation_code(loaded):
    variants = HandlingVariant.objects.select_related("item")
    assert variants.count() == loaded["handling_variants"] > 0
    for variant in variants:
        assert variant.code == f"{variant.item.implementation_code}{variant.sequence:03d}"


def test_same_base_item_implemented_by_several_bodies(loaded):
    base = ImplementationItem.objects.filter(base_item__name="企业设立登记")
    assert base.count() == 9
    assert base.values("department").distinct().count() == 9
    assert base.values("implementation_code").distinct().count() == 9


def test_form_schemas_are_valid_draft_2020_12(loaded):
    schemas = [v.form_schema for v in published() if v.form_schema]
    online = [v for v in published() if "online" in v.handling_forms]
    assert len(schemas) >= len(online) * 0.9
    for schema in schemas:
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object"
        assert set(schema["required"]) <= set(schema["properties"])
        assert all(re.search(r"[\u4e00-\u9fff]", p["title"]) for p in schema["properties"].values())


def test_form_schema_checks_identity_numbers():
    spec = next(s for s in ITEMS if s.name == "出生登记")
    validator = jsonschema.Draft202012Validator(demo.form_schema(spec))
    good = {
        "applicant_name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13800000000",
        "address": "鹤岗市向阳区红军路 1 号",
        "child_name": "张小三",
        "child_birth_date": "2026-01-01",
        "child_sex": "男",
        "birth_place": "鹤岗市人民医院",
    }
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({**good, "id_number": "12345"}))


def test_demo_passes_the_catalogue_quality_rules(loaded):
    quality = pytest.importorskip("govhub.catalog.quality")
    errors = [
        (version.name, finding.rule, finding.message)
        for version in published()
        for finding in quality.errors_of(quality.check_version(version))
    ]
    assert errors == []


def test_the_demo_catalogue_is_searchable_at_once(loaded):
    from govhub.catalog.search import search_items

    results = search_items(query="yyzz", language="zh-hans", limit=5, record=False)
    assert results.count > 0
    # Items named 营业执照… come before items that only have it among their aliases.
    assert "营业执照" in results.hits[0].version.name
