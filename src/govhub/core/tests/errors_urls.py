"""A throwaway API for testing the error envelope (`test_errors.py`)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from pydantic import Field

from govhub.core.errors import (
    ApplicationError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    register_error_handlers,
)

api = NinjaAPI(urls_namespace="core-errors-test", docs_url=None)
register_error_handlers(api)


class Payload(Schema):
    name: str = Field(min_length=2)
    count: int
    when: str | None = None


@api.get("/application")
def application(request):
    raise ApplicationError()


@api.get("/custom")
def custom(request):
    raise ApplicationError("办件已锁定。", code="case_locked", fields={"case": ["已锁定。"]})


@api.get("/not-found")
def not_found(request):
    raise NotFound()


@api.get("/forbidden")
def forbidden(request):
    raise Forbidden()


@api.get("/conflict")
def conflict(request):
    raise Conflict()


@api.get("/invalid")
def invalid(request):
    raise InvalidInput(fields={"id_number": ["身份证号码校验码不正确，请核对最后一位。"]})


@api.post("/schema")
def schema(request, payload: Payload):
    return {"ok": True}


@api.get("/django-validation-dict")
def django_validation_dict(request):
    raise DjangoValidationError({"uscc": ["统一社会信用代码校验码不正确，请核对最后一位。"]})


@api.get("/django-validation-list")
def django_validation_list(request):
    raise DjangoValidationError("整体无效。")


@api.get("/http404")
def http404(request):
    raise Http404("secret detail")


@api.get("/permission")
def permission(request):
    raise PermissionDenied("secret detail")


@api.get("/auth", auth=lambda request: None)
def needs_auth(request):
    return {"ok": True}


@api.get("/rate-limited")
def rate_limited(request):
    raise HttpError(429, "请求过于频繁。")


@api.get("/teapot")
def teapot(request):
    raise HttpError(418, "teapot")


@api.get("/boom")
def boom(request):
    raise RuntimeError("internal detail that must not leak")


urlpatterns = [path("api/", api.urls)]
