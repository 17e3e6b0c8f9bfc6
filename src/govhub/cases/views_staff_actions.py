"""What each action form of the workbench's case page calls (`services`), and how the
page offers it (heading, button, prominence). The forms are in `views_staff_forms`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhub.cases import services
from govhub.cases.models import Case, DeliveryMethod
from govhub.cases.service_support import lock_case
from govhub.cases.views_staff_forms import (
    AcceptForm,
    ActionForm,
    AssignForm,
    AttachForm,
    ClaimForm,
    CompleteForm,
    DecideForm,
    DeliverForm,
    ExtendForm,
    IssueForm,
    RejectIntakeForm,
    ReviewForm,
    SpecialEndForm,
    SpecialStartForm,
    SupplementForm,
    TerminateForm,
)
from govhub.cases.workflow import Action


def with_revision(service: Callable[..., Any], *, case: Case, revision: int, **kwargs: Any) -> Any:
    """Call `service`, refusing if the case changed since the page was loaded. Services
    that take `revision` check it under their own lock; for the others the check is made
    just before the call (lead: every handling service should take `revision`)."""
    if "revision" in inspect.signature(service).parameters:
        return service(case=case, revision=revision, **kwargs)
    with transaction.atomic():
        lock_case(case, revision=revision)
    return service(case=case, **kwargs)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _issue_arguments(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    upload = data["file"] if data["mode"] == IssueForm.UPLOAD else None
    return {
        "file": upload,
        "name": data["name"] if upload is not None else "",
        "base_url": _base_url(request),
        "fees": data["fees"],
    }


def _assigned(data: dict[str, Any]) -> str:
    assignee = data["assignee"]
    return _("已指派给%(name)s。") % {"name": assignee.full_name or assignee.get_username()}


def _delivered(data: dict[str, Any]) -> str:
    if data["method"] == DeliveryMethod.POST:
        return _("已登记邮寄送达。申请人签收后请确认办结。")
    return _("已送达，办件已办结。")


@dataclass(frozen=True)
class ActionSpec:
    """One action form: its class, the service it calls with which of the form's fields
    (form field → service argument), what the page says on success, and how it looks."""

    form: type[ActionForm]
    service: Callable[..., Any]
    fields: dict[str, str]
    done: Callable[[dict[str, Any]], str]
    title: Any
    button: Any
    # "primary", "secondary" or "danger": how prominent the form and its button are.
    weight: str = "secondary"
    multipart: bool = False
    # Arguments computed from the request and the form (instead of `fields`).
    computed: Callable[[HttpRequest, dict[str, Any]], dict[str, Any]] | None = None
    # Service error fields → form fields, where the names differ.
    field_map: dict[str, str] = field(default_factory=dict)

    def perform(self, request: HttpRequest, case: Case, data: dict[str, Any]) -> str:
        arguments = {argument: data[name] for name, argument in self.fields.items()}
        if self.computed is not None:
            arguments.update(self.computed(request, data))
        with_revision(
            self.service,
            actor=request.user,
            case=case,
            revision=data["revision"],
            request=request,
            **arguments,
        )
        return self.done(data)


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


def _say(message: Any) -> Callable[[dict[str, Any]], str]:
    return lambda data: str(message)


# In the order the case page offers them: the likely next step first.
ACTIONS: dict[str, ActionSpec] = {
    Action.CLAIM: ActionSpec(
        ClaimForm,
        services.case_claim,
        {},
        _say(gettext_lazy("已认领，办件已进入“我的”队列。")),
        gettext_lazy("认领"),
        gettext_lazy("认领办件"),
    ),
    Action.ACCEPT: ActionSpec(
        AcceptForm,
        services.case_accept,
        _same("opinion"),
        _say(gettext_lazy("已受理。办理时限从今天起算。")),
        gettext_lazy("受理"),
        gettext_lazy("受理"),
        "primary",
    ),
    Action.REQUEST_SUPPLEMENT: ActionSpec(
        SupplementForm,
        services.case_request_supplement,
        _same("items", "note"),
        _say(gettext_lazy("已一次性告知申请人补正，办件暂停计时。请打印补正材料通知书交申请人。")),
        gettext_lazy("一次性告知补正"),
        gettext_lazy("发出补正告知"),
    ),
    Action.REJECT_INTAKE: ActionSpec(
        RejectIntakeForm,
        services.case_reject_intake,
        _same("reason", "legal_notice"),
        _say(gettext_lazy("已决定不予受理。请打印不予受理通知书交申请人。")),
        gettext_lazy("不予受理"),
        gettext_lazy("决定不予受理"),
        "danger",
    ),
    Action.REVIEW: ActionSpec(
        ReviewForm,
        services.case_review,
        _same("step", "outcome", "opinion"),
        _say(gettext_lazy("审查意见已提交。")),
        gettext_lazy("审查"),
        gettext_lazy("提交审查意见"),
        "primary",
    ),
    Action.DECIDE: ActionSpec(
        DecideForm,
        services.case_decide,
        _same("decision", "reason", "remedy"),
        _say(gettext_lazy("决定已作出。")),
        gettext_lazy("作出决定"),
        gettext_lazy("作出决定"),
        "primary",
    ),
    Action.ISSUE: ActionSpec(
        IssueForm,
        services.case_issue,
        {},
        _say(gettext_lazy("办理结果已出具。")),
        gettext_lazy("出具办理结果"),
        gettext_lazy("出具办理结果"),
        "primary",
        multipart=True,
        computed=_issue_arguments,
    ),
    Action.DELIVER: ActionSpec(
        DeliverForm,
        services.case_deliver,
        _same("method", "address", "tracking_number"),
        _delivered,
        gettext_lazy("送达"),
        gettext_lazy("登记送达"),
        "primary",
    ),
    Action.COMPLETE: ActionSpec(
        CompleteForm,
        services.case_complete,
        {},
        _say(gettext_lazy("办件已办结。")),
        gettext_lazy("确认签收并办结"),
        gettext_lazy("确认办结"),
        "primary",
    ),
    Action.ASSIGN: ActionSpec(
        AssignForm,
        services.case_assign,
        _same("assignee"),
        _assigned,
        gettext_lazy("指派"),
        gettext_lazy("指派"),
    ),
    Action.START_SPECIAL: ActionSpec(
        SpecialStartForm,
        services.case_special_start,
        _same("kind", "name", "reason", "limit_value", "limit_unit"),
        _say(gettext_lazy("特别程序已启动，办件暂停计时。")),
        gettext_lazy("启动特别程序"),
        gettext_lazy("启动特别程序"),
    ),
    Action.END_SPECIAL: ActionSpec(
        SpecialEndForm,
        services.case_special_end,
        _same("result"),
        _say(gettext_lazy("特别程序已结束，办件恢复计时。")),
        gettext_lazy("结束特别程序"),
        gettext_lazy("结束特别程序"),
        "primary",
    ),
    Action.EXTEND: ActionSpec(
        ExtendForm,
        services.case_extend,
        _same("days", "reason"),
        _say(gettext_lazy("办理时限已延长。")),
        gettext_lazy("延长办理时限"),
        gettext_lazy("延长时限"),
    ),
    Action.ATTACH: ActionSpec(
        AttachForm,
        services.case_attach,
        _same("file", "name"),
        _say(gettext_lazy("附件已添加。")),
        gettext_lazy("添加附件"),
        gettext_lazy("上传附件"),
        multipart=True,
    ),
    Action.TERMINATE: ActionSpec(
        TerminateForm,
        services.case_terminate,
        _same("reason"),
        _say(gettext_lazy("已终止办理。")),
        gettext_lazy("终止办理"),
        gettext_lazy("终止办理"),
        "danger",
    ),
}


def action_order(actions: list[str]) -> list[str]:
    """The actions a page offers, in the order of `ACTIONS`."""
    return [action for action in ACTIONS if action in actions]


def make_form(
    action: str, *, case: Case, user: Any, data: Any = None, files: Any = None
) -> ActionForm:
    return ACTIONS[action].form(data, files, case=case, user=user, prefix=action)
