"""The self-service kiosk: its pages, sign-in through identity's services, the apply
flow on the kiosk channel, and the session that clears itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import include, path, reverse

from govhub import urls as root_urls
from govhub.cases import services
from govhub.cases.models import Case, Channel
from govhub.cases.tests.factories import (
    application_form,
    make_online_item,
    pdf_upload,
    staff_member,
    submit_case,
)
from govhub.cases.views_kiosk import LAST_ACTIVITY
from govhub.cases.workflow import State
from govhub.identity import session, sms
from govhub.identity.models import SignInEvent
from govhub.identity.testing import sign_in
from govhub.identity.tests.factories import PASSWORD, TotpDeviceFactory, VerifiedPersonFactory
from govhub.organizations.models import Position


def _mounted(namespace: str) -> bool:
    return any(getattr(p, "namespace", None) == namespace for p in root_urls.urlpatterns)


urlpatterns = [
    *([] if _mounted("cases") else [path("cases/", include("govhub.cases.urls"))]),
    *([] if _mounted("kiosk") else [path("kiosk/", include("govhub.cases.urls_kiosk"))]),
    *root_urls.urlpatterns,
]
handler404 = root_urls.handler404

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
L2 = ("pwd", "sms")


@pytest.fixture(autouse=True)
def _fast_identity(settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.GOVHUB_SMS_BACKEND = "locmem"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def person() -> Any:
    return VerifiedPersonFactory()


def html(response: Any) -> str:
    return response.content.decode()


def last_code() -> str:
    match = re.search(r"(\d{6})", sms.outbox[-1]["message"])
    assert match is not None
    return match.group(1)


def age_session(client: Client, seconds: int) -> None:
    """Pretend the last kiosk activity was `seconds` ago."""
    store = client.session
    store[LAST_ACTIVITY] = session.now_epoch() - seconds
    store.save()


# --- the frame and the home page -------------------------------------------------------------


def test_home_has_big_buttons_and_the_idle_settings(client: Client) -> None:
    response = client.get(reverse("kiosk:home"))
    assert response.status_code == 200
    page = html(response)
    for name in ("kiosk:apply_list", "kiosk:mine", "kiosk:status", "kiosk:guides"):
        assert f'href="{reverse(name)}"' in page
    assert 'data-kiosk-idle="120"' in page and "kiosk.js" in page
    assert 'id="kiosk-warning"' in page and "hidden" in page
    assert "no-store" in response["Cache-Control"]
    assert 'class="main-nav' not in page  # nothing leads out of the kiosk


def test_idle_seconds_come_from_the_setting(client: Client, settings: Any) -> None:
    settings.GOVHUB_KIOSK_IDLE_SECONDS = 45
    assert 'data-kiosk-idle="45"' in html(client.get(reverse("kiosk:home")))


def test_lists_of_items_and_a_guide(client: Client) -> None:
    online = make_online_item()
    version = online.published_version
    assert version is not None
    page = html(client.get(reverse("kiosk:apply_list")))
    assert reverse("kiosk:apply", args=[online.implementation_code]) in page
    page = html(client.get(reverse("kiosk:guides")))
    assert reverse("kiosk:guide", args=[online.implementation_code]) in page
    page = html(client.get(reverse("kiosk:guide", args=[online.implementation_code])))
    assert version.name in page and "申请表" in page
    assert reverse("kiosk:apply", args=[online.implementation_code]) in page


# --- the session that clears itself ----------------------------------------------------------


def test_an_idle_kiosk_session_is_flushed_and_goes_home(client: Client, person: Any) -> None:
    sign_in(client, person, methods=L2)
    assert client.get(reverse("kiosk:mine")).status_code == 200
    assert client.session[LAST_ACTIVITY] >= session.now_epoch() - 2
    age_session(client, 121)
    response = client.get(reverse("kiosk:mine"))
    assert response.status_code == 302
    assert response["Location"] == reverse("kiosk:home") + "?notice=timeout"
    assert "_auth_user_id" not in client.session
    assert SignInEvent.objects.filter(user=person, reason="kiosk_idle_timeout").exists()
    page = html(client.get(response["Location"]))
    assert "已自动退出" in page
    # The next person cannot pick the session up.
    response = client.get(reverse("kiosk:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("kiosk:sign_in"))


def test_a_stale_session_cannot_post_either(client: Client, person: Any) -> None:
    item = make_online_item()
    sign_in(client, person, methods=L2)
    client.get(reverse("kiosk:home"))
    age_session(client, 500)
    response = client.post(reverse("kiosk:apply", args=[item.implementation_code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("kiosk:home") + "?notice=timeout"
    assert not Case.objects.exists()


def test_activity_within_the_limit_keeps_the_session(client: Client, person: Any) -> None:
    sign_in(client, person, methods=L2)
    client.get(reverse("kiosk:home"))
    age_session(client, 100)
    assert client.get(reverse("kiosk:mine")).status_code == 200
    assert client.session[LAST_ACTIVITY] >= session.now_epoch() - 2
    # The script's ping keeps a long form alive.
    age_session(client, 100)
    assert client.post(reverse("kiosk:ping")).status_code == 204
    assert "_auth_user_id" in client.session


def test_shorter_limit_from_the_setting(client: Client, person: Any, settings: Any) -> None:
    settings.GOVHUB_KIOSK_IDLE_SECONDS = 30
    sign_in(client, person, methods=L2)
    client.get(reverse("kiosk:home"))
    age_session(client, 31)
    assert client.post(reverse("kiosk:ping")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_out_button_and_countdown_end_clear_everything(client: Client, person: Any) -> None:
    sign_in(client, person, methods=L2)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.get(reverse("kiosk:home"))
    response = client.post(reverse("kiosk:sign_out"), {"reason": "timeout"})
    assert response.status_code == 302
    assert response["Location"] == reverse("kiosk:home") + "?notice=timeout"
    assert "_auth_user_id" not in client.session
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # back to the default
    sign_in(client, person, methods=L2)
    response = client.post(reverse("kiosk:sign_out"))
    assert response["Location"] == reverse("kiosk:home") + "?notice=signed_out"
    assert "_auth_user_id" not in client.session


# --- signing in at the kiosk -------------------------------------------------------------------


def test_sign_in_with_password_then_sms_code_reaches_apply(client: Client, person: Any) -> None:
    item = make_online_item()
    apply_url = reverse("kiosk:apply", args=[item.implementation_code])
    response = client.get(apply_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("kiosk:sign_in"))
    sign_in_url = response["Location"]
    page = html(client.get(sign_in_url))
    assert 'autocomplete="off"' in page
    response = client.post(sign_in_url, {"identifier": person.mobile, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == apply_url
    response = client.get(apply_url)
    assert response["Location"].startswith(reverse("kiosk:verify"))
    verify_url = response["Location"]
    page = html(client.post(verify_url, {"action": "send_code"}))
    assert "验证码已发送" in page
    response = client.post(verify_url, {"code": last_code()})
    assert response.status_code == 302 and response["Location"] == apply_url
    assert client.get(apply_url).status_code == 200


def test_sign_in_by_sms_code(client: Client, person: Any) -> None:
    url = reverse("kiosk:sign_in") + "?method=sms"
    client.post(url, {"mobile": person.mobile, "action": "send_code"})
    response = client.post(url, {"mobile": person.mobile, "code": last_code()})
    assert response.status_code == 302 and response["Location"] == reverse("kiosk:home")
    assert session.levels.amr_values(client.session[session.METHODS]) == ["sms"]


def test_wrong_password_is_explained(client: Client, person: Any) -> None:
    response = client.post(
        reverse("kiosk:sign_in"), {"identifier": person.mobile, "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "账号或密码不正确" in html(response)
    assert "_auth_user_id" not in client.session


def test_staff_cannot_sign_in_at_the_kiosk(client: Client) -> None:
    item = make_online_item()
    clerk = staff_member(Position.Role.WINDOW_CLERK, item.department)
    TotpDeviceFactory(user=clerk)
    response = client.post(
        reverse("kiosk:sign_in"), {"identifier": clerk.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "工作人员账号不能在自助终端登录" in html(response)
    assert "_auth_user_id" not in client.session
    assert session.PENDING not in client.session


def test_next_never_leads_out_of_the_kiosk(client: Client, person: Any) -> None:
    for target in ("https://example.com/", "/account/", "//example.com/kiosk/"):
        response = client.post(
            reverse("kiosk:sign_in") + "?next=" + target,
            {"identifier": person.mobile, "password": PASSWORD},
        )
        assert response["Location"] == reverse("kiosk:home"), target
        client.post(reverse("kiosk:sign_out"))


# --- applying and following a case at the kiosk ----------------------------------------------


def test_apply_at_the_kiosk_records_the_kiosk_channel(client: Client, person: Any) -> None:
    item = make_online_item()
    sign_in(client, person, methods=L2)
    response = client.post(reverse("kiosk:apply", args=[item.implementation_code]))
    draft = Case.objects.get()
    assert response["Location"] == reverse("kiosk:draft", args=[draft.pk])
    assert draft.channel == Channel.KIOSK
    page = html(client.get(response["Location"]))
    assert "来自实名账号" in page
    assert 'autocomplete="off"' in page  # nothing is remembered by the shared browser
    form = application_form(item)
    data = {f"f_{k}": v for k, v in draft.form_data.items()}
    data.update({"idempotency_key": "k", "action": "submit", f"material_{form.pk}": pdf_upload()})
    response = client.post(reverse("kiosk:draft", args=[draft.pk]), data)
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED and draft.channel == Channel.KIOSK
    assert response["Location"] == reverse("kiosk:detail", args=[draft.number]) + "?submitted=1"
    page = html(client.get(response["Location"]))
    assert "申请已提交" in page and draft.number in page


def test_discard_a_draft_at_the_kiosk(client: Client, person: Any) -> None:
    item = make_online_item()
    sign_in(client, person, methods=L2)
    response = client.post(reverse("kiosk:apply", args=[item.implementation_code]))
    draft = Case.objects.get()
    url = reverse("kiosk:draft_discard", args=[draft.pk])
    assert url in html(client.get(reverse("kiosk:draft", args=[draft.pk])))
    assert url in html(client.get(reverse("kiosk:mine") + "?tab=drafts"))
    page = html(client.get(url))
    assert "放弃这份草稿" in page and "kiosk-big-button" in page
    assert reverse("kiosk:draft", args=[draft.pk]) in page  # and the way back
    assert "cases/drafts" not in page  # no link out of the kiosk
    response = client.post(url)
    assert response["Location"] == reverse("kiosk:mine") + "?tab=drafts"
    assert not Case.objects.exists()
    assert "草稿已放弃" in html(client.get(response["Location"]))
    # The next person at the terminal cannot discard someone else's draft by its id.
    other = services.case_draft_save(actor=person, item=item)
    client.post(reverse("kiosk:sign_out"))
    sign_in(client, VerifiedPersonFactory(), methods=L2)
    assert client.post(reverse("kiosk:draft_discard", args=[other.pk])).status_code == 404
    assert Case.objects.get(pk=other.pk).state == State.DRAFT


def test_my_cases_and_the_case_page_at_the_kiosk(client: Client, person: Any) -> None:
    case = submit_case(applicant=person)
    other = submit_case()
    sign_in(client, person, methods=("pwd",))
    page = html(client.get(reverse("kiosk:mine")))
    assert case.number in page and other.number not in page
    assert reverse("kiosk:detail", args=[case.number]) in page
    page = html(client.get(reverse("kiosk:detail", args=[case.number])))
    assert "办理进度" in page and "收件回执" in page
    assert client.get(reverse("kiosk:detail", args=[other.number])).status_code == 404


def test_status_lookup_at_the_kiosk(client: Client, person: Any) -> None:
    case = submit_case(applicant=person)
    response = client.post(
        reverse("kiosk:status"), {"number": case.number, "id_tail": person.id_number[-6:]}
    )
    assert response.status_code == 200
    assert case.title in html(response)


def test_kiosk_in_english(client: Client, person: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in(client, person, methods=L2)
    for url in (reverse("kiosk:home"), reverse("kiosk:mine"), reverse("kiosk:status")):
        response = client.get(url)
        assert response.status_code == 200
        assert '<html lang="en"' in html(response)
