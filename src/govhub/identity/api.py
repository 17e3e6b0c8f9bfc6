"""Identity API for the mobile app and department systems (`/api/v1/identity/`).

Authentication: `Authorization: Bearer <access token>` issued by the platform's OpenID
provider (django-oauth-toolkit). The token must be unexpired, belong to an active account
and carry the endpoint's scope: `openid` for the account's own data, `enterprise` for
enterprises and agents. Registration, password reset and their SMS codes need no token.

Acting for an enterprise: send `X-Acting-For: <USCC>`; the caller must be its legal
representative or hold a valid agent authorisation, and every change made in that
request is recorded in the audit trail as done on the enterprise's behalf.

Registering an enterprise and granting or revoking agents need a token from a two-factor
sign-in (level L2, as on the pages); a token from a weaker sign-in gets 401
`insufficient_user_authentication` with `WWW-Authenticate: Bearer ... acr_values="L2"`
(RFC 9470): sign in again with `acr_values=L2` and retry.

Lists are paginated with `limit`/`offset` and answer `{"count": n, "items": [...]}`.
Errors use the platform's envelope; a refusal to retry later (too many codes, a locked
account) has status 429 and a `Retry-After` header.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any, Literal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from ninja.security import HttpBearer

from govhub.core.errors import Forbidden, InvalidInput, NotFound, error_body
from govhub.core.requestid import on_behalf_of_var
from govhub.core.validators import check_id_number, check_uscc, normalize_mobile
from govhub.identity import (
    levels,
    policies,
    selectors,
    services_accounts,
    services_enterprise,
    services_sms,
)
from govhub.identity.errors import RetryLater
from govhub.identity.models import AgentAuthorization, AgentScope, Enterprise, SignInEvent, User

router = Router(tags=["identity"])

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
ACTING_FOR_HEADER = "HTTP_X_ACTING_FOR"
SCOPE_ACCOUNT = "openid"
SCOPE_ENTERPRISE = "enterprise"
# Registering an enterprise and granting or revoking agents: a two-factor sign-in (as on
# the pages).
WRITE_LEVEL = "L2"


# --- Authentication -------------------------------------------------------------------------


class InsufficientScope(Forbidden):
    code = "insufficient_scope"


def token_acr(access: Any) -> str:
    """The level of the sign-in the access token descends from ("" if unknown).

    A token's level never changes (a refresh keeps the sign-in's family, a step-up is a
    new sign-in, and sign-in records are not edited), so it is read once per token and
    remembered in the cache for the token's lifetime: every API call still reads the token
    row itself (a revoked token stops at once), but not its family."""
    from govhub.identity.oidc.validator import authorization_for_token

    key = f"identity:token-acr:{access.pk}"
    acr = cache.get(key)
    if acr is None:
        authorization = authorization_for_token(access)
        acr = authorization.acr if authorization is not None else ""
        remaining = (access.expires - timezone.now()).total_seconds()
        cache.set(key, acr, timeout=max(int(remaining), 1))
    return str(acr)


def level_refusal(request: HttpRequest, level: str) -> HttpResponse | None:
    """None when the token's sign-in reached `level`; otherwise the step-up challenge of
    RFC 9470 (401, `insufficient_user_authentication`, `acr_values`): the app signs in
    again asking for `level` and retries."""
    access: Any = request.auth  # type: ignore[attr-defined]
    if levels.level_rank(token_acr(access)) >= levels.level_rank(level):
        return None
    from govhub.api import api

    message = _("此操作需要%(level)s认证：请重新登录并完成第二项验证后再试。") % {"level": level}
    response = api.create_response(
        request, error_body("insufficient_user_authentication", message), status=401
    )
    response["WWW-Authenticate"] = (
        f'Bearer error="insufficient_user_authentication", acr_values="{level}"'
    )
    return response


def access_token_for(raw: str) -> Any:
    """The provider's AccessToken for a raw bearer value (looked up by its checksum, as
    django-oauth-toolkit stores it), when it is unexpired and its account active."""
    from oauth2_provider.models import get_access_token_model

    model = get_access_token_model()
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    try:
        # The checksum is unique: `get` (no ORDER BY to compile, as `first` would add).
        token = model.objects.select_related("user").get(token_checksum=checksum)
    except model.DoesNotExist:
        return None
    if token.is_expired() or token.user is None or not token.user.is_active:
        return None
    return token


def _acting_for_from_header(request: HttpRequest, access: Any) -> Enterprise | None:
    """The enterprise named by `X-Acting-For`, when the token's user may act for it; the
    token must carry the `enterprise` scope."""
    raw = request.META.get(ACTING_FOR_HEADER, "").strip()
    if not raw:
        return None
    if not access.allow_scopes([SCOPE_ENTERPRISE]):
        raise InsufficientScope(
            _("代表企业办事需要访问令牌具有“%(scope)s”授权范围。") % {"scope": SCOPE_ENTERPRISE}
        )
    user = access.user
    try:
        uscc = check_uscc(raw, allow_legacy_check=True).value
    except ValidationError as exc:
        raise InvalidInput(
            _("X-Acting-For 必须是有效的统一社会信用代码。"),
            fields={"X-Acting-For": [_("统一社会信用代码格式不正确。")]},
        ) from exc
    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    if enterprise is None or not policies.can_act_for(user, enterprise):
        raise Forbidden(
            _("您无权代表该企业办事：您不是其法定代表人，也没有有效的经办人授权。"),
            code="acting_for_forbidden",
        )
    return enterprise


class BearerToken(HttpBearer):
    """An access token of our provider carrying `scope`."""

    def __init__(self, scope: str = SCOPE_ACCOUNT) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        access = access_token_for(token)
        if access is None:
            return None
        if not access.allow_scopes([self.scope]):
            raise InsufficientScope(
                _("访问令牌缺少所需的授权范围“%(scope)s”。") % {"scope": self.scope}
            )
        user = access.user
        request.user = user
        enterprise = _acting_for_from_header(request, access)
        request.acting_for = enterprise  # type: ignore[attr-defined]
        on_behalf_of_var.set(enterprise.on_behalf_of_label if enterprise else "")
        return access


account_auth = BearerToken(SCOPE_ACCOUNT)
enterprise_auth = BearerToken(SCOPE_ENTERPRISE)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _retry_later(request: HttpRequest, exc: RetryLater) -> HttpResponse:
    from govhub.api import api

    response = api.create_response(
        request, error_body(exc.code, exc.message, exc.fields), status=exc.status
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- Schemas -----------------------------------------------------------------------------------


class Page[T](Schema):
    count: int
    items: list[T]


class PageQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（1–100）")
    offset: int = Field(0, ge=0, description="跳过的条数")


class Labelled(Schema):
    value: str
    label: str


class EnterpriseRef(Schema):
    uscc: str
    name: str


class MeOut(Schema):
    sub: str
    kind: Labelled
    name: str
    masked_id_number: str
    masked_mobile: str
    mobile_verified: bool
    real_name_verified: bool
    in_person_verified: bool
    assurance_ceiling: str
    acting_for: EnterpriseRef | None
    scopes: list[str]


class RegisterIn(Schema):
    name: str = Field(..., min_length=2, max_length=64, description="姓名，与身份证一致")
    id_number: str = Field(..., min_length=1, max_length=32, description="居民身份证号码")
    mobile: str = Field(..., min_length=1, max_length=20, description="手机号码")
    sms_code: str = Field(..., min_length=6, max_length=6, description="注册用途的短信验证码")
    password: str = Field(..., min_length=1, max_length=128)


class SmsCodeIn(Schema):
    mobile: str = Field(..., min_length=1, max_length=20)
    purpose: Literal["register", "mobile_change", "password_reset"] = "register"


class PasswordResetIn(Schema):
    mobile: str = Field(..., min_length=1, max_length=20, description="账号绑定的手机号码")
    id_number: str = Field(
        ..., min_length=1, max_length=32, description="注册时登记的居民身份证号码"
    )
    sms_code: str = Field(..., min_length=6, max_length=6, description="找回密码用途的短信验证码")
    new_password: str = Field(..., min_length=1, max_length=128)


class SmsCodeOut(Schema):
    masked_mobile: str
    purpose: str
    expires_in: int


class SignInOut(Schema):
    occurred_at: datetime.datetime
    method: Labelled
    outcome: Labelled
    acr: str
    ip: str | None
    user_agent: str


class MembershipOut(Schema):
    uscc: str
    name: str
    role: Labelled
    scopes: list[Labelled]
    expires_at: datetime.datetime | None


class EnterpriseIn(Schema):
    uscc: str = Field(..., min_length=1, max_length=32, description="统一社会信用代码")


class EnterpriseOut(Schema):
    uscc: str
    name: str
    status: Labelled
    registered_at: datetime.datetime


class AgentIn(Schema):
    agent_name: str = Field(..., min_length=2, max_length=64)
    agent_id_number: str = Field(..., min_length=1, max_length=32)
    scopes: list[AgentScope] = Field(..., min_length=1)
    expires_on: datetime.date


class AgentOut(Schema):
    id: int
    agent_name: str
    agent_masked_id_number: str
    scopes: list[Labelled]
    valid_from: datetime.datetime
    expires_at: datetime.datetime
    revoked_at: datetime.datetime | None
    valid: bool


# --- Conversions -------------------------------------------------------------------------------


def _me(user: User, *, scopes: list[str], acting: Enterprise | None) -> MeOut:
    return MeOut(
        sub=str(user.sub),
        kind=Labelled(value=user.kind, label=str(user.get_kind_display())),
        name=user.get_full_name(),
        masked_id_number=user.masked_id_number,
        masked_mobile=user.masked_mobile,
        mobile_verified=user.mobile_verified_at is not None,
        real_name_verified=user.is_real_name_verified,
        in_person_verified=user.is_in_person_verified,
        assurance_ceiling=user.assurance_ceiling,
        acting_for=EnterpriseRef(uscc=acting.uscc, name=acting.name) if acting else None,
        scopes=sorted(scopes),
    )


def _scope_labels(scopes: list[str]) -> list[Labelled]:
    labels = dict(AgentScope.choices)
    return [Labelled(value=s, label=str(labels.get(s, s))) for s in scopes]


def _enterprise(enterprise: Enterprise) -> EnterpriseOut:
    return EnterpriseOut(
        uscc=enterprise.uscc,
        name=enterprise.name,
        status=Labelled(value=enterprise.status, label=str(enterprise.get_status_display())),
        registered_at=enterprise.registered_at,
    )


def _agent(authorization: AgentAuthorization, now: datetime.datetime) -> AgentOut:
    agent = authorization.agent
    return AgentOut(
        id=authorization.pk,
        agent_name=agent.get_full_name(),
        agent_masked_id_number=agent.masked_id_number,
        scopes=_scope_labels(list(authorization.scopes)),
        valid_from=authorization.valid_from,
        expires_at=authorization.expires_at,
        revoked_at=authorization.revoked_at,
        valid=authorization.is_valid_at(now),
    )


# --- Without a token -----------------------------------------------------------------------------


@router.post(
    "/register",
    response={201: MeOut},
    auth=None,
    summary="实名注册个人账号",
    description=(
        "姓名和身份证号码与人口库核对；先用 `POST sms-codes`（purpose=register）获取验证码。"
    ),
)
def register(request: HttpRequest, payload: RegisterIn) -> Any:
    fields: dict[str, list[str]] = {}
    try:
        id_number = check_id_number(payload.id_number).value
    except ValidationError as exc:
        fields["id_number"] = [str(m) for m in exc.messages]
        id_number = ""
    try:
        mobile = normalize_mobile(payload.mobile)
    except ValidationError as exc:
        fields["mobile"] = [str(m) for m in exc.messages]
        mobile = ""
    if fields:
        raise InvalidInput(fields=fields)
    try:
        user = services_accounts.person_register(
            request=request,
            name="".join(payload.name.split()),
            id_number=id_number,
            mobile=mobile,
            sms_code=payload.sms_code,
            password=payload.password,
        )
    except RetryLater as exc:
        return _retry_later(request, exc)
    return Status(201, _me(user, scopes=[], acting=None))


@router.post(
    "/sms-codes",
    response={202: SmsCodeOut},
    auth=None,
    summary="发送短信验证码",
    description=(
        "purpose=register（注册）、password_reset（找回密码）无需令牌；"
        "purpose=mobile_change（更换手机号码）须带访问令牌。"
        "找回密码的验证码只发给个人账号已验证的手机号码，但回答都一样。"
        "同一号码60秒内只能获取一次，并有每小时、每天的次数限制（429，带 Retry-After）。"
    ),
)
def sms_code_send(request: HttpRequest, payload: SmsCodeIn) -> Any:
    try:
        mobile = normalize_mobile(payload.mobile)
    except ValidationError as exc:
        raise InvalidInput(fields={"mobile": [str(m) for m in exc.messages]}) from exc
    if payload.purpose == "mobile_change":
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, raw = header.partition(" ")
        access = access_token_for(raw.strip()) if scheme.lower() == "bearer" else None
        if access is None:
            return _unauthenticated(request)
        request.user = access.user
    try:
        services_sms.sms_code_send(mobile=mobile, purpose=payload.purpose, request=request)
    except RetryLater as exc:
        return _retry_later(request, exc)
    from govhub.core.masking import mask_phone

    out = SmsCodeOut(masked_mobile=mask_phone(mobile), purpose=payload.purpose, expires_in=300)
    return Status(202, out)


@router.post(
    "/password-reset",
    response={204: None},
    auth=None,
    summary="找回密码（重设密码）",
    description="先用 `POST sms-codes`（purpose=password_reset）获取验证码。"
    "重设后不会登录；该账号的所有登录会话结束，接入系统的令牌被撤销。"
    "工作人员账号不能重设（403 `staff_password_reset`）。",
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> Any:
    try:
        services_accounts.password_reset(
            request=request,
            identifier_mobile=payload.mobile,
            id_number=payload.id_number,
            code=payload.sms_code,
            new_password=payload.new_password,
        )
    except RetryLater as exc:
        return _retry_later(request, exc)
    except InvalidInput as exc:
        if "code" in exc.fields:  # the payload calls it `sms_code`
            exc.fields["sms_code"] = exc.fields.pop("code")
        raise
    return Status(204, None)


def _unauthenticated(request: HttpRequest) -> HttpResponse:
    from govhub.api import api

    return api.create_response(
        request, error_body("not_authenticated", _("请先登录。")), status=401
    )


# --- The account ---------------------------------------------------------------------------------


@router.get("/me", response=MeOut, auth=account_auth, summary="当前账号")
def me(request: HttpRequest) -> MeOut:
    access: Any = request.auth  # type: ignore[attr-defined]
    return _me(
        _user(request), scopes=access.scope.split(), acting=getattr(request, "acting_for", None)
    )


@router.get(
    "/sign-ins", response=Page[SignInOut], auth=account_auth, summary="登录记录（最新在前）"
)
def sign_in_list(request: HttpRequest, params: Query[PageQuery]) -> Page[SignInOut]:
    events = selectors.sign_in_events(user=_user(request))
    count = events.count()
    rows: list[SignInEvent] = (
        list(events[params.offset : params.offset + params.limit]) if count > params.offset else []
    )
    return Page[SignInOut](
        count=count,
        items=[
            SignInOut(
                occurred_at=e.occurred_at,
                method=Labelled(value=e.method, label=str(e.get_method_display())),
                outcome=Labelled(value=e.outcome, label=str(e.get_outcome_display())),
                acr=e.acr,
                ip=e.ip,
                user_agent=e.user_agent,
            )
            for e in rows
        ],
    )


# --- Enterprises and agents --------------------------------------------------------------------


@router.get(
    "/enterprises",
    response=list[MembershipOut],
    auth=enterprise_auth,
    summary="我可以代表的企业",
)
def enterprise_list(request: HttpRequest) -> list[MembershipOut]:
    out = []
    for m in selectors.memberships_of(user=_user(request)):
        role = (
            Labelled(value="legal_representative", label=_("法定代表人"))
            if m.is_representative
            else Labelled(value="agent", label=_("经办人"))
        )
        out.append(
            MembershipOut(
                uscc=m.enterprise.uscc,
                name=m.enterprise.name,
                role=role,
                scopes=_scope_labels(sorted(m.scopes)),
                expires_at=m.expires_at,
            )
        )
    return out


@router.post(
    "/enterprises",
    response={201: EnterpriseOut},
    auth=enterprise_auth,
    summary="登记企业账号（法定代表人）",
)
def enterprise_register(request: HttpRequest, payload: EnterpriseIn) -> Any:
    if (refusal := level_refusal(request, WRITE_LEVEL)) is not None:
        return refusal
    try:
        uscc = check_uscc(payload.uscc).value
    except ValidationError as exc:
        raise InvalidInput(fields={"uscc": [str(m) for m in exc.messages]}) from exc
    enterprise = services_enterprise.enterprise_register(
        actor=_user(request), uscc=uscc, request=request
    )
    return Status(201, _enterprise(enterprise))


def _represented(request: HttpRequest, uscc: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(uscc=uscc.upper()).first()
    if enterprise is None or not policies.is_legal_representative(_user(request), enterprise):
        raise NotFound(_("找不到您作为法定代表人的这家企业。"))
    return enterprise


@router.get(
    "/enterprises/{uscc}/agents",
    response=Page[AgentOut],
    auth=enterprise_auth,
    summary="企业的经办人授权",
)
def agent_list(request: HttpRequest, uscc: str, params: Query[PageQuery]) -> Page[AgentOut]:
    enterprise = _represented(request, uscc)
    qs = selectors.agents_of(actor=_user(request), enterprise=enterprise)
    count = qs.count()
    rows = list(qs[params.offset : params.offset + params.limit]) if count > params.offset else []
    now = timezone.now()
    for row in rows:
        row.enterprise = enterprise  # `is_valid_at` reads its status: no query per row
    return Page[AgentOut](count=count, items=[_agent(a, now) for a in rows])


@router.post(
    "/enterprises/{uscc}/agents",
    response={201: AgentOut},
    auth=enterprise_auth,
    summary="授权经办人",
)
def agent_grant(request: HttpRequest, uscc: str, payload: AgentIn) -> Any:
    enterprise = _represented(request, uscc)
    if (refusal := level_refusal(request, WRITE_LEVEL)) is not None:
        return refusal
    try:
        agent_id_number = check_id_number(payload.agent_id_number).value
    except ValidationError as exc:
        raise InvalidInput(fields={"agent_id_number": [str(m) for m in exc.messages]}) from exc
    authorization = services_enterprise.agent_authorize(
        actor=_user(request),
        enterprise=enterprise,
        agent_name="".join(payload.agent_name.split()),
        agent_id_number=agent_id_number,
        scopes=[str(s) for s in payload.scopes],
        expires_on=payload.expires_on,
        request=request,
    )
    return Status(201, _agent(authorization, timezone.now()))


@router.post(
    "/enterprises/{uscc}/agents/{authorization_id}/revoke",
    response=AgentOut,
    auth=enterprise_auth,
    summary="撤销经办人授权",
)
def agent_revoke(request: HttpRequest, uscc: str, authorization_id: int) -> Any:
    enterprise = _represented(request, uscc)
    if (refusal := level_refusal(request, WRITE_LEVEL)) is not None:
        return refusal
    authorization = (
        AgentAuthorization.objects.select_related("agent", "enterprise")
        .filter(enterprise=enterprise, pk=authorization_id)
        .first()
    )
    if authorization is None:
        raise NotFound(_("找不到这项经办人授权。"))
    services_enterprise.agent_revoke(
        actor=_user(request), authorization=authorization, request=request
    )
    authorization.refresh_from_db()
    return _agent(authorization, timezone.now())
