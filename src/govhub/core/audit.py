"""Writing the audit trail. Call `audit_log` inside the service's transaction, so the
record exists exactly when the change does. It only inserts a row: the sealer
(`govhub.core.audit_chain.audit_seal`) links it into the hash chain afterwards."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest

from govhub.core.audit_chain import changes_digest
from govhub.core.errors import Forbidden
from govhub.core.models import AuditEvent
from govhub.core.requestid import (
    current_client_address,
    current_on_behalf_of,
    current_request_id,
)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address (already taken from X-Forwarded-For behind trusted proxies by
    `core.middleware.ClientAddressMiddleware`)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def source_address(request: HttpRequest | None) -> str | None:
    """The address to record: the given request's client, else that of the request being
    served (a service called without `request`), else None (commands, tasks)."""
    if request is not None:
        return client_ip(request)
    return current_client_address()


def audit_log(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
    on_behalf_of: str | None = None,
    role: str = "",
    object_label: str | None = None,
) -> AuditEvent:
    """Append one audit record.

    `action` is `<app>.<noun>.<verb>`, e.g. `organizations.position.grant`.
    `on_behalf_of` defaults to the request's acting-for identity (see
    `govhub.core.requestid.current_on_behalf_of`), the source address to the client of the
    request being served when `request` is not given. `role` is the capacity the actor acted
    in (e.g. a staff position's role), when the service knows it. `object_label` replaces
    `str(target)` where that could show a secret (an OpenID ID token names its `jti`).
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    changes = changes or {}
    return AuditEvent.objects.create(
        actor=user,
        on_behalf_of=current_on_behalf_of() if on_behalf_of is None else on_behalf_of,
        actor_role=role[:64],
        actor_label=actor_label or (user.get_username() if user is not None else "system"),
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=(
            object_label if object_label is not None else str(target) if target is not None else ""
        )[:200],
        outcome=outcome,
        source_ip=source_address(request),
        request_id=current_request_id() if current_request_id() != "-" else "",
        changes=changes,
        changes_digest=changes_digest(changes),
    )


def audit_denials[**P, R](
    action: str, *, target_keywords: tuple[str, ...]
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a service so that a refused call (`Forbidden`) is recorded as a "denied"
    audit event. Put it outside `@transaction.atomic`: the record is written after the
    service's own work has rolled back. The target is the first keyword argument, among
    `target_keywords`, that holds a saved model instance."""

    def decorator(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except Forbidden as exc:
                target = next(
                    (
                        value
                        for key in target_keywords
                        if isinstance(value := kwargs.get(key), models.Model)
                        and value.pk is not None
                    ),
                    None,
                )
                audit_log(
                    actor=kwargs.get("actor"),
                    action=action,
                    target=target,
                    outcome=AuditEvent.Outcome.DENIED,
                    changes={"reason": str(exc.message)},
                )
                raise

        return wrapper

    return decorator
