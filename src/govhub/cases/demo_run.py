"""One demo scenario run through the services, act by act, and the backdating of what the
services stamped with the real clock (see `demo`, "Ageing")."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case as SqlCase
from django.db.models import DateTimeField, F, Value, When

from govhub.cases import prefill, schema_form, services
from govhub.cases.demo_forms import Facts, application_form, demo_pdf
from govhub.cases.demo_scenarios import (
    HOTLINE,
    KEY_PREFIX,
    SERVICE_POINT,
    TEAMS,
    WEB,
    WINDOW,
    Act,
    DemoCase,
)
from govhub.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseResult,
    CaseStep,
    DeadlineChange,
    DeliveryMethod,
    SupplementRequest,
)
from govhub.catalog.models import Material
from govhub.core import calendar
from govhub.identity.models import User
from govhub.organizations.models import Position

if TYPE_CHECKING:
    from govhub.cases.demo import _Loader

Role = Position.Role


class CaseRun:
    """The acts of one scenario, in order, through the services."""

    def __init__(self, loader: _Loader, spec: DemoCase) -> None:
        self.loader = loader
        self.spec = spec
        self.team = TEAMS[spec.department]
        self.item = loader.items[spec.item]
        self.who = loader.applicants[spec.key]
        self.case_id = 0

    # -- helpers --

    @property
    def case(self) -> Case:
        return Case.objects.select_related("current_step", "version").get(pk=self.case_id)

    def _user(self, username: str) -> User:
        if not username:
            raise ImproperlyConfigured(
                f"Demo case {self.spec.key}: {self.spec.department} has nobody for this step."
            )
        return self.loader.user(username)

    @property
    def immediate(self) -> bool:
        return self.item.published_version.case_kind == "immediate"  # type: ignore[union-attr]

    def intake_clerk(self) -> User:
        """The clerk who took the case in at their window, else the department's clerk."""
        if self.spec.channel == WINDOW:
            return self._user(self.spec.filer)
        return self._user(self.team.clerk)

    def for_role(self, role: str) -> User:
        if role == Role.WINDOW_CLERK:
            return self.intake_clerk()
        if role == Role.APPROVER:
            return self._user(self.team.approver)
        return self._user(self.team.reviewer)

    def applicant_actor(self) -> tuple[User, str]:
        """Who acts as the applicant (withdraw, resubmit): the account online, the agent
        who filed it at a service point, else the intake clerk; and on which channel."""
        if self.spec.channel == WEB and self.who.account is not None:
            return self.who.account, WEB
        if self.spec.channel == SERVICE_POINT:
            return self._user(self.spec.filer), SERVICE_POINT
        return self.intake_clerk(), WINDOW

    def _file(self, material: Material | None, label: str) -> SimpleUploadedFile:
        name = (material.name if material else label)[:60]
        body = demo_pdf(f"case demo-{self.spec.key}, material {material.pk if material else label}")
        return SimpleUploadedFile(f"{name}.pdf", body, content_type="application/pdf")

    def _facts(self, day: datetime.date) -> Facts:
        deceased = self.loader.deceased.get(self.spec.key)
        return Facts(
            applied_on=day,
            mobile=self.who.mobile,
            bank_account=f"622848001{self.spec.key:010d}",
            deceased_id_number=deceased.id_number if deceased else "",
            deceased_name=deceased.name if deceased else "",
        )

    # -- acts --

    def perform(self, act: Act) -> None:
        handler: Callable[[Act], None] = getattr(self, f"_{act.action}")
        handler(act)

    def _submit(self, act: Act) -> None:
        spec, who = self.spec, self.who
        version = self.item.published_version
        assert version is not None
        schema = version.form_schema or {}
        required = [m for m in version.materials.all() if m.required]
        online = spec.channel == WEB
        if online:
            assert who.account is not None
            actor = who.account
            known = prefill.prefill_for(schema, user=actor, enterprise=who.enterprise).values
        else:
            actor = self._user(spec.filer)
            known = who.known()
        held = (
            prefill.government_held_materials(version, user=who.account, enterprise=who.enterprise)
            if who.account is not None
            else {}
        )
        needed = [m for m in required if m.pk not in held]
        form = application_form(
            schema, known=known, overrides=spec.form, facts=self._facts(calendar.local_today())
        )
        errors = schema_form.validate_submission(schema, form)
        if errors:
            raise ImproperlyConfigured(
                f"Demo case {spec.key} ({spec.item}): form invalid: {errors}"
            )
        uploads = online or spec.channel == HOTLINE
        case = services.case_submit(
            actor=actor,
            channel=spec.channel,
            item=self.item,
            form_data=form,
            files={m.pk: self._file(m, "") for m in needed} if uploads else None,
            paper_material_ids=() if uploads else [m.pk for m in needed],
            idempotency_key=f"{KEY_PREFIX}{spec.key}",
            applicant=None
            if online
            else services.ApplicantData(
                name=who.name, id_number=who.id_number, mobile=who.mobile, uscc=who.uscc
            ),
            acting_for=who.enterprise if online else None,
            door_to_door=spec.door_to_door,
            proxy_note=spec.proxy_note,
        )
        self.case_id = case.pk

    def _accept(self, act: Act) -> None:
        services.case_accept(actor=self.intake_clerk(), case=self.case, opinion=act.text)

    def _supplement(self, act: Act) -> None:
        case = self.case
        materials = list(case.version.materials.all())
        rows = []
        for start, reason in act.items:
            material = next((m for m in materials if m.name.startswith(start)), None)
            if material is None:
                raise ImproperlyConfigured(f"Demo case {self.spec.key}: no material {start!r}.")
            rows.append(
                {"material_id": material.pk, "name": material.display_name, "reason": reason}
            )
        actor = self.intake_clerk() if case.accepted_on is None else self._user(self.team.reviewer)
        services.case_request_supplement(actor=actor, case=case, items=rows, note=act.text)

    def _resubmit(self, act: Act) -> None:
        case = self.case
        request = (
            case.supplements.filter(resolved_at__isnull=True).order_by("-requested_at").first()
        )
        materials = {m.pk: m for m in case.version.materials.all()}
        wanted = [
            row["material_id"]
            for row in (request.items if request else [])
            if row.get("material_id")
        ]
        actor, channel = self.applicant_actor()
        services.case_resubmit(
            actor=actor,
            case=case,
            files={pk: self._file(materials[pk], "") for pk in wanted},
            acting_for=self.who.enterprise if channel == WEB else None,
            channel=channel,
        )

    def _review(self, act: Act) -> None:
        case = self.case
        step = case.current_step
        if step is None or step.kind == CaseStep.Kind.DECISION:
            raise ImproperlyConfigured(f"Demo case {self.spec.key}: no review step is open.")
        services.case_review(
            actor=self.for_role(step.role),
            case=case,
            step=step,
            outcome=CaseStep.Outcome.AGREE,
            opinion=act.text or "材料齐全，内容真实，符合法定条件，拟同意。",
        )

    def _decide(self, act: Act) -> None:
        case = self.case
        step = case.current_step
        role = (
            step.role
            if step is not None
            else (Role.WINDOW_CLERK if self.immediate else Role.APPROVER)
        )
        services.case_decide(
            actor=self.for_role(role),
            case=case,
            decision=act.decision,
            reason=act.text or "申请材料齐全，符合法定条件和标准，准予办理。",
        )

    def _special(self, act: Act) -> None:
        case = self.case
        procedures = case.version.special_procedures or []
        if not procedures:
            raise ImproperlyConfigured(
                f"Demo case {self.spec.key}: the item has no special procedure."
            )
        procedure = procedures[0]
        services.case_special_start(
            actor=self._user(self.team.reviewer),
            case=case,
            kind=procedure["kind"],
            name=procedure["name"],
            reason=act.text,
            limit_value=procedure.get("limit_value"),
            limit_unit=procedure.get("limit_unit") or "working_days",
        )

    def _end_special(self, act: Act) -> None:
        services.case_special_end(
            actor=self._user(self.team.reviewer), case=self.case, result=act.text
        )

    def _extend(self, act: Act) -> None:
        services.case_extend(
            actor=self._user(self.team.approver), case=self.case, days=act.days, reason=act.text
        )

    def _issue(self, act: Act) -> None:
        case = self.case
        file = None
        try:
            import govhub.cases.notices  # noqa: F401  (the decision notice is generated)
        except ImportError:  # pragma: no cover - until the notices module exists
            file = self._file(None, "decision")
        services.case_issue(actor=self.intake_clerk(), case=case, file=file)

    def _deliver(self, act: Act) -> None:
        services.case_deliver(
            actor=self.intake_clerk(),
            case=self.case,
            method=act.method,
            address=self.who.registered_address or self.who.address
            if act.method == DeliveryMethod.POST
            else "",
            tracking_number=act.tracking,
        )

    def _complete(self, act: Act) -> None:
        services.case_complete(actor=self.intake_clerk(), case=self.case)

    def _withdraw(self, act: Act) -> None:
        actor, channel = self.applicant_actor()
        services.case_withdraw(
            actor=actor,
            case=self.case,
            reason=act.text,
            acting_for=self.who.enterprise if channel == WEB else None,
            channel=channel,
        )

    def _terminate(self, act: Act) -> None:
        services.case_terminate(
            actor=self._user(self.team.approver), case=self.case, reason=act.text
        )

    def _reject(self, act: Act) -> None:
        services.case_reject_intake(
            actor=self.intake_clerk(), case=self.case, reason=act.text, legal_notice=act.notice
        )


