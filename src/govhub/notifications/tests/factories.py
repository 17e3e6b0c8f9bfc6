"""factory_boy factories for notifications tests (synthetic data only). Cases and their
history rows are built directly with the ORM: the cases app's own factories are not
used, so these tests do not depend on them."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from govhub.cases.models import ApplicantKind, Case, CaseEvent, Channel
from govhub.cases.workflow import Action, State
from govhub.catalog.models import ItemVersion
from govhub.catalog.tests.factories import ImplementationItemFactory, ItemVersionFactory
from govhub.identity.tests.factories import PersonFactory, StaffUserFactory
from govhub.notifications.models import Message

__all__ = [
    "CaseEventFactory",
    "CaseFactory",
    "MessageFactory",
    "PersonFactory",
    "StaffUserFactory",
]


class CaseFactory(DjangoModelFactory):
    """A submitted case of a person with an account, under a published item version."""

    class Meta:
        model = Case

    item = factory.SubFactory(ImplementationItemFactory)
    version = factory.LazyAttribute(
        lambda o: ItemVersionFactory(
            item=o.item,
            status=ItemVersion.Status.PUBLISHED,
            published_at=timezone.now(),
            name="测试事项许可",
            name_en="Test licence",
        )
    )
    department = factory.SelfAttribute("item.department")
    region = factory.SelfAttribute("item.region")
    number = factory.Sequence(lambda n: f"2304022026031{n:05d}")
    state = State.SUBMITTED
    channel = Channel.WEB
    title = "测试事项许可申请"
    applicant_kind = ApplicantKind.PERSON
    applicant = factory.SubFactory(
        PersonFactory, email=factory.Sequence(lambda n: f"p{n}@example.test")
    )
    applicant_name = factory.LazyAttribute(
        lambda o: o.applicant.full_name if o.applicant else "王小明"
    )
    applicant_mobile = factory.LazyAttribute(lambda o: o.applicant.mobile if o.applicant else "")
    submitted_by = factory.SelfAttribute("applicant")
    promised_due = datetime.date(2026, 3, 30)
    submitted_at = factory.LazyFunction(timezone.now)


class CaseEventFactory(DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    action = Action.ACCEPT
    from_state = State.SUBMITTED
    to_state = State.UNDER_REVIEW
    actor_label = "窗口受理人员"
    opinion = ""


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    recipient = factory.SubFactory(PersonFactory)
    subject = factory.Sequence(lambda n: f"测试消息{n}")
    body = "这是一条测试消息。"
    subject_en = factory.Sequence(lambda n: f"Test message {n}")
    body_en = "This is a test message."
    case_number = factory.Sequence(lambda n: f"2304022026031{n:05d}")
    event = Action.ACCEPT
