import pytest
from django.urls import reverse

from govhub.core.codes import uscc_check_character
from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in_admin
from govhub.organizations import demo
from govhub.organizations.models import Department, Position, Region, StaffMember, Window
from govhub.organizations.tests.factories import (
    CityFactory,
    DepartmentFactory,
    StaffMemberFactory,
    UserFactory,
    WindowFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    sign_in_admin(client, user)
    client.user = user
    return client


def department_form(department, **overrides):
    data = {
        "code": department.code,
        "name": department.name,
        "short_name": department.short_name,
        "name_en": department.name_en,
        "kind": department.kind,
        "region": department.region_id,
        "parent": "",
        "uscc": department.uscc,
        "functions": department.functions,
        "functions_en": department.functions_en,
        "address": department.address,
        "office_hours": department.office_hours,
        "phone": department.phone,
        "website": "",
        "sort_order": 0,
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "model",
    ["region", "department", "servicehall", "window", "servicepoint", "staffmember", "position"],
)
def test_changelists_and_forms_render(admin_client, model):
    demo.load()
    changelist = admin_client.get(reverse(f"admin:organizations_{model}_changelist"))
    assert changelist.status_code == 200
    assert admin_client.get(reverse(f"admin:organizations_{model}_add")).status_code == 200
    searched = admin_client.get(reverse(f"admin:organizations_{model}_changelist"), {"q": "鹤岗"})
    assert searched.status_code == 200


def test_region_changelist_shows_tree_order(admin_client):
    demo.load()
    html = admin_client.get(reverse("admin:organizations_region_changelist")).content.decode()
    assert html.index("鹤岗市") < html.index("向阳区") < html.index("红军街道")


def test_county_filter(admin_client):
    demo.load()
    response = admin_client.get(
        reverse("admin:organizations_department_changelist"), {"county": "230421"}
    )
    html = response.content.decode()
    assert "萝北县人民政府" in html and "绥滨县人民政府" not in html


def test_saving_a_department_is_audited(admin_client):
    department = DepartmentFactory()
    url = reverse("admin:organizations_department_change", args=[department.pk])
    response = admin_client.post(url, department_form(department, phone="0468-3999999"))
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="organizations.department.admin_change")
    assert event.actor == admin_client.user
    assert event.changes == {"phone": "0468-3999999"}
    assert event.object_id == str(department.pk)


def test_department_admin_checks_the_uscc(admin_client):
    department = DepartmentFactory()
    url = reverse("admin:organizations_department_change", args=[department.pk])
    body = "11230400MB0009999"
    wrong = body + ("1" if uscc_check_character(body) != "1" else "2")
    response = admin_client.post(url, department_form(department, uscc=wrong))
    assert response.status_code == 200
    assert "校验位不正确" in response.content.decode()
    assert Department.objects.get(pk=department.pk).uscc == department.uscc
    assert not AuditEvent.objects.filter(action="organizations.department.admin_change").exists()

    response = admin_client.post(
        url, department_form(department, uscc=wrong, confirm_legacy_uscc="on")
    )
    assert response.status_code == 302
    assert Department.objects.get(pk=department.pk).uscc == wrong


