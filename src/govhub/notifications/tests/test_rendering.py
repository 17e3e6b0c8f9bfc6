"""Templates: the defaults, rendering in both languages, masking in text messages, and
the sandbox that keeps administrators' templates to the listed values."""

from __future__ import annotations

import pytest
from django.template import TemplateSyntaxError

from govhub.cases.workflow import Action, State
from govhub.notifications.models import NOTIFIED_ACTIONS, Channel, NotificationTemplate
from govhub.notifications.rendering import (
    CHINESE,
    ENGLISH,
    build_context,
    compile_template,
    render,
    render_text,
)
from govhub.notifications.tests.factories import CaseEventFactory, CaseFactory

pytestmark = pytest.mark.django_db


def template_for(event: str, channel: str) -> NotificationTemplate:
    return NotificationTemplate.objects.get(event=event, channel=channel)


def test_defaults_cover_every_notified_action_and_channel(default_templates):
    keys = set(NotificationTemplate.objects.values_list("event", "channel"))
    expected = {(action, channel) for action in NOTIFIED_ACTIONS for channel in Channel.values}
    assert keys == expected
    assert len(NOTIFIED_ACTIONS) == 14
    assert Action.CLAIM not in NOTIFIED_ACTIONS
    for template in NotificationTemplate.objects.all():
        for text in (template.subject, template.body, template.subject_en, template.body_en):
            compile_template(text)  # every default compiles in the sandbox


def test_inbox_text_in_chinese(default_templates):
    case = CaseFactory(applicant_name="张三丰")
    event = CaseEventFactory(case=case, action=Action.ACCEPT, to_state=State.UNDER_REVIEW)
    context = build_context(case, event, channel=Channel.INBOX, language=CHINESE, link="/x/")
    rendered = render(template_for("accept", "inbox"), context, language=CHINESE)
    assert rendered.subject == "申请已受理：测试事项许可"
    assert rendered.body.startswith("张三丰，您好：")
    assert f"办件编号 {case.number}" in rendered.body
    assert "承诺办结日期为2026年3月30日" in rendered.body
    assert "当前状态：审查中" in rendered.body


def test_inbox_text_in_english(default_templates):
    case = CaseFactory(applicant_name="张三丰")
    event = CaseEventFactory(case=case, action=Action.ACCEPT, to_state=State.UNDER_REVIEW)
    context = build_context(case, event, channel=Channel.INBOX, language=ENGLISH)
    rendered = render(template_for("accept", "inbox"), context, language=ENGLISH)
    assert rendered.subject == "Application accepted: Test licence"
    assert rendered.body.startswith("Dear 张三丰,")
    assert f"Your application for “Test licence” (case number {case.number})" in rendered.body
    assert "It will be completed by March 30, 2026." in rendered.body


def test_english_falls_back_to_chinese_when_empty(default_templates):
    template = template_for("accept", "inbox")
    template.body_en = ""
    case = CaseFactory()
    event = CaseEventFactory(case=case)
    context = build_context(case, event, channel=Channel.INBOX, language=ENGLISH)
    assert render(template, context, language=ENGLISH).subject.startswith("申请已受理")


def test_sms_masks_the_applicant_and_carries_the_signature(default_templates):
    case = CaseFactory(applicant_name="张三丰")
    event = CaseEventFactory(case=case, action=Action.ACCEPT)
    context = build_context(case, event, channel=Channel.SMS, language=CHINESE)
    body = render(template_for("accept", "sms"), context, language=CHINESE).body
    assert body.startswith("【鹤岗政务服务】张*，您申请的“测试事项许可”")
    assert "张三丰" not in body
    assert "详情请登录" in body


def test_supplement_lists_the_materials_and_the_note(default_templates):
    from govhub.cases.models import SupplementRequest

    case = CaseFactory(state=State.SUPPLEMENT_REQUESTED)
    SupplementRequest.objects.create(
        case=case,
        items=[
            {"material_id": None, "name": "营业执照副本", "reason": "不清晰"},
            {"material_id": None, "name": "场地证明", "reason": "缺失"},
        ],
        note="请上传清晰的扫描件",
        requested_by=case.applicant,
    )
    event = CaseEventFactory(
        case=case, action=Action.REQUEST_SUPPLEMENT, to_state=State.SUPPLEMENT_REQUESTED
    )
    context = build_context(case, event, channel=Channel.INBOX, language=CHINESE)
    body = render(template_for("request_supplement", "inbox"), context, language=CHINESE).body
    assert "需要补正材料：营业执照副本、场地证明。" in body
    assert "说明：请上传清晰的扫描件" in body


def test_decision_shows_the_decision_reason_and_remedy(default_templates):
    case = CaseFactory(
        state=State.DECIDED,
        decision="refused",
        decision_reason="不符合申请条件",
        remedy="可以自收到决定之日起六十日内申请行政复议。",
    )
    event = CaseEventFactory(case=case, action=Action.DECIDE, to_state=State.DECIDED)
    context = build_context(case, event, channel=Channel.EMAIL, language=CHINESE, link="/c/")
    template = template_for("decide", "email")
    body = render(template, context, language=CHINESE).body
    assert "已作出决定：不予。理由：不符合申请条件" in body
    assert "救济途径：可以自收到决定之日起六十日内申请行政复议。" in body


def test_opinion_of_the_event_is_the_reason(default_templates):
    case = CaseFactory(state=State.NOT_ACCEPTED)
    event = CaseEventFactory(
        case=case,
        action=Action.REJECT_INTAKE,
        to_state=State.NOT_ACCEPTED,
        opinion="不属于本部门职权范围",
    )
    context = build_context(case, event, channel=Channel.INBOX, language=CHINESE)
    body = render(template_for("reject_intake", "inbox"), context, language=CHINESE).body
    assert "不予受理。理由：不属于本部门职权范围" in body


def test_context_holds_only_strings(default_templates):
    case = CaseFactory()
    event = CaseEventFactory(case=case)
    context = build_context(case, event, channel=Channel.INBOX, language=CHINESE)
    assert all(isinstance(value, str) for value in context.values())
    # Nothing reaches the case, the account or settings.
    assert render_text("[{{ case.applicant.password }}{{ settings.SECRET_KEY }}]", context) == "[]"


@pytest.mark.parametrize(
    "text",
    ["{% load i18n %}x", "{% debug %}", "{% if %}", "{{ number|no_such_filter }}"],
)
def test_sandbox_refuses_libraries_debug_and_bad_syntax(text):
    with pytest.raises(TemplateSyntaxError):
        compile_template(text)


def test_sandbox_cannot_include_files():
    from django.template import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist):
        render_text('{% include "portal/base.html" %}', {})


def test_rendered_text_is_not_html_escaped():
    assert render_text("{{ reason }}", {"reason": "A & B <c>"}) == "A & B <c>"
