"""The main case journeys in a real browser (Debian's Chromium through Playwright):

1. online: a citizen applies → a window clerk asks for a supplement → the citizen
   supplements → a reviewer approves the review step → the approver decides → the clerk
   issues and delivers electronically → the citizen downloads the result;
2. walk-in: a clerk takes in an application at the window, prints the receipt and accepts
   it; the applicant sees the case online.

Each person gets their own browser context signed in the way the platform requires
(citizens at L2 with password + SMS, staff with password + TOTP); the session is made by
the test client and handed to the browser as its cookie.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from govhub.cases.models import Case
from govhub.cases.tests.factories import (
    MINIMAL_PDF,
    application_form,
    make_online_item,
    staff_member,
)
from govhub.cases.workflow import State
from govhub.identity.testing import sign_in
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.organizations.models import Position

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = Position.Role


@pytest.fixture(autouse=True)
def _contexts() -> Iterator[list[Any]]:
    """Every browser context a test opens is closed when it ends, so no page is still
    talking to the live server after the test (and its database) are gone."""
    opened: list[Any] = []
    OPENED.append(opened)
    yield opened
    OPENED.pop()
    for context in opened:
        context.close()


OPENED: list[list[Any]] = []


def open_as(browser: Any, live_server: Any, user: Any, methods: tuple[str, ...]) -> Any:
    client = Client()
    sign_in(client, user, methods=methods)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    OPENED[-1].append(context)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def pdf_file(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": MINIMAL_PDF}


def staff_case_page(page: Any, live_server: Any, case: Case) -> None:
    page.goto(f"{live_server.url}/workbench/cases/{case.number}/")
    page.wait_for_load_state()


def act(page: Any, action: str, button: str) -> None:
    """Open the action's form on the staff case page and submit it."""
    box = page.locator(f"#action-{action}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    box.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def test_apply_online_supplement_review_decide_download(browser: Any, live_server: Any) -> None:
    item = make_online_item()
    form_material = application_form(item)
    citizen = VerifiedPersonFactory()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    reviewer = staff_member(Role.REVIEWER, item.department)
    approver = staff_member(Role.APPROVER, item.department)

    # The citizen finds the item's guide and applies online.
    page = open_as(browser, live_server, citizen, ("pwd", "sms"))
    page.goto(f"{live_server.url}/services/items/{item.implementation_code}/")
    page.get_by_role("link", name="在线申请").first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="开始填写申请").click()
    page.wait_for_load_state()
    # Prefilled from the verified account, saying so.
    assert page.get_by_label("申请人姓名").input_value() == citizen.full_name
    assert page.get_by_text("来自实名账号").first.is_visible()
    # The ID card is taken from the population registry, not asked for.
    assert page.get_by_text("人口基础库").first.is_visible()
    page.get_by_label("联系电话").fill("13900001111")
    # Submitting without the application form names it.
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    assert page.get_by_text(form_material.name).first.is_visible()
    assert not Case.objects.exclude(state=State.DRAFT).exists()
    page.locator(f"input[name='material_{form_material.pk}']").set_input_files(
        pdf_file("申请表.pdf")
    )
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    case = Case.objects.get(applicant=citizen)
    assert case.state == State.SUBMITTED
    assert case.number and case.number in page.content()

    # The window clerk asks, once and completely, for a signed application form.
    desk = open_as(browser, live_server, clerk, ("pwd", "otp"))
    desk.goto(f"{live_server.url}/workbench/")
    desk.wait_for_load_state()
    assert desk.get_by_role("link", name=case.number).is_visible()
    staff_case_page(desk, live_server, case)
    box = desk.locator("#action-request_supplement")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    box.get_by_label(form_material.name, exact=True).check()
    box.get_by_label(f"“{form_material.name}”需要补正的原因").fill("申请表未签字")
    box.get_by_role("button", name="发出补正告知").click()
    desk.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.SUPPLEMENT_REQUESTED

    # The citizen sees what is needed, uploads it and resubmits.
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="需要您补正材料").is_visible()
    assert page.get_by_text("申请表未签字").is_visible()
    supplement = page.locator("section", has=page.get_by_role("heading", name="需要您补正材料"))
    supplement.locator("input[type=file]").first.set_input_files(pdf_file("已签字.pdf"))
    supplement.get_by_role("button", name="上传").first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="提交补正材料").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    # Accepted at the window; reviewed; decided.
    staff_case_page(desk, live_server, case)
    act(desk, "accept", "受理")
    case.refresh_from_db()
    assert case.state == State.UNDER_REVIEW and case.promised_due is not None

    review = open_as(browser, live_server, reviewer, ("pwd", "otp"))
    staff_case_page(review, live_server, case)
    box = review.locator("#action-review")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    box.get_by_label("同意", exact=True).check()
    box.get_by_label("审查意见").fill("材料齐全，符合法定条件。")
    box.get_by_role("button", name="提交审查意见").click()
    review.wait_for_load_state()

    decide = open_as(browser, live_server, approver, ("pwd", "otp"))
    staff_case_page(decide, live_server, case)
    box = decide.locator("#action-decide")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    box.get_by_label("准予", exact=True).check()
    box.get_by_label("决定理由").fill("符合法定条件，准予办理。")
    box.get_by_role("button", name="作出决定").click()
    decide.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.DECIDED

    # The clerk issues the decision notice and delivers it electronically.
    staff_case_page(desk, live_server, case)
    act(desk, "issue", "出具办理结果")
    staff_case_page(desk, live_server, case)
    box = desk.locator("#action-deliver")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    box.get_by_label("电子送达").check()
    box.get_by_role("button", name="登记送达").click()
    desk.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.COMPLETED

    # The citizen downloads the result.
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.wait_for_load_state()
    result = case.results.get()
    with page.expect_download() as download:
        page.locator(".case-download__link").first.click()
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
    result.refresh_from_db()
    assert result.first_downloaded_at is not None


def test_walk_in_at_the_window(browser: Any, live_server: Any) -> None:
    item = make_online_item()
    form_material = application_form(item)
    person = VerifiedPersonFactory()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)

    desk = open_as(browser, live_server, clerk, ("pwd", "otp"))
    desk.goto(f"{live_server.url}/workbench/intake/")
    desk.wait_for_load_state()
    desk.locator(f"a[href$='/workbench/intake/{item.implementation_code}/']").click()
    desk.wait_for_load_state()
    desk.get_by_label("申请人姓名").first.fill(person.full_name)
    desk.get_by_label("居民身份证号码").fill(person.id_number)
    desk.get_by_role("button", name="核验身份").click()
    desk.wait_for_load_state()
    for field in desk.get_by_label("联系电话").all():  # the applicant's, and the form's
        field.fill("13900002222")
    desk.locator(f"#paper_{form_material.pk}").check()
    desk.get_by_role("button", name="提交申请").click()
    desk.wait_for_load_state()
    case = Case.objects.get(applicant_id_hash=person.id_number_hash)
    assert case.channel == "window" and case.state == State.SUBMITTED
    receipt = desk.get_by_role("link", name="打印收件回执")
    response = desk.request.get(live_server.url + receipt.get_attribute("href"))
    assert response.ok and response.body()[:5] == b"%PDF-"
    desk.get_by_role("button", name="材料齐全，立即受理").click()
    desk.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.UNDER_REVIEW

    # The applicant sees the walk-in case online.
    page = open_as(browser, live_server, person, ("pwd", "sms"))
    page.goto(f"{live_server.url}/cases/mine/")
    page.wait_for_load_state()
    assert case.number in page.content()
    page.locator(f"a[href$='/cases/{case.number}/']").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().strip() == case.title
