"""factory_boy factories for every organisations model (synthetic data only).

Region codes made here start with 9 so they never collide with the Hegang demo data.
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from govhub.organizations.demo import demo_uscc
from govhub.organizations.models import (
    Department,
    Position,
    Region,
    ServiceHall,
    ServicePoint,
    StaffMember,
    Window,
)


class RegionFactory(DjangoModelFactory):
    """A county-level region (no parent unless given)."""

    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"9{n:05d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    name_en = factory.Sequence(lambda n: f"Test District {n}")
    level = Region.Level.COUNTY
    parent = None


class CityFactory(RegionFactory):
    level = Region.Level.CITY
    name = factory.Sequence(lambda n: f"测试市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")


class TownshipFactory(RegionFactory):
    level = Region.Level.TOWNSHIP
    parent = factory.SubFactory(RegionFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    name_en = factory.Sequence(lambda n: f"Test Town {n}")


class VillageFactory(RegionFactory):
    level = Region.Level.VILLAGE
    parent = factory.SubFactory(TownshipFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"测试村{n}")
    name_en = factory.Sequence(lambda n: f"Test Village {n}")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"测试局{n}")
    short_name = factory.Sequence(lambda n: f"测{n}局")
    name_en = factory.Sequence(lambda n: f"Test Bureau {n}")
    kind = Department.Kind.DEPARTMENT
    uscc = factory.Sequence(lambda n: demo_uscc("990000", n))
    region = factory.SubFactory(RegionFactory)
    functions = "负责本行政区域内的测试事务。"
    functions_en = "Handles test affairs in the area."
    address = "测试市测试路 1 号"
    office_hours = "工作日 8:30-11:30，13:30-17:00"
    phone = "0468-3000001"


class ServiceHallFactory(DjangoModelFactory):
    class Meta:
        model = ServiceHall

    code = factory.Sequence(lambda n: f"hall-{n}")
    name = factory.Sequence(lambda n: f"测试政务服务中心{n}")
    name_en = factory.Sequence(lambda n: f"Test Service Hall {n}")
    region = factory.SubFactory(RegionFactory)
    operator = factory.SubFactory(
        DepartmentFactory, region=factory.SelfAttribute("..region"), kind="service_centre"
    )
    address = "测试市政务路 8 号"
    office_hours = "工作日 8:30-17:00"
    phone = "0468-3000002"


class WindowFactory(DjangoModelFactory):
    class Meta:
        model = Window
        skip_postgeneration_save = True

    hall = factory.SubFactory(ServiceHallFactory)
    number = factory.Sequence(lambda n: f"{n:02d}")
    name = factory.Sequence(lambda n: f"综合受理窗口{n}")
    name_en = factory.Sequence(lambda n: f"Comprehensive Window {n}")
    kind = Window.Kind.COMPREHENSIVE

    @factory.post_generation
    def departments(self, create: bool, extracted: list[Department] | None, **kwargs: object):
        if create and extracted:
            self.departments.set(extracted)


class ServicePointFactory(DjangoModelFactory):
    class Meta:
        model = ServicePoint

    code = factory.Sequence(lambda n: f"point-{n}")
    kind = ServicePoint.Kind.TOWNSHIP_CENTRE
    name = factory.Sequence(lambda n: f"测试镇便民服务中心{n}")
    name_en = factory.Sequence(lambda n: f"Test Town Service Centre {n}")
    region = factory.SubFactory(TownshipFactory)
    address = "测试镇政务楼一层"
    office_hours = "工作日 8:30-17:00"
    phone = "0468-5000001"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    full_name = factory.Sequence(lambda n: f"测试员{n}")
    kind = "staff"

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object):
        if extracted:
            self.set_password(extracted)
        else:
            self.set_unusable_password()
        if create:
            self.save(update_fields=["password"])


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    title = "科员"


class PositionFactory(DjangoModelFactory):
    """A position in the staff member's own department and its region."""

    class Meta:
        model = Position

    staff = factory.SubFactory(StaffMemberFactory)
    role = Position.Role.REVIEWER
    department = factory.SelfAttribute("staff.department")
    region = factory.SelfAttribute("department.region")


def grant(user, role, *, department=None, region=None, **extra) -> Position:
    """Give `user` (creating their staff record when needed) a position."""
    staff = StaffMember.objects.filter(user=user).first()
    if staff is None:
        staff = StaffMemberFactory(user=user, department=department or DepartmentFactory())
    department = department or staff.department
    return PositionFactory(
        staff=staff, role=role, department=department, region=region or department.region, **extra
    )
