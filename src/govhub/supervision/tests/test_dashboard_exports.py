"""Exports: CSV with a byte-order mark, XLSX workbooks, the same rows as the page (scope
and filters), formula-looking text neutralised, every export audited."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in
from govhub.supervision.exports import safe_cell
from govhub.supervision.tests.dashboard_world import World, build_world
from govhub.supervision.tests.factories import department_staff, supervisor

pytestmark = pytest.mark.django_db
MARCH = "start=2026-03-01&end=2026-03-18"


@pytest.fixture
def world() -> World:
    return build_world()


def signed_in(user: Any) -> Client:
    client = Client()
    sign_in(client, user, methods=("pwd", "otp"))
    return client


def read_csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_regions_csv_matches_the_figures(world: World) -> None:
    client = signed_in(supervisor(world.city))
    url = reverse("supervision:export_csv", args=[world.city.code, "regions"])
    response = client.get(f"{url}?{MARCH}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="supervision-{world.city.code}-20260301-20260318-regions.csv"'
    )
    rows = read_csv(response)
    assert rows[0][:3] == ["行政区划", "区划代码", "在办件"]
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code[world.district.code][2:] == ["5", "3", "2", "1", "50.0%", "1", "1"]
    assert by_code[world.city.code][0].endswith("本级")
    assert AuditEvent.objects.filter(
        action="supervision.export", changes__what="figures.regions.csv"
    ).exists()


@pytest.mark.parametrize("table", ["summary", "departments", "ageing", "rules", "weeks"])
def test_every_figures_table_exports(world: World, table: str) -> None:
    client = signed_in(supervisor(world.city))
    url = reverse("supervision:export_csv", args=[world.city.code, table])
    rows = read_csv(client.get(f"{url}?{MARCH}"))
    assert len(rows) >= 2
    assert all(len(row) == len(rows[0]) for row in rows)


def test_unknown_table_is_404(world: World) -> None:
    client = signed_in(supervisor(world.city))
    url = reverse("supervision:export_csv", args=[world.city.code, "secrets"])
    assert client.get(url).status_code == 404


def test_xlsx_workbook_has_every_table(world: World) -> None:
    client = signed_in(supervisor(world.city))
    url = reverse(
        "supervision:export_xlsx_department", args=[world.district.code, world.dept_a.code]
    )
    response = client.get(f"{url}?{MARCH}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["总览", "按区划", "按部门", "超期时长", "按规则", "周趋势"]
    summary = list(book["总览"].iter_rows(values_only=True))
    assert summary[1][0] == f"{world.district.name} · {world.dept_a.name}"
    assert summary[1][4:] == (4, 3, 0, 0, "—", 1, 1)
    departments = list(book["按部门"].iter_rows(values_only=True))
    assert [row[1] for row in departments[1:]] == [world.dept_a.code]


def test_department_export_holds_only_its_own(world: World) -> None:
    client = signed_in(department_staff(world.dept_a))
    url = reverse("supervision:export_csv", args=[world.district.code, "departments"])
    rows = read_csv(client.get(f"{url}?{MARCH}"))
    assert [row[1] for row in rows[1:]] == [world.dept_a.code]
    alerts = read_csv(client.get(reverse("supervision:alerts_csv")))
    numbers = {row[5] for row in alerts[1:]}
    assert numbers == {world.cases["A1"].number, world.cases["A4"].number}


def test_alert_export_follows_the_filters(world: World) -> None:
    client = signed_in(supervisor(world.city))
    url = reverse("supervision:alerts_csv")
    everything = read_csv(client.get(f"{url}?region={world.city.code}"))
    assert everything[0][:3] == ["预警编号", "预警等级", "状态"]
    assert len(everything) == 1 + 4  # A1 A4 C1 and the closed B2; never X1
    red_open = read_csv(client.get(f"{url}?region={world.city.code}&level=red&state=open"))
    assert {row[5] for row in red_open[1:]} == {world.cases["A1"].number, world.cases["C1"].number}
    # Open ones first, red before yellow, oldest first.
    assert [row[5] for row in everything[1:3]] == [
        world.cases["A1"].number,
        world.cases["C1"].number,
    ]
    book = load_workbook(
        io.BytesIO(client.get(f"{reverse('supervision:alerts_xlsx')}?level=yellow").content)
    )
    rows = list(book.active.iter_rows(values_only=True))
    assert [row[5] for row in rows[1:]] == [world.cases["A4"].number]


def test_free_text_cannot_become_a_formula(world: World) -> None:
    alert = world.alerts["A1"]
    alert.explanation = '=HYPERLINK("http://evil.example","点我")'
    alert.save(update_fields=["explanation"])
    client = signed_in(supervisor(world.city))
    rows = read_csv(client.get(f"{reverse('supervision:alerts_csv')}?level=red&state=open"))
    cell = next(row[13] for row in rows[1:] if row[0] == str(alert.pk))
    assert cell.startswith("'=")
    book = load_workbook(io.BytesIO(client.get(reverse("supervision:alerts_xlsx")).content))
    values = [row[13] for row in book.active.iter_rows(values_only=True)]
    assert "'" + alert.explanation in values
    assert safe_cell("-1") == "'-1" and safe_cell(-1) == -1 and safe_cell("正常") == "正常"
