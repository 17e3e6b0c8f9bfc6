"""factory_boy factories for the registries (synthetic data only)."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from govhub.core.crypto import lookup_hash
from govhub.organizations.tests.factories import RegionFactory, VillageFactory
from govhub.registries.demo_data import make_id_number, make_uscc
from govhub.registries.models import ID_NUMBER_PURPOSE, LegalEntity, Resident


def _id_number(n: int, sex: str) -> str:
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n * 37 % 20000)
    sequence = (n % 100) * 10 + (1 if sex == "male" else 2)
    return make_id_number("230402", birth, sequence)


class ResidentFactory(DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Sequence(lambda n: f"测试{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{n}")
    sex = factory.Iterator(["male", "female"])
    id_number = factory.LazyAttributeSequence(lambda o, n: _id_number(n, o.sex))
    id_number_hash = factory.LazyAttribute(
        lambda o: lookup_hash(o.id_number, purpose=ID_NUMBER_PURPOSE)
    )
    birth_date = factory.LazyAttribute(
        lambda o: datetime.date(
            int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14])
        )
    )
    region = factory.SubFactory(VillageFactory)
    household_address = factory.Sequence(lambda n: f"测试路{n}号")
    status = Resident.Status.ACTIVE


class LegalEntityFactory(DjangoModelFactory):
    class Meta:
        model = LegalEntity

    class Params:
        representative = factory.SubFactory(ResidentFactory)

    name = factory.Sequence(lambda n: f"测试{n}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc("91", "230402", f"MA1{n:05d}"))
    entity_type = LegalEntity.EntityType.LIMITED_COMPANY
    legal_representative_name = factory.LazyAttribute(lambda o: o.representative.name)
    legal_representative_id_number = factory.LazyAttribute(lambda o: o.representative.id_number)
    legal_representative_id_number_hash = factory.LazyAttribute(
        lambda o: o.representative.id_number_hash
    )
    registered_address = factory.Sequence(lambda n: f"测试大街{n}号")
    region = factory.SubFactory(RegionFactory)
    established_on = datetime.date(2015, 6, 1)
    status = LegalEntity.Status.ACTIVE
