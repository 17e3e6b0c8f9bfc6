"""Reads are scoped: departments, regions, applicants; queues sort by deadline and keep a
fixed number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from govhub.cases import selectors, selectors_public, services
from govhub.cases.models import Channel
from govhub.cases.tests.factories import (
    CaseFactory,
    application_form,
    form_for,
    make_online_item,
    pdf_upload,
    staff_member,
    submit_case,
)
from govhub.cases.workflow import State
from govhub.core.errors import NotFound
from govhub.identity.tests.factories import (
    EnterpriseFactory,
    StaffUserFactory,
    VerifiedPersonFactory,
)
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory, grant

pytestmark = pytest.mark.django_db
Role = Position.Role


@pytest.fixture
def two_departments() -> dict[str, Any]:
    item_a = make_online_item()
    item_b = make_online_item()
    return {
        "a": item_a,
        "b": item_b,
        "clerk_a": staff_member(Role.WINDOW_CLERK, item_a.department),
        "clerk_b": staff_member(Role.WINDOW_CLERK, item_b.department),
        "case_a": submit_case(item=item_a),
        "case_b": submit_case(item=item_b),
    }


def test_a_clerk_never_sees_another_departments_cases(two_departments: dict[str, Any]) -> None:
    t = two_departments
    assert list(selectors.staff_cases(t["clerk_a"])) == [t["case_a"]]
    page, _more = selectors.case_queue(actor=t["clerk_a"], queue="intake")
    assert page == [t["case_a"]]
    for queue in selectors.QUEUES:
        rows, _more = selectors.case_queue(actor=t["clerk_a"], queue=queue)
        assert t["case_b"] not in rows
    with pytest.raises(NotFound):
        selectors.case_detail(actor=t["clerk_a"], case_id=t["case_b"].pk)
    assert selectors.case_detail(actor=t["clerk_a"], case_id=t["case_a"].pk).viewer == "staff"


def test_system_administrators_and_strangers_see_no_cases(two_departments: dict[str, Any]) -> None:
    admin = StaffUserFactory()
    grant(admin, Role.SYSTEM_ADMIN)
    assert not selectors.staff_cases(admin).exists()
    assert not selectors.staff_cases(VerifiedPersonFactory()).exists()
    with pytest.raises(NotFound):
        selectors.case_detail(actor=VerifiedPersonFactory(), case_id=two_departments["case_a"].pk)


def test_supervisors_see_their_region(two_departments: dict[str, Any]) -> None:
    supervisor = StaffUserFactory()
    grant(supervisor, Role.SUPERVISOR, region=two_departments["a"].region)
    visible = set(selectors.staff_cases(supervisor))
    assert two_departments["case_a"] in visible


def test_applicants_see_their_own_and_window_cases_by_id_number(
    two_departments: dict[str, Any],
) -> None:
    t = two_departments
    person = VerifiedPersonFactory()
    own = submit_case(item=t["a"], applicant=person)
    walk_in = services.case_submit(
        actor=t["clerk_a"],
        channel=Channel.WINDOW,
        item=t["a"],
        form_data=form_for(person),
        applicant=services.ApplicantData(name=person.full_name, id_number=person.id_number),
        paper_material_ids=[application_form(t["a"]).pk],
    )
    assert set(selectors.applicant_cases(person)) == {own, walk_in}
    detail = selectors.case_detail(actor=person, case_id=walk_in.pk)
    assert detail.viewer == "applicant"
    assert "withdraw" in detail.actions


def test_enterprise_cases_only_while_acting_for_it() -> None:
    representative = VerifiedPersonFactory()
    enterprise = EnterpriseFactory(legal_representative=representative)
    item = make_online_item()
    # The enterprise is not in the legal-person registry: every material is uploaded.
    files = {m.pk: pdf_upload() for m in item.published_version.materials.all()}  # type: ignore[union-attr]
    case = submit_case(item=item, applicant=representative, acting_for=enterprise, files=files)
    assert case.enterprise == enterprise
    assert list(selectors.applicant_cases(representative, acting_for=enterprise)) == [case]
    assert case not in selectors.applicant_cases(representative)
    outsider = VerifiedPersonFactory()
    assert not selectors.applicant_cases(outsider, acting_for=enterprise).exists()


def test_queue_sorts_by_deadline_first() -> None:
    item = make_online_item()
    clerk = staff_member(Role.REVIEWER, item.department)
    today = datetime.date(2026, 11, 27)
    late = CaseFactory(item=item, state=State.SUBMITTED, promised_due=today)
    early = CaseFactory(
        item=item, state=State.SUBMITTED, promised_due=today - datetime.timedelta(days=3)
    )
    undated = CaseFactory(item=item, state=State.SUBMITTED, promised_due=None)
    rows, _more = selectors.case_queue(actor=clerk, queue="intake")
    assert rows == [early, late, undated]


def test_queue_query_count_does_not_grow_with_the_page(django_assert_max_num_queries: Any) -> None:
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    for _ in range(3):
        CaseFactory(item=item, state=State.SUBMITTED)
    with django_assert_max_num_queries(4) as small:
        selectors.case_queue(actor=clerk, queue="intake")
    for _ in range(12):
        CaseFactory(item=item, state=State.SUBMITTED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        rows, _more = selectors.case_queue(actor=clerk, queue="intake")
    assert len(rows) == 15


def test_public_status_needs_the_right_tail_and_shows_masked_data() -> None:
    person = VerifiedPersonFactory()
    case = submit_case(applicant=person)
    assert selectors_public.case_public_status(number=case.number or "", id_tail="000000") is None
    status = selectors_public.case_public_status(
        number=case.number or "", id_tail=person.id_number[-6:]
    )
    assert status is not None and status.number == case.number
    assert person.full_name not in status.applicant
    assert status.timeline and status.state == State.SUBMITTED
    assert (
        selectors_public.case_public_status(number="230400-20990101-000001", id_tail="123456")
        is None
    )


def test_other_departments_clerk_cannot_see_through_a_window(
    two_departments: dict[str, Any],
) -> None:
    """A window clerk serves exactly the departments of their window."""
    other = DepartmentFactory()
    clerk = staff_member(Role.WINDOW_CLERK, other)
    assert not selectors.staff_cases(clerk).exists()


def test_queue_counts_are_the_queues_sizes_up_to_the_cap() -> None:
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    reviewer = staff_member(Role.REVIEWER, item.department)
    today = datetime.date(2026, 11, 27)
    for state in (State.SUBMITTED, State.SUBMITTED, State.SUBMITTED, State.DECIDED, State.ISSUED):
        CaseFactory(item=item, state=state, accepted_on=today, promised_due=today)
    CaseFactory(item=item, state=State.SUPPLEMENT_REQUESTED)
    for role in (Role.REVIEWER, Role.REVIEWER, Role.APPROVER):
        CaseFactory(item=item, state=State.UNDER_REVIEW, waiting_role=role, promised_due=today)
    CaseFactory(item=make_online_item(), state=State.SUBMITTED)  # another department's

    for user in (clerk, reviewer):
        counts = selectors.queue_counts(actor=user)
        for queue, count in counts.items():
            rows, _more = selectors.case_queue(actor=user, queue=queue, page_size=50)
            assert count == len(rows), (queue, count, len(rows))
    assert selectors.queue_counts(actor=reviewer)["review"] == 2  # the approver's one is not
    assert selectors.queue_counts(actor=clerk)["results"] == 2  # decided + issued, summed
    capped = selectors.queue_counts(actor=clerk, cap=2)
    assert capped["intake"] == 3  # "2+": one past the cap
    assert capped["results"] == 2  # exactly the cap: not "2+"


def test_queue_counts_of_someone_without_positions_are_zero() -> None:
    assert set(selectors.queue_counts(actor=VerifiedPersonFactory()).values()) == {0}


def test_a_case_not_accepted_yet_reads_nothing_that_comes_after_acceptance(
    two_departments: dict[str, Any],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t = two_departments
    with CaptureQueriesContext(connection) as before:
        detail = selectors.case_detail(actor=t["clerk_a"], case_id=t["case_a"].pk)
    assert detail.steps == [] and detail.results == [] and detail.deadlines == []
    read = " ".join(q["sql"] for q in before.captured_queries)
    for table in ("cases_casestep", "cases_specialprocedure", "cases_deadlinechange"):
        assert f'FROM "{table}"' not in read
    services.case_accept(actor=t["clerk_a"], case=t["case_a"])
    with CaptureQueriesContext(connection) as after:
        detail = selectors.case_detail(actor=t["clerk_a"], case_id=t["case_a"].pk)
    assert detail.steps and detail.deadlines  # accepted: its steps and first deadlines
    read = " ".join(q["sql"] for q in after.captured_queries)
    for table in ("cases_casestep", "cases_specialprocedure", "cases_deadlinechange"):
        assert f'FROM "{table}"' in read
