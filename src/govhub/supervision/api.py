"""The feed for the provincial supervision system (`/api/v1/supervision/`).

`GET /feed/cases` and `GET /feed/alerts`: every case (alert) that changed after the
cursor, each with its whole timeline, in order of change; `next_cursor` is the cursor for
the next pull. The cursor never skips a change and never repeats one, also while changes
are being written (`feed.py`).

Authentication: an access token of the platform's own OAuth 2.0 provider obtained with
the client-credentials grant (`POST /oauth/token/`, `grant_type=client_credentials`,
`scope=supervision.feed`) by a client registered for that grant; a token for a person (an
authorization-code client) is refused. Every pull is recorded in the audit trail. See
docs/supervision-dashboards.md and docs/api.md.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from govhub.cases.models import Case, CaseEvent, Channel
from govhub.cases.workflow import Action as CaseAction
from govhub.cases.workflow import State as CaseState
from govhub.core.audit import audit_log
from govhub.core.errors import Forbidden
from govhub.supervision.feed import ChangePage, cursor_text, parse_cursor
from govhub.supervision.models import Alert, AlertEvent, Level
from govhub.supervision.selectors_dashboard import rule_name
from govhub.supervision.selectors_feed import feed_alerts, feed_cases

FEED_SCOPE = "supervision.feed"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Case history roles whose actor is a person applying, not an official: not named.
APPLICANT_ROLES = frozenset({"applicant", ""})


class InsufficientScope(Forbidden):
    code = "insufficient_scope"


class FeedClientToken(HttpBearer):
    """A client-credentials access token of our provider carrying `supervision.feed`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from oauth2_provider.models import get_access_token_model

        model = get_access_token_model()
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        access = model.objects.select_related("application").filter(token_checksum=checksum).first()
        if access is None or access.is_expired() or access.application is None:
            return None
        application = access.application
        if (
            access.user_id is not None
            or application.authorization_grant_type != application.GRANT_CLIENT_CREDENTIALS
        ):
            raise Forbidden(
                _("该接口只接受以客户端凭证方式（client_credentials）获取的访问令牌。"),
                code="client_credentials_required",
            )
        if not access.allow_scopes([FEED_SCOPE]):
            raise InsufficientScope(
                _("访问令牌缺少所需的授权范围“%(scope)s”。") % {"scope": FEED_SCOPE}
            )
        return access


feed_auth = FeedClientToken()
router = Router(tags=["supervision"], auth=feed_auth)


# --- Schemas -------------------------------------------------------------------------------------


class FeedQuery(Schema):
    cursor: str = Field(
        "",
        pattern=r"^[0-9]{0,19}$",
        description="上次返回的 next_cursor；首次拉取留空（从头开始）",
    )
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="本次最多消费的变更条数（1–100）"
    )


class Coded(Schema):
    code: str
    name: str


class CaseEventOut(Schema):
    seq: int = Field(description="变更序号（办件记录的编号），单调递增")
    action: str
    action_label: str
    from_state: str
    to_state: str
    at: datetime.datetime
    role: str
    channel: str
    actor: str = Field(description="办理人员姓名；申请人的操作不写姓名")
    step: str | None
    opinion: str


class CaseOut(Schema):
    seq: int = Field(description="本页中该办件最后一条变更的序号")
    number: str | None
    title: str
    item_code: str
    department: Coded
    region: Coded
    state: str
    state_label: str
    channel: str
    applicant_kind: str
    submitted_at: datetime.datetime | None
    accepted_on: datetime.date | None
    promised_due: datetime.date | None
    legal_due: datetime.date | None
    decided_at: datetime.datetime | None
    decision: str
    completed_at: datetime.datetime | None
    timeline: list[CaseEventOut]


class AlertEventOut(Schema):
    seq: int = Field(description="变更序号（预警记录的编号），单调递增")
    action: str
    action_label: str
    from_state: str
    to_state: str
    from_level: str
    to_level: str
    at: datetime.datetime
    actor: str
    note: str


class NoticeOut(Schema):
    number: str
    issuer: str
    issued_at: datetime.datetime
    reply_by: datetime.date | None


class AlertOut(Schema):
    seq: int = Field(description="本页中该预警最后一条变更的序号")
    id: int
    rule: Coded
    level: str
    level_label: str
    state: str
    state_label: str
    cause_active: bool
    case_number: str | None
    case_title: str
    step: str | None
    department: Coded
    region: Coded
    detail: dict[str, Any]
    raised_at: datetime.datetime
    notified_at: datetime.datetime | None
    explained_at: datetime.datetime | None
    escalated_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    closed_reason: str
    reopen_count: int
    explanation: str
    notices: list[NoticeOut]
    timeline: list[AlertEventOut]


class FeedCasesOut(Schema):
    items: list[CaseOut]
    next_cursor: str = Field(description="下次拉取时传入的 cursor")
    has_more: bool = Field(description="为 true 时应立即继续拉取")
    retry_after: int = Field(description="大于 0 时有尚未提交的变更，请等待该秒数后再拉取")


class FeedAlertsOut(Schema):
    items: list[AlertOut]
    next_cursor: str
    has_more: bool
    retry_after: int


