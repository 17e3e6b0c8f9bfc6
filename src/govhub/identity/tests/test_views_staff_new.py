"""A department administrator adds a staff member and gets the activation link at once."""

from __future__ import annotations

import re

import pytest

from govhub.core.models import AuditEvent
from govhub.identity.models import StaffActivation
from govhub.identity.testing import sign_in
from govhub.identity.tests.test_views_staff import STAFF_SIGN_IN, staff_user
from govhub.organizations.models import Position, StaffMember
from govhub.organizations.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

NEW = "/account/staff/new/"
LINK = re.compile(r"http://testserver/account/activate/([A-Za-z0-9_-]+)/")


def _data(department, **overrides):
    data = {
        "department": str(department.pk),
        "full_name": "王丽",
        "username": "hg-test-wangli",
        "employee_number": "T-0001",
        "title": "科员",
    }
    data.update(overrides)
    return data


@pytest.fixture
def department():
    return DepartmentFactory(name="甲局")


@pytest.fixture
def admin(client, department):
    user = staff_user(department, Position.Role.DEPARTMENT_ADMIN)
    sign_in(client, user, methods=STAFF_SIGN_IN)
    return user


def test_admin_adds_a_staff_member_and_sees_the_link_once(client, admin, department):
    page = client.get(NEW)
    assert page.status_code == 200 and "甲局" in page.content.decode()
    response = client.post(NEW, _data(department))
    assert response.status_code == 200
    html = response.content.decode()
    assert LINK.search(html) and "工作人员账号已创建。" in html
    staff = StaffMember.objects.get(employee_number="T-0001")
    assert staff.department == department and staff.user.kind == "staff"
    assert not staff.user.has_usable_password()  # they set it themselves
    assert StaffActivation.objects.filter(user=staff.user, used_at__isnull=True).count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"organizations.staff.create", "identity.staff.activation_issue"} <= actions


def test_each_bad_input_is_named_and_nothing_is_created(client, admin, department):
    staff_user(department)  # an existing member whose number and name we reuse below
    taken = StaffMember.objects.exclude(user=admin).get()
    response = client.post(
        NEW,
        _data(department, full_name="", employee_number=taken.employee_number),
    )
    html = response.content.decode()
    assert "请填写姓名。" in html
    response = client.post(NEW, _data(department, employee_number=taken.employee_number))
    assert "该工号已被使用。" in response.content.decode()
    response = client.post(NEW, _data(department, username=taken.user.username))
    assert "该用户名已被使用。" in response.content.decode()
    assert not StaffMember.objects.filter(employee_number="T-0001").exists()


def test_only_managed_departments_can_be_chosen(client, admin, department):
    other = DepartmentFactory(name="乙局")
    assert "乙局" not in client.get(NEW).content.decode()
    response = client.post(NEW, _data(other))
    assert response.status_code == 200
    assert not StaffMember.objects.filter(employee_number="T-0001").exists()


def test_people_and_clerks_cannot_add_staff(client, department):
    clerk = staff_user(department, Position.Role.WINDOW_CLERK)
    sign_in(client, clerk, methods=STAFF_SIGN_IN)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, _data(department)).status_code == 403
