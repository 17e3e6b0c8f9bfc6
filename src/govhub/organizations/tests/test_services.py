import datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from govhub.core.codes import uscc_check_character
from govhub.core.errors import Forbidden, InvalidInput
from govhub.core.models import AuditEvent
from govhub.core.requestid import client_address_var
from govhub.organizations import policies, services
from govhub.organizations.models import Department, Position, StaffMember
from govhub.organizations.tests.factories import (
    DepartmentFactory,
    RegionFactory,
    ServiceHallFactory,
    ServicePointFactory,
    StaffMemberFactory,
    TownshipFactory,
    UserFactory,
    WindowFactory,
    grant,
)

Role = Position.Role
pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def dept_admin(department):
    user = UserFactory()
    grant(user, Role.DEPARTMENT_ADMIN, department=department)
    return user


@pytest.fixture
def system_admin():
    user = UserFactory()
    grant(user, Role.SYSTEM_ADMIN)
    return user


@pytest.fixture
def reviewer(department):
    user = UserFactory()
    grant(user, Role.REVIEWER, department=department)
    return user


def events(action, outcome=AuditEvent.Outcome.SUCCESS):
    return AuditEvent.objects.filter(action=action, outcome=outcome)


# --- staff_create ----------------------------------------------------------------------


def test_department_admin_creates_staff(department, dept_admin):
    staff = services.staff_create(
        actor=dept_admin,
        department=department,
        username="wangfang",
        full_name="王芳",
        employee_number="HG0101",
        title="科员",
    )
    assert staff.department == department
    assert staff.user.kind == "staff"
    assert staff.user.full_name == "王芳"
    assert not staff.user.has_usable_password()
    event = events("organizations.staff.create").get()
    assert event.actor == dept_admin
    assert event.object_id == str(staff.pk)
    assert event.changes["username"] == "wangfang"
    assert event.changes["department"] == department.code


def test_staff_create_with_password(department, dept_admin):
    staff = services.staff_create(
        actor=dept_admin,
        department=department,
        username="lina",
        full_name="李娜",
        employee_number="HG0102",
        password="Quite-long-passphrase-7",
    )
    assert staff.user.check_password("Quite-long-passphrase-7")


@pytest.mark.parametrize("who", ["reviewer", "other_admin", "anonymous"])
def test_staff_create_refused_and_recorded(department, reviewer, who):
    from django.contrib.auth.models import AnonymousUser

    if who == "reviewer":
        actor = reviewer
    elif who == "other_admin":
        actor = UserFactory()
        grant(actor, Role.DEPARTMENT_ADMIN, department=DepartmentFactory())
    else:
        actor = AnonymousUser()
    users_before = User.objects.count()
    with pytest.raises(Forbidden) as error:
        services.staff_create(
            actor=actor,
            department=department,
            username="intruder",
            full_name="某人",
            employee_number="X1",
        )
    assert "权限" in str(error.value.message)
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="intruder").exists()
    denied = events("organizations.staff.create", AuditEvent.Outcome.DENIED).get()
    assert denied.object_id == str(department.pk)


def test_staff_create_invalid_input(department, dept_admin):
    existing = StaffMemberFactory(department=department)
    with pytest.raises(InvalidInput) as error:
        services.staff_create(
            actor=dept_admin,
            department=department,
            username=existing.user.username.upper(),
            full_name=" ",
            employee_number=existing.employee_number,
        )
    assert set(error.value.fields) == {"username", "full_name", "employee_number"}
    with pytest.raises(InvalidInput) as error:
        services.staff_create(
            actor=dept_admin,
            department=department,
            username="weak",
            full_name="弱密码",
            employee_number="HG0200",
            password="12345678",
        )
    assert "password" in error.value.fields
    assert not User.objects.filter(username="weak").exists()
    assert not events("organizations.staff.create").exists()


def test_staff_create_rolls_back_when_audit_fails(department, dept_admin):
    with (
        mock.patch.object(services, "audit_log", side_effect=RuntimeError("audit store down")),
        pytest.raises(RuntimeError),
    ):
        services.staff_create(
            actor=dept_admin,
            department=department,
            username="rollback",
            full_name="回滚",
            employee_number="HG0300",
        )
    assert not User.objects.filter(username="rollback").exists()
    assert not StaffMember.objects.filter(employee_number="HG0300").exists()