# Timestamps the services stamp with the real clock, by model.
_STAMPED: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (CaseEvent, ("occurred_at",)),
    (DeadlineChange, ("occurred_at",)),
    (SupplementRequest, ("requested_at", "resolved_at")),
    (CaseMaterial, ("uploaded_at",)),
    (CaseResult, ("issued_at",)),
    (CaseStep, ("finished_at",)),
)


def backdate(
    case_id: int, stamps: list[tuple[datetime.datetime, datetime.datetime | None]]
) -> None:
    """Move what each act stamped with the real clock to the act's simulated time.

    `stamps`: for each act in order, when it started (real clock) and the time it is
    moved to (None: it happened today and keeps its real time). A row stamped at or after
    an act's start and before the next act's belongs to that act; rows already moved are
    earlier than every start, so running it again changes nothing. Demo data only: history
    is never rewritten otherwise. Direct queryset updates (one per table and field), so
    no signal, event or audit record follows."""
    if all(moved is None for _, moved in stamps):
        return

    def moved_value(name: str) -> SqlCase:
        whens = [
            When(
                **{f"{name}__gte": started},
                then=F(name) if moved is None else Value(moved, output_field=DateTimeField()),
            )
            for started, moved in reversed(stamps)
        ]
        return SqlCase(*whens, default=F(name), output_field=DateTimeField())

    first = stamps[0][0]
    fields = ("created_at", "submitted_at", "decided_at", "completed_at", "updated_at")
    Case.objects.filter(pk=case_id).update(**{name: moved_value(name) for name in fields})
    for model, names in _STAMPED:
        for name in names:
            model.objects.filter(case_id=case_id, **{f"{name}__gte": first}).update(
                **{name: moved_value(name)}
            )
