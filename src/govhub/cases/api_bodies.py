"""Cases API: request bodies, how they are read and how the OpenAPI document describes them.

Submissions, supplements, results and attachments are multipart/form-data: a JSON part
`payload` (or the whole body as JSON) and file parts, `material_<id>` for the item's
materials and/or one named `file`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pydantic
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import ValidationError as NinjaValidationError

from govhub.cases.api_routes import ACTING_FOR_PARAMETER
from govhub.cases.api_schemas import RevisionIn
from govhub.core.errors import InvalidInput

_MATERIAL_PART = re.compile(r"material_(\d{1,12})")
PAYLOAD_MAX_BYTES = 1024 * 1024


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its `$defs` inlined (multipart parts are described
    inline in the OpenAPI document)."""
    definitions = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(definitions[ref.removeprefix("#/$defs/")]))
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


def multipart_body(
    payload: type[pydantic.BaseModel] | None,
    *,
    payload_required: bool,
    materials: bool,
    file: str = "",
    body_required: bool = False,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`openapi_extra` for an endpoint that reads a multipart body: a JSON `payload` part,
    file parts `material_<id>` and/or one named `file`."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    if payload is not None:
        properties["payload"] = inline_refs(payload.model_json_schema())
        if payload_required:
            required.append("payload")
    if file:
        properties["file"] = {"type": "string", "format": "binary", "description": file}
    multipart: dict[str, Any] = {"type": "object", "properties": properties}
    if materials:
        multipart["patternProperties"] = {
            r"^material_\d+$": {
                "type": "string",
                "format": "binary",
                "description": "事项申请材料 id 为 <id> 的文件（PDF、JPG、PNG 或 OFD）",
            }
        }
    if required:
        multipart["required"] = required
    content: dict[str, Any] = {
        "multipart/form-data": {
            "schema": multipart,
            "encoding": {"payload": {"contentType": "application/json"}},
        }
    }
    if payload is not None:
        content["application/json"] = {"schema": inline_refs(payload.model_json_schema())}
    extra: dict[str, Any] = {
        "requestBody": {"required": payload_required or body_required, "content": content}
    }
    extra["parameters"] = [ACTING_FOR_PARAMETER, *(parameters or [])]
    return extra


# Tasks whose body is optional (an empty POST is fine).
OPTIONAL_REVISION_BODY: dict[str, Any] = {
    "parameters": [ACTING_FOR_PARAMETER],
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": inline_refs(RevisionIn.model_json_schema())}},
    },
}


def read_payload[M: pydantic.BaseModel](
    request: HttpRequest, schema: type[M], *, required: bool
) -> M:
    """The JSON `payload` part of a multipart request (or a JSON body), validated; errors
    come out as the envelope's field errors."""
    raw: Any
    if request.content_type == "application/json":
        raw = request.body
    elif "payload" in request.FILES:
        # Some HTTP libraries send a JSON part with a file name: read it all the same.
        part = request.FILES.getlist("payload")[-1]
        assert isinstance(part, UploadedFile)
        if (part.size or 0) > PAYLOAD_MAX_BYTES:
            raise InvalidInput(fields={"payload": [_("内容太长。")]})
        raw = part.read()
    else:
        raw = request.POST.get("payload")
    if raw in (None, b"", ""):
        if required:
            message = _("此项为必填项。")
            raise InvalidInput(fields={"payload": [message]})
        raw = "{}"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(fields={"payload": [_("不是有效的 JSON 对象。")]}) from exc
    if not isinstance(data, dict):
        raise InvalidInput(fields={"payload": [_("不是有效的 JSON 对象。")]})
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = [
            {"loc": ("payload", *error["loc"]), "type": error["type"], "msg": error["msg"]}
            for error in exc.errors(include_url=False, include_context=False)
        ]
        raise NinjaValidationError(errors) from exc


def read_files(
    request: HttpRequest, *, materials: bool, single: str = ""
) -> tuple[dict[int, UploadedFile], UploadedFile | None]:
    """File parts: `material_<id>` (when `materials`) and the one named `single`."""
    by_material: dict[int, UploadedFile] = {}
    other: UploadedFile | None = None
    for name in request.FILES:
        if name == "payload":
            continue  # the JSON part, sent as a file by some clients (`read_payload`)
        uploads = request.FILES.getlist(name)
        if len(uploads) > 1:
            raise InvalidInput(fields={name: [_("每个文件部分只能有一个文件。")]})
        match = _MATERIAL_PART.fullmatch(name)
        if materials and match:
            by_material[int(match.group(1))] = uploads[0]
        elif single and name == single:
            other = uploads[0]
        else:
            raise InvalidInput(fields={name: [_("无法识别的文件部分。")]})
    return by_material, other
