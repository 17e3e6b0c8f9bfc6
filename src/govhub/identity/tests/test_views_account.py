"""Account pages: profile (masked data, level), password, mobile, authenticator, sign-in
history, staff activation and the development SMS outbox."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.utils import timezone

from govhub.identity.models import SignInEvent, StaffActivation, TotpDevice
from govhub.identity.tests.factories import (
    PASSWORD,
    PersonFactory,
    StaffUserFactory,
    TotpDeviceFactory,
    VerifiedPersonFactory,
)
from govhub.identity.tests.helpers import current_totp_code, last_code, wrong_totp_code
from govhub.identity.tests.test_views import field_errors, input_tag, sign_in
from govhub.identity.views_account import TOTP_SESSION_KEY

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Songhua-river-77"


@pytest.fixture
def person(client):
    user = VerifiedPersonFactory(mobile="13600004444")
    sign_in(client, user)
    return user


def test_account_pages_need_sign_in(client):
    for url in (
        "/account/",
        "/account/password/",
        "/account/mobile/",
        "/account/authenticator/",
        "/account/history/",
        "/account/enterprises/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/sign-in/?next="), url


def test_profile_shows_masked_identity_and_level(client, person):
    html = client.get("/account/").content.decode()
    assert person.id_number not in html
    assert person.masked_id_number in html
    assert "136****4444" in html and "13600004444" not in html
    assert "一级认证（L1）" in html  # this session: password only
    assert "二级认证（L2）" in html  # what the account can reach
    assert "/account/step-up/?level=L2" in html
    assert "已通过人口库核验" in html


def test_profile_of_an_account_confirmed_in_person(client):
    user = VerifiedPersonFactory(in_person_verified_at=timezone.now())
    sign_in(client, user)
    html = client.get("/account/").content.decode()
    assert "已在窗口核验身份" in html and "三级认证（L3）" in html


def test_staff_profile(client):
    device = TotpDeviceFactory()
    client.force_login(device.user)
    html = client.get("/account/").content.decode()
    assert "工作人员账号（由本部门管理员创建" in html
    assert "当前办事身份" not in html and "正在以个人身份办事" not in html
    assert "/account/enterprises/" not in html


def test_password_change(client, person):
    url = "/account/password/"
    response = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert field_errors(response, "old_password") == ["当前密码不正确。"]
    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password": "abc", "new_password_confirm": "abd"},
    )
    assert field_errors(response, "new_password_confirm") == ["两次输入的新密码不一致。"]
    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password": "12345678", "new_password_confirm": "12345678"},
    )
    assert field_errors(response, "new_password")
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    # Still signed in here.
    assert client.get("/account/").status_code == 200


def test_mobile_change(client, person, outbox):
    url = "/account/mobile/"
    response = client.post(url, {"mobile": "13600004444", "action": "send_code"})
    assert outbox and outbox[-1]["mobile"] == "13600004444"
    response = client.post(url, {"mobile": "13600004444", "code": last_code(outbox)})
    assert field_errors(response, "mobile") == ["新手机号码与当前号码相同。"]
    client.post(url, {"mobile": "13500005555", "action": "send_code"})
    assert outbox[-1]["mobile"] == "13500005555"
    response = client.post(url, {"mobile": "13500005555", "code": "12"})
    assert field_errors(response, "code") == ["验证码为6位数字，请检查后重新输入。"]
    response = client.post(url, {"mobile": "13500005555", "code": last_code(outbox)})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.mobile == "13500005555"


def test_mobile_taken_by_another_account(client, person, outbox):
    PersonFactory(mobile="13500006666")
    client.post("/account/mobile/", {"mobile": "13500006666", "action": "send_code"})
    response = client.post("/account/mobile/", {"mobile": "13500006666", "code": "123456"})
    assert field_errors(response, "mobile") == ["该手机号码已被其他账号使用。"]


def test_authenticator_enrolment_with_a_qr_code(client, person):
    page = client.get("/account/authenticator/")
    html = page.content.decode()
    assert "<svg" in html and "<title>动态口令绑定二维码</title>" in html
    secret = client.session[TOTP_SESSION_KEY]
    assert secret.replace(" ", "")[:4] in html
    assert 'inputmode="numeric"' in input_tag(page, "code")
    response = client.post("/account/authenticator/", {"code": wrong_totp_code(secret)})
    assert field_errors(response, "code") == ["动态口令不正确，请检查手机时间是否准确后重新输入。"]
    # The secret stays the same across a failed attempt (the QR code was scanned once).
    assert client.session[TOTP_SESSION_KEY] == secret
    response = client.post("/account/authenticator/", {"code": current_totp_code(secret)})
    assert response.status_code == 302
    assert TotpDevice.objects.get(user=person).secret == secret
    html = client.get("/account/authenticator/").content.decode()
    assert "已启用动态口令" in html and "解除绑定" in html
    client.post("/account/authenticator/remove/")
    assert not TotpDevice.objects.filter(user=person).exists()


def test_staff_cannot_remove_their_authenticator_here(client):
    device = TotpDeviceFactory()
    client.force_login(device.user)
    html = client.get("/account/authenticator/").content.decode()
    assert "不能解除绑定" in html
    client.post("/account/authenticator/remove/")
    assert TotpDevice.objects.filter(pk=device.pk).exists()


def test_sign_in_history_lists_failures_and_successes(client):
    user = PersonFactory()
    client.post("/account/sign-in/", {"identifier": user.username, "password": "wrong"})
    sign_in(client, user)
    for i in range(25):
        SignInEvent.objects.create(
            user=user,
            method="pwd",
            outcome="success",
            acr="L1",
            user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36",
            occurred_at=timezone.now() - datetime.timedelta(days=1, minutes=i),
        )
    page = client.get("/account/history/")
    html = page.content.decode()
    assert page.context["page_obj"].paginator.count == 27
    assert html.count("<tr>") == 21  # header + 20 rows
    assert "失败" in html and "Chrome · Windows" in html
    assert "第 1 页，共 2 页" in html
    assert client.get("/account/history/?page=2").context["page_obj"].object_list


def test_history_shows_only_ones_own_events(client):
    other = PersonFactory()
    SignInEvent.objects.create(user=other, method="pwd", outcome="failure", ip="10.9.9.9")
    user = PersonFactory()
    sign_in(client, user)
    assert "10.9.9.9" not in client.get("/account/history/").content.decode()


# --- Staff activation ---------------------------------------------------------------------


def make_activation(user, *, token="tok-123", hours=24, used=False):
    return StaffActivation.objects.create(
        user=user,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=timezone.now() + datetime.timedelta(hours=hours),
        used_at=timezone.now() if used else None,
    )


def test_staff_activation_sets_password_and_authenticator(client):
    staff = StaffUserFactory(username="clerk1", full_name="钱七")
    make_activation(staff)
    url = "/account/activate/tok-123/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "钱七（clerk1）" in html
    secret = next(v for k, v in client.session.items() if k.startswith("identity_activation_"))
    response = client.post(
        url,
        {
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "totp_code": wrong_totp_code(secret),
        },
    )
    assert field_errors(response, "totp_code") == [
        "动态口令不正确，请检查手机时间是否准确后重新输入。"
    ]
    response = client.post(
        url,
        {
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "totp_code": current_totp_code(secret),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/account/sign-in/"
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    assert TotpDevice.objects.get(user=staff).secret == secret
    # The link works once.
    again = client.get(url)
    assert again.status_code == 404 and "该激活链接已使用过。" in again.content.decode()


@pytest.mark.parametrize(
    ("token", "hours", "used", "message"),
    [
        ("nope", 24, False, "激活链接无效"),
        ("tok-123", -1, False, "激活链接已过期"),
        ("tok-123", 24, True, "该激活链接已使用过。"),
    ],
)
def test_unusable_activation_links(client, token, hours, used, message):
    make_activation(StaffUserFactory(), hours=hours, used=used)
    response = client.get(f"/account/activate/{token}/")
    assert response.status_code == 404
    assert message in response.content.decode()


def test_activation_password_rules(client):
    make_activation(StaffUserFactory())
    client.get("/account/activate/tok-123/")
    response = client.post(
        "/account/activate/tok-123/",
        {"password": "abc12345", "password_confirm": "abc12346", "totp_code": "123456"},
    )
    assert field_errors(response, "password_confirm") == ["两次输入的密码不一致。"]


# --- Development SMS outbox ---------------------------------------------------------------


def test_sms_outbox_in_development(client, outbox):
    client.post("/account/sign-in/?method=sms", {"mobile": "13600004444", "action": "send_code"})
    PersonFactory(mobile="13600007777")
    client.post("/account/sign-in/?method=sms", {"mobile": "13600007777", "action": "send_code"})
    html = client.get("/account/dev/sms/").content.decode()
    assert "13600007777" in html and last_code(outbox) in html


def test_sms_outbox_is_not_there_in_production(client, settings):
    settings.PRODUCTION = True
    assert client.get("/account/dev/sms/").status_code == 404
