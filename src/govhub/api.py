"""The platform's HTTP API, version 1: one NinjaAPI, one router per domain."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI

from govhub.core.errors import register_error_handlers

api = NinjaAPI(
    title="govhub API",
    version="1",
    description=(
        "一网通办平台开放接口。The govhub platform API. Errors always use the envelope "
        '`{"error": {"code", "message", "fields", "request_id"}}`; messages follow the '
        "request's Accept-Language (zh-hans by default, en)."
    ),
    urls_namespace="api-v1",
)
register_error_handlers(api)


@api.get("/", summary="API index", tags=["meta"])
def index(request: HttpRequest) -> dict[str, Any]:
    return {
        "name": "govhub",
        "version": "1",
        "openapi": request.build_absolute_uri("openapi.json"),
        "docs": request.build_absolute_uri("docs"),
        "resources": {
            name: request.build_absolute_uri(path)
            for name, path in [
                ("regions", "organizations/regions"),
                ("departments", "organizations/departments"),
                ("halls", "organizations/halls"),
                ("service_points", "organizations/service-points"),
            ]
        },
    }


def _add_routers() -> None:
    from govhub.cases.api import router as cases_router
    from govhub.catalog.api import router as catalog_router
    from govhub.identity.api import router as identity_router
    from govhub.notifications.api import router as notifications_router
    from govhub.organizations.api import router as organizations_router
    from govhub.supervision.api import router as supervision_router

    api.add_router("/organizations/", organizations_router)
    api.add_router("/catalog/", catalog_router)
    api.add_router("/cases", cases_router)
    api.add_router("/identity/", identity_router)
    api.add_router("/notifications/", notifications_router)
    api.add_router("/supervision/", supervision_router)


_add_routers()
