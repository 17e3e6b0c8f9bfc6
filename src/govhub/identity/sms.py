"""The SMS gateway: one function, `send_sms`, and interchangeable backends chosen by the
setting `GOVHUB_SMS_BACKEND`:

- `file` (development default): one JSON object per line appended to
  `GOVHUB_SMS_FILE_PATH` (default `VAR_DIR/sms/outbox.jsonl`); the development outbox
  page reads it back with `recent_messages`.
- `console`: logged (logger `govhub.identity.sms`) and printed to standard output.
- `locmem` (tests): appended to the module-level list `outbox`.
- `http`: a JSON POST to a provider: `GOVHUB_SMS_HTTP_URL`, bearer token
  `GOVHUB_SMS_HTTP_TOKEN`, body `GOVHUB_SMS_HTTP_BODY` (a JSON template in which the
  strings "{mobile}" and "{message}" are replaced), timeout `GOVHUB_SMS_HTTP_TIMEOUT`
  seconds. Any failure is logged and raised as `SmsDeliveryError`.
- or the dotted path of a class with a `send(mobile, message)` method.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("govhub.identity.sms")

DEFAULT_HTTP_BODY = '{"to": "{mobile}", "text": "{message}"}'

# The locmem backend's messages: dicts with "mobile", "message", "sent_at".
outbox: list[dict[str, str]] = []
_file_lock = threading.Lock()


class SmsDeliveryError(Exception):
    """The gateway did not accept the message."""


class SmsBackend(Protocol):
    def send(self, mobile: str, message: str) -> None: ...


def _record(mobile: str, message: str) -> dict[str, str]:
    return {"mobile": mobile, "message": message, "sent_at": timezone.now().isoformat()}


class LocmemBackend:
    def send(self, mobile: str, message: str) -> None:
        outbox.append(_record(mobile, message))


class ConsoleBackend:
    def send(self, mobile: str, message: str) -> None:
        logger.info("sms to %s: %s", mobile, message)
        sys.stdout.write(f"[SMS to {mobile}] {message}\n")
        sys.stdout.flush()


def outbox_path() -> Path:
    configured = getattr(settings, "GOVHUB_SMS_FILE_PATH", "") or ""
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"


class FileBackend:
    def send(self, mobile: str, message: str) -> None:
        path = outbox_path()
        line = json.dumps(_record(mobile, message), ensure_ascii=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _file_lock, path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as exc:
            logger.error("sms outbox not writable: %s", exc)
            raise SmsDeliveryError(str(exc)) from exc


def _fill(template: Any, values: dict[str, str]) -> Any:
    """Replace "{name}" placeholders in every string of a parsed JSON template."""
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: _fill(item, values) for key, item in template.items()}
    return template


class HttpBackend:
    def send(self, mobile: str, message: str) -> None:
        import requests

        url = getattr(settings, "GOVHUB_SMS_HTTP_URL", "")
        if not url:
            raise SmsDeliveryError("GOVHUB_SMS_HTTP_URL is not set")
        token = getattr(settings, "GOVHUB_SMS_HTTP_TOKEN", "")
        timeout = float(getattr(settings, "GOVHUB_SMS_HTTP_TIMEOUT", 5))
        try:
            template = json.loads(
                getattr(settings, "GOVHUB_SMS_HTTP_BODY", "") or DEFAULT_HTTP_BODY
            )
        except ValueError as exc:
            raise SmsDeliveryError("GOVHUB_SMS_HTTP_BODY is not valid JSON") from exc
        body = _fill(template, {"mobile": mobile, "message": message})
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = requests.post(url, json=body, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            logger.error("sms gateway unreachable: %s", exc.__class__.__name__)
            raise SmsDeliveryError(f"gateway unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 300:
            logger.error("sms gateway refused the message: HTTP %s", response.status_code)
            raise SmsDeliveryError(f"gateway answered HTTP {response.status_code}")


BACKENDS: dict[str, type[SmsBackend]] = {
    "locmem": LocmemBackend,
    "console": ConsoleBackend,
    "file": FileBackend,
    "http": HttpBackend,
}


def get_backend() -> SmsBackend:
    name = getattr(settings, "GOVHUB_SMS_BACKEND", "file") or "file"
    backend_class = BACKENDS.get(name)
    if backend_class is None:
        backend_class = import_string(name)
    return backend_class()


def send_sms(*, mobile: str, message: str) -> None:
    """Send one text message; raises `SmsDeliveryError` when the gateway refuses it."""
    get_backend().send(mobile, message)


def recent_messages(limit: int = 20) -> list[dict[str, str]]:
    """The newest messages of the locmem or file backend, newest first (development
    outbox page); empty for the other backends."""
    name = getattr(settings, "GOVHUB_SMS_BACKEND", "file") or "file"
    if name == "locmem":
        return list(reversed(outbox))[:limit]
    if name != "file":
        return []
    path = outbox_path()
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    messages = []
    for line in reversed(lines):
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    return messages
