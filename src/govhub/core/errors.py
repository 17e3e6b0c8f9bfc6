"""Domain errors and the API's JSON error envelope.

Every API error has the same shape, whatever raised it:

    {"error": {"code": "validation_error",          # stable, for machines
               "message": "提交的数据有误。",          # in the request's language
               "fields": {"id_number": ["校验码不正确。"]},
               "request_id": "4f0c..."}}

Services raise `ApplicationError` subclasses with a code and a translated message; the
API and the pages turn them into the envelope or a form error.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from govhub.core.requestid import current_request_id


class ApplicationError(Exception):
    """A failure the caller can act on; `code` is stable, `message` is for people."""

    code = "application_error"
    status = 400
    default_message: Any = gettext_lazy("请求无法完成。")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = gettext_lazy("找不到所请求的内容。")


class Forbidden(ApplicationError):
    code = "forbidden"
    status = 403
    default_message = gettext_lazy("您没有权限进行此操作。")


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    default_message = gettext_lazy("数据已被他人修改，请刷新后重试。")


class InvalidInput(ApplicationError):
    code = "validation_error"
    status = 422
    default_message = gettext_lazy("提交的数据有误，请检查后重试。")


def error_body(
    code: str, message: Any, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": str(message),
            "fields": {key: [str(m) for m in msgs] for key, msgs in (fields or {}).items()},
            "request_id": current_request_id(),
        }
    }


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # Ninja locations look like ("body", "payload", "id_number"); drop the transport parts.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload", "form")]
    return ".".join(parts) or "__all__"


def _translate_pydantic(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    messages = {
        "missing": _("此项为必填项。"),
        "string_too_short": _("内容太短。"),
        "string_too_long": _("内容太长。"),
        "int_parsing": _("请输入整数。"),
        "float_parsing": _("请输入数字。"),
        "date_from_datetime_parsing": _("请输入有效日期（YYYY-MM-DD）。"),
        "date_parsing": _("请输入有效日期（YYYY-MM-DD）。"),
        "bool_parsing": _("请输入 true 或 false。"),
        "greater_than_equal": _("数值太小。"),
        "less_than_equal": _("数值太大。"),
        "enum": _("不是允许的取值。"),
        "literal_error": _("不是允许的取值。"),
    }
    return str(messages.get(kind, _("取值无效。")))


def register_error_handlers(api: NinjaAPI) -> None:
    """Make every error the API can raise come out as the envelope."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApplicationError)
    def _application(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.fields))

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(error.get("loc", ())), []).append(
                _translate_pydantic(error)
            )
        return respond(
            request, 422, error_body("validation_error", InvalidInput.default_message, fields)
        )

    @api.exception_handler(DjangoValidationError)
    def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        else:
            fields = {"__all__": [str(m) for m in exc.messages]}
        return respond(
            request, 422, error_body("validation_error", InvalidInput.default_message, fields)
        )

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", NotFound.default_message))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, error_body("forbidden", Forbidden.default_message))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, error_body("not_authenticated", _("请先登录。")))

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        codes = {
            400: "bad_request",
            401: "not_authenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            429: "rate_limited",
        }
        # Ninja's own messages are English; say the same in the user's language.
        message: Any = exc.message
        if str(message).startswith("Cannot parse request body"):
            message = _("请求正文无法解析：请发送有效的 JSON（或按接口说明的表单格式）。")
        elif str(message) == "CSRF check Failed":
            message = _("安全校验失败：请刷新页面后重试。")
        return respond(
            request, exc.status_code, error_body(codes.get(exc.status_code, "error"), message)
        )

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        import logging

        logging.getLogger("govhub.api").exception("unhandled API error")
        return respond(
            request, 500, error_body("server_error", _("服务器出现错误，我们已记录，请稍后再试。"))
        )
