import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from govhub.organizations.models import Position, Region
from govhub.organizations.tests.factories import (
    CityFactory,
    DepartmentFactory,
    RegionFactory,
    ServicePointFactory,
    StaffMemberFactory,
    TownshipFactory,
    VillageFactory,
    WindowFactory,
)
from govhub.organizations.validators import validate_phone


@pytest.mark.django_db
def test_department_uscc_field_uses_core_rules_and_accepts_legacy_check_characters():
    department = DepartmentFactory()
    department.uscc = department.uscc[:17] + ("1" if department.uscc[17] != "1" else "2")
    department.full_clean()  # a legacy check character is the services' decision
    for value in ("", "9123040O", "91230400mb0000088g", "91230400MB00000I8G"):
        department.uscc = value
        with pytest.raises(ValidationError) as info:
            department.full_clean()
        assert "uscc" in info.value.message_dict, value


@pytest.mark.parametrize(
    "value", ["0468-3612345", "0451-86123456", "0468-3612345-801", "13912345678", "12345"]
)
def test_phone_accepts(value):
    validate_phone(value)


@pytest.mark.parametrize(
    "value", ["3612345", "0468 3612345", "phone", "1391234567", "+86 468 3612345"]
)
def test_phone_rejects(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


@pytest.mark.django_db
def test_region_path_follows_parent_and_moves_with_it():
    city = CityFactory()
    county = RegionFactory(parent=city)
    township = TownshipFactory(parent=county)
    village = VillageFactory(parent=township)
    assert village.path == f"/{city.code}/{county.code}/{township.code}/{village.code}/"
    assert village.ancestor_codes == [city.code, county.code, township.code, village.code]
    assert county.covers(village) and not village.covers(county)

    other_city = CityFactory()
    county.parent = other_city
    county.save()
    village.refresh_from_db()
    assert village.path == f"/{other_city.code}/{county.code}/{township.code}/{village.code}/"


@pytest.mark.django_db
def test_region_clean_refuses_cycles_and_wrong_lengths():
    city = CityFactory()
    county = RegionFactory(parent=city)
    city.parent = county
    with pytest.raises(ValidationError) as error:
        city.full_clean()
    assert "parent" in error.value.message_dict
    bad = Region(code="123456789", name="错", level=Region.Level.COUNTY)
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "code" in error.value.message_dict


@pytest.mark.django_db
def test_database_refuses_code_of_the_wrong_length_for_its_level():
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="123456789", name="错", level=Region.Level.COUNTY)


@pytest.mark.django_db
def test_database_refuses_malformed_uscc():
    department = DepartmentFactory()
    department.uscc = "91230400MB00000I8G"
    with pytest.raises(IntegrityError), transaction.atomic():
        department.save()


@pytest.mark.django_db
def test_position_clean_rules():
    city = CityFactory()
    department = DepartmentFactory(region=RegionFactory(parent=city))
    staff = StaffMemberFactory(department=department)
    clerk = Position(
        staff=staff,
        role=Position.Role.WINDOW_CLERK,
        department=department,
        region=department.region,
    )
    with pytest.raises(ValidationError) as error:
        clerk.full_clean()
    assert "window" in error.value.message_dict

    far_window = WindowFactory()  # a hall in an unrelated region
    clerk.window = far_window
    with pytest.raises(ValidationError) as error:
        clerk.full_clean()
    assert "window" in error.value.message_dict

    outside = Position(staff=staff, role=Position.Role.REVIEWER, department=department, region=city)
    with pytest.raises(ValidationError) as error:
        outside.full_clean()
    assert "region" in error.value.message_dict

    reviewer_with_point = Position(
        staff=staff,
        role=Position.Role.REVIEWER,
        department=department,
        region=department.region,
        service_point=ServicePointFactory(),
    )
    with pytest.raises(ValidationError) as error:
        reviewer_with_point.full_clean()
    assert "service_point" in error.value.message_dict
