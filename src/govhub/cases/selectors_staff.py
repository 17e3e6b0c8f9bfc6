"""Reads of the workbench's pages (intake, the case page's forms, downloads) and of the API's
downloads, scoped to what the caller may see, as `selectors` does (its scopes are reused
here: `selectors.staff_cases`, `selectors.case_visible`).

A function that takes a `case` expects one the caller was allowed to open
(`selectors.case_visible`, `views_staff_common.staff_case_or_404`); a function that takes a
case number or id scopes the look-up itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govhub.cases import policies, selectors
from govhub.cases.models import Case, CaseMaterial, CaseResult, CaseStep, SupplementRequest
from govhub.cases.workflow import State
from govhub.catalog.models import ImplementationItem, Material
from govhub.identity.models import Enterprise, User
from govhub.organizations.models import Position
from govhub.organizations.policies import valid_positions

Role = Position.Role

# --- intake ------------------------------------------------------------------------------


def intake_items(*, actor: Any, query: str = "") -> QuerySet[ImplementationItem]:
    """Active, published items `actor` may take in on some staff channel: a window clerk
    those of their department and their window's departments in their region, a
    grassroots agent those of their region (and of the regions above it), a hotline
    operator any. `query` matches the name (Chinese or English) or the start of the
    implementation or base code."""
    condition: Q | None = None
    for position in valid_positions(actor):
        if position.role == Role.WINDOW_CLERK:
            departments = {position.department_id}
            if position.window is not None:
                # Prefetched with the positions (`valid_positions`).
                departments |= {d.pk for d in position.window.departments.all()}
            part = Q(
                department_id__in=sorted(departments),
                region__path__startswith=position.region.path,
            )
        elif position.role == Role.GRASSROOTS_AGENT:
            codes = [code for code in position.region.path.split("/") if code]
            part = Q(region__path__startswith=position.region.path) | Q(region__code__in=codes)
        elif position.role == Role.HOTLINE_OPERATOR:
            part = Q()
        else:
            continue
        condition = part if condition is None else condition | part
    if condition is None:
        return ImplementationItem.objects.none()
    items = ImplementationItem.objects.filter(
        condition,
        state=ImplementationItem.State.ACTIVE,
        published_version__isnull=False,
    )
    text = query.strip()
    if text:
        items = items.filter(
            Q(published_version__name__icontains=text)
            | Q(published_version__name_en__icontains=text)
            | Q(implementation_code__startswith=text.upper())
            | Q(base_item__base_code__startswith=text)
        )
    return items.select_related("published_version", "department", "region").order_by(
        "department__sort_order", "implementation_code"
    )


def intake_item(*, code: str) -> ImplementationItem | None:
    """The active, published item with this implementation code (the catalogue is public;
    on which channels a member of staff may take it in is `policies`' question)."""
    return (
        ImplementationItem.objects.select_related("published_version", "department", "region")
        .filter(implementation_code=code, state=ImplementationItem.State.ACTIVE)
        .exclude(published_version=None)
        .first()
    )


def intake_materials(*, item: ImplementationItem) -> list[Material]:
    """The materials of the item's published version, in their order on the guide."""
    version = item.published_version
    return [] if version is None else list(version.materials.all())


def receipt_materials(*, case: Case) -> list[CaseMaterial]:
    """The files and paper checks the case holds now, as the receipt lists them (staff
    see internal attachments too)."""
    return list(case.materials.filter(is_current=True).select_related("material").order_by("id"))


# --- the case page's forms ------------------------------------------------------------------


def actionable_steps(*, actor: Any, case: Case) -> list[CaseStep]:
    """The open steps at the case's current position that `actor` may act on (one, or
    several in a joint review when the actor serves more than one of its departments)."""
    current = case.current_step
    if (
        case.state != State.UNDER_REVIEW
        or current is None
        or current.kind == CaseStep.Kind.DECISION
    ):
        return []
    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("steps")
    if prefetched is not None:  # `selectors.case_detail` loaded them with their departments
        steps = sorted(
            (s for s in prefetched if s.position == current.position and s.finished_at is None),
            key=lambda s: s.pk,
        )
    else:
        steps = list(
            CaseStep.objects.filter(case=case, position=current.position, finished_at__isnull=True)
            .select_related("department")
            .order_by("id")
        )
    for step in steps:
        step.case = case  # policies read step.case.region
    return [step for step in steps if policies.can_act_on_step(actor, step)]


def assignable_colleagues(*, case: Case) -> list[User]:
    """Staff holding the role the case needs now, in the right department and region:
    intake (window clerks of a window serving the department, and its reviewers) before
    acceptance, else the role of each open step at the current position."""
    today = timezone.localdate()
    if case.state == State.SUBMITTED:
        condition = Q(role=Role.REVIEWER, department_id=case.department_id) | Q(
            role=Role.WINDOW_CLERK
        ) & (Q(department_id=case.department_id) | Q(window__departments=case.department_id))
    elif case.state == State.UNDER_REVIEW and case.current_step is not None:
        steps = CaseStep.objects.filter(
            case=case, position=case.current_step.position, finished_at__isnull=True
        ).values_list("role", "department_id")
        condition = Q(pk__in=[])
        for role, department_id in steps:
            condition |= Q(role=role, department_id=department_id)
    else:
        return []
    positions = (
        Position.objects.valid_on(today)
        .filter(condition)
        .select_related("region", "staff__user")
        .distinct()
    )
    users: dict[int, User] = {}
    for position in positions:
        if position.region.covers(case.region):
            users[position.staff.user_id] = position.staff.user
    return sorted(users.values(), key=lambda u: (u.full_name, u.pk))


# --- downloads: the workbench -----------------------------------------------------------------


def _staff_case(actor: Any, number: str) -> QuerySet[Case]:
    return selectors.staff_cases(actor).filter(number=number)


def staff_material_file(*, actor: Any, number: str, material_id: int) -> CaseMaterial | None:
    """A stored file of a case `actor` may open as staff (attachments included)."""
    return (
        CaseMaterial.objects.filter(pk=material_id, case__in=_staff_case(actor, number))
        .exclude(file="")
        .first()
    )


def staff_result_file(*, actor: Any, number: str, result_id: int) -> CaseResult | None:
    """A result of a case `actor` may open as staff."""
    return CaseResult.objects.filter(pk=result_id, case__in=_staff_case(actor, number)).first()


def case_supplement(*, case: Case, supplement_id: int) -> SupplementRequest | None:
    """One supplement request of the case."""
    return SupplementRequest.objects.filter(case=case, pk=supplement_id).first()


# --- downloads: the API (staff and applicants) ---------------------------------------------------


def case_material_file(
    *,
    actor: Any,
    material_id: int,
    case_id: int | None = None,
    number: str | None = None,
    acting_for: Enterprise | None = None,
) -> CaseMaterial | None:
    """A stored file of a case the actor may see (`NotFound` for a case they may not see).
    Staff of the case get any of its files; the applicant all but the internal
    attachments (inspection records, expert reports)."""
    case, viewer = selectors.case_visible(
        actor, case_id=case_id, number=number, acting_for=acting_for
    )
    held = CaseMaterial.objects.filter(case=case, pk=material_id).exclude(file="")
    if viewer != "staff":
        held = held.filter(is_internal=False)
    return held.first()


def case_result_file(
    *, actor: Any, number: str, result_id: int, acting_for: Enterprise | None = None
) -> tuple[CaseResult | None, str]:
    """A result of a case the actor may see (`NotFound` for a case they may not see), with
    whether they see the case as "staff" or as "applicant"; None when the case has no such
    result or it has no file."""
    case, viewer = selectors.case_visible(actor, case_id=None, number=number, acting_for=acting_for)
    result = CaseResult.objects.filter(case=case, pk=result_id).select_related("case").first()
    if result is None or not result.file:
        return None, viewer
    return result, viewer
