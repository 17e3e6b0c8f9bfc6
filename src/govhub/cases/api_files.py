"""Cases API: downloads of a case's materials and results, for those who may see the case."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _

from govhub.cases import selectors_staff, services_intake
from govhub.cases.api_auth import AUTH, Caller, caller_of, guarded
from govhub.cases.api_routes import ACTING_FOR_PARAMETER, FILE_RESPONSES, endpoint
from govhub.core.errors import NotFound

FILE_EXTRA: dict[str, Any] = {
    "parameters": [ACTING_FOR_PARAMETER],
    "responses": {
        "200": {
            "description": "文件内容（Content-Disposition: attachment）",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
}


def _file_response(field: Any, *, filename: str, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("文件暂时无法读取，请稍后再试或联系办理部门。")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _download_name(name: str, extension_from: str) -> str:
    stem = name.strip() or "file"
    extension = extension_from.rsplit(".", 1)[-1] if "." in extension_from else ""
    if extension and not stem.lower().endswith(f".{extension.lower()}"):
        return f"{stem}.{extension}"
    return stem


def _material_download(
    caller: Caller, material_id: int, *, case_id: int | None = None, number: str | None = None
) -> FileResponse:
    held = selectors_staff.case_material_file(
        actor=caller.user,
        material_id=material_id,
        case_id=case_id,
        number=number,
        acting_for=caller.acting_for,
    )
    if held is None:
        raise NotFound(_("找不到该文件，或您无权查看。"))
    return _file_response(
        held.file,
        filename=held.original_name or _download_name(held.name, held.file.name or ""),
        content_type=held.content_type or "application/octet-stream",
    )


@endpoint(
    "GET",
    "/drafts/{draft_id}/materials/{material_id}/file",
    response=FILE_RESPONSES,
    auth=AUTH,
    url_name="cases_draft_material_file",
    summary="下载草稿中的材料文件",
    openapi_extra=FILE_EXTRA,
)
@guarded(write=False)
def draft_material_file(request: HttpRequest, draft_id: int, material_id: int) -> Any:
    caller = caller_of(request)
    return _material_download(caller, material_id, case_id=draft_id)


@endpoint(
    "GET",
    "/{number}/materials/{material_id}/file",
    response=FILE_RESPONSES,
    auth=AUTH,
    url_name="cases_material_file",
    summary="下载办件材料文件",
    description="只有能查看该办件的人可以下载；按保存时识别的真实类型返回。",
    openapi_extra=FILE_EXTRA,
)
@guarded(write=False)
def material_file(request: HttpRequest, number: str, material_id: int) -> Any:
    caller = caller_of(request)
    return _material_download(caller, material_id, number=number)


@endpoint(
    "GET",
    "/{number}/results/{result_id}/file",
    response=FILE_RESPONSES,
    auth=AUTH,
    url_name="cases_result_file",
    summary="下载办理结果",
    description=(
        "只有能查看该办件的人可以下载。申请人第一次下载的时间记入结果的 "
        "`first_downloaded_at`（电子送达的凭据）；工作人员下载不记录。"
    ),
    openapi_extra=FILE_EXTRA,
)
@guarded(write=False)
def result_file(request: HttpRequest, number: str, result_id: int) -> Any:
    caller = caller_of(request)
    result, viewer = selectors_staff.case_result_file(
        actor=caller.user, number=number, result_id=result_id, acting_for=caller.acting_for
    )
    if result is None:
        raise NotFound(_("找不到该文件，或您无权查看。"))
    if viewer == "applicant":
        services_intake.case_result_downloaded(actor=caller.user, result=result, request=request)
    return _file_response(
        result.file,
        filename=_download_name(result.name, result.file.name or ""),
        content_type=result.content_type or "application/octet-stream",
    )
