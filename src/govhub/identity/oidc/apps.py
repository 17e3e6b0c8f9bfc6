"""django-oauth-toolkit's app under the platform's own name in the admin.

To use it, INSTALLED_APPS lists "govhub.identity.oidc.apps.OAuth2ProviderConfig" instead
of "oauth2_provider" (same label, same tables)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oauth2_provider.apps import DOTConfig


class OAuth2ProviderConfig(DOTConfig):
    verbose_name = _("单点登录接入系统")
