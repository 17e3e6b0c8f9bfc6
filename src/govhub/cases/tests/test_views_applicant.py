"""The applicant's pages: apply, drafts, uploads, submission, my cases, the case page,
supplements, withdrawal, downloads and the public status look-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone

from govhub import urls as root_urls
from govhub.cases import services
from govhub.cases.models import Case, CaseEvent, CaseResult
from govhub.cases.tests.factories import (
    MINIMAL_PDF,
    application_form,
    make_online_item,
    pdf_upload,
    staff_member,
    submit_case,
)
from govhub.cases.workflow import Action, Decision, State
from govhub.catalog.tests.factories import make_published_item
from govhub.core.models import AuditEvent
from govhub.identity import session
from govhub.identity.testing import sign_in
from govhub.identity.tests.factories import PersonFactory, VerifiedPersonFactory
from govhub.organizations.models import Position


def _mounted(namespace: str) -> bool:
    return any(getattr(p, "namespace", None) == namespace for p in root_urls.urlpatterns)


# The lead mounts these in govhub/urls.py; until then (and after) the tests see them here.
urlpatterns = [
    *([] if _mounted("cases") else [path("cases/", include("govhub.cases.urls"))]),
    *([] if _mounted("kiosk") else [path("kiosk/", include("govhub.cases.urls_kiosk"))]),
    *root_urls.urlpatterns,
]
handler404 = root_urls.handler404
handler403 = root_urls.handler403

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
Role = Position.Role
L2 = ("pwd", "sms")


@pytest.fixture
def applicant() -> Any:
    return VerifiedPersonFactory()


@pytest.fixture
def item() -> Any:
    return make_online_item()


@pytest.fixture
def signed_in(client: Client, applicant: Any) -> Client:
    sign_in(client, applicant, methods=L2)
    return client


def start_draft(client: Client, item: Any) -> Case:
    response = client.post(reverse("cases:apply", args=[item.implementation_code]))
    assert response.status_code == 302, response.content.decode()[:500]
    pk = int(re.search(r"/drafts/(\d+)/", response["Location"]).group(1))  # type: ignore[union-attr]
    return Case.objects.get(pk=pk)


def form_post(case: Case, **extra: Any) -> dict[str, Any]:
    """What the draft page posts: the form as it stands, plus `extra`."""
    data = {f"f_{name}": value for name, value in case.form_data.items()}
    data["idempotency_key"] = "key-1"
    data.update(extra)
    return data


def html(response: Any) -> str:
    return response.content.decode()


# --- starting and drafts ---------------------------------------------------------------------


def test_apply_needs_sign_in_and_level_two(client: Client, applicant: Any, item: Any) -> None:
    url = reverse("cases:apply", args=[item.implementation_code])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("identity:sign_in") in response["Location"]
    sign_in(client, applicant, methods=("pwd",))
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("identity:step_up") in response["Location"]


def test_start_shows_what_is_needed_then_creates_a_prefilled_draft(
    signed_in: Client, applicant: Any, item: Any
) -> None:
    response = signed_in.get(reverse("cases:apply", args=[item.implementation_code]))
    assert response.status_code == 200
    page = html(response)
    assert "开始填写申请" in page and "申请表" in page
    case = start_draft(signed_in, item)
    assert case.state == State.DRAFT
    assert case.form_data["applicant_name"] == applicant.full_name
    response = signed_in.get(reverse("cases:draft", args=[case.pk]))
    page = html(response)
    assert response.status_code == 200
    assert "来自实名账号" in page  # the prefilled value says where it came from
    assert f'value="{applicant.full_name}"' in page
    assert "readonly" in page  # the verified name cannot be changed
    # The ID card is held by the government: not asked for, shown as taken from source.
    assert "无需上传" in page and "人口基础库" in page
    assert 'name="material_' in page and 'enctype="multipart/form-data"' in page
    assert "承诺办结时限" in page


def test_apply_again_resumes_the_draft(signed_in: Client, item: Any) -> None:
    case = start_draft(signed_in, item)
    response = signed_in.get(reverse("cases:apply", args=[item.implementation_code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:draft", args=[case.pk])
    assert Case.objects.filter(item=item).count() == 1


def test_item_not_online_cannot_be_applied_for(signed_in: Client) -> None:
    item = make_published_item(handling_forms=["window"])
    response = signed_in.get(reverse("cases:apply", args=[item.implementation_code]))
    assert response.status_code == 409
    assert "不支持网上申请" in html(response)
    assert not Case.objects.exists()


def test_unverified_account_is_told_why(client: Client, item: Any) -> None:
    person = PersonFactory()
    sign_in(client, person, methods=L2)
    response = client.get(reverse("cases:apply", args=[item.implementation_code]))
    # An account that is not real-name verified cannot reach L2: step-up, which explains.
    assert response.status_code == 302
    assert reverse("identity:step_up") in response["Location"]


def test_save_draft_and_resume(signed_in: Client, item: Any) -> None:
    case = start_draft(signed_in, item)
    url = reverse("cases:draft", args=[case.pk])
    response = signed_in.post(url, form_post(case, f_reason="需要开具证明", action="save"))
    assert response.status_code == 302 and response["Location"] == url
    case.refresh_from_db()
    assert case.form_data["reason"] == "需要开具证明"
    assert case.state == State.DRAFT
    page = html(signed_in.get(url))
    assert "需要开具证明" in page and "草稿已保存" in page
    listing = html(signed_in.get(reverse("cases:mine") + "?tab=drafts"))
    assert url in listing and "继续填写" in listing


def test_upload_of_a_wrong_type_says_so_and_keeps_what_was_typed(
    signed_in: Client, item: Any
) -> None:
    case = start_draft(signed_in, item)
    form = application_form(item)
    fake = SimpleUploadedFile("申请表.pdf", b"just some text, not a PDF", "application/pdf")
    response = signed_in.post(
        reverse("cases:material_upload", args=[case.pk, form.pk]),
        form_post(case, f_reason="新写的事由", **{f"material_{form.pk}": fake, "action": "upload"}),
    )
    assert response.status_code == 422
    page = html(response)
    assert "文件类型不受支持" in page
    assert f'href="#material-{form.pk}-file"' in page  # the summary links to the control
    assert "新写的事由" in page
    assert not case.materials.filter(material=form).exists()


def test_upload_then_submit_goes_to_the_case_with_a_confirmation(
    signed_in: Client, item: Any
) -> None:
    case = start_draft(signed_in, item)
    form = application_form(item)
    response = signed_in.post(
        reverse("cases:material_upload", args=[case.pk, form.pk]),
        form_post(
            case, **{f"material_{form.pk}": pdf_upload("签字申请表.pdf"), "action": "upload"}
        ),
    )
    draft_url = reverse("cases:draft", args=[case.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{draft_url}#material-{form.pk}"
    page = html(signed_in.get(draft_url))
    assert "签字申请表.pdf" in page and "更换文件" in page
    response = signed_in.post(draft_url, form_post(case, action="submit"))
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.number]) + "?submitted=1"
    page = html(signed_in.get(response["Location"]))
    assert "申请已提交" in page and case.number in page
    assert "承诺办结时限" in page  # what happens next and how the deadline runs
    assert "收件回执" in page


def test_missing_material_names_it(signed_in: Client, item: Any) -> None:
    case = start_draft(signed_in, item)
    response = signed_in.post(
        reverse("cases:draft", args=[case.pk]), form_post(case, action="submit")
    )
    assert response.status_code == 422
    page = html(response)
    name = application_form(item).name
    assert f"缺少必需的申请材料：{name}" in page
    assert f"请提交“{name}”" in page
    case.refresh_from_db()
    assert case.state == State.DRAFT


def test_form_errors_are_shown_beside_the_fields(signed_in: Client, item: Any) -> None:
    case = start_draft(signed_in, item)
    form = application_form(item)
    signed_in.post(
        reverse("cases:material_upload", args=[case.pk, form.pk]),
        form_post(case, **{f"material_{form.pk}": pdf_upload(), "action": "upload"}),
    )
    response = signed_in.post(
        reverse("cases:draft", args=[case.pk]), form_post(case, f_phone="", action="submit")
    )
    assert response.status_code == 422
    page = html(response)
    assert "请填写联系电话" in page
    assert 'href="#id_f_phone"' in page
    assert 'aria-invalid="true"' in page


def test_submitting_twice_with_the_same_key_makes_one_case(signed_in: Client, item: Any) -> None:
    case = start_draft(signed_in, item)
    form = application_form(item)
    data = form_post(case, action="submit", idempotency_key="double-click")
    data[f"material_{form.pk}"] = pdf_upload()
    url = reverse("cases:draft", args=[case.pk])
    first = signed_in.post(url, data)
    data[f"material_{form.pk}"] = pdf_upload()
    second = signed_in.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.exclude(state=State.DRAFT).count() == 1
    assert CaseEvent.objects.filter(action=Action.SUBMIT).count() == 1


# --- my cases and the case page ---------------------------------------------------------------


def test_my_cases_shows_only_ones_own(client: Client, applicant: Any, item: Any) -> None:
    mine = submit_case(item=item, applicant=applicant)
    other_person = VerifiedPersonFactory()
    theirs = submit_case(item=item, applicant=other_person)
    sign_in(client, applicant, methods=L2)
    page = html(client.get(reverse("cases:mine")))
    assert mine.number in page and theirs.number not in page
    assert "待受理" in page
    response = client.get(reverse("cases:detail", args=[theirs.number]))
    assert response.status_code == 404
    # Nor the other person's draft, upload or downloads.
    assert client.post(reverse("cases:withdraw", args=[theirs.number])).status_code == 404


def test_another_user_never_sees_my_draft(client: Client, applicant: Any, item: Any) -> None:
    sign_in(client, applicant, methods=L2)
    case = start_draft(client, item)
    stranger = Client()
    sign_in(stranger, VerifiedPersonFactory(), methods=L2)
    assert stranger.get(reverse("cases:draft", args=[case.pk])).status_code == 404
    response = stranger.post(
        reverse("cases:material_upload", args=[case.pk, application_form(item).pk]),
        {"action": "upload"},
    )
    assert response.status_code == 404


# Session, user, the tab counts (one aggregate), the page's count and rows, and the
# header's unread-messages count: the same whatever the number of cases.
MINE_QUERIES = 6


def touch_session(client: Client) -> None:
    """Activity noted just now: the request does not write the session (it does so at
    most every few seconds), so query counts do not depend on the test's speed."""
    store = client.session
    store[session.LAST_SEEN] = session.now_epoch()
    store.save()


