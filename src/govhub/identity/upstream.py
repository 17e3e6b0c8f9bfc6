"""Federation upward: accept sign-in from the province's OpenID provider.

Configured by the `GOVHUB_UPSTREAM_OIDC_*` settings (off while the issuer is empty). The
upstream provider's ID token and userinfo must carry the person's verified name and ID
number (claim names configurable). The person is mapped to a local account by ID number:

- an account with that ID number exists → it is signed in;
- none exists → the population registry is asked (name + ID number must match a living
  resident); on a match a real-name verified account is created (no password: it signs in
  through the province, or sets a password and mobile later), otherwise refused.

The session's methods are ["federated"]; the level the upstream asserted (`acr`, when it
is one of ours) counts up to the account's ceiling (`identity.levels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govhub.core.audit import audit_log
from govhub.core.errors import InvalidInput
from govhub.core.masking import mask_id_number, mask_name
from govhub.core.models import AuditEvent
from govhub.core.validators import check_id_number
from govhub.identity.models import User
from govhub.identity.oidc.client import RelyingParty

PENDING_KEY = "identity.upstream_pending"
REGISTRY_PURPOSE = "省级统一身份认证账号首次登录核验"


@dataclass(frozen=True)
class UpstreamClaims:
    name: str
    id_number: str
    acr: str
    subject: str


def upstream_enabled() -> bool:
    return bool(settings.GOVHUB_UPSTREAM_OIDC_ISSUER and settings.GOVHUB_UPSTREAM_OIDC_CLIENT_ID)


def upstream_relying_party(request: HttpRequest) -> RelyingParty:
    from django.urls import reverse

    return RelyingParty(
        issuer=settings.GOVHUB_UPSTREAM_OIDC_ISSUER,
        client_id=settings.GOVHUB_UPSTREAM_OIDC_CLIENT_ID,
        client_secret=settings.GOVHUB_UPSTREAM_OIDC_CLIENT_SECRET,
        redirect_uri=request.build_absolute_uri(reverse("oidc:upstream_callback")),
        scope=settings.GOVHUB_UPSTREAM_OIDC_SCOPES,
    )


def upstream_claims(claims: dict[str, Any]) -> UpstreamClaims:
    """The verified name and ID number in the upstream's claims, or InvalidInput."""
    verified_claim = settings.GOVHUB_UPSTREAM_OIDC_VERIFIED_CLAIM
    if verified_claim and claims.get(verified_claim) is not True:
        raise InvalidInput(_("省级统一身份认证平台未确认该账号已实名认证，无法登录。"))
    name = "".join(str(claims.get(settings.GOVHUB_UPSTREAM_OIDC_NAME_CLAIM) or "").split())
    raw_number = str(claims.get(settings.GOVHUB_UPSTREAM_OIDC_ID_NUMBER_CLAIM) or "")
    try:
        number = check_id_number(raw_number).value
    except ValidationError as exc:
        raise InvalidInput(_("省级统一身份认证平台提供的身份证号码无效，无法登录。")) from exc
    if not name:
        raise InvalidInput(_("省级统一身份认证平台未提供实名姓名，无法登录。"))
    return UpstreamClaims(
        name=name,
        id_number=number,
        acr=str(claims.get("acr") or ""),
        subject=str(claims.get("sub") or ""),
    )


def upstream_account_link(*, claims: UpstreamClaims, request: HttpRequest | None) -> User:
    """The local account of the upstream person, created when the registry confirms them.
    A person the registry does not confirm is refused (`InvalidInput`) after the refusal,
    with the registry look-up that led to it, has been recorded."""
    user = _link(claims=claims, request=request)
    if user is None:
        raise InvalidInput(
            _(
                "人口库中没有与该姓名和身份证号码一致的在册人员，无法创建账号。请到政务服务大厅窗口办理。"
            )
        )
    return user


@transaction.atomic
def _link(*, claims: UpstreamClaims, request: HttpRequest | None) -> User | None:
    from govhub.registries.selectors import id_number_hash, resident_verify

    number_hash = id_number_hash(claims.id_number)
    user = User.objects.filter(id_number_hash=number_hash, is_active=True).first()
    if user is not None:
        audit_log(
            actor=user,
            action="identity.upstream.link",
            target=user,
            changes={"upstream_sub": claims.subject, "created": False},
            request=request,
        )
        return user
    if User.objects.filter(id_number_hash=number_hash).exists():
        raise InvalidInput(_("该身份证号码对应的账号已停用，请联系平台管理员。"))
    match = resident_verify(
        actor=None,
        name=claims.name,
        id_number=claims.id_number,
        purpose=REGISTRY_PURPOSE,
        request=request,
        actor_label=mask_id_number(claims.id_number),
    )
    if match.outcome != "match":
        audit_log(
            actor=None,
            actor_label=mask_id_number(claims.id_number),
            action="identity.upstream.link",
            outcome=AuditEvent.Outcome.FAILURE,
            changes={"reason": match.outcome, "upstream_sub": claims.subject},
            request=request,
        )
        return None
    user = User(
        kind=User.Kind.PERSON,
        full_name=claims.name,
        id_number=claims.id_number,
        id_number_hash=number_hash,
        real_name_verified_at=timezone.now(),
    )
    user.username = f"u{user.sub.hex[:20]}"
    user.set_unusable_password()
    user.save()
    audit_log(
        actor=user,
        action="identity.upstream.link",
        target=user,
        changes={
            "upstream_sub": claims.subject,
            "created": True,
            "name": mask_name(claims.name),
            "id_number": mask_id_number(claims.id_number),
        },
        request=request,
    )
    return user
