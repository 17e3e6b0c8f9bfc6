"""The default notification templates: for every case action an applicant hears about, an
in-site message, a text message and an e-mail, in Chinese and English.

Only missing templates are created (by event and channel), so running this again, or
`notifications.demo.load()` (which calls `install`), never overwrites an administrator's
edits. The texts are frozen here, as migrations should be; change them in the admin.
"""

from django.db import migrations

# event: (Chinese title, English title, Chinese predicate, English predicate,
#         shorter Chinese predicate for SMS or None, shorter English one or None).
# A predicate follows “您申请的“{item}”（办件编号 {number}）” / “Your application for
# “{item}” (case number {number})”.
EVENTS = {
    "submit": (
        "申请已提交",
        "Application submitted",
        "已提交成功，我们将尽快审核。",
        "has been submitted. We will review it shortly.",
        None,
        None,
    ),
    "accept": (
        "申请已受理",
        "Application accepted",
        "已受理。{% if deadline %}承诺办结日期为{{ deadline }}。{% endif %}",
        "has been accepted.{% if deadline %} It will be completed by {{ deadline }}.{% endif %}",
        None,
        None,
    ),
    "reject_intake": (
        "申请不予受理",
        "Application not accepted",
        "不予受理。{% if reason %}理由：{{ reason }}{% endif %}",
        "has not been accepted.{% if reason %} Reason: {{ reason }}{% endif %}",
        "不予受理。",
        "has not been accepted.",
    ),
    "request_supplement": (
        "请补正申请材料",
        "Please supplement your application",
        "需要补正材料{% if materials %}：{{ materials }}{% endif %}。请一次性补齐后重新提交，"
        "补正期间不计入办理时限。{% if reason %}说明：{{ reason }}{% endif %}",
        "needs more material{% if materials %}: {{ materials }}{% endif %}. Please provide all "
        "of it and submit again; the time limit is paused meanwhile."
        "{% if reason %} Note: {{ reason }}{% endif %}",
        "需要补正材料{% if materials %}：{{ materials }}{% endif %}，请一次性补齐后重新提交。",
        "needs more material{% if materials %}: {{ materials }}{% endif %}. Please provide all "
        "of it and submit again.",
    ),
    "resubmit": (
        "补正材料已提交",
        "Supplemented application received",
        "补正材料已提交，我们将继续审核。",
        "has been submitted again with the requested material. We will continue the review.",
        None,
        None,
    ),
    "start_special": (
        "办件进入特别程序",
        "Special procedure started",
        "进入特别程序{% if reason %}（{{ reason }}）{% endif %}，特别程序所需时间不计入办理时限。",
        "has entered a special procedure{% if reason %} ({{ reason }}){% endif %}; the time it "
        "takes does not count towards the time limit.",
        "进入特别程序，特别程序所需时间不计入办理时限。",
        "has entered a special procedure; its time does not count towards the time limit.",
    ),
    "end_special": (
        "特别程序已结束",
        "Special procedure ended",
        "特别程序已结束，恢复审查。{% if deadline %}承诺办结日期为{{ deadline }}。{% endif %}",
        "has completed its special procedure and is under review again."
        "{% if deadline %} It will be completed by {{ deadline }}.{% endif %}",
        None,
        None,
    ),
    "extend": (
        "办理时限已延长",
        "Time limit extended",
        "办理时限已延长{% if deadline %}，承诺办结日期调整为{{ deadline }}{% endif %}。"
        "{% if reason %}理由：{{ reason }}{% endif %}",
        "has had its time limit extended{% if deadline %}; it will now be completed by "
        "{{ deadline }}{% endif %}.{% if reason %} Reason: {{ reason }}{% endif %}",
        "办理时限已延长{% if deadline %}，承诺办结日期调整为{{ deadline }}{% endif %}。",
        "has had its time limit extended{% if deadline %} to {{ deadline }}{% endif %}.",
    ),
    "decide": (
        "已作出决定",
        "Decision made",
        "已作出决定：{{ decision }}。{% if reason %}理由：{{ reason }}{% endif %}"
        "{% if remedy %}\n\n救济途径：{{ remedy }}{% endif %}",
        "has been decided: {{ decision }}.{% if reason %} Reason: {{ reason }}{% endif %}"
        "{% if remedy %}\n\nRemedies: {{ remedy }}{% endif %}",
        "已作出决定：{{ decision }}。",
        "has been decided: {{ decision }}.",
    ),
    "issue": (
        "办理结果已出具",
        "Result issued",
        "办理结果已出具，将按您选择的方式送达。",
        "has its result issued; it will be delivered as you chose.",
        None,
        None,
    ),
    "deliver": (
        "办理结果已送达",
        "Result delivered",
        "办理结果已送达，请注意查收。",
        "has had its result delivered to you.",
        None,
        None,
    ),
    "complete": (
        "办件已办结",
        "Application completed",
        "已办结。欢迎对本次服务作出评价。",
        "has been completed. Please tell us how we did.",
        None,
        None,
    ),
    "withdraw": (
        "申请已撤回",
        "Application withdrawn",
        "已撤回。{% if reason %}理由：{{ reason }}{% endif %}",
        "has been withdrawn.{% if reason %} Reason: {{ reason }}{% endif %}",
        "已撤回。",
        "has been withdrawn.",
    ),
    "terminate": (
        "办件已终止办理",
        "Application terminated",
        "已终止办理。{% if reason %}理由：{{ reason }}{% endif %}",
        "has been terminated.{% if reason %} Reason: {{ reason }}{% endif %}",
        "已终止办理。",
        "has been terminated.",
    ),
}

