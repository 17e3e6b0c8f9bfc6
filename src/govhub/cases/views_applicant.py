"""The applicant's pages: apply online, drafts, "my cases", the case page, the public
status look-up.

Thin views: `services` decide and write, `selectors` read what the caller may see. Every
page works without JavaScript. The self-service kiosk (`views_kiosk`) runs the same
handlers with its own templates, URL namespace and channel: each handler takes a
`Flavour` saying which.

Levels of assurance: reading one's cases needs a sign-in (L1); everything that changes
a case (applying, uploading, resubmitting, withdrawing) needs L2 (password plus an SMS
code or an authenticator), as the identity rules require for acting in one's own name.
"""

from __future__ import annotations

import datetime
import mimetypes
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from govhub.cases import clock, policies, prefill, schema_form, selectors, services, uploads
from govhub.cases.models import Case, CaseMaterial, Channel, DeadlineChange
from govhub.cases.workflow import FINAL_STATES, Action, Decision, State
from govhub.catalog import selectors as catalog_selectors
from govhub.catalog.models import ImplementationItem, ItemVersion, Material
from govhub.core.audit import client_ip
from govhub.core.errors import ApplicationError, Conflict, Forbidden, InvalidInput, NotFound
from govhub.core.validators import to_ascii
from govhub.identity import levels, session
from govhub.identity.models import Enterprise

# --- Flavours: the web pages and the kiosk share the handlers ------------------------------


@dataclass(frozen=True)
class Flavour:
    """Which page set a handler serves: URL namespace, template folder, channel."""

    namespace: str
    templates: str
    channel: str
    autocomplete: bool = True

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"{self.namespace}:{name}", args=args)

    def template(self, name: str) -> str:
        return f"{self.templates}/{name}"

    def context(self) -> dict[str, Any]:
        return {"ns": self.namespace, "flavour": self}

    def guide_url(self, code: str) -> str:
        """The item's guide: the catalogue's page, or the kiosk's own."""
        if self.namespace == "kiosk":
            return reverse("kiosk:guide", args=[code])
        return reverse("catalog:item_guide", args=[code])


WEB = Flavour(namespace="cases", templates="cases/applicant", channel=Channel.WEB)

DRAFT_PAGE_SIZE = 10
MINE_PAGE_SIZE = 10
ACCEPTED_FILE_TYPES = ".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"

# "My cases" tabs: key → (label, states).
ACTIVE_STATES = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.SPECIAL_PROCEDURE,
    State.DECIDED,
    State.ISSUED,
    State.DELIVERED,
)
TABS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "active": (gettext_lazy("办理中"), ACTIVE_STATES),
    "action": (gettext_lazy("待我补正"), (State.SUPPLEMENT_REQUESTED,)),
    "done": (pgettext_lazy("cases tab", "已办结"), tuple(sorted(FINAL_STATES))),
    "drafts": (gettext_lazy("草稿"), (State.DRAFT,)),
}

# The public status look-up: failed attempts per client address.
STATUS_MAX_FAILURES = 10
STATUS_WINDOW_SECONDS = 600


# --- Small helpers ----------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.user


def _acting(request: HttpRequest) -> Enterprise | None:
    return session.acting_for(request)


def _can_change(request: HttpRequest) -> bool:
    """Changes to a case need L2 (see the module docstring)."""
    return session.level_satisfied(request, levels.L2)


def _not_found(exc: ApplicationError | None = None) -> Http404:
    return Http404(str(exc.message) if exc is not None else _("找不到该办件，或您无权查看。"))


def _messages_of(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]


@dataclass
class SplitErrors:
    """A service's `InvalidInput`, sorted for the page: the application form's fields
    ("form.<name>"), the materials ("material.<id>") and everything else."""

    message: str = ""
    form: dict[str, list[str]] = field(default_factory=dict)
    materials: dict[int, list[str]] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, exc: ApplicationError) -> SplitErrors:
        split = cls(message=str(exc.message))
        for key, values in (exc.fields or {}).items():
            texts = _messages_of(values)
            if key.startswith("form."):
                split.form.setdefault(key[len("form.") :], []).extend(texts)
            elif key.startswith("material."):
                try:
                    material_id = int(key[len("material.") :])
                except ValueError:
                    split.other.extend(texts)
                else:
                    split.materials.setdefault(material_id, []).extend(texts)
            else:
                split.other.extend(t for t in texts if t != split.message)
        return split

    def add_material(self, material_id: int, exc: ApplicationError) -> None:
        texts: list[str] = []
        for values in (exc.fields or {}).values():
            texts.extend(_messages_of(values))
        self.materials.setdefault(material_id, []).extend(texts or [str(exc.message)])

    def __bool__(self) -> bool:
        return bool(self.message or self.form or self.materials or self.other)


# --- Time and progress in plain words -----------------------------------------------------------


def days_text(count: int, unit: str) -> str:
    """ "3 个工作日" / "3 个自然日" (immediate items count working days)."""
    return catalog_selectors.time_limit_label(
        count, clock.CALENDAR if unit == clock.CALENDAR else clock.WORKING
    )


def limit_text(value: int | None, unit: str) -> str:
    return catalog_selectors.time_limit_label(value, unit) if unit else ""


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    status: str  # done, current, upcoming, stopped, skipped
    when: Any = None
    note: str = ""


STAGES: tuple[tuple[str, Any], ...] = (
    ("submitted", gettext_lazy("提交申请")),
    ("accepted", gettext_lazy("受理")),
    ("review", gettext_lazy("审查")),
    ("decision", gettext_lazy("作出决定")),
    ("result", gettext_lazy("出具结果")),
    ("delivered", gettext_lazy("送达")),
)