def test_my_cases_tabs_and_constant_queries(
    client: Client, applicant: Any, item: Any, django_assert_num_queries: Any
) -> None:
    for _ in range(2):
        submit_case(item=item, applicant=applicant)
    sign_in(client, applicant, methods=L2)
    url = reverse("cases:mine")
    client.get(url)  # warm caches (calendar, sessions)
    touch_session(client)
    with django_assert_num_queries(MINE_QUERIES):
        assert client.get(url).status_code == 200
    for _ in range(9):
        submit_case(item=item, applicant=applicant)
    touch_session(client)
    with django_assert_num_queries(MINE_QUERIES):
        page = html(client.get(url))
    assert "第 1 页，共 2 页" in page
    counts = html(client.get(url + "?tab=action"))
    assert "没有需要您补正的办件" in counts


def test_case_page_shows_the_timeline_and_the_clock(client: Client, applicant: Any) -> None:
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    case = services.case_accept(actor=clerk, case=submit_case(item=item, applicant=applicant))
    sign_in(client, applicant, methods=L2)
    page = html(client.get(reverse("cases:detail", args=[case.number])))
    assert 'aria-current="step"' in page
    assert "受理日期" in page and "承诺办结日期" in page and "剩余时间" in page
    assert "受理，承诺办结日期为" in page  # the deadline history in plain words
    assert "受理通知书" in page
    assert "撤回申请" in page


