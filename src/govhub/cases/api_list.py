"""Cases API: the list (`GET /api/v1/cases`): an applicant's own cases, or a staff member's
queues."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query

from govhub.cases import counts_cache, selectors
from govhub.cases.api_auth import AUTH, caller_of, guarded
from govhub.cases.api_detail import case_url, labelled
from govhub.cases.api_routes import ACTING_FOR_EXTRA, E, endpoint
from govhub.cases.api_schemas import CaseListOut, CaseListQuery
from govhub.cases.models import Case
from govhub.catalog.models import ImplementationItem


def _row(request: HttpRequest, case: Case, *, staff_view: bool) -> dict[str, Any]:
    summary = selectors.case_clock(case)
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "state": labelled(case.state, case.get_state_display()),
        "channel": labelled(case.channel, case.get_channel_display()),
        "item_code": case.item.implementation_code,
        "department": {"code": case.department.code, "name": case.department.display_name},
        "applicant_name": case.applicant_name,
        "enterprise_name": case.enterprise_name,
        "submitted_at": case.submitted_at,
        "clock": {
            "promised_due": summary.promised_due,
            "left_days": summary.left,
            "paused": summary.paused,
            "overdue": summary.overdue,
        },
        "current_step": case.current_step.name if case.current_step is not None else "",
        "assignee": (
            case.assignee.get_full_name() if staff_view and case.assignee is not None else ""
        ),
        "url": case_url(request, case),
    }


@endpoint(
    "GET",
    "",
    response={200: CaseListOut, 401: E, 403: E, 422: E},
    auth=AUTH,
    url_name="cases_list",
    summary="我的办件 / 工作人员办件队列",
    description=(
        "不带 `queue`：调用方作为申请人的办件（含草稿；代表企业时为该企业的办件），"
        "可按 `state` 筛选，最新在前。带 `queue`：工作人员的办件队列，按承诺办结日期最近在前，"
        "可按 `q`、`item`、`state`、`channel`、`overdue` 筛选，并附各队列的办件数 `counts`。"
        "按 `page`/`page_size` 分页；查询次数与每页条数无关。"
    ),
    openapi_extra=ACTING_FOR_EXTRA,
)
@guarded(write=False)
def case_list(request: HttpRequest, params: Query[CaseListQuery]) -> Any:
    caller = caller_of(request)
    if params.queue:
        item_id = None
        if params.item:
            found = (
                ImplementationItem.objects.filter(implementation_code=params.item)
                .values_list("pk", flat=True)
                .first()
            )
            item_id = found if found is not None else -1
        filters = selectors.QueueFilters(
            q=params.q,
            item_id=item_id,
            state=params.state or "",
            channel=params.channel or "",
            overdue=params.overdue,
        )
        rows, has_next = selectors.case_queue(
            actor=caller.user,
            queue=params.queue,
            filters=filters,
            page=params.page,
            page_size=params.page_size,
        )
        return {
            "count": None,
            "counts": counts_cache.queue_counts(actor=caller.user),
            "page": params.page,
            "page_size": params.page_size,
            "has_next": has_next,
            "items": [_row(request, case, staff_view=True) for case in rows],
        }
    cases: QuerySet[Case] = selectors.applicant_cases(caller.user, acting_for=caller.acting_for)
    if params.state:
        cases = cases.filter(state=params.state)
    count = cases.count()
    offset = (params.page - 1) * params.page_size
    page = (
        list(
            cases.select_related("item", "department", "current_step").order_by(
                "-created_at", "-id"
            )[offset : offset + params.page_size]
        )
        if count > offset
        else []
    )
    return {
        "count": count,
        "counts": None,
        "page": params.page,
        "page_size": params.page_size,
        "has_next": count > offset + params.page_size,
        "items": [_row(request, case, staff_view=False) for case in page],
    }
