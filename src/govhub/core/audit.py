"""Writing the audit trail. Call `audit_log` inside the service's transaction, so the
record exists exactly when the change does."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from govhub.core.models import AuditEvent
from govhub.core.requestid import current_request_id


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit record.

    `action` is `<app>.<noun>.<verb>`, e.g. `organizations.position.grant`.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label or (user.get_username() if user is not None else "system"),
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=str(target)[:200] if target is not None else "",
        outcome=outcome,
        source_ip=_client_ip(request),
        request_id=current_request_id() if current_request_id() != "-" else "",
        changes=changes or {},
    )
