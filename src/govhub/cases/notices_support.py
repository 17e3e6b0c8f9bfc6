"""The layout every case notice shares (`cases.notices`): the issuing department's heading,
the title and document number, facts and tables, the signature block, and on every page a
footer with the verification QR code and "page n of m".

Typography (fonts, mixed Chinese/Latin runs, the vector QR code) is the catalogue's, from
`catalog.pdf_support`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
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
from reportlab.platypus import paragraph as reportlab_paragraph

from govhub.catalog.pdf_support import (
    ACCENT,
    BORDER,
    BRAND,
    LATIN_BOLD,
    LATIN_FONT,
    MUTED,
    PAGE_MARGIN,
    SURFACE,
    TEXT,
    QRCode,
    Styles,
    draw_mixed,
    is_latin,
    markup,
    register_fonts,
)

# Chinese punctuation that may not start a line (禁则). ReportLab's list has the ASCII
# comma and 、。but not the full-width comma, colon, semicolon, marks and closing quotes,
# so "，" could begin a line; with them added, such a mark hangs at the end of the line
# before. (Process-wide and idempotent: the catalogue's guide PDF benefits as well.)
_CANNOT_START = "，；：！？”’》」』〉】〕）"
if not set(_CANNOT_START) <= set(reportlab_paragraph.ALL_CANNOT_START):
    reportlab_paragraph.ALL_CANNOT_START += _CANNOT_START

FOOTER_QR = 21 * mm
FOOTER_HEIGHT = FOOTER_QR + 4 * mm
CONTENT_WIDTH = A4[0] - 2 * PAGE_MARGIN


def local_date_text(value: datetime.date | None) -> str:
    """A date as the reader's language writes it (2026年11月27日 / Nov. 27, 2026)."""
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


class NoticeStyles(Styles):
    """The catalogue's paragraph styles, and the official-document heading's."""

    BOLD = frozenset({"title", "h2", "head", "doc_title"})

    def __init__(self) -> None:
        super().__init__()
        self.base.update(
            {
                "issuer": {
                    "fontSize": 19,
                    "leading": 26,
                    "textColor": ACCENT,
                    "alignment": TA_CENTER,
                },
                "doc_title": {
                    "fontSize": 18,
                    "leading": 25,
                    "textColor": TEXT,
                    "alignment": TA_CENTER,
                    "spaceBefore": 6,
                },
                "subtitle": {
                    "fontSize": 11,
                    "leading": 15,
                    "textColor": TEXT,
                    "alignment": TA_CENTER,
                },
                "meta": {"fontSize": 9, "leading": 13, "textColor": MUTED},
                "meta_right": {
                    "fontSize": 9,
                    "leading": 13,
                    "textColor": MUTED,
                    "alignment": TA_RIGHT,
                },
                "para": {"fontSize": 10.5, "leading": 17, "textColor": TEXT, "firstLineIndent": 21},
                "addressee": {"fontSize": 10.5, "leading": 17, "textColor": TEXT},
                "sign": {
                    "fontSize": 10.5,
                    "leading": 17,
                    "textColor": TEXT,
                    "alignment": TA_RIGHT,
                },
            }
        )

    def get(self, name: str, text: str) -> ParagraphStyle:
        latin = is_latin(text)
        key = (name, latin)
        if key not in self.cache:
            style = super().get(name, text)
            if latin:
                style.fontName = LATIN_BOLD if name in self.BOLD else LATIN_FONT
                # The two-character indent of Chinese paragraphs; English starts flush.
                style.firstLineIndent = 0
        return self.cache[key]


