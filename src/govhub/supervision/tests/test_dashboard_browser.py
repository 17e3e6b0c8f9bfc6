"""The supervision journey in a real browser (Debian's Chromium through Playwright): a
supervisor drills down from the city to a district, to a department and to the red alert
of an overdue case, and opens it; the department's staff explain the alert; the
supervisor reads the explanation.

The alert is raised by the real deadline scan over a case under review whose promised
due date has passed. Each person gets their own browser context, signed in the way the
platform requires for staff (password + TOTP), the session made by the test client.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from govhub.cases.tests.factories import CaseFactory, make_online_item
from govhub.cases.workflow import State
from govhub.core import calendar
from govhub.identity.testing import sign_in
from govhub.organizations.tests.factories import CityFactory, DepartmentFactory, RegionFactory
from govhub.supervision.models import Alert
from govhub.supervision.scan import supervision_scan
from govhub.supervision.tests.factories import department_staff, supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(os.environ.get("GOVHUB_SCREENSHOTS", "/tmp/govhub-screenshots"))


@pytest.fixture
def contexts() -> Iterator[list[Any]]:
    """Every browser context the test opens, closed when it ends."""
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def open_as(browser: Any, live_server: Any, opened: list[Any], user: Any) -> Any:
    client = Client()
    sign_in(client, user, methods=("pwd", "otp"))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    opened.append(context)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"supervision-{name}.png"), full_page=True)


def test_supervisor_drills_down_and_the_department_explains(
    browser: Any, live_server: Any, contexts: list[Any]
) -> None:
    city = CityFactory(name="测试市", name_en="Test City")
    district = RegionFactory(parent=city, name="测试区", name_en="Test District")
    department = DepartmentFactory(region=district, name="测试区市场监督管理局")
    quiet = DepartmentFactory(region=district, name="测试区民政局")
    today = calendar.local_today()
    item = make_online_item(department=department, region=district)
    overdue = CaseFactory(
        item=item,
        state=State.UNDER_REVIEW,
        accepted_on=today - datetime.timedelta(days=40),
        promised_due=today - datetime.timedelta(days=12),
        promised_limit_unit="calendar_days",
        title="食品经营许可",
    )
    CaseFactory(item=make_online_item(department=quiet, region=district), state=State.SUBMITTED)
    supervision_scan(full=True)
    alert = Alert.objects.get(case=overdue, rule__code="deadline.case")
    assert alert.level == "red"
    boss = supervisor(city)
    staff = department_staff(department)

    # The supervisor starts at the city, then the district, then the department.
    page = open_as(browser, live_server, contexts, boss)
    page.goto(f"{live_server.url}/supervision/")
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "测试市电子监察"
    shot(page, "1-city")
    page.get_by_role("table", name="按行政区划").get_by_role("link", name="测试区").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "测试区电子监察"
    departments = page.get_by_role("table", name="按部门")
    assert departments.get_by_role("link", name="测试区民政局").is_visible()
    departments.get_by_role("link", name="测试区市场监督管理局").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "测试区市场监督管理局"
    shot(page, "2-department")
    page.get_by_role("link", name=f"红牌 预警 #{alert.pk}").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "办件时限预警"
    assert page.get_by_role("link", name=overdue.number).is_visible()
    assert page.locator("#action-escalate").is_visible()
    assert page.locator("#action-explain").count() == 0
    shot(page, "3-alert")
    alert_url = page.url

    # The department's staff explain it.
    desk = open_as(browser, live_server, contexts, staff)
    desk.goto(f"{live_server.url}/supervision/")
    desk.wait_for_load_state()
    assert desk.get_by_role("heading", level=1).inner_text() == "测试区市场监督管理局"
    desk.get_by_role("link", name=f"红牌 预警 #{alert.pk}").click()
    desk.wait_for_load_state()
    box = desk.locator("#action-explain")
    box.get_by_label("情况说明").fill(
        "现场核查需要补充检验报告，已于本周收到，三个工作日内作出决定。"
    )
    box.get_by_role("button", name="提交情况说明").click()
    desk.wait_for_load_state()
    assert desk.get_by_text("情况说明已提交").is_visible()
    alert.refresh_from_db()
    assert alert.state == Alert.State.EXPLAINED

    # The supervisor sees the explanation.
    page.goto(alert_url)
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="部门情况说明").is_visible()
    assert "三个工作日内作出决定" in page.locator("blockquote.alert-explanation").inner_text()
    assert page.get_by_text("已说明").first.is_visible()
    shot(page, "4-explained")
