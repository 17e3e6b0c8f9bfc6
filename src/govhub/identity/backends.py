"""Authentication backend: a username, a verified mobile number or an ID number, with the
password. Staff accounts are refused here: they sign in only through
`govhub.identity.services_signin`, which also asks for their TOTP code."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from govhub.core.crypto import lookup_hash
from govhub.core.validators import normalize_id_number, normalize_mobile
from govhub.identity.models import User


def find_account(identifier: str) -> User | None:
    """The account an identifier names: an 18-character ID number (by its keyed hash), a
    verified mainland mobile number, or a username. None if none."""
    text = (identifier or "").strip()
    if not text:
        return None
    id_number = normalize_id_number(text)
    if len(id_number) == 18 and id_number[:17].isdigit():
        return User.objects.filter(
            id_number_hash=lookup_hash(id_number, purpose="id_number")
        ).first()
    try:
        mobile = normalize_mobile(text)
    except ValidationError:
        mobile = ""
    if mobile:
        found = User.objects.filter(mobile=mobile, mobile_verified_at__isnull=False).first()
        if found is not None:
            return found
    return User.objects.filter(username=text).first()


class IdentifierBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = find_account(username)
        if user is None:
            # Spend the time of one password check, so that timing does not tell
            # whether an account exists.
            User().set_password(password)
            return None
        if user.is_staff_account:
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
