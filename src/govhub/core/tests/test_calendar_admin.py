"""Admin screens, the admin-index warning and the system check of the working-day calendar."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govhub.core import calendar
from govhub.core.calendar import is_working_day
from govhub.core.calendar_models import CalendarDay, CalendarYear
from govhub.core.checks import calendar_schedule_check
from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in_admin

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]

D = datetime.date


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("admin", password=None)
    sign_in_admin(client, user)
    client.user = user
    return client


@pytest.fixture
def late_2026(monkeypatch):
    monkeypatch.setattr(calendar, "local_today", lambda: D(2026, 11, 27))


@pytest.fixture
def mid_2026(monkeypatch):
    monkeypatch.setattr(calendar, "local_today", lambda: D(2026, 6, 1))


# --- the warning ------------------------------------------------------------------------------


def test_admin_index_warns_about_next_year_in_the_last_quarter(admin_client, late_2026):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="calendar-schedule-warning"' in body
    assert "2027年的工作日历（节假日安排）尚未发布" in body
    assert reverse("admin:core_calendaryear_import") + "?year=2027" in body
    # The stock index is extended, not replaced.
    assert 'id="recent-actions-module"' in body


def test_admin_index_has_no_warning_while_the_schedule_is_published(admin_client, mid_2026):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "calendar-schedule-warning" not in body
    assert 'id="recent-actions-module"' in body


def test_admin_index_warns_about_the_current_year_when_it_is_withdrawn(admin_client, mid_2026):
    CalendarYear.objects.filter(year=2026).update(status=CalendarYear.Status.DRAFT)
    calendar.bump_cache_version()
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "2026年的工作日历（节假日安排）尚未发布" in body


def test_system_check_warns(late_2026):
    messages = calendar_schedule_check(None)
    assert [m.id for m in messages] == ["core.W001"]
    assert "2027年的工作日历尚未发布" in messages[0].msg
    assert "calendar_import" in messages[0].hint
    # Registered with Django's check framework by CoreConfig.ready().
    assert "core.W001" in [m.id for m in run_checks(tags=["govhub"])]


def test_system_check_is_quiet_when_published(mid_2026):
    assert calendar_schedule_check(None) == []
    assert calendar_schedule_check(None, databases=["other"]) == []


def test_system_check_clears_once_next_year_is_published(late_2026, admin_client):
    CalendarYear.objects.create(year=2027, status=CalendarYear.Status.PUBLISHED)
    calendar.bump_cache_version()
    assert calendar_schedule_check(None, databases=["default"]) == []


# --- years ----------------------------------------------------------------------------------------


def test_year_changelist_and_change_page(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:core_calendaryear_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "国务院办公厅关于2026年部分节假日安排的通知" in body
    assert reverse("admin:core_calendaryear_import") in body
    year = CalendarYear.objects.get(year=2026)
    response = admin_client.get(reverse("admin:core_calendaryear_change", args=[year.pk]))
    assert response.status_code == 200
    assert "国庆节" in response.content.decode()


def test_year_add_goes_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:core_calendaryear_add"),
        {
            "year": "2027",
            "source": "国务院办公厅关于2027年部分节假日安排的通知",
            "notes": "",
            "days-TOTAL_FORMS": "0",
            "days-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()
    year = CalendarYear.objects.get(year=2027)
    assert year.status == CalendarYear.Status.DRAFT
    assert AuditEvent.objects.get(action="core.calendar_year.create").actor == admin_client.user


def test_publish_action(admin_client):
    year = CalendarYear.objects.create(year=2027)
    CalendarDay.objects.create(calendar_year=year, date=D(2027, 1, 1), kind="holiday", name="元旦")
    empty = CalendarYear.objects.create(year=2028)
    response = admin_client.post(
        reverse("admin:core_calendaryear_changelist"),
        {"action": "publish_years", "_selected_action": [year.pk, empty.pk]},
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "2028年还没有登记任何放假日期，不能发布。" in body
    year.refresh_from_db()
    empty.refresh_from_db()
    assert year.is_published and not empty.is_published
    assert not is_working_day(D(2027, 1, 1))


def test_years_cannot_be_deleted_in_the_admin(admin_client):
    year = CalendarYear.objects.get(year=2026)
    response = admin_client.post(
        reverse("admin:core_calendaryear_delete", args=[year.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert CalendarYear.objects.filter(year=2026).exists()


# --- days -----------------------------------------------------------------------------------------


def test_day_add_goes_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:core_calendarday_add"),
        {"date": "2026-11-27", "kind": "holiday", "name": "测试"},
    )
    assert response.status_code == 302
    assert not is_working_day(D(2026, 11, 27))
    assert AuditEvent.objects.get(action="core.calendar_day.set").actor == admin_client.user


def test_day_add_rejects_a_weekend_holiday_with_a_clear_error(admin_client):
    response = admin_client.post(
        reverse("admin:core_calendarday_add"), {"date": "2026-11-28", "kind": "holiday", "name": ""}
    )
    assert response.status_code == 200
    assert "2026-11-28是周末，本来就不上班，无需登记为放假日。" in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2026, 11, 28)).exists()


def test_day_change_and_delete_go_through_the_services(admin_client):
    day = CalendarDay.objects.get(date=D(2026, 10, 1))
    response = admin_client.post(
        reverse("admin:core_calendarday_change", args=[day.pk]), {"kind": "holiday", "name": "国庆"}
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.name == "国庆"
    response = admin_client.post(
        reverse("admin:core_calendarday_delete", args=[day.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert is_working_day(D(2026, 10, 1))
    assert AuditEvent.objects.filter(action="core.calendar_day.remove").count() == 1


def test_day_bulk_delete_goes_through_the_service(admin_client):
    pks = list(
        CalendarDay.objects.filter(date__in=[D(2026, 10, 1), D(2026, 10, 2)]).values_list(
            "pk", flat=True
        )
    )
    response = admin_client.post(
        reverse("admin:core_calendarday_changelist"),
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
    )
    assert response.status_code == 302
    assert is_working_day(D(2026, 10, 2))
    assert AuditEvent.objects.filter(action="core.calendar_day.remove").count() == 2
    # The admin overrides delete_queryset without super(): its records are written anyway.
    admin_records = AuditEvent.objects.filter(action="core.calendarday.admin_delete")
    assert sorted(int(r.object_id) for r in admin_records) == sorted(pks)
    assert {r.changes["date"] for r in admin_records} == {"2026-10-01", "2026-10-02"}


def test_day_changelist(admin_client):
    response = admin_client.get(
        reverse("admin:core_calendarday_changelist"), {"date__year": "2026"}
    )
    assert response.status_code == 200
    assert "周日" in response.content.decode()  # 2026-09-20, a make-up Sunday


# --- import -------------------------------------------------------------------------------------


def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_import_page_imports_and_publishes(admin_client):
    url = reverse("admin:core_calendaryear_import")
    assert admin_client.get(url, {"year": "2027"}).status_code == 200
    response = admin_client.post(
        url,
        {
            "year": "2027",
            "file": upload("2027.csv", "date,kind,name\n2027-01-01,holiday,元旦\n"),
            "source": "国务院办公厅关于2027年部分节假日安排的通知",
            "notes": "",
            "publish": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "已导入2027年：放假1天，调休上班0天。" in response.content.decode()
    assert CalendarYear.objects.get(year=2027).is_published
    assert not is_working_day(D(2027, 1, 1))


def test_import_page_lists_row_errors(admin_client):
    response = admin_client.post(
        reverse("admin:core_calendaryear_import"),
        {
            "year": "2027",
            "file": upload("2027.csv", "date,kind\n2027-01-02,holiday\n2027-01-04,workday\n"),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "导入文件有2处错误，未做任何修改。" in body
    assert "第2行：2027-01-02是周末" in body
    assert "第3行：2027-01-04是工作日" in body
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_import_page_counts_in_english(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("admin:core_calendaryear_import")
    one_error = admin_client.post(
        url, {"year": "2027", "file": upload("2027.csv", "date,kind\n2027-01-02,holiday\n")}
    ).content.decode()
    assert "The import file has 1 error. Nothing was changed." in one_error
    two_errors = admin_client.post(
        url,
        {
            "year": "2027",
            "file": upload("2027.csv", "date,kind\n2027-01-02,holiday\n2027-01-04,workday\n"),
        },
    ).content.decode()
    assert "The import file has 2 errors. Nothing was changed." in two_errors
    # The source field's help text names no particular year.
    assert "that year&#x27;s public holidays" in two_errors

    csv = "date,until,kind\n2027-01-01,,holiday\n2027-02-08,2027-02-09,holiday\n"
    csv += "2027-02-20,,workday\n"
    done = admin_client.post(url, {"year": "2027", "file": upload("2027.csv", csv)}, follow=True)
    assert "Imported 2027: 3 days off and 1 make-up working day." in done.content.decode()


def test_year_actions_list_the_years_in_english(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    years = [CalendarYear.objects.create(year=year) for year in (2027, 2028)]
    for year in years:
        CalendarDay.objects.create(
            calendar_year=year, date=D(year.year, 1, 1 if year.year == 2027 else 3), kind="holiday"
        )
    response = admin_client.post(
        reverse("admin:core_calendaryear_changelist"),
        {"action": "publish_years", "_selected_action": [year.pk for year in years]},
        follow=True,
    )
    assert "Done: 2027, 2028" in response.content.decode()


def test_import_page_rejects_other_file_types(admin_client):
    response = admin_client.post(
        reverse("admin:core_calendaryear_import"),
        {"year": "2027", "file": upload("2027.xlsx", "x")},
    )
    assert "请上传 .csv 或 .json 文件。" in response.content.decode()


def test_import_page_needs_permission(client):
    staff = get_user_model().objects.create_user("clerk", password=None, is_staff=True)
    sign_in_admin(client, staff)
    assert client.get(reverse("admin:core_calendaryear_import")).status_code == 403
