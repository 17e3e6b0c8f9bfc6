"""Synthetic Hegang demo directory: regions, departments, halls and windows, grassroots
service points, and demo staff covering every role. Data in `demo_data`.

`load()` is idempotent: it updates or creates every row by its natural key (region code,
department code, hall code, hall + window number, service point code, username, position
scope), so a second run neither duplicates nor fails and puts edited demo rows back. It
refuses to run in production mode.

Demo accounts (all synthetic people; password from the environment variable
`GOVHUB_DEMO_PASSWORD`, default "Hegang-demo-2026"):

=========================  ==================================================================
username                   role
=========================  ==================================================================
demo-sysadmin              system administrator (鹤岗市政务服务中心, which runs the city hall);
                           also Django admin superuser
demo-supervisor            supervisor (电子监察) for all of 鹤岗市 (市政府办公室)
demo-luobei-supervisor     supervisor for 萝北县 only
demo-amr-admin             department administrator of 鹤岗市市场监督管理局
demo-amr-reviewer          reviewer, 市场监管局
demo-amr-approver          approver, 市场监管局
demo-amr-clerk             window clerk at window 04 of 鹤岗市政务服务中心 (市场监管局)
demo-hrss-admin            department administrator of 鹤岗市人力资源和社会保障局
demo-hrss-clerk            window clerk at window 05 and reviewer, 市人社局
demo-centre-clerk          window clerk at comprehensive window 01 (市政务服务中心)
demo-luobei-agent          grassroots agent at 凤翔镇便民服务中心 (萝北县)
demo-village-agent         grassroots agent at 永丰村便民服务代办点 (萝北县凤翔镇)
demo-hrss-approver         approver, 市人社局
demo-hotline               12345 hotline operator (files applications for callers)
=========================  ==================================================================
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from govhub.core.audit import audit_log
from govhub.core.codes import uscc_check_character
from govhub.organizations import demo_data as data
from govhub.organizations.models import (
    Department,
    Position,
    Region,
    ServiceHall,
    ServicePoint,
    StaffMember,
    Window,
)

DEFAULT_DEMO_PASSWORD = "Hegang-demo-2026"  # noqa: S105 - documented demo password


def demo_password() -> str:
    return os.environ.get("GOVHUB_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def demo_uscc(region_code: str, serial: int) -> str:
    """A synthetic but valid USCC: 1 (机构编制) 1 (机关) + region + "MB" + six-digit serial +
    one digit, then the GB 32100 check character."""
    body = f"11{region_code}MB{serial:06d}{serial % 10}"
    return body + uscc_check_character(body)


def demo_phone(serial: int) -> str:
    return f"0468-{3_600_000 + serial * 111}"


def _region(
    code: str, name: str, name_en: str, level: int, parent: Region | None, order: int
) -> Region:
    region, _ = Region.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "level": level,
            "parent": parent,
            "sort_order": order,
            "is_active": True,
        },
    )
    return region


def _village_codes(township_code: str, villages: list[tuple[str, str]]) -> list[str]:
    """Communities (社区) get 001, 002, …; villages (村) 201, 202, …."""
    codes: list[str] = []
    community = village = 0
    for name, _en in villages:
        if name.endswith("社区"):
            community += 1
            codes.append(f"{township_code}{community:03d}")
        else:
            village += 1
            codes.append(f"{township_code}{200 + village:03d}")
    return codes


def _load_regions_and_points() -> tuple[dict[str, Region], int]:
    regions: dict[str, Region] = {}
    province = _region(*data.PROVINCE, Region.Level.PROVINCE, None, 0)
    city = _region(*data.CITY, Region.Level.CITY, province, 0)
    regions.update({province.code: province, city.code: city})
    points = 0
    for order, (code, name, name_en, townships) in enumerate(data.DIVISIONS, start=1):
        division = _region(code, name, name_en, Region.Level.COUNTY, city, order)
        regions[code] = division
        for t_order, (t_code, t_name, t_en, villages) in enumerate(townships, start=1):
            township = _region(t_code, t_name, t_en, Region.Level.TOWNSHIP, division, t_order)
            regions[t_code] = township
            _service_point(
                code=f"township-{t_code}",
                kind=ServicePoint.Kind.TOWNSHIP_CENTRE,
                region=township,
                name=f"{t_name}便民服务中心",
                name_en=f"{t_en} Service Centre",
                address=f"鹤岗市{name}{t_name}政务服务楼一层",
                office_hours=data.HOURS,
                phone=f"0468-{5_100_000 + points * 13}",
            )
            points += 1
            village_codes = _village_codes(t_code, villages)
            for v_order, ((v_name, v_en), v_code) in enumerate(
                zip(villages, village_codes, strict=True), start=1
            ):
                village = _region(v_code, v_name, v_en, Region.Level.VILLAGE, township, v_order)
                regions[v_code] = village
                is_community = v_name.endswith("社区")
                _service_point(
                    code=f"village-{v_code}",
                    kind=ServicePoint.Kind.VILLAGE_POINT,
                    region=village,
                    name=f"{v_name}便民服务{'站' if is_community else '代办点'}",
                    name_en=f"{v_en} {'Service Station' if is_community else 'Agency Point'}",
                    address=f"鹤岗市{name}{t_name}{v_name}"
                    f"{'党群服务中心' if is_community else '村民委员会'}",
                    office_hours=data.VILLAGE_HOURS,
                    phone=f"0468-{5_100_000 + points * 13}",
                )
                points += 1
    return regions, points


def _service_point(**fields: Any) -> ServicePoint:
    code = fields.pop("code")
    point, _ = ServicePoint.objects.update_or_create(
        code=code, defaults={**fields, "is_active": True}
    )
    return point


def _department(
    spec: data.DepartmentSpec, regions: dict[str, Region], by_code: dict[str, Department]
) -> Department:
    region = regions[spec.region]
    department, _ = Department.objects.update_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "short_name": spec.short_name,
            "name_en": spec.name_en,
            "kind": spec.kind,
            "uscc": demo_uscc(region.code, spec.serial),
            "region": region,
            "parent": by_code[spec.parent] if spec.parent else None,
            "functions": spec.functions,
            "functions_en": spec.functions_en,
            "address": spec.address,
            "office_hours": data.HOURS,
            "phone": demo_phone(spec.serial),
            "website": "",
            "sort_order": spec.serial,
            "is_active": True,
        },
    )
    by_code[spec.code] = department
    return department


def _division_government_spec(code: str, serial: int, division: Region) -> data.DepartmentSpec:
    is_county = division.name.endswith("县")
    unit = "乡镇" if is_county else "街道办事处"
    units_en = "townships" if is_county else "subdistrict offices"
    legal_name = f"{division.name}人民政府" if is_county else f"鹤岗市{division.name}人民政府"
    en_kind = "County" if is_county else "District"
    place = division.name_en.removesuffix(f" {en_kind}")
    return data.DepartmentSpec(
        code=code,
        serial=serial,
        name=legal_name,
        short_name=f"{division.name}政府",
        name_en=f"The People's Government of {place} {en_kind}, Hegang",
        kind=Department.Kind.GOVERNMENT,
        region=division.code,
        functions=(
            f"{division.name}的国家行政机关，负责本{'县' if is_county else '区'}经济社会发展、"
            f"社会治理和公共服务，领导所属各部门和各{unit}的工作。"
        ),
        functions_en=(
            f"The state administration of {division.name_en}, responsible for its economic "
            f"and social development, governance and public services, and directing its "
            f"departments and {units_en}."
        ),
        address=data.DIVISION_SEATS[division.code],
        parent="hg-gov",
    )


def _load_departments(regions: dict[str, Region]) -> dict[str, Department]:
    by_code: dict[str, Department] = {}
    for spec in data.CITY_DEPARTMENTS:
        _department(spec, regions, by_code)
    for code, serial, division_code in data.DIVISION_GOVERNMENTS:
        spec = _division_government_spec(code, serial, regions[division_code])
        _department(spec, regions, by_code)
    for spec in data.COUNTY_DEPARTMENTS:
        _department(spec, regions, by_code)
    return by_code


def _load_halls(
    regions: dict[str, Region], departments: dict[str, Department]
) -> tuple[dict[str, Window], int]:
    windows: dict[str, Window] = {}
    for spec in data.HALLS:
        hall, _ = ServiceHall.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "name_en": spec.name_en,
                "region": regions[spec.region],
                "operator": departments[spec.operator],
                "address": spec.address,
                "office_hours": data.HALL_HOURS,
                "phone": spec.phone,
                "is_active": True,
            },
        )
        for order, (number, name, name_en, kind, served) in enumerate(spec.windows, start=1):
            window, _ = Window.objects.update_or_create(
                hall=hall,
                number=number,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "kind": kind,
                    "sort_order": order,
                    "is_active": True,
                },
            )
            window.departments.set([departments[code] for code in served])
            windows[f"{spec.code}/{number}"] = window
    return windows, len(data.HALLS)


class _PasswordSetter:
    """Sets the demo password, hashing it once per load rather than once per account."""

    def __init__(self, password: str) -> None:
        self.password = password
        self._encoded = ""
        self._verified: dict[str, bool] = {}

    def ensure(self, user: Any) -> None:
        current = user.password or ""
        if current not in self._verified:
            self._verified[current] = bool(current) and check_password(self.password, current)
        if not self._verified[current]:
            if not self._encoded:
                self._encoded = make_password(self.password)
                self._verified[self._encoded] = True
            user.password = self._encoded
            user.save(update_fields=["password"])


def _load_staff(
    regions: dict[str, Region], departments: dict[str, Department], windows: dict[str, Window]
) -> tuple[int, int]:
    user_model = get_user_model()
    passwords = _PasswordSetter(demo_password())
    positions = 0
    for spec in data.STAFF:
        user, _ = user_model.objects.update_or_create(
            username=spec.username,
            defaults={
                "kind": "staff",
                "full_name": spec.full_name,
                "is_active": True,
                "is_staff": spec.superuser,
                "is_superuser": spec.superuser,
            },
        )
        passwords.ensure(user)
        staff, _ = StaffMember.objects.update_or_create(
            user=user,
            defaults={
                "department": departments[spec.department],
                "employee_number": spec.employee_number,
                "title": spec.title,
                "is_active": True,
            },
        )
        for role, department_code, region_code, window_key, point_code in spec.positions:
            Position.objects.update_or_create(
                staff=staff,
                role=role,
                department=departments[department_code],
                region=regions[region_code],
                defaults={
                    "window": windows[window_key] if window_key else None,
                    "service_point": (
                        ServicePoint.objects.get(code=point_code) if point_code else None
                    ),
                    "valid_from": None,
                    "valid_until": None,
                    "is_active": True,
                },
            )
            positions += 1
    return len(data.STAFF), positions


@transaction.atomic
def load() -> dict[str, int]:
    """Load or refresh the demo directory; returns how many of each were loaded."""
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Demo data is never loaded in production mode (GOVHUB_ENV=production)."
        )
    regions, service_points = _load_regions_and_points()
    departments = _load_departments(regions)
    windows, halls = _load_halls(regions, departments)
    staff, positions = _load_staff(regions, departments, windows)
    counts = {
        "regions": len(regions),
        "departments": len(departments),
        "halls": halls,
        "windows": len(windows),
        "service_points": service_points,
        "staff": staff,
        "positions": positions,
    }
    audit_log(
        actor=None, action="organizations.demo.load", actor_label="demo-loader", changes=counts
    )
    return counts
