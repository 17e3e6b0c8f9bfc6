"""Shared helpers of the benchmarks: timing, percentiles, the figures table."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def ok(self) -> bool:
        if self.target is None:
            return True
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "—"
        return f"{'≥' if self.higher_is_better else '≤'} {self.target:g} {self.unit}"


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed_ms(func: Callable[[], object], *, repeat: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def latency_figures(
    name: str, samples: list[float], *, p95_target: float | None = None, note: str = ""
) -> list[Figure]:
    return [
        Figure(f"{name} median", statistics.median(samples), "ms", note=note),
        Figure(f"{name} p95", percentile(samples, 95), "ms", target=p95_target, note=note),
    ]


def render_table(figures: list[Figure]) -> str:
    lines = ["| measure | value | target | met | note |", "|---|---:|---|---|---|"]
    for f in figures:
        met = "—" if f.target is None else ("yes" if f.ok else "**no**")
        lines.append(f"| {f.name} | {f.value:,.2f} {f.unit} | {f.target_text} | {met} | {f.note} |")
    return "\n".join(lines)


def write_section(path: Path, key: str, body: str) -> None:
    """Replace the text between `<!-- bench:key -->` markers, adding the section if new."""
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    text = path.read_text() if path.exists() else "# Performance\n"
    block = f"{start}\n{body}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + f"\n\n### Latest run on {key}\n\n{block}\n"
    path.write_text(text)
