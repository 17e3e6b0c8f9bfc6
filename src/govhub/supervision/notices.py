"""The supervision notice (监察建议书) as a PDF, in the active language, rendered on demand.

It uses the case notices' layout (`cases.notices_support.NoticeDocument`: fonts, heading,
facts table, signature block, and a footer with a QR code on every page); the QR code
leads to the public status page of the case concerned, where the department and anyone
holding the notice can follow what happened to it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.cases.notices import status_url
from govhub.cases.notices_support import NoticeDocument, local_date_text
from govhub.supervision.models import Level, SupervisionNotice
from govhub.supervision.rules import registry


def filename(notice: SupervisionNotice) -> str:
    """An ASCII file name, e.g. `supervision-notice-230400-JC-2026-000012.pdf`."""
    return f"supervision-notice-{notice.number}.pdf"


def _rule_name(code: str) -> str:
    definition = registry().get(code)
    return str(definition.name) if definition is not None else code


def _facts(notice: SupervisionNotice) -> list[tuple[str, Any]]:
    alert = notice.alert
    case = alert.case
    rows: list[tuple[str, Any]] = [
        (_("办件编号"), case.number or "—"),
        (_("办件名称"), case.title),
        (_("监察规则"), _rule_name(alert.rule.code)),
        (_("预警等级"), Level(alert.level).label),
        (_("预警时间"), local_date_text(timezone.localdate(alert.raised_at))),
    ]
    if alert.step is not None:
        rows.append((_("办理环节"), alert.step.name))
    due = (alert.detail or {}).get("due")
    if due:
        try:
            rows.append((_("到期日期"), local_date_text(datetime.date.fromisoformat(due[:10]))))
        except ValueError:
            rows.append((_("到期日期"), due))
    if alert.explanation:
        rows.append((_("部门情况说明"), alert.explanation))
    return rows


def supervision_notice_pdf(notice: SupervisionNotice, *, base_url: str) -> bytes:
    """The notice as a PDF. `notice` should come with its alert, case, step and
    department (`selectors.notice_for` reads them in one query)."""
    alert = notice.alert
    case = alert.case
    issued_on = timezone.localdate(notice.issued_at)
    document = NoticeDocument(
        issuer=notice.issuer,
        title=_("监察建议书"),
        document_number=_("编号：%(number)s") % {"number": notice.number},
        date=issued_on,
        verify_url=status_url(base_url, case.number or ""),
        verify_text=_("扫码查询所涉办件的办理进度"),
        case_number=case.number or "",
    )
    document.addressee(notice.department.display_name)
    document.paragraph(
        _("经电子监察系统监测，你单位办理的下列办件存在问题，现提出监察意见和建议如下。")
    )
    document.facts(_facts(notice))
    document.heading(_("监察意见和建议"))
    for line in notice.text.splitlines():
        document.paragraph(line.strip())
    if notice.reply_by is not None:
        document.boxed(
            _("书面回复"),
            [
                _("请于%(date)s前将整改落实情况书面回复。")
                % {"date": local_date_text(notice.reply_by)}
            ],
        )
    issued_by = notice.issued_by
    document.signature(
        handled_by=_("签发人：%(name)s")
        % {"name": getattr(issued_by, "full_name", "") or issued_by.get_username()}
    )
    return document.build()
