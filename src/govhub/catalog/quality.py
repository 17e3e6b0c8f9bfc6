"""Information quality checks (信息质量) of the catalogue.

A rule is a small function taking an `ItemVersion` and returning `Finding`s; `@rule`
registers it under its code. `check_version()` runs every rule; `check_all()` runs them
over implementation items (their published version, or their latest version when never
published). Publishing refuses a version with any error-level finding
(`services.version_publish`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhub.catalog.models import ImplementationItem, ItemVersion, Material, TimeUnit
from govhub.catalog.validation import VERSION_JSON_FIELDS, form_schema_errors, json_field_errors

ERROR = "error"
WARNING = "warning"
LEVEL_LABELS = {ERROR: gettext_lazy("错误"), WARNING: gettext_lazy("警告")}

FULLY_ONLINE_DEPTHS = frozenset({1, 2, 3, 4, 5, 6})

# Catch-all phrases (兜底条款) that leave the applicant guessing.
CATCH_ALL_PHRASES = (
    "其他条件",
    "其它条件",
    "其他材料",
    "其它材料",
    "其他相关材料",
    "其它相关材料",
    "等相关材料",
    "等材料",
    "有关部门要求的其他",
    "规定的其他",
    "要求的其他",
    "要求提供的其他",
    "其他需要",
    "其他必要",
)


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str
    field: str
    message: str

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])


@dataclass(frozen=True)
class ItemFinding:
    """A finding with the item and version it was found in (for lists and reports)."""

    item: ImplementationItem
    version: ItemVersion
    finding: Finding


Rule = Callable[[ItemVersion], list[Finding]]
RULES: dict[str, Rule] = {}


def rule(code: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        RULES[code] = func
        return func

    return register


def _materials(version: ItemVersion) -> list[Material]:
    # An import checks a version before saving it: its parsed materials ride along.
    pending = getattr(version, "pending_materials", None)
    if pending is not None:
        return list(pending)
    if version.pk is None:
        return []
    return list(version.materials.all())


def fully_online(version: ItemVersion) -> bool:
    """全程网办: online depth covers 1-6, "online" is a handling form, no visits."""
    depths = {d for d in version.online_depth or [] if isinstance(d, int)}
    return (
        depths >= FULLY_ONLINE_DEPTHS
        and "online" in (version.handling_forms or [])
        and version.visits_required == 0
    )


def _claims_fully_online(version: ItemVersion) -> bool:
    depths = {d for d in version.online_depth or [] if isinstance(d, int)}
    return depths >= FULLY_ONLINE_DEPTHS and "online" in (version.handling_forms or [])


@rule("immediate_case_kind")
def check_immediate(version: ItemVersion) -> list[Finding]:
    immediate_limit = version.promised_limit_unit == TimeUnit.IMMEDIATE
    immediate_case = version.case_kind == ItemVersion.CaseKind.IMMEDIATE
    if immediate_limit and not immediate_case:
        return [
            Finding(
                "immediate_case_kind",
                ERROR,
                "case_kind",
                _("承诺时限为即办，办件类型应为即办件。"),
            )
        ]
    if immediate_case and not immediate_limit:
        return [
            Finding(
                "immediate_case_kind",
                ERROR,
                "promised_limit_unit",
                _("办件类型为即办件，承诺时限应为即办。"),
            )
        ]
    return []


@rule("promised_limit_present")
def check_promised_present(version: ItemVersion) -> list[Finding]:
    if version.promised_limit_unit != TimeUnit.IMMEDIATE and not version.promised_limit_value:
        return [
            Finding(
                "promised_limit_present",
                ERROR,
                "promised_limit_value",
                _("承诺件应填写大于0的承诺办结时限。"),
            )
        ]
    return []


@rule("fully_online_visits")
def check_fully_online(version: ItemVersion) -> list[Finding]:
    if _claims_fully_online(version) and version.visits_required > 0:
        return [
            Finding(
                "fully_online_visits",
                ERROR,
                "visits_required",
                _("网上办理深度覆盖全流程（1至6级）的全程网办事项，到现场次数应为0。"),
            )
        ]
    return []


@rule("charged_fee_info")
def check_fees(version: ItemVersion) -> list[Finding]:
    code = "charged_fee_info"
    findings: list[Finding] = []
    if version.charged:
        if not version.fee_basis.strip():
            findings.append(Finding(code, ERROR, "fee_basis", _("收费事项应填写收费依据。")))
        if not version.fee_lines:
            findings.append(Finding(code, ERROR, "fee_lines", _("收费事项应列出收费项目。")))
        if fully_online(version) and not version.online_payment:
            findings.append(
                Finding(
                    code,
                    WARNING,
                    "online_payment",
                    _("全程网办的收费事项未开通网上支付，申请人仍需到现场缴费。"),
                )
            )
    elif version.fee_lines:
        findings.append(
            Finding(code, ERROR, "fee_lines", _("不收费事项不应列出收费项目，请核对“是否收费”。"))
        )
    return findings


@rule("promised_within_legal")
def check_promised_within_legal(version: ItemVersion) -> list[Finding]:
    code = "promised_within_legal"
    legal_unit, promised_unit = version.legal_limit_unit, version.promised_limit_unit
    legal, promised = version.legal_limit_value, version.promised_limit_value
    if promised_unit == TimeUnit.IMMEDIATE:
        return []
    if legal_unit == TimeUnit.IMMEDIATE:
        return [
            Finding(code, ERROR, "promised_limit_value", _("法定时限为即办，承诺时限也应为即办。"))
        ]
    if legal is None or promised is None:
        return []
    too_long = Finding(
        code,
        ERROR,
        "promised_limit_value",
        _("承诺办结时限（%(promised)s）长于法定办结时限（%(legal)s）。")
        % {
            "promised": _limit_text(promised, promised_unit),
            "legal": _limit_text(legal, legal_unit),
        },
    )
    if legal_unit == promised_unit:
        return [too_long] if promised > legal else []
    # N working days always span at least N calendar days, and N calendar days never
    # contain more than N working days; anything else depends on the calendar.
    if promised_unit == TimeUnit.WORKING_DAYS and promised > legal:
        return [too_long]
    if promised_unit == TimeUnit.CALENDAR_DAYS and promised <= legal:
        return []
    return [
        Finding(
            code,
            WARNING,
            "promised_limit_unit",
            _(
                "承诺时限（%(promised)s）与法定时限（%(legal)s）单位不同，请核对承诺时限不超过法定时限。"
            )
            % {
                "promised": _limit_text(promised, promised_unit),
                "legal": _limit_text(legal, legal_unit),
            },
        )
    ]


def _limit_text(value: int | None, unit: str) -> str:
    if unit == TimeUnit.IMMEDIATE:
        return str(TimeUnit.IMMEDIATE.label)
    return f"{value}{TimeUnit(unit).label}"


def _catch_all(text: str) -> str | None:
    return next((phrase for phrase in CATCH_ALL_PHRASES if phrase in text), None)


@rule("no_catch_all")
def check_catch_all(version: ItemVersion) -> list[Finding]:
    findings = []
    for index, condition in enumerate(version.conditions or [], start=1):
        if isinstance(condition, str) and (phrase := _catch_all(condition)):
            findings.append(
                Finding(
                    "no_catch_all",
                    ERROR,
                    "conditions",
                    _("受理条件第%(row)d项含兜底表述“%(phrase)s”，应逐项列明。")
                    % {"row": index, "phrase": phrase},
                )
            )
    for material in _materials(version):
        if phrase := _catch_all(material.name):
            findings.append(
                Finding(
                    "no_catch_all",
                    ERROR,
                    "materials",
                    _("申请材料“%(name)s”含兜底表述“%(phrase)s”，应逐项列明。")
                    % {"name": material.name, "phrase": phrase},
                )
            )
    return findings


@rule("conditions_present")
def check_conditions_present(version: ItemVersion) -> list[Finding]:
    if not version.conditions:
        return [Finding("conditions_present", ERROR, "conditions", _("未填写受理条件。"))]
    return []


@rule("material_acceptance_criteria")
def check_acceptance_criteria(version: ItemVersion) -> list[Finding]:
    return [
        Finding(
            "material_acceptance_criteria",
            ERROR,
            "materials",
            _("必需材料“%(name)s”未填写受理标准。") % {"name": material.name},
        )
        for material in _materials(version)
        if material.required and not material.acceptance_criteria.strip()
    ]


@rule("visits_reason")
def check_visits_reason(version: ItemVersion) -> list[Finding]:
    if version.visits_required > 0 and not version.visits_reason.strip():
        return [
            Finding(
                "visits_reason",
                ERROR,
                "visits_reason",
                _("到现场次数为%(count)d次，应说明必须现场办理的原因。")
                % {"count": version.visits_required},
            )
        ]
    return []


@rule("online_depth_forms")
def check_online_depth(version: ItemVersion) -> list[Finding]:
    depths = [d for d in version.online_depth or [] if isinstance(d, int)]
    forms = version.handling_forms or []
    if any(d >= 2 for d in depths) and "online" not in forms:
        return [
            Finding(
                "online_depth_forms",
                ERROR,
                "handling_forms",
                _("网上办理深度达到网上收件及以上，办理形式应包含网上办理。"),
            )
        ]
    if "online" in forms and not any(d >= 2 for d in depths):
        return [
            Finding(
                "online_depth_forms",
                WARNING,
                "online_depth",
                _("办理形式包含网上办理，但网上办理深度未达到网上收件。"),
            )
        ]
    return []


@rule("handling_forms_present")
def check_handling_forms(version: ItemVersion) -> list[Finding]:
    if not version.handling_forms:
        return [Finding("handling_forms_present", ERROR, "handling_forms", _("未填写办理形式。"))]
    return []


@rule("booking_window")
def check_booking(version: ItemVersion) -> list[Finding]:
    if version.booking_available and "window" not in (version.handling_forms or []):
        return [
            Finding(
                "booking_window",
                ERROR,
                "booking_available",
                _("支持预约办理的事项，办理形式应包含窗口办理。"),
            )
        ]
    return []


@rule("result_name")
def check_result_name(version: ItemVersion) -> list[Finding]:
    if version.result_type and not version.result_name.strip():
        return [
            Finding(
                "result_name", ERROR, "result_name", _("填写了审批结果类型，应填写审批结果名称。")
            )
        ]
    return []


@rule("contact_phones")
def check_phones(version: ItemVersion) -> list[Finding]:
    findings = []
    if not version.consultation_phone.strip():
        findings.append(
            Finding("contact_phones", ERROR, "consultation_phone", _("未填写咨询电话。"))
        )
    if not version.complaint_phone.strip():
        findings.append(
            Finding("contact_phones", ERROR, "complaint_phone", _("未填写监督投诉电话。"))
        )
    return findings


@rule("step_limits")
def check_step_limits(version: ItemVersion) -> list[Finding]:
    code = "step_limits"
    steps = [s for s in version.steps or [] if isinstance(s, dict)]
    if not steps:
        return [Finding(code, WARNING, "steps", _("未填写办理流程。"))]
    findings = []
    for index, step in enumerate(steps, start=1):
        if step.get("limit_unit") != TimeUnit.IMMEDIATE and step.get("limit_value") is None:
            findings.append(
                Finding(
                    code,
                    WARNING,
                    "steps",
                    _("办理流程第%(row)d步未填写时限。") % {"row": index},
                )
            )
    promised, unit = version.promised_limit_value, version.promised_limit_unit
    if unit != TimeUnit.IMMEDIATE and promised:
        same_unit = [
            s["limit_value"]
            for s in steps
            if s.get("limit_unit") == unit and isinstance(s.get("limit_value"), int)
        ]
        total = sum(same_unit)
        if total > promised:
            findings.append(
                Finding(
                    code,
                    WARNING,
                    "steps",
                    _(
                        "办理流程各步时限合计%(total)d%(unit)s，超过承诺办结时限%(promised)d%(unit)s。"
                    )
                    % {"total": total, "promised": promised, "unit": TimeUnit(unit).label},
                )
            )
    return findings


@rule("form_schema_valid")
def check_form_schema(version: ItemVersion) -> list[Finding]:
    return [
        Finding("form_schema_valid", ERROR, "form_schema", message)
        for message in form_schema_errors(version.form_schema)
    ]


@rule("json_shapes")
def check_json_shapes(version: ItemVersion) -> list[Finding]:
    return [
        Finding("json_shapes", ERROR, name, message)
        for name in VERSION_JSON_FIELDS
        if name != "form_schema"
        for message in json_field_errors(name, getattr(version, name))
    ]


@rule("materials_present")
def check_materials_present(version: ItemVersion) -> list[Finding]:
    if not _materials(version):
        return [Finding("materials_present", WARNING, "materials", _("未列出申请材料。"))]
    return []


def check_version(version: ItemVersion, *, rules: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of `version` (errors first, then in rule order)."""
    selected = RULES if rules is None else {code: RULES[code] for code in rules}
    findings: list[Finding] = []
    for func in selected.values():
        findings.extend(func(version))
    return sorted(findings, key=lambda f: f.level != ERROR)


