"""The scopes a client system may ask for, and what each one gives it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

# Every scope with what the consent screen says about it.
SCOPES: dict[str, Any] = {
    "openid": _("确认您的身份（一个不含个人信息的固定标识、登录方式和认证等级）"),
    "profile": _("您的姓名"),
    "phone": _("您的手机号码"),
    "idcard": _("您的实名信息：姓名和身份证号码"),
    "enterprise": _("您当前代表的企业（名称和统一社会信用代码）"),
}
# Scopes whose consent is asked every time, even from a trusted client.
SENSITIVE_SCOPES = frozenset({"idcard"})
# Scopes for system-to-system access: only a client registered for the client-credentials
# grant (no user, no consent screen) gets them, and such a client gets nothing else.
CLIENT_SCOPES: dict[str, Any] = {
    "supervision.feed": _("电子监察数据接口：拉取办件和监察预警及其全过程记录（省级电子监察系统）"),
}


def _machine_client(application: Any) -> bool:
    grant = getattr(application, "authorization_grant_type", "")
    return bool(grant) and grant == getattr(application, "GRANT_CLIENT_CREDENTIALS", None)


class GovhubScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {name: str(text) for name, text in {**SCOPES, **CLIENT_SCOPES}.items()}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(CLIENT_SCOPES) if _machine_client(application) else list(SCOPES)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return [] if _machine_client(application) else ["openid"]
