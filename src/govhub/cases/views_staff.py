"""The staff workbench (工作台), mounted at /workbench/ (namespace "workbench").

- `queue`: the queues of the caller's positions as tabs with counts (`selectors.queue_counts`),
  one page of a queue by deadline first (`selectors.case_queue`), filters, claim buttons.
- `case_page`: one case as staff see it (`selectors.case_detail`), with one form per action
  the caller may take now (`views_staff_forms`, `views_staff_actions`); `case_act` handles
  their posts (post/redirect/get; on an error the page again, with the input kept).

Downloads, notices and the ID-number reveal are in `views_staff_files`; intake at a
window, a service point or the hotline in `views_staff_intake`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from govhub.cases import counts_cache, schema_form, selectors
from govhub.cases.models import Case, Channel, SupplementRequest
from govhub.cases.schema_form_schema import field_kind
from govhub.cases.service_support import lock_case
from govhub.cases.views_staff_actions import ACTIONS, action_order, make_form
from govhub.cases.views_staff_common import (
    behalf_label,
    channel_label,
    days_text,
    person_label,
    render_workbench,
    role_label,
    staff_case_or_404,
    staff_page,
    state_tone,
    time_left,
)
from govhub.cases.workflow import Action, State, check_transition
from govhub.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from govhub.core.masking import mask_id_number
from govhub.organizations.models import Position
from govhub.organizations.policies import staff_roles

Role = Position.Role

QUEUE_LABELS: dict[str, Any] = {
    "intake": gettext_lazy("待受理"),
    "review": gettext_lazy("待审查/待决定"),
    "joint": gettext_lazy("联合审查"),
    "results": gettext_lazy("待出件"),
    "paused": gettext_lazy("暂停计时"),
    "mine": gettext_lazy("我的"),
    "all": gettext_lazy("全部"),
}
# Queues whose rows the caller may claim (being in them means holding the role).
CLAIM_QUEUES = frozenset({"intake", "review", "joint"})


def _default_queue(user: Any) -> str:
    roles = staff_roles(user)
    if Role.WINDOW_CLERK in roles:
        return "intake"
    if roles & {Role.REVIEWER, Role.APPROVER}:
        return "review"
    return "all"


# --- the queues -------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("办件编号、申请人姓名或单位名称"),
        required=False,
        max_length=64,
        strip=True,
    )
    item = forms.TypedChoiceField(
        label=gettext_lazy("事项"), required=False, coerce=int, empty_value=None
    )
    state = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("渠道"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("只看已超期"), required=False)

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._choices("item", [("", _("全部事项")), *items])
        self._choices(
            "state",
            [("", _("全部状态")), *((v, label) for v, label in State.choices if v != State.DRAFT)],
        )
        self._choices("channel", [("", _("全部渠道")), *Channel.choices])

    def _choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> selectors.QueueFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.QueueFilters()
        data = self.cleaned_data
        return selectors.QueueFilters(
            q=data["q"] or "",
            item_id=data["item"],
            state=data["state"] or "",
            channel=data["channel"] or "",
            overdue=bool(data["overdue"]),
        )


def _queue_items(user: Any) -> list[tuple[int, str]]:
    """The catalogue items of the caller's departments, for the item filter (one query,
    a few hundred rows, whatever the number of cases)."""
    english = (translation.get_language() or "").startswith("en")
    rows = selectors.queue_items(user).values_list(
        "pk", "implementation_code", "published_version__name", "published_version__name_en"
    )
    return [(pk, (english and name_en) or name or code) for pk, code, name, name_en in rows]


def _page_number(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


@staff_page
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    current = request.GET.get("queue") or _default_queue(user)
    if current not in selectors.QUEUES:
        raise Http404
    counts = counts_cache.queue_counts(actor=user)
    filter_keys = ("q", "item", "state", "channel", "overdue")
    bound = any(request.GET.get(key) for key in filter_keys)
    form = QueueFilterForm(request.GET if bound else None, items=_queue_items(user))
    page = _page_number(request.GET.get("page"))
    cases, has_next = selectors.case_queue(
        actor=user, queue=current, filters=form.filters(), page=page
    )
    # Links are made from one reversed pattern: twenty rows, not forty `reverse` calls.
    case_link = reverse("workbench:case", args=["~"])
    claim_link = reverse("workbench:act", args=["~", Action.CLAIM])
    rows = []
    for case in cases:
        summary = selectors.case_clock(case)
        number = case.number or ""
        rows.append(
            {
                "case": case,
                "url": case_link.replace("~", number),
                "claim_url": claim_link.replace("~", number),
                "state_label": case.get_state_display(),
                "applicant": case.enterprise_name or case.masked_applicant_name,
                "channel": channel_label(case.channel),
                "state_tone": state_tone(case.state),
                "clock": summary,
                "time_left": time_left(case, summary),
                "assignee": person_label(case.assignee),
                "mine": case.assignee_id == user.pk,
                "can_claim": current in CLAIM_QUEUES and case.assignee_id != user.pk,
            }
        )
    kept = {key: request.GET[key] for key in filter_keys if request.GET.get(key)}
    tabs = [
        {
            "key": key,
            "label": QUEUE_LABELS[key],
            "count": counts.get(key),
            "capped": (counts.get(key) or 0) > selectors.COUNT_CAP,
            "url": "?" + urlencode({"queue": key}),
            "current": key == current,
        }
        for key in selectors.QUEUES
    ]
    query = urlencode({"queue": current, **kept})
    return render_workbench(
        request,
        "queue.html",
        {
            "tabs": tabs,
            "queue": current,
            "queue_label": QUEUE_LABELS[current],
            "form": form,
            "filtered": bool(kept),
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "page_query": query,
            "here": request.get_full_path(),
            # Said once here rather than in every row of the table.
            "door_to_door_label": _("上门代办"),
            "me_label": _("我"),
            "unclaimed_label": _("未认领"),
        },
    )


# --- one case ----------------------------------------------------------------------------------


def _form_rows(case: Case, *, reveal: bool = False) -> list[tuple[str, str]]:
    """The application form as (label, value), in the form's order. ID numbers in the
    form (a spouse's, the deceased's) are masked like the applicant's own, unless the
    page shows the audited reveal (`services_privacy.case_id_number_reveal`)."""
    schema = case.version.form_schema or {}
    data = case.form_data or {}
    rows: list[tuple[str, str]] = []
    known: set[str] = set()

    def shown(name: str, value: str) -> str:
        if not reveal and value and field_kind(name) == "id_number":
            return mask_id_number(value)
        return value

    if schema:
        for field in schema_form.form_fields(schema, data=data, prefix="view_"):
            known.add(field.name)
            value = "、".join(field.selected_labels) if field.choices else field.value
            rows.append((field.label, shown(field.name, str(value or "")) or "—"))
    for name, value in data.items():
        if name not in known:
            rows.append((name, shown(name, str(value))))
    return rows


def _history_rows(detail: selectors.CaseDetail) -> list[dict[str, Any]]:
    rows = []
    for event in detail.history:
        rows.append(
            {
                "event": event,
                "action": Action(event.action).label if event.action in Action.values else "",
                "who": event.actor_label or person_label(event.actor),
                "role": role_label(event.role) if event.role else "",
                "channel": channel_label(event.channel) if event.channel else "",
                "behalf": behalf_label(event.on_behalf_of) if event.on_behalf_of else "",
                "to_state": State(event.to_state).label if event.to_state in State.values else "",
                "step": event.step.name if event.step else "",
            }
        )
    return rows


def _notice_links(case: Case, supplements: list[SupplementRequest]) -> list[tuple[str, str]]:
    number = case.number or ""
    links: list[tuple[str, str]] = []
    if case.submitted_at is not None:
        label = _("打印受理通知书") if case.accepted_on else _("打印收件回执")
        links.append((label, reverse("workbench:notice", args=[number, "receipt"])))
    if case.state == State.NOT_ACCEPTED:
        links.append(
            (
                _("打印不予受理通知书"),
                reverse("workbench:notice", args=[number, "non-acceptance"]),
            )
        )
    for index, supplement in enumerate(supplements, start=1):
        label = (
            _("打印补正材料通知书")
            if len(supplements) == 1
            else _("打印补正材料通知书（第 %(n)s 次）") % {"n": index}
        )
        links.append((label, reverse("workbench:supplement_notice", args=[number, supplement.pk])))
    if case.decision:
        links.append((_("打印决定书"), reverse("workbench:notice", args=[number, "decision"])))
    return links


def _action_forms(
    request: HttpRequest,
    detail: selectors.CaseDetail,
    failed: tuple[str, Any] | None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The forms of the actions the caller may take now; a form that failed keeps what
    the user typed (and is shown apart when its action is no longer offered)."""
    case = detail.case
    forms_ = []
    stale = None
    for action in action_order(detail.actions):
        if failed is not None and failed[0] == action:
            form = failed[1]
            form.data = form.data.copy()
            form.data[form.add_prefix("revision")] = str(case.revision)
        else:
            form = make_form(action, case=case, user=request.user)
        forms_.append(_form_entry(action, form, case))
    if failed is not None and failed[0] not in detail.actions:
        stale = _form_entry(failed[0], failed[1], case)
    return forms_, stale


