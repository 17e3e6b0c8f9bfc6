"""Typography for the printable guide (`catalog.pdf`): fonts, mixed Chinese/Latin runs,
paragraph styles and the vector QR code."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
BRAND = colors.HexColor("#0b4f8f")
TEXT = colors.HexColor("#1a1f26")
MUTED = colors.HexColor("#4a5462")
SURFACE = colors.HexColor("#f2f5f8")
BORDER = colors.HexColor("#c9d2dc")
ACCENT = colors.HexColor("#b3242b")
QR_SIZE = 30 * mm
PAGE_MARGIN = 18 * mm

_registered = False


def register_fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        _registered = True


# Runs of characters Helvetica draws (WinAnsi); inside Chinese text they are set in
# Helvetica too, since the CID font's Latin glyphs are spaced unevenly by viewers.
LATIN_RUN = re.compile(r"[\x20-\x7e\u00a0-\u00ff]+")


def text_runs(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (run, is_latin) pieces."""
    runs: list[tuple[str, bool]] = []
    position = 0
    for match in LATIN_RUN.finditer(text):
        if match.start() > position:
            runs.append((text[position : match.start()], False))
        runs.append((match.group(), True))
        position = match.end()
    if position < len(text):
        runs.append((text[position:], False))
    return runs


def markup(text: str, *, bold: bool = False) -> str:
    """Paragraph markup for mixed text: Latin runs in Helvetica, the rest in the CID font."""
    latin_font = LATIN_BOLD if bold else LATIN_FONT
    parts = []
    for run, latin in text_runs(text):
        escaped = escape(run).replace("\n", "<br/>")
        parts.append(
            f'<font name="{latin_font}">{escaped}</font>' if latin and run.strip() else escaped
        )
    return "".join(parts)


def draw_mixed(
    canvas: Canvas, x: float, y: float, text: str, size: float, *, right: bool = False
) -> None:
    """Draw one line of mixed text on the canvas, font by font."""
    runs = [(run, LATIN_FONT if latin else CJK_FONT) for run, latin in text_runs(text)]
    width = sum(pdfmetrics.stringWidth(run, font, size) for run, font in runs)
    if right:
        x -= width
    for run, font in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)


def is_latin(text: str) -> bool:
    """True when Helvetica (WinAnsi) can draw every character of `text`."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class Styles:
    """Paragraph styles; each text picks the CJK or the Latin variant by its content."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, bool], ParagraphStyle] = {}
        self.base = {
            "title": {"fontSize": 18, "leading": 24, "textColor": TEXT, "spaceAfter": 4},
            "kicker": {"fontSize": 9.5, "leading": 13, "textColor": BRAND},
            "h2": {
                "fontSize": 12.5,
                "leading": 17,
                "textColor": BRAND,
                "spaceBefore": 10,
                "spaceAfter": 4,
                "keepWithNext": 1,
            },
            "body": {"fontSize": 9.5, "leading": 14, "textColor": TEXT},
            "small": {"fontSize": 8, "leading": 11, "textColor": MUTED},
            "cell": {"fontSize": 8.5, "leading": 12, "textColor": TEXT},
            "head": {"fontSize": 8.5, "leading": 12, "textColor": colors.white},
            "label": {"fontSize": 8.5, "leading": 12, "textColor": MUTED},
            "notice": {"fontSize": 10, "leading": 15, "textColor": TEXT},
            "qr": {"fontSize": 7, "leading": 9, "textColor": MUTED, "alignment": TA_CENTER},
        }

    def get(self, name: str, text: str) -> ParagraphStyle:
        latin = is_latin(text)
        key = (name, latin)
        if key not in self.cache:
            bold = name in ("title", "h2", "head")
            font = (LATIN_BOLD if bold else LATIN_FONT) if latin else CJK_FONT
            self.cache[key] = ParagraphStyle(
                f"{name}-{'latin' if latin else 'cjk'}",
                fontName=font,
                wordWrap=None if latin else "CJK",
                **self.base[name],
            )
        return self.cache[key]


class QRCode(Flowable):
    """A QR code for `url`, drawn with vector squares and linked to `url`."""

    def __init__(self, url: str, size: float = QR_SIZE) -> None:
        super().__init__()
        self.url = url
        self.qr = segno.make_qr(url, error="m")
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        matrix = [list(row) for row in self.qr.matrix_iter(scale=1, border=2)]
        modules = len(matrix)
        cell = self.size / modules
        canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for row_index, row in enumerate(matrix):
            y = self.size - (row_index + 1) * cell
            column = 0
            while column < modules:
                if row[column]:
                    start = column
                    while column < modules and row[column]:
                        column += 1
                    # A hair wider than the run so neighbouring rows leave no seams.
                    canvas.rect(
                        start * cell, y, (column - start) * cell, cell + 0.05, stroke=0, fill=1
                    )
                else:
                    column += 1
        canvas.linkURL(self.url, (0, 0, self.size, self.size), relative=1)
