"""“My cases” (see `views_applicant`): the applicant's cases in tabs (in progress, awaiting
their supplement, finished, drafts), each row with its stage and time left."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy, pgettext_lazy

from govhub.cases import selectors
from govhub.cases.models import Case
from govhub.cases.views_applicant_common import Flavour, acting_of, user_of
from govhub.cases.views_applicant_progress import progress, time_left_text
from govhub.cases.workflow import FINAL_STATES, State

MINE_PAGE_SIZE = 10

# "My cases" tabs: key → (label, states).
ACTIVE_STATES = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.SPECIAL_PROCEDURE,
    State.DECIDED,
    State.ISSUED,
    State.DELIVERED,
)
TABS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "active": (gettext_lazy("办理中"), ACTIVE_STATES),
    "action": (gettext_lazy("待我补正"), (State.SUPPLEMENT_REQUESTED,)),
    "done": (pgettext_lazy("cases tab", "已办结"), tuple(sorted(FINAL_STATES))),
    "drafts": (gettext_lazy("草稿"), (State.DRAFT,)),
}


@dataclass(frozen=True)
class CaseRow:
    case: Case
    state_label: str
    done: int
    total: int
    stage_label: str
    due: datetime.date | None
    time_left: str
    overdue: bool
    needs_action: bool

    @property
    def segments(self) -> list[bool]:
        """One flag per stage: reached or not (the bar's segments)."""
        return [index < self.done for index in range(self.total)]


def case_rows(cases: Iterable[Case]) -> list[CaseRow]:
    rows = []
    for case in cases:
        summary = selectors.case_clock(case)
        done, total, stage = progress(case)
        rows.append(
            CaseRow(
                case=case,
                state_label=str(State(case.state).label),
                done=done,
                total=total,
                stage_label=stage,
                due=summary.promised_due if case.state not in FINAL_STATES else None,
                time_left=time_left_text(case, summary),
                overdue=summary.overdue and case.state not in FINAL_STATES,
                needs_action=case.state == State.SUPPLEMENT_REQUESTED,
            )
        )
    return rows


def tab_counts(cases: QuerySet[Case]) -> dict[str, int]:
    """How many cases each tab holds, in one query."""
    return cases.aggregate(
        **{key: Count("pk", filter=Q(state__in=states)) for key, (_label, states) in TABS.items()}
    )


def mine(request: HttpRequest, fl: Flavour, *, page_size: int = MINE_PAGE_SIZE) -> HttpResponse:
    tab = request.GET.get("tab", "active")
    if tab not in TABS:
        tab = "active"
    acting = acting_of(request)
    cases = selectors.applicant_cases(user_of(request), acting_for=acting)
    counts = tab_counts(cases)
    shown = cases.filter(state__in=TABS[tab][1]).select_related("department", "version")
    if tab == "drafts":
        shown = shown.order_by("-updated_at", "-id")
    else:
        shown = shown.order_by("-submitted_at", "-id")
    page = Paginator(shown, page_size).get_page(request.GET.get("page"))
    tabs = [
        {"key": key, "label": str(label), "count": counts.get(key, 0), "current": key == tab}
        for key, (label, _states) in TABS.items()
    ]
    return render(
        request,
        fl.template("mine.html"),
        {
            **fl.context(),
            "tab": tab,
            "tab_label": str(TABS[tab][0]),
            "tabs": tabs,
            "counts": counts,
            "page_obj": page,
            "rows": case_rows(page.object_list),
            "acting": acting,
        },
    )