def _form_entry(action: str, form: Any, case: Case) -> dict[str, Any]:
    spec = ACTIONS[action]
    return {
        "action": action,
        "form": form,
        "title": spec.title,
        "button": spec.button,
        "weight": spec.weight,
        "multipart": spec.multipart,
        "url": reverse("workbench:act", args=[case.number, action]),
    }


def _detail_context(
    request: HttpRequest,
    number: str,
    *,
    failed: tuple[str, Any] | None = None,
    conflict: str = "",
    reveal: bool = False,
) -> dict[str, Any]:
    try:
        detail = selectors.case_detail(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    if detail.viewer != "staff":
        raise Http404
    case = detail.case
    action_forms, stale_form = _action_forms(request, detail, failed)
    summary = detail.clock
    for step in detail.steps:
        step.case = case
    return {
        "detail": detail,
        "case": case,
        "state_tone": state_tone(case.state),
        "channel": channel_label(case.channel),
        "clock": summary,
        "time_left": time_left(case, summary),
        "used_text": days_text(summary.used, summary.unit),
        "left_text": days_text(summary.left, summary.unit),
        "id_number": case.applicant_id_number if reveal else case.masked_id_number,
        "revealed": reveal,
        "form_rows": _form_rows(case, reveal=reveal),
        "history": _history_rows(detail),
        "notice_links": _notice_links(case, detail.supplements),
        "action_forms": action_forms,
        "stale_form": stale_form,
        "conflict": conflict,
        "submitted_by": person_label(case.submitted_by) if case.submitted_by_id else "",
    }


def detail_response(
    request: HttpRequest,
    number: str,
    *,
    failed: tuple[str, Any] | None = None,
    conflict: str = "",
    reveal: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = _detail_context(request, number, failed=failed, conflict=conflict, reveal=reveal)
    return render_workbench(request, "case.html", context, status=status)


@staff_page
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    return detail_response(request, number)


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if (
        target
        and target.startswith(reverse("workbench:queue"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return default


def _stale(case: Case, action: str, revision: str | None) -> str:
    """The conflict message when the page was stale or the state no longer allows
    `action`; "" when the service should decide."""
    try:
        check_transition(action, case.state)
        if revision is not None and revision.strip().isdigit():
            with transaction.atomic():
                lock_case(case, revision=int(revision))
    except Conflict as exc:
        return str(exc.message)
    return ""


@staff_page
@require_POST
def case_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One action form's post: the service is called and the page reloaded (PRG); on an
    error the page is shown again with the message and the user's input kept."""
    if action not in ACTIONS:
        raise Http404
    user: Any = request.user
    case = staff_case_or_404(user, number)
    form = make_form(action, case=case, user=user, data=request.POST, files=request.FILES)
    conflict = _stale(case, action, request.POST.get(form.add_prefix("revision")))
    if not conflict and form.is_valid():
        spec = ACTIONS[action]
        try:
            message = spec.perform(request, case, form.cleaned_data)
        except Forbidden as exc:
            raise PermissionDenied from exc
        except NotFound as exc:
            raise Http404 from exc
        except Conflict as exc:
            conflict = str(exc.message)
        except ApplicationError as exc:
            form.apply_error(exc, field_map=spec.field_map)
        else:
            messages.success(request, message)
            default = reverse("workbench:case", args=[number])
            if request.POST.get("return") == "receipt":
                default = reverse("workbench:intake_receipt", args=[number])
            return redirect(_next_url(request, default))
    return detail_response(
        request,
        number,
        failed=(action, form),
        conflict=conflict,
        status=409 if conflict else 200,
    )
