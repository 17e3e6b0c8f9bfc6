import datetime
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from govhub.core import services
from govhub.core.calendar import add_working_days, is_working_day, year_is_published
from govhub.core.calendar_models import CalendarDay, CalendarYear
from govhub.core.errors import InvalidInput, NotFound
from govhub.core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]

D = datetime.date

CSV_2027 = """date,until,kind,name
2027-01-01,,holiday,元旦
2027-02-06,2027-02-13,holiday,春节
2027-02-20,,workday,春节
2027-10-01,2027-10-07,holiday,国庆节
2027-09-26,,workday,国庆节
2027-10-09,,workday,国庆节
"""


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("calendar-admin", password=None)


# --- single days --------------------------------------------------------------------------


def test_day_set_creates_a_draft_year_audits_and_is_seen_after_publishing(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        day = services.calendar_day_set(
            actor=admin_user, day=D(2027, 1, 1), kind="holiday", name="元旦"
        )
    assert day.calendar_year.year == 2027
    assert day.calendar_year.status == CalendarYear.Status.DRAFT
    event = AuditEvent.objects.get(action="core.calendar_day.set")
    assert event.actor == admin_user
    assert event.object_type == "core.calendarday"
    assert event.changes["after"] == {"kind": "holiday", "name": "元旦"}
    assert event.changes["before"] is None
    assert is_working_day(D(2027, 1, 1))  # still a draft
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_year_publish(actor=admin_user, year=2027)
    assert not is_working_day(D(2027, 1, 1))


def test_day_set_updates_and_refreshes_the_cache_at_once(admin_user):
    assert not is_working_day(D(2026, 10, 1))
    services.calendar_day_set(actor=admin_user, day=D(2026, 10, 1), kind="holiday", name="国庆")
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆"
    event = AuditEvent.objects.get(action="core.calendar_day.set")
    assert event.changes["before"] == {"kind": "holiday", "name": "国庆节"}
    # A change to a published year shows at once, also inside the same transaction.
    services.calendar_day_set(actor=admin_user, day=D(2026, 11, 28), kind="workday", name="测试")
    assert is_working_day(D(2026, 11, 28))
    assert add_working_days(D(2026, 11, 27), 1).date == D(2026, 11, 28)


def test_cache_is_refreshed_again_after_commit(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.calendar_day_remove(actor=admin_user, day=D(2026, 10, 10))
    assert len(callbacks) == 1
    assert is_working_day(D(2026, 10, 10)) is False  # a Saturday again


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (D(2026, 11, 28), "holiday"),  # Saturday
        (D(2026, 11, 27), "workday"),  # Friday
        (D(2026, 11, 27), "other"),
        (D(1900, 1, 1), "holiday"),
    ],
)
def test_day_set_rejects_days_that_do_not_differ_from_the_weekend_rule(admin_user, day, kind):
    with pytest.raises(InvalidInput) as info:
        services.calendar_day_set(actor=admin_user, day=day, kind=kind)
    assert info.value.code == "calendar_day_invalid"
    assert info.value.fields["date"]
    assert not AuditEvent.objects.exists()


def test_day_set_messages_are_clear():
    assert services.calendar_day_problem(day=D(2026, 11, 28), kind="holiday") == (
        "2026-11-28是周末，本来就不上班，无需登记为放假日。"
    )
    assert "周六或周日" in services.calendar_day_problem(day=D(2026, 11, 27), kind="workday")
    assert services.calendar_day_problem(day=D(2026, 11, 27), kind="holiday") is None


def test_day_set_rejects_a_too_long_name(admin_user):
    with pytest.raises(InvalidInput):
        services.calendar_day_set(
            actor=admin_user, day=D(2026, 11, 27), kind="holiday", name="节" * 33
        )


def test_day_remove(admin_user):
    services.calendar_day_remove(actor=admin_user, day=D(2026, 10, 1))
    assert is_working_day(D(2026, 10, 1))
    event = AuditEvent.objects.get(action="core.calendar_day.remove")
    assert event.changes["before"] == {"kind": "holiday", "name": "国庆节"}
    with pytest.raises(NotFound):
        services.calendar_day_remove(actor=admin_user, day=D(2026, 10, 1))


# --- years ----------------------------------------------------------------------------------


