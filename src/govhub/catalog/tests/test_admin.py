"""Catalogue admin: screens render, codes come from services, frozen versions are read-only,
lifecycle actions go through services, the quality page lists findings, saves are audited."""

from __future__ import annotations

import json

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from govhub.catalog.models import HandlingVariant, ImplementationItem, ItemVersion, Material
from govhub.catalog.services import version_content_fields
from govhub.catalog.tests.factories import (
    BaseItemFactory,
    ItemVersionFactory,
    LifeEventFactory,
    MaterialFactory,
    ThemeFactory,
    make_published_item,
)
from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in_admin
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    grant(user, Position.Role.SYSTEM_ADMIN)
    sign_in_admin(client, user)
    client.user = user
    return client


def version_form_data(version, **overrides):
    data = {}
    for name in (*version_content_fields(), "change_note"):
        value = model_to_dict(version, fields=[name]).get(name)
        if name in ("themes", "life_events", "joint_departments"):
            data[name] = [obj.pk for obj in value or []]
        elif isinstance(value, (list, dict)):
            data[name] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif name == "result_sample":
            continue
        else:
            data[name] = "" if value is None else value
    materials = list(version.materials.order_by("position"))
    data.update(
        {
            "materials-TOTAL_FORMS": str(len(materials)),
            "materials-INITIAL_FORMS": str(len(materials)),
            "materials-MIN_NUM_FORMS": "0",
            "materials-MAX_NUM_FORMS": "1000",
        }
    )
    for index, material in enumerate(materials):
        for key, value in model_to_dict(material).items():
            if key in ("blank_form", "sample"):
                continue
            if isinstance(value, bool):
                if value:
                    data[f"materials-{index}-{key}"] = "on"
                continue
            data[f"materials-{index}-{key}"] = "" if value is None else value
        data[f"materials-{index}-id"] = material.pk
        data[f"materials-{index}-version"] = version.pk
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "model",
    ["baseitem", "implementationitem", "itemversion", "theme", "lifeevent", "handlingvariant"],
)
def test_changelists_render(sysadmin_client, model):
    item = make_published_item()
    HandlingVariant.objects.create(
        item=item, code=item.implementation_code + "001", sequence=1, name="首次申请"
    )
    response = sysadmin_client.get(reverse(f"admin:catalog_{model}_changelist"))
    assert response.status_code == 200
    assert (
        sysadmin_client.get(reverse(f"admin:catalog_{model}_changelist"), {"q": "测试"}).status_code
        == 200
    )


@pytest.mark.parametrize("model", ["baseitem", "implementationitem", "theme", "lifeevent"])
def test_add_pages_render(sysadmin_client, model):
    assert sysadmin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 200


def test_item_change_page_lists_versions_with_links(sysadmin_client):
    item = make_published_item()
    version = item.published_version
    response = sysadmin_client.get(
        reverse("admin:catalog_implementationitem_change", args=[item.pk])
    )
    assert response.status_code == 200
    assert reverse("admin:catalog_itemversion_change", args=[version.pk]) in response.text


def test_adding_an_item_computes_its_code(sysadmin_client):
    base = BaseItemFactory()
    department = DepartmentFactory()
    response = sysadmin_client.post(
        reverse("admin:catalog_implementationitem_add"),
        {"base_item": base.pk, "department": department.pk, "region": department.region_id},
    )
    assert response.status_code == 302
    item = ImplementationItem.objects.get()
    assert item.implementation_code == f"{base.base_code}{department.uscc}000001"
    assert item.versions.get().status == ItemVersion.Status.DRAFT
    assert AuditEvent.objects.filter(action="catalog.implementation_item.create").exists()
    # The admin's own record of the form, beside the service's record of the creation.
    added = AuditEvent.objects.get(action="catalog.implementationitem.admin_add")
    assert added.object_id == str(item.pk)
    assert added.changes == {
        "base_item": str(base),
        "department": str(department),
        "region": str(department.region),
    }
    assert added.actor_role == "superuser"


