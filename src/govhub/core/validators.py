"""User-facing validation of the national codes: resident ID numbers, unified social
credit codes and mainland mobile numbers.

The check-character arithmetic lives in `govhub.core.codes`; this module adds what a
person typing a number needs: normalisation (full-width characters, spaces, lower-case
letters), every structural rule, stable error codes and clear messages. Problems that do
not make a number invalid (an unknown county code, a legacy USCC check character that a
clerk has confirmed) come back as warnings instead of errors.

Each `check_*` function returns a result with the normalised value; each `validate_*`
function is a plain callable usable as a model- or form-field validator.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhub.core.codes import USCC_ALPHABET, id_number_check_character, uscc_check_character

# Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space, as typed by Chinese
# input methods, map to their ASCII counterparts.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WHITESPACE = re.compile(r"\s+")


def to_ascii(value: str) -> str:
    """Turn full-width ASCII characters (０-９, Ａ-Ｚ, ｘ, the ideographic space) into ASCII."""
    return value.translate(_FULL_WIDTH)


@dataclass(frozen=True)
class CheckWarning:
    """A finding that does not make the value invalid but that a person should see."""

    code: str
    message: str


# --------------------------------------------------------------------------------------
# Resident identity number (居民身份证号码, GB 11643-1999)
# --------------------------------------------------------------------------------------

# The 2-digit province-level codes of GB/T 2260.
PROVINCE_CODES = frozenset(
    (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55),
     *range(61, 66), 71, 81, 82)
)  # fmt: skip
# Early enough for the standard's own example (born 1880); earlier is a typing mistake.
EARLIEST_BIRTH_DATE = datetime.date(1850, 1, 1)
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        return str(SEX_LABELS[self])


SEX_LABELS = {
    Sex.MALE: pgettext_lazy("sex", "男"),
    Sex.FEMALE: pgettext_lazy("sex", "女"),
}


@dataclass(frozen=True)
class IdNumberCheck:
    """A resident ID number that passed every rule, and what it says."""

    value: str
    birth_date: datetime.date
    sex: Sex
    region_code: str
    region_name: str = ""
    warnings: tuple[CheckWarning, ...] = field(default=())


def normalize_id_number(value: object) -> str:
    """Strip spaces, turn full-width characters into ASCII and a lower-case x into X."""
    text = to_ascii("" if value is None else str(value))
    return _WHITESPACE.sub("", text).upper()


@dataclass(frozen=True)
class _CountyInfo:
    name: str
    current: bool


@lru_cache(maxsize=4096)
def _county_info(region_code: str) -> _CountyInfo | None:
    """What python-stdnum's bundled GB/T 2260 history knows about a 6-digit code.

    `None` when the code was never listed. Names carry their validity as
    `[start-end]name`; a code is current when one of its entries has no end year.
    """
    from stdnum import numdb

    parts = numdb.get("cn/loc").info(region_code)
    if len(parts) < 2 or "county" not in parts[1][1]:
        return None
    entries = parts[1][1]["county"].split(",")
    name = ""
    current = False
    for entry in entries:
        if entry.startswith("["):
            period, entry_name = entry[1:].split("]", 1)
            end = period.split("-", 1)[1] if "-" in period else ""
        else:
            end, entry_name = "", entry
        name = entry_name
        if not end:
            current = True
    return _CountyInfo(name=name, current=current)


def _id_error(message: Any, error_code: str, /, **params: object) -> ValidationError:
    return ValidationError(message, code=error_code, params=params or None)


def check_id_number(value: object, *, today: datetime.date | None = None) -> IdNumberCheck:
    """Check a resident ID number; raise `ValidationError` with a stable code if invalid.

    Error codes: `id_length`, `id_format`, `id_province`, `id_birth_date`,
    `id_future_birth`, `id_check_character`. A county code that was never listed or has
    since been retired is returned as a warning (`id_region_unknown`,
    `id_region_retired`): the address code records where the number was issued, so it
    may legitimately name a county that no longer exists or that was created after the
    holder's birth.
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        raise _id_error(
            _("身份证号码应为18位（当前为%(count)d位），请核对。"),
            "id_length",
            count=len(number),
        )
    if not _ID_SHAPE.fullmatch(number):
        raise _id_error(_("身份证号码前17位应为数字，最后一位为数字或字母X。"), "id_format")
    if int(number[:2]) not in PROVINCE_CODES:
        raise _id_error(
            _("身份证号码前两位“%(code)s”不是有效的省级行政区划代码。"),
            "id_province",
            code=number[:2],
        )
    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _id_error(
            _("身份证号码中的出生日期“%(date)s”不是有效日期。"),
            "id_birth_date",
            date=number[6:14],
        ) from None
    if birth_date < EARLIEST_BIRTH_DATE:
        raise _id_error(
            _("身份证号码中的出生日期早于%(year)s年，请核对。"),
            "id_birth_date",
            year=str(EARLIEST_BIRTH_DATE.year),
        )
    if birth_date > (today or timezone.localdate()):
        raise _id_error(_("身份证号码中的出生日期晚于今天，请核对。"), "id_future_birth")
    if number[17] != id_number_check_character(number[:17]):
        raise _id_error(_("身份证号码校验码不正确，请核对最后一位。"), "id_check_character")

    region_code = number[:6]
    warnings: list[CheckWarning] = []
    county = _county_info(region_code)
    if county is None:
        warnings.append(
            CheckWarning(
                code="id_region_unknown",
                message=str(
                    _("身份证号码中的地址码“%(code)s”不在行政区划代码表中，请核对。")
                    % {"code": region_code}
                ),
            )
        )
    elif not county.current:
        warnings.append(
            CheckWarning(
                code="id_region_retired",
                message=str(
                    _("身份证号码中的地址码“%(code)s”（%(name)s）已撤销或变更，号码仍然有效。")
                    % {"code": region_code, "name": county.name}
                ),
            )
        )
    return IdNumberCheck(
        value=number,
        birth_date=birth_date,
        sex=Sex.MALE if int(number[16]) % 2 else Sex.FEMALE,
        region_code=region_code,
        region_name=county.name if county else "",
        warnings=tuple(warnings),
    )


