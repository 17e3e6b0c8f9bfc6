"""Alerts on the supervision pages: the filtered list, one alert with its history, the
follow-up the caller may take (a department explains; a supervisor closes or escalates to
a supervision notice) and the notice as a PDF.

Each action posts to `act`, which calls the service (`services.alert_explain`,
`alert_close`, `alert_escalate`), then redirects to the alert (post/redirect/get); on an
input error the page comes again with the text kept. An alert the caller may not see is a
404; one they see but may not act on is a 403 (the service refuses, and audits the
refusal).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from govhub.core.errors import ApplicationError, Forbidden, InvalidInput, NotFound
from govhub.core.text import join_list
from govhub.organizations.models import Department, Region
from govhub.supervision import notices, policies, selectors, services
from govhub.supervision.models import Alert, AlertEvent, Level
from govhub.supervision.rules import registry
from govhub.supervision.selectors_alerts import OPEN, AlertFilters, alert_page
from govhub.supervision.selectors_dashboard import node_for, rule_name, viewer
from govhub.supervision.views_common import (
    node_url,
    render_supervision,
    supervision_page,
)

Action = AlertEvent.Action


# --- the list ------------------------------------------------------------------------------------


class AlertFilterForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("预警等级"), required=False)
    state = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    rule = forms.ChoiceField(label=gettext_lazy("监察规则"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._set("level", [("", _("全部等级")), *Level.choices])
        self._set("state", [("", _("全部状态")), (OPEN, _("未关闭")), *Alert.State.choices])
        self._set(
            "rule",
            [("", _("全部规则"))] + [(code, rule_name(code)) for code in sorted(registry())],
        )

    def _set(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def values(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {"level": "", "state": "", "rule": ""}
        return {key: self.cleaned_data.get(key) or "" for key in ("level", "state", "rule")}


def filters_from(request: HttpRequest) -> tuple[AlertFilters, AlertFilterForm, dict[str, str]]:
    """The list's filters from the query string: `region` and `department` by code (a
    place outside the caller's scope is a 404), `level`, `state`, `rule`."""
    region_code = request.GET.get("region", "").strip()
    department_code = request.GET.get("department", "").strip()
    region: Region | None = None
    department: Department | None = None
    if department_code and not region_code:
        found = Department.objects.select_related("region").filter(code=department_code).first()
        if found is None:
            raise NotFound()
        region_code = found.region.code
    if region_code:
        place = node_for(
            request.user, region_code=region_code, department_code=department_code or None
        )
        region, department = place.region, place.department
    form = AlertFilterForm(request.GET or None)
    values = form.values()
    filters = AlertFilters(region=region, department=department, **values)
    params = {
        key: value
        for key, value in {
            "region": region.code if region else "",
            "department": department.code if department else "",
            **values,
        }.items()
        if value
    }
    return filters, form, params