# --- staff_deactivate --------------------------------------------------------------------


def test_staff_deactivate(department, dept_admin):
    target = UserFactory()
    position = grant(target, Role.REVIEWER, department=department)
    services.staff_deactivate(actor=dept_admin, staff=position.staff, reason="调离")
    position.staff.refresh_from_db()
    target.refresh_from_db()
    assert not position.staff.is_active
    assert not target.is_active
    assert not policies.user_has_role(target, Role.REVIEWER)
    event = events("organizations.staff.deactivate").get()
    assert event.changes["reason"] == "调离"
    # A second call changes and records nothing.
    services.staff_deactivate(actor=dept_admin, staff=position.staff)
    assert events("organizations.staff.deactivate").count() == 1


def test_staff_deactivate_refusals(department, dept_admin, reviewer):
    own = StaffMember.objects.get(user=dept_admin)
    with pytest.raises(InvalidInput):
        services.staff_deactivate(actor=dept_admin, staff=own)
    other = StaffMemberFactory()
    with pytest.raises(Forbidden):
        services.staff_deactivate(actor=dept_admin, staff=other)
    with pytest.raises(Forbidden):
        services.staff_deactivate(actor=reviewer, staff=own)
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.is_active and other.is_active
    assert events("organizations.staff.deactivate", AuditEvent.Outcome.DENIED).count() == 2


# --- position_grant / position_revoke ------------------------------------------------------


