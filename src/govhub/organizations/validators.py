"""Field validators of the organisation directory. A department's USCC field only checks
the format, since legacy codes with a wrong check character exist; the full GB 32100
check (`govhub.core.validators.check_uscc`) runs in the services and the admin form."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from govhub.core.codes import USCC_ALPHABET, uscc_check_character

USCC_FORMAT = re.compile(f"^[{USCC_ALPHABET}]{{18}}$")
# Landline with area code (0468-3212345, optional extension), mobile, or a short
# government hotline such as 12345.
PHONE_FORMAT = re.compile(r"^(0\d{2,3}-\d{7,8}(-\d{1,6})?|1[3-9]\d{9}|12\d{3})$")


def validate_uscc_format(value: str) -> None:
    if not USCC_FORMAT.match(value):
        raise ValidationError(
            _("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）。"),
            code="uscc_format",
        )


def uscc_check_ok(value: str) -> bool:
    """True when the 18th character matches GB 32100's check over the first 17."""
    return bool(USCC_FORMAT.match(value)) and uscc_check_character(value[:17]) == value[17]


def validate_phone(value: str) -> None:
    if not PHONE_FORMAT.match(value):
        raise ValidationError(
            _("电话号码格式不正确，例如 0468-3212345 或 13912345678。"), code="phone_format"
        )