ZH_LEAD = "您申请的“{{ item }}”（办件编号 {{ number }}）"
EN_LEAD = "Your application for “{{ item }}” (case number {{ number }}) "


def templates():
    """(event, channel) -> dict of field values."""
    result = {}
    for event, (zh_title, en_title, zh, en, zh_sms, en_sms) in EVENTS.items():
        zh_letter = f"{{{{ applicant }}}}，您好：\n\n{ZH_LEAD}{zh}\n\n当前状态：{{{{ state }}}}。"
        en_letter = f"Dear {{{{ applicant }}}},\n\n{EN_LEAD}{en}\n\nCurrent status: {{{{ state }}}}."
        result[(event, "inbox")] = {
            "subject": f"{zh_title}：{{{{ item }}}}",
            "body": zh_letter,
            "subject_en": f"{en_title}: {{{{ item }}}}",
            "body_en": en_letter,
        }
        result[(event, "sms")] = {
            "subject": "",
            "body": f"【{{{{ signature }}}}】{{{{ applicant }}}}，{ZH_LEAD}{zh_sms or zh}"
            "详情请登录{{ site }}查看。",
            "subject_en": "",
            "body_en": f"[{{{{ signature }}}}] {EN_LEAD}{en_sms or en} "
            "Sign in to {{ site }} for details.",
        }
        result[(event, "email")] = {
            "subject": f"【{{{{ site }}}}】{zh_title}（办件编号 {{{{ number }}}}）",
            "body": zh_letter
            + "{% if link %}\n\n查看办件：{{ link }}{% endif %}"
            + "\n\n{{ site }}\n（本邮件由系统自动发送，请勿直接回复。）",
            "subject_en": f"[{{{{ site }}}}] {en_title} (case number {{{{ number }}}})",
            "body_en": en_letter
            + "{% if link %}\n\nView the case: {{ link }}{% endif %}"
            + "\n\n{{ site }}\n(This message was sent automatically; please do not reply.)",
        }
    return result


def install(apps, schema_editor=None):
    """Create every default template that does not exist yet; returns how many."""
    model = apps.get_model("notifications", "NotificationTemplate")
    existing = set(model.objects.values_list("event", "channel"))
    missing = [
        model(event=event, channel=channel, is_active=True, **fields)
        for (event, channel), fields in templates().items()
        if (event, channel) not in existing
    ]
    model.objects.bulk_create(missing)
    return len(missing)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
