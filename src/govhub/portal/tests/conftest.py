"""Test data for the portal, made here with the organisations models (no demo data)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from govhub.core.codes import uscc_check_character
from govhub.organizations.models import Department, Region, ServiceHall, Window

COUNTIES = [
    ("230402", "向阳区", "Xiangyang District"),
    ("230403", "工农区", "Gongnong District"),
    ("230404", "南山区", "Nanshan District"),
    ("230405", "兴安区", "Xing'an District"),
    ("230406", "东山区", "Dongshan District"),
    ("230407", "兴山区", "Xingshan District"),
    ("230421", "萝北县", "Luobei County"),
    ("230422", "绥滨县", "Suibin County"),
]


def make_uscc(serial: int) -> str:
    body = f"11230400MB{serial:07d}"
    return body + uscc_check_character(body)


_serial = iter(range(1, 10_000_000))


def make_department(region: Region, code: str, name: str, **extra: object) -> Department:
    defaults: dict[str, object] = {
        "kind": Department.Kind.DEPARTMENT,
        "uscc": make_uscc(next(_serial)),
        "name_en": "",
    }
    defaults.update(extra)
    return Department.objects.create(region=region, code=code, name=name, **defaults)


@dataclass
class CityData:
    city: Region
    counties: list[Region]
    departments: list[Department]
    county_department: Department
    hall: ServiceHall


@pytest.fixture
def city_data(db) -> CityData:
    province = Region.objects.create(code="230000", name="黑龙江省", level=Region.Level.PROVINCE)
    city = Region.objects.create(
        code="230400", name="鹤岗市", name_en="Hegang", level=Region.Level.CITY, parent=province
    )
    counties = [
        Region.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            level=Region.Level.COUNTY,
            parent=city,
            sort_order=index,
        )
        for index, (code, name, name_en) in enumerate(COUNTIES)
    ]
    departments = [
        make_department(
            city,
            "hg-gaj",
            "鹤岗市公安局",
            short_name="市公安局",
            sort_order=1,
            name_en="Hegang Public Security Bureau",
        ),
        make_department(city, "hg-mzj", "鹤岗市民政局", short_name="市民政局", sort_order=2),
        make_department(
            city, "hg-zwfw", "鹤岗市政务服务中心", sort_order=3, kind=Department.Kind.SERVICE_CENTRE
        ),
    ]
    make_department(city, "hg-closed", "鹤岗市已撤销局", sort_order=4, is_active=False)
    county_department = make_department(counties[0], "xy-mzj", "向阳区民政局")
    hall = ServiceHall.objects.create(
        code="hg-hall",
        name="鹤岗市政务服务中心大厅",
        region=city,
        operator=departments[2],
        address="鹤岗市向阳区示例路 1 号",
        office_hours="周一至周五 8:30–17:00",
        phone="0468-3222345",
    )
    window = Window.objects.create(
        hall=hall, number="A01", name="综合受理窗口", kind=Window.Kind.COMPREHENSIVE
    )
    window.departments.set(departments[:2])
    return CityData(city, counties, departments, county_department, hall)
