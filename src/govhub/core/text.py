"""Small text helpers that follow the active language: lists of names and the site's name.

    join_list(["鹤岗市民政局", "鹤岗市财政局"])  # "鹤岗市民政局、鹤岗市财政局" / "…, …" in English

Callers pass names already in the reader's language (e.g. a model's `display_name`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext


def list_separator() -> str:
    """The separator between the items of an inline list in the active language."""
    # Translators: put between the items of a list of names; in English ", " (with the
    # space after the comma).
    return pgettext("list separator", "、")


def join_clauses(items: Iterable[object]) -> str:
    """Sentence parts in the active language (Chinese ；, English semicolon)."""
    return pgettext("clause separator", "；").join(str(item) for item in items)


def join_list(items: Iterable[object]) -> str:
    """The items as one inline list in the active language (Chinese 、, English comma)."""
    return list_separator().join(str(item) for item in items)


def site_name() -> str:
    """The portal's name: `settings.GOVHUB_SITE_NAME` when set, else Hegang's, translated."""
    return getattr(settings, "GOVHUB_SITE_NAME", "") or gettext("鹤岗市政务服务网")


def admin_site_header() -> str:
    """The title of the administration site, e.g. “鹤岗市政务服务网 管理后台”."""
    return gettext("%(site)s 管理后台") % {"site": site_name()}


site_name_lazy = lazy(site_name, str)
admin_site_header_lazy = lazy(admin_site_header, str)
