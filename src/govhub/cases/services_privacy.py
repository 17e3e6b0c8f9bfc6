"""Personal data of a case shown in full, on purpose and on the record.

Staff pages show an applicant's ID number masked; `case_id_number_reveal` gives the full
number to a member of staff who may open the case, and records every reveal in the audit
trail (`cases.case.view_id_number`), and every refusal as a denied one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from govhub.cases import selectors
from govhub.cases.models import Case
from govhub.core.audit import audit_denials, audit_log
from govhub.core.errors import Forbidden

REVEAL_ACTION = "cases.case.view_id_number"


@audit_denials(REVEAL_ACTION, target_keywords=("case",))
@transaction.atomic
def case_id_number_reveal(*, actor: Any, case: Case, request: HttpRequest | None = None) -> str:
    """The applicant's full ID number ("" when the case holds none), for staff who may
    open the case (`selectors.staff_cases`: the case's departments and regions, joint
    reviewers, supervisors, whoever entered it); anyone else is refused (`Forbidden`)."""
    if not selectors.staff_cases(actor).filter(pk=case.pk).exists():
        raise Forbidden()
    audit_log(
        actor=actor,
        action=REVEAL_ACTION,
        target=case,
        changes={"number": case.number},
        request=request,
    )
    return str(case.applicant_id_number or "")