def test_department_admin_grants_working_roles(department, dept_admin):
    staff = StaffMemberFactory(department=department)
    position = services.position_grant(
        actor=dept_admin,
        staff=staff,
        role=Role.APPROVER,
        department=department,
        region=department.region,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert policies.user_has_role(staff.user, Role.APPROVER, department=department)
    event = events("organizations.position.grant").get()
    assert event.object_id == str(position.pk)
    assert event.changes["role"] == Role.APPROVER
    assert event.changes["renewed"] is False
    assert event.actor_role == Role.DEPARTMENT_ADMIN


def test_department_admin_cannot_grant_administrative_roles(department, dept_admin):
    staff = StaffMemberFactory(department=department)
    for role in (Role.DEPARTMENT_ADMIN, Role.SUPERVISOR, Role.SYSTEM_ADMIN):
        with pytest.raises(Forbidden):
            services.position_grant(
                actor=dept_admin,
                staff=staff,
                role=role,
                department=department,
                region=department.region,
            )
    assert not Position.objects.filter(staff=staff).exists()
    assert events("organizations.position.grant", AuditEvent.Outcome.DENIED).count() == 3


def test_system_admin_grants_supervisor_but_not_to_self(system_admin, department):
    staff = StaffMemberFactory(department=department)
    services.position_grant(
        actor=system_admin,
        staff=staff,
        role=Role.SUPERVISOR,
        department=department,
        region=department.region,
    )
    assert policies.can_supervise_region(staff.user, department.region)
    assert events("organizations.position.grant").get().actor_role == Role.SYSTEM_ADMIN
    own = StaffMember.objects.get(user=system_admin)
    with pytest.raises(Forbidden):
        services.position_grant(
            actor=system_admin,
            staff=own,
            role=Role.SUPERVISOR,
            department=own.department,
            region=own.department.region,
        )


def test_grant_validates_scope(department, dept_admin):
    staff = StaffMemberFactory(department=department)
    with pytest.raises(InvalidInput) as error:
        services.position_grant(
            actor=dept_admin,
            staff=staff,
            role=Role.WINDOW_CLERK,
            department=department,
            region=department.region,
        )
    assert "window" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.position_grant(
            actor=dept_admin,
            staff=staff,
            role=Role.REVIEWER,
            department=department,
            region=RegionFactory(),
        )
    assert "region" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.position_grant(
            actor=dept_admin,
            staff=staff,
            role=Role.REVIEWER,
            department=department,
            region=department.region,
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert "valid_until" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.position_grant(
            actor=dept_admin,
            staff=staff,
            role="emperor",
            department=department,
            region=department.region,
        )
    assert "role" in error.value.fields
    assert not Position.objects.filter(staff=staff).exists()


def test_grant_window_clerk_and_grassroots_agent(department, dept_admin):
    staff = StaffMemberFactory(department=department)
    hall = ServiceHallFactory(region=department.region)
    window = WindowFactory(hall=hall, departments=[department])
    services.position_grant(
        actor=dept_admin,
        staff=staff,
        role=Role.WINDOW_CLERK,
        department=department,
        region=department.region,
        window=window,
    )
    township = TownshipFactory(parent=department.region)
    point = ServicePointFactory(region=township)
    services.position_grant(
        actor=dept_admin,
        staff=staff,
        role=Role.GRASSROOTS_AGENT,
        department=department,
        region=township,
        service_point=point,
    )
    assert policies.staff_roles(staff.user) == {Role.WINDOW_CLERK, Role.GRASSROOTS_AGENT}


def test_grant_to_inactive_staff_refused(department, dept_admin):
    staff = StaffMemberFactory(department=department, is_active=False)
    with pytest.raises(InvalidInput):
        services.position_grant(
            actor=dept_admin,
            staff=staff,
            role=Role.REVIEWER,
            department=department,
            region=department.region,
        )


def test_revoke_then_grant_renews_the_same_position(department, dept_admin):
    staff = StaffMemberFactory(department=department)
    position = services.position_grant(
        actor=dept_admin,
        staff=staff,
        role=Role.REVIEWER,
        department=department,
        region=department.region,
    )
    services.position_revoke(actor=dept_admin, position=position, reason="轮岗")
    assert not policies.user_has_role(staff.user, Role.REVIEWER)
    assert events("organizations.position.revoke").get().changes["reason"] == "轮岗"
    services.position_revoke(actor=dept_admin, position=position)
    assert events("organizations.position.revoke").count() == 1

    renewed = services.position_grant(
        actor=dept_admin,
        staff=staff,
        role=Role.REVIEWER,
        department=department,
        region=department.region,
    )
    assert renewed.pk == position.pk
    assert policies.user_has_role(staff.user, Role.REVIEWER)
    assert events("organizations.position.grant").latest("id").changes["renewed"] is True


def test_revoke_refused_for_outsiders(department, reviewer):
    position = grant(UserFactory(), Role.APPROVER, department=department)
    with pytest.raises(Forbidden):
        services.position_revoke(actor=reviewer, position=position)
    position.refresh_from_db()
    assert position.is_active
    assert events("organizations.position.revoke", AuditEvent.Outcome.DENIED).exists()


# --- department_update_contact / department_set_uscc -------------------------------------


def test_update_contact(department, dept_admin):
    services.department_update_contact(
        actor=dept_admin,
        department=department,
        phone=" 0468-3698765 ",
        office_hours="工作日 9:00-17:00",
        website="https://example.gov.cn/",
    )
    department.refresh_from_db()
    assert department.phone == "0468-3698765"
    assert department.office_hours == "工作日 9:00-17:00"
    event = events("organizations.department.update_contact").get()
    assert event.changes["phone"] == ["0468-3000001", "0468-3698765"]
    assert "address" not in event.changes
    # Same values again: nothing to record.
    services.department_update_contact(
        actor=dept_admin, department=department, phone="0468-3698765"
    )
    assert events("organizations.department.update_contact").count() == 1


def test_update_contact_rejects_bad_values(department, dept_admin):
    with pytest.raises(InvalidInput) as error:
        services.department_update_contact(
            actor=dept_admin, department=department, phone="call us", website="not a url"
        )
    assert {"phone", "website"} <= set(error.value.fields)
    department.refresh_from_db()
    assert department.phone == "0468-3000001"
    assert not events("organizations.department.update_contact").exists()


def test_update_contact_refused(department, reviewer):
    with pytest.raises(Forbidden):
        services.department_update_contact(actor=reviewer, department=department, address="别处")
    department.refresh_from_db()
    assert department.address != "别处"
    denied = events("organizations.department.update_contact", AuditEvent.Outcome.DENIED).get()
    assert denied.actor == reviewer


def _uscc(body):
    return body + uscc_check_character(body)


def test_set_uscc_checks_the_check_character(department, system_admin):
    good = _uscc("91230400MA1B2C3D4")
    services.department_set_uscc(actor=system_admin, department=department, uscc=good.lower())
    department.refresh_from_db()
    assert department.uscc == good

    body = "91230400MA1B2C3D5"
    wrong = body + ("1" if uscc_check_character(body) != "1" else "2")
    with pytest.raises(InvalidInput) as error:
        services.department_set_uscc(actor=system_admin, department=department, uscc=wrong)
    assert "uscc" in error.value.fields
    department.refresh_from_db()
    assert department.uscc == good

    services.department_set_uscc(
        actor=system_admin, department=department, uscc=wrong, confirm_legacy_uscc=True
    )
    department.refresh_from_db()
    assert department.uscc == wrong
    assert (
        events("organizations.department.set_uscc").latest("id").changes["legacy_check_confirmed"]
        is True
    )


def test_set_uscc_refuses_bad_format_duplicates_and_non_admins(
    department, system_admin, dept_admin
):
    with pytest.raises(InvalidInput):
        services.department_set_uscc(actor=system_admin, department=department, uscc="ABC")
    other = DepartmentFactory()
    with pytest.raises(InvalidInput) as error:
        services.department_set_uscc(actor=system_admin, department=department, uscc=other.uscc)
    assert "其他部门" in error.value.fields["uscc"][0]
    with pytest.raises(Forbidden):
        services.department_set_uscc(
            actor=dept_admin, department=department, uscc=_uscc("91230400MA1B2C3D6")
        )
    assert Department.objects.get(pk=department.pk).uscc == department.uscc


# --- window_set_departments --------------------------------------------------------------


def test_window_set_departments():
    hall = ServiceHallFactory()
    operator_admin = UserFactory()
    grant(operator_admin, Role.DEPARTMENT_ADMIN, department=hall.operator)
    window = WindowFactory(hall=hall)
    first, second = DepartmentFactory(), DepartmentFactory()
    services.window_set_departments(
        actor=operator_admin, window=window, departments=[first, second]
    )
    assert set(window.departments.all()) == {first, second}
    event = events("organizations.window.set_departments").get()
    assert event.changes["departments"] == {
        "before": [],
        "after": sorted([first.code, second.code]),
    }

    services.window_set_departments(
        actor=operator_admin, window=window, departments=[second, first]
    )
    assert events("organizations.window.set_departments").count() == 1

    inactive = DepartmentFactory(is_active=False)
    with pytest.raises(InvalidInput):
        services.window_set_departments(actor=operator_admin, window=window, departments=[inactive])
    assert set(window.departments.all()) == {first, second}


def test_window_set_departments_names_inactive_departments_in_the_readers_language():
    hall = ServiceHallFactory()
    operator_admin = UserFactory()
    grant(operator_admin, Role.DEPARTMENT_ADMIN, department=hall.operator)
    window = WindowFactory(hall=hall)
    closed = [
        DepartmentFactory(name="鹤岗市甲局", name_en="Bureau A", is_active=False),
        DepartmentFactory(name="鹤岗市乙局", name_en="Bureau B", is_active=False),
    ]
    for language, expected in [
        ("zh-hans", "以下部门已停用：鹤岗市乙局、鹤岗市甲局"),
        ("en", "These departments have been deactivated: Bureau A, Bureau B"),
    ]:
        with translation.override(language), pytest.raises(InvalidInput) as info:
            services.window_set_departments(actor=operator_admin, window=window, departments=closed)
        assert info.value.fields == {"departments": [expected]}


def test_window_set_departments_refused_for_other_departments(dept_admin):
    window = WindowFactory()
    with pytest.raises(Forbidden):
        services.window_set_departments(actor=dept_admin, window=window, departments=[])
    assert events("organizations.window.set_departments", AuditEvent.Outcome.DENIED).exists()


def test_records_name_the_role_and_the_source_address_of_the_request(department, dept_admin):
    position = grant(StaffMemberFactory(department=department).user, Role.REVIEWER)
    token = client_address_var.set("10.20.30.40")
    try:
        services.position_revoke(actor=dept_admin, position=position, reason="调岗")
    finally:
        client_address_var.reset(token)
    event = events("organizations.position.revoke").get()
    assert (event.actor_role, event.source_ip) == (Role.DEPARTMENT_ADMIN, "10.20.30.40")
