"""Masking personal data for display (个人信息去标识化展示).

Pages and exports show only as much of an ID number, phone number or name as a reader
needs to recognise it. Each function accepts anything (None, numbers, short or odd
strings) and never fails: a value too short to mask partially is masked completely.
"""

from __future__ import annotations

MASK = "*"


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _keep_ends(text: str, *, head: int, tail: int) -> str:
    """Keep `head` leading and `tail` trailing characters, masking at least as many."""
    hidden = len(text) - head - tail
    if hidden < 1 or hidden < min(head + tail, 4):
        return MASK * len(text)
    return text[:head] + MASK * hidden + text[len(text) - tail :]


def mask_id_number(value: object) -> str:
    """`230404199001011234` → `230404********1234`: the address code and last 4 visible."""
    return _keep_ends(_text(value), head=6, tail=4)


def mask_phone(value: object) -> str:
    """`13812345678` → `138****5678`; other numbers keep at most their last 4 digits.

    A mobile number written with a country prefix or separators is masked in its
    normalised 11-digit form.
    """
    text = _text(value)
    if not text:
        return ""
    from django.core.exceptions import ValidationError

    from govhub.core.validators import normalize_mobile

    try:
        text = normalize_mobile(text)
    except ValidationError:
        return _keep_ends(text, head=0, tail=4)
    return _keep_ends(text, head=3, tail=4)


def mask_name(value: object) -> str:
    """`张三丰` → `张*`: the first character and one mask, which also hides the length."""
    text = _text(value)
    if not text:
        return ""
    return text[0] + MASK
