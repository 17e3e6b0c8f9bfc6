"""Cases API (`/api/v1/cases/`): applying, tracking and handling cases (办件).

The mobile app and the web pages' scripts use the same task-oriented endpoints: one call
submits an application with its files, one call returns everything a case screen shows
(`GET /{number}`), and every handling step is one `POST /{number}/<action>` that calls
exactly one service and answers with the updated case.

Authentication: `Authorization: Bearer <access token>` from the platform's OpenID
provider with the `openid` scope (as for the identity API), or the browser's session (with
the CSRF token for writes). Acting for an enterprise: `X-Acting-For: <USCC>` with a token
carrying the `enterprise` scope; a browser session acts for the enterprise chosen on the
pages (a header naming another one is refused).

Levels: staff need a two-factor sign-in (L2) for every call; applicants need L2 to change
anything (drafts, submission, supplements, withdrawal) and any sign-in to read. Below the
level the answer is 401 `insufficient_user_authentication` (for a token with
`WWW-Authenticate: Bearer ... acr_values="L2"`, RFC 9470); an account that can never reach
L2 (not real-name verified) gets 403 `real_name_required`.

Visibility: a case someone may not see answers 404, exactly as a case that does not exist.
Someone who sees a case but may not take an action gets 403. Errors use the platform's
envelope (`govhub.core.errors`).

Code: the handlers live in modules by sub-domain (`api_list`, `api_intake`, `api_status`,
`api_detail`, `api_files`, `api_handling`); `api_auth` resolves the caller, `api_routes`
declares endpoints, `api_bodies` reads multipart bodies and `api_schemas` holds the schemas.
This module only adds the endpoints to `router`, in the order their paths are matched.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from ninja import Router

from govhub.cases import api_detail, api_files, api_handling, api_intake, api_list, api_status
from govhub.cases.api_routes import Endpoint

router = Router(tags=["cases"])

# Every endpoint, in the order their paths are matched: literal paths ("status", "drafts")
# come before "{number}". The OpenAPI document lists them in this order too.
ENDPOINTS: list[Endpoint] = [
    api_list.case_list,
    api_intake.case_submit,
    api_status.case_status,
    api_intake.draft_create,
    api_intake.draft_detail,
    api_intake.draft_update,
    api_intake.draft_discard,
    api_intake.draft_material_upload,
    api_intake.draft_submit,
    api_files.draft_material_file,
    api_detail.case_detail,
    api_files.material_file,
    api_files.result_file,
    api_handling.accept,
    api_handling.reject_intake,
    api_handling.request_supplement,
    api_intake.resubmit,
    api_handling.claim,
    api_handling.assign,
    api_handling.review,
    api_handling.special_start,
    api_handling.special_end,
    api_handling.extend,
    api_handling.decide,
    api_handling.issue,
    api_handling.deliver,
    api_handling.complete,
    api_intake.withdraw,
    api_handling.terminate,
    api_handling.attach,
]


def _add_endpoints() -> None:
    modules = (api_detail, api_files, api_handling, api_intake, api_list, api_status)
    found = {value for m in modules for value in vars(m).values() if isinstance(value, Endpoint)}
    if found != set(ENDPOINTS) or len(ENDPOINTS) != len(found):
        raise ImproperlyConfigured("List every cases API endpoint once in ENDPOINTS.")
    for declared in ENDPOINTS:
        router.add_api_operation(
            declared.path,
            [declared.method],
            declared.view,
            # The ids published when the whole API lived in this module (clients generated
            # from the document name their methods after them): they stay when code moves.
            operation_id=f"govhub_cases_api_{declared.view.__name__}",
            **declared.options,
        )


_add_endpoints()

__all__ = ["router"]
