"""factory_boy factories for identity (synthetic data only)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from govhub.core.crypto import lookup_hash
from govhub.identity import totp
from govhub.identity.models import AgentAuthorization, AgentScope, Enterprise, TotpDevice, User
from govhub.organizations.tests.factories import DepartmentFactory
from govhub.registries.demo_data import make_uscc
from govhub.registries.tests.factories import LegalEntityFactory, ResidentFactory

PASSWORD = "Hegang-test-2026!"

__all__ = [
    "PASSWORD",
    "AgentAuthorizationFactory",
    "DepartmentFactory",
    "EnterpriseFactory",
    "LegalEntityFactory",
    "PersonFactory",
    "ResidentFactory",
    "StaffUserFactory",
    "TotpDeviceFactory",
    "VerifiedPersonFactory",
]


class PersonFactory(DjangoModelFactory):
    """A person account with a password, without real-name verification."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    kind = User.Kind.PERSON
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    mobile_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        if create:
            obj.save()


class VerifiedPersonFactory(PersonFactory):
    """A real-name verified person whose name and ID number are those of a resident in
    the population registry (`resident`)."""

    class Params:
        resident = factory.SubFactory(ResidentFactory)

    full_name = factory.LazyAttribute(lambda o: o.resident.name)
    id_number = factory.LazyAttribute(lambda o: o.resident.id_number)
    id_number_hash = factory.LazyAttribute(
        lambda o: lookup_hash(o.resident.id_number, purpose="id_number")
    )
    real_name_verified_at = factory.LazyFunction(timezone.now)


class StaffUserFactory(PersonFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    kind = User.Kind.STAFF
    mobile = ""
    mobile_verified_at = None


class TotpDeviceFactory(DjangoModelFactory):
    class Meta:
        model = TotpDevice

    user = factory.SubFactory(StaffUserFactory)
    secret = factory.LazyFunction(totp.new_secret)
    confirmed_at = factory.LazyFunction(timezone.now)


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: make_uscc("91", "230402", f"MB2{n:05d}"))
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    legal_representative = factory.SubFactory(VerifiedPersonFactory)


class AgentAuthorizationFactory(DjangoModelFactory):
    class Meta:
        model = AgentAuthorization

    enterprise = factory.SubFactory(EnterpriseFactory)
    agent = factory.SubFactory(VerifiedPersonFactory)
    scopes = factory.LazyFunction(lambda: [AgentScope.APPLY, AgentScope.VIEW])
    granted_by = factory.LazyAttribute(lambda o: o.enterprise.legal_representative)
    valid_from = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
