"""Every read of cases, scoped to what the caller may see.

Staff see the cases of the departments (and regions) their positions serve, the joint
review steps sent to their department, and the cases they entered themselves; supervisors
see their region; applicants see their own cases, or an enterprise's while acting for it.
Nobody else sees a case, and a system administrator is no exception (separation of duties).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from govhub.cases import clock, policies
from govhub.cases.models import (
    Case,
    CaseEvent,
    CaseFee,
    CaseMaterial,
    CaseStep,
    DeadlineChange,
    SpecialProcedure,
    SupplementRequest,
)
from govhub.cases.workflow import FINAL_STATES, TRANSITIONS, Action, State
from govhub.catalog.models import ImplementationItem
from govhub.catalog.selectors import GUIDE_ONLY_FIELDS
from govhub.core import calendar, lookups  # noqa: F401 - registers `__any_of`
from govhub.core.errors import NotFound
from govhub.core.requestid import request_cache
from govhub.identity.models import Enterprise
from govhub.organizations.models import Position, Region
from govhub.organizations.policies import valid_positions

if TYPE_CHECKING:
    from govhub.cases.services_intake import Submitted

Role = Position.Role

# --- scopes ------------------------------------------------------------------------------


def _regions_within(region: Region) -> list[int]:
    """Ids of `region` and every region inside it, remembered for the request. Scoping by
    this list (not by `region__path__startswith`, which joins the region table with a LIKE
    the planner cannot estimate) lets the queue use its index."""
    cache = request_cache()
    key = ("cases.regions_within", region.pk)
    if cache is not None and key in cache:
        return list(cache[key])  # type: ignore[call-overload]
    ids = list(
        Region.objects.filter(path__startswith=region.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if cache is not None:
        cache[key] = ids
    return ids


def _department_scope(user: Any, roles: set[str] | frozenset[str]) -> Q | None:
    """Cases of the departments and regions that `user`'s positions with `roles` serve."""
    condition: Q | None = None
    for position in valid_positions(user):
        if position.role not in roles:
            continue
        departments = {position.department_id}
        if position.role == Role.WINDOW_CLERK and position.window is not None:
            departments |= {d.pk for d in position.window.departments.all()}
        part = Q(
            department_id__any_of=departments, region_id__any_of=_regions_within(position.region)
        )
        condition = part if condition is None else condition | part
    return condition


def staff_cases(user: Any) -> QuerySet[Case]:
    """Every case `user` may open as staff (never drafts)."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    condition = Q(submitted_by_id=user.pk) & ~Q(applicant_id=user.pk)
    scope = _department_scope(user, policies.WORKING_ROLES)
    if scope is not None:
        condition |= scope
    joint = _joint_departments(user)
    if joint:
        condition |= Q(
            pk__in=CaseStep.objects.filter(
                kind=CaseStep.Kind.JOINT_REVIEW, department_id__in=joint
            ).values("case_id")
        )
    for position in valid_positions(user):
        if position.role == Role.SUPERVISOR:
            condition |= Q(region_id__any_of=_regions_within(position.region))
    return Case.objects.filter(condition).exclude(state=State.DRAFT)


def _joint_departments(user: Any) -> list[int]:
    return sorted({p.department_id for p in valid_positions(user) if p.role == Role.REVIEWER})


def applicant_cases(user: Any, *, acting_for: Enterprise | None = None) -> QuerySet[Case]:
    """The cases an applicant sees under "my cases": their own (by account, or by their
    verified ID number for cases entered at a window before they had an account), or the
    enterprise's while acting for it."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    if acting_for is not None:
        from govhub.identity.models import AgentScope
        from govhub.identity.policies import agent_scopes

        if not agent_scopes(user, acting_for) & {AgentScope.VIEW, AgentScope.APPLY}:
            return Case.objects.none()
        return Case.objects.filter(enterprise_id=acting_for.pk)
    condition = Q(applicant_id=user.pk, enterprise__isnull=True)
    if getattr(user, "real_name_verified_at", None) and getattr(user, "id_number_hash", ""):
        condition |= Q(applicant_id_hash=user.id_number_hash, enterprise__isnull=True)
    # Cases a grassroots agent filed for a resident stay visible to the agent.
    return Case.objects.filter(condition)


