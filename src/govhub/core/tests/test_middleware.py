import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from govhub.core.middleware import RequestIdMiddleware
from govhub.core.requestid import current_request_id

GENERATED = re.compile(r"^[0-9a-f]{32}$")


def run(header=None):
    seen = {}

    def view(request):
        seen["request"] = request.request_id
        seen["context"] = current_request_id()
        return HttpResponse("ok")

    headers = {"HTTP_X_REQUEST_ID": header} if header is not None else {}
    request = RequestFactory().get("/", **headers)
    response = RequestIdMiddleware(view)(request)
    return response, seen


def test_a_request_id_is_generated_and_echoed():
    response, seen = run()
    assert GENERATED.match(response["X-Request-ID"])
    assert seen == {"request": response["X-Request-ID"], "context": response["X-Request-ID"]}
    assert current_request_id() == "-"  # reset after the request


def test_each_request_gets_its_own_id():
    assert run()[0]["X-Request-ID"] != run()[0]["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["abcd1234", "trace-ID_0001.upstream", "a" * 64])
def test_a_valid_incoming_id_is_kept(incoming):
    response, seen = run(incoming)
    assert response["X-Request-ID"] == incoming
    assert seen["context"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "",
        "short",
        "a" * 65,
        "has space 1234",
        "semi;colon1234",
        "new\nline12345",
        "中文请求编号一二三四",
    ],
)
def test_an_invalid_incoming_id_is_replaced(incoming):
    response, seen = run(incoming)
    assert GENERATED.match(response["X-Request-ID"])
    assert seen["request"] == response["X-Request-ID"]


def test_the_context_is_reset_even_when_the_view_fails():
    def view(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="abcd1234"))
    assert current_request_id() == "-"


@pytest.mark.django_db
def test_the_real_stack_echoes_the_id(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-trace-00000001")
    assert response["X-Request-ID"] == "lb-trace-00000001"
    assert GENERATED.match(client.get("/healthz", HTTP_X_REQUEST_ID="bad id")["X-Request-ID"])
