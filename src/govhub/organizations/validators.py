"""Field validators of the organisation directory that core does not provide. A
department's unified social credit code uses core's
`govhub.core.validators.validate_uscc_on_record`."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Landline with area code (0468-3212345, optional extension), mobile, or a short
# government hotline such as 12345.
PHONE_FORMAT = re.compile(r"^(0\d{2,3}-\d{7,8}(-\d{1,6})?|1[3-9]\d{9}|12\d{3})$")


def validate_phone(value: str) -> None:
    if not PHONE_FORMAT.match(value):
        raise ValidationError(
            _("电话号码格式不正确，例如 0468-3212345 或 13912345678。"), code="phone_format"
        )
