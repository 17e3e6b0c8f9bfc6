"""The printable guide (办事指南 PDF), made with ReportLab.

Chinese text uses ReportLab's built-in CID font STSong-Light (the PDF viewer supplies the
glyphs; nothing is embedded or shipped). Text that is plain Latin (English labels and
English names) uses Helvetica. A QR code (segno), drawn as vector squares and linked,
leads to the online guide.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from govhub.core.text import join_list, site_name

from . import selectors
from .models import BaseItem, ImplementationItem
from .pdf_support import (
    ACCENT,
    BORDER,
    BRAND,
    MUTED,
    PAGE_MARGIN,
    QR_SIZE,
    SURFACE,
    QRCode,
    Styles,
    draw_mixed,
    is_latin,
    markup,
    register_fonts,
)


def filename(guide: selectors.Guide) -> str:
    """An ASCII file name: guide-<implementation code>.pdf."""
    code = re.sub(r"[^0-9A-Z]", "", guide.item.implementation_code)
    return f"guide-{code}.pdf"


class _Builder:
    def __init__(self, guide: selectors.Guide, url: str) -> None:
        self.guide = guide
        self.version = guide.version
        self.url = url
        self.styles = Styles()
        self.story: list[Flowable] = []
        self.english = (translation.get_language() or "").startswith("en")

    # --- Small pieces ---------------------------------------------------------------------

    def p(self, text: Any, style: str = "body") -> Paragraph:
        value = str(text)
        if is_latin(value):
            return Paragraph(escape(value).replace("\n", "<br/>"), self.styles.get(style, value))
        bold = style in ("title", "h2", "head")
        return Paragraph(markup(value, bold=bold), self.styles.get(style, value))

    def h2(self, text: str) -> None:
        self.story.append(self.p(text, "h2"))

    def table(self, rows: list[list[Any]], widths: list[float], *, header: bool = True) -> Table:
        cells = [
            [
                self.p(cell, "head" if header and index == 0 else "cell")
                if not isinstance(cell, Flowable)
                else cell
                for cell in row
            ]
            for index, row in enumerate(rows)
        ]
        table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.5, BORDER),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        if header:
            commands.append(("BACKGROUND", (0, 0), (-1, 0), BRAND))
        table.setStyle(TableStyle(commands))
        return table

    def facts(self, rows: list[tuple[str, Any]]) -> Table:
        width = A4[0] - 2 * PAGE_MARGIN
        cells = [[self.p(label, "label"), self.p(value, "cell")] for label, value in rows]
        table = Table(cells, colWidths=[32 * mm, width - 32 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), SURFACE),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, BORDER),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return table

    @property
    def content_width(self) -> float:
        return A4[0] - 2 * PAGE_MARGIN

    # --- Sections ----------------------------------------------------------------------------

    def header(self) -> None:
        item, version = self.guide.item, self.version
        published = version.published_at
        date = timezone.localtime(published).date().isoformat() if published else "—"
        left: list[Flowable] = [
            self.p(_("办事指南"), "kicker"),
            self.p(version.display_name, "title"),
        ]
        if self.english and version.name_en and version.name_en != version.name:
            left.append(self.p(version.name, "body"))
        left += [
            self.p(
                _("实施部门：%(department)s（%(region)s）")
                % {
                    "department": item.department.display_name,
                    "region": item.region.display_name,
                },
                "small",
            ),
            self.p(_("实施编码：%(code)s") % {"code": item.implementation_code}, "small"),
            self.p(
                _("第 %(number)s 版，发布于 %(date)s") % {"number": version.number, "date": date},
                "small",
            ),
        ]
        right = [QRCode(self.url), Spacer(1, 2), self.p(_("扫码查看最新指南"), "qr")]
        table = Table(
            [[left, right]], colWidths=[self.content_width - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm]
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("LINEBELOW", (0, 0), (-1, 0), 1.2, BRAND),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        self.story.append(table)

    def notice(self) -> None:
        item = self.guide.item
        if item.state == ImplementationItem.State.ACTIVE:
            return
        date = item.change_effective_date.isoformat() if item.change_effective_date else ""
        if item.state == ImplementationItem.State.CANCELLED:
            title = _("本事项已取消")
            text = _("自 %(date)s 起，本事项不再办理。") % {"date": date} if date else ""
        else:
            title = _("本事项已下放")
            text = _("自 %(date)s 起，本事项由下级部门办理。") % {"date": date} if date else ""
            if item.handed_down_to is not None:
                text += _("本事项已下放至%(region)s。") % {
                    "region": item.handed_down_to.display_name
                }
        parts = [self.p(title, "h2"), self.p(text, "notice")]
        if item.change_reason:
            parts.append(self.p(_("调整原因：") + item.change_reason, "notice"))
        box = Table([[parts]], colWidths=[self.content_width])
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.5, ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        self.story += [Spacer(1, 6), box]

    def summary(self) -> None:
        v = self.version
        text = v.summary_en if self.english and v.summary_en else v.summary
        if text:
            self.story += [Spacer(1, 6), self.p(text, "body")]

    def glance(self) -> None:
        v = self.version
        promised = selectors.time_limit_label(v.promised_limit_value, v.promised_limit_unit)
        legal = selectors.time_limit_label(v.legal_limit_value, v.legal_limit_unit)
        depths = [selectors.online_depth_label(d) for d in sorted(v.online_depth or [])]
        visits = (
            _("零跑动")
            if v.visits_required == 0
            else ngettext("%(n)s 次", "%(n)s 次", v.visits_required) % {"n": v.visits_required}
            + (f"（{v.visits_reason}）" if v.visits_reason else "")
        )
        rows: list[tuple[str, Any]] = [
            (_("事项类型"), self.guide.item.base_item.get_item_type_display()),
            (_("服务对象"), v.get_audience_display()),
            (_("办件类型"), v.get_case_kind_display()),
            (_("承诺办结时限"), promised or _("暂未公布")),
            (_("法定办结时限"), legal or _("暂未公布")),
            (_("到现场次数"), visits),
            (_("是否收费"), _("收费") if v.charged else _("不收费")),
            (
                _("办理形式"),
                join_list(selectors.handling_form_label(f) for f in v.handling_forms or [])
                or _("暂未公布"),
            ),
            (_("网上办理深度"), join_list(depths) or _("不支持网上办理")),
        ]
        if self.guide.fully_online:
            rows.append((_("全程网办"), _("本事项可全程网上办理，无需到现场。")))
        rows += [
            (_("预约办理"), _("支持") if v.booking_available else _("不支持")),
            (_("物流快递"), _("支持") if v.express_delivery else _("不支持")),
            (_("通办范围"), v.get_cross_region_display()),
        ]
        if v.quantity_limit:
            rows.append((_("数量限制"), v.quantity_limit))
        self.h2(_("办理须知"))
        self.story.append(self.facts(rows))

    def conditions(self) -> None:
        self.h2(_("受理条件"))
        if not self.version.conditions:
            self.story.append(self.p(_("本事项没有特别的受理条件。")))
        for index, condition in enumerate(self.version.conditions or [], start=1):
            self.story.append(self.p(f"{index}. {condition}"))

    def materials(self) -> None:
        self.h2(_("申请材料"))
        materials = self.guide.materials
        if not materials:
            self.story.append(self.p(_("本事项无需提交申请材料。")))
            return
        rows: list[list[Any]] = [
            [_("序号"), _("材料名称"), _("材料要求"), _("份数"), _("受理标准")]
        ]
        for index, m in enumerate(materials, start=1):
            required = _("必需") if m.required else _("非必需")
            if m.required_note:
                required += f"（{m.required_note}）"
            source = str(m.get_source_display())
            if m.licence_type:
                source += f"（{m.licence_type}）"
            rows.append(
                [
                    str(index),
                    m.display_name,
                    f"{m.get_kind_display()}，{m.get_form_display()}\n{required}\n{source}",
                    str(m.copies),
                    m.acceptance_criteria or "—",
                ]
            )
        w = self.content_width
        self.story.append(self.table(rows, [10 * mm, 42 * mm, 44 * mm, 12 * mm, w - 108 * mm]))

    def steps(self) -> None:
        self.h2(_("办理流程"))
        steps = self.version.steps or []
        if not steps:
            self.story.append(self.p(_("暂未公布办理流程，请咨询办理部门。")))
        else:
            rows: list[list[Any]] = [[_("环节"), _("办理人员"), _("时限"), _("说明")]]
            for index, step in enumerate(steps, start=1):
                handler = " / ".join(x for x in (step.get("role"), step.get("handler")) if x)
                rows.append(
                    [
                        f"{index}. {step.get('name', '')}",
                        handler,
                        selectors.time_limit_label(
                            step.get("limit_value"), step.get("limit_unit", "")
                        )
                        or "—",
                        step.get("description") or "—",
                    ]
                )
            w = self.content_width
            self.story.append(self.table(rows, [30 * mm, 38 * mm, 24 * mm, w - 92 * mm]))
        procedures = self.version.special_procedures or []
        if procedures:
            label = self.p(_("特别程序（所需时间不计入办结时限）"), "label")
            rows = [[_("程序名称"), _("种类"), _("时限"), _("说明")]]
            for procedure in procedures:
                rows.append(
                    [
                        procedure.get("name", ""),
                        selectors.special_procedure_kind_label(procedure.get("kind", "")),
                        selectors.time_limit_label(
                            procedure.get("limit_value"), procedure.get("limit_unit", "")
                        )
                        or "—",
                        procedure.get("note") or "—",
                    ]
                )
            w = self.content_width
            table = self.table(rows, [40 * mm, 28 * mm, 24 * mm, w - 92 * mm])
            self.story.append(KeepTogether([Spacer(1, 4), label, table]))

    def fees(self) -> None:
        v = self.version
        self.h2(_("收费标准"))
        if not v.charged:
            self.story.append(self.p(_("本事项不收取任何费用。")))
            return
        if v.fee_lines:
            rows: list[list[Any]] = [[_("收费项目"), _("收费标准"), _("收费依据"), _("减免政策")]]
            for line in v.fee_lines:
                rows.append(
                    [
                        line.get("name", ""),
                        line.get("standard", ""),
                        line.get("basis") or "—",
                        line.get("reductions") or "—",
                    ]
                )
            w = self.content_width
            self.story.append(self.table(rows, [36 * mm, 36 * mm, w - 112 * mm, 40 * mm]))
        facts: list[tuple[str, Any]] = []
        if v.fee_basis:
            facts.append((_("收费依据"), v.fee_basis))
        facts.append((_("网上支付"), _("支持网上缴费") if v.online_payment else _("请到窗口缴费")))
        self.story += [Spacer(1, 4), self.facts(facts)]

    def where_and_result(self) -> None:
        v = self.version
        unknown = _("暂未公布")
        self.h2(_("办理地点和时间"))
        self.story.append(
            self.facts(
                [
                    (_("办理地点"), v.address or unknown),
                    (_("办理时间"), v.office_hours or unknown),
                    (_("咨询电话"), v.consultation_phone or unknown),
                    (_("监督投诉电话"), v.complaint_phone or "12345"),
                ]
            )
        )
        self.h2(_("办理结果"))
        rows: list[tuple[str, Any]] = [(_("结果名称"), v.result_name or unknown)]
        if v.result_type:
            rows.append((_("结果类型"), v.get_result_type_display()))
        rows.append(
            (
                _("结果送达"),
                _("可选择窗口领取或免费邮寄") if v.express_delivery else _("窗口领取"),
            )
        )
        self.story.append(self.facts(rows))

    def intermediaries_and_departments(self) -> None:
        v = self.version
        if v.intermediary_services:
            self.h2(_("中介服务"))
            rows: list[list[Any]] = [[_("中介服务"), _("服务机构"), _("设定依据"), _("收费")]]
            for s in v.intermediary_services:
                rows.append(
                    [
                        s.get("name", ""),
                        "\n".join(s.get("providers") or []) or "—",
                        s.get("basis") or "—",
                        s.get("fee") or "—",
                    ]
                )
            w = self.content_width
            self.story.append(self.table(rows, [40 * mm, 50 * mm, w - 120 * mm, 30 * mm]))
        facts: list[tuple[str, Any]] = []
        if v.entrusted_department:
            facts.append((_("受委托部门"), v.entrusted_department))
        if self.guide.joint_departments:
            facts.append(
                (_("联办部门"), join_list(d.display_name for d in self.guide.joint_departments))
            )
        if self.guide.variants:
            facts.append((_("业务办理项"), "\n".join(x.display_name for x in self.guide.variants)))
        if facts:
            self.h2(_("实施和联办部门"))
            self.story.append(self.facts(facts))

    def basis_and_remedies(self) -> None:
        base: BaseItem = self.guide.item.base_item
        v = self.version
        self.h2(_("设定依据"))
        if not base.legal_basis:
            self.story.append(self.p(_("暂未公布设定依据。")))
        for basis in base.legal_basis or []:
            self.story.append(self.p(selectors.legal_basis_title(basis)))
            if basis.get("text"):
                self.story.append(self.p(basis["text"], "small"))
        facts: list[tuple[str, Any]] = []
        if v.source_of_power:
            facts.append((_("权力来源"), v.source_of_power))
        levels = [
            str(BaseItem.Level(level).label)
            for level in base.levels or []
            if level in BaseItem.Level.values
        ]
        if levels:
            facts.append((_("行使层级"), join_list(levels)))
        facts.append((_("基本编码"), base.base_code))
        self.story += [Spacer(1, 4), self.facts(facts)]
        self.h2(_("行政复议和行政诉讼"))
        unknown = _("暂未公布")
        self.story.append(
            self.facts(
                [
                    (_("行政复议"), v.reconsideration or unknown),
                    (_("行政诉讼"), v.litigation or unknown),
                ]
            )
        )

    def faqs(self) -> None:
        if not self.version.faqs:
            return
        self.h2(_("常见问题"))
        for faq in self.version.faqs:
            self.story.append(
                KeepTogether(
                    [
                        self.p(_("问：") + faq.get("question", ""), "body"),
                        self.p(_("答：") + faq.get("answer", ""), "body"),
                        Spacer(1, 4),
                    ]
                )
            )

    def build(self) -> bytes:
        register_fonts()
        self.header()
        self.notice()
        self.summary()
        self.glance()
        self.conditions()
        self.materials()
        self.steps()
        self.fees()
        self.where_and_result()
        self.intermediaries_and_departments()
        self.basis_and_remedies()
        self.faqs()
        buffer = BytesIO()
        generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        footer_site = site_name()
        footer_text = _("%(site)s | 生成于 %(time)s | 以网上最新版本为准") % {
            "site": footer_site,
            "time": generated,
        }

        def on_page(canvas: Canvas, doc: Any) -> None:
            canvas.saveState()
            canvas.setFillColor(MUTED)
            draw_mixed(canvas, PAGE_MARGIN, 10 * mm, footer_text, 7.5)
            page = _("第 %(page)s 页") % {"page": doc.page}
            draw_mixed(canvas, A4[0] - PAGE_MARGIN, 10 * mm, page, 7.5, right=True)
            canvas.restoreState()

        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=PAGE_MARGIN,
            rightMargin=PAGE_MARGIN,
            topMargin=PAGE_MARGIN,
            bottomMargin=PAGE_MARGIN,
            title=f"{self.version.display_name} · {_('办事指南')}",
            author=footer_site,
            subject=self.guide.item.implementation_code,
            lang="en" if self.english else "zh-CN",
            creator="govhub",
        )
        doc.build(self.story, onFirstPage=on_page, onLaterPages=on_page)
        return buffer.getvalue()


def guide_pdf(guide: selectors.Guide, *, url: str) -> bytes:
    """The guide as a PDF in the active language, with a QR code linking to `url`."""
    return _Builder(guide, url).build()


__all__ = ["QRCode", "filename", "guide_pdf"]
