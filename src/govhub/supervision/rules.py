"""The rule registry: every supervision rule is a Python class registered here.

Two kinds:

- `DeadlineRule` (`rules_deadline`): evaluated by the periodic scan, set-based in SQL over
  all open cases (or the cases changed since the last scan).
- `ProcessRule` (`rules_process`): evaluated for one case after each of its transitions,
  from a `CaseFacts` read once per evaluation.

A city adds a rule by writing a `ProcessRule` subclass in its own module, decorating it
with `@register` and importing the module from an `AppConfig.ready()`; `sync_rules()` (run
after every `migrate` and by every scan) gives it a `Rule` row with its defaults, which an
administrator then switches on or off and tunes in the admin. Parameters are declared
(`ParamSpec`) so that the admin can check them and say in Chinese what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from govhub.core.text import join_list

if TYPE_CHECKING:
    from govhub.supervision.models import Rule

DEADLINE = "deadline"
PROCESS = "process"


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a rule: its kind (`int`, `float`, `bool` or `list[str]`), bounds
    and allowed values, and what it means (shown in the admin)."""

    kind: str
    default: Any
    label: str | Promise
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def clean(self, name: str, value: Any) -> Any:
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValidationError(
                    _("参数“%(name)s”必须是 true 或 false。") % {"name": name}, code="invalid"
                )
            return value
        if self.kind == "list[str]":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError(
                    _("参数“%(name)s”必须是字符串列表。") % {"name": name}, code="invalid"
                )
            wrong = [v for v in value if self.choices and v not in self.choices]
            if wrong:
                raise ValidationError(
                    _("参数“%(name)s”含有不允许的值：%(values)s（可选：%(choices)s）。")
                    % {
                        "name": name,
                        "values": join_list(wrong),
                        "choices": join_list(self.choices),
                    },
                    code="invalid",
                )
            return list(dict.fromkeys(value))
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or (self.kind == "int" and not float(value).is_integer()):
            kind = _("整数") if self.kind == "int" else _("数字")
            raise ValidationError(
                _("参数“%(name)s”必须是%(kind)s。") % {"name": name, "kind": kind}, code="invalid"
            )
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise ValidationError(
                _("参数“%(name)s”必须在 %(low)s 到 %(high)s 之间。")
                % {"name": name, "low": self.minimum, "high": self.maximum},
                code="out_of_range",
            )
        return int(value) if self.kind == "int" else float(value)


class RuleDefinition:
    """What every rule declares."""

    code: ClassVar[str]
    kind: ClassVar[str]
    name: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""
    default_severity: ClassVar[str] = "red"
    default_enabled: ClassVar[bool] = True
    params: ClassVar[Mapping[str, ParamSpec]] = {}

    def defaults(self) -> dict[str, Any]:
        return {name: spec.default for name, spec in self.params.items()}

    def clean_params(self, raw: Any) -> dict[str, Any]:
        """The parameters completed with the defaults, or `ValidationError` naming every
        problem (unknown names, wrong kinds, out of range)."""
        if raw in (None, ""):
            raw = {}
        if not isinstance(raw, dict):
            raise ValidationError(_("参数必须是一个 JSON 对象。"), code="invalid")
        errors: list[ValidationError] = []
        unknown = sorted(str(key) for key in raw if key not in self.params)
        if unknown:
            errors.append(
                ValidationError(
                    _("未知的参数：%(names)s。可用的参数：%(known)s。")
                    % {
                        "names": join_list(unknown),
                        "known": join_list(self.params) or _("（无）"),
                    },
                    code="unknown",
                )
            )
        cleaned = self.defaults()
        for name, spec in self.params.items():
            if name in raw:
                try:
                    cleaned[name] = spec.clean(name, raw[name])
                except ValidationError as exc:
                    errors.append(exc)
        if errors:
            raise ValidationError(errors)
        self.check_together(cleaned)
        return cleaned

    def check_together(self, params: dict[str, Any]) -> None:
        """Checks across parameters (override when a rule has some)."""

    def settings_of(self, row: Rule | None) -> dict[str, Any]:
        """The row's parameters, falling back to the defaults where a stored value is no
        longer valid (a later release may have tightened a bound)."""
        try:
            return self.clean_params(row.params if row is not None else {})
        except ValidationError:
            return self.defaults()


_registry: dict[str, RuleDefinition] = {}


def register[R: type[RuleDefinition]](cls: R) -> R:
    """Class decorator: add a rule to the registry (once per code)."""
    existing = _registry.get(cls.code)
    if existing is not None and type(existing) is not cls:
        raise ValueError(f"supervision rule {cls.code!r} is already registered")
    _registry[cls.code] = cls()
    return cls


def registry() -> dict[str, RuleDefinition]:
    """Every registered rule, by code."""
    return dict(_registry)


def definitions(kind: str) -> list[RuleDefinition]:
    return [rule for code, rule in sorted(_registry.items()) if rule.kind == kind]


def sync_rules() -> int:
    """Give every registered rule its `Rule` row with the defaults; rows an administrator
    changed are left as they are. Safe to run any number of times, also at once (the
    unique code settles a race). Returns how many rows were created."""
    from govhub.supervision.models import Rule

    existing = set(Rule.objects.values_list("code", flat=True))
    missing = [
        Rule(
            code=code,
            enabled=rule.default_enabled,
            severity=rule.default_severity,
            params=rule.defaults(),
        )
        for code, rule in sorted(_registry.items())
        if code not in existing
    ]
    if missing:
        Rule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def rule_rows() -> dict[str, Rule]:
    """Every rule's row by code, in one read; the rows are created first when a registered
    rule has none yet (`sync_rules`)."""
    from govhub.supervision.models import Rule

    rows = {row.code: row for row in Rule.objects.all()}
    if set(_registry) - set(rows):
        sync_rules()
        rows = {row.code: row for row in Rule.objects.all()}
    return rows


def enabled_rules(
    kind: str, rows: dict[str, Rule] | None = None
) -> list[tuple[Rule, RuleDefinition, dict[str, Any]]]:
    """The enabled rules of a kind with their rows and cleaned parameters, by code.
    `rows` are `rule_rows()` when the caller has read them already."""
    rows = rule_rows() if rows is None else rows
    return [
        (rows[rule.code], rule, rule.settings_of(rows[rule.code]))
        for rule in definitions(kind)
        if rule.code in rows and rows[rule.code].enabled
    ]


def settings_fingerprint(rules: list[tuple[Rule, RuleDefinition, dict[str, Any]]]) -> str:
    """A digest of the rules' codes, severities and parameters (a change means a full scan)."""
    text = json.dumps(
        [(row.code, row.severity, params) for row, _rule, params in rules], sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()
