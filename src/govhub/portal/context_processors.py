"""Context for every page: the site's name, its organisers and the display mode."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from govhub.core.text import site_name
from govhub.portal.middleware import display_mode_of


def html_lang(language_code: str | None) -> str:
    """The BCP 47 tag for `<html lang>`: Django's `zh-hans` is written `zh-Hans`."""
    code = (language_code or settings.LANGUAGE_CODE).lower()
    if code in ("zh-hans", "zh-cn", "zh"):
        return "zh-Hans"
    if code in ("zh-hant", "zh-tw", "zh-hk"):
        return "zh-Hant"
    return code


def site_organisers() -> dict[str, str]:
    """Who runs the site (主办 / 承办), shown in the footer.

    A deployment for another city sets GOVHUB_SITE_ORGANISER and GOVHUB_SITE_OPERATOR;
    the defaults are the Hegang deployment's.
    """
    return {
        "site_organiser": getattr(settings, "GOVHUB_SITE_ORGANISER", "")
        or _("鹤岗市人民政府办公室"),
        "site_operator": getattr(settings, "GOVHUB_SITE_OPERATOR", "") or _("鹤岗市政务服务中心"),
    }


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": site_name(),
        "display_mode": display_mode_of(request),
        "html_lang": html_lang(get_language()),
        **site_organisers(),
    }
