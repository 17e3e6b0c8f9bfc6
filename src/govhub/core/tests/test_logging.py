import logging

from govhub.core.logging import RequestIdFilter
from govhub.core.requestid import request_id_var


def make_record(**extra):
    record = logging.LogRecord("test", logging.INFO, __file__, 1, "hello", None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_filter_adds_the_current_request_id():
    token = request_id_var.set("req-12345678")
    try:
        record = make_record()
        assert RequestIdFilter().filter(record) is True
        assert record.request_id == "req-12345678"
    finally:
        request_id_var.reset(token)


def test_filter_outside_a_request_uses_a_dash():
    record = make_record()
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


def test_filter_keeps_an_explicit_request_id():
    token = request_id_var.set("req-12345678")
    try:
        record = make_record(request_id="from-a-task")
        RequestIdFilter().filter(record)
        assert record.request_id == "from-a-task"
    finally:
        request_id_var.reset(token)


def test_text_format_of_the_settings_renders_the_id():
    formatter = logging.Formatter("%(levelname)s [%(request_id)s] %(name)s: %(message)s")
    record = make_record()
    RequestIdFilter().filter(record)
    assert formatter.format(record) == "INFO [-] test: hello"
