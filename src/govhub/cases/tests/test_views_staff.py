"""The staff workbench: queues, the case page and its action forms, files and notices."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, include, path, reverse

from govhub import urls as project_urls
from govhub.cases import services
from govhub.cases.models import Case, CaseMaterial, CaseStep, Channel
from govhub.cases.tests.factories import (
    MINIMAL_PDF,
    CaseFactory,
    make_online_item,
    pdf_upload,
    staff_member,
    submit_case,
)
from govhub.cases.workflow import State
from govhub.core.calendar import local_today
from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in
from govhub.identity.tests.factories import StaffUserFactory, VerifiedPersonFactory
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import grant

# Until the project's urls.py mounts the workbench (and the apps its pages link to), these
# tests mount them themselves.
_MOUNTS = (
    ("workbench", "workbench/", "govhub.cases.urls_staff"),
    ("cases", "cases/", "govhub.cases.urls"),
    ("notifications", "account/inbox/", "govhub.notifications.urls"),
)
_mounted = get_resolver("govhub.urls").namespace_dict
urlpatterns = [
    path(prefix, include(module))
    for namespace, prefix, module in _MOUNTS
    if namespace not in _mounted
]
urlpatterns += project_urls.urlpatterns
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

URLS = "govhub.cases.tests.test_views_staff"
pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]
Role = Position.Role


# --- helpers ------------------------------------------------------------------------------


def signed_in(client: Any, user: Any) -> Any:
    sign_in(client, user, methods=["pwd", "otp"])
    return client


def case_url(case: Case) -> str:
    return reverse("workbench:case", args=[case.number])


def act(client: Any, case: Case, action: str, revision: int | None = None, **data: Any) -> Any:
    """Post one action form of the case page as the browser would (prefixed fields)."""
    if revision is None:
        case.refresh_from_db()
        revision = case.revision
    payload = {f"{action}-revision": revision, **{f"{action}-{k}": v for k, v in data.items()}}
    return client.post(reverse("workbench:act", args=[case.number, action]), payload)


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def team() -> dict[str, Any]:
    item = make_online_item()
    department = item.department
    return {
        "item": item,
        "clerk": staff_member(Role.WINDOW_CLERK, department),
        "reviewer": staff_member(Role.REVIEWER, department),
        "approver": staff_member(Role.APPROVER, department),
    }


def accepted(team: dict[str, Any], **kwargs: Any) -> Case:
    case = submit_case(item=team["item"], **kwargs)
    return services.case_accept(actor=team["clerk"], case=case)


def reviewed(team: dict[str, Any]) -> Case:
    case = accepted(team)
    assert case.current_step is not None
    return services.case_review(
        actor=team["reviewer"], case=case, step=case.current_step, outcome="agree", opinion="同意"
    )


def decided(team: dict[str, Any], decision: str = "approved") -> Case:
    case = reviewed(team)
    return services.case_decide(
        actor=team["approver"], case=case, decision=decision, reason="符合条件"
    )


# --- who may open the workbench -----------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client: Any) -> None:
    response = client.get(reverse("workbench:queue"))
    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_people_without_a_working_position_get_the_403_page(client: Any) -> None:
    signed_in(client, VerifiedPersonFactory())
    response = client.get(reverse("workbench:queue"))
    assert response.status_code == 403
    assert "您没有权限访问这个页面" in text(response)
    admin = StaffUserFactory()
    grant(admin, Role.SYSTEM_ADMIN)
    signed_in(client, admin)
    assert client.get(reverse("workbench:queue")).status_code == 403


def test_a_staff_session_without_the_second_factor_is_sent_to_step_up(
    client: Any, team: dict[str, Any]
) -> None:
    sign_in(client, team["clerk"], methods=["pwd"])
    response = client.get(reverse("workbench:queue"))
    assert response.status_code == 302
    assert "next=" in response["Location"]


# --- queues -------------------------------------------------------------------------------


def test_a_clerk_never_sees_another_departments_case(client: Any, team: dict[str, Any]) -> None:
    mine = submit_case(item=team["item"])
    other_item = make_online_item()
    theirs = submit_case(item=other_item)
    upload = theirs.materials.exclude(file="").first()
    assert upload is not None
    signed_in(client, team["clerk"])
    for queue in ("intake", "all"):
        page = text(client.get(reverse("workbench:queue"), {"queue": queue}))
        assert case_url(mine) in page
        assert theirs.number not in page
    # Searching for the other case's number finds nothing either.
    page = text(client.get(reverse("workbench:queue"), {"queue": "all", "q": theirs.number}))
    assert case_url(theirs) not in page
    assert "没有符合筛选条件的办件" in page
    assert client.get(case_url(theirs)).status_code == 404
    assert (
        client.get(reverse("workbench:material_file", args=[theirs.number, upload.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("workbench:notice", args=[theirs.number, "receipt"])).status_code == 404
    )
    assert act(client, theirs, "accept").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.SUBMITTED
    # Their own case's file is served.
    own = mine.materials.exclude(file="").first()
    assert own is not None
    response = client.get(reverse("workbench:material_file", args=[mine.number, own.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]


def test_queue_tabs_show_counts_and_default_to_the_clerks_intake(
    client: Any, team: dict[str, Any]
) -> None:
    submit_case(item=team["item"])
    submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    page = text(client.get(reverse("workbench:queue")))
    assert re.search(r'aria-current="page">待受理 <span class="queue-tabs__count">2 件', page)
    assert "认领" in page


def test_queue_is_sorted_by_deadline_first(client: Any, team: dict[str, Any]) -> None:
    today = local_today()
    item = team["item"]
    later = CaseFactory(
        item=item, state=State.UNDER_REVIEW, promised_due=today + datetime.timedelta(days=20)
    )
    overdue = CaseFactory(
        item=item,
        state=State.UNDER_REVIEW,
        accepted_on=today - datetime.timedelta(days=30),
        promised_due=today - datetime.timedelta(days=3),
    )
    soon = CaseFactory(
        item=item,
        state=State.UNDER_REVIEW,
        accepted_on=today - datetime.timedelta(days=10),
        promised_due=today + datetime.timedelta(days=1),
    )
    none = CaseFactory(item=item, state=State.SUBMITTED)
    signed_in(client, team["approver"])
    page = text(client.get(reverse("workbench:queue"), {"queue": "all"}))
    positions = [page.index(c.number) for c in (overdue, soon, later, none)]
    assert positions == sorted(positions)
    # The time left is said in words, not by colour alone.
    assert "已超期" in page
    assert "queue-row--overdue" in page
    only = text(client.get(reverse("workbench:queue"), {"queue": "all", "overdue": "on"}))
    assert overdue.number in only
    assert soon.number not in only and later.number not in only


def test_queue_filters_and_pagination(
    client: Any, team: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    item = team["item"]
    cases = [CaseFactory(item=item, channel=Channel.WINDOW) for _ in range(3)]
    web = CaseFactory(item=item, channel=Channel.WEB)
    signed_in(client, team["clerk"])
    page = text(client.get(reverse("workbench:queue"), {"queue": "intake", "channel": "window"}))
    assert all(c.number in page for c in cases)
    assert web.number not in page
    page = text(client.get(reverse("workbench:queue"), {"queue": "intake", "q": web.number}))
    assert case_url(web) in page and case_url(cases[0]) not in page
    page = text(
        client.get(reverse("workbench:queue"), {"queue": "intake", "q": web.applicant_name})
    )
    assert case_url(web) in page
    assert "清除筛选" in page
    from govhub.cases import selectors

    monkeypatch.setitem(selectors.case_queue.__kwdefaults__, "page_size", 2)
    first = text(client.get(reverse("workbench:queue"), {"queue": "intake"}))
    assert 'rel="next"' in first
    second = text(client.get(reverse("workbench:queue"), {"queue": "intake", "page": "2"}))
    assert 'rel="prev"' in second
    assert client.get(reverse("workbench:queue"), {"queue": "nonsense"}).status_code == 404


def _queue_queries(client: Any) -> int:
    """Queries of one queue page, leaving out the session's own bookkeeping (its
    last-seen time is written now and then, whatever the page)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("workbench:queue"), {"queue": "all"})
    assert response.status_code == 200
    return sum(
        1
        for query in queries.captured_queries
        if "django_session" not in query["sql"] and "SAVEPOINT" not in query["sql"]
    )


