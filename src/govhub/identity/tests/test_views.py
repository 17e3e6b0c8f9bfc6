"""Registration, sign-in, second factor, step-up and sign-out pages: every bad input
shows a specific message next to its field; every page works without JavaScript."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from govhub.identity import session
from govhub.identity.models import SignInEvent, SmsChallenge, User
from govhub.identity.tests.factories import (
    PASSWORD,
    PersonFactory,
    ResidentFactory,
    StaffUserFactory,
    TotpDeviceFactory,
    VerifiedPersonFactory,
)
from govhub.identity.tests.helpers import current_totp_code, last_code, wrong_totp_code

pytestmark = pytest.mark.django_db

REGISTER = "/account/register/"
SIGN_IN = "/account/sign-in/"
NEW_PASSWORD = "Songhua-river-77"


def field_errors(response, name: str) -> list[str]:
    """The messages shown next to field `name` (the element its input points to)."""
    html = response.content.decode()
    match = re.search(rf'<p class="field-error" id="id_{name}_error">(.*?)</p>', html, re.S)
    if not match:
        return []
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<span>(.*?)</span>", match.group(1))]


def summary_errors(response) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="form-errors".*?</div>', html, re.S)
    return match.group(0) if match else ""


def input_tag(response, name: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def register_data(resident, **overrides):
    data = {
        "name": resident.name,
        "id_number": resident.id_number,
        "mobile": "13700001234",
        "sms_code": "",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        "action": "submit",
    }
    data.update(overrides)
    return data


def send_register_code(client, resident, outbox, mobile="13700001234") -> str:
    response = client.post(REGISTER, register_data(resident, mobile=mobile, action="send_code"))
    assert response.status_code == 200
    return last_code(outbox)


# --- Registration ------------------------------------------------------------------------


def test_register_page_has_accessible_fields(client):
    response = client.get(REGISTER)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("name", "id_number", "mobile", "sms_code", "password", "password_confirm"):
        assert f'<label for="id_{name}">' in html
    assert 'autocomplete="name"' in input_tag(response, "name")
    code = input_tag(response, "sms_code")
    assert 'inputmode="numeric"' in code and 'autocomplete="one-time-code"' in code
    assert 'autocomplete="new-password"' in input_tag(response, "password")
    assert 'type="tel"' in input_tag(response, "mobile")
    # The help text is announced with the field.
    assert 'aria-describedby="id_id_number_helptext"' in input_tag(response, "id_number")
    # Enter in a field registers: the first submit button of the form is "注册", not
    # "获取验证码".
    form = html[html.index('<form method="post" action="/account/register/') :]
    first_button = re.search(r"<button[^>]*>", form)
    assert first_button and 'value="submit"' in first_button.group(0)


def test_send_code_with_a_bad_mobile_shows_the_error_next_to_it(client, outbox):
    resident = ResidentFactory()
    response = client.post(REGISTER, register_data(resident, mobile="1381234", action="send_code"))
    assert response.status_code == 200
    assert field_errors(response, "mobile") == ["请输入有效的11位手机号码（以13至19开头）。"]
    mobile = input_tag(response, "mobile")
    assert 'aria-invalid="true"' in mobile
    assert "id_mobile_error" in mobile
    # Only the number is checked when sending a code: no complaint about the empty code.
    assert field_errors(response, "sms_code") == []
    assert outbox == []


def test_send_code_keeps_what_was_typed_except_passwords(client, outbox):
    resident = ResidentFactory()
    response = client.post(REGISTER, register_data(resident, action="send_code"))
    assert len(outbox) == 1 and outbox[0]["mobile"] == "13700001234"
    html = response.content.decode()
    assert "验证码已发送至 137****1234，5 分钟内有效。" in html
    assert f'value="{resident.name}"' in input_tag(response, "name")
    assert f'value="{resident.id_number}"' in input_tag(response, "id_number")
    assert NEW_PASSWORD not in html
    assert "autofocus" in input_tag(response, "sms_code")
    assert "重新获取验证码" in html


def test_second_code_within_a_minute_is_refused_with_the_wait(client, outbox):
    resident = ResidentFactory()
    send_register_code(client, resident, outbox)
    response = client.post(REGISTER, register_data(resident, action="send_code"))
    [message] = field_errors(response, "mobile")
    assert re.fullmatch(r"获取验证码过于频繁，请 \d+ 秒后再试。", message)
    assert len(outbox) == 1


def test_register_then_sign_in(client, outbox):
    resident = ResidentFactory()
    code = send_register_code(client, resident, outbox)
    response = client.post(REGISTER + "?next=/services/", register_data(resident, sms_code=code))
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert "identifier=13700001234" in response["Location"]
    assert "next=%2Fservices%2F" in response["Location"]
    user = User.objects.get(mobile="13700001234")
    assert user.is_real_name_verified and user.mobile_verified_at is not None
    page = client.get(response["Location"])
    assert "注册成功" in page.content.decode()
    assert 'value="13700001234"' in input_tag(page, "identifier")
    response = client.post(
        response["Location"], {"identifier": "13700001234", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/services/"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "23040219900101123X", "校验"),
        ("id_number", "2304021990", "18"),
        ("name", "张", "请填写完整的姓名（至少2个字）。"),
        ("sms_code", "12ab56", "验证码为6位数字，请检查后重新输入。"),
        ("password_confirm", "Other-password-1", "两次输入的密码不一致。"),
        ("mobile", "", "请填写手机号码。"),
    ],
)
def test_register_form_errors(client, field, value, message):
    resident = ResidentFactory()
    data = register_data(resident, sms_code="123456")
    data[field] = value
    response = client.post(REGISTER, data)
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors and message in errors[0]
    assert message in summary_errors(response)
    assert f'href="#id_{field}"' in summary_errors(response)
    assert not User.objects.exists()


def test_register_name_not_matching_the_registry(client, outbox):
    resident = ResidentFactory()
    code = send_register_code(client, resident, outbox)
    response = client.post(REGISTER, register_data(resident, name="王二小", sms_code=code))
    assert field_errors(response, "name") == ["姓名与身份证号码不一致，请核对。"]
    assert not User.objects.exists()


def test_register_weak_password(client, outbox):
    resident = ResidentFactory()
    code = send_register_code(client, resident, outbox)
    response = client.post(
        REGISTER,
        register_data(resident, sms_code=code, password="12345678", password_confirm="12345678"),
    )
    assert field_errors(response, "password")
    assert not User.objects.exists()


def test_register_expired_code(client, outbox):
    resident = ResidentFactory()
    code = send_register_code(client, resident, outbox)
    SmsChallenge.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(REGISTER, register_data(resident, sms_code=code))
    assert field_errors(response, "sms_code") == ["验证码已过期，请重新获取。"]


def test_register_wrong_code_says_how_many_tries_are_left(client, outbox):
    resident = ResidentFactory()
    code = send_register_code(client, resident, outbox)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(REGISTER, register_data(resident, sms_code=wrong))
    assert field_errors(response, "sms_code") == ["验证码不正确，还可以再试 4 次。"]


def test_register_an_id_number_that_already_has_an_account(client, outbox):
    person = VerifiedPersonFactory()
    response = client.post(
        REGISTER,
        {
            "name": person.full_name,
            "id_number": person.id_number,
            "mobile": "13700001234",
            "sms_code": "123456",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    [message] = field_errors(response, "id_number")
    assert message.startswith("该身份证号码已注册账号")


# --- Password and SMS sign-in -----------------------------------------------------------


def test_sign_in_page_tabs_without_javascript(client):
    response = client.get(SIGN_IN)
    html = response.content.decode()
    assert '<a href="?method=password" aria-current="page">' in html
    assert 'autocomplete="username"' in input_tag(response, "identifier")
    assert 'autocomplete="current-password"' in input_tag(response, "password")
    response = client.get(SIGN_IN + "?method=sms&next=/services/")
    html = response.content.decode()
    assert 'aria-current="page">短信验证码登录' in html
    assert 'inputmode="numeric"' in input_tag(response, "code")
    assert "next=/services/" in html or "next=%2Fservices%2F" in html


def test_sign_in_with_the_provincial_account_when_configured(client, settings):
    assert "oauth/upstream/start" not in client.get(SIGN_IN).content.decode()
    settings.GOVHUB_UPSTREAM_OIDC_ISSUER = "https://idp.province.example"
    settings.GOVHUB_UPSTREAM_OIDC_LABEL = "黑龙江政务服务网账号登录"
    html = client.get(SIGN_IN + "?next=/services/").content.decode()
    assert 'href="/oauth/upstream/start/?next=%2Fservices%2F"' in html
    assert "黑龙江政务服务网账号登录" in html


def test_sign_in_page_says_why_the_last_session_ended(client, settings):
    person = PersonFactory()
    sign_in(client, person)
    session_data = client.session
    session_data[session.LAST_SEEN] -= settings.GOVHUB_SESSION_IDLE_SECONDS + 1
    session_data.save()
    response = client.get("/account/")
    assert response["Location"].startswith(SIGN_IN)
    html = client.get(response["Location"]).content.decode()
    assert "您长时间没有操作，为保护账号安全已自动退出，请重新登录。" in html
    # Once only.
    assert "您长时间没有操作" not in client.get(SIGN_IN).content.decode()


def test_password_sign_in_goes_to_next_at_level_one(client):
    person = PersonFactory()
    response = client.post(
        SIGN_IN + "?next=/services/", {"identifier": person.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/services/"
    assert client.session[session.METHODS] == ["pwd"]


def test_sign_in_ignores_a_next_address_on_another_site(client):
    person = PersonFactory()
    response = client.post(
        SIGN_IN + "?next=https://evil.example/", {"identifier": person.mobile, "password": PASSWORD}
    )
    assert response["Location"] == reverse("identity:profile")


def test_wrong_password_is_a_form_error(client):
    person = PersonFactory()
    response = client.post(SIGN_IN, {"identifier": person.username, "password": "wrong"})
    assert response.status_code == 200
    assert "账号或密码不正确。" in summary_errors(response)
    assert "_auth_user_id" not in client.session


def test_missing_fields_are_named(client):
    response = client.post(SIGN_IN, {"identifier": "", "password": ""})
    assert field_errors(response, "identifier") == ["请填写账号。"]
    assert field_errors(response, "password") == ["请填写密码。"]


def test_locked_account_says_for_how_long(client):
    person = PersonFactory()
    for _ in range(5):
        client.post(SIGN_IN, {"identifier": person.username, "password": "wrong"})
    response = client.post(SIGN_IN, {"identifier": person.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert re.search(r"账号已锁定，请 \d+ 分钟后再试", summary_errors(response))


def test_sms_sign_in(client, outbox):
    person = PersonFactory(mobile="13600001111")
    url = SIGN_IN + "?method=sms"
    response = client.post(url, {"mobile": "136 0000 1111", "code": "", "action": "send_code"})
    assert "验证码已发送至 136****1111" in response.content.decode()
    response = client.post(url, {"mobile": "13600001111", "code": last_code(outbox)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == person.pk
    assert client.session[session.METHODS] == ["sms"]


def test_sms_sign_in_with_a_wrong_code(client, outbox):
    PersonFactory(mobile="13600001111")
    url = SIGN_IN + "?method=sms"
    client.post(url, {"mobile": "13600001111", "action": "send_code"})
    code = last_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(url, {"mobile": "13600001111", "code": wrong})
    assert field_errors(response, "code") == ["验证码不正确，还可以再试 4 次。"]


# --- Staff: password and authenticator --------------------------------------------------


@pytest.fixture
def staff():
    device = TotpDeviceFactory()
    return device.user, device.secret


def test_staff_needs_the_authenticator_code(client, staff):
    user, secret = staff
    response = client.post(
        SIGN_IN + "?next=/services/", {"identifier": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/verify/?next=%2Fservices%2F"
    assert "_auth_user_id" not in client.session
    # Not signed in yet: the account pages still ask for sign-in.
    assert client.get("/account/")["Location"].startswith(SIGN_IN)

    page = client.get(response["Location"])
    assert 'autocomplete="one-time-code"' in input_tag(page, "code")
    response = client.post(response["Location"], {"code": wrong_totp_code(secret)})
    assert field_errors(response, "code") == ["动态口令不正确。"]
    response = client.post(
        "/account/sign-in/verify/?next=/services/", {"code": current_totp_code(secret)}
    )
    assert response.status_code == 302 and response["Location"] == "/services/"
    assert client.session[session.METHODS] == ["pwd", "otp"]


def test_staff_without_an_authenticator_cannot_sign_in(client):
    user = StaffUserFactory()
    response = client.post(SIGN_IN, {"identifier": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "尚未绑定动态口令" in summary_errors(response)


def test_staff_cannot_use_an_sms_code(client, outbox):
    user = StaffUserFactory(mobile="13600002222", mobile_verified_at=timezone.now())
    TotpDeviceFactory(user=user)
    url = SIGN_IN + "?method=sms"
    response = client.post(url, {"mobile": "13600002222", "action": "send_code"})
    # The same notice as for any number, but no message is sent to a staff account.
    assert "验证码已发送至 136****2222" in response.content.decode()
    assert outbox == []
    response = client.post(url, {"mobile": "13600002222", "code": "123456"})
    assert "验证码不正确" in summary_errors(response)
    assert "_auth_user_id" not in client.session


def test_second_factor_page_without_a_pending_sign_in(client):
    response = client.get("/account/sign-in/verify/")
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


# --- Step-up --------------------------------------------------------------------------------


def sign_in(client, user, password=PASSWORD):
    response = client.post(SIGN_IN, {"identifier": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]


def sign_in_l2(client, user):
    """Password, then an SMS code to the verified mobile (step-up): level L2."""
    from govhub.identity import sms

    sign_in(client, user)
    client.post("/account/step-up/?level=L2&method=sms", {"action": "send_code"})
    response = client.post("/account/step-up/?level=L2&method=sms", {"code": last_code(sms.outbox)})
    assert response.status_code == 302, response.content.decode()[:500]


def test_step_up_by_sms_reaches_level_two(client, outbox):
    person = VerifiedPersonFactory()
    sign_in(client, person)
    url = "/account/step-up/?level=L2&next=/services/"
    page = client.get(url)
    html = page.content.decode()
    assert "“二级认证（L2）”" in html and "“一级认证（L1）”" in html
    assert page.context["methods"] == ["sms"]  # the password was used already
    response = client.post(url, {"action": "send_code"})
    assert outbox[-1]["mobile"] == person.mobile
    assert "autofocus" in input_tag(response, "code")
    response = client.post(url, {"code": last_code(outbox)})
    assert response.status_code == 302 and response["Location"] == "/services/"
    assert session.levels.amr_values(client.session[session.METHODS]) == ["pwd", "sms", "mfa"]


def test_step_up_by_authenticator(client):
    person = VerifiedPersonFactory()
    device = TotpDeviceFactory(user=person)
    sign_in(client, person)
    url = "/account/step-up/?level=L2&method=totp"
    response = client.post(url, {"code": wrong_totp_code(device.secret)})
    assert field_errors(response, "code") == ["动态口令不正确。"]
    response = client.post(url, {"code": current_totp_code(device.secret)})
    assert response.status_code == 302 and response["Location"] == reverse("identity:profile")


def test_step_up_after_sms_sign_in_asks_for_the_password(client, outbox):
    person = VerifiedPersonFactory(mobile="13600003333")
    client.post(SIGN_IN + "?method=sms", {"mobile": person.mobile, "action": "send_code"})
    client.post(SIGN_IN + "?method=sms", {"mobile": person.mobile, "code": last_code(outbox)})
    page = client.get("/account/step-up/?level=L2")
    assert page.context["methods"] == ["password"]
    response = client.post("/account/step-up/?level=L2", {"password": "wrong"})
    assert field_errors(response, "password") == ["密码不正确。"]
    response = client.post("/account/step-up/?level=L2", {"password": PASSWORD})
    assert response.status_code == 302


def test_step_up_explains_when_the_account_cannot_reach_the_level(client):
    person = PersonFactory()  # not real-name verified: L1 at most
    sign_in(client, person)
    html = client.get("/account/step-up/?level=L2").content.decode()
    assert "您的账号暂时无法达到所需等级" in html
    assert '<form method="post" action="?method' not in html
    verified = VerifiedPersonFactory()
    client.logout()
    sign_in(client, verified)
    html = client.get("/account/step-up/?level=L3").content.decode()
    assert "三级认证需要本人携带居民身份证" in html


def test_step_up_when_already_at_the_level_goes_on(client):
    person = PersonFactory()
    sign_in(client, person)
    response = client.get("/account/step-up/?level=L1&next=/services/")
    assert response["Location"] == "/services/"


def test_step_up_needs_sign_in(client):
    response = client.get("/account/step-up/?next=/services/")
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


# --- Sign-out and the header ------------------------------------------------------------------


def test_sign_out_asks_first_then_signs_out(client):
    person = PersonFactory()
    sign_in(client, person)
    page = client.get("/account/sign-out/")
    assert "确认退出" in page.content.decode()
    assert "_auth_user_id" in client.session
    response = client.post("/account/sign-out/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert SignInEvent.objects.filter(user=person, outcome="signed_out").exists()
    html = client.get("/").content.decode()
    assert 'class="account-menu__link" href="/account/sign-in/"' in html


def test_header_shows_the_account_menu(client):
    html = client.get("/services/").content.decode()
    assert 'href="/account/sign-in/?next=/services/"' in html.replace("%2F", "/")
    assert 'href="/account/register/"' in html
    person = PersonFactory(full_name="赵六")
    sign_in(client, person)
    html = client.get("/services/").content.decode()
    assert '<span class="account-menu__name">赵六</span>' in html
    assert "正在以个人身份办事" in html
    assert 'action="/account/sign-out/"' in html


def test_reauthentication_asks_even_when_signed_in(client):
    person = PersonFactory()
    sign_in(client, person)
    stale = client.session
    stale[session.AUTH_TIME] = 1
    stale.save()
    page = client.get(SIGN_IN + "?next=/services/&reauth=1")
    assert page.status_code == 200
    html = page.content.decode()
    assert "为保护您的账号安全，请重新验证身份后继续。" in html
    assert 'href="?method=sms&amp;next=/services/&amp;reauth=1"' in html
    response = client.post(
        SIGN_IN + "?next=/services/&reauth=1", {"identifier": person.username, "password": PASSWORD}
    )
    assert response["Location"] == "/services/"
    assert client.session[session.AUTH_TIME] > 1


def test_signed_in_user_visiting_sign_in_or_register_goes_on(client):
    person = PersonFactory()
    sign_in(client, person)
    assert client.get(SIGN_IN + "?next=/services/")["Location"] == "/services/"
    assert client.get(REGISTER)["Location"] == reverse("identity:profile")
