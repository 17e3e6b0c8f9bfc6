"""Cases API: declaring endpoints, and the OpenAPI fragments they share.

A handler is declared with `@endpoint(...)` (the arguments of Ninja's `router.get`/`post`/
`patch`), beside its code; `govhub.cases.api` adds every endpoint to the router, in the order
its paths must be matched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from govhub.cases.api_auth import AUTH, guarded
from govhub.cases.api_schemas import CaseDetailOut, CaseReceiptOut, ErrorOut

E = ErrorOut
TASK_RESPONSES: dict[int, Any] = {200: CaseDetailOut, 401: E, 403: E, 404: E, 409: E, 422: E}
CREATE_RESPONSES: dict[int, Any] = {
    200: CaseDetailOut,
    201: CaseDetailOut,
    401: E,
    403: E,
    404: E,
    409: E,
    422: E,
}
# A submission answers with the whole case, or with a receipt when the client prefers
# (`Prefer: return=minimal`); the detail is tried first.
SUBMIT_RESPONSES: dict[int, Any] = {
    **CREATE_RESPONSES,
    201: Annotated[CaseDetailOut | CaseReceiptOut, Field(union_mode="left_to_right")],
}
READ_RESPONSES: dict[int, Any] = {200: CaseDetailOut, 401: E, 403: E, 404: E}
FILE_RESPONSES: dict[int, Any] = {200: None, 401: E, 403: E, 404: E}


def header_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": description,
    }


ACTING_FOR_PARAMETER = header_parameter(
    "X-Acting-For",
    "代表企业办事时填写该企业的统一社会信用代码（访问令牌须有 enterprise 授权范围）。",
)
ACTING_FOR_EXTRA: dict[str, Any] = {"parameters": [ACTING_FOR_PARAMETER]}


@dataclass(frozen=True, eq=False)
class Endpoint:
    """A handler and how it is served (`options`: the keyword arguments of
    `Router.add_api_operation`)."""

    method: str
    path: str
    view: Callable[..., Any]
    options: dict[str, Any]


def endpoint(method: str, path: str, **options: Any) -> Callable[[Callable[..., Any]], Endpoint]:
    """Declare the handler below as `method path` (added to the router by `cases.api`)."""

    def decorator(view: Callable[..., Any]) -> Endpoint:
        return Endpoint(method=method, path=path, view=view, options=options)

    return decorator


def task(
    summary: str, description: str, *, path: str, name: str, extra: dict[str, Any] | None = None
) -> Callable[[Callable[..., Any]], Endpoint]:
    """Declare a handling step: `POST /{number}/<path>`, a change (L2), answered with the
    updated case."""
    declare = endpoint(
        "POST",
        f"/{{number}}/{path}",
        response=TASK_RESPONSES,
        auth=AUTH,
        url_name=name,
        summary=summary,
        description=description
        + "\n\n请求体可带 `revision`（详情中的修订号）：办件此后已被他人更新则返回 409 "
        "`stale_revision`。成功返回更新后的办件详情。",
        openapi_extra=extra or ACTING_FOR_EXTRA,
    )

    def decorator(view: Callable[..., Any]) -> Endpoint:
        return declare(guarded(write=True)(view))

    return decorator
