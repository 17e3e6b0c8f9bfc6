"""Enterprise accounts and their agents (经办人), and switching whom one acts for."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govhub.core.audit import audit_denials, audit_log
from govhub.core.crypto import lookup_hash
from govhub.core.errors import Forbidden, InvalidInput
from govhub.core.masking import mask_id_number, mask_name
from govhub.core.models import AuditEvent
from govhub.core.validators import check_id_number, check_uscc
from govhub.identity import policies
from govhub.identity.models import AgentAuthorization, AgentScope, Enterprise, User

ENTERPRISE_PURPOSE = "identity.enterprise.register"
# The longest an agent authorisation may run.
MAX_AGENT_DAYS = 3 * 366

_TARGETS = ("enterprise", "authorization")


def _field_error(field: str, message: Any) -> InvalidInput:
    return InvalidInput(message, fields={field: [str(message)]})


def _end_of_day(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` in the local time zone (an exclusive bound)."""
    following = day + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))


@audit_denials("identity.enterprise.register", target_keywords=_TARGETS)
def enterprise_register(*, actor: Any, uscc: str, request: HttpRequest | None) -> Enterprise:
    """Register an enterprise account; `actor` must be its legal representative in the
    legal-person registry (checked with the actor's verified real name and ID number)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_real_name_verified:
        raise Forbidden(_("请先完成实名认证，再注册企业账号。"))
    try:
        code = check_uscc(uscc).value
    except ValidationError as exc:
        raise InvalidInput(fields={"uscc": [str(m) for m in exc.messages]}) from exc
    existing = Enterprise.objects.filter(uscc=code).first()
    if existing is not None:
        if existing.legal_representative_id == actor.pk:
            raise _field_error("uscc", _("您已注册该企业账号。"))
        raise _field_error(
            "uscc", _("该企业已注册账号。如法定代表人已变更，请到政务服务窗口办理。")
        )

    from govhub.registries.selectors import legal_entity_verify_representative

    with transaction.atomic():
        match = legal_entity_verify_representative(
            actor=actor,
            uscc=code,
            name=actor.full_name,
            id_number=actor.id_number,
            purpose=ENTERPRISE_PURPOSE,
            request=request,
        )
        if match.outcome != "match" or match.entity is None:
            audit_log(
                actor=actor,
                action="identity.enterprise.register",
                outcome=AuditEvent.Outcome.FAILURE,
                changes={"uscc": code, "reason": match.outcome},
                request=request,
            )
    if match.outcome != "match" or match.entity is None:
        messages = {
            "not_found": _("法人库中没有该统一社会信用代码，请核对。"),
            "not_representative": _("您不是该企业登记的法定代表人，不能注册该企业账号。"),
            "inactive": _("该企业已被吊销或注销，不能注册企业账号。"),
        }
        raise _field_error("uscc", messages.get(match.outcome, messages["not_found"]))
    with transaction.atomic():
        enterprise = Enterprise.objects.create(
            uscc=code, name=match.entity.name, legal_representative=actor
        )
        audit_log(
            actor=actor,
            action="identity.enterprise.register",
            target=enterprise,
            changes={"uscc": code, "name": enterprise.name},
            request=request,
        )
    return enterprise


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(scopes or []))
    if not chosen:
        raise _field_error("scopes", _("请至少选择一项授权范围。"))
    unknown = [scope for scope in chosen if scope not in AgentScope.values]
    if unknown:
        raise _field_error("scopes", _("不是允许的授权范围。"))
    return [scope for scope in AgentScope.values if scope in chosen]


@audit_denials("identity.agent.authorize", target_keywords=_TARGETS)
@transaction.atomic
def agent_authorize(
    *,
    actor: Any,
    enterprise: Enterprise,
    agent_name: str,
    agent_id_number: str,
    scopes: Iterable[str],
    expires_on: datetime.date,
    request: HttpRequest | None,
) -> AgentAuthorization:
    """The legal representative authorises a person (who has a real-name account) to act
    for the enterprise with `scopes` until the end of `expires_on`. An earlier valid
    authorisation of the same person is replaced."""
    if not policies.can_manage_agents(actor, enterprise):
        raise Forbidden(_("只有企业法定代表人可以授权经办人。"))
    name = "".join((agent_name or "").split())
    try:
        number = check_id_number(agent_id_number).value
    except ValidationError as exc:
        raise InvalidInput(fields={"agent_id_number": [str(m) for m in exc.messages]}) from exc
    chosen = _clean_scopes(scopes)
    today = timezone.localdate()
    if expires_on is None or expires_on < today:
        raise _field_error("expires_on", _("授权截止日期不能早于今天。"))
    if (expires_on - today).days > MAX_AGENT_DAYS:
        raise _field_error("expires_on", _("授权期限最长为三年。"))
    agent = User.objects.filter(id_number_hash=lookup_hash(number, purpose="id_number")).first()
    if agent is None or not agent.is_real_name_verified or not agent.is_active:
        raise _field_error(
            "agent_id_number", _("该人员尚未注册实名账号，请其先完成实名注册后再授权。")
        )
    if "".join(agent.full_name.split()) != name:
        raise _field_error("agent_name", _("姓名与身份证号码不一致，请核对。"))
    if agent.pk == enterprise.legal_representative_id:
        raise _field_error("agent_id_number", _("法定代表人本人无需授权。"))
    now = timezone.now()
    replaced = list(
        AgentAuthorization.objects.select_for_update()
        .filter(enterprise=enterprise, agent=agent, revoked_at__isnull=True, expires_at__gt=now)
        .values_list("pk", flat=True)
    )
    AgentAuthorization.objects.filter(pk__in=replaced).update(revoked_at=now, revoked_by=actor)
    authorization = AgentAuthorization.objects.create(
        enterprise=enterprise,
        agent=agent,
        scopes=chosen,
        granted_by=actor,
        valid_from=now,
        expires_at=_end_of_day(expires_on),
    )
    audit_log(
        actor=actor,
        action="identity.agent.authorize",
        target=authorization,
        changes={
            "enterprise": enterprise.uscc,
            "agent": f"{mask_name(agent.full_name)} {mask_id_number(number)}",
            "scopes": chosen,
            "expires_on": expires_on.isoformat(),
            "replaces": replaced,
        },
        request=request,
    )
    return authorization


@audit_denials("identity.agent.revoke", target_keywords=_TARGETS)
@transaction.atomic
def agent_revoke(
    *, actor: Any, authorization: AgentAuthorization, request: HttpRequest | None
) -> AgentAuthorization:
    """End an authorisation now (the legal representative, or the agent giving it up).
    Revoking twice changes nothing."""
    if not policies.can_revoke_authorization(actor, authorization):
        raise Forbidden(_("您没有权限撤销该授权。"))
    authorization = AgentAuthorization.objects.select_for_update().get(pk=authorization.pk)
    if authorization.revoked_at is not None:
        return authorization
    authorization.revoked_at = timezone.now()
    authorization.revoked_by = actor
    authorization.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(
        actor=actor,
        action="identity.agent.revoke",
        target=authorization,
        changes={"enterprise": authorization.enterprise.uscc},
        request=request,
    )
    return authorization


def acting_for_change(
    *, request: HttpRequest | None, user: Any, enterprise: Enterprise | None
) -> None:
    """Record a switch of whom `user` acts for (used by `session.acting_for_set`); a
    refused switch is recorded too, then raised as `Forbidden`."""
    allowed = enterprise is None or policies.can_act_for(user, enterprise)
    label = enterprise.on_behalf_of_label if enterprise is not None else ""
    with transaction.atomic():
        audit_log(
            actor=user,
            action="identity.acting_for.set",
            target=enterprise,
            outcome=AuditEvent.Outcome.SUCCESS if allowed else AuditEvent.Outcome.DENIED,
            changes={"acting_for": label or "self"},
            on_behalf_of=label if allowed else "",
            request=request,
        )
    if not allowed:
        raise Forbidden(_("您没有代表该企业办理业务的授权，或授权已过期。"))
