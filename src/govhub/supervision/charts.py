"""Charts for the dashboards: inline SVG written on the server, no script, nothing from
a CDN.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that says what it
shows in words; the page puts the same figures in a table beside it. Series are told
apart by shape and fill (solid, hatched, outlined bars; a line with markers) and by the
numbers written on them, never by colour alone. Colours come from portal.css's tokens
through classes (`supervision.css`), so the senior mode and the contrast rules apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
FONT = 13
LABEL_WIDTH = 190
ROW = 30
BAR = 18

# tone → how a segment is drawn (class, and whether it uses the hatch pattern)
SOLID = {"brand": "chart-bar--brand", "red": "chart-bar--red", "muted": "chart-bar--muted"}
HATCHED = {"yellow"}


@dataclass(frozen=True)
class Segment:
    tone: str  # "brand", "red", "yellow", "muted"
    value: int
    label: str  # what the segment is, for its tooltip ("红牌")


@dataclass(frozen=True)
class Bar:
    label: str
    segments: Sequence[Segment]

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


@dataclass(frozen=True)
class LegendItem:
    tone: str  # a bar tone, or "line" (the line with markers), or "outline"
    label: str


def _clip(text: str, limit: int) -> str:
    """Shorten a label to about `limit` half-width units (a CJK character counts two)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0x2E7F else 1
        if units > limit:
            return text[:index] + "…"
    return text


def _fill(chart_id: str, tone: str) -> str:
    if tone in HATCHED:
        return f'fill="url(#{chart_id}-hatch)" class="chart-bar--hatched"'
    return f'class="{SOLID.get(tone, "chart-bar--brand")}"'


def _defs(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect class="chart-hatch__ground" width="6" height="6"/>'
        '<line class="chart-hatch__line" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>'
    )


def _legend(chart_id: str, items: Sequence[LegendItem], y: int) -> str:
    parts: list[str] = []
    x = 0
    for item in items:
        if item.tone == "line":
            parts.append(
                f'<line class="chart-line" x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}"/>'
                f'<circle class="chart-dot" cx="{x + 9}" cy="{y - 4}" r="3.5"/>'
            )
        elif item.tone == "outline":
            parts.append(
                f'<rect class="chart-bar--outline" x="{x}" y="{y - 11}" width="18" height="12"/>'
            )
        else:
            parts.append(
                f'<rect {_fill(chart_id, item.tone)} x="{x}" y="{y - 11}" width="18" height="12"/>'
            )
        parts.append(f'<text x="{x + 24}" y="{y}">{escape(item.label)}</text>')
        x += 24 + len(item.label) * FONT + 24
    return "".join(parts)


def _open(chart_id: str, height: int, title: str, description: str) -> str:
    return (
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    legend: Sequence[LegendItem] = (),
) -> SafeString:
    """One horizontal bar per row (segments stacked), its total written after it."""
    top = 24 if legend else 4
    height = top + max(len(bars), 1) * ROW + 8
    scale_max = max([bar.total for bar in bars] + [1])
    area = WIDTH - LABEL_WIDTH - 56
    parts = [_open(chart_id, height, title, description), _defs(chart_id)]
    if legend:
        parts.append(_legend(chart_id, legend, 14))
    parts.append(
        f'<line class="chart-axis" x1="{LABEL_WIDTH}" y1="{top}" '
        f'x2="{LABEL_WIDTH}" y2="{height - 6}"/>'
    )
    for index, bar in enumerate(bars):
        y = top + index * ROW
        middle = y + ROW / 2
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{middle + FONT / 2 - 2}" '
            f'text-anchor="end"><title>{escape(bar.label)}</title>'
            f"{escape(_clip(bar.label, 26))}</text>"
        )
        x = float(LABEL_WIDTH)
        for segment in bar.segments:
            if segment.value <= 0:
                continue
            width = area * segment.value / scale_max
            parts.append(
                f'<rect {_fill(chart_id, segment.tone)} x="{x:.1f}" '
                f'y="{middle - BAR / 2:.1f}" width="{max(width, 1.5):.1f}" height="{BAR}">'
                f"<title>{escape(bar.label)} · {escape(segment.label)}：{segment.value}</title>"
                "</rect>"
            )
            x += width
        parts.append(
            f'<text class="chart-value" x="{x + 6:.1f}" y="{middle + FONT / 2 - 2}">'
            f"{bar.total}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@dataclass(frozen=True)
class Column:
    """One period of the trend chart: an outlined bar (`total`), a solid bar inside it
    (`part`) and a point of the line (`line`)."""

    label: str
    total: int
    part: int
    line: int


def trend(
    *,
    chart_id: str,
    title: str,
    description: str,
    columns: Sequence[Column],
    legend: Sequence[LegendItem],
    tooltips: Sequence[str],
) -> SafeString:
    """Columns with an outlined bar, a solid bar inside it and a line with markers, on
    one axis of counts with four grid lines."""
    height = 250
    left, right, top, bottom = 40, 10, 30, 34
    plot_height = height - top - bottom
    plot_width = WIDTH - left - right
    scale_max = max([c.total for c in columns] + [c.line for c in columns] + [1])
    step = _nice_step(scale_max)
    scale_max = step * 4
    parts = [_open(chart_id, height, title, description), _defs(chart_id)]
    parts.append(_legend(chart_id, legend, 14))
    for tick in range(5):
        value = step * tick
        y = top + plot_height - plot_height * value / scale_max
        parts.append(
            f'<line class="{"chart-axis" if tick == 0 else "chart-grid"}" x1="{left}" '
            f'y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}"/>'
            f'<text class="chart-tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{value}</text>"
        )
    slot = plot_width / max(len(columns), 1)
    bar_width = min(slot * 0.6, 34)
    points: list[tuple[float, float]] = []
    base = top + plot_height

    def y_of(value: int) -> float:
        return base - plot_height * value / scale_max

    for index, column in enumerate(columns):
        centre = left + slot * index + slot / 2

        tooltip = escape(tooltips[index]) if index < len(tooltips) else ""
        if column.total > 0:
            parts.append(
                f'<rect class="chart-bar--outline" x="{centre - bar_width / 2:.1f}" '
                f'y="{y_of(column.total):.1f}" width="{bar_width:.1f}" '
                f'height="{base - y_of(column.total):.1f}"><title>{tooltip}</title></rect>'
            )
        if column.part > 0:
            inner = bar_width * 0.55
            parts.append(
                f'<rect class="chart-bar--brand" x="{centre - inner / 2:.1f}" '
                f'y="{y_of(column.part):.1f}" width="{inner:.1f}" '
                f'height="{base - y_of(column.part):.1f}"><title>{tooltip}</title></rect>'
            )
        points.append((centre, y_of(column.line)))
        parts.append(
            f'<text class="chart-tick" x="{centre:.1f}" y="{height - 14}" '
            f'text-anchor="middle">{escape(column.label)}</text>'
        )
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline class="chart-line" points="{path}"/>')
        for index, (x, y) in enumerate(points):
            tooltip = escape(tooltips[index]) if index < len(tooltips) else ""
            parts.append(
                f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5">'
                f"<title>{tooltip}</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _nice_step(maximum: int) -> int:
    """A round step so that four steps reach at least `maximum` (1, 2, 5, 10, 20, 50 …)."""
    step = 1
    while step * 4 < maximum:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if step * 4 >= maximum:
                break
    return step
