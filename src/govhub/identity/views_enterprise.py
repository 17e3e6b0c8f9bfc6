"""Enterprises: register one as its legal representative, switch the acting-for
identity, grant and revoke agents (经办人)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from govhub.core.errors import ApplicationError
from govhub.identity import selectors, services_enterprise, session
from govhub.identity.forms import ActingForForm, AgentGrantForm, EnterpriseRegisterForm
from govhub.identity.models import AgentScope, Enterprise
from govhub.identity.selectors import Membership, memberships_of

# Registering an enterprise and managing its agents: two factors this session.
ENTERPRISE_LEVEL = "L2"


def _memberships(user: Any) -> list[Membership]:
    return memberships_of(user=user)


def _acting_choices(user: Any, memberships: list[Any]) -> list[tuple[str, Any]]:
    myself = _("本人（%(name)s）") % {"name": user.get_full_name()}
    return [("", myself)] + [
        (
            m.enterprise.uscc,
            _("%(name)s（%(uscc)s）") % {"name": m.enterprise.name, "uscc": m.enterprise.uscc},
        )
        for m in memberships
    ]


def _page(
    request: HttpRequest,
    *,
    acting_form: ActingForForm | None = None,
    register_form: EnterpriseRegisterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    memberships = _memberships(user)
    acting = session.acting_for(request)
    if acting_form is None:
        acting_form = ActingForForm(
            choices=_acting_choices(user, memberships),
            initial={"acting_for": acting.uscc if acting else ""},
        )
    return render(
        request,
        "identity/enterprises.html",
        {
            "account_section": "enterprises",
            "memberships": memberships,
            "acting_form": acting_form,
            "register_form": register_form or EnterpriseRegisterForm(),
            "can_register": user.is_real_name_verified,
            "needs_step_up": not session.level_satisfied(request, ENTERPRISE_LEVEL),
            "step_up_url": session.step_up_url(request.path, ENTERPRISE_LEVEL),
        },
        status=status,
    )


@never_cache
@login_required
def enterprises(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def enterprise_register(request: HttpRequest) -> HttpResponse:
    if not session.level_satisfied(request, ENTERPRISE_LEVEL):
        return redirect(session.step_up_url(reverse("identity:enterprises"), ENTERPRISE_LEVEL))
    form = EnterpriseRegisterForm(request.POST)
    if form.is_valid():
        try:
            enterprise = services_enterprise.enterprise_register(
                actor=request.user, uscc=form.cleaned_data["uscc"], request=request
            )
        except ApplicationError as exc:
            form.apply_error(exc)
        else:
            messages.success(
                request,
                _("企业“%(name)s”已登记，您可以授权经办人，或切换为代表该企业办事。")
                % {"name": enterprise.name},
            )
            return redirect("identity:enterprises")
    return _page(request, register_form=form, status=422)


@login_required
@require_POST
def acting_for_switch(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    memberships = _memberships(user)
    form = ActingForForm(request.POST, choices=_acting_choices(user, memberships))
    if form.is_valid():
        uscc = form.cleaned_data["acting_for"]
        target = next((m.enterprise for m in memberships if m.enterprise.uscc == uscc), None)
        try:
            session.acting_for_set(request, target)
        except ApplicationError as exc:
            form.apply_error(exc, field_map={"enterprise": "acting_for"})
        else:
            if target is None:
                messages.success(request, _("已切换为以个人身份办事。"))
            else:
                messages.success(request, _("已切换为代表“%(name)s”办事。") % {"name": target.name})
            return redirect("identity:enterprises")
    return _page(request, acting_form=form, status=422)


def _represented(request: HttpRequest, uscc: str) -> Enterprise:
    """The enterprise `uscc` when the signed-in user is its legal representative."""
    for membership in _memberships(request.user):
        if membership.enterprise.uscc == uscc and membership.is_representative:
            enterprise: Enterprise = membership.enterprise
            return enterprise
    raise Http404


def _decorate(authorizations: list[Any]) -> list[Any]:
    now = timezone.now()
    for a in authorizations:
        a.is_current = a.is_valid_at(now)
    return authorizations


@never_cache
@session.require_level(ENTERPRISE_LEVEL)
@require_http_methods(["GET", "POST"])
def agents(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = _represented(request, uscc)
    form = AgentGrantForm(request.POST or None, scope_choices=list(AgentScope.choices))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                authorization = services_enterprise.agent_authorize(
                    actor=request.user,
                    enterprise=enterprise,
                    agent_name=data["agent_name"],
                    agent_id_number=data["agent_id_number"],
                    scopes=data["scopes"],
                    expires_on=data["expires_on"],
                    request=request,
                )
            except ApplicationError as exc:
                form.apply_error(exc)
            else:
                messages.success(
                    request,
                    _("已授权%(name)s为经办人，有效期至%(date)s。")
                    % {
                        "name": authorization.agent.get_full_name(),
                        "date": _local_date(authorization.expires_at),
                    },
                )
                return redirect("identity:agents", uscc=enterprise.uscc)
        status = 422
    authorizations = _decorate(list(selectors.agents_of(actor=request.user, enterprise=enterprise)))
    return render(
        request,
        "identity/agents.html",
        {
            "account_section": "enterprises",
            "enterprise": enterprise,
            "authorizations": authorizations,
            "form": form,
        },
        status=status,
    )


def _local_date(value: datetime.datetime) -> str:
    # Authorisations end at midnight after their last day: show that last day.
    return (timezone.localtime(value) - datetime.timedelta(seconds=1)).date().isoformat()


@session.require_level(ENTERPRISE_LEVEL)
@require_POST
def agent_revoke(request: HttpRequest, uscc: str, pk: int) -> HttpResponse:
    enterprise = _represented(request, uscc)
    authorization = (
        selectors.agents_of(actor=request.user, enterprise=enterprise).filter(pk=pk).first()
    )
    if authorization is None:
        raise Http404
    try:
        services_enterprise.agent_revoke(
            actor=request.user, authorization=authorization, request=request
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("已撤销%(name)s的经办人授权。") % {"name": authorization.agent.get_full_name()},
        )
    return redirect("identity:agents", uscc=enterprise.uscc)