def _numbered_canvas(footer: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so that each page's footer can say
    how many pages there are."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802  (ReportLab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                # Links are numbered across the document: keep counting (restoring a
                # page's state would number the footers' links again from that page on).
                links: int = self.__dict__["_annotationCount"]
                self.__dict__.update(state)
                self.__dict__["_annotationCount"] = max(links, state["_annotationCount"])
                footer(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return NumberedCanvas


class NoticeDocument:
    """One notice: call the section methods in order, then `build()`."""

    def __init__(
        self,
        *,
        issuer: str,
        title: str,
        document_number: str,
        date: datetime.date | None,
        verify_url: str,
        verify_text: str,
        case_number: str,
        subtitle: str = "",
    ) -> None:
        register_fonts()  # paragraphs are parsed as they are made
        self.issuer = issuer
        self.title = title
        self.document_number = document_number
        self.date = date
        self.verify_url = verify_url
        self.verify_text = verify_text
        self.case_number = case_number
        self.styles = NoticeStyles()
        self.story: list[Flowable] = []
        self.english = (translation.get_language() or "").startswith("en")
        self._heading(subtitle)

    # --- Pieces ---------------------------------------------------------------------------

    def p(self, text: Any, style: str = "body") -> Paragraph:
        value = str(text)
        if is_latin(value):
            return Paragraph(escape(value).replace("\n", "<br/>"), self.styles.get(style, value))
        return Paragraph(
            markup(value, bold=style in NoticeStyles.BOLD), self.styles.get(style, value)
        )

    def _heading(self, subtitle: str) -> None:
        rule = Table([[""]], colWidths=[CONTENT_WIDTH], rowHeights=[2])
        rule.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 1.6, ACCENT)]))
        meta = Table(
            [
                [
                    self.p(self.document_number, "meta"),
                    self.p(local_date_text(self.date), "meta_right"),
                ]
            ],
            colWidths=[CONTENT_WIDTH * 0.7, CONTENT_WIDTH * 0.3],
        )
        meta.setStyle(
            TableStyle(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ]
            )
        )
        self.story += [self.p(self.issuer, "issuer"), Spacer(1, 3), rule, Spacer(1, 8)]
        self.story.append(self.p(self.title, "doc_title"))
        if subtitle:
            self.story.append(self.p(subtitle, "subtitle"))
        self.story += [Spacer(1, 6), meta, Spacer(1, 10)]

    def addressee(self, name: str) -> None:
        self.story.append(self.p(_("%(name)s：") % {"name": name}, "addressee"))

    def paragraph(self, text: str, style: str = "para", *, space_before: float = 0) -> None:
        if text:
            if space_before:
                self.story.append(Spacer(1, space_before))
            self.story.append(self.p(text, style))

    def heading(self, text: str) -> None:
        self.story.append(self.p(text, "h2"))

    def facts(self, rows: Sequence[tuple[str, Any]]) -> None:
        label_width = 40 * mm if self.english else 30 * mm
        cells = [[self.p(label, "label"), self.p(value, "cell")] for label, value in rows]
        table = Table(cells, colWidths=[label_width, CONTENT_WIDTH - label_width])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), SURFACE),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.5, BORDER),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, BORDER),
                    ("LEFTPADDING", (0, 0), (-1, -1), 5),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        self.story += [Spacer(1, 4), table]

    def table(self, rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> None:
        """A table with a header row; widths in points, the last column takes the rest."""
        widths = [*widths[:-1], CONTENT_WIDTH - sum(widths[:-1])]
        cells = [
            [self.p(cell, "head" if index == 0 else "cell") for cell in row]
            for index, row in enumerate(rows)
        ]
        table = Table(cells, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("GRID", (0, 0), (-1, -1), 0.5, BORDER),
                    ("BACKGROUND", (0, 0), (-1, 0), BRAND),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        self.story += [Spacer(1, 4), table]

    def boxed(self, title: str, lines: Sequence[str]) -> None:
        """A framed block for what the reader must act on."""
        parts: list[Flowable] = [self.p(title, "h2")]
        parts += [self.p(line, "notice") for line in lines if line]
        box = Table([[parts]], colWidths=[CONTENT_WIDTH])
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1, BRAND),
                    ("BACKGROUND", (0, 0), (-1, -1), SURFACE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        self.story += [Spacer(1, 10), box]

    def signature(self, *, handled_by: str = "") -> None:
        """The closing block: the issuer and the date on the right (where the seal goes),
        and who handled it (a line such as "受理人：王五") on the left."""
        left = self.p(handled_by, "body") if handled_by else ""
        right = [
            self.p(self.issuer, "sign"),
            self.p(local_date_text(self.date), "sign"),
        ]
        table = Table([[left, right]], colWidths=[CONTENT_WIDTH * 0.45, CONTENT_WIDTH * 0.55])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 18),
                ]
            )
        )
        self.story.append(KeepTogether([Spacer(1, 8), table]))

    # --- The whole document ----------------------------------------------------------------

    def _footer(self, canvas: Canvas, page: int, total: int) -> None:
        canvas.saveState()
        bottom = 9 * mm
        top = bottom + FOOTER_HEIGHT - 2 * mm
        canvas.setStrokeColor(BORDER)
        canvas.setLineWidth(0.5)
        canvas.line(PAGE_MARGIN, top, A4[0] - PAGE_MARGIN, top)
        QRCode(self.verify_url, size=FOOTER_QR).drawOn(canvas, PAGE_MARGIN, bottom)
        canvas.setFillColor(TEXT)
        x = PAGE_MARGIN + FOOTER_QR + 4 * mm
        draw_mixed(canvas, x, bottom + 13 * mm, self.verify_text, 9)
        canvas.setFillColor(MUTED)
        draw_mixed(
            canvas,
            x,
            bottom + 8.5 * mm,
            _("办件编号：%(number)s") % {"number": self.case_number},
            8,
        )
        draw_mixed(canvas, x, bottom + 4 * mm, self.document_number, 8)
        draw_mixed(
            canvas,
            A4[0] - PAGE_MARGIN,
            bottom + 4 * mm,
            _("第 %(page)s 页，共 %(total)s 页") % {"page": page, "total": total},
            8,
            right=True,
        )
        canvas.setFillColor(colors.black)
        canvas.restoreState()

    def build(self) -> bytes:
        buffer = BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=PAGE_MARGIN,
            rightMargin=PAGE_MARGIN,
            topMargin=PAGE_MARGIN,
            bottomMargin=PAGE_MARGIN + FOOTER_HEIGHT,
            title=f"{self.title} · {self.case_number}",
            author=self.issuer,
            subject=self.document_number,
            lang="en" if self.english else "zh-CN",
            creator="govhub",
        )
        doc.build(self.story, canvasmaker=_numbered_canvas(self._footer))
        return buffer.getvalue()
