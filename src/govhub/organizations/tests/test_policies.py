import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from govhub.core.requestid import request_cache_var
from govhub.organizations import policies, services
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import (
    CityFactory,
    DepartmentFactory,
    RegionFactory,
    StaffMemberFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    grant,
)

Role = Position.Role
pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """city → county A (township → village), county B."""
    city = CityFactory()
    county_a = RegionFactory(parent=city)
    county_b = RegionFactory(parent=city)
    township = TownshipFactory(parent=county_a)
    village = VillageFactory(parent=township)
    return {"city": city, "a": county_a, "b": county_b, "township": township, "village": village}


def today():
    return timezone.localdate()


def test_anonymous_and_plain_users_hold_nothing():
    for user in (AnonymousUser(), None, UserFactory(kind="person")):
        assert policies.staff_roles(user) == set()
        assert not policies.user_has_role(user, Role.REVIEWER)
        assert not policies.departments_visible_to(user).exists()
        assert not policies.staff_visible_to(user).exists()


def test_staff_roles_lists_every_current_role():
    user = UserFactory()
    department = DepartmentFactory()
    grant(user, Role.REVIEWER, department=department)
    grant(user, Role.APPROVER, department=department)
    grant(user, Role.SUPERVISOR, department=department, is_active=False)
    assert policies.staff_roles(user) == {Role.REVIEWER, Role.APPROVER}


def test_role_scoped_by_department():
    user = UserFactory()
    mine, other = DepartmentFactory(), DepartmentFactory()
    grant(user, Role.REVIEWER, department=mine)
    assert policies.user_has_role(user, Role.REVIEWER)
    assert policies.user_has_role(user, Role.REVIEWER, department=mine)
    assert not policies.user_has_role(user, Role.REVIEWER, department=other)
    assert not policies.user_has_role(user, Role.APPROVER, department=mine)


def test_region_position_covers_descendants_but_not_parent_or_siblings(tree):
    user = UserFactory()
    department = DepartmentFactory(region=tree["a"])
    grant(user, Role.REVIEWER, department=department, region=tree["a"])
    has = lambda region: policies.user_has_role(user, Role.REVIEWER, region=region)  # noqa: E731
    assert has(tree["a"])
    assert has(tree["township"])
    assert has(tree["village"])
    assert not has(tree["city"])
    assert not has(tree["b"])


def test_region_and_department_must_both_match(tree):
    user = UserFactory()
    department = DepartmentFactory(region=tree["city"])
    grant(user, Role.APPROVER, department=department, region=tree["township"])
    assert policies.user_has_role(
        user, Role.APPROVER, department=department, region=tree["village"]
    )
    assert not policies.user_has_role(user, Role.APPROVER, department=department, region=tree["a"])
    assert not policies.user_has_role(
        user, Role.APPROVER, department=DepartmentFactory(), region=tree["village"]
    )


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "counts"),
    [
        (None, None, True),
        (-10, -1, False),  # expired yesterday
        (-10, 0, True),  # last day today
        (1, None, False),  # starts tomorrow
        (0, None, True),  # starts today
        (-5, 5, True),
    ],
)
def test_validity_dates(valid_from, valid_until, counts):
    user = UserFactory()
    day = lambda offset: None if offset is None else today() + datetime.timedelta(days=offset)  # noqa: E731
    grant(user, Role.REVIEWER, valid_from=day(valid_from), valid_until=day(valid_until))
    assert policies.user_has_role(user, Role.REVIEWER) is counts
    assert (Role.REVIEWER in policies.staff_roles(user)) is counts


def test_inactive_position_staff_or_account_do_not_count():
    revoked = UserFactory()
    grant(revoked, Role.DEPARTMENT_ADMIN, is_active=False)
    off_duty = UserFactory()
    position = grant(off_duty, Role.DEPARTMENT_ADMIN)
    position.staff.is_active = False
    position.staff.save()
    locked = UserFactory()
    grant(locked, Role.DEPARTMENT_ADMIN)
    locked.is_active = False
    locked.save()
    for user in (revoked, off_duty, locked):
        assert policies.staff_roles(user) == set()
        assert not policies.can_manage_department(user, position.department)
        assert not policies.departments_visible_to(user).exists()


def test_can_manage_department():
    mine, other = DepartmentFactory(), DepartmentFactory()
    admin = UserFactory()
    grant(admin, Role.DEPARTMENT_ADMIN, department=mine)
    reviewer = UserFactory()
    grant(reviewer, Role.REVIEWER, department=mine)
    system_admin = UserFactory()
    grant(system_admin, Role.SYSTEM_ADMIN)
    expired_admin = UserFactory()
    grant(
        expired_admin,
        Role.DEPARTMENT_ADMIN,
        department=mine,
        valid_until=today() - datetime.timedelta(days=1),
    )
    assert policies.can_manage_department(admin, mine)
    assert not policies.can_manage_department(admin, other)
    assert not policies.can_manage_department(reviewer, mine)
    assert policies.can_manage_department(system_admin, mine)
    assert policies.can_manage_department(system_admin, other)
    assert not policies.can_manage_department(expired_admin, mine)
    assert not policies.can_manage_department(AnonymousUser(), mine)


