"""Catalogue services: creation, codes, drafts, materials, review, publication, retirement."""

from __future__ import annotations

import datetime

import pytest

from govhub.catalog import services
from govhub.catalog.models import ImplementationItem, ItemVersion, Material
from govhub.catalog.tests.factories import (
    BaseItemFactory,
    ItemVersionFactory,
    LifeEventFactory,
    MaterialFactory,
    ThemeFactory,
    make_published_item,
)
from govhub.core import events
from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.core.models import AuditEvent
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import (
    DepartmentFactory,
    RegionFactory,
    TownshipFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin():
    user = UserFactory()
    grant(user, Position.Role.SYSTEM_ADMIN)
    return user


def dept_admin_for(department):
    user = UserFactory()
    grant(user, Position.Role.DEPARTMENT_ADMIN, department=department)
    return user


def test_make_published_item_is_realistic():
    item = make_published_item()
    version = item.published_version
    assert version.status == ItemVersion.Status.PUBLISHED
    assert version.materials.count() == 2
    assert version.themes.count() == 1
    assert len(item.implementation_code) == 36


# --- base items ---------------------------------------------------------------------------


def test_base_item_create_by_system_admin(sysadmin):
    base = services.base_item_create(
        actor=sysadmin,
        base_code="000201001000",
        name="食品经营许可",
        item_type="01",
        responsible_department_kind="市场监管部门",
        legal_basis=[{"law": "中华人民共和国食品安全法", "article": "第三十五条", "text": "……"}],
        levels=["county"],
    )
    assert base.base_code == "000201001000"
    assert AuditEvent.objects.filter(action="catalog.base_item.create").count() == 1


def test_base_item_create_refuses_bad_code_and_bad_json(sysadmin):
    with pytest.raises(InvalidInput) as exc:
        services.base_item_create(
            actor=sysadmin,
            base_code="short",
            name="x",
            item_type="01",
            responsible_department_kind="x",
        )
    assert "base_code" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        services.base_item_create(
            actor=sysadmin,
            base_code="000201001001",
            name="x",
            item_type="01",
            responsible_department_kind="x",
            legal_basis=[{"article": "第一条"}],
            levels=["galaxy"],
        )
    assert exc.value.fields["legal_basis"] == ["设定依据第1项缺少法律法规名称。"]
    assert "levels" in exc.value.fields


def test_base_item_create_refused_for_department_admin():
    department = DepartmentFactory()
    with pytest.raises(Forbidden):
        services.base_item_create(
            actor=dept_admin_for(department),
            base_code="000201001000",
            name="x",
            item_type="01",
            responsible_department_kind="x",
        )


def test_base_item_update_records_the_diff(sysadmin):
    base = BaseItemFactory(name="旧名称")
    services.base_item_update(actor=sysadmin, base_item=base, name="新名称")
    base.refresh_from_db()
    assert base.name == "新名称"
    event = AuditEvent.objects.get(action="catalog.base_item.update")
    assert event.changes["name"] == {"from": "旧名称", "to": "新名称"}


def test_catalogue_changes_record_the_capacity_they_were_made_in(sysadmin):
    base = BaseItemFactory(name="旧名称")
    services.base_item_update(actor=sysadmin, base_item=base, name="新名称")
    event = AuditEvent.objects.get(action="catalog.base_item.update")
    assert event.actor_role == "system_admin"


def test_base_item_update_refuses_the_code(sysadmin):
    with pytest.raises(InvalidInput):
        services.base_item_update(actor=sysadmin, base_item=BaseItemFactory(), base_code="X" * 12)


# --- implementation items -------------------------------------------------------------------


def test_implementation_item_create_computes_code_and_next_sequence():
    base = BaseItemFactory()
    department = DepartmentFactory()
    admin = dept_admin_for(department)
    first = services.implementation_item_create(actor=admin, base_item=base, department=department)
    second = services.implementation_item_create(actor=admin, base_item=base, department=department)
    assert first.implementation_code == f"{base.base_code}{department.uscc}000001"
    assert second.sequence == 2
    assert second.implementation_code.endswith("000002")
    draft = first.versions.get()
    assert draft.status == ItemVersion.Status.DRAFT
    assert draft.name == base.name


def test_implementation_item_create_refused_for_another_department():
    department = DepartmentFactory()
    with pytest.raises(Forbidden):
        services.implementation_item_create(
            actor=dept_admin_for(DepartmentFactory()),
            base_item=BaseItemFactory(),
            department=department,
        )
    assert not ImplementationItem.objects.exists()


# --- drafts ---------------------------------------------------------------------------------


def test_version_create_draft_copies_everything():
    theme, event = ThemeFactory(), LifeEventFactory()
    joint = DepartmentFactory()
    item = make_published_item(themes=[theme], life_events=[event], charged=False)
    published = item.published_version
    published.joint_departments.add(joint)
    admin = dept_admin_for(item.department)
    draft = services.version_create_draft(actor=admin, item=item, change_note="调整材料")
    assert draft.number == 2
    assert draft.status == ItemVersion.Status.DRAFT
    assert draft.conditions == published.conditions
    assert draft.steps == published.steps
    assert draft.form_schema == published.form_schema
    assert list(draft.themes.all()) == [theme]
    assert list(draft.life_events.all()) == [event]
    assert list(draft.joint_departments.all()) == [joint]
    copied = list(draft.materials.order_by("position"))
    original = list(published.materials.order_by("position"))
    assert [m.name for m in copied] == [m.name for m in original]
    assert copied[0].blank_form.name == original[0].blank_form.name != ""
    assert copied[0].sample.name == original[0].sample.name
    assert {m.pk for m in copied}.isdisjoint({m.pk for m in original})
    # Editing the draft leaves the published version alone.
    services.version_update(actor=admin, version=draft, conditions=["只有一个条件。"])
    published.refresh_from_db()
    assert published.conditions != ["只有一个条件。"]


def test_only_one_open_draft():
    item = make_published_item()
    admin = dept_admin_for(item.department)
    services.version_create_draft(actor=admin, item=item)
    with pytest.raises(Conflict):
        services.version_create_draft(actor=admin, item=item)


def test_version_update_refuses_frozen_versions():
    item = make_published_item()
    with pytest.raises(Conflict, match="已发布，不能修改"):
        services.version_update(
            actor=dept_admin_for(item.department),
            version=item.published_version,
            name="新名称",
        )


def test_version_update_validates_json_shapes():
    version = ItemVersionFactory()
    admin = dept_admin_for(version.item.department)
    steps = [{"role": "受理", "limit_value": 1, "limit_unit": "working_days"}] * 2
    with pytest.raises(InvalidInput) as exc:
        services.version_update(actor=admin, version=version, steps=steps)
    assert "办理流程第1步缺少名称。" in exc.value.fields["steps"]
    assert "办理流程第2步缺少名称。" in exc.value.fields["steps"]
    with pytest.raises(InvalidInput) as exc:
        services.version_update(actor=admin, version=version, form_schema={"type": 5})
    assert "form_schema" in exc.value.fields


def test_version_update_sets_m2m_and_audits():
    version = ItemVersionFactory()
    admin = dept_admin_for(version.item.department)
    theme = ThemeFactory()
    services.version_update(actor=admin, version=version, themes=[theme], summary="新简介")
    assert list(version.themes.all()) == [theme]
    event = AuditEvent.objects.get(action="catalog.version.update")
    assert event.changes["summary"]["to"] == "新简介"
    assert event.changes["themes"] == {"from": [], "to": [theme.pk]}


def test_version_update_refused_for_other_department():
    version = ItemVersionFactory()
    with pytest.raises(Forbidden):
        services.version_update(
            actor=dept_admin_for(DepartmentFactory()), version=version, name="x"
        )


# --- materials ------------------------------------------------------------------------------


def test_material_add_update_remove_renumbers():
    version = ItemVersionFactory()
    admin = dept_admin_for(version.item.department)
    fields = {"kind": "original", "form": "paper", "source": "applicant"}
    first = services.material_add(actor=admin, version=version, name="申请书", **fields)
    second = services.material_add(actor=admin, version=version, name="身份证", **fields)
    third = services.material_add(actor=admin, version=version, name="户口簿", **fields)
    assert [first.position, second.position, third.position] == [1, 2, 3]
    services.material_update(actor=admin, material=second, acceptance_criteria="在有效期内。")
    second.refresh_from_db()
    assert second.acceptance_criteria == "在有效期内。"
    services.material_remove(actor=admin, material=first)
    assert list(version.materials.values_list("name", "position")) == [("身份证", 1), ("户口簿", 2)]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"catalog.material.add", "catalog.material.update", "catalog.material.remove"} <= actions


