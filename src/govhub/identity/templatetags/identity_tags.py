"""`{% load identity_tags %}`: `{{ event.user_agent|device_label }}`."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

_BROWSERS = (
    ("MicroMessenger", "微信"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("HeadlessChrome/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("python-requests", "python-requests"),
)
_SYSTEMS = (
    (re.compile(r"iPhone|iPad|iOS"), "iOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"HarmonyOS|OpenHarmony"), "HarmonyOS"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"Linux|X11"), "Linux"),
)


@register.filter
def device_label(user_agent: str | None) -> str:
    """ "Chrome · Windows" from a User-Agent header; the start of it when unknown."""
    text = (user_agent or "").strip()
    if not text:
        return ""
    browser = next((label for marker, label in _BROWSERS if marker in text), "")
    system = next((label for pattern, label in _SYSTEMS if pattern.search(text)), "")
    if browser == "微信":
        browser = _("微信")
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    return text[:40]
