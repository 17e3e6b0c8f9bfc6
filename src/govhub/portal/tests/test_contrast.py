"""WCAG 2.1 contrast of the portal's colours, computed from the stylesheet itself.

Every colour in portal.css is a custom property (token). This test reads the tokens of
the standard and the elderly-friendly mode, checks each text/background pair the pages
use at 4.5:1 or more (AA for normal text; the 适老化 rules ask the same everywhere), and
checks that the stylesheet uses no colour outside the tokens and no text/background
combination that is missing from the list below.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parent.parent
CSS = (PORTAL / "static" / "portal" / "css" / "portal.css").read_text(encoding="utf-8")
ERROR_500 = (PORTAL / "templates" / "500.html").read_text(encoding="utf-8")

# (text token, background token): every pair the pages put together.
TEXT_PAIRS = [
    ("text", "page"),
    ("text-muted", "page"),
    ("text", "surface"),
    ("text-muted", "surface"),
    ("text", "surface-strong"),
    ("text-muted", "surface-strong"),
    ("text", "hero"),
    ("text-muted", "hero"),
    ("text", "notice"),
    ("error", "page"),
    ("error", "surface"),
    ("link", "page"),
    ("link-hover", "page"),
    ("link-visited", "page"),
    ("link", "surface"),
    ("link", "surface-strong"),
    ("link-hover", "surface"),
    ("link-hover", "tag"),
    ("link", "hero"),
    ("brand", "page"),
    ("brand-deep", "page"),
    ("brand-deep", "tag"),
    ("on-brand", "brand"),
    ("on-brand", "brand-dark"),
    ("on-brand", "brand-deep"),
    ("on-brand-muted", "brand"),
    ("on-brand-muted", "brand-dark"),
    ("on-brand-muted", "brand-deep"),
    ("on-tag", "tag"),
    ("on-focus", "focus"),
    ("on-footer", "footer"),
    ("on-footer-muted", "footer"),
]

# Non-text contrast (WCAG 1.4.11, 3:1): focus rings, input borders, the current-page bar.
NON_TEXT_PAIRS = [
    ("on-focus", "page"),  # dark ring around the yellow focus outline
    ("focus", "brand"),  # yellow outline on the blue header
    ("focus", "brand-deep"),
    ("focus", "footer"),
    ("error", "page"),  # the bar beside a form's error summary
    ("border-strong", "page"),  # text inputs
    ("brand", "page"),  # current-page bar in the main navigation
]

NOT_COLOURS = {"transparent", "currentcolor", "inherit", "initial", "unset", "none"}
COLOUR_PROPERTIES = re.compile(
    r"^(color|background|background-color|border(-[a-z-]+)?|outline(-color)?|fill|stroke"
    r"|box-shadow|text-decoration(-color)?)$"
)


def _blocks(css: str) -> list[tuple[str, str]]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [(sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)]


def _declarations(body: str) -> dict[str, str]:
    out = {}
    for part in body.split(";"):
        if ":" in part:
            name, value = part.split(":", 1)
            out[name.strip()] = value.strip()
    return out


def _tokens(selector: str) -> dict[str, str]:
    for sel, body in _blocks(CSS):
        if sel == selector:
            return {
                name.removeprefix("--color-"): value
                for name, value in _declarations(body).items()
                if name.startswith("--color-")
            }
    raise AssertionError(f"no {selector} block in portal.css")


STANDARD = _tokens(":root")
ELDER = {**STANDARD, **_tokens("html.mode-elder")}


def _rgb(value: str) -> tuple[float, float, float, float]:
    value = value.strip().lower()
    if m := re.fullmatch(r"#([0-9a-f]{6})", value):
        h = m.group(1)
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 1.0
    if m := re.fullmatch(r"rgb\(\s*(\d+)\s+(\d+)\s+(\d+)\s*(?:/\s*([\d.]+))?\s*\)", value):
        r, g, b, a = m.groups()
        return int(r), int(g), int(b), float(a) if a else 1.0
    raise AssertionError(f"unparsed colour {value!r}")


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    *f, fa = _rgb(fg)
    *b, ba = _rgb(bg)
    assert fa == 1.0 and ba == 1.0, "text and backgrounds must be opaque"
    lf, lb = _luminance(f), _luminance(b)
    hi, lo = max(lf, lb), min(lf, lb)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("mode, tokens", [("standard", STANDARD), ("elder", ELDER)])
@pytest.mark.parametrize("fg, bg", TEXT_PAIRS)
def test_text_contrast_at_least_4_5(mode, tokens, fg, bg):
    ratio = contrast(tokens[fg], tokens[bg])
    assert ratio >= 4.5, f"{mode}: --color-{fg} on --color-{bg} is {ratio:.2f}:1"


@pytest.mark.parametrize("mode, tokens", [("standard", STANDARD), ("elder", ELDER)])
@pytest.mark.parametrize("fg, bg", NON_TEXT_PAIRS)
def test_non_text_contrast_at_least_3(mode, tokens, fg, bg):
    ratio = contrast(tokens[fg], tokens[bg])
    assert ratio >= 3.0, f"{mode}: --color-{fg} against --color-{bg} is {ratio:.2f}:1"


def _token_blocks() -> set[str]:
    return {":root", "html.mode-elder"}


def test_no_colour_outside_the_tokens():
    literal = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgb|rgba|hsl|hsla)\(|\b(?:white|black)\b")
    for selector, body in _blocks(CSS):
        if selector in _token_blocks():
            continue
        for name, value in _declarations(body).items():
            if COLOUR_PROPERTIES.match(name):
                assert not literal.search(value), f"{selector} {{ {name}: {value} }}"


def test_every_text_background_combination_is_checked():
    var = re.compile(r"var\(--color-([a-z-]+)\)")
    checked = set(TEXT_PAIRS)
    found = set()
    for _selector, body in _blocks(CSS):
        declarations = _declarations(body)
        fg = var.search(declarations.get("color", ""))
        bg = var.search(
            declarations.get("background-color", "") or declarations.get("background", "")
        )
        if fg and bg:
            found.add((fg.group(1), bg.group(1)))
    assert found, "the parser found no combination at all"
    assert found <= checked, f"unchecked combinations: {sorted(found - checked)}"


def test_every_token_used_in_a_pair_exists_and_is_opaque():
    for fg, bg in TEXT_PAIRS + NON_TEXT_PAIRS:
        for name in (fg, bg):
            assert name in STANDARD, f"--color-{name} is not defined"
            assert _rgb(STANDARD[name])[3] == 1.0


def test_the_500_page_uses_only_token_colours():
    style = ERROR_500.split("<style>", 1)[1].split("</style>", 1)[0]
    values = {v.lower() for v in STANDARD.values()}
    for colour in re.findall(r"#[0-9a-fA-F]{6}\b", style):
        assert colour.lower() in values, colour
