"""Staff pages: activation links and lost authenticators (department administrators),
confirmation in person (window clerks)."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.utils import timezone

from govhub.core.errors import InvalidInput
from govhub.core.models import AuditEvent
from govhub.identity import services
from govhub.identity.models import StaffActivation, TotpDevice
from govhub.identity.testing import sign_in
from govhub.identity.tests.factories import (
    PersonFactory,
    ResidentFactory,
    StaffUserFactory,
    TotpDeviceFactory,
    VerifiedPersonFactory,
)
from govhub.identity.views_staff import staff_tools
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory, StaffMemberFactory, grant
from govhub.registries.demo_data import make_id_number

pytestmark = pytest.mark.django_db

Role = Position.Role
ACTIVATIONS = "/account/staff/activations/"
CONFIRM = "/account/staff/confirm-in-person/"
STAFF_SIGN_IN = ("pwd", "otp")
LINK = re.compile(r"http://testserver/account/activate/([A-Za-z0-9_-]+)/")


def staff_user(department, role=None, *, activated=True):
    """A staff account in `department` (password + authenticator when `activated`),
    holding `role` there when given."""
    user = StaffUserFactory()
    if not activated:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    StaffMemberFactory(user=user, department=department)
    if activated:
        TotpDeviceFactory(user=user)
    if role is not None:
        grant(user, role, department=department)
    return user


def issue(client, staff):
    return client.post(f"{ACTIVATIONS}{staff.pk}/issue/")


@pytest.fixture
def dept_a():
    return DepartmentFactory(name="甲局")


@pytest.fixture
def dept_b():
    return DepartmentFactory(name="乙局")


@pytest.fixture
def admin_a(client, dept_a):
    user = staff_user(dept_a, Role.DEPARTMENT_ADMIN)
    sign_in(client, user, methods=STAFF_SIGN_IN)
    return user


@pytest.fixture
def clerk(client, dept_a):
    user = staff_user(dept_a, Role.WINDOW_CLERK)
    sign_in(client, user, methods=STAFF_SIGN_IN)
    return user


# --- Who may open the pages ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["/account/staff/", ACTIVATIONS, CONFIRM])
def test_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=")


@pytest.mark.parametrize("url", ["/account/staff/", ACTIVATIONS, CONFIRM])
def test_password_only_session_is_sent_to_step_up(client, dept_a, url):
    user = staff_user(dept_a, Role.DEPARTMENT_ADMIN)
    grant(user, Role.WINDOW_CLERK, department=dept_a)
    sign_in(client, user, methods=("pwd",))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/step-up/?")
    assert "level=L2" in response["Location"]


def test_step_up_also_guards_the_actions(client, dept_a):
    admin = staff_user(dept_a, Role.DEPARTMENT_ADMIN)
    member = StaffMemberFactory(department=dept_a)
    sign_in(client, admin, methods=("pwd",))
    response = issue(client, member)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/step-up/?")
    assert not StaffActivation.objects.exists()


@pytest.mark.parametrize("url", ["/account/staff/", ACTIVATIONS, CONFIRM])
def test_a_person_gets_the_403_page(client, url):
    person = VerifiedPersonFactory()
    sign_in(client, person, methods=("pwd", "sms"))
    response = client.get(url)
    assert response.status_code == 403
    assert "您没有权限访问这个页面" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.WINDOW_CLERK, ACTIVATIONS),
        (Role.REVIEWER, ACTIVATIONS),
        (Role.SUPERVISOR, ACTIVATIONS),
        (Role.DEPARTMENT_ADMIN, CONFIRM),
        (Role.GRASSROOTS_AGENT, CONFIRM),
        (Role.SYSTEM_ADMIN, CONFIRM),
    ],
)
def test_other_roles_get_403(client, dept_a, role, url):
    sign_in(client, staff_user(dept_a, role), methods=STAFF_SIGN_IN)
    assert client.get(url).status_code == 403
    if url == CONFIRM:
        assert client.post(url, {"id_number": "x"}).status_code == 403


def test_index_lists_the_pages_one_may_use(client, dept_a):
    user = staff_user(dept_a, Role.DEPARTMENT_ADMIN)
    sign_in(client, user, methods=STAFF_SIGN_IN)
    response = client.get("/account/staff/")
    assert response.status_code == 302 and response["Location"] == ACTIVATIONS

    grant(user, Role.WINDOW_CLERK, department=dept_a)
    html = client.get("/account/staff/").content.decode()
    assert f'href="{ACTIVATIONS}"' in html and f'href="{CONFIRM}"' in html
    assert [tool["url"] for tool in staff_tools(user)] == [ACTIVATIONS, CONFIRM]
    assert staff_tools(PersonFactory()) == []


# --- Staff list ------------------------------------------------------------------------------


def test_admin_sees_only_the_staff_of_their_department(client, admin_a, dept_a, dept_b):
    ready = staff_user(dept_a)
    new = StaffMemberFactory(department=dept_a).user
    stranger = staff_user(dept_b)
    html = client.get(ACTIVATIONS).content.decode()
    assert ready.username in html and new.username in html
    assert stranger.username not in html
    assert "已激活" in html and "未激活" in html
    assert "未设置密码" in html  # the new account: no password, no authenticator
    assert html.count("生成激活链接") == 2  # not for the administrator themselves
    assert html.count(f"{ACTIVATIONS}") >= 1
    assert f"{ACTIVATIONS}{ready.staff_profile.pk}/remove-authenticator/" in html
    assert f"{ACTIVATIONS}{new.staff_profile.pk}/remove-authenticator/" not in html
    assert f"{ACTIVATIONS}{admin_a.staff_profile.pk}/" not in html


def test_system_admin_sees_every_department(client, dept_a, dept_b):
    admin = staff_user(DepartmentFactory(), Role.SYSTEM_ADMIN)
    sign_in(client, admin, methods=STAFF_SIGN_IN)
    one, two = staff_user(dept_a), staff_user(dept_b)
    html = client.get(ACTIVATIONS).content.decode()
    assert one.username in html and two.username in html
    html = client.get(ACTIVATIONS, {"department": dept_b.code}).content.decode()
    assert one.username not in html and two.username in html


def test_filters_by_text_and_refuses_a_department_one_does_not_manage(
    client, admin_a, dept_a, dept_b
):
    one, two = staff_user(dept_a), staff_user(dept_a)
    html = client.get(ACTIVATIONS, {"q": one.username}).content.decode()
    assert one.username in html and two.username not in html
    html = client.get(ACTIVATIONS, {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的工作人员" in html
    response = client.get(ACTIVATIONS, {"department": dept_b.code})
    assert response.status_code == 200
    assert one.username in response.content.decode()  # an unknown choice filters nothing


def test_supervisor_who_is_also_admin_sees_only_managed_staff(client, dept_a, dept_b):
    dept_b.region = dept_a.region
    dept_b.save()
    user = staff_user(dept_a, Role.DEPARTMENT_ADMIN)
    grant(user, Role.SUPERVISOR, department=dept_a)
    sign_in(client, user, methods=STAFF_SIGN_IN)
    supervised = staff_user(dept_b)
    assert supervised.username not in client.get(ACTIVATIONS).content.decode()
    assert issue(client, supervised.staff_profile).status_code == 403


def test_list_runs_a_fixed_number_of_queries(client, admin_a, dept_a, django_assert_num_queries):
    for _ in range(3):
        staff_user(dept_a)
    StaffMemberFactory(department=dept_a)
    client.get(ACTIVATIONS)  # warm the session
    # 8 with the header's unread-messages badge.
    with django_assert_num_queries(8) as first:
        client.get(ACTIVATIONS)
    for _ in range(5):
        staff_user(dept_a)
        StaffMemberFactory(department=dept_a)
    with django_assert_num_queries(len(first.captured_queries)):
        html = client.get(ACTIVATIONS).content.decode()
    assert "共 15 人" in html


def test_list_shows_an_open_link(client, admin_a, dept_a):
    member = StaffMemberFactory(department=dept_a)
    services.staff_activation_issue(actor=admin_a, staff=member)
    assert "已发放激活链接" in client.get(ACTIVATIONS).content.decode()


# --- Issuing an activation link ---------------------------------------------------------------


def test_issue_shows_the_absolute_link_once(client, admin_a, dept_a, settings):
    settings.GOVHUB_STAFF_ACTIVATION_HOURS = 48
    member = StaffMemberFactory(department=dept_a)
    response = issue(client, member)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    match = LINK.search(html)
    assert match is not None
    token = match.group(1)
    assert "48 小时内有效" in html
    assert "这个链接立即失效" in html
    assert "当面交给本人" in html and "单位内部渠道" in html
    assert "只显示这一次" in html

    activation = StaffActivation.objects.get(user=member.user)
    assert activation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert activation.created_by == admin_a
    assert token not in client.get(ACTIVATIONS).content.decode()
    assert client.get(f"/account/activate/{token}/").status_code == 200

    event = AuditEvent.objects.get(action="identity.staff.activation_issue")
    assert event.actor == admin_a
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.object_id == str(member.user.pk)


def test_issuing_again_voids_the_earlier_link(client, admin_a, dept_a):
    member = StaffMemberFactory(department=dept_a)
    first = LINK.search(issue(client, member).content.decode()).group(1)  # type: ignore[union-attr]
    second = LINK.search(issue(client, member).content.decode()).group(1)  # type: ignore[union-attr]
    assert first != second
    with pytest.raises(InvalidInput):
        services.staff_activation_check(token=first)
    assert services.staff_activation_check(token=second).user == member.user


def test_issue_needs_post(client, admin_a, dept_a):
    member = StaffMemberFactory(department=dept_a)
    assert client.get(f"{ACTIVATIONS}{member.pk}/issue/").status_code == 405
    assert not StaffActivation.objects.exists()


def test_other_departments_admin_cannot_issue(client, dept_a, dept_b):
    member = StaffMemberFactory(department=dept_a)
    other = staff_user(dept_b, Role.DEPARTMENT_ADMIN)
    sign_in(client, other, methods=STAFF_SIGN_IN)
    response = issue(client, member)
    assert response.status_code == 403
    assert "您没有权限访问这个页面" in response.content.decode()
    assert not StaffActivation.objects.exists()
    denied = AuditEvent.objects.get(action="identity.staff.activation_issue")
    assert denied.outcome == AuditEvent.Outcome.DENIED
    assert denied.actor == other


def test_issue_for_unknown_staff_is_404(client, admin_a):
    assert client.post(f"{ACTIVATIONS}999999/issue/").status_code == 404


def test_admin_cannot_issue_for_themselves(client, admin_a):
    assert issue(client, admin_a.staff_profile).status_code == 403
    assert not StaffActivation.objects.exists()


def test_issue_for_deactivated_staff_is_refused_with_a_message(client, admin_a, dept_a):
    member = StaffMemberFactory(department=dept_a, is_active=False)
    html = client.get(ACTIVATIONS).content.decode()
    assert "已停用" in html and f"{ACTIVATIONS}{member.pk}/issue/" not in html
    response = issue(client, member)
    assert response.status_code == 302 and response["Location"] == ACTIVATIONS
    assert "该工作人员已停用" in client.get(ACTIVATIONS).content.decode()
    assert not StaffActivation.objects.exists()


# --- Removing a lost authenticator -----------------------------------------------------------


def test_remove_authenticator_after_confirmation(client, admin_a, dept_a):
    member = staff_user(dept_a)
    url = f"{ACTIVATIONS}{member.staff_profile.pk}/remove-authenticator/"
    html = client.get(url).content.decode()
    assert "确认移除验证器" in html and member.username in html
    assert TotpDevice.objects.filter(user=member).exists()  # a GET changes nothing

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == ACTIVATIONS
    assert not TotpDevice.objects.filter(user=member).exists()
    assert "已移除" in client.get(ACTIVATIONS).content.decode()
    event = AuditEvent.objects.get(action="identity.totp.remove")
    assert event.actor == admin_a and event.object_id == str(member.pk)


def test_remove_authenticator_when_there_is_none(client, admin_a, dept_a):
    member = StaffMemberFactory(department=dept_a)
    response = client.get(f"{ACTIVATIONS}{member.pk}/remove-authenticator/")
    assert response.status_code == 302
    assert "没有绑定验证器" in client.get(ACTIVATIONS).content.decode()


def test_other_departments_admin_cannot_remove_an_authenticator(client, dept_a, dept_b):
    member = staff_user(dept_a)
    sign_in(client, staff_user(dept_b, Role.DEPARTMENT_ADMIN), methods=STAFF_SIGN_IN)
    url = f"{ACTIVATIONS}{member.staff_profile.pk}/remove-authenticator/"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert TotpDevice.objects.filter(user=member).exists()
    denied = AuditEvent.objects.get(action="identity.totp.remove")
    assert denied.outcome == AuditEvent.Outcome.DENIED


def test_admin_cannot_remove_their_own_authenticator_here(client, admin_a):
    url = f"{ACTIVATIONS}{admin_a.staff_profile.pk}/remove-authenticator/"
    assert client.post(url).status_code == 403
    assert TotpDevice.objects.filter(user=admin_a).exists()


# --- Confirmation in person --------------------------------------------------------------------


def lookup(client, id_number):
    return client.post(CONFIRM, {"action": "lookup", "id_number": id_number})


def confirm(client, id_number, checked=True):
    data = {"action": "confirm", "id_number": id_number}
    if checked:
        data["checked"] = "on"
    return client.post(CONFIRM, data)


def test_clerk_confirms_a_person(client, clerk):
    person = VerifiedPersonFactory(mobile="13600005555")
    html = lookup(client, person.id_number).content.decode()
    assert person.full_name in html
    assert person.masked_id_number in html
    assert "136****5555" in html and "13600005555" not in html
    assert "已通过人口库核验" in html
    assert "二级认证（L2）" in html
    assert "已核验本人及其居民身份证原件" in html
    assert html.count('id="id_id_number"') == 1 and 'for="confirm_checked"' in html

    response = confirm(client, person.id_number)
    assert response.status_code == 302 and response["Location"] == CONFIRM
    person.refresh_from_db()
    assert person.in_person_verified_at is not None
    assert person.in_person_verified_by == clerk
    assert person.assurance_ceiling == "L3"
    html = client.get(CONFIRM).content.decode()
    assert "已完成现场核验" in html and person.masked_id_number in html
    event = AuditEvent.objects.get(action="identity.account.confirm_in_person")
    assert event.actor == clerk and event.object_id == str(person.pk)
    assert event.outcome == AuditEvent.Outcome.SUCCESS


def test_lookup_accepts_a_lower_case_x(client, clerk):
    number = next(
        n
        for n in (make_id_number("230402", datetime.date(1980, 5, 6), seq) for seq in range(999))
        if n.endswith("X")
    )
    resident = ResidentFactory(id_number=number)
    person = VerifiedPersonFactory(resident=resident)
    assert person.full_name in lookup(client, resident.id_number.lower()).content.decode()


def test_confirmation_needs_the_box_ticked(client, clerk):
    person = VerifiedPersonFactory()
    html = confirm(client, person.id_number, checked=False).content.decode()
    assert "请先核验本人及其居民身份证原件，并勾选确认" in html
    person.refresh_from_db()
    assert person.in_person_verified_at is None
    assert not AuditEvent.objects.filter(action="identity.account.confirm_in_person").exists()


def test_invalid_id_number_is_a_field_error(client, clerk):
    number = VerifiedPersonFactory().id_number
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    html = lookup(client, wrong).content.decode()
    assert "field--error" in html and "账号信息" not in html
    assert "请输入办事人出示的居民身份证号码" in lookup(client, "").content.decode()


def test_unknown_id_number(client, clerk):
    number = ResidentFactory.build().id_number
    html = lookup(client, number).content.decode()
    assert "没有使用该身份证号码注册的个人账号" in html
    assert "确认现场核验" not in html


def test_not_real_name_verified(client, clerk):
    resident = ResidentFactory()
    person = PersonFactory(id_number=resident.id_number, id_number_hash=resident.id_number_hash)
    assert person.real_name_verified_at is None
    html = lookup(client, resident.id_number).content.decode()
    assert "尚未完成实名认证" in html and "确认现场核验" not in html
    html = confirm(client, resident.id_number).content.decode()
    assert "尚未完成实名认证" in html
    person.refresh_from_db()
    assert person.in_person_verified_at is None


def test_already_confirmed(client, clerk):
    person = VerifiedPersonFactory(in_person_verified_at=timezone.now())
    html = lookup(client, person.id_number).content.decode()
    assert "完成现场核验，无需重复核验" in html and "确认现场核验" not in html
    first = person.in_person_verified_at
    html = confirm(client, person.id_number).content.decode()
    assert "无需重复核验" in html
    person.refresh_from_db()
    assert person.in_person_verified_at == first
    assert not AuditEvent.objects.filter(action="identity.account.confirm_in_person").exists()


def test_deactivated_account(client, clerk):
    person = VerifiedPersonFactory(is_active=False)
    assert "该账号已停用" in lookup(client, person.id_number).content.decode()


def test_staff_accounts_are_not_found_by_id_number(client, clerk, dept_a):
    resident = ResidentFactory()
    other = staff_user(dept_a)
    other.id_number = resident.id_number
    other.id_number_hash = resident.id_number_hash
    other.real_name_verified_at = timezone.now()
    other.save()
    html = lookup(client, resident.id_number).content.decode()
    assert "没有使用该身份证号码注册的个人账号" in html


def test_an_altered_hidden_number_starts_again(client, clerk):
    html = confirm(client, "12345").content.decode()
    assert "field--error" in html
    assert not AuditEvent.objects.filter(action="identity.account.confirm_in_person").exists()


def test_confirm_page_does_not_echo_the_number_in_the_account_card(client, clerk):
    person = VerifiedPersonFactory()
    html = lookup(client, person.id_number).content.decode()
    card = html.split('id="person-heading"', 1)[1].split("<form", 1)[0]
    assert person.id_number not in card
