"""Rendering notification templates.

Templates are Django template strings written by administrators. They are rendered by a
separate engine that can load no template files and no tag libraries, without
auto-escaping (the output is plain text: SMS, e-mail, inbox text escaped when shown), and
with a context of plain strings only, so a template cannot reach anything but the values
listed in `CONTEXT_NAMES`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from govhub.cases.models import Case, CaseEvent, SupplementRequest
from govhub.cases.workflow import Action, Decision, State
from govhub.core.masking import mask_name
from govhub.core.text import join_list, site_name
from govhub.notifications.models import Channel, NotificationTemplate

CONTEXT_NAMES = (
    "number",
    "item",
    "title",
    "state",
    "applicant",
    "deadline",
    "reason",
    "decision",
    "remedy",
    "materials",
    "link",
    "site",
    "signature",
)

ENGLISH = "en"
CHINESE = "zh-hans"

# The URL of a case's page for its applicant (one argument: the case number).
CASE_URL_NAME = "cases:detail"


@cache
def engine() -> Engine:
    """The sandboxed engine: no loaders (so no include/extends), no `{% load %}`able
    libraries, no auto-escaping, empty output for unknown variables."""
    return Engine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        libraries={},
        autoescape=False,
        debug=False,
        string_if_invalid="",
    )


def compile_template(text: str) -> Template:
    """The compiled template; `TemplateSyntaxError` for bad syntax or a forbidden tag."""
    template = engine().from_string(text)
    if template.nodelist.get_nodes_by_type(DebugNode):
        raise TemplateSyntaxError(_("通知模板中不能使用 debug 标签。"))
    return template


@lru_cache(maxsize=512)
def _compiled(text: str) -> Template:
    # Templates are edited rarely and rendered for every notification: each text is
    # compiled once per process (a changed text is a new key).
    return compile_template(text)


def render_text(text: str, context: Mapping[str, str]) -> str:
    if not text:
        return ""
    return _compiled(text).render(Context(dict(context), autoescape=False)).strip()


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(
    template: NotificationTemplate, context: Mapping[str, str], *, language: str
) -> Rendered:
    """The template's subject and body in `language` (Chinese when the English text is
    empty). The context must have been built for the same language."""
    subject, body = template.subject, template.body
    if language.startswith(ENGLISH) and template.body_en.strip():
        subject, body = template.subject_en or template.subject, template.body_en
    return Rendered(subject=render_text(subject, context)[:200], body=render_text(body, context))


# --- Context -------------------------------------------------------------------------------


def public_url(path: str) -> str:
    """An absolute URL for `path` when `GOVHUB_PUBLIC_URL` is set (SMS and e-mail leave
    the site); the path itself otherwise."""
    base = str(getattr(settings, "GOVHUB_PUBLIC_URL", "") or "").rstrip("/")
    if not path or not base or "://" in path:
        return path
    return base + path


def case_path(case: Case) -> str:
    """The path of the case's page for its applicant; the inbox when that page is not
    known (yet)."""
    if case.number:
        try:
            return reverse(CASE_URL_NAME, args=[case.number])
        except NoReverseMatch:
            pass
    try:
        return reverse("notifications:inbox")
    except NoReverseMatch:
        return ""


def sms_signature() -> str:
    """The signature at the start of every text message (as for verification codes)."""
    return getattr(settings, "GOVHUB_SMS_SIGNATURE", "") or _("鹤岗政务服务")


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _reason(case: Case, event: CaseEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    text = event.opinion or str(data.get("reason") or "")
    if text:
        return text
    if event.action in (Action.REJECT_INTAKE, Action.WITHDRAW, Action.TERMINATE):
        return case.outcome_reason
    if event.action == Action.DECIDE:
        return case.decision_reason
    if event.action == Action.REQUEST_SUPPLEMENT:
        supplement = _latest_supplement(case)
        return supplement.note if supplement is not None else ""
    return ""


def _latest_supplement(case: Case) -> SupplementRequest | None:
    return SupplementRequest.objects.filter(case=case).order_by("-requested_at", "-id").first()


def _materials(case: Case, event: CaseEvent) -> str:
    if event.action != Action.REQUEST_SUPPLEMENT:
        return ""
    supplement = _latest_supplement(case)
    if supplement is None or not isinstance(supplement.items, list):
        return ""
    names = [str(entry.get("name", "")) for entry in supplement.items if isinstance(entry, dict)]
    return join_list(name for name in names if name)


def build_context(
    case: Case, event: CaseEvent, *, channel: str, language: str, link: str = ""
) -> dict[str, str]:
    """The values a template may use, as strings in `language`. The applicant's name is
    masked in text messages."""
    with translation.override(language):
        version = case.version
        item = version.display_name if version is not None else ""
        state_value = event.to_state or case.state
        return {
            "number": case.number or "",
            "item": item or case.title,
            "title": case.title,
            "state": _label(State, state_value),
            "applicant": (
                mask_name(case.applicant_name) if channel == Channel.SMS else case.applicant_name
            ),
            "deadline": _date(case.promised_due),
            "reason": _reason(case, event),
            "decision": _label(Decision, case.decision) if case.decision else "",
            "remedy": case.remedy if event.action == Action.DECIDE else "",
            "materials": _materials(case, event),
            "link": public_url(link) if channel != Channel.INBOX else link,
            "site": site_name(),
            "signature": sms_signature(),
        }


def sample_context(*, channel: str, language: str) -> dict[str, str]:
    """Made-up values for the template preview in the admin."""
    with translation.override(language):
        english = language.startswith(ENGLISH)
        return {
            "number": "230402202603160001",
            "item": "Sample licence" if english else "示例事项许可",
            "title": "Sample licence" if english else "示例事项许可",
            "state": _label(State, State.UNDER_REVIEW),
            "applicant": mask_name("张三丰") if channel == Channel.SMS else "张三丰",
            "deadline": _date(datetime.date(2026, 3, 30)),
            "reason": "材料齐全，符合法定形式。",
            "decision": _label(Decision, Decision.APPROVED),
            "remedy": "可以自收到决定之日起六十日内申请行政复议。",
            "materials": join_list(["营业执照副本", "场地证明"]),
            "link": public_url("/account/cases/230402202603160001/"),
            "site": site_name(),
            "signature": sms_signature(),
        }
