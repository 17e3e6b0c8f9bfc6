import io

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection

from govhub.core.crypto import decrypt_text, generate_field_key, needs_rotation
from govhub.registries.models import LegalEntity, Resident
from govhub.registries.tests.factories import LegalEntityFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_id_numbers_are_encrypted_at_rest():
    person = ResidentFactory(id_number="23040419781105024X")
    stored = _raw("registries_resident", "id_number", person.pk)
    assert "23040419781105024X" not in stored
    assert "230404" not in stored
    assert decrypt_text(stored) == "23040419781105024X"
    assert Resident.objects.get(pk=person.pk).id_number == "23040419781105024X"
    entity = LegalEntityFactory(representative=person)
    stored = _raw("registries_legalentity", "legal_representative_id_number", entity.pk)
    assert "23040419781105024X" not in stored
    assert LegalEntity.objects.get(pk=entity.pk).legal_representative_id_number == (
        "23040419781105024X"
    )


def test_filtering_on_an_encrypted_field_is_refused():
    person = ResidentFactory()
    with pytest.raises(FieldError):
        list(Resident.objects.filter(id_number=person.id_number))
    with pytest.raises(FieldError):
        list(Resident.objects.filter(id_number__startswith="2304"))
    assert Resident.objects.filter(id_number__isnull=False).count() == 1
    assert Resident.objects.get(id_number_hash=person.id_number_hash) == person


def test_one_resident_per_id_number():
    person = ResidentFactory()
    with pytest.raises(IntegrityError):
        ResidentFactory(id_number=person.id_number)


def test_str_and_properties_are_masked():
    person = ResidentFactory(name="张三丰", id_number="230402198503120412")
    assert str(person) == "张* 230402********0412"
    assert person.id_number_masked == "230402********0412"
    assert person.is_active
    entity = LegalEntityFactory(representative=person, name="鹤岗市测试有限公司")
    assert entity.legal_representative_id_number_masked == "230402********0412"
    assert str(entity) == f"鹤岗市测试有限公司（{entity.uscc}）"


def test_rotate_field_keys_re_encrypts_with_the_new_key(settings):
    old = settings.GOVHUB_FIELD_KEYS[0]
    person = ResidentFactory(id_number="230402198503120412")
    entity = LegalEntityFactory(representative=person)
    new = generate_field_key()
    settings.GOVHUB_FIELD_KEYS = [new, old]
    assert needs_rotation(_raw("registries_resident", "id_number", person.pk))
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "registries.Resident (id_number): 1 rows" in out.getvalue()
    settings.GOVHUB_FIELD_KEYS = [new]
    assert not needs_rotation(_raw("registries_resident", "id_number", person.pk))
    assert Resident.objects.get(pk=person.pk).id_number == "230402198503120412"
    assert LegalEntity.objects.get(pk=entity.pk).legal_representative_id_number == (
        "230402198503120412"
    )