def test_material_add_refuses_bad_values_and_frozen_versions():
    version = ItemVersionFactory()
    admin = dept_admin_for(version.item.department)
    with pytest.raises(InvalidInput) as exc:
        services.material_add(
            actor=admin, version=version, name="x", kind="bogus", form="paper", source="applicant"
        )
    assert "kind" in exc.value.fields
    item = make_published_item()
    with pytest.raises(Conflict):
        services.material_add(
            actor=dept_admin_for(item.department),
            version=item.published_version,
            name="x",
            kind="original",
            form="paper",
            source="applicant",
        )


# --- review and publication ---------------------------------------------------------------------


def _submitted_draft(item):
    admin = dept_admin_for(item.department)
    draft = services.version_create_draft(actor=admin, item=item)
    services.version_update(actor=admin, version=draft, summary="第二版简介")
    return services.version_submit(actor=admin, version=draft)


def test_publish_freezes_supersedes_and_announces(sysadmin, django_capture_on_commit_callbacks):
    item = make_published_item()
    first = item.published_version
    submitted = _submitted_draft(item)
    received = []
    events.subscribe(services.ItemPublished, received.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.version_publish(actor=sysadmin, version=submitted)
    finally:
        events.unsubscribe(services.ItemPublished, received.append)
    item.refresh_from_db()
    first.refresh_from_db()
    submitted.refresh_from_db()
    assert item.published_version_id == submitted.pk
    assert submitted.status == ItemVersion.Status.PUBLISHED
    assert submitted.published_by == sysadmin
    assert first.status == ItemVersion.Status.SUPERSEDED
    assert [(e.item_id, e.version_id) for e in received] == [(item.pk, submitted.pk)]
    assert list(item.versions.values_list("number", flat=True)) == [2, 1]


def test_publish_refused_with_quality_reasons(sysadmin):
    version = ItemVersionFactory(status=ItemVersion.Status.SUBMITTED)
    MaterialFactory(version=version)
    ItemVersion.objects.filter(pk=version.pk).update(
        case_kind="promised", promised_limit_unit="immediate", promised_limit_value=None
    )
    Material.objects.filter(version=version).update(acceptance_criteria="")
    with pytest.raises(services.QualityRefused) as exc:
        services.version_publish(actor=sysadmin, version=version)
    message = str(exc.value.message)
    assert "承诺时限为即办，办件类型应为即办件。" in message
    assert "未填写受理标准" in message
    assert {f.rule for f in exc.value.findings} >= {
        "immediate_case_kind",
        "material_acceptance_criteria",
    }
    version.refresh_from_db()
    assert version.status == ItemVersion.Status.SUBMITTED
    assert version.item.published_version is None


def test_publish_refused_for_department_admin_and_for_drafts(sysadmin):
    version = ItemVersionFactory(status=ItemVersion.Status.SUBMITTED)
    with pytest.raises(Forbidden):
        services.version_publish(actor=dept_admin_for(version.item.department), version=version)
    draft = ItemVersionFactory()
    with pytest.raises(Conflict):
        services.version_publish(actor=sysadmin, version=draft)


def test_submit_refuses_error_findings():
    version = ItemVersionFactory(conditions=[])
    with pytest.raises(services.QualityRefused) as exc:
        services.version_submit(actor=dept_admin_for(version.item.department), version=version)
    assert exc.value.fields["conditions"] == ["未填写受理条件。"]


def test_reject_returns_to_draft_with_reason(sysadmin):
    version = ItemVersionFactory(status=ItemVersion.Status.SUBMITTED)
    with pytest.raises(InvalidInput):
        services.version_reject(actor=sysadmin, version=version, reason="  ")
    services.version_reject(actor=sysadmin, version=version, reason="收费标准需核实。")
    version.refresh_from_db()
    assert version.status == ItemVersion.Status.DRAFT
    event = AuditEvent.objects.get(action="catalog.version.reject")
    assert event.changes["reason"] == "收费标准需核实。"


# --- cancel, hand down, variants ---------------------------------------------------------------


def test_cancel_and_hand_down(sysadmin):
    item = make_published_item()
    services.version_create_draft(actor=dept_admin_for(item.department), item=item)
    services.item_cancel(
        actor=sysadmin,
        item=item,
        effective_date=datetime.date(2026, 12, 1),
        reason="国务院决定取消",
    )
    item.refresh_from_db()
    assert item.state == ImplementationItem.State.CANCELLED
    assert item.change_reason == "国务院决定取消"
    assert item.versions.count() == 1  # the open draft is gone, history kept
    with pytest.raises(Conflict):
        services.version_create_draft(actor=sysadmin, item=item)

    county = RegionFactory()
    other = make_published_item(department=DepartmentFactory(region=county))
    town = TownshipFactory(parent=county)
    with pytest.raises(InvalidInput) as exc:
        services.item_hand_down(
            actor=sysadmin,
            item=other,
            effective_date=datetime.date(2026, 12, 1),
            reason="下放乡镇",
            target_region=RegionFactory(),
        )
    assert "target_region" in exc.value.fields
    services.item_hand_down(
        actor=sysadmin,
        item=other,
        effective_date=datetime.date(2026, 12, 1),
        reason="下放乡镇",
        target_region=town,
    )
    other.refresh_from_db()
    assert other.state == ImplementationItem.State.HANDED_DOWN
    assert other.handed_down_to == town


def test_cancel_refused_for_department_admin():
    item = make_published_item()
    with pytest.raises(Forbidden):
        services.item_cancel(
            actor=dept_admin_for(item.department),
            item=item,
            effective_date=datetime.date(2026, 12, 1),
            reason="x",
        )


def test_variant_add_codes():
    item = make_published_item()
    admin = dept_admin_for(item.department)
    first = services.variant_add(actor=admin, item=item, name="首次申请")
    second = services.variant_add(actor=admin, item=item, name="变更")
    assert first.code == item.implementation_code + "001"
    assert second.code == item.implementation_code + "002"
    with pytest.raises(InvalidInput):
        services.variant_add(actor=admin, item=item, name="变更")


def test_refusals_are_audited_as_denied():
    version = ItemVersionFactory()
    outsider = dept_admin_for(DepartmentFactory())
    with pytest.raises(Forbidden):
        services.version_update(actor=outsider, version=version, name="x")
    event = AuditEvent.objects.get(action="catalog.version.update")
    assert event.outcome == AuditEvent.Outcome.DENIED
    assert event.object_id == str(version.pk)


def test_cancel_announces_the_state_change(sysadmin, django_capture_on_commit_callbacks):
    item = make_published_item()
    received = []
    events.subscribe(services.ItemStateChanged, received.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.item_cancel(
                actor=sysadmin, item=item, effective_date=datetime.date(2026, 12, 1), reason="取消"
            )
    finally:
        events.unsubscribe(services.ItemStateChanged, received.append)
    assert [(e.item_id, e.state) for e in received] == [(item.pk, "cancelled")]


def test_department_admin_of_a_parent_region_edits_items_inside_it():
    county = RegionFactory()
    town = TownshipFactory(parent=county)
    department = DepartmentFactory(region=county)
    item = make_published_item(department=department, region=town)
    admin = dept_admin_for(department)
    assert services.version_create_draft(actor=admin, item=item).number == 2
