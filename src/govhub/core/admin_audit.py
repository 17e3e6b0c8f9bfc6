"""Admin pieces of the audit trail.

- Auditing every admin screen lives in `core.admin_auditing` (`AuditedAdminSite`,
  `AdminAuditMixin`), re-exported here.
- `AuditEventAdmin` and `AuditCheckpointAdmin`: the trail itself, read-only, with each
  record's place in the hash chain.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from govhub.core.admin_auditing import (
    AdminAuditMixin,
    AuditedAdmin,
    AuditedAdminSite,
    admin_action_code,
    admin_role,
    audited_admin_class,
)
from govhub.core.models import AuditChainLink, AuditCheckpoint, AuditEvent

__all__ = [
    "AdminAuditMixin",
    "AuditCheckpointAdmin",
    "AuditEventAdmin",
    "AuditedAdmin",
    "AuditedAdminSite",
    "ReadOnlyAdmin",
    "admin_action_code",
    "admin_role",
    "audited_admin_class",
]


def _link(obj: AuditEvent) -> AuditChainLink | None:
    try:
        return obj.chain_link
    except AuditChainLink.DoesNotExist:
        return None


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nobody adds, edits or deletes a record of the audit trail here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail, read-only, with each record's place in the hash chain."""

    list_display = (
        "occurred_at",
        "actor_label",
        "on_behalf_of",
        "actor_role",
        "action",
        "object_type",
        "object_label",
        "outcome",
        "chain_seq",
    )
    list_filter = ("outcome", "action", "object_type")
    search_fields = (
        "actor_label",
        "on_behalf_of",
        "action",
        "object_id",
        "object_label",
        "request_id",
    )
    date_hierarchy = "occurred_at"
    list_select_related = ("actor", "chain_link")
    readonly_fields = (
        *(field.name for field in AuditEvent._meta.fields),
        "chain_seq",
        "chain_prev_hash",
        "chain_hash",
        "chain_sealed_at",
    )

    @admin.display(description=_("链序号"))
    def chain_seq(self, obj: AuditEvent) -> Any:
        link = _link(obj)
        return link.seq if link is not None else _("待封存")

    @admin.display(description=_("前一记录哈希"))
    def chain_prev_hash(self, obj: AuditEvent) -> str:
        link = _link(obj)
        return link.prev_hash if link is not None else ""

    @admin.display(description=_("哈希"))
    def chain_hash(self, obj: AuditEvent) -> str:
        link = _link(obj)
        return link.hash if link is not None else ""

    @admin.display(description=_("封存时间"))
    def chain_sealed_at(self, obj: AuditEvent) -> Any:
        link = _link(obj)
        return link.sealed_at if link is not None else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("chain_link")


class AuditCheckpointAdmin(ReadOnlyAdmin):
    """Signed checkpoints of the audit chain, read-only."""

    list_display = ("seq", "created_at", "algorithm", "key_id", "head_hash")
    date_hierarchy = "created_at"
    readonly_fields = tuple(field.name for field in AuditCheckpoint._meta.fields)
