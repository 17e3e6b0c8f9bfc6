"""Every write to cases, in one import: intake (`services_intake`), acceptance and
assignment (`services_handling`), review and decision (`services_review`), results
(`services_results`). Views, the API and tasks call these, never the models directly."""

from govhub.cases.intake_support import ApplicantData, missing_materials
from govhub.cases.services_drafts import case_draft_discard
from govhub.cases.services_handling import (
    case_accept,
    case_assign,
    case_claim,
    case_reject_intake,
    case_request_supplement,
)
from govhub.cases.services_intake import (
    case_draft_save,
    case_material_upload,
    case_resubmit,
    case_result_downloaded,
    case_submit,
    case_submit_once,
    case_withdraw,
)
from govhub.cases.services_privacy import case_id_number_reveal
from govhub.cases.services_results import (
    case_attach,
    case_complete,
    case_deliver,
    case_issue,
    case_terminate,
)
from govhub.cases.services_review import (
    case_decide,
    case_extend,
    case_review,
    case_special_end,
    case_special_start,
)

__all__ = [
    "ApplicantData",
    "case_accept",
    "case_assign",
    "case_attach",
    "case_claim",
    "case_complete",
    "case_decide",
    "case_deliver",
    "case_draft_discard",
    "case_draft_save",
    "case_extend",
    "case_id_number_reveal",
    "case_issue",
    "case_material_upload",
    "case_reject_intake",
    "case_request_supplement",
    "case_resubmit",
    "case_result_downloaded",
    "case_review",
    "case_special_end",
    "case_special_start",
    "case_submit",
    "case_submit_once",
    "case_terminate",
    "case_withdraw",
    "missing_materials",
]