def test_supplement_one_click_upload_and_resubmit(client: Client, applicant: Any) -> None:
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    case = submit_case(item=item, applicant=applicant)
    form = application_form(item)
    services.case_request_supplement(
        actor=clerk,
        case=case,
        items=[{"material_id": form.pk, "reason": "申请表未签字"}],
        note="请签字后重新上传。",
    )
    sign_in(client, applicant, methods=L2)
    listing = html(client.get(reverse("cases:mine") + "?tab=action"))
    detail_url = reverse("cases:detail", args=[case.number])
    assert f"{detail_url}#supplement" in listing and "补正材料" in listing
    page = html(client.get(detail_url))
    assert "需要您补正材料" in page and "申请表未签字" in page and "请签字后重新上传" in page
    upload_url = reverse("cases:material_upload", args=[case.pk, form.pk])
    assert upload_url in page and "data-autoupload" in page
    assert "补正材料通知书" in page
    # Resubmitting before uploading says what is still missing.
    response = client.post(reverse("cases:resubmit", args=[case.number]))
    assert response.status_code == 422
    assert "还需补正" in html(response)
    response = client.post(upload_url, {"file": pdf_upload("已签字.pdf")})
    assert response.status_code == 302 and response["Location"] == f"{detail_url}#supplement"
    assert "已签字.pdf" in html(client.get(detail_url))
    response = client.post(reverse("cases:resubmit", args=[case.number]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert case.supplements.get().resolved_at is not None


def test_supplement_upload_of_a_wrong_file_is_explained(client: Client, applicant: Any) -> None:
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    case = submit_case(item=item, applicant=applicant)
    form = application_form(item)
    services.case_request_supplement(
        actor=clerk, case=case, items=[{"material_id": form.pk, "reason": "不清晰"}]
    )
    sign_in(client, applicant, methods=L2)
    response = client.post(
        reverse("cases:material_upload", args=[case.pk, form.pk]),
        {"file": SimpleUploadedFile("scan.png", b"not an image", "image/png")},
    )
    assert response.status_code == 422
    assert "文件类型不受支持" in html(response)


def test_withdraw_needs_a_reason(client: Client, applicant: Any) -> None:
    case = submit_case(applicant=applicant)
    sign_in(client, applicant, methods=L2)
    url = reverse("cases:withdraw", args=[case.number])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 422
    assert "请说明撤回的原因" in html(response)
    response = client.post(url, {"reason": "不再需要"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN
    page = html(client.get(reverse("cases:detail", args=[case.number])))
    assert "已撤回" in page and "不再需要" in page
    assert 'id="withdraw"' not in page  # no longer offered


def test_changes_need_level_two_but_reading_does_not(client: Client, applicant: Any) -> None:
    case = submit_case(applicant=applicant)
    sign_in(client, applicant, methods=("pwd",))
    page = html(client.get(reverse("cases:detail", args=[case.number])))
    assert "撤回申请需要二级认证" in page
    response = client.post(reverse("cases:withdraw", args=[case.number]), {"reason": "x"})
    assert response.status_code == 302
    assert reverse("identity:step_up") in response["Location"]
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def _result(case: Case) -> CaseResult:
    """A result issued for `case`: results come after acceptance and a decision, so the
    case is brought there first (without the review steps in between)."""
    Case.objects.filter(pk=case.pk).update(
        state=State.ISSUED,
        accepted_on=timezone.localdate(),
        decision=Decision.APPROVED,
        decided_at=timezone.now(),
    )
    return CaseResult.objects.create(
        case=case,
        name="准予决定书",
        file=ContentFile(MINIMAL_PDF, name="result.pdf"),
        size=len(MINIMAL_PDF),
        sha256="0" * 64,
    )


def test_result_download_checks_who_and_records_the_first_download(
    client: Client, applicant: Any
) -> None:
    case = submit_case(applicant=applicant)
    result = _result(case)
    url = reverse("cases:result", args=[case.number, result.pk])
    assert client.get(url).status_code == 302  # sign in first
    stranger = Client()
    sign_in(stranger, VerifiedPersonFactory(), methods=L2)
    assert stranger.get(url).status_code == 404
    result.refresh_from_db()
    assert result.first_downloaded_at is None
    sign_in(client, applicant, methods=("pwd",))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    result.refresh_from_db()
    first = result.first_downloaded_at
    assert first is not None
    client.get(url)
    result.refresh_from_db()
    assert result.first_downloaded_at == first  # the first one stays
    page = html(client.get(reverse("cases:detail", args=[case.number])))
    assert "准予决定书" in page and "首次下载于" in page


def test_notice_pdfs(client: Client, applicant: Any) -> None:
    case = submit_case(applicant=applicant)
    sign_in(client, applicant, methods=L2)
    response = client.get(reverse("cases:notice", args=[case.number, "receipt"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # A notice that does not apply (no decision yet) is not there.
    assert client.get(reverse("cases:notice", args=[case.number, "decision"])).status_code == 404


# --- the public status look-up ------------------------------------------------------------------


def test_status_lookup_right_and_wrong(client: Client, applicant: Any) -> None:
    case = submit_case(applicant=applicant)
    url = reverse("cases:status")
    page = html(client.get(url + f"?number={case.number}"))
    assert f'value="{case.number}"' in page  # the QR code on notices fills the number
    response = client.post(url, {"number": case.number, "id_tail": applicant.id_number[-6:]})
    assert response.status_code == 200
    page = html(response)
    assert case.title in page and "待受理" in page
    assert applicant.full_name not in page  # masked
    assert applicant.id_number not in page
    response = client.post(url, {"number": case.number, "id_tail": "000000"})
    assert response.status_code == 404
    assert "没有查到办件" in html(response)
    response = client.post(url, {"number": case.number, "id_tail": "12"})
    assert response.status_code == 422
    assert "后6位" in html(response)


def test_status_lookup_is_limited_after_ten_failures(client: Client, applicant: Any) -> None:
    case = submit_case(applicant=applicant)
    url = reverse("cases:status")
    for _ in range(10):
        assert client.post(url, {"number": case.number, "id_tail": "000000"}).status_code == 404
    response = client.post(url, {"number": case.number, "id_tail": applicant.id_number[-6:]})
    assert response.status_code == 429
    assert "请 10 分钟后再试" in html(response)
    other = Client(REMOTE_ADDR="10.9.9.9")  # another address is not affected
    assert (
        other.post(url, {"number": case.number, "id_tail": applicant.id_number[-6:]}).status_code
        == 200
    )


# --- languages and the guide-page button ------------------------------------------------------


def test_main_pages_render_in_english(client: Client, applicant: Any, item: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in(client, applicant, methods=L2)
    case = submit_case(item=item, applicant=applicant)
    draft = start_draft(client, item)
    for url in (
        reverse("cases:mine"),
        reverse("cases:detail", args=[case.number]),
        reverse("cases:draft", args=[draft.pk]),
        reverse("cases:apply", args=[make_online_item().implementation_code]),
        reverse("cases:status"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = html(response)
        assert '<html lang="en"' in page, url
        assert "Home" in page  # the site chrome in English


def test_apply_button_tag(item: Any) -> None:
    template = Template("{% load cases_tags %}{% apply_button item %}")
    rendered = template.render(Context({"item": item}))
    assert reverse("cases:apply", args=[item.implementation_code]) in rendered
    offline = make_published_item(handling_forms=["window"])
    assert "href" not in template.render(Context({"item": offline}))
    no_form = make_online_item(form_schema={})
    assert "href" not in template.render(Context({"item": no_form}))


def test_acting_for_an_enterprise_applies_for_it(client: Client) -> None:
    from govhub.identity.models import AgentScope
    from govhub.identity.tests.factories import AgentAuthorizationFactory, EnterpriseFactory

    enterprise = EnterpriseFactory()
    representative = enterprise.legal_representative
    item = make_online_item()
    sign_in(client, representative, methods=L2)
    store = client.session
    store[session.ACTING_FOR] = enterprise.pk
    store.save()
    page = html(client.get(reverse("cases:apply", args=[item.implementation_code])))
    assert enterprise.name in page  # says for whom
    case = start_draft(client, item)
    assert case.enterprise == enterprise
    # The person's own cases are not mixed in, nor the enterprise's in theirs.
    assert reverse("cases:draft", args=[case.pk]) in html(
        client.get(reverse("cases:mine") + "?tab=drafts")
    )
    store = client.session
    del store[session.ACTING_FOR]
    store.save()
    assert client.get(reverse("cases:draft", args=[case.pk])).status_code == 404
    # An agent allowed only to view cannot start an application.
    viewer = VerifiedPersonFactory()
    AgentAuthorizationFactory(enterprise=enterprise, agent=viewer, scopes=[AgentScope.VIEW])
    other = Client()
    sign_in(other, viewer, methods=L2)
    store = other.session
    store[session.ACTING_FOR] = enterprise.pk
    store.save()
    response = other.get(reverse("cases:apply", args=[item.implementation_code]))
    assert response.status_code == 403
    assert "没有代表该单位申请" in html(response)


def test_drafts_keep_locked_identity_fields(signed_in: Client, applicant: Any, item: Any) -> None:
    case = start_draft(signed_in, item)
    signed_in.post(
        reverse("cases:draft", args=[case.pk]),
        form_post(case, f_applicant_name="别人", action="save"),
    )
    case.refresh_from_db()
    assert case.form_data["applicant_name"] == applicant.full_name


# --- discarding a draft ------------------------------------------------------------------------


def test_discard_a_draft_after_confirming(
    signed_in: Client,
    item: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = start_draft(signed_in, item)
    form = application_form(item)
    signed_in.post(
        reverse("cases:material_upload", args=[case.pk, form.pk]),
        form_post(case, **{f"material_{form.pk}": pdf_upload(), "action": "upload"}),
    )
    stored = case.materials.get().file.name
    discard_url = reverse("cases:draft_discard", args=[case.pk])
    assert discard_url in html(signed_in.get(reverse("cases:draft", args=[case.pk])))
    assert discard_url in html(signed_in.get(reverse("cases:mine") + "?tab=drafts"))
    confirm = signed_in.get(discard_url)
    assert confirm.status_code == 200
    page = html(confirm)
    assert "放弃这份草稿" in page and "已上传的 1 份材料将被删除" in page
    assert f'action="{discard_url}"' in page and 'method="post"' in page
    assert Case.objects.filter(pk=case.pk).exists()  # asking deletes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(discard_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:mine") + "?tab=drafts"
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not default_storage.exists(stored)
    page = html(signed_in.get(response["Location"]))
    assert "草稿已放弃" in page and "没有保存的草稿" in page
    assert AuditEvent.objects.filter(action="cases.case.draft_discard").count() == 1


def test_another_persons_draft_cannot_be_discarded(
    client: Client, applicant: Any, item: Any
) -> None:
    sign_in(client, applicant, methods=L2)
    case = start_draft(client, item)
    stranger = Client()
    sign_in(stranger, VerifiedPersonFactory(), methods=L2)
    url = reverse("cases:draft_discard", args=[case.pk])
    assert stranger.get(url).status_code == 404
    assert stranger.post(url).status_code == 404
    assert Case.objects.get(pk=case.pk).state == State.DRAFT


def test_a_submitted_case_cannot_be_discarded(client: Client, applicant: Any) -> None:
    case = submit_case(applicant=applicant)
    sign_in(client, applicant, methods=L2)
    url = reverse("cases:draft_discard", args=[case.pk])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:detail", args=[case.number])
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    page = html(client.get(reverse("cases:detail", args=[case.number])))
    assert "不能放弃" in page and "撤回申请" in page


def test_discarding_needs_level_two(client: Client, applicant: Any, item: Any) -> None:
    sign_in(client, applicant, methods=L2)
    case = start_draft(client, item)
    client.logout()
    sign_in(client, applicant, methods=("pwd",))
    response = client.post(reverse("cases:draft_discard", args=[case.pk]))
    assert response.status_code == 302
    assert reverse("identity:step_up") in response["Location"]
    assert Case.objects.filter(pk=case.pk).exists()


def test_an_enterprise_draft_is_discarded_by_whoever_may_edit_it(client: Client) -> None:
    from govhub.identity.models import AgentScope
    from govhub.identity.tests.factories import AgentAuthorizationFactory, EnterpriseFactory

    enterprise = EnterpriseFactory()
    item = make_online_item()
    sign_in(client, enterprise.legal_representative, methods=L2)
    act_for(client, enterprise)
    case = start_draft(client, item)
    url = reverse("cases:draft_discard", args=[case.pk])
    viewer = VerifiedPersonFactory()
    AgentAuthorizationFactory(enterprise=enterprise, agent=viewer, scopes=[AgentScope.VIEW])
    other = Client()
    sign_in(other, viewer, methods=L2)
    act_for(other, enterprise)
    assert other.get(url).status_code == 404  # sees the enterprise's cases, may not change
    assert other.post(url).status_code == 404
    assert "放弃这份草稿" in html(client.get(url))
    assert client.post(url).status_code == 302
    assert not Case.objects.filter(pk=case.pk).exists()


def act_for(client: Client, enterprise: Any) -> None:
    store = client.session
    store[session.ACTING_FOR] = enterprise.pk
    store.save()
