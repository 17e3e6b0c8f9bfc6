from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "govhub.identity"
    label = "identity"
    verbose_name = _("身份认证")

    def ready(self) -> None:
        # The OpenID provider revokes a session's tokens when the session ends.
        from govhub.identity.oidc.logout import connect

        connect()