def validate_id_number(value: object) -> None:
    """Field validator: raise `ValidationError` unless `value` is a valid ID number.

    Warnings are not errors here; use `check_id_number` to show them.
    """
    check_id_number(value)


# --------------------------------------------------------------------------------------
# Unified social credit code (统一社会信用代码, GB 32100-2015)
# --------------------------------------------------------------------------------------

# Registering authority (position 1) → its name and the organisation kinds (position 2)
# it may issue, from GB 32100-2015 Annex A.
USCC_AUTHORITIES: dict[str, tuple[object, dict[str, object]]] = {
    "1": (
        _("机构编制"),
        {"1": _("机关"), "2": _("事业单位"), "3": _("中央编办直接管理机构编制的群众团体"),
         "9": _("其他")},
    ),
    "2": (_("外交"), {"1": _("外国常驻新闻机构"), "9": _("其他")}),
    "3": (
        _("司法行政"),
        {"1": _("律师执业机构"), "2": _("公证处"), "3": _("基层法律服务所"),
         "4": _("司法鉴定机构"), "5": _("仲裁委员会"), "9": _("其他")},
    ),
    "4": (_("文化"), {"1": _("外国在华文化中心"), "9": _("其他")}),
    "5": (
        _("民政"),
        {"1": _("社会团体"), "2": _("民办非企业单位"), "3": _("基金会"), "9": _("其他")},
    ),
    "6": (
        _("旅游"),
        {"1": _("外国旅游部门常驻代表机构"),
         "2": _("港澳台地区旅游部门常驻内地（大陆）代表机构"), "9": _("其他")},
    ),
    "7": (_("宗教"), {"1": _("宗教活动场所"), "2": _("宗教院校"), "9": _("其他")}),
    "8": (_("工会"), {"1": _("基层工会"), "9": _("其他")}),
    "9": (_("工商"), {"1": _("企业"), "2": _("个体工商户"), "3": _("农民专业合作社")}),
    "A": (_("中央军委改革和编制办公室"), {"1": _("军队事业单位"), "9": _("其他")}),
    "N": (
        _("农业"),
        {"1": _("组级集体经济组织"), "2": _("村级集体经济组织"),
         "3": _("乡镇级集体经济组织"), "9": _("其他")},
    ),
    "Y": (_("其他"), {"1": _("其他")}),
}  # fmt: skip


@dataclass(frozen=True)
class UsccCheck:
    """A unified social credit code that passed the format rules, and what it says."""

    value: str
    authority_code: str
    authority_name: str
    kind_code: str
    kind_name: str
    region_code: str
    organisation_code: str
    check_character_valid: bool
    warnings: tuple[CheckWarning, ...] = field(default=())