# How far each state has come: the index of the stage in progress (or reached).
_STAGE_OF_STATE: dict[str, int] = {
    State.DRAFT: 0,
    State.SUBMITTED: 1,
    State.SUPPLEMENT_REQUESTED: 1,
    State.NOT_ACCEPTED: 1,
    State.UNDER_REVIEW: 2,
    State.SPECIAL_PROCEDURE: 2,
    State.DECIDED: 4,
    State.ISSUED: 5,
    State.DELIVERED: 6,
    State.COMPLETED: 6,
}


def progress(case: Case) -> tuple[int, int, str]:
    """(stages done, stages in all, the label of the current stage) for a small bar."""
    total = len(STAGES)
    if case.state == State.SUPPLEMENT_REQUESTED and case.accepted_on is not None:
        done = 2
    else:
        done = _STAGE_OF_STATE.get(case.state, 0)
    if case.state in (State.WITHDRAWN, State.TERMINATED, State.NOT_ACCEPTED):
        return done, total, str(State(case.state).label)
    if done >= total:
        return total, total, str(State(case.state).label)
    return done, total, str(STAGES[done][1])


def _first_event_times(history: Iterable[Any]) -> dict[str, Any]:
    times: dict[str, Any] = {}
    for event in history:
        times.setdefault(event.action, event.occurred_at)
    return times


def _last_event_times(history: Iterable[Any]) -> dict[str, Any]:
    return {event.action: event.occurred_at for event in history}


def timeline(case: Case, history: Iterable[Any]) -> list[Stage]:
    """The six stages of a case (submitted → delivered), each done, current or still to
    come, with the day it was reached; a case that ended early ends with its outcome."""
    history = list(history)
    first = _first_event_times(history)
    last = _last_event_times(history)
    reached = {
        "submitted": case.submitted_at,
        "accepted": first.get(Action.ACCEPT) or case.accepted_on,
        "review": first.get(Action.ACCEPT) or case.accepted_on,
        "decision": case.decided_at,
        "result": first.get(Action.ISSUE),
        "delivered": first.get(Action.DELIVER),
    }
    done_count, _total, _label = progress(case)
    ended = case.state in (State.WITHDRAWN, State.TERMINATED, State.NOT_ACCEPTED)
    if ended:
        done_count = _ended_at_stage(case, first)
    stages: list[Stage] = []
    for index, (key, label) in enumerate(STAGES):
        note = ""
        if index < done_count:
            status = "done"
            when = reached.get(key)
            if key == "decision" and case.decision:
                note = str(Decision(case.decision).label)
            if key == "review":
                when = None  # the review has no single day; the decision closes it
        elif index == done_count and not ended and case.state != State.COMPLETED:
            status = "current"
            when = None
            note = _current_note(case)
        else:
            status = "skipped" if ended else "upcoming"
            when = None
        stages.append(Stage(key=key, label=str(label), status=status, when=when, note=note))
    if ended:
        action = {
            State.WITHDRAWN: Action.WITHDRAW,
            State.TERMINATED: Action.TERMINATE,
            State.NOT_ACCEPTED: Action.REJECT_INTAKE,
        }[State(case.state)]
        stages.insert(
            done_count,
            Stage(
                key="ended",
                label=str(State(case.state).label),
                status="stopped",
                when=last.get(action) or case.completed_at,
            ),
        )
    return stages


def _ended_at_stage(case: Case, first: Mapping[str, Any]) -> int:
    if case.state == State.NOT_ACCEPTED:
        return 1
    if case.decided_at is not None:
        return 4
    if case.accepted_on is not None:
        return 2
    return 1 if case.submitted_at else 0


def _current_note(case: Case) -> str:
    if case.state == State.SUPPLEMENT_REQUESTED:
        return _("等待您补正材料")
    if case.state == State.SPECIAL_PROCEDURE:
        return _("特别程序进行中")
    if case.state == State.SUBMITTED:
        return _("等待部门审核材料")
    return _("正在办理")


def time_left_text(case: Case, summary: clock.ClockSummary) -> str:
    """A few words for a list row: days left, overdue, paused, or why there is no clock."""
    if case.state == State.DRAFT:
        return ""
    if case.state in FINAL_STATES:
        return ""
    if summary.accepted_on is None:
        return _("受理后开始计时")
    if summary.paused:
        return _("暂停计时")
    if case.decided_at is not None:
        return _("已作出决定")
    if summary.left is None:
        return ""
    if summary.left < 0:
        return _("已超期%(days)s") % {"days": days_text(-summary.left, summary.unit)}
    if summary.left == 0:
        return _("今天到期")
    return _("剩余%(days)s") % {"days": days_text(summary.left, summary.unit)}


