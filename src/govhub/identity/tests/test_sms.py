"""SMS gateway backends and SMS codes: life, single use, attempts, rate limits."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from govhub.core.errors import InvalidInput
from govhub.core.models import AuditEvent
from govhub.identity import sms
from govhub.identity.errors import RateLimited
from govhub.identity.models import SmsChallenge
from govhub.identity.services import sms_code_send, sms_code_verify
from govhub.identity.tests.factories import PersonFactory
from govhub.identity.tests.helpers import last_code

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
REGISTER = SmsChallenge.Purpose.REGISTER


# --- Backends -------------------------------------------------------------------------------


def test_locmem_backend_collects_messages(outbox):
    sms.send_sms(mobile=MOBILE, message="你好")
    assert outbox[-1]["mobile"] == MOBILE and outbox[-1]["message"] == "你好"
    assert sms.recent_messages()[0]["message"] == "你好"


def test_file_backend_appends_json_lines(settings, tmp_path):
    settings.GOVHUB_SMS_BACKEND = "file"
    settings.GOVHUB_SMS_FILE_PATH = str(tmp_path / "sms" / "outbox.jsonl")
    sms.send_sms(mobile=MOBILE, message="第一条")
    sms.send_sms(mobile=MOBILE, message="第二条")
    lines = (tmp_path / "sms" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["第一条", "第二条"]
    assert [m["message"] for m in sms.recent_messages()] == ["第二条", "第一条"]


def test_console_backend_prints(settings, capsys):
    settings.GOVHUB_SMS_BACKEND = "console"
    sms.send_sms(mobile=MOBILE, message="控制台")
    assert "控制台" in capsys.readouterr().out
    assert sms.recent_messages() == []


class _Response:
    def __init__(self, status_code):
        self.status_code = status_code


def test_http_backend_posts_the_filled_template(settings, monkeypatch):
    settings.GOVHUB_SMS_BACKEND = "http"
    settings.GOVHUB_SMS_HTTP_URL = "https://sms.example.test/send"
    settings.GOVHUB_SMS_HTTP_TOKEN = "secret-token"
    settings.GOVHUB_SMS_HTTP_BODY = '{"phone": "{mobile}", "content": "{message}", "n": 1}'
    calls = []

    def fake_post(url, json, headers, timeout):
        calls.append((url, json, headers, timeout))
        return _Response(200)

    monkeypatch.setattr("requests.post", fake_post)
    sms.send_sms(mobile=MOBILE, message='含"引号"的内容')
    url, body, headers, timeout = calls[0]
    assert url == "https://sms.example.test/send"
    assert body == {"phone": MOBILE, "content": '含"引号"的内容', "n": 1}
    assert headers == {"Authorization": "Bearer secret-token"}
    assert timeout == settings.GOVHUB_SMS_HTTP_TIMEOUT


@pytest.mark.parametrize("failure", ["status", "network", "no_url", "bad_template"])
def test_http_backend_failures_raise_delivery_error(settings, monkeypatch, failure):
    import requests

    settings.GOVHUB_SMS_BACKEND = "http"
    settings.GOVHUB_SMS_HTTP_URL = "" if failure == "no_url" else "https://sms.example.test/"
    settings.GOVHUB_SMS_HTTP_BODY = "{not json" if failure == "bad_template" else ""

    def fake_post(*args, **kwargs):
        if failure == "network":
            raise requests.ConnectionError("down")
        return _Response(503)

    monkeypatch.setattr("requests.post", fake_post)
    with pytest.raises(sms.SmsDeliveryError):
        sms.send_sms(mobile=MOBILE, message="x")


def test_dotted_path_backend(settings):
    settings.GOVHUB_SMS_BACKEND = "govhub.identity.sms.LocmemBackend"
    sms.send_sms(mobile=MOBILE, message="路径")
    assert sms.outbox[-1]["message"] == "路径"


# --- Sending codes --------------------------------------------------------------------------


def test_send_creates_a_hashed_six_digit_code(outbox, make_request):
    challenge = sms_code_send(mobile="139 1234 5678", purpose=REGISTER, request=make_request())
    code = last_code(outbox)
    assert len(code) == 6 and code not in challenge.code_hash
    assert challenge.mobile == MOBILE
    assert (challenge.expires_at - challenge.created_at) == datetime.timedelta(minutes=5)
    assert "5 分钟内有效" in outbox[-1]["message"]
    event = AuditEvent.objects.get(action="identity.sms.send")
    assert event.actor_label == "139****5678" and event.source_ip == "10.0.0.1"


def test_send_refuses_a_malformed_number(make_request):
    with pytest.raises(InvalidInput) as caught:
        sms_code_send(mobile="12345", purpose=REGISTER, request=make_request())
    assert "mobile" in caught.value.fields


def test_send_refuses_an_unknown_purpose(make_request):
    with pytest.raises(InvalidInput):
        sms_code_send(mobile=MOBILE, purpose="anything", request=make_request())


def test_sign_in_code_for_unknown_number_is_recorded_but_not_sent(outbox, make_request):
    challenge = sms_code_send(
        mobile=MOBILE, purpose=SmsChallenge.Purpose.SIGN_IN, request=make_request()
    )
    assert outbox == [] and challenge.delivered is False
    PersonFactory(mobile="13900000001")
    sms_code_send(
        mobile="13900000001", purpose=SmsChallenge.Purpose.SIGN_IN, request=make_request()
    )
    assert outbox[-1]["mobile"] == "13900000001"


def test_delivery_failure_is_reported_and_not_counted(settings, make_request):
    settings.GOVHUB_SMS_BACKEND = "http"
    settings.GOVHUB_SMS_HTTP_URL = ""
    with pytest.raises(InvalidInput) as caught:
        sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request())
    assert caught.value.code == "sms_delivery_failed"
    assert SmsChallenge.objects.get().delivered is False
    assert AuditEvent.objects.get(action="identity.sms.send").outcome == "failure"
    # The failed message does not hold back the next attempt.
    settings.GOVHUB_SMS_BACKEND = "locmem"
    sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request())


def _age(seconds: int) -> None:
    """Move every challenge `seconds` into the past."""
    for challenge in SmsChallenge.objects.all():
        challenge.created_at -= datetime.timedelta(seconds=seconds)
        challenge.expires_at -= datetime.timedelta(seconds=seconds)
        challenge.save()


def test_sixty_second_gap_per_number(make_request):
    sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request())
    with pytest.raises(RateLimited) as caught:
        sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request("10.0.0.2"))
    assert 0 < caught.value.retry_after <= 60
    assert caught.value.status == 429 and "秒后再试" in str(caught.value.message)
    assert AuditEvent.objects.filter(action="identity.sms.send", outcome="denied").count() == 1
    # Another number is not held back.
    sms_code_send(mobile="13912345679", purpose=REGISTER, request=make_request())
    _age(61)
    sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request())


def test_five_per_hour_per_number(make_request):
    for _ in range(5):
        sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request())
        _age(61)
    with pytest.raises(RateLimited) as caught:
        sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request())
    # The oldest of the five was sent 5 × 61 s ago: it leaves the window in 3600 - 305 s.
    assert caught.value.retry_after == 3600 - 5 * 61
    assert "分钟后再试" in str(caught.value.message)


def test_ten_per_day_per_number(make_request):
    for _ in range(10):
        sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request())
        _age(3601 // 5 + 1)  # five per hour allowed: spread them out
    with pytest.raises(RateLimited) as caught:
        sms_code_send(mobile=MOBILE, purpose=REGISTER, request=make_request())
    assert caught.value.retry_after > 3600


def test_per_address_limit(settings, make_request):
    settings.GOVHUB_SMS_PER_ADDRESS_HOUR = 3
    for n in range(3):
        sms_code_send(mobile=f"1391234560{n}", purpose=REGISTER, request=make_request("10.9.9.9"))
    with pytest.raises(RateLimited):
        sms_code_send(mobile="13912345609", purpose=REGISTER, request=make_request("10.9.9.9"))
    sms_code_send(mobile="13912345609", purpose=REGISTER, request=make_request("10.9.9.8"))


# --- Verifying codes ------------------------------------------------------------------------


def _send(outbox, make_request, purpose=REGISTER):
    sms_code_send(mobile=MOBILE, purpose=purpose, request=make_request())
    return last_code(outbox)


def test_right_code_once(outbox, make_request):
    code = _send(outbox, make_request)
    sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=code)
    with pytest.raises(InvalidInput) as caught:
        sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=code)
    assert caught.value.code == "sms_code_used"
    assert caught.value.fields["code"] == ["验证码已使用，请重新获取。"]


def test_code_for_another_purpose_is_refused(outbox, make_request):
    code = _send(outbox, make_request)
    with pytest.raises(InvalidInput) as caught:
        sms_code_verify(mobile=MOBILE, purpose=SmsChallenge.Purpose.MOBILE_CHANGE, code=code)
    assert caught.value.code == "sms_code_missing"


def test_expired_code(outbox, make_request):
    code = _send(outbox, make_request)
    SmsChallenge.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(InvalidInput) as caught:
        sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=code)
    assert caught.value.code == "sms_code_expired"
    assert str(caught.value.message) == "验证码已过期，请重新获取。"


def test_wrong_code_counts_and_exhausts(outbox, make_request):
    code = _send(outbox, make_request)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidInput) as caught:
            sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=wrong)
        assert caught.value.code == "sms_code_wrong"
        assert f"还可以再试 {left} 次" in str(caught.value.message)
    with pytest.raises(InvalidInput) as caught:
        sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=wrong)
    assert caught.value.code == "sms_code_exhausted"
    # Even the right code no longer works.
    with pytest.raises(InvalidInput) as caught:
        sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=code)
    assert caught.value.code == "sms_code_exhausted"
    assert SmsChallenge.objects.get().attempts == 5


def test_only_the_newest_code_counts(outbox, make_request):
    first = _send(outbox, make_request)
    _age(61)
    second = _send(outbox, make_request)
    if first != second:
        with pytest.raises(InvalidInput):
            sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=first)
    sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=second)


def test_code_with_spaces_is_accepted(outbox, make_request):
    code = _send(outbox, make_request)
    sms_code_verify(mobile=MOBILE, purpose=REGISTER, code=f" {code[:3]} {code[3:]} ")


def test_no_code_sent(make_request):
    with pytest.raises(InvalidInput) as caught:
        sms_code_verify(mobile=MOBILE, purpose=REGISTER, code="123456", field="sms_code")
    assert caught.value.fields == {"sms_code": ["请先获取短信验证码。"]}
