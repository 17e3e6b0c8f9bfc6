"""The supervision pages: who may open them, drill-down links, department isolation by URL
(404, never 403, for what is out of scope), the alert page and its follow-up, the notice
PDF, the header link; pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from govhub.cases.tests.factories import CaseFactory, make_online_item
from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in
from govhub.identity.tests.factories import StaffUserFactory, VerifiedPersonFactory
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory, RegionFactory, grant
from govhub.supervision.models import Alert, SupervisionNotice
from govhub.supervision.tests.dashboard_world import World, build_world
from govhub.supervision.tests.factories import AlertFactory, department_staff, rule, supervisor

pytestmark = pytest.mark.django_db
Role = Position.Role
MARCH = "start=2026-03-01&end=2026-03-18"


@pytest.fixture
def world() -> World:
    return build_world()


def signed_in(user: Any) -> Client:
    client = Client()
    sign_in(client, user, methods=("pwd", "otp"))
    return client


def region_url(world_region: Any, department: Any = None) -> str:
    if department is None:
        return reverse("supervision:region", args=[world_region.code])
    return reverse("supervision:department", args=[world_region.code, department.code])


# --- who may open the pages -----------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("supervision:home"))
    assert response.status_code == 302
    assert "/account/" in response["Location"]


def test_password_only_session_must_step_up(world: World) -> None:
    client = Client()
    sign_in(client, supervisor(world.city), methods=("pwd",))
    response = client.get(reverse("supervision:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:step_up"))
    assert "level=L2" in response["Location"]


@pytest.mark.parametrize("kind", ["person", "system_admin", "no_position"])
def test_everyone_else_gets_403(world: World, kind: str) -> None:
    if kind == "person":
        user = VerifiedPersonFactory()
    else:
        user = StaffUserFactory()
        if kind == "system_admin":
            grant(user, Role.SYSTEM_ADMIN, department=world.dept_a, region=world.city)
    client = Client()
    sign_in(client, user, methods=("pwd", "otp") if kind != "person" else ("pwd", "sms"))
    assert client.get(reverse("supervision:home")).status_code == 403
    assert client.get(region_url(world.city)).status_code == 403


def test_home_sends_each_to_their_start(world: World) -> None:
    response = signed_in(supervisor(world.city)).get(reverse("supervision:home"))
    assert response["Location"] == region_url(world.city)
    response = signed_in(department_staff(world.dept_a)).get(reverse("supervision:home"))
    assert response["Location"] == region_url(world.district, world.dept_a)


# --- the pages ------------------------------------------------------------------------------------


def test_english_page_has_english_headers_and_punctuation(world: World) -> None:
    from django.conf import settings

    client = signed_in(supervisor(world.city))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"{region_url(world.city)}?{MARCH}").content.decode()
    main = page.split("<main", 1)[1]
    # The count column is "Completed", not the action "Complete"; no full-width
    # brackets or Chinese clause separators in the figures.
    assert ">Completed<" in main
    assert "（" not in main and "）" not in main and "；" not in main


def test_city_page_drills_down(world: World) -> None:
    client = signed_in(supervisor(world.city))
    response = client.get(f"{region_url(world.city)}?{MARCH}")
    assert response.status_code == 200
    page = response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    # The drill-down links keep the period.
    assert f'href="{region_url(world.district)}?start=2026-03-01&amp;end=2026-03-18"' in page
    assert (
        f'href="{region_url(world.city, world.dept_a)}?start=2026-03-01&amp;end=2026-03-18"' in page
    )
    assert world.dept_b.name in page and world.dept_city.name in page
    # Tables have captions; charts are inline SVG with a title; nothing external.
    assert page.count("<caption") >= 5
    assert page.count('<svg class="chart"') == 3
    assert '<title id="chart-rules-title">' in page
    assert (
        "http://" not in page.split("<main", 1)[1] and "https://" not in page.split("<main", 1)[1]
    )
    assert "<script" not in page.split("<main", 1)[1]
    # 50.0% on time: B2 on time, B3 late
    assert "50.0%" in page


def test_department_page_lists_its_open_alerts(world: World) -> None:
    client = signed_in(supervisor(world.city))
    response = client.get(region_url(world.district, world.dept_a))
    assert response.status_code == 200
    page = response.content.decode()
    detail = reverse("supervision:alert", args=[world.alerts["A1"].pk])
    assert f'href="{detail}"' in page
    assert reverse("supervision:alert", args=[world.alerts["C1"].pk]) not in page
    assert world.cases["A1"].number in page
    # Child regions link to the same department there.
    assert f'href="{region_url(world.town, world.dept_a)}"' in page


def test_wrong_period_falls_back_and_says_so(world: World) -> None:
    client = signed_in(supervisor(world.city))
    response = client.get(f"{region_url(world.city)}?start=2026-03-18&end=2026-03-01")
    assert response.status_code == 200
    assert "开始日期不能晚于截止日期" in response.content.decode()


# --- isolation ------------------------------------------------------------------------------------


def test_department_staff_cannot_reach_another_department_by_url(world: World) -> None:
    client = signed_in(department_staff(world.dept_a))
    own = client.get(region_url(world.district, world.dept_a))
    assert own.status_code == 200
    for url in [
        region_url(world.district, world.dept_b),
        region_url(world.city),
        region_url(world.city, world.dept_city),
        region_url(world.other_city),
        reverse("supervision:alert", args=[world.alerts["C1"].pk]),
        reverse("supervision:alert", args=[world.alerts["X1"].pk]),
        reverse(
            "supervision:export_csv_department",
            args=[world.district.code, world.dept_b.code, "summary"],
        ),
        reverse("supervision:export_xlsx", args=[world.city.code]),
        f"{reverse('supervision:alerts')}?department={world.dept_b.code}",
        f"{reverse('supervision:alerts_csv')}?department={world.dept_b.code}",
        f"{reverse('supervision:alerts_xlsx')}?region={world.city.code}",
    ]:
        assert client.get(url).status_code == 404, url
    # Posting to another department's alert is a 404 too, and changes nothing.
    url = reverse("supervision:act", args=[world.alerts["C1"].pk, "explain"])
    assert client.post(url, {"explain-explanation": "不是我们的"}).status_code == 404
    assert Alert.objects.get(pk=world.alerts["C1"].pk).state == Alert.State.RAISED


def test_department_staff_region_page_shows_only_their_department(world: World) -> None:
    client = signed_in(department_staff(world.dept_a))
    page = client.get(region_url(world.district)).content.decode()
    assert world.dept_a.name in page
    assert world.dept_b.name not in page
    assert world.cases["B1"].number not in page


def test_alert_list_is_scoped_and_filtered(world: World) -> None:
    client = signed_in(department_staff(world.dept_a))
    page = client.get(reverse("supervision:alerts")).content.decode()
    assert world.cases["A1"].number in page and world.cases["A4"].number in page
    assert world.cases["C1"].number not in page and world.cases["B2"].number not in page
    red = client.get(f"{reverse('supervision:alerts')}?level=red").content.decode()
    assert world.cases["A1"].number in red and world.cases["A4"].number not in red


# --- one alert and its follow-up ---------------------------------------------------------------


def test_supervisor_sees_close_and_escalate_but_not_explain(world: World) -> None:
    client = signed_in(supervisor(world.city))
    page = client.get(reverse("supervision:alert", args=[world.alerts["A1"].pk])).content.decode()
    assert 'id="action-close"' in page and 'id="action-escalate"' in page
    assert 'id="action-explain"' not in page
    assert reverse("workbench:case", args=[world.cases["A1"].number]) in page
    explain = reverse("supervision:act", args=[world.alerts["A1"].pk, "explain"])
    assert client.post(explain, {"explain-explanation": "x"}).status_code == 403


def test_department_explains_and_the_supervisor_reads_it(world: World) -> None:
    alert = world.alerts["A1"]
    staff = department_staff(world.dept_a)
    client = signed_in(staff)
    page = client.get(reverse("supervision:alert", args=[alert.pk])).content.decode()
    assert 'id="action-explain"' in page and 'id="action-close"' not in page
    url = reverse("supervision:act", args=[alert.pk, "explain"])
    empty = client.post(url, {"explain-explanation": "  "})
    assert empty.status_code == 422
    response = client.post(url, {"explain-explanation": "申请人补充材料于本周送达，正在办理。"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == Alert.State.EXPLAINED and alert.explained_by == staff
    boss = signed_in(supervisor(world.city))
    page = boss.get(reverse("supervision:alert", args=[alert.pk])).content.decode()
    assert "申请人补充材料于本周送达，正在办理。" in page
    # Explaining again is a conflict, said in words.
    again = client.post(url, {"explain-explanation": "再说一次"}, follow=True)
    assert "不能部门说明" in again.content.decode() or "已说明" in again.content.decode()


def test_supervisor_escalates_and_downloads_the_notice(world: World) -> None:
    alert = world.alerts["A1"]
    client = signed_in(supervisor(world.city))
    url = reverse("supervision:act", args=[alert.pk, "escalate"])
    response = client.post(
        url, {"escalate-text": "请立即办理并说明超期原因。", "escalate-reply_by": ""}
    )
    assert response.status_code == 302
    notice = SupervisionNotice.objects.get(alert=alert)
    page = client.get(reverse("supervision:alert", args=[alert.pk])).content.decode()
    pdf_url = reverse("supervision:notice_pdf", args=[notice.pk])
    assert pdf_url in page and notice.number in page
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # The department sees the notice too; another department does not.
    assert signed_in(department_staff(world.dept_a)).get(pdf_url).status_code == 200
    assert signed_in(department_staff(world.dept_b)).get(pdf_url).status_code == 404


def test_supervisor_closes(world: World) -> None:
    alert = world.alerts["C1"]
    client = signed_in(supervisor(world.city))
    url = reverse("supervision:act", args=[alert.pk, "close"])
    assert client.post(url, {"close-note": "已核实"}).status_code == 302
    alert.refresh_from_db()
    assert alert.state == Alert.State.CLOSED and alert.close_note == "已核实"
    assert AuditEvent.objects.filter(
        action="supervision.alert.close", object_id=str(alert.pk)
    ).exists()


def test_unknown_action_is_404(world: World) -> None:
    client = signed_in(supervisor(world.city))
    url = reverse("supervision:act", args=[world.alerts["A1"].pk, "delete"])
    assert client.post(url).status_code == 404


# --- the header link ------------------------------------------------------------------------------


def test_header_link_for_supervisors_and_department_staff(world: World) -> None:
    home = reverse("portal:home")
    link = f'href="{reverse("supervision:home")}"'
    assert link in signed_in(supervisor(world.city)).get(home).content.decode()
    assert link in signed_in(department_staff(world.dept_a)).get(home).content.decode()
    person = Client()
    sign_in(person, VerifiedPersonFactory(), methods=("pwd", "sms"))
    assert link not in person.get(home).content.decode()


# --- query counts ------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_page_query_counts_do_not_grow(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # The session notes activity at most every 5 seconds (one more write): the clock
    # stands still, so the setup between the two measures cannot cross such a mark.
    from govhub.identity import session

    frozen = session.now_epoch()
    monkeypatch.setattr(session, "now_epoch", lambda: frozen)
    client = signed_in(supervisor(world.city))
    city, department = region_url(world.city), region_url(world.district, world.dept_a)
    alerts = f"{reverse('supervision:alerts')}?region={world.city.code}"
    client.get(city)  # warm caches (rule registry, calendar)
    before = (_queries(client, city), _queries(client, department), _queries(client, alerts))
    item = make_online_item()
    for _index in range(5):
        district = RegionFactory(parent=world.city)
        other = DepartmentFactory(region=district)
        for dept in (other, world.dept_a):
            case = CaseFactory(item=item, department=dept, region=district)
            AlertFactory(rule=rule("deadline.case"), case=case, department=dept, region=district)
    after = (_queries(client, city), _queries(client, department), _queries(client, alerts))
    assert after == before
