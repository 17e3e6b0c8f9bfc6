"""Prefilling the application form from the account and the base registries, and the
government-issued materials the registries stand in for."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from govhub.cases.prefill import (
    PREFILL_PURPOSE,
    SOURCE_ACCOUNT,
    SOURCE_ENTERPRISE_ACCOUNT,
    SOURCE_LEGAL_PERSON,
    SOURCE_POPULATION,
    Prefill,
    government_held_materials,
    prefill_for,
    source_label,
)
from govhub.cases.schema_form import form_fields, validate_submission
from govhub.catalog.demo_data import library as lib
from govhub.catalog.models import Material
from govhub.catalog.tests.factories import ItemVersionFactory, MaterialFactory
from govhub.identity.tests.factories import (
    EnterpriseFactory,
    PersonFactory,
    StaffUserFactory,
    VerifiedPersonFactory,
)
from govhub.registries.models import LegalEntity, RegistryLookup, Resident
from govhub.registries.tests.factories import LegalEntityFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def schema(*names: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    pool = {**lib.FIELDS, **lib.PERSON_FIELDS, **lib.ENTERPRISE_FIELDS, **(fields or {})}
    properties = {name: pool[name] for name in names}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


PERSON_SCHEMA = schema(*lib.PERSON_FIELDS, "birth_date_elder", "bank_account")
ENTERPRISE_SCHEMA = {
    "type": "object",
    "properties": {**lib.ENTERPRISE_FIELDS, "business_scope": lib.FIELDS["business_scope"]},
    "required": [*lib.ENTERPRISE_FIELDS, "business_scope"],
    "additionalProperties": False,
}


@pytest.fixture
def resident() -> Resident:
    return ResidentFactory(name="王秀兰", household_address="黑龙江省鹤岗市向阳区红军路8号")


@pytest.fixture
def person(resident: Resident):
    return VerifiedPersonFactory(resident=resident, mobile="13945678901")


# --------------------------------------------------------------------------------------
# A person applying for themselves
# --------------------------------------------------------------------------------------


def test_person_prefill_from_account_and_population_registry(person, resident):
    prefill = prefill_for(PERSON_SCHEMA, user=person)
    assert prefill.values == {
        "applicant_name": "王秀兰",
        "id_number": resident.id_number,
        "phone": "13945678901",
        "address": "黑龙江省鹤岗市向阳区红军路8号",
        "birth_date_elder": resident.birth_date.isoformat(),
    }
    assert prefill.sources == {
        "applicant_name": SOURCE_ACCOUNT,
        "id_number": SOURCE_ACCOUNT,
        "phone": SOURCE_ACCOUNT,
        "address": SOURCE_POPULATION,
        "birth_date_elder": SOURCE_POPULATION,
    }
    assert prefill.locked == {"applicant_name", "id_number"}
    # What was filled passes the form's own validation.
    assert validate_submission(PERSON_SCHEMA, {**prefill.values, "bank_account": "6222"}) == {}
    lookup = RegistryLookup.objects.get()
    assert lookup.purpose == PREFILL_PURPOSE
    assert lookup.actor == person
    assert lookup.operation == RegistryLookup.Operation.RESIDENT_VERIFY
    assert lookup.outcome == "match"


def test_only_fields_of_the_schema_are_filled(person):
    prefill = prefill_for(schema("applicant_name", "bank_account"), user=person)
    assert prefill.values == {"applicant_name": "王秀兰"}


def test_no_registry_read_when_the_schema_needs_nothing_from_it(person):
    prefill_for(schema("applicant_name", "id_number", "phone"), user=person)
    assert not RegistryLookup.objects.exists()
    assert prefill_for({}, user=person) == Prefill()
    assert not RegistryLookup.objects.exists()


def test_unverified_account_gives_only_its_verified_mobile():
    user = PersonFactory(full_name="自称的名字", mobile="13900000001")
    prefill = prefill_for(PERSON_SCHEMA, user=user)
    assert prefill.values == {"phone": "13900000001"}
    assert prefill.locked == frozenset()
    assert not RegistryLookup.objects.exists()
    user.mobile_verified_at = None
    assert prefill_for(PERSON_SCHEMA, user=user).values == {}


def test_resident_who_no_longer_matches_gets_no_registry_values(person, resident):
    resident.status = Resident.Status.EMIGRATED
    resident.save()
    prefill = prefill_for(PERSON_SCHEMA, user=person)
    assert "address" not in prefill.values
    assert prefill.values["applicant_name"] == "王秀兰"
    assert RegistryLookup.objects.get().outcome == "inactive"


def test_staff_and_anonymous_get_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert prefill_for(PERSON_SCHEMA, user=StaffUserFactory()) == Prefill()
    assert prefill_for(PERSON_SCHEMA, user=AnonymousUser()) == Prefill()
    assert prefill_for(PERSON_SCHEMA, user=None) == Prefill()
    assert not RegistryLookup.objects.exists()


# --------------------------------------------------------------------------------------
# A person acting for an enterprise
# --------------------------------------------------------------------------------------


def test_enterprise_prefill_from_legal_person_registry(person):
    entity = LegalEntityFactory(
        name="鹤岗市兴安食品有限公司", registered_address="鹤岗市工农区新街基路18号"
    )
    enterprise = EnterpriseFactory(uscc=entity.uscc, name=entity.name)
    prefill = prefill_for(ENTERPRISE_SCHEMA, user=person, enterprise=enterprise)
    assert prefill.values == {
        "enterprise_name": "鹤岗市兴安食品有限公司",
        "uscc": entity.uscc,
        "legal_representative": entity.legal_representative_name,
        "address": "鹤岗市工农区新街基路18号",  # the registered address, not the person's
        "contact_name": "王秀兰",
        "phone": "13945678901",
    }
    assert prefill.sources["uscc"] == SOURCE_LEGAL_PERSON
    assert prefill.sources["address"] == SOURCE_LEGAL_PERSON
    assert prefill.sources["contact_name"] == SOURCE_ACCOUNT
    assert prefill.locked == {"enterprise_name", "uscc"}
    lookup = RegistryLookup.objects.get()  # the legal-person registry only
    assert lookup.operation == RegistryLookup.Operation.LEGAL_ENTITY_GET
    assert lookup.purpose == PREFILL_PURPOSE
    assert lookup.actor == person
    assert (
        validate_submission(
            ENTERPRISE_SCHEMA, {**prefill.values, "business_scope": "预包装食品销售"}
        )
        == {}
    )


def test_enterprise_missing_from_the_registry_falls_back_to_its_account(person):
    enterprise = EnterpriseFactory(name="鹤岗市测试商贸有限公司")
    prefill = prefill_for(ENTERPRISE_SCHEMA, user=person, enterprise=enterprise)
    assert prefill.values["enterprise_name"] == "鹤岗市测试商贸有限公司"
    assert prefill.values["uscc"] == enterprise.uscc
    assert prefill.sources["uscc"] == SOURCE_ENTERPRISE_ACCOUNT
    assert "legal_representative" not in prefill.values
    assert "address" not in prefill.values


# --------------------------------------------------------------------------------------
# Prefill helpers and labels
# --------------------------------------------------------------------------------------


def test_prefill_helpers():
    prefill = Prefill(
        values={"applicant_name": "王秀兰", "address": "红军路8号"},
        sources={"applicant_name": SOURCE_ACCOUNT, "address": SOURCE_POPULATION},
        locked=frozenset({"applicant_name"}),
    )
    typed = {"applicant_name": "张三", "address": "红军路9号", "phone": "13900000000"}
    assert prefill.enforce(typed)["applicant_name"] == "王秀兰"
    assert prefill.enforce(typed)["address"] == "红军路9号"
    assert prefill.merged({"address": "红军路9号"}) == {
        "applicant_name": "王秀兰",
        "address": "红军路9号",
    }
    # A value the applicant changed no longer claims to come from the registry.
    assert prefill.sources_for(prefill.merged({"address": "红军路9号"})) == {
        "applicant_name": SOURCE_ACCOUNT
    }


def test_source_labels():
    assert source_label(SOURCE_ACCOUNT) == "来自实名账号"
    assert source_label(SOURCE_POPULATION) == "来自人口基础库"
    assert source_label(SOURCE_LEGAL_PERSON) == "来自法人基础库"
    assert source_label(SOURCE_ENTERPRISE_ACCOUNT) == "来自企业账号"
    assert source_label("elsewhere") == "已自动填写"
    with translation.override("en"):
        assert source_label(SOURCE_POPULATION)  # translated once the lead adds it


def test_prefill_shows_in_the_form(person):
    prefill = prefill_for(PERSON_SCHEMA, user=person)
    data = prefill.merged({})
    fields = {
        f.name: f
        for f in form_fields(
            PERSON_SCHEMA,
            data=data,
            prefill_sources=prefill.sources_for(data),
            readonly=prefill.locked,
        )
    }
    assert fields["address"].value == "黑龙江省鹤岗市向阳区红军路8号"
    assert fields["address"].prefill_label == "来自人口基础库"
    assert fields["id_number"].readonly
    assert not fields["address"].readonly
    assert fields["bank_account"].prefill_label == ""


# --------------------------------------------------------------------------------------
# Materials the government already holds
# --------------------------------------------------------------------------------------


def government(version, key: str) -> Material:
    spec = lib.MATERIALS[key]
    return MaterialFactory(
        version=version,
        name=spec.name,
        kind=spec.kind,
        form=spec.form,
        source=spec.source,
        licence_type=spec.licence_type,
    )


def test_person_materials_held_by_the_population_registry(person, resident):
    version = ItemVersionFactory()
    applicant_id = government(version, "id")
    household = government(version, "household-book")
    both = government(version, "both-ids")
    old = government(version, "old-id")
    marriage = government(version, "marriage-cert")  # no registry for it yet
    own = MaterialFactory(version=version, name="申请表")
    held = government_held_materials(version, user=person)
    assert set(held) == {applicant_id.pk, household.pk}
    assert both.pk not in held and old.pk not in held and marriage.pk not in held
    assert own.pk not in held
    reference = held[applicant_id.pk]
    assert reference.startswith("人口基础库：居民身份证 ")
    assert resident.id_number not in reference
    assert resident.id_number_masked in reference
    assert held[household.pk].startswith("人口基础库：居民户口簿 ")
    lookup = RegistryLookup.objects.get()
    assert lookup.actor == person
    assert lookup.purpose == "cases.government_materials"


def test_person_not_in_the_registry_holds_nothing(resident):
    stranger = VerifiedPersonFactory(full_name="另一个名字", resident=resident)
    version = ItemVersionFactory()
    government(version, "id")
    assert government_held_materials(version, user=stranger) == {}
    assert RegistryLookup.objects.get().outcome == "name_mismatch"
    unverified = PersonFactory()
    assert government_held_materials(version, user=unverified) == {}


def test_no_registry_read_without_government_materials(person):
    version = ItemVersionFactory()
    MaterialFactory(version=version, name="申请表")
    assert government_held_materials(version, user=person) == {}
    assert not RegistryLookup.objects.exists()


def test_enterprise_materials_held_by_the_legal_person_registry(person):
    representative = ResidentFactory(name="赵建国")
    entity = LegalEntityFactory(name="鹤岗市兴安食品有限公司", representative=representative)
    enterprise = EnterpriseFactory(uscc=entity.uscc, name=entity.name)
    version = ItemVersionFactory()
    licence = government(version, "business-licence")
    rep_id = government(version, "legal-rep-id")
    household = government(version, "household-book")  # a person's document
    held = government_held_materials(version, user=person, enterprise=enterprise)
    assert set(held) == {licence.pk, rep_id.pk}
    assert household.pk not in held
    assert held[licence.pk] == f"法人基础库：鹤岗市兴安食品有限公司，统一社会信用代码 {entity.uscc}"
    assert representative.id_number not in held[rep_id.pk]
    assert "赵*" in held[rep_id.pk]
    assert representative.id_number_masked in held[rep_id.pk]
    assert RegistryLookup.objects.get().operation == RegistryLookup.Operation.LEGAL_ENTITY_GET


def test_revoked_and_deregistered_entities(person):
    entity = LegalEntityFactory(status=LegalEntity.Status.REVOKED)
    enterprise = EnterpriseFactory(uscc=entity.uscc, name=entity.name)
    version = ItemVersionFactory()
    licence = government(version, "business-licence")
    rep_id = government(version, "legal-rep-id")
    held = government_held_materials(version, user=person, enterprise=enterprise)
    assert held[licence.pk].endswith("（登记状态：吊销）")
    entity.status = LegalEntity.Status.DEREGISTERED
    entity.save()
    held = government_held_materials(version, user=person, enterprise=enterprise)
    assert set(held) == {rep_id.pk}
    missing = EnterpriseFactory()
    assert government_held_materials(version, user=person, enterprise=missing) == {}
