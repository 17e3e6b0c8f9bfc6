"""Every error of the API comes out as the same envelope."""

import logging

import pytest

from govhub.core.errors import ApplicationError, InvalidInput, error_body

pytestmark = [pytest.mark.urls("govhub.core.tests.errors_urls"), pytest.mark.django_db]


def envelope(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields", "request_id"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["request_id"] == response["X-Request-ID"]
    return error


@pytest.mark.parametrize(
    ("url", "status", "code", "message"),
    [
        ("/api/application", 400, "application_error", "请求无法完成。"),
        ("/api/not-found", 404, "not_found", "找不到所请求的内容。"),
        ("/api/forbidden", 403, "forbidden", "您没有权限进行此操作。"),
        ("/api/conflict", 409, "conflict", "数据已被他人修改，请刷新后重试。"),
        ("/api/http404", 404, "not_found", "找不到所请求的内容。"),
        ("/api/permission", 403, "forbidden", "您没有权限进行此操作。"),
        ("/api/auth", 401, "not_authenticated", "请先登录。"),
        ("/api/rate-limited", 429, "rate_limited", "请求过于频繁。"),
        ("/api/teapot", 418, "error", "teapot"),
    ],
)
def test_each_handler_produces_the_envelope_in_chinese(client, url, status, code, message):
    error = envelope(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"), status, code)
    assert error["message"] == message
    assert error["fields"] == {}


def test_details_of_django_errors_do_not_leak(client):
    for url in ("/api/http404", "/api/permission"):
        assert "secret detail" not in client.get(url).content.decode()


def test_custom_code_and_fields(client):
    error = envelope(client.get("/api/custom"), 400, "case_locked")
    assert error["message"] == "办件已锁定。"
    assert error["fields"] == {"case": ["已锁定。"]}


def test_invalid_input_with_fields(client):
    error = envelope(client.get("/api/invalid"), 422, "validation_error")
    assert error["message"] == "提交的数据有误，请检查后重试。"
    assert error["fields"] == {"id_number": ["身份证号码校验码不正确，请核对最后一位。"]}


def test_schema_errors_name_each_field(client):
    response = client.post("/api/schema", {"name": "x"}, content_type="application/json")
    error = envelope(response, 422, "validation_error")
    assert error["fields"] == {"name": ["内容太短。"], "count": ["此项为必填项。"]}
    response = client.post(
        "/api/schema", {"name": "xy", "count": "many"}, content_type="application/json"
    )
    assert envelope(response, 422, "validation_error")["fields"] == {"count": ["请输入整数。"]}


def test_a_body_that_is_not_json_gets_a_message_in_the_users_language(client):
    response = client.post("/api/schema", "{not json", content_type="application/json")
    error = envelope(response, 400, "bad_request")
    assert error["message"].startswith("请求正文无法解析")


def test_django_validation_errors(client):
    error = envelope(client.get("/api/django-validation-dict"), 422, "validation_error")
    assert error["fields"] == {"uscc": ["统一社会信用代码校验码不正确，请核对最后一位。"]}
    error = envelope(client.get("/api/django-validation-list"), 422, "validation_error")
    assert error["fields"] == {"__all__": ["整体无效。"]}


def test_unexpected_errors_are_logged_and_hidden(client, caplog):
    with caplog.at_level(logging.ERROR, logger="govhub.api"):
        response = client.get("/api/boom")
    error = envelope(response, 500, "server_error")
    assert error["message"] == "服务器出现错误，我们已记录，请稍后再试。"
    assert "internal detail" not in response.content.decode()
    assert any(r.name == "govhub.api" and r.exc_info for r in caplog.records)


def test_the_request_id_is_the_incoming_one(client):
    response = client.get("/api/not-found", HTTP_X_REQUEST_ID="gateway-0000001")
    assert envelope(response, 404, "not_found")["request_id"] == "gateway-0000001"


@pytest.mark.parametrize("url", ["/api/not-found", "/api/auth", "/api/invalid", "/api/boom"])
def test_english_requests_get_the_same_codes_and_structure(client, url):
    # English messages come once locale/en is translated; the contract is the code and
    # the shape, whatever the language.
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == chinese.status_code
    e, c = english.json()["error"], chinese.json()["error"]
    assert (e["code"], set(e["fields"])) == (c["code"], set(c["fields"]))
    assert e["message"]
    assert english["Content-Language"] == "en"


def test_error_body_and_application_error():
    body = error_body("x", "消息", {"f": ["a", 1]})
    assert body == {
        "error": {"code": "x", "message": "消息", "fields": {"f": ["a", "1"]}, "request_id": "-"}
    }
    exc = ApplicationError("办件已锁定。", code="case_locked")
    assert (exc.code, exc.status, str(exc)) == ("case_locked", 400, "办件已锁定。")
    assert ApplicationError.code == "application_error"  # the class default is untouched
    assert InvalidInput().status == 422
