"""The workbench's reads (`selectors_staff`): the items staff may take in, the steps and
colleagues the case page's forms offer, and downloads, each scoped to the caller."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govhub.cases import selectors_staff, services
from govhub.cases.models import CaseMaterial
from govhub.cases.tests.factories import (
    MINIMAL_PDF,
    make_online_item,
    staff_member,
    submit_case,
)
from govhub.core.errors import NotFound
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import WindowFactory

pytestmark = pytest.mark.django_db
Role = Position.Role


@pytest.fixture
def team() -> dict[str, Any]:
    item = make_online_item()
    department = item.department
    return {
        "item": item,
        "clerk": staff_member(Role.WINDOW_CLERK, department),
        "reviewer": staff_member(Role.REVIEWER, department),
        "approver": staff_member(Role.APPROVER, department),
        "outsider": staff_member(Role.WINDOW_CLERK, make_online_item().department),
    }


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


# --- intake --------------------------------------------------------------------------------


def test_intake_items_are_those_of_the_clerks_window(team: dict[str, Any]) -> None:
    item = team["item"]
    other = make_online_item(region=item.region)  # another department, the same region
    assert list(selectors_staff.intake_items(actor=team["clerk"])) == [item]
    # A comprehensive window serves its departments too.
    window = WindowFactory(departments=[item.department, other.department])
    hall_clerk = staff_member(Role.WINDOW_CLERK, item.department, window=window)
    assert set(selectors_staff.intake_items(actor=hall_clerk)) == {item, other}
    # Reviewers do not take in; the search narrows by code.
    assert list(selectors_staff.intake_items(actor=team["reviewer"])) == []
    found = selectors_staff.intake_items(actor=hall_clerk, query=other.implementation_code)
    assert list(found) == [other]
    assert list(selectors_staff.intake_items(actor=hall_clerk, query="不存在的事项")) == []


def test_intake_items_of_a_hotline_operator_are_all_items(team: dict[str, Any]) -> None:
    other = make_online_item()
    operator = staff_member(Role.HOTLINE_OPERATOR, team["item"].department)
    assert {team["item"], other} <= set(selectors_staff.intake_items(actor=operator))


def test_intake_items_cost_the_same_for_many_window_departments(
    team: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    items = [make_online_item(region=team["item"].region) for _ in range(4)]
    window = WindowFactory(departments=[i.department for i in items])
    clerk = staff_member(Role.WINDOW_CLERK, team["item"].department, window=window)
    # The user's positions (with their windows' departments), then the items.
    with django_assert_max_num_queries(3):
        assert len(list(selectors_staff.intake_items(actor=clerk))) == 5


def test_intake_item_and_its_materials(team: dict[str, Any]) -> None:
    item = team["item"]
    assert selectors_staff.intake_item(code=item.implementation_code) == item
    assert selectors_staff.intake_item(code="NOPE") is None
    materials = selectors_staff.intake_materials(item=item)
    assert [m.position for m in materials] == sorted(m.position for m in materials)
    assert {m.name for m in materials} == {"申请表", "居民身份证"}


# --- the case page's forms -------------------------------------------------------------------


def test_actionable_steps_and_assignable_colleagues(team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    # Before acceptance: nobody reviews; the department's clerks and reviewers take it in.
    assert selectors_staff.actionable_steps(actor=team["reviewer"], case=case) == []
    colleagues = selectors_staff.assignable_colleagues(case=case)
    assert set(colleagues) == {team["clerk"], team["reviewer"]}
    case = services.case_accept(actor=team["clerk"], case=case)
    steps = selectors_staff.actionable_steps(actor=team["reviewer"], case=case)
    assert [s.pk for s in steps] == [case.current_step.pk]  # type: ignore[union-attr]
    assert selectors_staff.actionable_steps(actor=team["clerk"], case=case) == []
    assert selectors_staff.actionable_steps(actor=team["outsider"], case=case) == []
    assert selectors_staff.assignable_colleagues(case=case) == [team["reviewer"]]


# --- downloads -----------------------------------------------------------------------------------


def test_staff_downloads_only_within_the_callers_cases(team: dict[str, Any]) -> None:
    case = services.case_accept(actor=team["clerk"], case=submit_case(item=team["item"]))
    services.case_attach(
        actor=team["reviewer"], case=case, file=_pdf("核查记录.pdf"), name="现场核查记录"
    )
    attachment = CaseMaterial.objects.get(case=case, is_internal=True)
    number = case.number
    assert number
    for who in ("clerk", "reviewer"):
        found = selectors_staff.staff_material_file(
            actor=team[who], number=number, material_id=attachment.pk
        )
        assert found == attachment
    assert (
        selectors_staff.staff_material_file(
            actor=team["outsider"], number=number, material_id=attachment.pk
        )
        is None
    )
    # A material of another case under this case's number is not found either.
    elsewhere = submit_case(item=team["item"]).materials.exclude(file="").first()
    assert elsewhere is not None
    assert (
        selectors_staff.staff_material_file(
            actor=team["clerk"], number=number, material_id=elsewhere.pk
        )
        is None
    )
    assert (
        selectors_staff.staff_result_file(actor=team["clerk"], number=number, result_id=1) is None
    )


def test_api_downloads_keep_internal_attachments_from_the_applicant(
    team: dict[str, Any],
) -> None:
    applicant = VerifiedPersonFactory()
    case = services.case_accept(
        actor=team["clerk"], case=submit_case(item=team["item"], applicant=applicant)
    )
    services.case_attach(
        actor=team["reviewer"], case=case, file=_pdf("核查记录.pdf"), name="现场核查记录"
    )
    attachment = CaseMaterial.objects.get(case=case, is_internal=True)
    upload = CaseMaterial.objects.filter(case=case, is_internal=False).exclude(file="").first()
    assert upload is not None
    staff_sees = selectors_staff.case_material_file(
        actor=team["reviewer"], number=case.number, material_id=attachment.pk
    )
    assert staff_sees == attachment
    assert (
        selectors_staff.case_material_file(
            actor=applicant, number=case.number, material_id=attachment.pk
        )
        is None
    )
    assert (
        selectors_staff.case_material_file(actor=applicant, case_id=case.pk, material_id=upload.pk)
        == upload
    )
    with pytest.raises(NotFound):
        selectors_staff.case_material_file(
            actor=team["outsider"], number=case.number, material_id=upload.pk
        )
    with pytest.raises(NotFound):
        selectors_staff.case_result_file(actor=team["outsider"], number=case.number, result_id=1)
    assert selectors_staff.case_result_file(actor=applicant, number=case.number, result_id=1) == (
        None,
        "applicant",
    )
