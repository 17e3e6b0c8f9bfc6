"""The written notices of a case, as PDFs in the active language (ReportLab).

    acceptance_receipt(case, base_url=...)         受理通知书, or 收件回执 before acceptance
    non_acceptance_notice(case, base_url=...)      不予受理通知书
    supplement_notice(case, supplement, base_url=...)  补正材料通知书（一次性告知）
    decision_notice(case, base_url=...)            准予 / 不予（行政许可）决定书

Each carries the department as issuer, a document number made from the case number (the
same every time the notice is printed again), the date of the act it records (local date,
Asia/Shanghai), and on every page a QR code to the public status page
`{base_url}/cases/status/?number=<number>`, where anyone holding the notice can check it.
Applicants' ID numbers are masked. The layout is in `notices_support`.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.units import mm

from govhub.cases.models import Case, CaseEvent, CaseMaterial, SupplementRequest
from govhub.cases.notices_support import NoticeDocument, local_date_text
from govhub.cases.workflow import Action, Decision, State
from govhub.catalog.models import BaseItem
from govhub.catalog.selectors import time_limit_label
from govhub.core.errors import Conflict
from govhub.core.masking import mask_id_number
from govhub.core.text import site_name


def status_url(base_url: str, number: str) -> str:
    """The public status page of a case (the QR code on every notice)."""
    return f"{base_url.rstrip('/')}/cases/status/?{urlencode({'number': number})}"


def filename(case: Case, kind: str) -> str:
    """An ASCII file name, e.g. `acceptance-230400-20261127-000042.pdf`."""
    return f"{kind}-{case.number or case.pk}.pdf"


# --- What every notice says about the case --------------------


def _local_date(value: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(value) if value else None


def _document_number(kind: str, date: datetime.date | None, number: str) -> str:
    year = (date or timezone.localdate()).year
    # Translators: a document number (文号), e.g. 受〔2026〕230400-20261127-000042号.
    return _("%(kind)s〔%(year)s〕%(number)s号") % {"kind": kind, "year": year, "number": number}


def _addressee(case: Case) -> str:
    return case.enterprise_name or case.applicant_name


def _item_name(case: Case) -> str:
    return case.version.display_name if case.version_id else case.title


def _applicant_rows(case: Case) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    if case.enterprise_name or case.enterprise_uscc:
        rows.append((_("申请单位"), case.enterprise_name))
        rows.append((_("统一社会信用代码"), case.enterprise_uscc or "—"))
        if case.applicant_name:
            rows.append((_("经办人"), case.applicant_name))
    else:
        rows.append((_("申请人"), case.applicant_name))
    if case.applicant_id_number:
        rows.append((_("身份证件号码"), mask_id_number(case.applicant_id_number)))
    return rows


def _case_rows(case: Case) -> list[tuple[str, Any]]:
    return [
        (_("办件编号"), case.number or "—"),
        (_("申请事项"), _item_name(case)),
        *_applicant_rows(case),
    ]


def _where(case: Case) -> str:
    """Where the case was taken in: hall and window, or the service point."""
    if case.window_id:
        window = case.window
        assert window is not None
        return _("%(hall)s %(number)s号窗口（%(window)s）") % {
            "hall": window.hall.display_name,
            "number": window.number,
            "window": window.display_name,
        }
    if case.service_point_id:
        assert case.service_point is not None
        return case.service_point.display_name
    return ""


def _due_text(case: Case, due: datetime.date | None, value: int | None, unit: str) -> str:
    limit = time_limit_label(value, unit)
    if due is not None:
        return (
            _("%(date)s前（%(limit)s）") % {"date": local_date_text(due), "limit": limit}
            if limit
            else local_date_text(due)
        )
    if not limit:
        return _("未规定")
    if case.accepted_on is None:
        return _("%(limit)s，自受理之日起计算") % {"limit": limit}
    return limit


def _last_event(case: Case, action: str) -> CaseEvent | None:
    return case.events.filter(action=action).order_by("-occurred_at", "-id").first()


def _staff_name(user: Any) -> str:
    if user is None or getattr(user, "kind", "") != "staff":
        return ""
    return str(getattr(user, "full_name", "") or user.get_username())


def _clerk(case: Case, action: str) -> str:
    event = _last_event(case, action)
    if event is not None and event.actor_id and event.actor is not None:
        return _staff_name(event.actor) or event.actor_label
    return ""


def _handled_by(role: str, name: str) -> str:
    return _labelled(role, name) if name else ""


def _remedy_rows(case: Case) -> list[tuple[str, Any]]:
    version = case.version
    return [
        (
            _("行政复议"),
            version.reconsideration or _("可以自知道该行政行为之日起六十日内，依法申请行政复议。"),
        ),
        (
            _("行政诉讼"),
            version.litigation
            or _("可以自知道或者应当知道作出行政行为之日起六个月内，依法向人民法院提起行政诉讼。"),
        ),
    ]


def _column_number() -> str:
    # Translators: the heading of a narrow table column of row numbers; keep it short
    # ("No.").
    return pgettext("table column", "序号")


def _labelled(label: str, text: str) -> str:
    return _("%(label)s：%(text)s") % {"label": label, "text": text}


def _document(
    case: Case,
    *,
    base_url: str,
    title: str,
    kind: str,
    date: datetime.date | None,
    verify_text: str,
    subtitle: str = "",
    number_suffix: str = "",
) -> NoticeDocument:
    number = case.number or str(case.pk)
    return NoticeDocument(
        issuer=case.department.display_name,
        title=title,
        subtitle=subtitle,
        document_number=_document_number(kind, date, number + number_suffix),
        date=date,
        verify_url=status_url(base_url, number),
        verify_text=verify_text,
        case_number=number,
    )


def _check_query_note(doc: NoticeDocument) -> None:
    doc.paragraph(
        _(
            "扫描页面下方的二维码，或登录%(site)s，凭办件编号和申请人身份证件号码后六位"
            "可以查询办理进度，核验本文书的真实性。"
        )
        % {"site": site_name()},
        "small",
        space_before=4,
    )


# --- 受理通知书 / 收件回执 --------------------


def _source_label(material: CaseMaterial) -> str:
    if material.source == CaseMaterial.Source.UPLOAD:
        return _("已上传电子文件")
    if material.source == CaseMaterial.Source.GOVERNMENT:
        return _("政府部门已有，从源头调取，免于提交")
    if material.source == CaseMaterial.Source.PAPER:
        return _("纸质材料已当场核验")
    return str(material.get_source_display())


def _materials_table(doc: NoticeDocument, case: Case) -> None:
    materials = sorted(
        case.materials.filter(is_current=True).select_related("material"),
        # The catalogue's materials in its order, then any others as they came.
        key=lambda m: (m.material is None, m.material.position if m.material else 0, m.pk),
    )
    doc.heading(_("已收取的材料"))
    if not materials:
        doc.paragraph(_("本申请未提交材料。"), "body")
        return
    rows: list[list[Any]] = [[_column_number(), _("材料名称"), _("提交方式"), _("说明")]]
    for index, material in enumerate(materials, start=1):
        if material.source == CaseMaterial.Source.UPLOAD:
            note = material.original_name
        elif material.source == CaseMaterial.Source.GOVERNMENT:
            note = material.source_reference
        else:
            note = ""
        rows.append(
            [
                str(index),
                material.material.display_name if material.material else material.name,
                _source_label(material),
                note or "—",
            ]
        )
    doc.table(rows, [12 * mm, 62 * mm, 50 * mm, 0])


def acceptance_receipt(case: Case, *, base_url: str) -> bytes:
    """受理通知书 for an accepted case; 收件回执 (receipt of application, without an
    acceptance date) for one submitted but not yet accepted, which the window prints right
    after intake."""
    if case.state == State.DRAFT or case.submitted_at is None:
        raise Conflict(_("办件尚未提交，不能出具回执。"), code="invalid_state")
    accepted = case.accepted_on is not None
    received_on = _local_date(case.submitted_at)
    if accepted:
        doc = _document(
            case,
            base_url=base_url,
            title=_("受理通知书"),
            kind=pgettext("document number", "受"),
            date=case.accepted_on,
            verify_text=_("本通知书可扫描二维码核验"),
        )
    else:
        doc = _document(
            case,
            base_url=base_url,
            title=_("收件回执"),
            kind=pgettext("document number", "收"),
            date=received_on,
            verify_text=_("本回执可扫描二维码核验"),
        )
    values = {"date": local_date_text(received_on), "item": _item_name(case)}
    doc.addressee(_addressee(case))
    if accepted:
        doc.paragraph(
            _(
                "你（单位）于%(date)s提交的“%(item)s”申请，申请材料齐全、符合法定形式，"
                "本机关决定予以受理。本机关将在下列期限内办结并告知结果。"
            )
            % values
        )
    else:
        doc.paragraph(
            _(
                "你（单位）于%(date)s提交的“%(item)s”申请及下列材料已收到。本机关将依法审查并"
                "决定是否受理；材料不齐全或者不符合法定形式的，将一次性告知需要补正的全部内容。"
            )
            % values
        )
    rows = _case_rows(case)
    rows.append((_("申请渠道"), case.get_channel_display()))
    where = _where(case)
    if where:
        rows.append((_("受理窗口") if case.window_id else _("服务点"), where))
    rows.append((_("收件日期"), local_date_text(received_on)))
    if accepted:
        rows.append((_("受理日期"), local_date_text(case.accepted_on)))
    rows += [
        (
            _("承诺办结时限"),
            _due_text(case, case.promised_due, case.promised_limit_value, case.promised_limit_unit),
        ),
        (
            _("法定办结时限"),
            _due_text(case, case.legal_due, case.legal_limit_value, case.legal_limit_unit),
        ),
    ]
    doc.facts(rows)
    _materials_table(doc, case)
    if accepted:
        doc.paragraph(
            _("需要补正材料或者进行听证、检验检测、专家评审等特别程序的，所需时间不计入办理时限。"),
            "small",
            space_before=6,
        )
    else:
        doc.paragraph(_("本回执仅证明已收到申请材料，不是受理通知书。"), "small", space_before=6)
    _check_query_note(doc)
    if accepted:
        doc.signature(handled_by=_handled_by(_("受理人"), _clerk(case, Action.ACCEPT)))
    else:
        doc.signature(handled_by=_handled_by(_("收件人"), _staff_name(case.submitted_by)))
    return doc.build()


# --- 不予受理通知书 --------------------


def non_acceptance_notice(case: Case, *, base_url: str) -> bytes:
    """不予受理通知书: the reason, the legal notice given, and the remedies."""
    event = _last_event(case, Action.REJECT_INTAKE)
    if case.state != State.NOT_ACCEPTED and event is None:
        raise Conflict(_("办件未被决定不予受理，不能出具不予受理通知书。"), code="invalid_state")
    date = _local_date(event.occurred_at if event else case.completed_at or case.updated_at)
    doc = _document(
        case,
        base_url=base_url,
        title=_("不予受理通知书"),
        kind=pgettext("document number", "不受"),
        date=date,
        verify_text=_("本通知书可扫描二维码核验"),
    )
    doc.addressee(_addressee(case))
    doc.paragraph(
        _("你（单位）于%(date)s提交的“%(item)s”申请，经审查，本机关决定不予受理。")
        % {"date": local_date_text(_local_date(case.submitted_at)), "item": _item_name(case)}
    )
    rows = _case_rows(case)
    rows.append((_("收件日期"), local_date_text(_local_date(case.submitted_at))))
    doc.facts(rows)
    doc.heading(_("不予受理的理由"))
    doc.paragraph(case.outcome_reason or _("未说明。"))
    data = event.data if event is not None and isinstance(event.data, dict) else {}
    legal_notice = str(data.get("legal_notice") or "").strip()
    if legal_notice:
        doc.heading(_("告知事项"))
        doc.paragraph(legal_notice)
    # The legal notice often quotes the item's remedies already (the staff form starts
    # from them): say each only once.
    remedies = [(label, text) for label, text in _remedy_rows(case) if text not in legal_notice]
    if remedies:
        doc.boxed(
            _("救济途径"),
            [
                _("如对本决定不服，可以依法申请行政复议或者提起行政诉讼："),
                *(_labelled(label, text) for label, text in remedies),
            ],
        )
    _check_query_note(doc)
    doc.signature(handled_by=_handled_by(_("承办人"), _clerk(case, Action.REJECT_INTAKE)))
    return doc.build()


# --- 补正材料通知书 --------------------


def supplement_notice(case: Case, supplement: SupplementRequest, *, base_url: str) -> bytes:
    """补正材料通知书（一次性告知）: every item to supplement with its reason, how to
    resubmit, and that the clock stands still meanwhile."""
    if supplement.case_id != case.pk:
        raise Conflict(_("补正告知不属于该办件。"), code="invalid_state")
    rounds = list(case.supplements.order_by("requested_at", "id").values_list("id", flat=True))
    round_number = rounds.index(supplement.pk) + 1 if supplement.pk in rounds else 1
    date = _local_date(supplement.requested_at)
    doc = _document(
        case,
        base_url=base_url,
        title=_("补正材料通知书"),
        subtitle=_("（一次性告知）"),
        kind=pgettext("document number", "补"),
        date=date,
        verify_text=_("本通知书可扫描二维码核验"),
        number_suffix=f"-{round_number}" if round_number > 1 else "",
    )
    doc.addressee(_addressee(case))
    doc.paragraph(
        _(
            "你（单位）于%(date)s提交的“%(item)s”申请，申请材料不齐全或者不符合法定形式。"
            "现将需要补正的全部内容一次性告知如下："
        )
        % {"date": local_date_text(_local_date(case.submitted_at)), "item": _item_name(case)}
    )
    doc.facts(_case_rows(case))
    doc.heading(_("需要补正的材料"))
    rows: list[list[Any]] = [[_column_number(), _("材料名称"), _("补正原因及要求")]]
    for index, item in enumerate(supplement.items or [], start=1):
        rows.append([str(index), str(item.get("name", "")), str(item.get("reason", "")) or "—"])
    doc.table(rows, [12 * mm, 58 * mm, 0])
    if supplement.note:
        doc.heading(_("其他说明"))
        doc.paragraph(supplement.note)
    version = case.version
    where = _where(case) or version.address or case.department.address
    window_line = _("到窗口补正：携带上述材料到%(place)s提交。") % {"place": where} if where else ""
    if window_line and version.office_hours:
        window_line += _("办理时间：%(hours)s。") % {"hours": version.office_hours}
    doc.boxed(
        _("如何补正"),
        [
            _(
                "网上补正：登录%(site)s，在“我的办件”中找到办件编号为%(number)s的办件，"
                "按上述要求上传补正材料后提交。"
            )
            % {"site": site_name(), "number": case.number or case.pk},
            window_line,
            _(
                "补正期间暂停计时：自本通知书发出之日起至收到全部补正材料之日止的时间，"
                "不计入办理时限。补正材料齐全、符合法定形式后，本机关继续办理。"
            ),
        ],
    )
    _check_query_note(doc)
    doc.signature(handled_by=_handled_by(_("承办人"), _staff_name(supplement.requested_by)))
    return doc.build()


# --- 决定书 --------------------


def decision_notice(case: Case, *, base_url: str) -> bytes:
    """准予 / 不予（行政许可）决定书: the decision and its reasons; for an approval the
    result to be issued, for a refusal the remedies."""
    if case.decision not in (Decision.APPROVED, Decision.REFUSED):
        raise Conflict(_("办件尚未作出决定，不能出具决定书。"), code="invalid_state")
    approved = case.decision == Decision.APPROVED
    licensing = case.item.base_item.item_type == BaseItem.ItemType.LICENSING
    if licensing:
        title = _("准予行政许可决定书") if approved else _("不予行政许可决定书")
    else:
        title = _("准予办理决定书") if approved else _("不予办理决定书")
    date = _local_date(case.decided_at)
    doc = _document(
        case,
        base_url=base_url,
        title=title,
        kind=pgettext("document number", "准") if approved else pgettext("document number", "不准"),
        date=date,
        verify_text=_("本决定书可扫描二维码核验"),
    )
    values = {
        "date": local_date_text(_local_date(case.submitted_at)),
        "accepted": local_date_text(case.accepted_on),
        "item": _item_name(case),
    }
    doc.addressee(_addressee(case))
    if approved:
        text = (
            _(
                "你（单位）于%(date)s提出的“%(item)s”申请，本机关已于%(accepted)s受理。"
                "经审查，该申请符合法定条件、标准，本机关决定准予行政许可。"
            )
            if licensing
            else _(
                "你（单位）于%(date)s提出的“%(item)s”申请，本机关已于%(accepted)s受理。"
                "经审查，该申请符合规定的条件，本机关决定准予办理。"
            )
        )
    else:
        text = (
            _(
                "你（单位）于%(date)s提出的“%(item)s”申请，本机关已于%(accepted)s受理。"
                "经审查，该申请不符合法定条件、标准，本机关决定不予行政许可。"
            )
            if licensing
            else _(
                "你（单位）于%(date)s提出的“%(item)s”申请，本机关已于%(accepted)s受理。"
                "经审查，该申请不符合规定的条件，本机关决定不予办理。"
            )
        )
    doc.paragraph(text % values)
    rows = _case_rows(case)
    rows += [
        (_("受理日期"), local_date_text(case.accepted_on)),
        (_("决定日期"), local_date_text(date)),
    ]
    if approved:
        rows.append((_("办理结果"), case.version.result_name or _("见本决定书")))
        if case.delivery_method:
            rows.append((_("送达方式"), case.get_delivery_method_display()))
    doc.facts(rows)
    if case.decision_reason:
        doc.heading(
            _("审查意见") if approved else _("不予许可的理由") if licensing else _("不予办理的理由")
        )
        doc.paragraph(case.decision_reason)
    if approved:
        result = case.version.result_name
        if result:
            doc.paragraph(
                _("本机关将依法向你（单位）颁发“%(result)s”，请按选择的送达方式领取或者查收。")
                % {"result": result}
            )
    else:
        lines = [_("如对本决定不服，可以依法申请行政复议或者提起行政诉讼：")]
        if case.remedy:
            lines.append(case.remedy)
        else:
            lines += [_labelled(label, text) for label, text in _remedy_rows(case)]
        doc.boxed(_("救济途径"), lines)
    _check_query_note(doc)
    doc.signature()
    return doc.build()


__all__ = [
    "acceptance_receipt",
    "decision_notice",
    "filename",
    "non_acceptance_notice",
    "status_url",
    "supplement_notice",
]
