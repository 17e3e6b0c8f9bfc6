"""The OpenID provider's endpoints, mounted at the site root (namespace "oidc")."""

from django.urls import path, re_path
from oauth2_provider import views as dot_views

from govhub.identity.oidc import upstream_views, views

app_name = "oidc"
urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$", views.DiscoveryView.as_view(), name="discovery"
    ),
    path("oauth/jwks.json", dot_views.JwksInfoView.as_view(), name="jwks"),
    path("oauth/authorize/", views.AuthorizeView.as_view(), name="authorize"),
    path("oauth/token/", dot_views.TokenView.as_view(), name="token"),
    path("oauth/userinfo/", dot_views.UserInfoView.as_view(), name="userinfo"),
    path("oauth/revoke/", dot_views.RevokeTokenView.as_view(), name="revoke"),
    path("oauth/introspect/", views.IntrospectView.as_view(), name="introspect"),
    path("oauth/logout/", views.LogoutView.as_view(), name="end_session"),
    path("oauth/upstream/start/", upstream_views.start, name="upstream_start"),
    path("oauth/upstream/callback/", upstream_views.callback, name="upstream_callback"),
]
