"""factory_boy factories and builders for cases (synthetic data only).

`make_online_item()` builds an item that can be applied for online: a form, a required
application form (uploaded) and the applicant's ID card (held by the government, so taken
from source). `staff_member(role, department)` gives a signed-in-able staff account a
position. `submit_case(...)` goes through the real `case_submit` service.
"""

from __future__ import annotations

from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from govhub.cases.models import ApplicantKind, Case, Channel
from govhub.cases.workflow import State
from govhub.catalog.models import ImplementationItem, Material
from govhub.catalog.tests.factories import make_published_item
from govhub.identity.models import User
from govhub.identity.tests.factories import StaffUserFactory, VerifiedPersonFactory
from govhub.organizations.models import Department, Position
from govhub.organizations.tests.factories import WindowFactory, grant

Role = Position.Role

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def pdf_upload(name: str = "申请表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def form_for(user: User | None = None, **extra: Any) -> dict[str, Any]:
    """A valid form for `make_online_item`'s schema."""
    data = {"applicant_name": user.full_name if user else "测试申请人", "phone": "13900000000"}
    data.update(extra)
    return data


def make_online_item(**overrides: Any) -> ImplementationItem:
    """A published item applied for online (see the module docstring)."""
    overrides.setdefault("handling_forms", ["window", "online"])
    return make_published_item(**overrides)


def application_form(item: ImplementationItem) -> Material:
    """The item's uploaded application form (the first applicant-provided material)."""
    assert item.published_version is not None
    return item.published_version.materials.filter(source=Material.Source.APPLICANT).first()  # type: ignore[return-value]


def staff_member(
    role: str, department: Department, *, region: Any = None, window: Any = None, **extra: Any
) -> User:
    """A staff account holding `role` in `department` (a window for window clerks)."""
    user = StaffUserFactory()
    if role == Role.WINDOW_CLERK and window is None:
        window = WindowFactory(departments=[department])
    if role == Role.WINDOW_CLERK:
        extra["window"] = window
    grant(user, role, department=department, region=region, **extra)
    return user


def submit_case(
    *,
    item: ImplementationItem | None = None,
    applicant: User | None = None,
    channel: str = Channel.WEB,
    key: str | None = None,
    **kwargs: Any,
) -> Case:
    """A case submitted online through `case_submit` by a verified person."""
    from govhub.cases.services import case_submit

    item = item or make_online_item()
    applicant = applicant or VerifiedPersonFactory()
    files = kwargs.pop("files", None)
    if files is None:
        files = {application_form(item).pk: pdf_upload()}
    return case_submit(
        actor=applicant,
        channel=channel,
        item=item,
        form_data=kwargs.pop("form_data", None) or form_for(applicant),
        files=files,
        idempotency_key=key,
        **kwargs,
    )


class CaseFactory(DjangoModelFactory):
    """A case row made directly (no history): for lists, benchmarks and other apps' tests."""

    class Meta:
        model = Case

    item = factory.LazyFunction(make_online_item)
    version = factory.LazyAttribute(lambda o: o.item.published_version)
    department = factory.LazyAttribute(lambda o: o.item.department)
    region = factory.LazyAttribute(lambda o: o.item.region)
    state = State.SUBMITTED
    channel = Channel.WEB
    title = factory.LazyAttribute(lambda o: o.version.name)
    applicant_kind = ApplicantKind.PERSON
    applicant = factory.SubFactory(VerifiedPersonFactory)
    applicant_name = factory.LazyAttribute(lambda o: o.applicant.full_name)
    applicant_id_number = factory.LazyAttribute(lambda o: o.applicant.id_number)
    applicant_id_hash = factory.LazyAttribute(lambda o: o.applicant.id_number_hash)
    number = factory.Sequence(lambda n: f"230400-20261127-{n + 500000:06d}")
    case_kind = "promised"
    promised_limit_value = 10
    promised_limit_unit = "working_days"
    legal_limit_value = 20
    legal_limit_unit = "working_days"