def errors_of(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == ERROR]


def versions_to_check(queryset: QuerySet[ImplementationItem]) -> list[ItemVersion]:
    """Each item's published version, or its latest version when never published."""
    items = list(queryset.select_related("base_item", "department"))
    by_item: dict[int, ItemVersion] = {}
    versions = (
        ItemVersion.objects.filter(item__in=[item.pk for item in items])
        .order_by("item_id", "number")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("position")))
    )
    published = {item.published_version_id for item in items}
    for version in versions:
        current = by_item.get(version.item_id)
        if current is None or current.pk not in published:
            by_item[version.item_id] = version
    result = []
    for item in items:
        found = by_item.get(item.pk)
        if found is not None:
            found.item = item
            result.append(found)
    return result


def check_all(
    queryset: QuerySet[ImplementationItem] | None = None, *, errors_only: bool = False
) -> list[ItemFinding]:
    """Findings of every item in `queryset` (all implementation items by default)."""
    if queryset is None:
        queryset = ImplementationItem.objects.all()
    found: list[ItemFinding] = []
    for version in versions_to_check(queryset):
        for finding in check_version(version):
            if errors_only and finding.level != ERROR:
                continue
            found.append(ItemFinding(item=version.item, version=version, finding=finding))
    return found


def rule_codes() -> list[str]:
    return list(RULES)


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "level": finding.level,
        "field": finding.field,
        "message": finding.message,
    }
