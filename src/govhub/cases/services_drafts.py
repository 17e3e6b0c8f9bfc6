"""Drafts the applicant no longer wants: discarding one (放弃草稿).

A draft is not yet an application: it has no number, no history, no clock and no staff
member has seen it. Discarding it therefore deletes it, with its material rows, instead of
recording a withdrawal; only the audit record remains. Its uploaded files are removed from
storage after the commit, so a rolled-back discard never loses a file that a row still
names.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from govhub.cases import policies
from govhub.cases.models import Case, CaseMaterial
from govhub.cases.service_support import lock_case
from govhub.cases.workflow import State
from govhub.core.audit import audit_denials, audit_log
from govhub.core.errors import Conflict, Forbidden
from govhub.identity.models import Enterprise

logger = logging.getLogger(__name__)


@audit_denials("cases.case.draft_discard", target_keywords=("case",))
@transaction.atomic
def case_draft_discard(
    *,
    actor: Any,
    case: Case,
    acting_for: Enterprise | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Delete the applicant's draft, its material rows and (after the commit) its files.

    Only a draft can be discarded (`Conflict` `not_a_draft` otherwise: a submitted
    application is withdrawn instead), and only by whoever may edit it (`Forbidden`). No
    history row and no notification: nothing happened to an application."""
    case = lock_case(case)
    if case.state != State.DRAFT:
        raise Conflict(
            _("只有尚未提交的草稿可以放弃；已提交的申请如不再需要，可以撤回。"),
            code="not_a_draft",
        )
    if not policies.can_change_as_applicant(actor, case, acting_for=acting_for):
        raise Forbidden()
    names = sorted(
        {name for name in case.materials.exclude(file="").values_list("file", flat=True) if name}
    )
    audit_log(
        actor=actor,
        action="cases.case.draft_discard",
        target=case,
        changes={"item": case.item.implementation_code, "files": len(names)},
        request=request,
    )
    # A file another case's row still names (none today: every upload gets its own name)
    # stays in storage.
    shared = set(
        CaseMaterial.objects.filter(file__in=names)
        .exclude(case=case)
        .values_list("file", flat=True)
    )
    case.materials.all().delete()
    case.delete()
    kept = [name for name in names if name not in shared]
    if kept:
        transaction.on_commit(lambda: _delete_files(kept))


def _delete_files(names: list[str]) -> None:
    """Remove stored files; one that is already gone is fine, and a storage error is
    logged without stopping the others (the draft is deleted whatever happens here)."""
    storage = CaseMaterial._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.warning(
                "cases: could not delete a discarded draft's file %s", name, exc_info=True
            )