def _page_number(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


@supervision_page
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    filters, form, params = filters_from(request)
    page = alert_page(
        user=request.user, filters=filters, page=_page_number(request.GET.get("page"))
    )
    query = urlencode(params)
    return render_supervision(
        request,
        "alerts.html",
        {
            "page": page,
            "filters": filters,
            "form": form,
            "query": query,
            "rows": [list_row(alert) for alert in page.items],
            "place_url": node_url(filters.region, filters.department) if filters.region else "",
            "export_csv": f"{reverse('supervision:alerts_csv')}?{query}",
            "export_xlsx": f"{reverse('supervision:alerts_xlsx')}?{query}",
            "home_url": reverse("supervision:home"),
        },
    )


def list_row(alert: Alert) -> dict[str, Any]:
    return {
        "alert": alert,
        "url": reverse("supervision:alert", args=[alert.pk]),
        "rule": rule_name(alert.rule.code),
        "level": Level(alert.level).label,
        "state": Alert.State(alert.state).label,
        "due": (alert.detail or {}).get("due", "") if isinstance(alert.detail, dict) else "",
    }


# --- one alert ------------------------------------------------------------------------------------


class ExplainForm(forms.Form):
    explanation = forms.CharField(
        label=gettext_lazy("情况说明"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=gettext_lazy("说明原因及已采取或将采取的纠正措施。"),
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("关闭说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )


class EscalateForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("监察意见和建议"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=8000,
        help_text=gettext_lazy("将印在监察建议书上，每行一段。"),
    )
    reply_by = forms.DateField(
        label=gettext_lazy("书面回复期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


FORMS: dict[str, type[forms.Form]] = {
    "explain": ExplainForm,
    "close": CloseForm,
    "escalate": EscalateForm,
}


def _available(user: Any, alert: Alert) -> list[str]:
    """The actions the caller may take on the alert now, in the order they are shown."""
    allowed = {
        "explain": policies.can_explain(user, alert),
        "escalate": policies.can_escalate(user, alert),
        "close": policies.can_close(user, alert),
    }
    names = {"explain": Action.EXPLAIN, "escalate": Action.ESCALATE, "close": Action.CLOSE}
    return [
        name
        for name in ("explain", "escalate", "close")
        if allowed[name] and alert.state in services.TRANSITIONS[names[name]][0]
    ]


def _labels() -> dict[str, dict[str, str]]:
    return {
        "explain": {"title": _("填写情况说明"), "button": _("提交情况说明"), "weight": "primary"},
        "escalate": {
            "title": _("发出监察建议书"),
            "button": _("签发监察建议书"),
            "weight": "danger",
        },
        "close": {"title": _("关闭预警"), "button": _("关闭预警"), "weight": "secondary"},
    }


def _detail_lines(alert: Alert) -> list[tuple[str, str]]:
    """The rule's finding in words (the alert's `detail`)."""
    detail = alert.detail if isinstance(alert.detail, dict) else {}
    lines: list[tuple[str, str]] = []
    if detail.get("due"):
        lines.append((_("到期日期"), str(detail["due"])))
    if detail.get("materials"):
        lines.append((_("未收取的材料"), join_list(detail["materials"])))
    if detail.get("requests"):
        lines.append((_("补正次数"), str(detail["requests"])))
    if detail.get("steps"):
        lines.append((_("无审查意见的环节"), join_list(detail["steps"])))
    for problem in detail.get("problems") or []:
        if problem.get("kind") == "skipped":
            text = _("环节“%(step)s”未办理") % {"step": problem.get("step", "")}
        else:
            text = _("环节“%(step)s”先于“%(before)s”办结") % {
                "step": problem.get("step", ""),
                "before": problem.get("before", ""),
            }
        lines.append((_("环节问题"), text))
    if detail.get("channel"):
        lines.append((_("申请渠道"), str(detail["channel"])))
    for fee in detail.get("fees") or []:
        lines.append((_("收费问题"), _fee_text(fee)))
    return lines


def _fee_text(fee: dict[str, Any]) -> str:
    values = {
        "name": fee.get("name", ""),
        "amount": fee.get("amount", ""),
        "standard": fee.get("standard", ""),
    }
    if fee.get("reason") == "not_charged":
        return _("“%(name)s”收取 %(amount)s 元，但该事项按目录不收费") % values
    if fee.get("reason") == "above_standard":
        return _("“%(name)s”收取 %(amount)s 元，高于目录标准 %(standard)s 元") % values
    return _("“%(name)s”收取 %(amount)s 元，不在收费目录中") % values


def _detail_context(
    request: HttpRequest, alert: Alert, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    definition = registry().get(alert.rule.code)
    labels = _labels()
    action_forms = [
        {
            "action": name,
            "form": bound.get(name) or FORMS[name](prefix=name),
            "url": reverse("supervision:act", args=[alert.pk, name]),
            **labels[name],
        }
        for name in _available(request.user, alert)
    ]
    reach = viewer(request.user)
    return {
        "alert": alert,
        "rule": rule_name(alert.rule.code),
        "rule_description": str(definition.description) if definition else "",
        "level": Level(alert.level).label,
        "state": Alert.State(alert.state).label,
        "detail_lines": _detail_lines(alert),
        "history": [_event_row(event) for event in alert.events.all()],
        "notices": [
            (notice, reverse("supervision:notice_pdf", args=[notice.pk]))
            for notice in alert.notices.all()
        ],
        "action_forms": action_forms,
        "case_url": reverse("workbench:case", args=[alert.case.number])
        if alert.case.number
        else "",
        "place_url": node_url(alert.region, alert.department)
        if reach.supervises(alert.region) or reach.serves(alert.department, alert.region)
        else "",
        "list_url": f"{reverse('supervision:alerts')}?"
        + urlencode(
            {"region": alert.region.code, "department": alert.department.code, "state": OPEN}
        ),
    }


def _event_row(event: AlertEvent) -> dict[str, Any]:
    def state(value: str) -> str:
        return str(Alert.State(value).label) if value in Alert.State.values else value

    def level(value: str) -> str:
        return str(Level(value).label) if value in Level.values else value

    change = ""
    if event.from_state != event.to_state and event.to_state:
        change = f"{state(event.from_state) or '—'} → {state(event.to_state)}"
    if event.from_level != event.to_level and event.to_level:
        level_change = f"{level(event.from_level) or '—'} → {level(event.to_level)}"
        change = f"{change}；{level_change}" if change else level_change
    actor = event.actor_label
    if actor == "system" or not actor:
        actor = _("系统")
    elif event.actor is not None:
        actor = getattr(event.actor, "full_name", "") or actor
    return {"event": event, "action": event.get_action_display(), "change": change, "actor": actor}


def _alert_or_404(request: HttpRequest, pk: int) -> Alert:
    try:
        return selectors.alert_detail(user=request.user, alert_id=pk)
    except NotFound as exc:
        raise Http404 from exc


@supervision_page
@require_GET
def alert_page_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_or_404(request, pk)
    return render_supervision(request, "alert.html", _detail_context(request, alert, {}))


@supervision_page
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in FORMS:
        raise Http404
    alert = _alert_or_404(request, pk)
    form = FORMS[action](request.POST, prefix=action)
    here = reverse("supervision:alert", args=[pk])
    if not form.is_valid():
        return _again(request, alert, action, form)
    data = form.cleaned_data
    try:
        if action == "explain":
            services.alert_explain(
                actor=request.user, alert=alert.pk, explanation=data["explanation"], request=request
            )
            messages.success(request, _("情况说明已提交，监察人员将看到它。"))
        elif action == "close":
            services.alert_close(
                actor=request.user, alert=alert.pk, note=data["note"], request=request
            )
            messages.success(request, _("预警已关闭。"))
        else:
            notice = services.alert_escalate(
                actor=request.user,
                alert=alert.pk,
                text=data["text"],
                reply_by=data["reply_by"],
                request=request,
            )
            messages.success(
                request, _("已签发监察建议书 %(number)s。") % {"number": notice.number}
            )
    except Forbidden as exc:
        raise PermissionDenied from exc
    except InvalidInput as exc:
        for field, errors in exc.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.fields:
            form.add_error(None, str(exc.message))
        return _again(request, alert, action, form)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect(here)


def _again(request: HttpRequest, alert: Alert, action: str, form: forms.Form) -> HttpResponse:
    return render_supervision(
        request, "alert.html", _detail_context(request, alert, {action: form}), status=422
    )


@supervision_page
@require_GET
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervision notice, built on request in the reader's language."""
    try:
        notice = selectors.notice_for(user=request.user, notice_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    body = notices.supervision_notice_pdf(notice, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notices.filename(notice)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