# --- clocks ------------------------------------------------------------------------------


def case_clock(case: Case, *, today: datetime.date | None = None) -> clock.ClockSummary:
    """Time used and left, as of `today`; the clock stops at the decision (or at the end
    of a case that ended without one)."""
    stopped = None
    if case.decided_at is not None:
        stopped = timezone.localdate(case.decided_at)
    elif case.state in FINAL_STATES and case.completed_at is not None:
        stopped = timezone.localdate(case.completed_at)
    return clock.summary(
        accepted_on=case.accepted_on,
        unit=case.promised_limit_unit or clock.WORKING,
        promised_due=case.promised_due,
        legal_due=case.legal_due,
        paused_since=case.paused_since,
        paused_days=case.paused_days,
        extension_days=case.extension_days,
        today=today,
        stopped_on=stopped,
    )


# --- queues ------------------------------------------------------------------------------

QUEUES = ("intake", "review", "joint", "results", "paused", "mine", "all")
PAGE_SIZE = 20
# The queues that hold cases in several states.
_QUEUE_STATES = {
    "results": (State.DECIDED, State.ISSUED, State.DELIVERED),
    "paused": (State.SUPPLEMENT_REQUESTED, State.SPECIAL_PROCEDURE),
}


@dataclass
class QueueFilters:
    q: str = ""
    item_id: int | None = None
    state: str = ""
    channel: str = ""
    overdue: bool = False


def _queue_base(user: Any, queue: str) -> QuerySet[Case]:
    none = Case.objects.none()
    if queue == "intake":
        scope = _department_scope(user, {Role.WINDOW_CLERK, Role.REVIEWER})
        return none if scope is None else Case.objects.filter(scope, state=State.SUBMITTED)
    if queue == "review":
        parts: Q | None = None
        for role in (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER):
            scope = _department_scope(user, {role})
            if scope is not None:
                part = scope & Q(waiting_role=role)
                parts = part if parts is None else parts | part
        return none if parts is None else Case.objects.filter(parts, state=State.UNDER_REVIEW)
    if queue == "joint":
        joint = _joint_departments(user)
        if not joint:
            return none
        return Case.objects.filter(
            state=State.UNDER_REVIEW,
            pk__in=CaseStep.objects.filter(
                kind=CaseStep.Kind.JOINT_REVIEW,
                department_id__in=joint,
                finished_at__isnull=True,
                started_on__isnull=False,
            ).values("case_id"),
        )
    if queue == "results":
        scope = _department_scope(user, {Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER})
        return (
            none
            if scope is None
            else Case.objects.filter(scope, state__in=_QUEUE_STATES["results"])
        )
    if queue == "paused":
        scope = _department_scope(user, policies.WORKING_ROLES)
        return (
            none if scope is None else Case.objects.filter(scope, state__in=_QUEUE_STATES["paused"])
        )
    if queue == "mine":
        return staff_cases(user).filter(assignee_id=user.pk).exclude(state__in=FINAL_STATES)
    if queue == "all":
        return staff_cases(user)
    raise NotFound()


