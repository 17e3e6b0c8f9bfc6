"""The transition table, checked for every action in every state, through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from govhub.cases import services
from govhub.cases.models import Case, CaseStep, Channel
from govhub.cases.tests.factories import CaseFactory, pdf_upload
from govhub.cases.workflow import (
    FINAL_STATES,
    TRANSITIONS,
    Action,
    State,
    allowed_actions,
    check_transition,
)
from govhub.core.errors import Conflict
from govhub.identity.tests.factories import StaffUserFactory

ALL_PAIRS = [(action, state) for action in TRANSITIONS for state in State.values]


@pytest.mark.parametrize(("action", "state"), ALL_PAIRS)
def test_table_allows_exactly_its_sources(action: str, state: str) -> None:
    if state in TRANSITIONS[action].sources:
        assert check_transition(action, state) is TRANSITIONS[action]
        assert action in allowed_actions(state)
    else:
        with pytest.raises(Conflict) as caught:
            check_transition(action, state)
        assert caught.value.code == "invalid_state"
        assert action not in allowed_actions(state)


def test_final_states_allow_nothing() -> None:
    for state in FINAL_STATES:
        assert allowed_actions(state) == []


def test_the_process_is_connected() -> None:
    """Every state but draft can be reached, and every non-final state can be left."""
    reached = {rule.target for rule in TRANSITIONS.values() if rule.target}
    reached |= {State.SUBMITTED, State.UNDER_REVIEW}  # resubmit's computed targets
    assert set(State.values) - {State.DRAFT} <= reached
    for state in set(State.values) - FINAL_STATES:
        assert any(
            state in rule.sources and rule.target and rule.target != state
            for rule in TRANSITIONS.values()
        ), state


SERVICE_CALLS: dict[str, Callable[[Any, Case], Any]] = {
    Action.SUBMIT: lambda actor, case: services.case_submit(
        actor=actor, channel=Channel.WEB, draft=case
    ),
    Action.ACCEPT: lambda actor, case: services.case_accept(actor=actor, case=case),
    Action.REJECT_INTAKE: lambda actor, case: services.case_reject_intake(
        actor=actor, case=case, reason="r", legal_notice="n"
    ),
    Action.REQUEST_SUPPLEMENT: lambda actor, case: services.case_request_supplement(
        actor=actor, case=case, items=[{"name": "x", "reason": "y"}]
    ),
    Action.RESUBMIT: lambda actor, case: services.case_resubmit(actor=actor, case=case),
    Action.CLAIM: lambda actor, case: services.case_claim(actor=actor, case=case),
    Action.ASSIGN: lambda actor, case: services.case_assign(actor=actor, case=case, assignee=actor),
    Action.REVIEW: lambda actor, case: services.case_review(
        actor=actor, case=case, step=0, outcome="agree", opinion="o"
    ),
    Action.START_SPECIAL: lambda actor, case: services.case_special_start(
        actor=actor, case=case, kind="inspection", name="n", reason="r", limit_value=1
    ),
    Action.END_SPECIAL: lambda actor, case: services.case_special_end(
        actor=actor, case=case, result="r"
    ),
    Action.EXTEND: lambda actor, case: services.case_extend(
        actor=actor, case=case, days=1, reason="r"
    ),
    Action.DECIDE: lambda actor, case: services.case_decide(
        actor=actor, case=case, decision="approved", reason="r"
    ),
    Action.ISSUE: lambda actor, case: services.case_issue(actor=actor, case=case),
    Action.DELIVER: lambda actor, case: services.case_deliver(
        actor=actor, case=case, method="window"
    ),
    Action.COMPLETE: lambda actor, case: services.case_complete(actor=actor, case=case),
    Action.WITHDRAW: lambda actor, case: services.case_withdraw(actor=actor, case=case, reason="r"),
    Action.TERMINATE: lambda actor, case: services.case_terminate(
        actor=actor, case=case, reason="r"
    ),
    Action.ATTACH: lambda actor, case: services.case_attach(
        actor=actor, case=case, file=pdf_upload(), name="n"
    ),
}


def test_every_action_has_a_service() -> None:
    assert set(SERVICE_CALLS) == set(TRANSITIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("state", State.values)
def test_services_refuse_every_forbidden_transition(state: str) -> None:
    """Whoever calls, a service refuses an action its state does not allow, and changes
    nothing."""
    case = CaseFactory(state=state, number=None if state == State.DRAFT else f"T-{state}")
    actor = StaffUserFactory()
    for action, call in SERVICE_CALLS.items():
        if state in TRANSITIONS[action].sources:
            continue
        with pytest.raises(Conflict):
            call(actor, case)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == state and fresh.revision == case.revision
    assert not fresh.events.exists() and not CaseStep.objects.filter(case=case).exists()
