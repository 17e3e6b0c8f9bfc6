"""The citizen's journey in a real browser (Debian's Chromium through Playwright):
register with an SMS code → sign in → single sign-on into the sample department system
without a new password prompt → sign out at the portal → the department system is signed
out too. SMS codes are read from the in-memory SMS backend (identity/tests/conftest.py)."""

from __future__ import annotations

import re

import pytest

from govhub.identity import sms
from govhub.identity.models import User
from govhub.identity.tests.factories import ResidentFactory
from govhub.sample_department import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Songhua-river-77"
MOBILE = "13700005678"


@pytest.fixture
def sample(live_server, settings):
    settings.GOVHUB_SAMPLE_CLIENT = True
    settings.GOVHUB_SAMPLE_CLIENT_BASE_URLS = [live_server.url]
    demo.load()
    return f"{live_server.url}/sample-department/"


def sms_code() -> str:
    match = re.search(r"(\d{6})", sms.outbox[-1]["message"])
    assert match is not None
    return match.group(1)


def test_register_sign_in_single_sign_on_and_sign_out_everywhere(page, live_server, sample):
    resident = ResidentFactory()
    portal = live_server.url

    # Register: the "获取验证码" button re-renders the form with what was typed.
    page.goto(f"{portal}/")
    page.locator(".account-menu").get_by_role("link", name="注册").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "注册个人账号"
    page.get_by_label("姓名").fill(resident.name)
    page.get_by_label("居民身份证号码").fill(resident.id_number)
    page.get_by_label("手机号码").fill("1370000567")  # one digit short
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state()
    error = page.locator("#id_mobile_error")
    assert error.inner_text().endswith("请输入有效的11位手机号码（以13至19开头）。")
    assert page.get_by_label("手机号码").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("姓名").input_value() == resident.name

    page.get_by_label("手机号码").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state()
    assert page.get_by_text("验证码已发送至 137****5678").is_visible()
    assert sms.outbox[-1]["mobile"] == MOBILE
    # The cursor waits in the code field.
    assert page.evaluate("document.activeElement.name") == "sms_code"
    page.get_by_label("短信验证码").fill(sms_code())
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_label("再次输入密码").press("Enter")  # Enter registers, it sends no code
    page.wait_for_load_state()
    assert len(sms.outbox) == 1
    assert "/account/sign-in/" in page.url
    assert page.get_by_text("注册成功").is_visible()
    assert User.objects.get(mobile=MOBILE).is_real_name_verified

    # Sign in with the password (the mobile number is filled in already).
    assert page.get_by_label("账号").input_value() == MOBILE
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "我的账号"
    assert page.locator(".account-menu__name").inner_text() == resident.name

    # Single sign-on: the department system signs the user in without a password.
    page.goto(sample)
    page.get_by_role("link", name="使用统一身份认证登录").click()
    page.wait_for_load_state()
    assert page.url.startswith(sample), page.url
    assert page.locator("input[type=password]").count() == 0
    assert page.get_by_text(resident.name).first.is_visible()
    assert "sample_department" in {c["name"] for c in page.context.cookies()}

    # Sign out at the portal: the department system is signed out too.
    page.goto(f"{portal}/account/")
    page.locator("summary.account-menu__summary").click()
    page.get_by_role("button", name="退出登录").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("您已安全退出。").is_visible()
    assert page.locator(".account-menu").get_by_role("link", name="登录").is_visible()
    page.goto(sample)
    assert page.get_by_role("link", name="使用统一身份认证登录").is_visible()
    assert "sample_department" not in {c["name"] for c in page.context.cookies()}

    # Signing in to the portal again is needed for the account pages.
    page.goto(f"{portal}/account/")
    assert "/account/sign-in/" in page.url


def test_sign_in_errors_are_announced_next_to_the_fields(page, live_server):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "请修改以下问题后再提交" in summary.inner_text()
    account = page.get_by_label("账号")
    assert account.get_attribute("aria-invalid") == "true"
    described = account.get_attribute("aria-describedby") or ""
    assert "id_identifier_error" in described
    assert page.locator("#id_identifier_error").inner_text().endswith("请填写账号。")
    # The summary links to the field.
    summary.get_by_role("link", name="请填写账号。").click()
    assert page.evaluate("document.activeElement.id") == "id_identifier"
