"""Process rules (流程监察): irregularities in how a case was handled, evaluated for one
case after each of its transitions (`process_check.case_process_check`).

Every rule reads the same `CaseFacts` (each fact read once, when a rule first asks for
it, whatever the number of rules) and returns a `Finding` while its condition holds, or
None. A finding raises the rule's alert for the case; None cures it. What each rule means exactly:

- `process.missing_material`: the case was accepted (it has an acceptance date) while a
  required material of its catalogue version has no current material row; a material the
  government holds and that was taken from source, or a paper original checked at the
  window, counts as held.
- `process.step_order`: a review step was finished while a step before it (a lower
  position) was still open or was finished later, or the case was decided while a review
  step was still open (skipped).
- `process.decision_without_opinion`: a finished step with no opinion, or a decision
  (approve or refuse) with no reasons.
- `process.refusal_without_reasons`: a refusal to accept (不予受理) without the reason or
  the legal notice, or a refusal decision (不予) without reasons or remedies.
- `process.second_supplement`: a second supplement request for the same case (breaks
  "tell once, completely", 一次性告知).
- `process.offline_handling`: the case's catalogue version is fully online (全程网办:
  online depths 1–6, no visit, handled online; `catalog.selectors.is_fully_online`) but the
  case was handled on paper: a paper original was required at a counter, or it came in on
  a paper channel (parameter `paper_channels`, by default post).
- `process.fee_mismatch`: a fee recorded for the case (`cases.CaseFee`, recorded when the
  result is issued) differs from its catalogue version's fees: (a) the version is not
  charged (不收费) but a fee above 0 was recorded; (b) a fee above 0 matches no catalogue fee
  line (by its catalogue line or its own name, whitespace ignored); (c) a fee is above its
  line's numeric standard (the line's amount, or its standard when that is a bare amount
  such as "20元"; a standard in words with no amount cannot be compared, so is no
  finding; `cases.fees.catalogue_amount`). A fee recorded at 0 (exempted) is never one.
  The finding lists each offending fee with its reason (`not_charged`, `not_in_catalogue`,
  `above_standard`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from govhub.cases.fees import catalogue_amount, catalogue_lines, match_line
from govhub.cases.models import (
    Case,
    CaseEvent,
    CaseFee,
    CaseMaterial,
    CaseStep,
    Channel,
    SupplementRequest,
)
from govhub.cases.workflow import Action, Decision, State
from govhub.catalog.models import ItemVersion, Material
from govhub.catalog.selectors import is_fully_online
from govhub.supervision.rules import PROCESS, ParamSpec, RuleDefinition, register

# What the rules read of the case row.
_CASE_FIELDS = (
    "id",
    "state",
    "channel",
    "accepted_on",
    "decision",
    "decision_reason",
    "remedy",
    "outcome_reason",
    "decided_at",
    "department_id",
    "region_id",
    "version",
)


@dataclass(frozen=True)
class Finding:
    """What a rule found (stored in the alert's `detail`)."""

    detail: dict[str, Any] = field(default_factory=dict)


class CaseFacts:
    """Everything the process rules read about one case, each fact read at most once and
    only when a rule asks for it. What a case cannot have yet is known without reading:
    review steps, decisions and fees all come after acceptance (`accepted_on`)."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.version: ItemVersion = case.version

    @classmethod
    def load(cls, case_id: int, *, lock: bool = False) -> CaseFacts | None:
        """The facts of a submitted case (None for a draft or no case); `lock` takes the
        case's row lock for the rest of the transaction in the same statement."""
        return cls.load_many([case_id], lock=lock).get(case_id)

    @classmethod
    def load_many(cls, case_ids: Iterable[int], *, lock: bool = False) -> dict[int, CaseFacts]:
        """The facts of the submitted cases among `case_ids`, by case id; `lock` takes
        their row locks (in id order) in the same statement. For more than one case the
        facts every rule run needs are read for all of them at once (supplement requests,
        current materials: one statement each); for one, when a rule asks."""
        cases = Case.objects.select_related("version")
        if lock:
            cases = cases.select_for_update(of=("self",))
        found = {
            case.pk: cls(case)
            for case in cases.only(*_CASE_FIELDS)
            .filter(pk__in=case_ids)
            .exclude(state=State.DRAFT)
            .order_by("pk")
        }
        if len(found) > 1:
            supplements = Counter(
                SupplementRequest.objects.filter(case_id__in=found)
                .order_by()  # (the default ordering joins the case table)
                .values_list("case_id", flat=True)
            )
            materials: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
            for case_id, material_id, source in (
                CaseMaterial.objects.filter(case_id__in=found, is_current=True)
                .order_by()
                .values_list("case_id", "material_id", "source")
            ):
                materials[case_id].append((material_id, source))
            for case_id, facts in found.items():
                # What the cached properties below would read, one case at a time.
                facts.__dict__["supplement_count"] = supplements[case_id]
                facts.__dict__["_materials"] = materials[case_id]
            cls._load_handling([facts for facts in found.values() if facts._accepted])
        return found

    @staticmethod
    def _load_handling(accepted: list[CaseFacts]) -> None:
        """The steps, decision opinions, fees and required materials of accepted cases,
        one statement each."""
        if not accepted:
            return
        ids = [facts.case.pk for facts in accepted]
        steps: dict[int, list[CaseStep]] = defaultdict(list)
        for step in CaseStep.objects.filter(case_id__in=ids).order_by("position", "id"):
            steps[step.case_id].append(step)
        opinions: dict[int, list[str]] = defaultdict(list)
        for case_id, opinion in (
            CaseEvent.objects.filter(case_id__in=ids, action=Action.DECIDE)
            .order_by()
            .values_list("case_id", "opinion")
        ):
            opinions[case_id].append(opinion)
        fees: dict[int, list[CaseFee]] = defaultdict(list)
        for fee in CaseFee.objects.filter(case_id__in=ids).order_by("id"):
            fees[fee.case_id].append(fee)
        required: dict[int, list[Material]] = defaultdict(list)
        versions = {facts.case.version_id for facts in accepted}
        for material in Material.objects.filter(version_id__in=versions, required=True):
            required[material.version_id].append(material)
        for facts in accepted:
            facts.__dict__["required_materials"] = required[facts.case.version_id]
            facts.__dict__["steps"] = steps[facts.case.pk]
            facts.__dict__["decide_opinions"] = opinions[facts.case.pk]
            facts.__dict__["fees"] = fees[facts.case.pk]

    @property
    def _accepted(self) -> bool:
        return self.case.accepted_on is not None

    @cached_property
    def _materials(self) -> list[tuple[int | None, str]]:
        return list(
            CaseMaterial.objects.filter(case_id=self.case.pk, is_current=True).values_list(
                "material_id", "source"
            )
        )

    @cached_property
    def steps(self) -> list[CaseStep]:
        if not self._accepted:
            return []
        return list(CaseStep.objects.filter(case_id=self.case.pk).order_by("position", "id"))

    @cached_property
    def required_materials(self) -> list[Material]:
        return [m for m in self.version.materials.all() if m.required]

    @cached_property
    def held_material_ids(self) -> set[int]:
        return {m for m, _s in self._materials if m is not None}

    @cached_property
    def paper_material(self) -> bool:
        return any(s == CaseMaterial.Source.PAPER for _m, s in self._materials)

    @cached_property
    def supplement_count(self) -> int:
        return self.case.supplements.count()

    @cached_property
    def decide_opinions(self) -> list[str]:
        if not self._accepted:
            return []
        return list(self.case.events.filter(action=Action.DECIDE).values_list("opinion", flat=True))

    @cached_property
    def fees(self) -> list[CaseFee]:
        if not self._accepted:
            return []
        return list(CaseFee.objects.filter(case_id=self.case.pk).order_by("id"))


class ProcessRule(RuleDefinition):
    kind = PROCESS
    default_severity: ClassVar[str] = "red"

    def evaluate(self, facts: CaseFacts, params: dict[str, Any]) -> Finding | None:
        raise NotImplementedError


@register
class MissingMaterial(ProcessRule):
    code = "process.missing_material"
    name = _("材料不全即受理")
    description = _("办件已受理，但事项要求的必要材料没有全部收取（从源头调取的视为已收取）。")

    def evaluate(self, facts: CaseFacts, params: dict[str, Any]) -> Finding | None:
        if facts.case.accepted_on is None:
            return None
        missing = [m for m in facts.required_materials if m.pk not in facts.held_material_ids]
        if not missing:
            return None
        return Finding({"materials": [m.name for m in missing]})


@register
class StepOrder(ProcessRule):
    code = "process.step_order"
    name = _("环节缺失或顺序颠倒")
    description = _("审查环节被跳过，或在前一环节办结之前办理了后一环节。")

    def evaluate(self, facts: CaseFacts, params: dict[str, Any]) -> Finding | None:
        problems: list[dict[str, Any]] = []
        for later in facts.steps:
            if later.finished_at is None:
                continue
            for earlier in facts.steps:
                if earlier.position >= later.position:
                    continue
                if earlier.finished_at is None or earlier.finished_at > later.finished_at:
                    problems.append(
                        {"step": later.name, "before": earlier.name, "kind": "out_of_order"}
                    )
        decided = facts.case.decided_at is not None or facts.case.decision != ""
        if decided:
            for step in facts.steps:
                if step.finished_at is None and step.kind != CaseStep.Kind.DECISION:
                    problems.append({"step": step.name, "kind": "skipped"})
        return Finding({"problems": problems}) if problems else None


@register
class DecisionWithoutOpinion(ProcessRule):
    code = "process.decision_without_opinion"
    name = _("无审查意见即作出决定")
    description = _("办理环节已办结但没有审查意见，或作出决定时没有写明理由。")

    def evaluate(self, facts: CaseFacts, params: dict[str, Any]) -> Finding | None:
        steps = [s.name for s in facts.steps if s.finished_at is not None and not s.opinion.strip()]
        decision = bool(facts.case.decision) and not facts.case.decision_reason.strip()
        blank_events = any(not opinion.strip() for opinion in facts.decide_opinions)
        if not steps and not decision and not blank_events:
            return None
        return Finding({"steps": steps, "decision": decision or blank_events})


@register
class RefusalWithoutReasons(ProcessRule):
    code = "process.refusal_without_reasons"
    name = _("不予受理或不予许可未说明理由")
    description = _("不予受理没有理由或法律告知，或不予决定没有理由或救济途径。")

    def evaluate(self, facts: CaseFacts, params: dict[str, Any]) -> Finding | None:
        case = facts.case
        lacking: list[str] = []
        if case.state == State.NOT_ACCEPTED:
            if not case.outcome_reason.strip():
                lacking.append("reason")
            if not case.remedy.strip():
                lacking.append("legal_notice")
            return Finding({"refusal": "not_accepted", "lacking": lacking}) if lacking else None
        if case.decision == Decision.REFUSED:
            if not case.decision_reason.strip():
                lacking.append("reason")
            if not case.remedy.strip():
                lacking.append("remedy")
            return Finding({"refusal": "refused", "lacking": lacking}) if lacking else None
        return None


@register
class SecondSupplement(ProcessRule):
    code = "process.second_supplement"
    name = _("多次要求补正")
    description = _("同一办件第二次要求补正材料，违反“一次性告知”。")
    default_severity = "yellow"

    def evaluate(self, facts: CaseFacts, params: dict[str, Any]) -> Finding | None:
        if facts.supplement_count < 2:
            return None
        return Finding({"requests": facts.supplement_count})


@register
class OfflineHandling(ProcessRule):
    code = "process.offline_handling"
    name = _("全程网办事项线下办理")
    description = _("全程网办事项却要求提交纸质原件，或通过纸质渠道受理。")
    params = {
        "paper_channels": ParamSpec(
            "list[str]",
            [Channel.POST.value],
            _("视为纸质办理的申请渠道"),
            choices=tuple(Channel.values),
        )
    }

    def evaluate(self, facts: CaseFacts, params: dict[str, Any]) -> Finding | None:
        if not is_fully_online(facts.version):
            return None
        channel = facts.case.channel in params.get("paper_channels", [])
        if not facts.paper_material and not channel:
            return None
        return Finding({"channel": facts.case.channel, "paper_material": facts.paper_material})


@register
class FeeMismatch(ProcessRule):
    code = "process.fee_mismatch"
    name = _("收费与目录不符")
    description = _(
        "不收费事项收取了费用，收取了收费目录以外的费用，或收费金额高于目录规定的标准。"
    )

    def evaluate(self, facts: CaseFacts, params: dict[str, Any]) -> Finding | None:
        lines = catalogue_lines(facts.version.fee_lines)
        problems: list[dict[str, Any]] = []
        for fee in facts.fees:
            if fee.amount <= 0:
                continue  # exempted: nothing was charged
            found = {"name": fee.name, "amount": f"{fee.amount:.2f}"}
            if not facts.version.charged:
                problems.append({**found, "reason": "not_charged"})
                continue
            line = match_line(lines, name=fee.name, catalogue_name=fee.catalogue_name)
            if line is None:
                problems.append({**found, "reason": "not_in_catalogue"})
                continue
            standard = catalogue_amount(line)
            if standard is not None and fee.amount > standard:
                problems.append(
                    {
                        **found,
                        "reason": "above_standard",
                        "catalogue_name": str(line.get("name", "")).strip(),
                        "standard": f"{standard:.2f}",
                    }
                )
        return Finding({"fees": problems}) if problems else None