def test_queue_page_query_count_does_not_grow_with_rows(
    client: Any, team: dict[str, Any], settings: Any
) -> None:
    settings.GOVHUB_QUEUE_COUNTS_TTL = 0  # the counts computed every time (counts_cache)
    item = team["item"]
    today = local_today()
    signed_in(client, team["clerk"])
    CaseFactory(
        item=item,
        state=State.UNDER_REVIEW,
        accepted_on=today - datetime.timedelta(days=3),
        promised_due=today + datetime.timedelta(days=3),
    )
    _queue_queries(client)  # the working-day calendar is cached from now on
    few = _queue_queries(client)
    for index in range(8):
        CaseFactory(
            item=item,
            state=State.UNDER_REVIEW if index % 2 else State.SUBMITTED,
            assignee=team["reviewer"],
            accepted_on=today - datetime.timedelta(days=index),
            promised_due=today + datetime.timedelta(days=index),
        )
    many = _queue_queries(client)
    assert many == few
    # Pinned: the user, their positions (with their windows' departments, prefetched once),
    # the regions their positions cover, the queue counts (one statement for every tab),
    # the item list for the filter, one page, the inbox badge.
    assert many == PINNED_QUEUE_QUERIES


PINNED_QUEUE_QUERIES = 8


# --- the case page ------------------------------------------------------------------------


