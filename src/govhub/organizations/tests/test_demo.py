import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from govhub.core.validators import check_uscc
from govhub.organizations import demo, policies
from govhub.organizations.demo_data import STAFF
from govhub.organizations.models import (
    Department,
    Position,
    Region,
    ServiceHall,
    ServicePoint,
    StaffMember,
    Window,
)

pytestmark = pytest.mark.django_db
User = get_user_model()

REQUIRED_DEPARTMENTS = [
    "鹤岗市人民政府",
    "鹤岗市人民政府办公室",
    "鹤岗市发展和改革委员会",
    "鹤岗市工业和信息化委员会",
    "鹤岗市民政局",
    "鹤岗市财政局",
    "鹤岗市人力资源和社会保障局",
    "鹤岗市市场监督管理局",
    "鹤岗市公安局",
    "中共鹤岗市委机构编制委员会办公室",
    "鹤岗市人民政府法制办公室",
    "鹤岗市政务服务中心",
    "鹤岗市住房和城乡建设局",
    "鹤岗市交通运输局",
    "鹤岗市教育局",
    "鹤岗市卫生健康委员会",
    "国家税务总局鹤岗市税务局",
    "鹤岗市不动产登记中心",
    "鹤岗市向阳区人民政府",
    "鹤岗市工农区人民政府",
    "鹤岗市南山区人民政府",
    "鹤岗市兴安区人民政府",
    "鹤岗市东山区人民政府",
    "鹤岗市兴山区人民政府",
    "萝北县人民政府",
    "绥滨县人民政府",
]


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("organizations").get_models()
    } | {"users": User.objects.count()}


@pytest.fixture
def loaded():
    return demo.load()


def test_loading_twice_gives_the_same_rows(loaded):
    first = row_counts()
    assert demo.load() == loaded
    assert row_counts() == first
    assert loaded["regions"] == Region.objects.count()
    assert loaded["departments"] == Department.objects.count() >= len(REQUIRED_DEPARTMENTS)
    assert loaded["halls"] == ServiceHall.objects.count() == 3
    assert loaded["service_points"] == ServicePoint.objects.count()
    assert loaded["windows"] == Window.objects.count()


def test_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        demo.load()
    assert not Region.objects.exists()


def test_every_uscc_is_valid_and_stable(loaded):
    codes = dict(Department.objects.values_list("code", "uscc"))
    for department in Department.objects.select_related("region"):
        assert check_uscc(department.uscc).value == department.uscc, department.name
        assert department.uscc.startswith(f"11{department.region.code}")
        assert re.fullmatch(r"0468-\d{7}", department.phone)
        assert department.functions and department.functions_en and department.name_en
        assert department.office_hours and department.address
    demo.load()
    assert dict(Department.objects.values_list("code", "uscc")) == codes


def test_every_region_code_is_well_formed(loaded):
    lengths = {1: 6, 2: 6, 3: 6, 4: 9, 5: 12}
    for region in Region.objects.select_related("parent"):
        assert re.fullmatch(r"\d+", region.code)
        assert len(region.code) == lengths[region.level]
        assert region.name_en
        if region.level >= 4:
            assert region.code.startswith(region.parent.code)
        if region.level == 3:
            assert region.code[:4] == "2304" and region.parent.code == "230400"
    city = Region.objects.get(code="230400")
    assert city.parent.code == "230000"
    counties = set(city.children.values_list("code", flat=True))
    assert counties == {
        "230402",
        "230403",
        "230404",
        "230405",
        "230406",
        "230407",
        "230421",
        "230422",
    }
    for county in city.children.all():
        townships = county.children.all()
        assert 2 <= len(townships) <= 4
        for township in townships:
            assert 2 <= township.children.count() <= 3
    assert Region.objects.get(code="230421100").name == "凤翔镇"
    assert Region.objects.get(code="230422100").name == "绥滨镇"


def test_listed_departments_and_halls_are_present(loaded):
    names = set(Department.objects.values_list("name", flat=True))
    assert set(REQUIRED_DEPARTMENTS) <= names
    city_hall = ServiceHall.objects.get(name="鹤岗市政务服务中心")
    assert city_hall.operator.short_name == "市政务服务中心"
    windows = city_hall.windows.all()
    assert 10 <= len(windows) <= 14
    kinds = {w.kind for w in windows}
    assert kinds == {"comprehensive", "dedicated", "collection", "help"}
    assert all(w.departments.exists() for w in windows)
    assert set(ServiceHall.objects.values_list("region__code", flat=True)) == {
        "230400",
        "230421",
        "230422",
    }


def test_every_township_and_village_has_a_service_point(loaded):
    for region in Region.objects.filter(level__gte=4):
        point = ServicePoint.objects.get(region=region)
        expected = "township" if region.level == 4 else "village"
        assert point.kind == expected


def test_every_role_has_a_demo_staff_member(loaded):
    for role in Position.Role.values:
        holders = [s for s in StaffMember.objects.all() if role in policies.staff_roles(s.user)]
        assert holders, role
    clerk = User.objects.get(username="demo-amr-clerk")
    window = Position.objects.get(staff__user=clerk).window
    assert window.hall.code == "hg-city-hall"
    supervisor = User.objects.get(username="demo-supervisor")
    assert policies.can_supervise_region(supervisor, Region.objects.get(code="230422100"))
    admin = User.objects.get(username="demo-sysadmin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(pk=admin.pk).exists()
    assert all(u.kind == "staff" and u.full_name for u in User.objects.all())
    assert {s.username for s in STAFF} == set(User.objects.values_list("username", flat=True))


def test_demo_password_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("GOVHUB_DEMO_PASSWORD", raising=False)
    demo.load()
    assert User.objects.get(username="demo-amr-admin").check_password("Hegang-demo-2026")
    monkeypatch.setenv("GOVHUB_DEMO_PASSWORD", "Another-demo-pass-1")
    demo.load()
    for user in User.objects.all():
        assert user.check_password("Another-demo-pass-1")


def test_reloading_puts_edited_demo_rows_back(loaded):
    amr = Department.objects.get(code="hg-amr")
    amr.name = "改过的名字"
    amr.is_active = False
    amr.save()
    window = Window.objects.get(hall__code="hg-city-hall", number="04")
    window.departments.clear()
    user = User.objects.get(username="demo-amr-reviewer")
    user.is_active = False
    user.is_superuser = True
    user.save()
    Position.objects.filter(staff__user=user).update(is_active=False)
    Region.objects.filter(code="230421").update(name="改")

    demo.load()
    amr.refresh_from_db()
    assert amr.name == "鹤岗市市场监督管理局" and amr.is_active
    assert list(window.departments.values_list("code", flat=True)) == ["hg-amr"]
    user.refresh_from_db()
    assert user.is_active and not user.is_superuser
    assert policies.user_has_role(user, Position.Role.REVIEWER, department=amr)
    assert Region.objects.get(code="230421").name == "萝北县"


def test_directory_pages_render_with_demo_data(client, loaded):
    for url in (
        "/directory/",
        "/directory/?q=市场",
        "/directory/departments/hg-amr/",
        "/directory/regions/230400/",
        "/directory/regions/230421/",
        "/directory/regions/230421100/",
        "/directory/regions/230421100201/",
        "/directory/halls/hg-city-hall/",
        "/directory/halls/luobei-hall/",
    ):
        assert client.get(url).status_code == 200, url
