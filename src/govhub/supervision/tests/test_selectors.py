"""Who sees which alerts: supervisors their regions across departments, department staff
only their department's; filters; one alert with its history; pinned query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhub.cases.tests.factories import CaseFactory, make_online_item
from govhub.core.errors import NotFound
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory, RegionFactory, TownshipFactory
from govhub.supervision import selectors, services
from govhub.supervision.tests.factories import AlertFactory, department_staff, rule, supervisor

pytestmark = pytest.mark.django_db
Role = Position.Role


@pytest.fixture
def world() -> dict:
    """A city with two counties; two departments in county A, one in county B."""
    city = RegionFactory(level=2)
    county_a = RegionFactory(parent=city)
    county_b = RegionFactory(parent=city)
    town = TownshipFactory(parent=county_a)
    amr = DepartmentFactory(region=county_a)
    hrss = DepartmentFactory(region=county_a)
    tax = DepartmentFactory(region=county_b)

    def alert_for(department, region, **extra):
        case = CaseFactory(item=make_online_item(department=department, region=region))
        return AlertFactory(case=case, **extra)

    return {
        "city": city,
        "county_a": county_a,
        "county_b": county_b,
        "town": town,
        "amr": amr,
        "hrss": hrss,
        "tax": tax,
        "amr_alert": alert_for(amr, county_a),
        "amr_town_alert": alert_for(amr, town, level="yellow"),
        "hrss_alert": alert_for(hrss, county_a, rule=rule("process.step_order")),
        "tax_alert": alert_for(tax, county_b, state="closed"),
    }


def ids(page: selectors.AlertPage) -> set[int]:
    return {alert.pk for alert in page.items}


def test_department_staff_see_only_their_departments_alerts(world: dict) -> None:
    amr_staff = department_staff(world["amr"], region=world["county_a"])
    page = selectors.alert_list(user=amr_staff)
    assert ids(page) == {world["amr_alert"].pk, world["amr_town_alert"].pk}
    assert page.total == 2
    hrss_staff = department_staff(world["hrss"], region=world["county_a"])
    assert ids(selectors.alert_list(user=hrss_staff)) == {world["hrss_alert"].pk}
    # A township post of the same department sees the township's alerts only.
    local = department_staff(world["amr"], region=world["town"])
    assert ids(selectors.alert_list(user=local)) == {world["amr_town_alert"].pk}


def test_supervisors_see_their_region_across_departments(world: dict) -> None:
    city = supervisor(world["city"])
    assert ids(selectors.alert_list(user=city)) == {
        world[k].pk for k in ("amr_alert", "amr_town_alert", "hrss_alert", "tax_alert")
    }
    county = supervisor(world["county_b"])
    assert ids(selectors.alert_list(user=county)) == {world["tax_alert"].pk}


def test_nobody_else_sees_anything(world: dict) -> None:
    from govhub.identity.tests.factories import StaffUserFactory, VerifiedPersonFactory
    from govhub.organizations.tests.factories import grant

    admin = StaffUserFactory()
    grant(admin, Role.SYSTEM_ADMIN, department=world["amr"], region=world["city"])
    for user in (admin, VerifiedPersonFactory(), None):
        assert selectors.alert_list(user=user).total == 0
        with pytest.raises(NotFound):
            selectors.alert_detail(user=user, alert_id=world["amr_alert"].pk)


def test_filters(world: dict) -> None:
    city = supervisor(world["city"])

    def found(**filters) -> set[int]:
        return ids(selectors.alert_list(user=city, **filters))

    assert found(state="closed") == {world["tax_alert"].pk}
    assert world["tax_alert"].pk not in found(open_only=True)
    assert found(level="yellow") == {world["amr_town_alert"].pk}
    assert found(rule="process.step_order") == {world["hrss_alert"].pk}
    assert found(department=world["amr"].pk) == {world["amr_alert"].pk, world["amr_town_alert"].pk}
    assert found(region=world["town"].pk) == {world["amr_town_alert"].pk}
    assert found(region=world["county_a"].pk) == {
        world[k].pk for k in ("amr_alert", "amr_town_alert", "hrss_alert")
    }
    assert found(region=987654321) == set()
    page = selectors.alert_list(user=city, limit=2, offset=1)
    assert (len(page.items), page.total, page.limit, page.offset) == (2, 4, 2, 1)


def test_list_query_count_is_pinned(world: dict) -> None:
    city = supervisor(world["city"])
    for _ in range(5):
        AlertFactory(region=world["county_a"], department=world["amr"])
    with CaptureQueriesContext(connection) as queries:
        page = selectors.alert_list(user=city, limit=50)
        for alert in page.items:
            assert alert.rule.code and alert.case.number and alert.department.name
            assert alert.region.name
    # positions, the region ids of the scope, the count, the page
    assert len(queries) == 4, [q["sql"] for q in queries]
    assert page.total == 9


def test_detail_with_history_and_notices(world: dict) -> None:
    city = supervisor(world["city"])
    alert = world["amr_alert"]
    services.alert_notify(alert=alert)
    services.alert_escalate(actor=city, alert=alert, text="请整改。")
    with CaptureQueriesContext(connection) as queries:
        found = selectors.alert_detail(user=city, alert_id=alert.pk)
        history = [(e.action, e.actor_label) for e in found.events.all()]
        notices = [n.number for n in found.notices.all()]
    assert history == [("notify", "system"), ("escalate", city.full_name or city.username)]
    assert len(notices) == 1
    # positions, region ids, the alert, its events, its notices
    assert len(queries) == 5, [q["sql"] for q in queries]
    staff = department_staff(world["tax"], region=world["county_b"])
    with pytest.raises(NotFound):
        selectors.alert_detail(user=staff, alert_id=alert.pk)
    notice = selectors.notice_for(user=city, notice_id=found.notices.all()[0].pk)
    with pytest.raises(NotFound):
        selectors.notice_for(user=staff, notice_id=notice.pk)