def deadline_story(detail: selectors.CaseDetail) -> list[str]:
    """The history of the case's deadlines in plain words: acceptance, pauses (supplements,
    special procedures) and extensions."""
    case = detail.case
    unit = case.promised_limit_unit or clock.WORKING
    lines: list[str] = []
    for change in detail.deadlines:
        date = timezone.localdate(change.occurred_at)
        if change.reason == DeadlineChange.Reason.ACCEPTED:
            if change.promised_due:
                lines.append(
                    _("%(date)s 受理，承诺办结日期为 %(due)s。")
                    % {"date": _date(date), "due": _date(change.promised_due)}
                )
            else:
                lines.append(_("%(date)s 受理。") % {"date": _date(date)})
        elif change.reason == DeadlineChange.Reason.RESUMED:
            paused = (
                _("暂停了%(days)s，") % {"days": days_text(change.excluded_days, unit)}
                if change.excluded_days
                else ""
            )
            lines.append(
                _("%(date)s 恢复计时（%(note)s），%(paused)s办结日期为 %(due)s。")
                % {
                    "date": _date(date),
                    "note": change.note or _("暂停结束"),
                    "paused": paused,
                    "due": _date(change.promised_due),
                }
            )
        elif change.reason == DeadlineChange.Reason.EXTENDED:
            lines.append(
                _("%(date)s 经批准延长办理时限，办结日期延至 %(due)s。%(note)s")
                % {"date": _date(date), "due": _date(change.promised_due), "note": change.note}
            )
    for procedure in detail.procedures:
        if procedure.ended_on:
            lines.append(
                _("%(start)s 至 %(end)s 进行%(name)s，这段时间不计入办理时限。")
                % {
                    "start": _date(procedure.started_on),
                    "end": _date(procedure.ended_on),
                    "name": procedure.name,
                }
            )
        else:
            lines.append(
                _("自 %(start)s 起进行%(name)s，这段时间不计入办理时限。")
                % {"start": _date(procedure.started_on), "name": procedure.name}
            )
    return lines


def _date(value: datetime.date | None) -> str:
    if value is None:
        return "—"
    from django.utils import formats

    return formats.date_format(value, "DATE_FORMAT")


@dataclass(frozen=True)
class ClockView:
    """The clock as the case page shows it."""

    started: bool
    unit_label: str
    promised_limit: str
    legal_limit: str
    accepted_on: datetime.date | None
    promised_due: datetime.date | None
    legal_due: datetime.date | None
    used: str
    left: str
    overdue: bool
    paused: bool
    paused_since: datetime.date | None
    stopped: bool
    provisional: bool


def clock_view(case: Case, summary: clock.ClockSummary) -> ClockView:
    unit = summary.unit
    used = days_text(summary.used, unit) if summary.used is not None else ""
    left = ""
    if summary.left is not None:
        if summary.left < 0:
            left = _("已超期%(days)s") % {"days": days_text(-summary.left, unit)}
        elif summary.left == 0:
            left = _("今天到期")
        else:
            left = days_text(summary.left, unit)
    return ClockView(
        started=summary.accepted_on is not None,
        unit_label=str(clock_unit_label(unit)),
        promised_limit=limit_text(case.promised_limit_value, case.promised_limit_unit),
        legal_limit=limit_text(case.legal_limit_value, case.legal_limit_unit),
        accepted_on=summary.accepted_on,
        promised_due=summary.promised_due,
        legal_due=summary.legal_due,
        used=used,
        left=left,
        overdue=summary.overdue,
        paused=summary.paused,
        paused_since=summary.paused_since,
        stopped=case.decided_at is not None or case.state in FINAL_STATES,
        provisional=summary.provisional,
    )


def clock_unit_label(unit: str) -> Any:
    return {
        clock.WORKING: gettext_lazy("工作日"),
        clock.CALENDAR: gettext_lazy("自然日"),
        clock.IMMEDIATE: gettext_lazy("即办"),
    }.get(unit, "")


# --- Materials ---------------------------------------------------------------------------------


@dataclass
class MaterialView:
    """One catalogue material on the application page."""

    material: Material
    current: CaseMaterial | None = None
    held_reference: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def input_id(self) -> str:
        return f"material-{self.material.pk}-file"

    @property
    def anchor(self) -> str:
        return f"material-{self.material.pk}"

    @property
    def needs_upload(self) -> bool:
        return not self.held_reference

    @property
    def hint_id(self) -> str:
        return f"material-{self.material.pk}-hint"

    @property
    def error_id(self) -> str:
        return f"material-{self.material.pk}-error"


def _held_materials(request: HttpRequest, case: Case) -> dict[int, str]:
    """The materials the registries hold for this applicant (not asked for again).

    Read once per draft and kept in the session: every registry read is logged, and the
    answer does not change while the applicant fills in the form."""
    key = f"cases.held.{case.pk}"
    stored = request.session.get(key)
    if isinstance(stored, dict) and stored.get("version") == case.version_id:
        return {int(k): str(v) for k, v in stored.get("held", {}).items()}
    held = prefill.government_held_materials(
        case.version, user=_user(request), enterprise=case.enterprise
    )
    request.session[key] = {
        "version": case.version_id,
        "held": {str(k): v for k, v in held.items()},
    }
    return held


def material_views(
    request: HttpRequest, case: Case, errors: Mapping[int, list[str]] | None = None
) -> list[MaterialView]:
    errors = errors or {}
    current: dict[int, CaseMaterial] = {}
    for held in case.materials.filter(is_current=True, material__isnull=False).order_by("id"):
        assert held.material_id is not None
        current[held.material_id] = held
    government = _held_materials(request, case)
    rows = []
    for material in case.version.materials.all().order_by("position"):
        found = current.get(material.pk)
        reference = government.get(material.pk, "")
        if found is not None and found.source == CaseMaterial.Source.GOVERNMENT:
            reference = found.source_reference or reference
        rows.append(
            MaterialView(
                material=material,
                current=found if found is not None and found.source != "government" else None,
                held_reference=reference,
                errors=list(errors.get(material.pk, [])),
            )
        )
    return rows


def upload_hint() -> str:
    size = uploads.max_upload_bytes() // (1024 * 1024)
    return _("可上传 PDF、JPG、PNG 或 OFD 文件，每个不超过 %(size)s MB。") % {"size": size}


# --- Guards ------------------------------------------------------------------------------------


def _applicant_person(request: HttpRequest) -> str:
    """Why this account cannot apply online ("" when it can)."""
    user = _user(request)
    if getattr(user, "kind", "") != "person":
        return _("网上申请需要使用个人账号。工作人员请在工作台为申请人录入。")
    if not getattr(user, "is_real_name_verified", False):
        return _("网上申请需要完成实名认证的账号。")
    return ""


