"""The shapes of the catalogue demo data (plain data; loaded by `catalog.demo`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

# Time units in the tables: W working days, C calendar days, I immediate (即办).
UNITS = {"W": "working_days", "C": "calendar_days", "I": "immediate"}

ALL_DIVISIONS = (
    "230402",
    "230403",
    "230404",
    "230405",
    "230406",
    "230407",
    "230421",
    "230422",
)


class MaterialSpec(NamedTuple):
    name: str
    kind: str  # original / copy / electronic / original_and_copy
    form: str  # paper / electronic / both
    source: str  # applicant / government / intermediary
    criteria: str
    licence_type: str = ""
    copies: int = 1
    note: str = ""  # when the material is optional: when it is needed
    basis: str = ""


@dataclass(frozen=True)
class ItemSpec:
    """One base item (基本目录) and how the demo implements it.

    `materials` are keys of `library.MATERIALS`; a leading "?" makes the material optional.
    `fields` are keys of `library.FIELDS` added to the applicant's form after the common ones.
    `profile` chooses the process: immediate (即办), online (全程网办), standard (承诺件,
    four steps) or complex (承诺件 with special procedures); enforcement for items the
    authority starts itself (处罚, 强制, 检查).
    """

    serial: int
    name: str
    name_en: str
    item_type: str
    domain: str
    audience: str
    themes: tuple[str, ...]
    events: tuple[str, ...]
    laws: tuple[tuple[str, str, str], ...]
    conditions: tuple[str, ...]
    materials: tuple[str, ...]
    legal: tuple[int | None, str]
    promised: tuple[int | None, str]
    profile: str
    result: tuple[str, str]
    levels: tuple[str, ...] = ("city", "county")
    fields: tuple[str, ...] = ()
    fee: str = ""
    county: tuple[str, ...] = ()  # divisions whose own bodies also implement the item
    city: bool = True  # implemented by the city department in 230400
    aliases: tuple[str, ...] = ()
    special: tuple[tuple[str, str, int | None, str, str], ...] = ()
    intermediaries: tuple[tuple[str, tuple[str, ...], str, str], ...] = ()
    faqs: tuple[tuple[str, str], ...] = ()
    cross_region: str = ""  # "" = the profile's default
    joint: tuple[str, ...] = ()  # department codes of joint departments (联办部门)
    quantity_limit: str = ""
    cancelled: tuple[str, str] | None = None  # (effective date ISO, reason)
    variants: tuple[tuple[str, str], ...] = ()  # handling variants (业务办理项): (name, English)


class ExtraImplementation(NamedTuple):
    """An implementation beyond the city/county pattern (e.g. one later handed down)."""

    serial: int
    department: str
    region: str
    sequence: int
    state: str = "active"
    effective_date: str = ""
    reason: str = ""
    handed_down_to: str = ""
