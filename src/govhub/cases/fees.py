"""Fees charged for a case (收费), and how they compare with the catalogue.

Staff record what was actually charged when they issue the result (`case_issue(fees=…)`);
a fee outside the catalogue is recorded all the same (reality must be on record) and left
to supervision (`supervision.rules_process.FeeMismatch`) to flag.

The catalogue's fee lines (`ItemVersion.fee_lines`) are `{"name", "standard", "amount",
"basis", "reductions"}`: `standard` is the text of the guide ("每证20元"), `amount` the
amount in yuan, a decimal string such as "20.00" (catalogue validation), though older or
imported data may hold a JSON number or text such as "10元". `catalogue_amount` reads
either; a line whose amount cannot be read as a number (and whose standard is not a bare
amount either) has no standard to compare with.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from govhub.core.errors import InvalidInput

CENT = decimal.Decimal("0.01")
MAX_AMOUNT = decimal.Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
MAX_FEES = 20
NAME_MAX_LENGTH = 200
# "20", "20.5", "¥20.00", "20元", "1,200.00 元", "-5": a bare amount in yuan, nothing else.
_BARE_AMOUNT = re.compile(r"^(-?)\s*[¥￥]?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:元|圆)?$")


@dataclass(frozen=True)
class FeeLine:
    """One fee as recorded: its name, the amount in yuan (two decimals) and the catalogue
    fee line it was charged under ("" for none)."""

    name: str
    amount: decimal.Decimal
    catalogue_name: str

    def as_data(self) -> dict[str, str]:
        """For the case history and the audit record (JSON)."""
        return {
            "name": self.name,
            "amount": str(self.amount),
            "catalogue_name": self.catalogue_name,
        }


def normalise_name(name: Any) -> str:
    """A fee's name for comparison: without any whitespace."""
    return "".join(str(name or "").split())


def parse_amount(value: Any) -> decimal.Decimal | None:
    """A JSON number or a text amount ("20", "20.00", "20元", "¥20") as a Decimal; None
    when it is not one (booleans, other text, NaN, infinities)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, decimal.Decimal):
        amount = value
    elif isinstance(value, int | float):
        amount = decimal.Decimal(str(value))
    elif isinstance(value, str):
        match = _BARE_AMOUNT.match(value.strip())
        if match is None:
            return None
        try:
            amount = decimal.Decimal(match.group(1) + match.group(2).replace(",", ""))
        except decimal.InvalidOperation:
            return None
    else:
        return None
    return amount if amount.is_finite() else None


def catalogue_lines(fee_lines: Any) -> dict[str, dict[str, Any]]:
    """The catalogue's fee lines by normalised name (the first of equal names)."""
    lines: dict[str, dict[str, Any]] = {}
    for line in fee_lines if isinstance(fee_lines, list) else []:
        if isinstance(line, dict):
            key = normalise_name(line.get("name"))
            if key:
                lines.setdefault(key, line)
    return lines


def catalogue_amount(line: Mapping[str, Any]) -> decimal.Decimal | None:
    """The numeric standard of a catalogue fee line: its `amount`, else its `standard` when
    that is a bare amount ("20元"); None when neither is a number (cannot compare)."""
    for key in ("amount", "standard"):
        amount = parse_amount(line.get(key))
        if amount is not None:
            return amount
    return None


def match_line(
    lines: Mapping[str, dict[str, Any]], *, name: str, catalogue_name: str = ""
) -> dict[str, Any] | None:
    """The catalogue line a fee was charged under: by its recorded catalogue name, else by
    its own name."""
    for candidate in (catalogue_name, name):
        line = lines.get(normalise_name(candidate))
        if line is not None:
            return line
    return None


def clean_fees(raw: Sequence[Mapping[str, Any]] | None, *, fee_lines: Any) -> list[FeeLine]:
    """The fees as entered (`[{"name", "amount"}]`), checked: names not empty, amounts not
    negative with at most two decimals. `InvalidInput` names every wrong field
    (`fees.<index>.name`, `fees.<index>.amount`)."""
    if not raw:
        return []
    if len(raw) > MAX_FEES:
        message = _("一次最多登记 %(n)s 项收费。") % {"n": MAX_FEES}
        raise InvalidInput(message, fields={"fees": [message]})
    lines = catalogue_lines(fee_lines)
    fields: dict[str, list[str]] = {}
    cleaned: list[FeeLine] = []
    for index, entry in enumerate(raw):
        entry = entry if isinstance(entry, Mapping) else {}
        name = " ".join(str(entry.get("name") or "").split())
        amount_error, amount = _amount_error(entry.get("amount"))
        if not name:
            fields[f"fees.{index}.name"] = [_("请填写收费项目名称。")]
        elif len(name) > NAME_MAX_LENGTH:
            fields[f"fees.{index}.name"] = [
                _("收费项目名称不能超过 %(n)s 个字。") % {"n": NAME_MAX_LENGTH}
            ]
        if amount_error:
            fields[f"fees.{index}.amount"] = [amount_error]
        if fields or amount is None:
            continue
        line = match_line(lines, name=name)
        cleaned.append(FeeLine(name, amount, str(line["name"]).strip() if line else ""))
    if fields:
        raise InvalidInput(_("收费登记有误，请检查收费项目和金额。"), fields=fields)
    return cleaned


def _amount_error(value: Any) -> tuple[str, decimal.Decimal | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return _("请填写收费金额（元）。"), None
    amount = parse_amount(value)
    if amount is None:
        return _("收费金额应为数字（单位：元），例如 20 或 20.50。"), None
    if amount < 0:
        return _("收费金额不能为负数。"), None
    if amount > MAX_AMOUNT:
        return _("收费金额过大，请核对。"), None
    if amount != amount.quantize(CENT, rounding=decimal.ROUND_DOWN):
        return _("收费金额最多保留两位小数（精确到分）。"), None
    return "", amount.quantize(CENT)