def test_adding_and_deleting_a_region_is_audited(admin_client):
    city = CityFactory()
    response = admin_client.post(
        reverse("admin:organizations_region_add"),
        {
            "code": "999901",
            "name": "新区",
            "name_en": "New District",
            "level": 3,
            "parent": city.pk,
            "sort_order": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    region = Region.objects.get(code="999901")
    assert region.path == f"/{city.code}/999901/"
    assert AuditEvent.objects.filter(
        action="organizations.region.admin_add", object_id=str(region.pk)
    ).exists()
    response = admin_client.post(
        reverse("admin:organizations_region_delete", args=[region.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Region.objects.filter(code="999901").exists()
    assert AuditEvent.objects.filter(
        action="organizations.region.admin_delete", object_id=str(region.pk)
    ).exists()


def test_bulk_delete_is_audited_per_object(admin_client):
    windows = [WindowFactory(), WindowFactory()]
    response = admin_client.post(
        reverse("admin:organizations_window_changelist"),
        {"action": "delete_selected", "_selected_action": [w.pk for w in windows], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Window.objects.filter(pk__in=[w.pk for w in windows]).exists()
    assert AuditEvent.objects.filter(action="organizations.window.admin_delete").count() == 2


def test_window_departments_change_is_audited(admin_client):
    window = WindowFactory()
    department = DepartmentFactory()
    response = admin_client.post(
        reverse("admin:organizations_window_change", args=[window.pk]),
        {
            "hall": window.hall_id,
            "number": window.number,
            "name": window.name,
            "name_en": "",
            "kind": window.kind,
            "departments": [department.pk],
            "sort_order": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert list(window.departments.all()) == [department]
    event = AuditEvent.objects.get(action="organizations.window.admin_change")
    assert event.changes["departments"] == [str(department)]


def test_position_inline_under_staff_is_validated_and_audited(admin_client):
    staff = StaffMemberFactory()
    url = reverse("admin:organizations_staffmember_change", args=[staff.pk])
    form = {
        "user": staff.user_id,
        "department": staff.department_id,
        "employee_number": staff.employee_number,
        "title": staff.title,
        "is_active": "on",
        "positions-TOTAL_FORMS": 1,
        "positions-INITIAL_FORMS": 0,
        "positions-MIN_NUM_FORMS": 0,
        "positions-MAX_NUM_FORMS": 1000,
        "positions-0-role": "window_clerk",
        "positions-0-department": staff.department_id,
        "positions-0-region": staff.department.region_id,
        "positions-0-is_active": "on",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200  # a window clerk needs a window
    assert not Position.objects.filter(staff=staff).exists()

    form["positions-0-role"] = "reviewer"
    response = admin_client.post(url, form)
    assert response.status_code == 302
    position = Position.objects.get(staff=staff)
    assert AuditEvent.objects.filter(
        action="organizations.position.admin_add", object_id=str(position.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        action="organizations.staffmember.admin_change", object_id=str(staff.pk)
    ).exists()
    assert StaffMember.objects.get(pk=staff.pk).is_active


def test_window_list_names_the_departments_it_serves(admin_client, settings):
    window = WindowFactory()
    window.departments.set(
        [
            DepartmentFactory(
                short_name="市民政局", name_en="Hegang Civil Affairs Bureau", sort_order=1
            ),
            DepartmentFactory(short_name="市财政局", name_en="Hegang Finance Bureau", sort_order=2),
        ]
    )
    url = reverse("admin:organizations_window_changelist")
    assert "市民政局、市财政局" in admin_client.get(url).content.decode()
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = admin_client.get(url).content.decode()
    assert "Hegang Civil Affairs Bureau, Hegang Finance Bureau" in english


def position_form(position, **overrides):
    data = {
        "staff": position.staff_id,
        "role": position.role,
        "department": position.department_id,
        "region": position.region_id,
        "window": position.window_id or "",
        "service_point": position.service_point_id or "",
        "valid_from": "",
        "valid_until": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_staff_position_add_change_delete_through_the_admin_are_audited(admin_client):
    staff = StaffMemberFactory()
    template = Position(staff=staff, role="reviewer", department=staff.department)
    template.region_id = staff.department.region_id
    response = admin_client.post(
        reverse("admin:organizations_position_add"), position_form(template)
    )
    assert response.status_code == 302
    position = Position.objects.get(staff=staff)
    added = AuditEvent.objects.get(action="organizations.position.admin_add")
    assert added.object_id == str(position.pk)
    assert added.changes["role"] == "reviewer"
    assert added.changes["staff"] == str(staff)
    assert (added.actor, added.actor_role) == (admin_client.user, "superuser")
    assert added.source_ip == "127.0.0.1" and added.request_id

    url = reverse("admin:organizations_position_change", args=[position.pk])
    response = admin_client.post(url, position_form(position, role="approver"))
    assert response.status_code == 302
    changed = AuditEvent.objects.get(action="organizations.position.admin_change")
    assert changed.changes == {"role": "approver"}

    response = admin_client.post(
        reverse("admin:organizations_position_delete", args=[position.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Position.objects.filter(pk=position.pk).exists()
    deleted = AuditEvent.objects.get(action="organizations.position.admin_delete")
    assert deleted.object_id == str(position.pk)
    assert deleted.changes["role"] == "approver"
    assert deleted.changes["staff"] == staff.pk


def test_an_inline_position_removed_under_its_staff_member_is_audited(admin_client):
    staff = StaffMemberFactory()
    position = Position.objects.create(
        staff=staff, role="reviewer", department=staff.department, region=staff.department.region
    )
    form = {
        "user": staff.user_id,
        "department": staff.department_id,
        "employee_number": staff.employee_number,
        "title": staff.title,
        "is_active": "on",
        "positions-TOTAL_FORMS": 1,
        "positions-INITIAL_FORMS": 1,
        "positions-MIN_NUM_FORMS": 0,
        "positions-MAX_NUM_FORMS": 1000,
        "positions-0-id": position.pk,
        "positions-0-staff": staff.pk,
        "positions-0-role": "reviewer",
        "positions-0-department": staff.department_id,
        "positions-0-region": staff.department.region_id,
        "positions-0-is_active": "on",
        "positions-0-DELETE": "on",
    }
    response = admin_client.post(
        reverse("admin:organizations_staffmember_change", args=[staff.pk]), form
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Position.objects.filter(pk=position.pk).exists()
    deleted = AuditEvent.objects.get(action="organizations.position.admin_delete")
    assert deleted.object_id == str(position.pk)
    assert deleted.changes["role"] == "reviewer"
    assert AuditEvent.objects.filter(
        action="organizations.staffmember.admin_change", object_id=str(staff.pk)
    ).exists()
