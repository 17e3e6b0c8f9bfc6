"""Results: issuing, delivering, completing; and ending a case early (terminate), and
staff attachments (see `services_handling` for how every case service is built)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.cases import policies, uploads
from govhub.cases.fees import clean_fees
from govhub.cases.intake_support import store_one
from govhub.cases.models import (
    Case,
    CaseFee,
    CaseMaterial,
    CaseResult,
    DeliveryMethod,
)
from govhub.cases.service_support import (
    lock_case,
    record,
    require_text,
)
from govhub.cases.workflow import Action, State, check_transition
from govhub.core.audit import audit_denials
from govhub.core.errors import Forbidden, InvalidInput
from govhub.organizations.models import Position

Role = Position.Role
PROCEDURE_KINDS = ("hearing", "expert_review", "inspection", "testing", "other")


# --- results -----------------------------------------------------------------------------


@audit_denials("cases.case.issue", target_keywords=("case",))
@transaction.atomic
def case_issue(
    *,
    actor: Any,
    case: Case,
    file: UploadedFile | None = None,
    name: str = "",
    base_url: str = "",
    fees: Sequence[Mapping[str, Any]] | None = None,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> CaseResult:
    """Issue the result: an uploaded document, or the decision notice generated here.

    `fees` are what was actually charged (`[{"name", "amount"}]`, amounts in yuan):
    recorded with the result, each under the catalogue fee line of the same name, or under
    none (allowed: supervision flags it, see `cases.fees`)."""
    case = lock_case(case, revision=revision)
    check_transition(Action.ISSUE, case.state)
    if not policies.can_issue(actor, case):
        raise Forbidden()
    # Checked before the file is stored: a refused call leaves nothing behind.
    charged = clean_fees(fees, fee_lines=case.version.fee_lines)
    if file is not None:
        info = uploads.inspect_upload(file, label=name or case.version.result_name, field="file")
        storage_name = uploads.store_upload(file, info, prefix="results")
        result = CaseResult.objects.create(
            case=case,
            name=(name or case.version.result_name or case.title)[:200],
            file=storage_name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            issued_by=actor,
        )
    else:
        import hashlib

        from govhub.cases import notices

        pdf = notices.decision_notice(case, base_url=base_url)
        result = CaseResult(
            case=case,
            name=_("%(title)s决定书") % {"title": case.title},
            content_type="application/pdf",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            issued_by=actor,
        )
        result.file.save(f"{case.number}.pdf", ContentFile(pdf), save=False)
        result.save()
    CaseFee.objects.bulk_create(
        CaseFee(
            case=case,
            name=fee.name,
            amount=fee.amount,
            catalogue_name=fee.catalogue_name,
            recorded_by=actor,
        )
        for fee in charged
    )
    case.state = State.ISSUED
    case.save()
    fee_data = [fee.as_data() for fee in charged]
    record(
        case=case,
        action=Action.ISSUE,
        actor=actor,
        from_state=State.DECIDED,
        role="staff",
        data={"result": result.pk, "sha256": result.sha256, "fees": fee_data},
        request=request,
        audit_changes={"fees": fee_data},
    )
    return result


@audit_denials("cases.case.deliver", target_keywords=("case",))
@transaction.atomic
def case_deliver(
    *,
    actor: Any,
    case: Case,
    method: str,
    address: str = "",
    tracking_number: str = "",
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Deliver the result. Collection at the window and electronic delivery complete the
    case at once; a posted result completes when its receipt is confirmed."""
    case = lock_case(case, revision=revision)
    check_transition(Action.DELIVER, case.state)
    if not policies.can_issue(actor, case):
        raise Forbidden()
    if method not in DeliveryMethod.values:
        raise InvalidInput(_("请选择送达方式。"), fields={"method": [_("请选择送达方式。")]})
    if method == DeliveryMethod.POST:
        address = require_text(
            address or str(case.form_data.get("address", "")),
            field="address",
            message=_("邮寄送达须填写邮寄地址。"),
        )
    case.state = State.DELIVERED
    case.delivery_method = method
    case.delivery_address = (address or "")[:300]
    case.tracking_number = (tracking_number or "").strip()[:64]
    case.save()
    record(
        case=case,
        action=Action.DELIVER,
        actor=actor,
        from_state=State.ISSUED,
        role="staff",
        data={"method": method, "tracking_number": case.tracking_number},
        request=request,
    )
    if method != DeliveryMethod.POST:
        _complete(case, actor=actor, request=request)
    return case


def _complete(case: Case, *, actor: Any, request: HttpRequest | None) -> None:
    case.state = State.COMPLETED
    case.completed_at = timezone.now()
    case.save()
    record(
        case=case,
        action=Action.COMPLETE,
        actor=actor,
        from_state=State.DELIVERED,
        role="staff",
        request=request,
    )


@audit_denials("cases.case.complete", target_keywords=("case",))
@transaction.atomic
def case_complete(
    *, actor: Any, case: Case, revision: int | None = None, request: HttpRequest | None = None
) -> Case:
    """Confirm that a posted result was received: the case is completed (办结)."""
    case = lock_case(case, revision=revision)
    check_transition(Action.COMPLETE, case.state)
    if not policies.can_issue(actor, case):
        raise Forbidden()
    _complete(case, actor=actor, request=request)
    return case


@audit_denials("cases.case.terminate", target_keywords=("case",))
@transaction.atomic
def case_terminate(
    *,
    actor: Any,
    case: Case,
    reason: str,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """The department ends the procedure (终止), e.g. the applicant died or the entity was
    dissolved, with the reason on record."""
    case = lock_case(case, revision=revision)
    check_transition(Action.TERMINATE, case.state)
    if not policies.can_terminate(actor, case):
        raise Forbidden()
    text = require_text(reason, field="reason", message=_("请填写终止办理的理由。"))
    from_state = case.state
    case.state = State.TERMINATED
    case.outcome_reason = text
    case.paused_since = None
    case.set_current_step(None)
    case.completed_at = timezone.now()
    case.save()
    record(
        case=case,
        action=Action.TERMINATE,
        actor=actor,
        from_state=from_state,
        role=Role.APPROVER,
        opinion=text,
        request=request,
    )
    return case


@audit_denials("cases.case.attach", target_keywords=("case",))
@transaction.atomic
def case_attach(
    *,
    actor: Any,
    case: Case,
    file: UploadedFile,
    name: str,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> CaseMaterial:
    """Staff add a document to the case (an inspection record, an expert's report)."""
    case = lock_case(case, revision=revision)
    check_transition(Action.ATTACH, case.state)
    if not (policies.can_run_procedures(actor, case) or policies.can_handle_intake(actor, case)):
        raise Forbidden()
    title = require_text(name, field="name", message=_("请填写附件名称。"))
    material = store_one(case, file, material=None, actor=actor, name=title)
    material.is_internal = True
    material.save(update_fields=["is_internal"])
    record(
        case=case,
        action=Action.ATTACH,
        actor=actor,
        from_state=case.state,
        role="staff",
        data={"material": material.pk, "name": title},
        request=request,
    )
    return material