def test_adding_an_item_for_another_department_is_refused(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    grant(user, Position.Role.DEPARTMENT_ADMIN)
    sign_in_admin(client, user)
    department = DepartmentFactory()
    response = client.post(
        reverse("admin:catalog_implementationitem_add"),
        {
            "base_item": BaseItemFactory().pk,
            "department": department.pk,
            "region": department.region_id,
        },
    )
    assert response.status_code == 200
    assert "您没有权限为该部门添加实施清单事项。" in response.text
    assert not ImplementationItem.objects.exists()


def test_adding_a_variant_computes_its_code(sysadmin_client):
    item = make_published_item()
    response = sysadmin_client.post(
        reverse("admin:catalog_handlingvariant_add"),
        {"item": item.pk, "name": "变更登记", "name_en": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert HandlingVariant.objects.get().code == item.implementation_code + "001"


def test_frozen_version_is_read_only(sysadmin_client):
    item = make_published_item()
    version = item.published_version
    url = reverse("admin:catalog_itemversion_change", args=[version.pk])
    page = sysadmin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    response = sysadmin_client.post(url, version_form_data(version, name="篡改"))
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.name != "篡改"


def test_draft_edit_validates_json_and_is_audited(sysadmin_client):
    version = ItemVersionFactory()
    MaterialFactory(version=version)
    url = reverse("admin:catalog_itemversion_change", args=[version.pk])
    bad_steps = json.dumps([{"role": "受理"}], ensure_ascii=False)
    response = sysadmin_client.post(url, version_form_data(version, steps=bad_steps))
    assert response.status_code == 200
    assert "办理流程第1步缺少名称。" in response.text
    theme, event = ThemeFactory(), LifeEventFactory()
    response = sysadmin_client.post(
        url,
        version_form_data(version, summary="新的简介", themes=[theme.pk], life_events=[event.pk]),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    version.refresh_from_db()
    assert version.summary == "新的简介"
    assert list(version.themes.all()) == [theme]
    record = AuditEvent.objects.get(action="catalog.itemversion.admin_change")
    assert record.changes["summary"] == "新的简介"


def test_create_draft_submit_and_publish_actions(sysadmin_client):
    item = make_published_item()
    response = sysadmin_client.post(
        reverse("admin:catalog_implementationitem_changelist"),
        {"action": "create_drafts", "_selected_action": [item.pk]},
        follow=True,
    )
    assert "已新建第2版草稿" in response.text
    draft = item.versions.get(number=2)
    url = reverse("admin:catalog_itemversion_changelist")
    sysadmin_client.post(url, {"action": "submit_versions", "_selected_action": [draft.pk]})
    response = sysadmin_client.post(
        url, {"action": "publish_versions", "_selected_action": [draft.pk]}, follow=True
    )
    assert "已发布" in response.text
    item.refresh_from_db()
    assert item.published_version_id == draft.pk


def test_publish_action_shows_quality_reasons(sysadmin_client):
    version = ItemVersionFactory(status=ItemVersion.Status.SUBMITTED, complaint_phone="")
    MaterialFactory(version=version)
    response = sysadmin_client.post(
        reverse("admin:catalog_itemversion_changelist"),
        {"action": "publish_versions", "_selected_action": [version.pk]},
        follow=True,
    )
    assert "信息质量检查未通过：未填写监督投诉电话。" in response.text
    version.refresh_from_db()
    assert version.status == ItemVersion.Status.SUBMITTED


def test_quality_page_lists_findings_with_links(sysadmin_client):
    make_published_item()
    bad = make_published_item(consultation_phone="")
    changelist = sysadmin_client.get(reverse("admin:catalog_implementationitem_changelist"))
    quality_url = reverse("admin:catalog_implementationitem_quality")
    assert quality_url in changelist.text
    response = sysadmin_client.get(quality_url)
    assert response.status_code == 200
    assert bad.implementation_code in response.text
    assert "未填写咨询电话。" in response.text
    assert reverse("admin:catalog_implementationitem_change", args=[bad.pk]) in response.text
    assert response.text.count(" level-error") == 1
    assert " level-warning" not in response.text


def test_base_items_are_kept_by_system_admins_only(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    sign_in_admin(client, user)  # Django flags alone grant nothing
    assert client.get(reverse("admin:catalog_baseitem_add")).status_code == 403


def test_base_item_admin_validates_legal_basis(sysadmin_client):
    response = sysadmin_client.post(
        reverse("admin:catalog_baseitem_add"),
        {
            "base_code": "000201001000",
            "name": "食品经营许可",
            "item_type": "01",
            "legal_basis": json.dumps([{"article": "第一条"}], ensure_ascii=False),
            "levels": '["county"]',
            "responsible_department_kind": "市场监管部门",
        },
    )
    assert response.status_code == 200
    assert "设定依据第1项缺少法律法规名称。" in response.text


def test_reject_action_asks_for_a_reason(sysadmin_client):
    version = ItemVersionFactory(status=ItemVersion.Status.SUBMITTED)
    url = reverse("admin:catalog_itemversion_changelist")
    page = sysadmin_client.post(
        url, {"action": "reject_versions", "_selected_action": [version.pk]}
    )
    assert page.status_code == 200
    assert "退回原因" in page.text
    version.refresh_from_db()
    assert version.status == ItemVersion.Status.SUBMITTED
    response = sysadmin_client.post(
        url,
        {
            "action": "reject_versions",
            "_selected_action": [version.pk],
            "apply": "1",
            "reason": "收费依据需补充文号。",
        },
        follow=True,
    )
    assert "已退回修改。" in response.text
    version.refresh_from_db()
    assert version.status == ItemVersion.Status.DRAFT
    assert AuditEvent.objects.get(action="catalog.version.reject").changes["reason"] == (
        "收费依据需补充文号。"
    )


def test_cancel_and_hand_down_actions(sysadmin_client):
    from govhub.organizations.tests.factories import RegionFactory, TownshipFactory

    url = reverse("admin:catalog_implementationitem_changelist")
    item = make_published_item()
    page = sysadmin_client.post(url, {"action": "cancel_items", "_selected_action": [item.pk]})
    assert "生效日期" in page.text
    sysadmin_client.post(
        url,
        {
            "action": "cancel_items",
            "_selected_action": [item.pk],
            "apply": "1",
            "effective_date": "2026-12-01",
            "reason": "依据国务院决定取消。",
        },
    )
    item.refresh_from_db()
    assert item.state == ImplementationItem.State.CANCELLED

    county = RegionFactory()
    town = TownshipFactory(parent=county)
    other = make_published_item(department=DepartmentFactory(region=county))
    response = sysadmin_client.post(
        url,
        {
            "action": "hand_down_items",
            "_selected_action": [other.pk],
            "apply": "1",
            "effective_date": "2026-12-01",
            "reason": "下放至乡镇办理。",
            "target_region": town.pk,
        },
        follow=True,
    )
    assert "已下放。" in response.text
    other.refresh_from_db()
    assert other.handed_down_to == town


def test_themes_deleted_in_bulk_are_audited_one_by_one(sysadmin_client):
    themes = [ThemeFactory(), ThemeFactory()]
    response = sysadmin_client.post(
        reverse("admin:catalog_theme_changelist"),
        {"action": "delete_selected", "_selected_action": [t.pk for t in themes], "post": "yes"},
    )
    assert response.status_code == 302
    records = AuditEvent.objects.filter(action="catalog.theme.admin_delete")
    assert sorted(r.object_id for r in records) == sorted(str(t.pk) for t in themes)
    assert {r.changes["name"] for r in records} == {t.name for t in themes}


def test_materials_added_and_removed_inline_are_audited(sysadmin_client):
    version = ItemVersionFactory()
    kept = MaterialFactory(version=version)
    url = reverse("admin:catalog_itemversion_change", args=[version.pk])
    data = version_form_data(version)
    data.update(
        {
            "materials-TOTAL_FORMS": "2",
            "materials-0-DELETE": "on",
            "materials-1-position": "2",
            "materials-1-name": "新增的材料",
            "materials-1-kind": kept.kind,
            "materials-1-form": kept.form,
            "materials-1-source": kept.source,
            "materials-1-copies": "1",
            "materials-1-required": "on",
        }
    )
    response = sysadmin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    added = Material.objects.get(version=version)
    assert added.name == "新增的材料"
    assert AuditEvent.objects.get(action="catalog.material.admin_add").object_id == str(added.pk)
    removed = AuditEvent.objects.get(action="catalog.material.admin_delete")
    assert removed.object_id == str(kept.pk)
    assert removed.changes["name"] == kept.name
