"""Catalogue codes (pure functions, no Django models).

- base code (基本编码): 12 characters of [0-9A-Z], given by the catalogue authority.
- implementation code (实施编码, 36 characters) = base code (12) + the implementing
  department's unified social credit code (18) + the sequence of that department's
  implementations of the base item, as 6 zero-padded digits. Deterministic: the same inputs
  always give the same code, and different inputs give different codes (fixed widths).
- handling variant code (业务办理项编码, 39 characters) = implementation code + the variant's
  3-digit sequence.
"""

from __future__ import annotations

import re

from govhub.core.codes import USCC_ALPHABET

BASE_CODE_RE = re.compile(r"^[0-9A-Z]{12}$")
IMPLEMENTATION_CODE_RE = re.compile(r"^[0-9A-Z]{36}$")
VARIANT_CODE_RE = re.compile(r"^[0-9A-Z]{39}$")
MAX_SEQUENCE = 999_999
MAX_VARIANT_SEQUENCE = 999


def is_base_code(value: object) -> bool:
    return isinstance(value, str) and bool(BASE_CODE_RE.match(value))


def is_implementation_code(value: object) -> bool:
    return isinstance(value, str) and bool(IMPLEMENTATION_CODE_RE.match(value))


def _check_uscc_shape(uscc: object) -> str:
    if not isinstance(uscc, str) or len(uscc) != 18 or any(c not in USCC_ALPHABET for c in uscc):
        raise ValueError(f"a USCC is 18 characters of the GB 32100 alphabet, got {uscc!r}")
    return uscc


def implementation_code(base_code: str, uscc: str, sequence: int) -> str:
    """The 36-character implementation code; raises ValueError on malformed arguments."""
    if not is_base_code(base_code):
        raise ValueError(f"a base code is 12 characters of [0-9A-Z], got {base_code!r}")
    _check_uscc_shape(uscc)
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise ValueError("the sequence is an integer")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"the sequence lies between 1 and {MAX_SEQUENCE}, got {sequence}")
    return f"{base_code}{uscc}{sequence:06d}"


def variant_code(implementation_code: str, sequence: int) -> str:
    """The 39-character handling variant code; raises ValueError on malformed arguments."""
    if not is_implementation_code(implementation_code):
        raise ValueError(f"an implementation code is 36 characters, got {implementation_code!r}")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise ValueError("the sequence is an integer")
    if not 1 <= sequence <= MAX_VARIANT_SEQUENCE:
        raise ValueError(f"the variant sequence lies between 1 and {MAX_VARIANT_SEQUENCE}")
    return f"{implementation_code}{sequence:03d}"


def split_implementation_code(code: str) -> tuple[str, str, int]:
    """(base code, USCC, sequence) of an implementation code."""
    if not is_implementation_code(code):
        raise ValueError(f"an implementation code is 36 characters, got {code!r}")
    return code[:12], code[12:30], int(code[30:])
