"""Who may do what with cases: the one place that decides.

Staff rights come from positions (`organizations.policies.valid_positions`), scoped to a
department and a region (a position covers the regions inside its own). A window clerk
serves the departments of their window as well as their own department (the hall's
comprehensive window takes in applications for every department it hosts). Applicants act
on their own cases, or on an enterprise's cases while acting for it with the right scope.
"""

from __future__ import annotations

from typing import Any

from govhub.cases.models import Case, CaseStep
from govhub.catalog.models import ImplementationItem
from govhub.identity.models import AgentScope, Enterprise
from govhub.identity.policies import agent_scopes
from govhub.organizations.models import Department, Position, Region
from govhub.organizations.policies import valid_positions

Role = Position.Role

# Roles whose holders work a department's cases (and so see them).
WORKING_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _position_serves(position: Position, department_id: int, region: Region) -> bool:
    if not position.region.covers(region):
        return False
    if position.department_id == department_id:
        return True
    if position.role == Role.WINDOW_CLERK and position.window is not None:
        window_departments = {d.pk for d in position.window.departments.all()}
        return department_id in window_departments
    return False


def positions_serving(
    user: Any, *, department: Department | int, region: Region, roles: frozenset[str] | set[str]
) -> list[Position]:
    department_id = department if isinstance(department, int) else department.pk
    return [
        position
        for position in valid_positions(user)
        if position.role in roles and _position_serves(position, department_id, region)
    ]


def holds_role_for(user: Any, role: str, *, department_id: int, region: Region) -> bool:
    return bool(positions_serving(user, department=department_id, region=region, roles={role}))


# --- intake --------------------------------------------------------------------------------


def window_position_for(user: Any, item: ImplementationItem) -> Position | None:
    """The window-clerk position under which `user` may take in `item` at a window."""
    found = positions_serving(
        user, department=item.department_id, region=item.region, roles={Role.WINDOW_CLERK}
    )
    return found[0] if found else None


def service_point_position_for(user: Any, item: ImplementationItem) -> Position | None:
    """A grassroots agent applies on a resident's behalf for items of their region."""
    for position in valid_positions(user):
        if position.role == Role.GRASSROOTS_AGENT and (
            position.region.covers(item.region) or item.region.covers(position.region)
        ):
            return position
    return None


def can_file_by_hotline(user: Any) -> bool:
    return any(position.role == Role.HOTLINE_OPERATOR for position in valid_positions(user))


def can_apply_for_enterprise(user: Any, enterprise: Enterprise) -> bool:
    return AgentScope.APPLY in agent_scopes(user, enterprise)


# --- handling ---------------------------------------------------------------------------


def can_handle_intake(user: Any, case: Case) -> bool:
    """Accept, refuse to accept, or ask for a supplement: the department's window clerks
    and reviewers."""
    return bool(
        positions_serving(
            user,
            department=case.department_id,
            region=case.region,
            roles={Role.WINDOW_CLERK, Role.REVIEWER},
        )
    )


def can_act_on_step(user: Any, step: CaseStep) -> bool:
    return holds_role_for(
        user, step.role, department_id=step.department_id, region=step.case.region
    )


def decision_role(case: Case) -> str:
    """Who decides when the item has no decision step of its own: the window for an
    immediate item, the department's approvers otherwise."""
    return Role.WINDOW_CLERK if case.case_kind == "immediate" else Role.APPROVER


def can_decide(user: Any, case: Case, step: CaseStep | None) -> bool:
    if step is not None:
        return can_act_on_step(user, step)
    return holds_role_for(
        user, decision_role(case), department_id=case.department_id, region=case.region
    )


def can_run_procedures(user: Any, case: Case) -> bool:
    """Special procedures, extensions, attachments, claims: the department's reviewers and
    approvers (and window clerks for immediate items)."""
    roles: set[str] = {Role.REVIEWER, Role.APPROVER}
    if case.case_kind == "immediate":
        roles.add(Role.WINDOW_CLERK)
    return bool(
        positions_serving(user, department=case.department_id, region=case.region, roles=roles)
    )


def can_issue(user: Any, case: Case) -> bool:
    """Issuing and delivering results: the department's window clerks, reviewers and
    approvers (the 统一出件窗口)."""
    return bool(
        positions_serving(
            user,
            department=case.department_id,
            region=case.region,
            roles={Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER},
        )
    )


def can_terminate(user: Any, case: Case) -> bool:
    return holds_role_for(user, Role.APPROVER, department_id=case.department_id, region=case.region)


def can_assign(user: Any, case: Case) -> bool:
    """Assigning work to a colleague: approvers and department administrators."""
    return bool(
        positions_serving(
            user,
            department=case.department_id,
            region=case.region,
            roles={Role.APPROVER, Role.DEPARTMENT_ADMIN},
        )
    )


def is_case_staff(user: Any, case: Case) -> bool:
    """Whether `user` works this case's department (or a joint step of it)."""
    if positions_serving(
        user, department=case.department_id, region=case.region, roles=WORKING_ROLES
    ):
        return True
    return any(
        holds_role_for(user, step.role, department_id=step.department_id, region=case.region)
        for step in case.steps.all()
        if step.department_id != case.department_id
    )


# --- applicants ------------------------------------------------------------------------


def is_applicant(user: Any, case: Case, *, acting_for: Enterprise | None = None) -> bool:
    """The applicant themself (by account or verified ID number), or someone acting for
    the applicant enterprise with the view scope."""
    if not _signed_in(user):
        return False
    if case.enterprise_id is not None:
        return (
            acting_for is not None
            and acting_for.pk == case.enterprise_id
            and bool(agent_scopes(user, acting_for) & {AgentScope.VIEW, AgentScope.APPLY})
        )
    if case.applicant_id == user.pk:
        return True
    user_hash = getattr(user, "id_number_hash", "")
    return (
        bool(user_hash)
        and bool(getattr(user, "real_name_verified_at", None))
        and (case.applicant_id_hash == user_hash)
    )


def can_change_as_applicant(user: Any, case: Case, *, acting_for: Enterprise | None) -> bool:
    """Editing a draft, supplementing, withdrawing: the applicant (the APPLY scope for an
    enterprise), or the agent who filed it at a service point."""
    if case.enterprise_id is not None:
        return (
            acting_for is not None
            and acting_for.pk == case.enterprise_id
            and AgentScope.APPLY in agent_scopes(user, acting_for)
        )
    if is_applicant(user, case):
        return True
    return bool(
        _signed_in(user) and case.submitted_by_id == user.pk and case.service_point_id is not None
    )