def _online_item(code: str) -> tuple[ImplementationItem, ItemVersion]:
    try:
        item = catalog_selectors.item_get_public(implementation_code=code)
    except NotFound as exc:
        raise Http404(_("找不到该事项。")) from exc
    version = item.published_version
    assert version is not None
    return item, version


def accepts_online(item: ImplementationItem) -> bool:
    """Whether `item` can be applied for on these pages: active, published, "online" among
    its handling forms, and an application form (JSON Schema)."""
    version = item.published_version
    return bool(
        version is not None
        and item.state == ImplementationItem.State.ACTIVE
        and "online" in (version.handling_forms or [])
        and version.form_schema
    )


def _own_case(request: HttpRequest, pk: int) -> Case:
    """A case of the signed-in applicant (or of the enterprise they act for), by id."""
    case = (
        selectors.applicant_cases(_user(request), acting_for=_acting(request))
        .select_related("item", "version", "department", "region", "enterprise")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise _not_found()
    return case


def _detail(request: HttpRequest, number: str) -> selectors.CaseDetail:
    try:
        return selectors.case_detail(
            actor=_user(request), number=number, acting_for=_acting(request)
        )
    except NotFound as exc:
        raise _not_found(exc) from exc


# --- 1. Start (or resume) an application ----------------------------------------------------


def existing_draft(request: HttpRequest, item: ImplementationItem) -> Case | None:
    return (
        selectors.applicant_cases(_user(request), acting_for=_acting(request))
        .filter(item=item, state=State.DRAFT, submitted_by=_user(request))
        .order_by("-updated_at")
        .first()
    )


def apply_start(request: HttpRequest, fl: Flavour, code: str) -> HttpResponse:
    """GET: what applying involves, and a button to start (a draft already started for
    this item is resumed at once). POST: create the draft, prefilled, and go to it."""
    item, version = _online_item(code)
    acting = _acting(request)
    context: dict[str, Any] = {
        **fl.context(),
        "item": item,
        "version": version,
        "acting": acting,
        "promised_limit": limit_text(version.promised_limit_value, version.promised_limit_unit),
        "materials": list(version.materials.all().order_by("position")),
        "guide_url": fl.guide_url(item.implementation_code),
    }
    if not accepts_online(item):
        context["unavailable"] = _("该事项不支持网上申请，请按办事指南到办理地点办理。")
        return render(request, fl.template("apply_start.html"), context, status=409)
    problem = _applicant_person(request)
    if (
        not problem
        and acting is not None
        and not policies.can_apply_for_enterprise(_user(request), acting)
    ):
        problem = _("您没有代表该单位申请办理事项的授权。请联系单位的法定代表人授权。")
    if problem:
        context["unavailable"] = problem
        return render(request, fl.template("apply_start.html"), context, status=403)
    draft = existing_draft(request, item)
    if draft is not None:
        if request.method == "GET":
            messages.info(request, _("已为您打开上次保存的草稿，可以继续填写。"))
        return redirect(fl.url("draft", draft.pk))
    if request.method == "POST":
        try:
            draft = services.case_draft_save(
                actor=_user(request),
                item=item,
                channel=fl.channel,
                acting_for=acting,
                request=request,
            )
        except ApplicationError as exc:
            context["error"] = str(exc.message)
            return render(request, fl.template("apply_start.html"), context, status=exc.status)
        return redirect(fl.url("draft", draft.pk))
    return render(request, fl.template("apply_start.html"), context)


# --- 2. The application page (a draft) ------------------------------------------------------


def _locked_fields(case: Case) -> frozenset[str]:
    """Identity fields filled from the verified account or registry: shown, not changed."""
    locked = prefill.ENTERPRISE_LOCKED if case.enterprise_id else prefill.PERSON_LOCKED
    return frozenset(name for name in locked if name in (case.prefill_sources or {}))


def _keep_locked(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """A crafted request cannot change the locked identity fields."""
    for name in _locked_fields(case):
        if name in case.form_data:
            data[name] = case.form_data[name]
    return data


def draft_context(
    request: HttpRequest,
    fl: Flavour,
    case: Case,
    *,
    data: Mapping[str, Any] | None = None,
    errors: SplitErrors | None = None,
    key: str = "",
) -> dict[str, Any]:
    errors = errors or SplitErrors()
    version = case.version
    form = schema_form.schema_form(
        version.form_schema or {},
        data=case.form_data if data is None else data,
        errors=errors.form,
        prefill_sources=case.prefill_sources or {},
        readonly=_locked_fields(case),
        autocomplete=fl.autocomplete,
    )
    rows = material_views(request, case, errors.materials)
    material_links = [(row.input_id, message) for row in rows for message in row.errors]
    known = {row.material.pk for row in rows}
    other = list(errors.other) + [
        message
        for material_id, texts in errors.materials.items()
        if material_id not in known
        for message in texts
    ]
    return {
        **fl.context(),
        "case": case,
        "item": case.item,
        "version": version,
        "acting": case.enterprise,
        "form": form,
        "materials": rows,
        "upload_hint": upload_hint(),
        "accept": ACCEPTED_FILE_TYPES,
        "promised_limit": limit_text(version.promised_limit_value, version.promised_limit_unit),
        "legal_limit": limit_text(version.legal_limit_value, version.legal_limit_unit),
        "error_message": errors.message,
        "error_other": other,
        "error_links": form.error_links + material_links,
        "has_errors": bool(errors) or form.has_errors,
        "idempotency_key": key or uuid.uuid4().hex,
        "guide_url": fl.guide_url(case.item.implementation_code),
    }


def draft_page(request: HttpRequest, fl: Flavour, pk: int) -> HttpResponse:
    case = _own_case(request, pk)
    if case.state != State.DRAFT:
        if request.method == "POST":  # a double click's second request
            key = (request.POST.get("idempotency_key") or "")[:64]
            return _after_submission(request, fl, case, key)
        return redirect(fl.url("detail", case.number))
    if request.method == "POST":
        return draft_post(request, fl, case)
    return render(request, fl.template("draft.html"), draft_context(request, fl, case))


def _after_submission(request: HttpRequest, fl: Flavour, case: Case, key: str) -> HttpResponse:
    """The draft was submitted already (by this request's twin: a double click, or a
    retried request): show the case, with the confirmation when it was this submission."""
    case.refresh_from_db()
    if case.state == State.DRAFT:
        return redirect(fl.url("draft", case.pk))
    if key and case.idempotency_key == key:
        return redirect(fl.url("detail", case.number) + "?submitted=1")
    messages.info(request, _("该申请已经提交，不能再修改。"))
    return redirect(fl.url("detail", case.number))


def _upload_chosen(
    request: HttpRequest, case: Case, acting: Enterprise | None, errors: SplitErrors
) -> list[int]:
    """Store every file chosen on the page (one field per material); returns the ids of
    the materials uploaded. A refused file is reported on its row."""
    uploaded = []
    for material in case.version.materials.all().order_by("position"):
        upload = request.FILES.get(f"material_{material.pk}")
        if upload is None:
            continue
        try:
            services.case_material_upload(
                actor=_user(request),
                case=case,
                file=upload,
                material=material,
                acting_for=acting,
                request=request,
            )
        except InvalidInput as exc:
            errors.add_material(material.pk, exc)
        else:
            uploaded.append(material.pk)
    return uploaded


def _missing_uploads(request: HttpRequest, case: Case) -> dict[int, list[str]]:
    """Required materials neither uploaded nor held by the government."""
    held = _held_materials(request, case)
    return {
        material.pk: [_("请提交“%(name)s”。") % {"name": material.display_name}]
        for material in services.missing_materials(case)
        if material.pk not in held
    }


def draft_post(
    request: HttpRequest, fl: Flavour, case: Case, *, upload_for: int | None = None
) -> HttpResponse:
    """Save the form, store the files chosen, then, as asked: stay (save draft, upload)
    or submit. Nothing typed is lost: the page comes back with what was entered."""
    if not _can_change(request):
        return HttpResponseRedirect(_step_up(request, fl, fl.url("draft", case.pk)))
    action = request.POST.get("action", "save")
    key = (request.POST.get("idempotency_key") or "")[:64]
    acting = _acting(request)
    actor = _user(request)
    data = _keep_locked(
        case, schema_form.parse_submission(case.version.form_schema or {}, request.POST)
    )
    errors = SplitErrors()
    try:
        case = services.case_draft_save(
            actor=actor, case=case, form_data=data, acting_for=acting, request=request
        )
        uploaded = _upload_chosen(request, case, acting, errors)
    except Conflict:
        return _after_submission(request, fl, case, key)
    except Forbidden as exc:
        raise _not_found(exc) from exc
    if errors:
        errors.message = ngettext(
            "有 %(count)d 份材料没有上传成功，请按提示重新选择文件。",
            "有 %(count)d 份材料没有上传成功，请按提示重新选择文件。",
            len(errors.materials),
        ) % {"count": len(errors.materials)}
        context = draft_context(request, fl, case, data=data, errors=errors, key=key)
        return render(request, fl.template("draft.html"), context, status=422)
    if action == "submit":
        try:
            submitted = services.case_submit(
                actor=actor,
                channel=fl.channel,
                draft=case,
                form_data=data,
                idempotency_key=key or None,
                acting_for=acting,
                request=request,
            )
        except InvalidInput as exc:
            errors = SplitErrors.of(exc)
            if not errors.materials:
                # The form is checked first: name the missing materials now too, so the
                # applicant learns everything at once.
                errors.materials = _missing_uploads(request, case)
            context = draft_context(request, fl, case, data=data, errors=errors, key=key)
            return render(request, fl.template("draft.html"), context, status=422)
        except Conflict:
            return _after_submission(request, fl, case, key)
        except Forbidden as exc:
            context = draft_context(
                request, fl, case, data=data, errors=SplitErrors.of(exc), key=key
            )
            return render(request, fl.template("draft.html"), context, status=403)
        return redirect(fl.url("detail", submitted.number) + "?submitted=1")
    target = fl.url("draft", case.pk)
    if upload_for is not None or uploaded:
        messages.success(
            request,
            ngettext(
                "已上传 %(count)d 份材料，草稿已保存。",
                "已上传 %(count)d 份材料，草稿已保存。",
                len(uploaded),
            )
            % {"count": len(uploaded)}
            if uploaded
            else _("没有选择文件。草稿已保存。"),
        )
        anchor = upload_for or (uploaded[0] if uploaded else None)
        return redirect(f"{target}#material-{anchor}" if anchor else target)
    messages.success(request, _("草稿已保存。您可以随时在“我的办件”的草稿中继续填写。"))
    return redirect(target)


def _step_up(request: HttpRequest, fl: Flavour, next_url: str) -> str:
    if fl.namespace == "kiosk":
        from urllib.parse import urlencode

        return f"{reverse('kiosk:verify')}?{urlencode({'next': next_url})}"
    return session.step_up_url(next_url, levels.L2)


# --- Uploads (a draft's material, or a supplement) ------------------------------------------


def material_upload(request: HttpRequest, fl: Flavour, pk: int, material_id: int) -> HttpResponse:
    """One material's upload. On a draft page the whole form comes along (the button sits
    in it), so what was typed is saved too; on a case awaiting a supplement it is the
    small form of the listed material."""
    case = _own_case(request, pk)
    if request.method != "POST":  # back from signing in: the page the upload was on
        if case.state == State.DRAFT:
            return redirect(fl.url("draft", case.pk))
        return redirect(fl.url("detail", case.number))
    if case.state == State.DRAFT:
        return draft_post(request, fl, case, upload_for=material_id)
    if case.number is None:
        raise _not_found()
    detail_url = fl.url("detail", case.number)
    if not _can_change(request):
        return HttpResponseRedirect(_step_up(request, fl, detail_url))
    if case.state != State.SUPPLEMENT_REQUESTED:
        messages.info(request, _("办件当前不需要补正材料。"))
        return redirect(detail_url)
    material = None
    if material_id:
        material = case.version.materials.filter(pk=material_id).first()
        if material is None:
            raise _not_found()
    upload = request.FILES.get("file") or request.FILES.get(f"material_{material_id}")
    errors = SplitErrors()
    if upload is None:
        errors.materials[material_id] = [_("请选择要上传的文件。")]
    else:
        try:
            services.case_material_upload(
                actor=_user(request),
                case=case,
                file=upload,
                material=material,
                acting_for=_acting(request),
                request=request,
            )
        except InvalidInput as exc:
            errors.add_material(material_id, exc)
        except (Conflict, Forbidden) as exc:
            messages.error(request, str(exc.message))
            return redirect(detail_url)
    if errors:
        return render_case(request, fl, case.number, errors=errors, status=422)
    messages.success(request, _("材料已上传。全部补正材料上传后，请点击“提交补正材料”。"))
    return redirect(f"{detail_url}#supplement")


# --- 3. My cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case: Case
    state_label: str
    done: int
    total: int
    stage_label: str
    due: datetime.date | None
    time_left: str
    overdue: bool
    needs_action: bool

    @property
    def segments(self) -> list[bool]:
        """One flag per stage: reached or not (the bar's segments)."""
        return [index < self.done for index in range(self.total)]


def case_rows(cases: Iterable[Case]) -> list[CaseRow]:
    rows = []
    for case in cases:
        summary = selectors.case_clock(case)
        done, total, stage = progress(case)
        rows.append(
            CaseRow(
                case=case,
                state_label=str(State(case.state).label),
                done=done,
                total=total,
                stage_label=stage,
                due=summary.promised_due if case.state not in FINAL_STATES else None,
                time_left=time_left_text(case, summary),
                overdue=summary.overdue and case.state not in FINAL_STATES,
                needs_action=case.state == State.SUPPLEMENT_REQUESTED,
            )
        )
    return rows


def tab_counts(cases: QuerySet[Case]) -> dict[str, int]:
    """How many cases each tab holds, in one query."""
    return cases.aggregate(
        **{key: Count("pk", filter=Q(state__in=states)) for key, (_label, states) in TABS.items()}
    )


def mine(request: HttpRequest, fl: Flavour, *, page_size: int = MINE_PAGE_SIZE) -> HttpResponse:
    tab = request.GET.get("tab", "active")
    if tab not in TABS:
        tab = "active"
    acting = _acting(request)
    cases = selectors.applicant_cases(_user(request), acting_for=acting)
    counts = tab_counts(cases)
    shown = cases.filter(state__in=TABS[tab][1]).select_related("department", "version")
    if tab == "drafts":
        shown = shown.order_by("-updated_at", "-id")
    else:
        shown = shown.order_by("-submitted_at", "-id")
    page = Paginator(shown, page_size).get_page(request.GET.get("page"))
    tabs = [
        {"key": key, "label": str(label), "count": counts.get(key, 0), "current": key == tab}
        for key, (label, _states) in TABS.items()
    ]
    return render(
        request,
        fl.template("mine.html"),
        {
            **fl.context(),
            "tab": tab,
            "tab_label": str(TABS[tab][0]),
            "tabs": tabs,
            "counts": counts,
            "page_obj": page,
            "rows": case_rows(page.object_list),
            "acting": acting,
        },
    )


# --- 4. The case page --------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLink:
    label: str
    url: str


def notice_links(fl: Flavour, detail: selectors.CaseDetail) -> list[NoticeLink]:
    """The written notices that concern the applicant, as PDFs."""
    case = detail.case
    number = case.number or ""
    links: list[NoticeLink] = []
    if case.submitted_at is not None:
        label = _("受理通知书") if case.accepted_on else _("收件回执")
        links.append(NoticeLink(label, fl.url("notice", number, "receipt")))
    for index, supplement in enumerate(detail.supplements, start=1):
        label = (
            _("补正材料通知书（第 %(n)d 次）") % {"n": index}
            if len(detail.supplements) > 1
            else _("补正材料通知书")
        )
        links.append(NoticeLink(label, fl.url("supplement_notice", number, supplement.pk)))
    if case.state == State.NOT_ACCEPTED:
        links.append(NoticeLink(_("不予受理通知书"), fl.url("notice", number, "non-acceptance")))
    if case.decision in (Decision.APPROVED, Decision.REFUSED):
        links.append(NoticeLink(_("决定书"), fl.url("notice", number, "decision")))
    return links


@dataclass
class SupplementRow:
    material_id: int | None
    name: str
    reason: str
    uploaded: CaseMaterial | None
    errors: list[str]

    @property
    def key(self) -> int:
        return self.material_id or 0

    @property
    def input_id(self) -> str:
        return f"supplement-{self.key}-file"


def supplement_rows(
    detail: selectors.CaseDetail, errors: Mapping[int, list[str]] | None = None
) -> list[SupplementRow]:
    """The open supplement request's complete list, each with what was uploaded for it in
    this round."""
    supplement = detail.open_supplement
    if supplement is None:
        return []
    errors = errors or {}
    round_ = len(detail.supplements)
    fresh: dict[int, CaseMaterial] = {}
    for row in detail.materials:
        for held in row.held:
            if held.supplement_round == round_ and held.material_id is not None:
                fresh[held.material_id] = held
    rows = []
    for entry in supplement.items or []:
        material_id = entry.get("material_id")
        rows.append(
            SupplementRow(
                material_id=int(material_id) if material_id else None,
                name=str(entry.get("name", "")),
                reason=str(entry.get("reason", "")),
                uploaded=fresh.get(int(material_id)) if material_id else None,
                errors=list(errors.get(int(material_id) if material_id else 0, [])),
            )
        )
    return rows


def case_context(
    request: HttpRequest,
    fl: Flavour,
    detail: selectors.CaseDetail,
    *,
    errors: SplitErrors | None = None,
    withdraw_error: str = "",
) -> dict[str, Any]:
    case = detail.case
    errors = errors or SplitErrors()
    supplement = supplement_rows(detail, errors.materials)
    submitted_now = request.GET.get("submitted") == "1" and case.submitted_at is not None
    return {
        **fl.context(),
        "detail": detail,
        "case": case,
        "version": case.version,
        "timeline": timeline(case, detail.history),
        "progress": progress(case),
        "clock": clock_view(case, detail.clock),
        "deadline_story": deadline_story(detail),
        "supplement": supplement,
        "supplement_request": detail.open_supplement,
        "supplement_ready": bool(supplement)
        and all(row.uploaded is not None for row in supplement if row.material_id),
        "can_resubmit": Action.RESUBMIT in detail.actions,
        "can_withdraw": Action.WITHDRAW in detail.actions,
        "can_change": _can_change(request),
        "step_up_url": _step_up(request, fl, fl.url("detail", case.number)),
        "notices": notice_links(fl, detail),
        "results": detail.results,
        "submitted_now": submitted_now,
        "case_kind_label": ItemVersion.CaseKind(case.case_kind).label
        if case.case_kind in ItemVersion.CaseKind.values
        else "",
        "promised_limit": limit_text(case.promised_limit_value, case.promised_limit_unit),
        "errors": errors,
        "withdraw_error": withdraw_error,
        "upload_hint": upload_hint(),
        "accept": ACCEPTED_FILE_TYPES,
        "channel_label": Channel(case.channel).label if case.channel in Channel.values else "",
    }


def render_case(
    request: HttpRequest,
    fl: Flavour,
    number: str,
    *,
    errors: SplitErrors | None = None,
    withdraw_error: str = "",
    status: int = 200,
) -> HttpResponse:
    detail = _detail(request, number)
    context = case_context(request, fl, detail, errors=errors, withdraw_error=withdraw_error)
    return render(request, fl.template("case.html"), context, status=status)


def case_page(request: HttpRequest, fl: Flavour, number: str) -> HttpResponse:
    return render_case(request, fl, number)


def resubmit(request: HttpRequest, fl: Flavour, number: str) -> HttpResponse:
    detail = _detail(request, number)
    url = fl.url("detail", number)
    if request.method != "POST":
        return redirect(url)
    if not _can_change(request):
        return HttpResponseRedirect(_step_up(request, fl, url))
    try:
        services.case_resubmit(
            actor=_user(request),
            case=detail.case,
            acting_for=_acting(request),
            channel=fl.channel,
            request=request,
        )
    except InvalidInput as exc:
        return render_case(request, fl, number, errors=SplitErrors.of(exc), status=422)
    except (Conflict, Forbidden) as exc:
        messages.error(request, str(exc.message))
        return redirect(url)
    messages.success(request, _("补正材料已提交，部门将继续办理。"))
    return redirect(url)


def withdraw(request: HttpRequest, fl: Flavour, number: str) -> HttpResponse:
    detail = _detail(request, number)
    url = fl.url("detail", number)
    if request.method != "POST":
        return redirect(url + "#withdraw")
    if not _can_change(request):
        return HttpResponseRedirect(_step_up(request, fl, url))
    try:
        services.case_withdraw(
            actor=_user(request),
            case=detail.case,
            reason=request.POST.get("reason", ""),
            acting_for=_acting(request),
            channel=fl.channel,
            request=request,
        )
    except InvalidInput as exc:
        message = next(iter(SplitErrors.of(exc).other), "") or str(exc.message)
        return render_case(request, fl, number, withdraw_error=message, status=422)
    except (Conflict, Forbidden) as exc:
        messages.error(request, str(exc.message))
        return redirect(url)
    messages.success(request, _("申请已撤回。"))
    return redirect(url)


def result_download(request: HttpRequest, fl: Flavour, number: str, result_id: int) -> HttpResponse:
    """A result document, to the applicant (or staff of the case); the applicant's first
    download is recorded (e-delivery: the day the result reached them)."""
    detail = _detail(request, number)
    result = next((r for r in detail.results if r.pk == result_id), None)
    if result is None:
        raise _not_found()
    if detail.viewer == "applicant":
        services.case_result_downloaded(actor=_user(request), result=result, request=request)
    extension = mimetypes.guess_extension(result.content_type or "") or ".pdf"
    filename = f"{detail.case.number}-{result.pk}{extension}"
    try:
        handle = result.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("结果文件暂时无法读取，请稍后再试或联系办理部门。")) from exc
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Content-Type"] = result.content_type or "application/pdf"
    response["Cache-Control"] = "private, no-store"
    # A streaming response; typed as HttpResponse for the view decorators.
    return cast(HttpResponse, response)


NOTICE_KINDS = ("receipt", "non-acceptance", "decision")


def notice_pdf(
    request: HttpRequest,
    fl: Flavour,
    number: str,
    kind: str,
    supplement_id: int | None = None,
) -> HttpResponse:
    """A written notice of the case as a PDF in the page's language."""
    from govhub.cases import notices

    detail = _detail(request, number)
    case = detail.case
    base_url = request.build_absolute_uri("/")
    try:
        if kind == "receipt":
            content = notices.acceptance_receipt(case, base_url=base_url)
            name = "acceptance" if case.accepted_on else "receipt"
        elif kind == "non-acceptance":
            content = notices.non_acceptance_notice(case, base_url=base_url)
            name = "non-acceptance"
        elif kind == "decision":
            content = notices.decision_notice(case, base_url=base_url)
            name = "decision"
        elif kind == "supplement":
            supplement = next((s for s in detail.supplements if s.pk == supplement_id), None)
            if supplement is None:
                raise _not_found()
            content = notices.supplement_notice(case, supplement, base_url=base_url)
            name = "supplement"
        else:
            raise _not_found()
    except Conflict as exc:
        raise Http404(str(exc.message)) from exc
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-{case.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- 5. The public status look-up ---------------------------------------------------------


def _status_key(request: HttpRequest) -> str:
    return f"cases:status-failures:{client_ip(request) or 'unknown'}"


def status_failures(request: HttpRequest) -> int:
    return int(cache.get(_status_key(request), 0) or 0)


def _status_failed(request: HttpRequest) -> None:
    key = _status_key(request)
    if not cache.add(key, 1, STATUS_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, STATUS_WINDOW_SECONDS)


def _normalise_tail(text: str) -> str:
    return "".join(to_ascii(text or "").split()).upper()


def status_lookup(request: HttpRequest, fl: Flavour) -> HttpResponse:
    """Anyone holding the case number and the last 6 characters of the applicant's ID
    number (or credit code) may see where the case stands, masked. The look-up is a POST
    (the ID characters stay out of addresses and logs); after
    `STATUS_MAX_FAILURES` failed look-ups in `STATUS_WINDOW_SECONDS` an address waits."""
    number = (request.POST.get("number") or request.GET.get("number") or "").strip()[:40]
    tail = _normalise_tail(request.POST.get("id_tail", ""))[:12]
    context: dict[str, Any] = {**fl.context(), "number": number, "field_errors": {}}
    if request.method != "POST":
        return render(request, fl.template("status.html"), context)
    if status_failures(request) >= STATUS_MAX_FAILURES:
        minutes = STATUS_WINDOW_SECONDS // 60
        context["blocked"] = ngettext(
            "查询失败次数过多。为保护申请人信息，请 %(minutes)d 分钟后再试。",
            "查询失败次数过多。为保护申请人信息，请 %(minutes)d 分钟后再试。",
            minutes,
        ) % {"minutes": minutes}
        return render(request, fl.template("status.html"), context, status=429)
    field_errors: dict[str, str] = {}
    if not number:
        field_errors["number"] = _("请填写办件编号。")
    if len(tail) != 6:
        field_errors["id_tail"] = _("请填写申请人身份证号码（或统一社会信用代码）的后6位。")
    if field_errors:
        context["field_errors"] = field_errors
        return render(request, fl.template("status.html"), context, status=422)
    result = selectors.case_public_status(number=number, id_tail=tail)
    if result is None:
        _status_failed(request)
        context["not_found"] = _(
            "没有查到办件。请核对办件编号和证件号码后6位（字母X请按大写填写）。"
        )
        return render(request, fl.template("status.html"), context, status=404)
    context["result"] = result
    return render(request, fl.template("status.html"), context)


# --- The web views -------------------------------------------------------------------------


def _web(view: Any) -> Any:
    return never_cache(view)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L2)
def apply_view(request: HttpRequest, code: str) -> HttpResponse:
    return apply_start(request, WEB, code)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L2)
def draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    return draft_page(request, WEB, pk)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L1)
def material_upload_view(request: HttpRequest, pk: int, material_id: int) -> HttpResponse:
    return material_upload(request, WEB, pk, material_id)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def mine_view(request: HttpRequest) -> HttpResponse:
    return mine(request, WEB)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def case_view(request: HttpRequest, number: str) -> HttpResponse:
    return case_page(request, WEB, number)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L1)
def resubmit_view(request: HttpRequest, number: str) -> HttpResponse:
    return resubmit(request, WEB, number)


@_web
@require_http_methods(["GET", "POST"])
@session.require_level(levels.L1)
def withdraw_view(request: HttpRequest, number: str) -> HttpResponse:
    return withdraw(request, WEB, number)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def result_view(request: HttpRequest, number: str, result_id: int) -> HttpResponse:
    return result_download(request, WEB, number, result_id)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def notice_view(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    if kind not in NOTICE_KINDS:
        raise _not_found()
    return notice_pdf(request, WEB, number, kind)


@_web
@require_http_methods(["GET"])
@session.require_level(levels.L1)
def supplement_notice_view(request: HttpRequest, number: str, supplement_id: int) -> HttpResponse:
    return notice_pdf(request, WEB, number, "supplement", supplement_id)


@_web
@require_http_methods(["GET", "POST"])
def status_view(request: HttpRequest) -> HttpResponse:
    return status_lookup(request, WEB)
