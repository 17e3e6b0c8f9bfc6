"""Intake on the staff channels: a walk-in at the window, a grassroots agent, the hotline."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse

from govhub.cases.models import Case, CaseMaterial, Channel
from govhub.cases.tests.factories import (
    application_form,
    make_online_item,
    pdf_upload,
    staff_member,
)
from govhub.cases.tests.test_views_staff import URLS, signed_in, text
from govhub.cases.workflow import State
from govhub.catalog.models import ImplementationItem
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import ServicePointFactory
from govhub.registries.models import RegistryLookup
from govhub.registries.tests.factories import ResidentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]
Role = Position.Role


def item_url(item: ImplementationItem) -> str:
    return reverse("workbench:intake_item", args=[item.implementation_code])


def lookup(client: Any, item: ImplementationItem, resident: Any, **extra: Any) -> Any:
    return client.post(
        item_url(item),
        {"step": "lookup", "name": resident.name, "id_number": resident.id_number, **extra},
    )


def submission(
    item: ImplementationItem, resident: Any, channel: str, **extra: Any
) -> dict[str, Any]:
    """What the step-3 form posts: the applicant, the form, every material on paper."""
    version = item.published_version
    assert version is not None
    data: dict[str, Any] = {
        "step": "submit",
        "channel": channel,
        "name": resident.name,
        "id_number": resident.id_number,
        "uscc": "",
        "mobile": "13900000001",
        "idempotency_key": "k-" + resident.id_number,
        "f_applicant_name": resident.name,
        "f_phone": "13900000001",
    }
    for material in version.materials.all():
        data[f"paper_{material.pk}"] = "1"
    data.update(extra)
    return data


@pytest.fixture
def window() -> dict[str, Any]:
    item = make_online_item()
    return {"item": item, "clerk": staff_member(Role.WINDOW_CLERK, item.department)}


def test_walk_in_at_the_window_end_to_end(client: Any, window: dict[str, Any]) -> None:
    item, clerk = window["item"], window["clerk"]
    resident = ResidentFactory()
    signed_in(client, clerk)
    # Step 1: the item is among those the clerk may take in, and can be searched for.
    listing = text(client.get(reverse("workbench:intake")))
    assert item_url(item) in listing
    assert item_url(item) in text(
        client.get(reverse("workbench:intake"), {"q": item.implementation_code})
    )
    assert item_url(item) not in text(
        client.get(reverse("workbench:intake"), {"q": "不存在的事项"})
    )
    # Step 2: look the person up.
    page = text(client.get(item_url(item)))
    assert "核验身份" in page
    assert "邮寄申请" in page  # window clerks also enter mailed applications
    response = lookup(client, item, resident, channel=Channel.WINDOW)
    page = text(response)
    assert "人口基础库核验通过" in page
    assert RegistryLookup.objects.filter(purpose="case_intake").exists()
    # The form is prefilled from the registry.
    assert f'value="{resident.name}"' in page
    assert "来自人口基础库" in page
    # Step 3: submit with the paper materials checked at the counter.
    data = submission(item, resident, Channel.WINDOW)
    response = client.post(item_url(item), data)
    assert response.status_code == 302
    case = Case.objects.get(submitted_by=clerk)
    assert response["Location"] == reverse("workbench:intake_receipt", args=[case.number])
    assert case.channel == Channel.WINDOW
    assert case.state == State.SUBMITTED
    assert case.window is not None
    assert set(case.materials.values_list("source", flat=True)) == {CaseMaterial.Source.PAPER}
    # A double click gives back the same case.
    again = client.post(item_url(item), data)
    assert again["Location"] == response["Location"]
    assert Case.objects.filter(submitted_by=clerk).count() == 1
    # The receipt page: print, and accept at once.
    receipt = text(client.get(response["Location"]))
    assert case.number in receipt
    assert "打印收件回执" in receipt
    assert "立即受理" in receipt
    pdf = client.get(reverse("workbench:notice", args=[case.number, "receipt"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    accepted = client.post(
        reverse("workbench:act", args=[case.number, "accept"]),
        {"return": "receipt", "accept-revision": case.revision},
    )
    assert accepted["Location"] == response["Location"]
    case.refresh_from_db()
    assert case.state == State.UNDER_REVIEW
    receipt = text(client.get(response["Location"]))
    assert "打印受理通知书" in receipt
    assert "立即受理" not in receipt


def test_scanned_files_and_the_post_channel(client: Any, window: dict[str, Any]) -> None:
    item, clerk = window["item"], window["clerk"]
    resident = ResidentFactory()
    form = application_form(item)
    signed_in(client, clerk)
    data = submission(item, resident, Channel.POST)
    del data[f"paper_{form.pk}"]
    data[f"file_{form.pk}"] = pdf_upload()
    response = client.post(item_url(item), data)
    assert response.status_code == 302
    case = Case.objects.get(submitted_by=clerk)
    assert case.channel == Channel.POST
    sources = dict(case.materials.values_list("material_id", "source"))
    assert sources[form.pk] == CaseMaterial.Source.UPLOAD


def test_missing_materials_and_form_errors_are_shown_with_the_input_kept(
    client: Any, window: dict[str, Any]
) -> None:
    item, clerk = window["item"], window["clerk"]
    resident = ResidentFactory()
    form = application_form(item)
    signed_in(client, clerk)
    data = submission(item, resident, Channel.WINDOW, f_phone="")
    del data[f"paper_{form.pk}"]
    response = client.post(item_url(item), data)
    assert response.status_code == 200
    page = text(response)
    assert "请修改以下问题后再提交" in page
    assert "联系电话" in page
    assert not Case.objects.filter(submitted_by=clerk).exists()
    data = submission(item, resident, Channel.WINDOW)
    del data[f"paper_{form.pk}"]
    page = text(client.post(item_url(item), data))
    assert f"请提交“{form.display_name}”" in page
    assert f'value="{resident.name}"' in page  # what was typed is kept


def test_the_registry_outcome_is_shown(client: Any, window: dict[str, Any]) -> None:
    item, clerk = window["item"], window["clerk"]
    resident = ResidentFactory()
    signed_in(client, clerk)
    response = client.post(
        item_url(item),
        {
            "step": "lookup",
            "channel": Channel.WINDOW,
            "name": "别人",
            "id_number": resident.id_number,
        },
    )
    page = text(response)
    assert "身份核验未通过" in page
    assert "姓名与身份证号码不一致" in page
    assert "提交申请" not in page
    response = client.post(
        item_url(item),
        {"step": "lookup", "channel": Channel.WINDOW, "name": resident.name, "id_number": "123"},
    )
    assert "form-errors" in text(response)


def test_a_grassroots_agent_must_record_the_authorisation(client: Any) -> None:
    item = make_online_item()
    point = ServicePointFactory(region=item.region)
    agent = staff_member(Role.GRASSROOTS_AGENT, item.department, service_point=point)
    resident = ResidentFactory()
    signed_in(client, agent)
    assert item_url(item) in text(client.get(reverse("workbench:intake")))
    page = text(lookup(client, item, resident, channel=Channel.SERVICE_POINT))
    assert "代办授权说明" in page
    assert "上门代办" in page
    data = submission(item, resident, Channel.SERVICE_POINT, proxy_note="")
    response = client.post(item_url(item), data)
    assert response.status_code == 200
    assert "请记录申请人的代办授权" in text(response)
    assert not Case.objects.filter(submitted_by=agent).exists()
    data = submission(
        item, resident, Channel.SERVICE_POINT, proxy_note="委托书 WT-001", door_to_door="on"
    )
    response = client.post(item_url(item), data)
    assert response.status_code == 302
    case = Case.objects.get(submitted_by=agent)
    assert case.channel == Channel.SERVICE_POINT
    assert case.proxy_note == "委托书 WT-001"
    assert case.door_to_door is True
    assert case.service_point == point
    receipt = text(client.get(response["Location"]))
    assert "上门代办" in receipt
    assert "立即受理" not in receipt  # agents do not accept


def test_a_hotline_operator_files_for_a_caller(client: Any) -> None:
    item = make_online_item()
    operator = staff_member(Role.HOTLINE_OPERATOR, item.department)
    resident = ResidentFactory()
    signed_in(client, operator)
    page = text(lookup(client, item, resident, channel=Channel.HOTLINE))
    assert "来电记录" in page
    data = submission(item, resident, Channel.HOTLINE, proxy_note="12345 来电，同意代为提交")
    response = client.post(item_url(item), data)
    assert response.status_code == 302
    case = Case.objects.get(submitted_by=operator)
    assert case.channel == Channel.HOTLINE
    assert case.proxy_note.startswith("12345")
    # The operator sees what they filed, in the "all" queue and on the case page.
    assert reverse("workbench:case", args=[case.number]) in text(
        client.get(reverse("workbench:queue"), {"queue": "all"})
    )
    assert client.get(reverse("workbench:case", args=[case.number])).status_code == 200


def test_a_channel_the_clerk_does_not_hold_is_refused(client: Any, window: dict[str, Any]) -> None:
    item, clerk = window["item"], window["clerk"]
    resident = ResidentFactory()
    signed_in(client, clerk)
    response = client.post(item_url(item), submission(item, resident, Channel.HOTLINE))
    assert response.status_code == 200
    assert not Case.objects.filter(submitted_by=clerk).exists()


def test_intake_is_for_intake_positions_and_their_items(
    client: Any, window: dict[str, Any]
) -> None:
    item = window["item"]
    reviewer = staff_member(Role.REVIEWER, item.department)
    signed_in(client, reviewer)
    assert client.get(reverse("workbench:intake")).status_code == 403
    assert client.get(item_url(item)).status_code == 403
    other_clerk = staff_member(Role.WINDOW_CLERK, make_online_item().department)
    signed_in(client, other_clerk)
    assert item_url(item) not in text(client.get(reverse("workbench:intake")))
    assert client.get(item_url(item)).status_code == 403
    assert client.get(reverse("workbench:intake_item", args=["NOPE"])).status_code == 404


# --- prefill notes on a page that comes back with errors ---------------------------------------

REGISTRY_NOTE = "来自人口基础库"


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert match is not None, f"no hidden field {name}"
    return html.unescape(match.group(1))


def test_registry_notes_come_back_with_a_page_that_has_errors(client: Any) -> None:
    item = make_online_item(
        form_schema={
            "type": "object",
            "properties": {
                "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 50},
                "address": {"type": "string", "title": "户籍地址"},
                "birth_date": {"type": "string", "format": "date", "title": "出生日期"},
                "phone": {"type": "string", "title": "联系电话", "pattern": "^[0-9-]{7,20}$"},
            },
            "required": ["applicant_name", "phone"],
        }
    )
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    resident = ResidentFactory()
    signed_in(client, clerk)
    page = text(lookup(client, item, resident, channel=Channel.WINDOW))
    assert page.count(REGISTRY_NOTE) == 3  # name, address, birth date
    token = hidden_value(page, "prefill")
    prefilled = {
        "f_applicant_name": resident.name,
        "f_address": resident.household_address,
        "f_birth_date": resident.birth_date.isoformat(),
    }

    # A missing phone number: the page comes back, and so do the three notes.
    data = submission(item, resident, Channel.WINDOW, f_phone="", prefill=token, **prefilled)
    response = client.post(item_url(item), data)
    assert response.status_code == 200
    page = text(response)
    assert "请修改以下问题后再提交" in page
    assert page.count(REGISTRY_NOTE) == 3
    assert hidden_value(page, "prefill") == token  # and again after the next error
    # A value the clerk changed no longer claims its source.
    data = submission(item, resident, Channel.WINDOW, f_phone="", prefill=token, **prefilled) | {
        "f_address": "向阳区新址 8 号"
    }
    page = text(client.post(item_url(item), data))
    assert page.count(REGISTRY_NOTE) == 2
    # An error from the service (a material missing) keeps them too.
    paper = application_form(item)
    data = submission(item, resident, Channel.WINDOW, prefill=token, **prefilled)
    del data[f"paper_{paper.pk}"]
    page = text(client.post(item_url(item), data))
    assert f"请提交“{paper.display_name}”" in page
    assert page.count(REGISTRY_NOTE) == 3
    assert not Case.objects.filter(submitted_by=clerk).exists()


def test_prefill_notes_are_not_taken_from_a_forged_or_foreign_token(client: Any) -> None:
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    resident, other = ResidentFactory(), ResidentFactory()
    signed_in(client, clerk)
    token = hidden_value(text(lookup(client, item, resident, channel=Channel.WINDOW)), "prefill")
    # The same token for another applicant (their own name typed in) claims nothing.
    data = submission(item, other, Channel.WINDOW, f_phone="", prefill=token)
    assert REGISTRY_NOTE not in text(client.post(item_url(item), data))
    # Nor does a token the page made up.
    data = submission(item, resident, Channel.WINDOW, f_phone="", prefill=token[:-2] + "xx")
    page = text(client.post(item_url(item), data))
    assert "请修改以下问题后再提交" in page
    assert REGISTRY_NOTE not in page
