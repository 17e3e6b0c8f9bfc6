import ipaddress
import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from govhub.core.middleware import ClientAddressMiddleware, RequestIdMiddleware, forwarded_client
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


# --- The client's address behind proxies ---------------------------------------------------


def test_one_proxy_takes_the_rightmost_address():
    # The client forged the first entry; our proxy appended the real peer last.
    assert forwarded_client("1.2.3.4, 203.0.113.9", proxies=1) == "203.0.113.9"


def test_two_proxies_take_the_second_from_the_right():
    assert forwarded_client("1.2.3.4, 203.0.113.9, 10.0.0.2", proxies=2) == "203.0.113.9"


def test_short_or_malformed_headers_give_nothing():
    assert forwarded_client("", proxies=1) is None
    assert forwarded_client("203.0.113.9", proxies=2) is None
    assert forwarded_client("not-an-address", proxies=1) is None
    assert forwarded_client("203.0.113.9", proxies=0) is None


@given(st.lists(st.ip_addresses().map(str), min_size=1, max_size=6), st.integers(1, 6))
def test_the_answer_is_always_one_of_the_entries_the_proxies_wrote(addresses, proxies):
    found = forwarded_client(", ".join(addresses), proxies=proxies)
    if proxies > len(addresses):
        assert found is None
    else:
        assert found == str(ipaddress.ip_address(addresses[-proxies]))


def _seen_address(settings, proxies, **meta):
    settings.GOVHUB_TRUSTED_PROXIES = proxies
    seen = {}

    def view(request):
        seen["addr"] = request.META["REMOTE_ADDR"]
        return HttpResponse("ok")

    ClientAddressMiddleware(view)(RequestFactory().get("/", **meta))
    return seen["addr"]


def test_middleware_replaces_remote_addr_only_behind_trusted_proxies(settings):
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}
    assert _seen_address(settings, 0, **meta) == "10.0.0.2"
    assert _seen_address(settings, 1, **meta) == "203.0.113.9"
    assert _seen_address(settings, 1, REMOTE_ADDR="10.0.0.2") == "10.0.0.2"
