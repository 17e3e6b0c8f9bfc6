"""django-oauth-toolkit's request validator, taught the platform's claims.

- `sub` is the account's stable `User.sub` (a UUID), never the database id or ID number.
- The ID token carries `acr`, `amr`, `auth_time` and `sid` of the portal sign-in behind the
  authorization (`OidcAuthorization`), and nothing personal: personal claims come from
  userinfo, by scope (profile, phone, idcard, enterprise). ID tokens travel in URLs (the
  logout request's `id_token_hint`), an ID number must not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from govhub.core.audit import audit_log
from govhub.core.masking import mask_id_number
from govhub.identity.oidc.issuer import issuer_for
from govhub.identity.oidc_models import OidcAuthorization, OidcClientProfile, code_hash

# Claims only the ID token carries (userinfo leaves them out).
SESSION_CLAIMS = ("acr", "amr", "sid")
# What the ID token may carry besides the JWT's own claims.
ID_TOKEN_CLAIMS = frozenset({"sub", *SESSION_CLAIMS})

CLAIM_SCOPES = {
    "sub": "openid",
    "acr": "openid",
    "amr": "openid",
    "sid": "openid",
    "name": "profile",
    "phone_number": "phone",
    "phone_number_verified": "phone",
    "real_name": "idcard",
    "real_name_verified": "idcard",
    "id_number": "idcard",
    "id_number_masked": "idcard",
    "enterprise": "enterprise",
}
DISCOVERY_CLAIMS = [*CLAIM_SCOPES, "auth_time", "iss", "aud", "exp", "iat", "nonce"]


def _phone_number(mobile: str) -> str:
    return f"+86{mobile}" if mobile and not mobile.startswith("+") else mobile


def _profile(application: Any) -> OidcClientProfile | None:
    try:
        return application.govhub_profile
    except OidcClientProfile.DoesNotExist:
        return None


def authorization_for_token(access_token: Any) -> OidcAuthorization | None:
    """The sign-in an access token descends from (through its refresh-token family)."""
    if not isinstance(access_token, AccessToken):
        return None
    # One statement: the family of the refresh token issued with this access token, or of
    # the one it was refreshed from (a rotation keeps the family, so both name the same).
    issued_with = Q(access_token=access_token)
    if access_token.source_refresh_token_id is not None:
        issued_with |= Q(pk=access_token.source_refresh_token_id)
    families = RefreshToken.objects.filter(issued_with).values("token_family")
    return OidcAuthorization.objects.filter(token_family__in=families).order_by("pk").first()


class GovhubOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPES

    # --- issuer ------------------------------------------------------------------------
    def get_oidc_issuer_endpoint(self, request: Any) -> str:
        return issuer_for(request)

    # --- prompt=none: the authorization view answers login_required / consent_required ---
    def validate_silent_login(self, request: Any) -> bool:
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        return True

    # --- the sign-in behind a code, then behind a refresh-token family ----------------
    def save_authorization_code(
        self, client_id: str, code: dict[str, str], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        captured = getattr(request, "govhub_sign_in", None)
        if captured:
            authorization = OidcAuthorization.objects.create(
                user=request.user,
                application=request.client,
                scope=" ".join(request.scopes or []),
                code_hash=code_hash(code["code"]),
                **captured,
            )
            audit_log(
                actor=request.user,
                action="identity.oidc.authorize",
                target=authorization,
                changes={
                    "client_id": request.client.client_id,
                    "scope": authorization.scope,
                    "acr": authorization.acr,
                },
            )

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        valid = bool(super().validate_code(client_id, code, client, request, *args, **kwargs))
        if valid:
            request.govhub_authorization = OidcAuthorization.objects.filter(
                code_hash=code_hash(code), application=client, ended_at__isnull=True
            ).first()
        return valid

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        valid = bool(
            super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        )
        instance = getattr(request, "refresh_token_instance", None)
        if valid and instance is not None and instance.token_family is not None:
            request.govhub_authorization = OidcAuthorization.objects.filter(
                token_family=instance.token_family
            ).first()
        return valid

    def _create_refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous: Any
    ) -> Any:
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous
        )
        authorization = getattr(request, "govhub_authorization", None)
        if authorization is not None and authorization.token_family != refresh_token.token_family:
            authorization.token_family = refresh_token.token_family
            authorization.code_hash = None
            authorization.save(update_fields=["token_family", "code_hash"])
        return refresh_token

    def _authorization(self, request: Any) -> OidcAuthorization | None:
        authorization = getattr(request, "govhub_authorization", None)
        if authorization is None:
            authorization = authorization_for_token(getattr(request, "access_token", None))
            request.govhub_authorization = authorization
        return authorization

    # --- claims ------------------------------------------------------------------------
    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        claims: dict[str, Callable[[Any], Any]] = {
            "sub": lambda r: str(user.sub),
            "acr": lambda r: getattr(self._authorization(r), "acr", "") or "",
            "amr": lambda r: list(getattr(self._authorization(r), "amr", []) or []),
            "sid": lambda r: getattr(self._authorization(r), "sid", "") or "",
            "name": lambda r: user.get_full_name(),
            "phone_number": lambda r: _phone_number(user.mobile or ""),
            "phone_number_verified": lambda r: bool(user.mobile and user.mobile_verified_at),
            "real_name": lambda r: user.full_name if user.real_name_verified_at else "",
            "real_name_verified": lambda r: user.real_name_verified_at is not None,
            "id_number_masked": lambda r: mask_id_number(user.id_number) if user.id_number else "",
            "enterprise": self._enterprise_claim,
        }
        if (profile := _profile(request.client)) is not None and profile.full_id_number:
            claims["id_number"] = lambda r: user.id_number if user.real_name_verified_at else ""
        return claims

    def _enterprise_claim(self, request: Any) -> dict[str, str] | None:
        authorization = self._authorization(request)
        if authorization is None or not authorization.acting_for_uscc:
            return None
        return {"uscc": authorization.acting_for_uscc, "name": authorization.acting_for_name}

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(DISCOVERY_CLAIMS)

    def get_oidc_claims(self, token: Any, token_handler: Any, request: Any) -> dict[str, Any]:
        claims = super().get_oidc_claims(token, token_handler, request)
        # Leave out what is not there rather than publishing empty values.
        return {key: value for key, value in claims.items() if value not in (None, "", [])}

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], Any]:
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        claims = {
            key: value
            for key, value in claims.items()
            if key in ID_TOKEN_CLAIMS or key not in CLAIM_SCOPES
        }
        authorization = self._authorization(request)
        if authorization is not None:
            claims["auth_time"] = int(authorization.auth_time.timestamp())
        return claims, expiration_time

    def get_userinfo_claims(self, request: Any) -> dict[str, Any]:
        claims = super().get_userinfo_claims(request)
        claims = {key: value for key, value in claims.items() if key not in SESSION_CLAIMS}
        if claims.get("id_number"):
            # Each release of a full ID number to a client system is a view of it by that
            # system: recorded like a clerk's reveal (the ID token never carries it).
            audit_log(
                actor=request.user,
                action="identity.oidc.release_id_number",
                target=request.user,
                changes={"client_id": request.client.client_id, "claim": "id_number"},
            )
        return claims
