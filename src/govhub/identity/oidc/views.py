"""The provider's own pages and endpoints around django-oauth-toolkit's.

- `AuthorizeView`: the authorization endpoint. Sends the user to sign in, or to step up
  when `acr_values` asks for a higher level than the session has, or to sign in again when
  `max_age` has passed; asks for consent unless the client is trusted (never for `idcard`);
  records the portal sign-in behind the code (`OidcAuthorization`). A wrong client or
  redirect URI shows an error page and never redirects.
- `DiscoveryView`: `/.well-known/openid-configuration`, including the revocation,
  introspection and end-session endpoints.
- `LogoutView`: RP-initiated logout (end-session endpoint) with front-channel logout.
- `IntrospectView`: RFC 7662 for confidential clients, about their own tokens.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import AuthorizationView, RPInitiatedLogoutView
from oauthlib.common import Request as OauthlibRequest

from govhub.identity.oidc.context import capture
from govhub.identity.oidc.issuer import issuer_for
from govhub.identity.oidc.logout import frontchannel_logout_urls, oidc_user_tokens_revoke
from govhub.identity.oidc.scopes import SCOPES, SENSITIVE_SCOPES
from govhub.identity.oidc.validator import DISCOVERY_CLAIMS, authorization_for_token
from govhub.identity.oidc_models import OidcClientProfile

LEVELS = ("L1", "L2", "L3")


def _level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def _profile(application: Application) -> OidcClientProfile | None:
    try:
        return application.govhub_profile
    except OidcClientProfile.DoesNotExist:
        return None


def _error_redirect(
    redirect_uri: str, error: str, description: str, state: str | None, request: HttpRequest
) -> str:
    params = {"error": error, "error_description": description, "iss": issuer_for(request)}
    if state:
        params["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{separator}{urlencode(params)}"


def _without(url: str, *names: str) -> str:
    parsed = urlparse(url)
    query = [(key, value) for key, value in parse_qsl(parsed.query) if key not in names]
    return parsed._replace(query=urlencode(query)).geturl()


@method_decorator(never_cache, name="dispatch")
class AuthorizeView(AuthorizationView):
    template_name = "oidc/authorize.html"
    login_url = reverse_lazy("identity:sign_in")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        prompt = set(request.GET.get("prompt", "").split())
        if "login" in prompt:
            return self.handle_prompt_login()
        application = Application.objects.select_related("govhub_profile").get(
            client_id=credentials["client_id"]
        )
        if (response := self._assurance_response(request, credentials, application)) is not None:
            return response
        if "ui_locales" in credentials and isinstance(credentials["ui_locales"], list):
            credentials["ui_locales"] = " ".join(credentials["ui_locales"])
        profile = _profile(application)
        trusted = profile is not None and profile.trusted
        if trusted and not (set(scopes) & SENSITIVE_SCOPES) and "consent" not in prompt:
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                )
            except OAuthToolkitError as error:
                return self.error_response(error, application)
            return self.redirect(uri, application)
        if "none" in prompt:
            return self.redirect(
                _error_redirect(
                    credentials["redirect_uri"],
                    "consent_required",
                    "The user has to consent.",
                    credentials.get("state"),
                    request,
                ),
                application,
            )
        context = {
            key: credentials[key]
            for key in (
                "client_id",
                "redirect_uri",
                "response_type",
                "state",
                "code_challenge",
                "code_challenge_method",
                "nonce",
            )
            if key in credentials
        }
        if "claims" in credentials:
            context["claims"] = json.dumps(credentials["claims"])
        context.update(application=application, scopes=scopes)
        self.oauth2_data = context
        form = self.get_form(self.get_form_class())
        context.update(
            form=form,
            profile=profile,
            scope_items=[(scope, SCOPES.get(scope, scope)) for scope in scopes],
            idcard="idcard" in scopes,
            full_id_number="idcard" in scopes and profile is not None and profile.full_id_number,
        )
        return self.render_to_response(self.get_context_data(**context))

    def handle_prompt_login(self) -> HttpResponse:
        """prompt=login: authenticate again even when signed in (prompt dropped from next)."""
        return self._sign_in_again(_without(self.request.get_full_path(), "prompt"))

    def _sign_in_again(self, next_url: str) -> HttpResponse:
        """The sign-in page with `reauth=1`: it asks again even when a session exists."""
        query = urlencode({"next": next_url, "reauth": "1"})
        return HttpResponseRedirect(f"{reverse('identity:sign_in')}?{query}")

    def _assurance_response(
        self, request: HttpRequest, credentials: dict[str, Any], application: Application
    ) -> HttpResponse | None:
        """Step-up or re-authentication the request asks for, or an error for the client."""
        from govhub.identity import session as identity_session

        here = request.get_full_path()
        max_age = request.GET.get("max_age", "")
        if max_age.isdigit():
            age = time.time() - identity_session.session_auth_time(request)
            if age > int(max_age):
                # Signing in again satisfies max_age: drop it so the user is not sent round.
                return self._sign_in_again(_without(here, "max_age", "prompt"))
        wanted = [value for value in request.GET.get("acr_values", "").split() if value in LEVELS]
        if not wanted:
            return None
        # acr_values are voluntary and in order of preference: the lowest one is enough.
        level = min(wanted, key=_level_rank)
        if identity_session.level_satisfied(request, level):
            return None
        ceiling = getattr(request.user, "assurance_ceiling", "L1")
        if _level_rank(ceiling) < _level_rank(level):
            return self.redirect(
                _error_redirect(
                    credentials["redirect_uri"],
                    "access_denied",
                    f"The account cannot reach assurance level {level}.",
                    credentials.get("state"),
                    request,
                ),
                application,
            )
        step_up = reverse("identity:step_up")
        return HttpResponseRedirect(f"{step_up}?{urlencode({'next': here, 'level': level})}")

    def create_authorization_response(
        self, request: HttpRequest, scopes: str, credentials: dict[str, Any], allow: bool
    ) -> tuple[str, dict[str, str], str, int]:
        if allow and request.user.is_authenticated:
            credentials = {**credentials, "govhub_sign_in": capture(request)}
        return super().create_authorization_response(
            request=request, scopes=scopes, credentials=credentials, allow=allow
        )


class DiscoveryView(View):
    """OpenID Provider metadata (OpenID Connect Discovery 1.0)."""

    def get(self, request: HttpRequest) -> JsonResponse:
        def url(name: str) -> str:
            return f"{issuer}{reverse(f'oidc:{name}')}"

        issuer = issuer_for(request)
        data = {
            "issuer": issuer,
            "authorization_endpoint": url("authorize"),
            "token_endpoint": url("token"),
            "userinfo_endpoint": url("userinfo"),
            "jwks_uri": url("jwks"),
            "revocation_endpoint": url("revoke"),
            "introspection_endpoint": url("introspect"),
            "end_session_endpoint": url("end_session"),
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": DISCOVERY_CLAIMS,
            "acr_values_supported": list(LEVELS),
            "prompt_values_supported": ["none", "login", "consent"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "authorization_response_iss_parameter_supported": True,
            "frontchannel_logout_supported": True,
            "frontchannel_logout_session_supported": True,
            "ui_locales_supported": [code for code, _name in settings.LANGUAGES],
        }
        response = JsonResponse(data)
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "public, max-age=3600"
        return response


class LogoutView(RPInitiatedLogoutView):
    """End-session endpoint: ends the portal session, revokes the user's tokens, then shows
    the front-channel logout iframes (if any client registered a URI) and goes on."""

    template_name = "oidc/logout_confirm.html"

    def do_logout(
        self,
        application: Application | None = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        token_user: Any = None,
    ) -> HttpResponse:
        from govhub.identity import session as identity_session

        request = self.request
        urls = frontchannel_logout_urls(request)
        user = token_user if token_user is not None else request.user
        if user is not None and user.is_authenticated:
            oidc_user_tokens_revoke(user=user, request=request)
        if request.user.is_authenticated:
            identity_session.session_sign_out(request)
        if post_logout_redirect_uri and application is not None:
            # Validated against the client's registered URIs by validate_logout_request.
            target = post_logout_redirect_uri
            if state:
                separator = "&" if "?" in target else "?"
                target = f"{target}{separator}{urlencode({'state': state})}"
            if not urls:
                return OAuth2ResponseRedirect(target, application.get_allowed_schemes())
        else:
            target = reverse("portal:home")
            if not urls:
                return HttpResponseRedirect(target)
        return render(request, "oidc/signed_out.html", {"urls": urls, "next": target})


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(View):
    """RFC 7662 token introspection: a confidential client asks about its own tokens."""

    def post(self, request: HttpRequest) -> JsonResponse:
        validator: OAuth2Validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
        oauth_request = OauthlibRequest(
            request.build_absolute_uri(),
            http_method="POST",
            body=request.body.decode("utf-8", "replace"),
            # django-oauth-toolkit reads the Authorization header as "HTTP_AUTHORIZATION".
            headers={key: value for key, value in request.META.items() if isinstance(value, str)},
        )
        if not validator.authenticate_client(oauth_request):
            response = JsonResponse({"error": "invalid_client"}, status=401)
            response["WWW-Authenticate"] = 'Basic realm="introspection"'
            return response
        client = oauth_request.client
        token = request.POST.get("token", "")
        if not token:
            return JsonResponse({"error": "invalid_request"}, status=400)
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        access_token = (
            AccessToken.objects.select_related("user", "application")
            .filter(token_checksum=checksum, application=client)
            .first()
        )
        if access_token is None or not access_token.is_valid():
            return JsonResponse({"active": False})
        data: dict[str, Any] = {
            "active": True,
            "token_type": "Bearer",
            "scope": access_token.scope,
            "client_id": client.client_id,
            "exp": int(access_token.expires.timestamp()),
            "iat": int(access_token.created.timestamp()),
            "iss": issuer_for(request),
        }
        if access_token.user is not None:
            data["sub"] = str(access_token.user.sub)
        authorization = authorization_for_token(access_token)
        if authorization is not None:
            data.update(acr=authorization.acr, amr=authorization.amr)
        return JsonResponse(data)