def test_year_save_creates_a_draft_and_updates_metadata_only(admin_user):
    created = services.calendar_year_save(actor=admin_user, year=2027, source="通知", notes="")
    assert created.status == CalendarYear.Status.DRAFT
    updated = services.calendar_year_save(
        actor=admin_user, year=2026, source="新依据", notes="备注"
    )
    assert updated.is_published
    assert updated.source == "新依据"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["core.calendar_year.create", "core.calendar_year.update"]
    with pytest.raises(InvalidInput):
        services.calendar_year_save(actor=admin_user, year=1800)


def test_publish_needs_holidays_and_is_audited(admin_user):
    services.calendar_year_save(actor=admin_user, year=2027)
    with pytest.raises(InvalidInput) as info:
        services.calendar_year_publish(actor=admin_user, year=2027)
    assert info.value.code == "calendar_year_empty"
    with pytest.raises(NotFound):
        services.calendar_year_publish(actor=admin_user, year=2030)
    services.calendar_day_set(actor=admin_user, day=D(2027, 1, 1), kind="holiday", name="元旦")
    published = services.calendar_year_publish(actor=admin_user, year=2027)
    assert published.is_published and published.published_at
    assert year_is_published(2027)
    services.calendar_year_publish(actor=admin_user, year=2027)  # again: nothing to do
    assert AuditEvent.objects.filter(action="core.calendar_year.publish").count() == 1


def test_unpublish_makes_results_provisional(admin_user):
    services.calendar_year_unpublish(actor=admin_user, year=2026)
    assert not year_is_published(2026)
    result = add_working_days(D(2026, 9, 30), 1)
    assert (result.date, result.provisional) == (D(2026, 10, 1), True)
    assert AuditEvent.objects.get(action="core.calendar_year.unpublish").object_id


# --- import ---------------------------------------------------------------------------------


def test_import_csv_expands_ranges_and_skips_their_weekends(admin_user):
    result = services.calendar_import(
        actor=admin_user,
        year=2027,
        content=CSV_2027.encode("utf-8-sig"),
        file_format="csv",
        source="国务院办公厅关于2027年部分节假日安排的通知",
    )
    # 1 Jan (Fri); 6-13 Feb (Sat-Sat) = 5 weekdays; 1-7 Oct (Fri-Thu) = 5 weekdays.
    assert (result.holidays, result.workdays, result.replaced) == (11, 3, 0)
    calendar_year = result.calendar_year
    assert calendar_year.status == CalendarYear.Status.DRAFT
    assert calendar_year.source.startswith("国务院办公厅")
    assert calendar_year.loaded_at is not None
    assert not CalendarDay.objects.filter(date__in=[D(2027, 2, 6), D(2027, 2, 7)]).exists()
    assert CalendarDay.objects.get(date=D(2027, 2, 20)).kind == "workday"
    event = AuditEvent.objects.get(action="core.calendar.import")
    assert event.changes["holidays"] == 11
    assert "2027-02-20 workday 春节" in event.changes["days"]


def test_import_json_and_publish(admin_user):
    data = {
        "days": [
            {"date": "2027-01-01", "kind": "放假", "name": "元旦"},
            {"日期": "2027-02-20", "类型": "调休上班", "名称": "春节"},
        ]
    }
    result = services.calendar_import(
        actor=admin_user,
        year=2027,
        content=json.dumps(data, ensure_ascii=False),
        file_format="json",
        publish=True,
    )
    assert result.calendar_year.is_published
    assert not is_working_day(D(2027, 1, 1))
    assert is_working_day(D(2027, 2, 20))
    assert not add_working_days(D(2026, 12, 31), 1).provisional


def test_import_replaces_the_year_and_keeps_its_status(admin_user):
    result = services.calendar_import(
        actor=admin_user,
        year=2026,
        content="date,kind,name\n2026-10-01,holiday,国庆节\n",
        file_format="csv",
    )
    assert result.replaced == 25
    assert result.calendar_year.is_published
    assert CalendarDay.objects.filter(date__year=2026).count() == 1
    assert is_working_day(D(2026, 10, 2))
    assert CalendarDay.objects.filter(date__year=2025).count() == 23  # other years untouched


