"""Registering client systems: django-oauth-toolkit's application admin, with the
platform's profile (department, trust, front-channel logout URI) inline.

Named in settings as OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"]; django-oauth-toolkit
registers it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.hashers import identify_hasher
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from oauth2_provider.admin import ApplicationAdmin

from govhub.identity.oidc.hashers import client_secret_problem
from govhub.identity.oidc_models import OidcAuthorization, OidcClientProfile


def _is_hashed(value: str) -> bool:
    try:
        identify_hasher(value)
    except ValueError:
        return False
    return True


class ClientApplicationForm(forms.ModelForm):
    """A typed client secret must be as strong as a generated one: secrets are hashed fast
    (`identity.oidc.hashers`), which is safe only for random secrets."""

    def clean_client_secret(self) -> str:
        secret: str = self.cleaned_data.get("client_secret") or ""
        if secret and not _is_hashed(secret) and (problem := client_secret_problem(secret)):
            raise forms.ValidationError(problem)
        return secret


class ClientProfileInline(admin.StackedInline):
    model = OidcClientProfile
    can_delete = False
    autocomplete_fields = ("department",)
    verbose_name = _("接入系统资料")


class ClientApplicationAdmin(ApplicationAdmin):
    form = ClientApplicationForm
    inlines = (ClientProfileInline,)
    list_display = ("name", "client_id", "client_type", "department", "trusted")
    list_select_related = ("govhub_profile__department",)
    fieldsets = (
        (
            None,
            {"fields": ("name", "client_id", "client_type", "client_secret", "hash_client_secret")},
        ),
        (
            _("地址"),
            {
                "fields": ("redirect_uris", "post_logout_redirect_uris", "allowed_origins"),
                "description": _("每行一个地址，须与接入系统发出的地址完全一致。"),
            },
        ),
        (
            _("协议"),
            {"fields": ("authorization_grant_type", "algorithm", "registration_source")},
        ),
    )

    @admin.display(description=_("所属部门"))
    def department(self, obj: Any) -> str:
        profile = getattr(obj, "govhub_profile", None)
        return str(profile.department) if profile is not None and profile.department else "—"

    @admin.display(description=_("受信任系统"), boolean=True)
    def trusted(self, obj: Any) -> bool:
        profile = getattr(obj, "govhub_profile", None)
        return bool(profile is not None and profile.trusted)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("authorization_grant_type", "authorization-code")
        initial.setdefault("algorithm", "RS256")
        initial.setdefault("client_type", "confidential")
        return initial


@admin.register(OidcAuthorization)
class OidcAuthorizationAdmin(admin.ModelAdmin):
    """Read-only: who signed into which system, from which session, at what level."""

    list_display = ("user", "application", "acr", "acting_for_uscc", "created_at", "ended_at")
    list_filter = ("acr", "application")
    list_select_related = ("user", "application")
    search_fields = ("user__username", "application__name", "acting_for_uscc")
    date_hierarchy = "created_at"
    exclude = ("code_hash", "session_key")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
