"""Logging helpers: every record carries the id of the request it was written in."""

from __future__ import annotations

import logging

from govhub.core.requestid import current_request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True