def test_case_page_shows_the_case_as_staff_see_it(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    response = client.get(case_url(case))
    assert response.status_code == 200
    page = text(response)
    assert case.number in page
    assert case.masked_id_number in page
    assert case.applicant_id_number not in page
    assert "显示完整号码" in page
    for section in ("申请表", "申请材料", "办理记录", "办理时限"):
        assert section in page
    # One form per allowed action, each carrying the revision.
    for action in ("accept", "reject_intake", "request_supplement", "claim"):
        assert reverse("workbench:act", args=[case.number, action]) in page
    assert f'name="accept-revision" value="{case.revision}"' in page
    assert "打印收件回执" in page


def test_revealing_the_id_number_is_audited(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    assert client.get(reverse("workbench:id_number", args=[case.number])).status_code == 405
    response = client.post(reverse("workbench:id_number", args=[case.number]))
    assert response.status_code == 200
    assert case.applicant_id_number in text(response)
    event = AuditEvent.objects.get(action="cases.case.view_id_number")
    assert event.actor == team["clerk"]
    assert event.object_id == str(case.pk)
    # The next view is masked again.
    assert case.applicant_id_number not in text(client.get(case_url(case)))


def test_id_numbers_in_the_form_are_masked_until_revealed(
    client: Any, team: dict[str, Any]
) -> None:
    from govhub.core.codes import id_number_check_character

    first17 = "23040219850301004"
    spouse = first17 + id_number_check_character(first17)
    case = submit_case(item=team["item"])
    Case.objects.filter(pk=case.pk).update(form_data={**case.form_data, "spouse_id_number": spouse})
    signed_in(client, team["clerk"])
    page = text(client.get(case_url(case)))
    assert spouse not in page
    assert spouse[:6] in page  # masked, not dropped
    revealed = text(client.post(reverse("workbench:id_number", args=[case.number])))
    assert spouse in revealed


def test_another_departments_clerk_cannot_reveal(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    stranger = staff_member(Role.WINDOW_CLERK, make_online_item().department)
    signed_in(client, stranger)
    assert client.post(reverse("workbench:id_number", args=[case.number])).status_code == 404
    assert not AuditEvent.objects.filter(action="cases.case.view_id_number").exists()


# --- intake actions -----------------------------------------------------------------------


def test_accept(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    response = act(client, case, "accept", opinion="材料齐全")
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    case.refresh_from_db()
    assert case.state == State.UNDER_REVIEW
    page = text(client.get(case_url(case)))
    assert "已受理" in page
    assert "打印受理通知书" in page
    # Wrong state: accepting again is a conflict, said at the top.
    response = act(client, case, "accept")
    assert response.status_code == 409
    assert "办件当前状态为“审查中”，不能受理" in text(response)


def test_accept_refused_for_a_clerk_of_another_window_role(
    client: Any, team: dict[str, Any]
) -> None:
    """The service decides permission: an approver sees the case but may not accept it."""
    case = submit_case(item=team["item"])
    signed_in(client, team["approver"])
    accept_url = reverse("workbench:act", args=[case.number, "accept"])
    assert accept_url not in text(client.get(case_url(case)))
    assert act(client, case, "accept").status_code == 403


def test_stale_revision_is_a_conflict_and_keeps_the_input(
    client: Any, team: dict[str, Any]
) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    seen = case.revision
    services.case_claim(actor=team["reviewer"], case=case)  # someone acts meanwhile
    response = act(client, case, "accept", revision=seen, opinion="我的受理意见")
    assert response.status_code == 409
    page = text(response)
    assert "办件已被他人更新" in page
    assert "我的受理意见" in page
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    # The form shown again carries the current revision.
    assert f'name="accept-revision" value="{case.revision}"' in page


def test_reject_intake(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    page = text(client.get(case_url(case)))
    assert "六十日内申请行政复议" in page  # the legal notice is prefilled
    response = act(client, case, "reject_intake", reason="", legal_notice="依据……")
    assert response.status_code == 200
    assert "请填写不予受理的理由" in text(response)
    response = act(
        client, case, "reject_intake", reason="不属于本部门职权", legal_notice="请向……申请"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.NOT_ACCEPTED
    assert "打印不予受理通知书" in text(client.get(case_url(case)))
    pdf = client.get(reverse("workbench:notice", args=[case.number, "non-acceptance"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_request_supplement_one_complete_list(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    material = case.version.materials.order_by("position").first()
    assert material is not None
    signed_in(client, team["clerk"])
    response = act(client, case, "request_supplement", note="")
    assert response.status_code == 200
    assert "请一次性列出需要补正的全部内容" in text(response)
    response = act(client, case, "request_supplement", **{f"m_{material.pk}": "on"})
    assert "请写明该材料需要补正的原因" in text(response)
    response = act(
        client,
        case,
        "request_supplement",
        **{
            f"m_{material.pk}": "on",
            f"m_{material.pk}_reason": "签名缺失",
            "extra_0_name": "户口簿首页",
            "extra_0_reason": "需核对住址",
            "note": "请一并提交",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.SUPPLEMENT_REQUESTED
    supplement = case.supplements.get()
    assert [row["name"] for row in supplement.items] == [material.display_name, "户口簿首页"]
    page = text(client.get(case_url(case)))
    assert "签名缺失" in page
    pdf = client.get(reverse("workbench:supplement_notice", args=[case.number, supplement.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_receipt_pdf(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    response = client.get(reverse("workbench:notice", args=[case.number, "receipt"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("workbench:notice", args=[case.number, "other"])).status_code == 404
    # A notice the case cannot have yet: back to the page with the reason.
    response = client.get(reverse("workbench:notice", args=[case.number, "decision"]), follow=True)
    assert "办件尚未作出决定" in text(response)


# --- work assignment ----------------------------------------------------------------------


def test_claim_from_the_queue(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    here = reverse("workbench:queue") + "?queue=intake"
    # The row's button posts the shared claim form to its case with the revision shown.
    page = client.get(here).content.decode()
    claim_url = reverse("workbench:act", args=[case.number, "claim"])
    assert '<form id="queue-claim" method="post"' in page
    assert re.search(r'name="next" value="([^"]*)"', page).group(1) == here.replace("&", "&amp;")  # type: ignore[union-attr]
    button = re.search(rf'<button[^>]*formaction="{re.escape(claim_url)}"[^>]*>', page)
    assert button is not None
    assert 'form="queue-claim"' in button.group(0)
    assert f'name="claim-revision" value="{case.revision}"' in button.group(0)
    response = client.post(claim_url, {"claim-revision": case.revision, "next": here})
    assert response.status_code == 302
    assert response["Location"] == here
    case.refresh_from_db()
    assert case.assignee == team["clerk"]
    assert case.number in text(client.get(reverse("workbench:queue"), {"queue": "mine"}))
    # Someone else's claim: a conflict.
    other = staff_member(Role.WINDOW_CLERK, team["item"].department)
    signed_in(client, other)
    response = act(client, case, "claim")
    assert response.status_code == 409
    assert "该办件已被其他工作人员认领" in text(response)


def test_claim_redirect_stays_inside_the_workbench(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    response = client.post(
        reverse("workbench:act", args=[case.number, "claim"]),
        {"claim-revision": case.revision, "next": "https://evil.example/"},
    )
    assert response["Location"] == case_url(case)


def test_assign_offers_only_colleagues_with_the_role(client: Any, team: dict[str, Any]) -> None:
    case = accepted(team)
    other_reviewer = staff_member(Role.REVIEWER, team["item"].department)
    outsider = staff_member(Role.REVIEWER, make_online_item().department)
    signed_in(client, team["approver"])
    page = text(client.get(case_url(case)))
    assert other_reviewer.full_name in page
    assert outsider.full_name not in page
    response = act(client, case, "assign", assignee=outsider.pk)
    assert response.status_code == 200
    assert 'id="id_assign-assignee_error"' in text(response)
    case.refresh_from_db()
    assert case.assignee is None
    response = act(client, case, "assign", assignee=other_reviewer.pk)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == other_reviewer


# --- review and decision ------------------------------------------------------------------


def test_review(client: Any, team: dict[str, Any]) -> None:
    case = accepted(team)
    step = case.current_step
    assert step is not None
    signed_in(client, team["reviewer"])
    response = act(client, case, "review", step=step.pk, outcome="agree", opinion="")
    assert response.status_code == 200
    assert "请填写审查意见" in text(response)
    response = act(client, case, "review", step=step.pk, outcome="agree", opinion="材料真实有效")
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.finished_at is not None and step.opinion == "材料真实有效"
    case.refresh_from_db()
    assert case.current_step is not None and case.current_step.kind == CaseStep.Kind.DECISION
    page = text(client.get(case_url(case)))
    assert "材料真实有效" in page


def test_decide_approve_and_refuse(client: Any, team: dict[str, Any]) -> None:
    case = reviewed(team)
    signed_in(client, team["approver"])
    page = text(client.get(case_url(case)))
    assert "六个月内提起行政诉讼" in page  # the remedy is prefilled
    response = act(client, case, "decide", decision="approved", reason="", remedy="")
    assert "请填写决定理由" in text(response)
    response = act(client, case, "decide", decision="refused", reason="不符合条件", remedy="")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DECIDED and case.decision == "refused"
    assert "行政复议" in case.remedy
    pdf = client.get(reverse("workbench:notice", args=[case.number, "decision"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_reviewer_may_not_decide(client: Any, team: dict[str, Any]) -> None:
    case = reviewed(team)
    signed_in(client, team["reviewer"])
    assert act(client, case, "decide", decision="approved", reason="可以").status_code == 403


def test_special_procedure_start_and_end(client: Any, team: dict[str, Any]) -> None:
    case = accepted(team)
    signed_in(client, team["reviewer"])
    response = act(
        client,
        case,
        "start_special",
        kind="inspection",
        name="现场核查",
        reason="",
        limit_unit="working_days",
    )
    assert "请填写启动理由" in text(response)
    response = act(
        client,
        case,
        "start_special",
        kind="inspection",
        name="现场核查",
        reason="需核实经营场所",
        limit_value="5",
        limit_unit="working_days",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.SPECIAL_PROCEDURE
    assert "暂停计时" in text(client.get(case_url(case)))
    response = act(client, case, "end_special", result="")
    assert "请填写特别程序结论" in text(response)
    response = act(client, case, "end_special", result="场所符合要求")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.UNDER_REVIEW


def test_extend(client: Any, team: dict[str, Any]) -> None:
    case = accepted(team)
    due = case.promised_due
    signed_in(client, team["approver"])
    response = act(client, case, "extend", days="0", reason="需补充调查")
    assert response.status_code == 200
    assert 'id="id_extend-days_error"' in text(response)
    case.refresh_from_db()
    assert case.extension_days == 0
    response = act(client, case, "extend", days="5", reason="需补充调查")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.extension_days == 5 and case.promised_due != due
    assert "延长时限" in text(client.get(case_url(case)))


# --- results ------------------------------------------------------------------------------


def test_issue_generates_the_decision_notice(client: Any, team: dict[str, Any]) -> None:
    case = decided(team)
    signed_in(client, team["clerk"])
    response = act(client, case, "issue", mode="upload", name="许可证")
    assert "请选择要上传的结果文件" in text(response)
    response = act(client, case, "issue", mode="generate")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.ISSUED
    result = case.results.get()
    download = client.get(reverse("workbench:result_file", args=[case.number, result.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_issue_an_uploaded_result(client: Any, team: dict[str, Any]) -> None:
    case = decided(team)
    signed_in(client, team["clerk"])
    response = client.post(
        reverse("workbench:act", args=[case.number, "issue"]),
        {
            "issue-revision": case.revision,
            "issue-mode": "upload",
            "issue-name": "许可证",
            "issue-file": SimpleUploadedFile("licence.pdf", MINIMAL_PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302
    assert case.results.get().name == "许可证"


def test_deliver_and_complete(client: Any, team: dict[str, Any]) -> None:
    case = decided(team)
    services.case_issue(actor=team["clerk"], case=case, file=pdf_upload("结果.pdf"))
    signed_in(client, team["clerk"])
    response = act(client, case, "deliver", method="post", address="", tracking_number="")
    assert response.status_code == 200
    assert "邮寄送达须填写邮寄地址" in text(response)
    response = act(
        client, case, "deliver", method="post", address="测试路 1 号", tracking_number="SF123"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DELIVERED
    response = act(client, case, "complete")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.COMPLETED
    assert act(client, case, "complete").status_code == 409


def test_deliver_at_the_window_completes(client: Any, team: dict[str, Any]) -> None:
    case = decided(team)
    services.case_issue(actor=team["clerk"], case=case, file=pdf_upload("结果.pdf"))
    signed_in(client, team["clerk"])
    assert act(client, case, "deliver", method="window").status_code == 302
    case.refresh_from_db()
    assert case.state == State.COMPLETED


def test_terminate(client: Any, team: dict[str, Any]) -> None:
    case = accepted(team)
    signed_in(client, team["approver"])
    response = act(client, case, "terminate", reason="")
    assert "请填写终止办理的理由" in text(response)
    response = act(client, case, "terminate", reason="申请人死亡")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.TERMINATED


def test_attach(client: Any, team: dict[str, Any]) -> None:
    case = accepted(team)
    signed_in(client, team["reviewer"])
    url = reverse("workbench:act", args=[case.number, "attach"])
    response = client.post(
        url,
        {
            "attach-revision": case.revision,
            "attach-name": "核查笔录",
            "attach-file": SimpleUploadedFile("notes.pdf", b"not a pdf at all", "application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "form-errors" in text(response)
    case.refresh_from_db()
    response = client.post(
        url,
        {
            "attach-revision": case.revision,
            "attach-name": "核查笔录",
            "attach-file": SimpleUploadedFile("notes.pdf", MINIMAL_PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302
    attached = CaseMaterial.objects.get(case=case, name="核查笔录")
    assert reverse("workbench:material_file", args=[case.number, attached.pk]) in text(
        client.get(case_url(case))
    )


def test_unknown_action_is_404(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    assert act(client, case, "submit").status_code == 404
    assert client.get(reverse("workbench:act", args=[case.number, "accept"])).status_code == 405


def test_pages_render_in_english(client: Any, team: dict[str, Any]) -> None:
    case = submit_case(item=team["item"])
    signed_in(client, team["clerk"])
    client.cookies["django_language"] = "en"
    assert client.get(reverse("workbench:queue")).status_code == 200
    assert client.get(case_url(case)).status_code == 200