# --- Mapping -------------------------------------------------------------------------------------


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _case_event(event: CaseEvent) -> dict[str, Any]:
    return {
        "seq": event.pk,
        "action": event.action,
        "action_label": _label(CaseAction, event.action),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "at": event.occurred_at,
        "role": event.role,
        "channel": event.channel,
        "actor": "" if event.role in APPLICANT_ROLES else event.actor_label,
        "step": event.step.name if event.step is not None else None,
        "opinion": event.opinion,
    }


def _case(seq: int, case: Case) -> dict[str, Any]:
    return {
        "seq": seq,
        "number": case.number,
        "title": case.title,
        "item_code": case.item.implementation_code,
        "department": {"code": case.department.code, "name": case.department.display_name},
        "region": {"code": case.region.code, "name": case.region.display_name},
        "state": case.state,
        "state_label": _label(CaseState, case.state),
        "channel": case.channel if case.channel in Channel.values else "",
        "applicant_kind": case.applicant_kind,
        "submitted_at": case.submitted_at,
        "accepted_on": case.accepted_on,
        "promised_due": case.promised_due,
        "legal_due": case.legal_due,
        "decided_at": case.decided_at,
        "decision": case.decision,
        "completed_at": case.completed_at,
        "timeline": [_case_event(event) for event in case.events.all()],
    }


def _alert_event(event: AlertEvent) -> dict[str, Any]:
    return {
        "seq": event.pk,
        "action": event.action,
        "action_label": _label(AlertEvent.Action, event.action),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "from_level": event.from_level,
        "to_level": event.to_level,
        "at": event.at,
        "actor": "" if event.actor_label == "system" else event.actor_label,
        "note": event.note,
    }


def _alert(seq: int, alert: Alert) -> dict[str, Any]:
    return {
        "seq": seq,
        "id": alert.pk,
        "rule": {"code": alert.rule.code, "name": rule_name(alert.rule.code)},
        "level": alert.level,
        "level_label": _label(Level, alert.level),
        "state": alert.state,
        "state_label": _label(Alert.State, alert.state),
        "cause_active": alert.cause_active,
        "case_number": alert.case.number,
        "case_title": alert.case.title,
        "step": alert.step.name if alert.step is not None else None,
        "department": {"code": alert.department.code, "name": alert.department.display_name},
        "region": {"code": alert.region.code, "name": alert.region.display_name},
        "detail": alert.detail if isinstance(alert.detail, dict) else {},
        "raised_at": alert.raised_at,
        "notified_at": alert.notified_at,
        "explained_at": alert.explained_at,
        "escalated_at": alert.escalated_at,
        "closed_at": alert.closed_at,
        "closed_reason": alert.closed_reason,
        "reopen_count": alert.reopen_count,
        "explanation": alert.explanation,
        "notices": [
            {
                "number": n.number,
                "issuer": n.issuer,
                "issued_at": n.issued_at,
                "reply_by": n.reply_by,
            }
            for n in alert.notices.all()
        ],
        "timeline": [_alert_event(event) for event in alert.events.all()],
    }


def _envelope(
    request: HttpRequest,
    response: HttpResponse,
    feed: str,
    after: int,
    changes: ChangePage,
    items: list[Any],
) -> dict[str, Any]:
    access: Any = request.auth  # type: ignore[attr-defined]
    audit_log(
        actor=None,
        actor_label=f"oauth-client:{access.application.client_id}"[:150],
        action="supervision.feed.pull",
        changes={
            "feed": feed,
            "cursor": after,
            "next_cursor": changes.next_cursor,
            "changes": len(changes.changes),
            "items": len(items),
        },
        request=request,
    )
    if changes.retry_after:
        response["Retry-After"] = str(changes.retry_after)
    response["Cache-Control"] = "no-store"
    return {
        "items": items,
        "next_cursor": cursor_text(changes.next_cursor),
        "has_more": changes.has_more,
        "retry_after": changes.retry_after,
    }


# --- Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/feed/cases",
    response=FeedCasesOut,
    summary="办件变更推送（省级电子监察拉取）",
    description=(
        "Cases changed after `cursor`, each with its whole timeline, in order of change. "
        "Pull again with `next_cursor` while `has_more` is true; when `retry_after` > 0 a "
        "change is still being committed: wait that many seconds. Needs a client-credentials "
        "token with scope `supervision.feed`."
    ),
)
def cases_feed(
    request: HttpRequest, response: HttpResponse, query: Query[FeedQuery]
) -> dict[str, Any]:
    after = parse_cursor(query.cursor)
    page = feed_cases(after=after, limit=query.limit)
    items = [_case(seq, case) for seq, case in page.items]
    return _envelope(request, response, "cases", after, page.changes, items)


@router.get(
    "/feed/alerts",
    response=FeedAlertsOut,
    summary="监察预警变更推送（省级电子监察拉取）",
    description=(
        "Alerts changed after `cursor`, each with its whole history and supervision "
        "notices, in order of change; same cursor rules as `/feed/cases`."
    ),
)
def alerts_feed(
    request: HttpRequest, response: HttpResponse, query: Query[FeedQuery]
) -> dict[str, Any]:
    after = parse_cursor(query.cursor)
    page = feed_alerts(after=after, limit=query.limit)
    items = [_alert(seq, alert) for seq, alert in page.items]
    return _envelope(request, response, "alerts", after, page.changes, items)
