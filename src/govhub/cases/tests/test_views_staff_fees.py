"""The fees on the workbench's issue form and on the case pages (staff and applicant)."""

from __future__ import annotations

import decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govhub.cases.models import CaseFee
from govhub.cases.tests import test_views_staff
from govhub.cases.tests.factories import MINIMAL_PDF, make_online_item
from govhub.cases.tests.test_fees import ID_CARD_FEE, charged_item, decided_case
from govhub.cases.tests.test_views_staff import act, case_url, signed_in, text
from govhub.cases.workflow import State
from govhub.identity.testing import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls(test_views_staff.URLS)]
D = decimal.Decimal


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def result_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("licence.pdf", MINIMAL_PDF, "application/pdf")


def test_the_issue_form_offers_the_catalogue_fee_lines(client: Any) -> None:
    case, clerk = decided_case(charged_item())
    page = text(signed_in(client, clerk).get(case_url(case)))
    assert 'name="issue-fee_0_name"' in page and f'value="{ID_CARD_FEE}"' in page
    assert 'name="issue-fee_0_amount"' in page and "收费标准：每证20元" in page
    assert 'name="issue-fee_1_name"' in page and 'value="加急制证费"' in page
    assert 'name="issue-fee_extra_name"' in page and 'name="issue-fee_extra_amount"' in page
    assert "本事项按目录不收费" not in page


def test_an_item_without_fees_offers_only_the_extra_line(client: Any) -> None:
    case, clerk = decided_case(make_online_item())
    page = text(signed_in(client, clerk).get(case_url(case)))
    assert "本事项按目录不收费" in page
    assert 'name="issue-fee_extra_amount"' in page and 'name="issue-fee_0_name"' not in page


def test_issuing_records_the_fees_and_the_pages_show_them(client: Any) -> None:
    case, clerk = decided_case(charged_item())
    signed_in(client, clerk)
    response = act(
        client,
        case,
        "issue",
        mode="upload",
        name="居民身份证",
        file=result_file(),
        fee_0_name=ID_CARD_FEE,
        fee_0_amount="20",
        fee_1_name="加急制证费",
        fee_1_amount="",  # not charged
        fee_extra_name="快递费",
        fee_extra_amount="12.50",
    )
    assert response.status_code == 302, text(response)[:2000]
    case.refresh_from_db()
    assert case.state == State.ISSUED
    assert [
        (f.name, f.amount, f.catalogue_name)
        for f in CaseFee.objects.filter(case=case).order_by("id")
    ] == [(ID_CARD_FEE, D("20.00"), ID_CARD_FEE), ("快递费", D("12.50"), "")]

    page = text(client.get(case_url(case)))
    assert "实收费用" in page and "20.00" in page and "12.50" in page
    assert "目录以外" in page  # the courier fee

    client.logout()
    sign_in(client, case.applicant, methods=("pwd", "sms"))
    mine = text(client.get(reverse("cases:detail", args=[case.number])))
    assert "您缴纳的费用" in mine
    assert f"{ID_CARD_FEE}：<strong>20.00 元</strong>" in mine
    assert "快递费：<strong>12.50 元</strong>" in mine


def test_wrong_fees_are_shown_on_their_rows_and_nothing_is_issued(client: Any) -> None:
    case, clerk = decided_case(charged_item())
    signed_in(client, clerk)
    response = act(
        client,
        case,
        "issue",
        mode="upload",
        name="居民身份证",
        file=result_file(),
        fee_0_name=ID_CARD_FEE,
        fee_0_amount="-5",
        fee_1_name="",
        fee_1_amount="3",
        fee_extra_name="快递费",
        fee_extra_amount="",
    )
    assert response.status_code == 200
    page = text(response)
    assert 'id="id_issue-fee_0_amount_error"' in page and "收费金额不能为负数。" in page
    assert 'id="id_issue-fee_1_name_error"' in page and "请填写收费项目名称。" in page
    assert 'id="id_issue-fee_extra_amount_error"' in page and "请填写收费金额（元）。" in page
    assert 'value="-5"' in page  # what the clerk typed is kept
    case.refresh_from_db()
    assert case.state == State.DECIDED
    assert not CaseFee.objects.filter(case=case).exists()