def case_queue(
    *,
    actor: Any,
    queue: str = "intake",
    filters: QueueFilters | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> tuple[list[Case], bool]:
    """One page of a queue, by deadline first (the soonest due, then the oldest submitted),
    and whether there is a next page. Three queries whatever the page's size."""
    filters = filters or QueueFilters()
    cases = _queue_base(actor, queue)
    if filters.q:
        text = filters.q.strip()
        cases = cases.filter(
            Q(number__startswith=text)
            | Q(applicant_name=text)
            | Q(enterprise_name__startswith=text)
        )
    if filters.item_id:
        cases = cases.filter(item_id=filters.item_id)
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.channel:
        cases = cases.filter(channel=filters.channel)
    if filters.overdue:
        cases = cases.filter(promised_due__lt=calendar.local_today(), paused_since__isnull=True)
    page = max(int(page or 1), 1)
    offset = (page - 1) * page_size
    rows = list(
        cases.select_related("item", "department", "current_step", "assignee")
        .defer(*QUEUE_DEFERRED)
        .order_by(F("promised_due").asc(nulls_last=True), "submitted_at", "id")[
            offset : offset + page_size + 1
        ]
    )
    return rows[:page_size], len(rows) > page_size


COUNT_CAP = 999
# What a queue row never shows: left in the database (the ID number is not even decrypted).
QUEUE_DEFERRED = (
    "applicant_id_number",
    "form_data",
    "prefill_sources",
    "proxy_note",
    "decision_reason",
    "remedy",
    "outcome_reason",
    "delivery_address",
    "current_step__opinion",
    "assignee__id_number",
    "assignee__password",
    "item__change_reason",
)


def queue_items(user: Any) -> QuerySet[ImplementationItem]:
    """The catalogue items whose cases `user` may work (their departments, their window's
    departments), for a queue's item filter."""
    departments: set[int] = set()
    for position in valid_positions(user):
        if position.role in policies.WORKING_ROLES:
            departments.add(position.department_id)
            if position.role == Role.WINDOW_CLERK and position.window is not None:
                departments |= {d.pk for d in position.window.departments.all()}
    if not departments:
        return ImplementationItem.objects.none()
    return ImplementationItem.objects.filter(department_id__in=sorted(departments)).order_by(
        "implementation_code"
    )


def queue_counts(*, actor: Any, cap: int = COUNT_CAP) -> dict[str, int]:
    """How many cases each queue holds, counted up to `cap` (a tab shows "999+" beyond):
    an exact count over a million cases costs more than the page itself. One statement
    for every tab; each count is unordered, so it stops at the cap and is read from the
    queue indexes alone, and a queue of several states is counted state by state (one
    index range each)."""
    parts: list[tuple[str, QuerySet[Case, Any]]] = []
    for queue in QUEUES:
        if queue == "all":
            continue
        base = _queue_base(actor, queue).order_by()
        for state in _QUEUE_STATES.get(queue, (None,)):
            part = base if state is None else base.filter(state=state)
            parts.append((queue, part.values("pk")))
    counts = dict.fromkeys((queue for queue in QUEUES if queue != "all"), 0)
    selects: list[str] = []
    params: list[Any] = []
    for n, (_queue, part_cases) in enumerate(parts):
        try:
            sql, part_params = part_cases[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # the caller holds no position for this queue
            continue
        # `sql` is the ORM's own statement; its values travel in `params`.
        selects.append(f"SELECT {n}, COUNT(*) FROM ({sql}) AS q{n}")  # noqa: S608
        params.extend(part_params)
    if selects:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            for n, count in cursor.fetchall():
                counts[parts[n][0]] += count
    return {queue: min(count, cap + 1) for queue, count in counts.items()}


# --- one case -----------------------------------------------------------------------------


@dataclass
class MaterialRow:
    """A catalogue material and what the case holds for it."""

    material_id: int | None
    name: str
    required: bool
    held: list[CaseMaterial] = field(default_factory=list)


@dataclass
class CaseDetail:
    case: Case
    viewer: str  # "applicant" or "staff"
    clock: clock.ClockSummary
    steps: list[CaseStep]
    materials: list[MaterialRow]
    supplements: list[SupplementRequest]
    open_supplement: SupplementRequest | None
    procedures: list[SpecialProcedure]
    deadlines: list[DeadlineChange]
    history: list[CaseEvent]
    results: list[Any]
    fees: list[CaseFee]
    actions: list[str]


_ISSUED = frozenset({State.ISSUED, State.DELIVERED, State.COMPLETED})

# The guide's text a case screen never shows (the remedies of a refusal, it does).
CASE_PAGE_DEFERRED = tuple(
    name for name in GUIDE_ONLY_FIELDS if name not in ("reconsideration", "litigation")
)


def case_visible(
    actor: Any, *, case_id: int | None, number: str | None, acting_for: Enterprise | None
) -> tuple[Case, str]:
    # Five joins, not ten: PostgreSQL plans a ten-table join for longer (about 6 ms) than
    # it takes to read the few people and places the case names, which are then fetched
    # by id, and only those it has.
    base = Case.objects.select_related(
        "item", "version", "department", "region", "current_step"
    ).defer(*(f"version__{name}" for name in CASE_PAGE_DEFERRED))
    lookup = {"pk": case_id} if case_id is not None else {"number": number}
    case = base.filter(**lookup).first()
    if case is None:
        raise NotFound(_not_found())
    prefetch_related_objects(
        [case], "assignee", "submitted_by", "window", "service_point", "enterprise"
    )
    return case, case_viewer(actor, case, acting_for=acting_for)


def case_viewer(actor: Any, case: Case, *, acting_for: Enterprise | None) -> str:
    """How `actor` sees `case`: "staff" (one of the cases they may open as staff),
    "applicant", or `NotFound`: someone who may not see it learns nothing, not even that
    it exists."""
    if case.state != State.DRAFT and staff_cases(actor).filter(pk=case.pk).exists():
        return "staff"
    if policies.is_applicant(actor, case, acting_for=acting_for) or (
        case.service_point_id is not None and case.submitted_by_id == getattr(actor, "pk", None)
    ):
        return "applicant"
    raise NotFound(_not_found())


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("找不到该办件，或您无权查看。")


def available_actions(
    actor: Any, case: Case, *, viewer: str, acting_for: Enterprise | None = None
) -> list[str]:
    """The actions `actor` may take on `case` now (state and permission both allow)."""
    state = case.state
    result: list[str] = []
    for action, rule in TRANSITIONS.items():
        if state not in rule.sources:
            continue
        if viewer == "applicant":
            if action in (
                Action.WITHDRAW,
                Action.RESUBMIT,
                Action.SUBMIT,
            ) and policies.can_change_as_applicant(actor, case, acting_for=acting_for):
                result.append(action)
            continue
        checks: dict[str, Callable[[], bool]] = {
            Action.ACCEPT: lambda: policies.can_handle_intake(actor, case),
            Action.REJECT_INTAKE: lambda: policies.can_handle_intake(actor, case),
            Action.REQUEST_SUPPLEMENT: lambda: (
                policies.can_handle_intake(actor, case)
                if state == State.SUBMITTED
                else policies.can_run_procedures(actor, case)
            ),
            Action.RESUBMIT: lambda: policies.can_handle_intake(actor, case),
            Action.CLAIM: lambda: _can_claim(actor, case),
            Action.ASSIGN: lambda: policies.can_assign(actor, case),
            Action.REVIEW: lambda: (
                case.current_step is not None
                and case.current_step.kind != CaseStep.Kind.DECISION
                and any(
                    policies.can_act_on_step(actor, s)
                    for s in case.steps.all()
                    if s.position == case.current_step.position and s.finished_at is None
                )
            ),
            Action.DECIDE: lambda: (
                (case.current_step is None or case.current_step.kind == CaseStep.Kind.DECISION)
                and policies.can_decide(actor, case, case.current_step)
            ),
            Action.START_SPECIAL: lambda: policies.can_run_procedures(actor, case),
            Action.END_SPECIAL: lambda: policies.can_run_procedures(actor, case),
            Action.EXTEND: lambda: policies.holds_role_for(
                actor, Role.APPROVER, department_id=case.department_id, region=case.region
            ),
            Action.ISSUE: lambda: policies.can_issue(actor, case),
            Action.DELIVER: lambda: policies.can_issue(actor, case),
            Action.COMPLETE: lambda: policies.can_issue(actor, case),
            Action.TERMINATE: lambda: policies.can_terminate(actor, case),
            Action.ATTACH: lambda: (
                policies.can_run_procedures(actor, case) or policies.can_handle_intake(actor, case)
            ),
        }
        allowed = checks.get(action)
        if allowed is not None and allowed():
            result.append(action)
    return result


def _can_claim(actor: Any, case: Case) -> bool:
    if case.assignee_id == getattr(actor, "pk", None):
        return False
    if case.state == State.SUBMITTED:
        return policies.can_handle_intake(actor, case)
    step = case.current_step
    return step is not None and policies.can_act_on_step(actor, step)


def _material_rows(case: Case, held: list[CaseMaterial]) -> list[MaterialRow]:
    """The version's materials in catalogue order, each with what the case holds for it
    (`held`, in id order), then anything held under no catalogue material."""
    rows: list[MaterialRow] = []
    by_material: dict[int, MaterialRow] = {}
    # Kept on the version: the page's forms list the same materials again.
    prefetch_related_objects([case.version], "materials")
    for material in case.version.materials.all():
        row = MaterialRow(material.pk, material.display_name, material.required)
        by_material[material.pk] = row
        rows.append(row)
    for item in held:
        if item.material_id in by_material:
            by_material[item.material_id].held.append(item)
        else:
            rows.append(MaterialRow(None, item.name, False, [item]))
    return rows


def _history_seen_by(viewer: str, history: list[CaseEvent]) -> list[CaseEvent]:
    if viewer != "applicant":
        return history
    return [
        e for e in history if TRANSITIONS.get(e.action) and TRANSITIONS[e.action].applicant_relevant
    ]


def case_detail_submitted(
    *, actor: Any, submitted: Submitted, acting_for: Enterprise | None = None
) -> CaseDetail:
    """`case_detail` of the case a submission has just created, from what the submission
    holds (`services.case_submit_once`): the case with its item, version, department and
    region, its material rows and its submission event. A case not yet accepted has no
    steps, supplements, procedures, deadline changes, results or fees, so the only reads
    left are the ones that tell how `actor` sees it. A submission without those rows (a
    draft submitted, a repeated request) is read as `case_detail` reads it."""
    case = submitted.case
    if submitted.materials is None or submitted.event is None or case.accepted_on is not None:
        return case_detail(actor=actor, case_id=case.pk, acting_for=acting_for)
    viewer = case_viewer(actor, case, acting_for=acting_for)
    held = sorted(
        (
            m
            for m in submitted.materials
            if m.is_current and (viewer == "staff" or not m.is_internal)
        ),
        key=lambda m: m.pk,
    )
    # `available_actions` reads `case.steps.all()`: a new case has none.
    case._prefetched_objects_cache = {"steps": []}  # type: ignore[attr-defined]
    return CaseDetail(
        case=case,
        viewer=viewer,
        clock=case_clock(case),
        steps=[],
        materials=_material_rows(case, held),
        supplements=[],
        open_supplement=None,
        procedures=[],
        deadlines=[],
        history=_history_seen_by(viewer, [submitted.event]),
        results=[],
        fees=[],
        actions=available_actions(actor, case, viewer=viewer, acting_for=acting_for),
    )


def case_detail(
    *,
    actor: Any,
    case_id: int | None = None,
    number: str | None = None,
    acting_for: Enterprise | None = None,
) -> CaseDetail:
    """Everything a case screen needs, in a fixed number of queries."""
    case, viewer = case_visible(actor, case_id=case_id, number=number, acting_for=acting_for)
    # Review steps, special procedures, deadline changes and results all come after
    # acceptance: a case not accepted (yet) has none, and they are not read.
    accepted = case.accepted_on is not None
    steps = (
        list(
            case.steps.select_related("department", "assignee", "acted_by").order_by(
                "position", "id"
            )
        )
        if accepted
        else []
    )
    # `available_actions` reads `case.steps.all()`: serve it from what was just loaded.
    case._prefetched_objects_cache = {"steps": steps}  # type: ignore[attr-defined]
    # Policies read `step.case` (its region): the case in hand, not one more query each.
    for step in steps:
        step.case = case
    if case.current_step is not None:
        case.current_step.case = case
    held_qs = case.materials.filter(is_current=True).select_related("material").order_by("id")
    if viewer == "applicant":
        held_qs = held_qs.filter(is_internal=False)  # staff attachments stay internal
    rows = _material_rows(case, list(held_qs))
    supplements = list(case.supplements.order_by("requested_at"))
    history_qs = case.events.select_related("actor", "step").order_by("occurred_at", "id")
    history = _history_seen_by(viewer, list(history_qs))
    return CaseDetail(
        case=case,
        viewer=viewer,
        clock=case_clock(case),
        steps=steps,
        materials=rows,
        supplements=supplements,
        open_supplement=next((s for s in reversed(supplements) if s.resolved_at is None), None),
        procedures=list(case.special_procedures.order_by("started_on", "id")) if accepted else [],
        deadlines=list(case.deadline_changes.order_by("occurred_at", "id")) if accepted else [],
        history=history,
        results=list(case.results.order_by("issued_at")) if accepted else [],
        # Fees are recorded when the result is issued: no query before that.
        fees=list(case.fees.select_related("recorded_by").order_by("recorded_at", "id"))
        if case.state in _ISSUED
        else [],
        actions=available_actions(actor, case, viewer=viewer, acting_for=acting_for),
    )
