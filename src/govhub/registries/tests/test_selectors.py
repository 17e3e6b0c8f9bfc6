import pytest
from django.test import RequestFactory

from govhub.core.requestid import on_behalf_of_var, request_id_var
from govhub.organizations.tests.factories import UserFactory
from govhub.registries import selectors
from govhub.registries.models import RegistryLookup, Resident
from govhub.registries.selectors import (
    id_number_hash,
    legal_entity_get,
    legal_entity_verify_representative,
    lookups_about,
    resident_get,
    resident_verify,
)
from govhub.registries.tests.factories import LegalEntityFactory, ResidentFactory

pytestmark = pytest.mark.django_db

PURPOSE = "实名注册核验"


@pytest.fixture
def clerk():
    return UserFactory(username="clerk-zhang")


@pytest.fixture
def resident():
    return ResidentFactory(name="张三丰")


def test_verify_match_returns_the_resident_and_records_it(clerk, resident):
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3")
    token = request_id_var.set("req-42")
    try:
        result = resident_verify(
            actor=clerk,
            name="张三丰",
            id_number=resident.id_number,
            purpose=PURPOSE,
            request=request,
        )
    finally:
        request_id_var.reset(token)
    assert result.outcome == "match" and result.matched
    assert result.resident == resident
    lookup = RegistryLookup.objects.get()
    assert lookup == result.lookup
    assert lookup.actor == clerk
    assert lookup.actor_label == "clerk-zhang"
    assert lookup.registry == "resident"
    assert lookup.operation == "resident_verify"
    assert lookup.purpose == PURPOSE
    assert lookup.outcome == "match"
    assert lookup.subject_hash == resident.id_number_hash
    assert lookup.subject_label == f"张* {resident.id_number[:6]}********{resident.id_number[-4:]}"
    assert resident.id_number not in lookup.subject_label
    assert lookup.request_id == "req-42"
    assert str(lookup.source_ip) == "10.1.2.3"


def test_verify_name_mismatch_reveals_nothing(clerk, resident):
    result = resident_verify(
        actor=clerk, name="张三", id_number=resident.id_number, purpose=PURPOSE
    )
    assert result.outcome == "name_mismatch"
    assert result.resident is None
    assert RegistryLookup.objects.get().outcome == "name_mismatch"


def test_verify_not_found(clerk):
    result = resident_verify(
        actor=clerk, name="李四", id_number="230402198503120412", purpose=PURPOSE
    )
    assert result.outcome == "not_found"
    assert result.resident is None
    lookup = RegistryLookup.objects.get()
    assert lookup.outcome == "not_found"
    assert lookup.subject_hash == id_number_hash("230402198503120412")


@pytest.mark.parametrize("status", [Resident.Status.DECEASED, Resident.Status.EMIGRATED])
def test_verify_inactive_resident(clerk, status):
    person = ResidentFactory(name="王五", status=status)
    result = resident_verify(actor=clerk, name="王五", id_number=person.id_number, purpose=PURPOSE)
    assert result.outcome == "inactive"
    assert result.resident is None


def test_verify_name_mismatch_wins_over_inactive(clerk):
    person = ResidentFactory(name="王五", status=Resident.Status.DECEASED)
    result = resident_verify(actor=clerk, name="王六", id_number=person.id_number, purpose=PURPOSE)
    assert result.outcome == "name_mismatch"


def test_verify_normalises_what_was_typed(clerk):
    person = ResidentFactory(name="阿依古丽·买买提", id_number="23040419781105024X")
    typed = " ２３０４０４１９７８１１０５０２４x "
    result = resident_verify(
        actor=clerk, name=" 阿依古丽•买买提 ", id_number=typed, purpose=PURPOSE
    )
    assert result.outcome == "match"
    assert result.resident == person


def test_anonymous_and_system_callers_are_labelled(resident):
    request = RequestFactory().post("/")
    resident_verify(
        actor=None, name=resident.name, id_number=resident.id_number, purpose=PURPOSE,
        request=request,
    )  # fmt: skip
    resident_get(actor=None, id_number=resident.id_number, purpose="批量核对")
    resident_get(
        actor=None, id_number=resident.id_number, purpose="对接", actor_label="gateway:tax"
    )
    labels = list(RegistryLookup.objects.order_by("id").values_list("actor_label", flat=True))
    assert labels == ["anonymous", "system", "gateway:tax"]
    assert not RegistryLookup.objects.filter(actor__isnull=False).exists()


