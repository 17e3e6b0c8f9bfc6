import datetime
import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from govhub.core.crypto import lookup_hash
from govhub.core.validators import check_id_number, check_uscc, normalize_mobile
from govhub.organizations import demo as organizations_demo
from govhub.organizations.models import Region
from govhub.registries import demo, demo_data
from govhub.registries.models import LegalEntity, Resident
from govhub.registries.selectors import legal_entity_verify_representative, resident_verify

USCC_PREFIXES = {
    "limited_company": "91",
    "joint_stock_company": "91",
    "sole_proprietorship": "91",
    "partnership": "91",
    "individual_business": "92",
    "cooperative": "93",
    "social_organization": "51",
    "private_non_enterprise": "52",
}


@pytest.fixture(scope="module")
def residents():
    return demo.all_residents()


@pytest.fixture(scope="module")
def entities(residents):
    return demo.all_entities(residents)


def _fingerprint(rows):
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_generation_is_deterministic(residents, entities):
    assert _fingerprint(demo.all_residents()) == _fingerprint(residents)
    assert _fingerprint(demo.all_entities()) == _fingerprint(entities)
    # A different seed gives different people: the seed is what fixes them.
    assert demo_data.generate_residents(50, seed=1) != demo_data.generate_residents(50)


def test_counts(residents, entities):
    assert len(residents) >= 5000
    assert len(entities) >= 1000
    assert len({person.id_number for person in residents}) == len(residents)
    assert len({entity.uscc for entity in entities}) == len(entities)
    assert len({entity.name for entity in entities}) == len(entities)


def test_every_id_number_is_valid_and_agrees_with_the_record(residents):
    villages = {village.code: village for village in demo_data.VILLAGES}
    for person in residents:
        check = check_id_number(person.id_number, today=demo_data.REFERENCE_DATE)
        assert check.warnings == (), person
        assert check.birth_date == person.birth_date
        assert check.sex == person.sex
        village = villages[person.region_code]
        assert check.region_code == village.county_code == person.region_code[:6]
        assert village.name in person.household_address
        assert person.household_address.startswith(f"黑龙江省鹤岗市{village.county}")


def test_every_uscc_is_valid_and_agrees_with_the_record(entities):
    for entity in entities:
        check = check_uscc(entity.uscc)
        assert check.check_character_valid
        assert check.region_code == entity.region_code
        assert entity.uscc[:2] == USCC_PREFIXES[entity.entity_type]
        assert demo_data.organisation_code(entity.uscc[8:16]) == entity.uscc[8:17]


def test_representatives_are_adult_living_residents(residents, entities):
    by_number = {person.id_number: person for person in residents}
    for entity in entities:
        person = by_number[entity.legal_representative_id_number]
        assert person.name == entity.legal_representative_name
        assert person.status == "active"
        age_then = (entity.established_on - person.birth_date).days / 365.25
        assert age_then >= 18, entity
        assert entity.established_on < demo_data.REFERENCE_DATE


def test_named_demo_people():
    keys = [person.key for person in demo.DEMO_RESIDENTS]
    assert len(keys) == len(set(keys)) >= 8
    mobiles = [person.mobile for person in demo.DEMO_RESIDENTS]
    assert len(set(mobiles)) == len(mobiles)
    for person in demo.DEMO_RESIDENTS:
        assert normalize_mobile(person.mobile) == person.mobile
        assert person.mobile.startswith("1380000")
        check = check_id_number(person.id_number)
        assert check.sex == person.sex and check.birth_date == person.birth_date
        assert person.region_code[:6] == person.id_number[:6]
    assert demo.DEMO_RESIDENTS_BY_KEY["zhou_jianguo"].status == "deceased"
    assert demo.DEMO_RESIDENTS_BY_KEY["wang_fang"].id_number.endswith("X")
    statuses = {entity.key: entity.status for entity in demo.DEMO_ENTITIES}
    assert statuses["kuangji_parts"] == "revoked"
    assert statuses["beishan_machinery"] == "active"


@pytest.mark.django_db
class TestLoad:
    @pytest.fixture(autouse=True)
    def _regions(self):
        organizations_demo.load()

    def test_load_writes_everything_once(self):
        counts = demo.load()
        assert counts == {"residents": 5008, "legal_entities": 1004}
        assert Resident.objects.count() == 5008
        assert LegalEntity.objects.count() == 1004
        ids = set(Resident.objects.values_list("id", flat=True))
        assert demo.load() == counts
        assert set(Resident.objects.values_list("id", flat=True)) == ids
        assert LegalEntity.objects.count() == 1004

    def test_load_puts_edited_rows_back(self):
        demo.load()
        zhang = demo.DEMO_RESIDENTS_BY_KEY["zhang_wei"]
        digest = lookup_hash(zhang.id_number, purpose="id_number")
        Resident.objects.filter(id_number_hash=digest).update(name="改名", status="deceased")
        LegalEntity.objects.filter(uscc="91230402MA1C2K7E4J").update(status="revoked")
        demo.load()
        person = Resident.objects.get(id_number_hash=digest)
        assert (person.name, person.status) == ("张伟", "active")
        assert LegalEntity.objects.get(uscc="91230402MA1C2K7E4J").status == "active"

    def test_named_people_can_be_verified(self):
        demo.load()
        zhang = demo.DEMO_RESIDENTS_BY_KEY["zhang_wei"]
        result = resident_verify(
            actor=None, name=zhang.name, id_number=zhang.id_number, purpose="演示"
        )
        assert result.outcome == "match"
        assert result.resident.region.code == zhang.region_code
        zhou = demo.DEMO_RESIDENTS_BY_KEY["zhou_jianguo"]
        dead = resident_verify(actor=None, name=zhou.name, id_number=zhou.id_number, purpose="演示")
        assert dead.outcome == "inactive"
        for entity in demo.DEMO_ENTITIES:
            match = legal_entity_verify_representative(
                actor=None,
                uscc=entity.uscc,
                name=entity.legal_representative_name,
                id_number=entity.legal_representative_id_number,
                purpose="演示",
            )
            assert match.outcome == ("match" if entity.status == "active" else "inactive")

    def test_stored_rows_match_the_generated_ones(self, residents):
        demo.load()
        sample = residents[:: len(residents) // 50]
        for person in sample:
            row = Resident.objects.select_related("region").get(
                id_number_hash=lookup_hash(person.id_number, purpose="id_number")
            )
            assert row.id_number == person.id_number
            assert row.region.code == person.region_code
            assert row.region.level == Region.Level.VILLAGE
            assert row.birth_date == person.birth_date


@pytest.mark.django_db
def test_load_needs_the_organisation_regions():
    with pytest.raises(ImproperlyConfigured, match="organizations"):
        demo.load()


@pytest.mark.django_db
def test_load_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="production"):
        demo.load()
    assert not Resident.objects.exists()


def test_reference_date_is_not_in_the_future_of_any_birth(residents):
    assert max(person.birth_date for person in residents) < demo_data.REFERENCE_DATE
    assert datetime.date.today() >= demo_data.REFERENCE_DATE  # noqa: DTZ011
