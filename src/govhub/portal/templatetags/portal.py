"""Small template helpers for the site chrome."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from govhub.portal.context_processors import html_lang as _html_lang

register = template.Library()


@register.filter
def html_lang(language_code: str | None) -> str:
    """`{{ code|html_lang }}`: a Django language code as a BCP 47 tag (zh-hans → zh-Hans)."""
    return _html_lang(language_code)


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, section: str) -> SafeString | str:
    """`aria-current="page"` on the main-navigation link of the section being shown.

    `section` is a URL namespace (`organizations`) or a full view name (`portal:home`).
    """
    request: HttpRequest | None = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if section == match.view_name or section in match.namespaces:
        return mark_safe('aria-current="page"')
    return ""