def test_can_supervise_region_inherits_downwards_only(tree):
    city_supervisor = UserFactory()
    grant(city_supervisor, Role.SUPERVISOR, department=DepartmentFactory(region=tree["city"]))
    county_supervisor = UserFactory()
    grant(county_supervisor, Role.SUPERVISOR, department=DepartmentFactory(region=tree["a"]))
    system_admin = UserFactory()
    grant(system_admin, Role.SYSTEM_ADMIN, department=DepartmentFactory(region=tree["city"]))

    for region in tree.values():
        assert policies.can_supervise_region(city_supervisor, region)
    assert policies.can_supervise_region(county_supervisor, tree["village"])
    assert not policies.can_supervise_region(county_supervisor, tree["city"])
    assert not policies.can_supervise_region(county_supervisor, tree["b"])
    # Separation of duties: administering the system is not supervising.
    assert not policies.can_supervise_region(system_admin, tree["a"])


def test_departments_visible_to(tree):
    city_dept = DepartmentFactory(region=tree["city"])
    a_dept = DepartmentFactory(region=tree["a"])
    township_dept = DepartmentFactory(region=tree["township"])
    b_dept = DepartmentFactory(region=tree["b"])

    clerk = UserFactory()
    grant(clerk, Role.REVIEWER, department=a_dept)
    grant(clerk, Role.APPROVER, department=b_dept)
    assert set(policies.departments_visible_to(clerk)) == {a_dept, b_dept}

    supervisor = UserFactory()
    grant(supervisor, Role.SUPERVISOR, department=a_dept, region=tree["a"])
    assert set(policies.departments_visible_to(supervisor)) == {a_dept, township_dept}

    system_admin = UserFactory()
    grant(system_admin, Role.SYSTEM_ADMIN, department=city_dept)
    assert set(policies.departments_visible_to(system_admin)) >= {
        city_dept,
        a_dept,
        township_dept,
        b_dept,
    }

    lapsed = UserFactory()
    grant(lapsed, Role.SUPERVISOR, department=city_dept, is_active=False)
    assert not policies.departments_visible_to(lapsed).exists()


def test_staff_visible_to(tree):
    a_dept = DepartmentFactory(region=tree["a"])
    b_dept = DepartmentFactory(region=tree["b"])
    colleague = StaffMemberFactory(department=a_dept)
    outsider = StaffMemberFactory(department=b_dept)

    reviewer = UserFactory()
    own = grant(reviewer, Role.REVIEWER, department=a_dept).staff
    assert list(policies.staff_visible_to(reviewer)) == [own]

    admin = UserFactory()
    admin_staff = grant(admin, Role.DEPARTMENT_ADMIN, department=a_dept).staff
    assert set(policies.staff_visible_to(admin)) == {own, colleague, admin_staff}

    supervisor = UserFactory()
    grant(supervisor, Role.SUPERVISOR, department=DepartmentFactory(region=tree["city"]))
    assert {own, colleague, outsider} <= set(policies.staff_visible_to(supervisor))


def test_can_grant_role_keeps_administrative_roles_for_system_admins():
    department = DepartmentFactory()
    admin = UserFactory()
    grant(admin, Role.DEPARTMENT_ADMIN, department=department)
    system_admin = UserFactory()
    grant(system_admin, Role.SYSTEM_ADMIN)
    for role in (Role.WINDOW_CLERK, Role.GRASSROOTS_AGENT, Role.REVIEWER, Role.APPROVER):
        assert policies.can_grant_role(admin, role=role, department=department)
        assert policies.can_grant_role(system_admin, role=role, department=department)
    for role in (Role.DEPARTMENT_ADMIN, Role.SUPERVISOR, Role.SYSTEM_ADMIN):
        assert not policies.can_grant_role(admin, role=role, department=department)
        assert policies.can_grant_role(system_admin, role=role, department=department)


def test_each_check_costs_one_query_outside_a_request(django_assert_num_queries, tree):
    user = UserFactory()
    grant(user, Role.SUPERVISOR, department=DepartmentFactory(region=tree["city"]))
    grant(user, Role.REVIEWER, department=DepartmentFactory(region=tree["a"]))
    with django_assert_num_queries(1):
        policies.user_has_role(user, Role.SUPERVISOR, region=tree["village"])
    with django_assert_num_queries(1):
        policies.can_supervise_region(user, tree["b"])


def test_within_a_request_positions_are_read_once(django_assert_num_queries, tree):
    user = UserFactory()
    grant(user, Role.SUPERVISOR, department=DepartmentFactory(region=tree["city"]))
    token = request_cache_var.set({})
    try:
        with django_assert_num_queries(1):
            policies.user_has_role(user, Role.SUPERVISOR, region=tree["village"])
            policies.can_supervise_region(user, tree["b"])
            policies.staff_roles(user)
    finally:
        request_cache_var.reset(token)


def test_granting_or_revoking_in_a_request_refreshes_the_remembered_positions(tree):
    token = request_cache_var.set({})
    try:
        _grant_and_revoke(tree)
    finally:
        request_cache_var.reset(token)


def _grant_and_revoke(tree):
    admin = UserFactory()
    grant(admin, Role.SYSTEM_ADMIN, department=DepartmentFactory(region=tree["city"]))
    staff = StaffMemberFactory()
    department = DepartmentFactory(region=tree["city"])
    assert policies.staff_roles(staff.user) == set()
    position = services.position_grant(
        actor=admin, staff=staff, role=Role.REVIEWER, department=department, region=tree["city"]
    )
    assert policies.staff_roles(staff.user) == {Role.REVIEWER}
    services.position_revoke(actor=admin, position=position)
    assert policies.staff_roles(staff.user) == set()
