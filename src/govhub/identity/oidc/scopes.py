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


class GovhubScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {name: str(text) for name, text in SCOPES.items()}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(SCOPES)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return ["openid"]