def test_import_errors_list_every_row_and_change_nothing(admin_user):
    content = "\n".join(
        [
            "日期,类型,名称,至",
            "2026-02-30,holiday,坏日期,",  # line 2
            "2026-10-01,vacation,,",  # line 3
            "2027-01-01,holiday,元旦,",  # line 4: another year
            "2026-11-28,holiday,,",  # line 5: a Saturday
            "2026-11-27,workday,,",  # line 6: a Friday
            "2026-10-02,holiday,国庆节,",  # line 7
            "2026-10-01,holiday,国庆节,2026-10-02",  # line 8: duplicates line 7
            "2026-10-09,holiday,,2026-10-08",  # line 9: until before date
            "2026-11-28,holiday,,2026-11-29",  # line 10: only a weekend
        ]
    )
    with pytest.raises(services.CalendarImportError) as info:
        services.calendar_import(actor=admin_user, year=2026, content=content, file_format="csv")
    messages = [error.message for error in info.value.row_errors]
    assert [error.row for error in info.value.row_errors] == [2, 3, 4, 5, 6, 8, 9, 10]
    assert messages[0] == "第2行：日期“2026-02-30”无效，应为YYYY-MM-DD。"
    assert "vacation" in messages[1]
    assert "2026年" in messages[2]
    assert "周末" in messages[3]
    assert "周六或周日" in messages[4]
    assert messages[5] == "第8行：2026-10-02与第7行重复。"
    assert "早于" in messages[6]
    assert "全是周末" in messages[7]
    assert info.value.code == "calendar_import_invalid"
    assert info.value.fields["rows"] == messages
    assert "8处错误" in str(info.value.message)
    assert CalendarDay.objects.filter(date__year=2026).count() == 25
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "file_format", "fragment"),
    [
        ("", "csv", "没有任何日期"),
        ("date,kind\n", "csv", "没有任何日期"),
        ("day,type\n2027-01-01,holiday\n", "csv", "表头"),
        (b"\xff\xfe\x00d", "csv", "UTF-8"),
        ("{not json", "json", "JSON格式错误"),
        ('{"days": 3}', "json", "JSON应为"),
        ('["2027-01-01"]', "json", "第1项"),
        ("date,kind\n2027-01-01,holiday\n", "xml", "不支持"),
    ],
)
def test_import_file_level_errors(admin_user, content, file_format, fragment):
    with pytest.raises(services.CalendarImportError) as info:
        services.calendar_import(
            actor=admin_user, year=2027, content=content, file_format=file_format
        )
    assert fragment in " ".join(e.message for e in info.value.row_errors)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_import_json_row_errors_are_numbered_by_item(admin_user):
    content = json.dumps(
        [{"date": "2027-01-01", "kind": "holiday"}, {"date": "2027-01-02", "kind": "holiday"}]
    )
    with pytest.raises(services.CalendarImportError) as info:
        services.calendar_import(actor=admin_user, year=2027, content=content, file_format="json")
    assert [e.message for e in info.value.row_errors] == [
        "第2项：2027-01-02是周末，本来就不上班，无需登记为放假日。"
    ]


def test_import_publish_needs_a_holiday(admin_user):
    with pytest.raises(services.CalendarImportError):
        services.calendar_import(
            actor=admin_user,
            year=2027,
            content="date,kind\n2027-02-20,workday\n",
            file_format="csv",
            publish=True,
        )
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- management command ----------------------------------------------------------------------


def test_calendar_import_command(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(CSV_2027, encoding="utf-8")
    out = StringIO()
    call_command(
        "calendar_import", str(path), "--year", "2027", "--source", "通知", "--publish", stdout=out
    )
    assert "已导入2027年：放假11天，调休上班3天" in out.getvalue()
    assert year_is_published(2027)
    event = AuditEvent.objects.get(action="core.calendar.import")
    assert event.actor is None
    assert event.actor_label.startswith("manage.py calendar_import")


def test_calendar_import_command_reports_row_errors(tmp_path):
    path = tmp_path / "2027.json"
    path.write_text(json.dumps([{"date": "2027-13-01", "kind": "holiday"}]), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("calendar_import", str(path), "--year", "2027")
    assert "第1项：日期“2027-13-01”无效" in str(info.value)
    with pytest.raises(CommandError, match="--format"):
        call_command("calendar_import", str(tmp_path / "2027.txt"), "--year", "2027")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("calendar_import", str(tmp_path / "missing.csv"), "--year", "2027")