def normalize_uscc(value: object) -> str:
    """Strip spaces and dashes, turn full-width characters into ASCII, upper-case letters."""
    text = to_ascii("" if value is None else str(value))
    return _WHITESPACE.sub("", text).replace("-", "").upper()


def _reject_uscc_characters(code: str) -> None:
    bad = sorted({ch for ch in code if ch not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "统一社会信用代码含有无效字符“%(chars)s”：只使用数字和大写字母，不使用I、O、Z、S、V。"
            ),
            code="uscc_format",
            params={"chars": "".join(bad)},
        )


def check_uscc(value: object, *, allow_legacy_check: bool = False) -> UsccCheck:
    """Check a unified social credit code; raise `ValidationError` with a stable code.

    Format errors always raise: `uscc_length`, `uscc_format`, `uscc_authority`,
    `uscc_kind`, `uscc_region`. A wrong check character raises `uscc_check_character`
    unless `allow_legacy_check` is true (a clerk confirmed an existing code issued with
    a wrong check character); then the result carries a `uscc_check_character` warning
    and `check_character_valid` is false.
    """
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位（当前为%(count)d位），请核对。"),
            code="uscc_length",
            params={"count": len(code)},
        )
    _reject_uscc_characters(code)
    authority = USCC_AUTHORITIES.get(code[0])
    if authority is None:
        raise ValidationError(
            _("统一社会信用代码第1位“%(char)s”不是有效的登记管理部门代码。"),
            code="uscc_authority",
            params={"char": code[0]},
        )
    authority_name, kinds = authority
    if code[1] not in kinds:
        raise ValidationError(
            _("统一社会信用代码第2位“%(char)s”不是%(authority)s部门登记的有效机构类别代码。"),
            code="uscc_kind",
            params={"char": code[1], "authority": authority_name},
        )
    region_code = code[2:8]
    if not (region_code.isascii() and region_code.isdigit()):
        raise ValidationError(
            _("统一社会信用代码第3至8位应为6位数字的行政区划代码。"), code="uscc_region"
        )
    check_valid = code[17] == uscc_check_character(code[:17])
    warnings: list[CheckWarning] = []
    if not check_valid:
        message = _("统一社会信用代码校验码不正确，请核对最后一位。")
        if not allow_legacy_check:
            raise ValidationError(message, code="uscc_check_character")
        warnings.append(
            CheckWarning(
                code="uscc_check_character",
                message=str(
                    _("统一社会信用代码校验码不符合国家标准，已按工作人员确认的存量代码接受。")
                ),
            )
        )
    return UsccCheck(
        value=code,
        authority_code=code[0],
        authority_name=str(authority_name),
        kind_code=code[1],
        kind_name=str(kinds[code[1]]),
        region_code=region_code,
        organisation_code=code[8:17],
        check_character_valid=check_valid,
        warnings=tuple(warnings),
    )


def validate_uscc(value: object) -> None:
    """Field validator: raise `ValidationError` unless `value` is a fully valid USCC."""
    check_uscc(value)


def validate_uscc_on_record(value: object) -> None:
    """Field validator for a code kept on record (e.g. a department's): every rule of
    `check_uscc` except the check character, since codes issued in the past with a wrong
    one exist; whoever records a code decides about that (see `check_uscc`). The value
    must already be normalised (`normalize_uscc`): spaces or lower-case letters are
    invalid characters here."""
    text = "" if value is None else str(value)
    if check_uscc(text, allow_legacy_check=True).value != text:
        _reject_uscc_characters(text)


# --------------------------------------------------------------------------------------
# Mainland mobile number
# --------------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）.]")


def normalize_mobile(value: object) -> str:
    """The 11-digit mainland mobile number in `value`; raise `ValidationError` if none.

    Accepts spaces, dashes, dots and brackets, full-width digits and a `+86`, `0086` or
    `86` country prefix.
    """
    text = _PHONE_SEPARATORS.sub("", to_ascii("" if value is None else str(value)))
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
            break
    if not _MOBILE.fullmatch(text):
        raise ValidationError(_("请输入有效的11位手机号码（以13至19开头）。"), code="mobile_format")
    return text


def validate_mobile(value: object) -> None:
    """Field validator: raise `ValidationError` unless `value` is a mainland mobile number."""
    normalize_mobile(value)