def test_the_acting_for_identity_is_recorded(clerk, resident):
    token = on_behalf_of_var.set("enterprise:91230402MA1C2K7E4J")
    try:
        resident_get(actor=clerk, id_number=resident.id_number, purpose=PURPOSE)
    finally:
        on_behalf_of_var.reset(token)
    assert RegistryLookup.objects.get().on_behalf_of == "enterprise:91230402MA1C2K7E4J"


@pytest.mark.parametrize("purpose", ["", "   "])
def test_a_purpose_is_required_and_nothing_is_read_without_one(clerk, resident, purpose):
    calls = [
        lambda: resident_verify(
            actor=clerk, name=resident.name, id_number=resident.id_number, purpose=purpose
        ),
        lambda: resident_get(actor=clerk, id_number=resident.id_number, purpose=purpose),
        lambda: legal_entity_get(actor=clerk, uscc="91230402MA1C2K7E4J", purpose=purpose),
        lambda: legal_entity_verify_representative(
            actor=clerk, uscc="91230402MA1C2K7E4J", name="x", id_number="y", purpose=purpose
        ),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="purpose"):
            call()
    assert not RegistryLookup.objects.exists()


def test_resident_get_found_whatever_the_status(clerk):
    person = ResidentFactory(status=Resident.Status.EMIGRATED)
    found = resident_get(actor=clerk, id_number=person.id_number.lower(), purpose=PURPOSE)
    assert found == person
    assert found.status == "emigrated"
    missing = resident_get(actor=clerk, id_number="230402198503120412", purpose=PURPOSE)
    assert missing is None
    outcomes = list(RegistryLookup.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["found", "not_found"]


def test_legal_entity_get(clerk):
    entity = LegalEntityFactory()
    found = legal_entity_get(actor=clerk, uscc=entity.uscc.lower(), purpose="企业注册")
    assert found == entity
    assert legal_entity_get(actor=clerk, uscc="91230402MA1C2K7E4X", purpose="企业注册") is None
    lookups = list(RegistryLookup.objects.order_by("id"))
    assert [lookup.outcome for lookup in lookups] == ["found", "not_found"]
    assert lookups[0].registry == "legal_entity"
    assert lookups[0].operation == "legal_entity_get"
    assert lookups[0].subject_label == entity.uscc


def test_verify_representative_outcomes(clerk):
    person = ResidentFactory(name="赵磊")
    other = ResidentFactory(name="钱多")
    entity = LegalEntityFactory(representative=person)
    revoked = LegalEntityFactory(representative=person, status="revoked")

    def verify(uscc, name, id_number):
        return legal_entity_verify_representative(
            actor=clerk, uscc=uscc, name=name, id_number=id_number, purpose="企业注册"
        )

    match = verify(entity.uscc, "赵磊", person.id_number)
    assert match.outcome == "match" and match.entity == entity
    assert verify(entity.uscc, "钱多", other.id_number).outcome == "not_representative"
    assert verify(entity.uscc, "钱多", person.id_number).outcome == "not_representative"
    assert verify(entity.uscc, "赵磊", other.id_number).outcome == "not_representative"
    inactive = verify(revoked.uscc, "赵磊", person.id_number)
    assert inactive.outcome == "inactive" and inactive.entity is None
    assert verify("91230402MA1C2K7E4X", "赵磊", person.id_number).outcome == "not_found"
    outcomes = list(RegistryLookup.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == [
        "match",
        "not_representative",
        "not_representative",
        "not_representative",
        "inactive",
        "not_found",
    ]
    assert person.id_number not in "".join(
        RegistryLookup.objects.values_list("subject_label", flat=True)
    )


def test_lookups_about_one_person_or_entity(clerk, resident):
    other = ResidentFactory()
    entity = LegalEntityFactory()
    resident_get(actor=clerk, id_number=resident.id_number, purpose=PURPOSE)
    resident_verify(actor=clerk, name="x", id_number=resident.id_number, purpose=PURPOSE)
    resident_get(actor=clerk, id_number=other.id_number, purpose=PURPOSE)
    legal_entity_get(actor=clerk, uscc=entity.uscc, purpose=PURPOSE)
    assert lookups_about(id_number=resident.id_number).count() == 2
    assert lookups_about(uscc=entity.uscc).count() == 1
    with pytest.raises(ValueError):
        lookups_about()


def test_normalize_name():
    assert selectors.normalize_name(" 张 三 ") == "张三"
    assert selectors.normalize_name("阿依古丽・买买提") == "阿依古丽·买买提"
