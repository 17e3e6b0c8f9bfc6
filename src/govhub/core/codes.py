"""Check-character algorithms of the national codes (pure functions, no Django).

- Resident identity number, GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits.
- Unified social credit code, GB 32100-2015: weighted MOD 31 over the first 17 characters.
See ../shared/reference/standards.md. `govhub.core.validators` builds the user-facing
checks (dates, regions, warnings, messages) on these.
"""

from __future__ import annotations

ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
ID_CHECK_CHARACTERS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 ...


def id_number_check_character(first17: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are given."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("an ID number body is 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are given."""
    if len(first17) != 17 or any(ch not in USCC_ALPHABET for ch in first17):
        raise ValueError("a USCC body is 17 characters of the GB 32100 alphabet")
    total = sum(
        USCC_ALPHABET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]
