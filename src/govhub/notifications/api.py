"""Notifications API (`/api/v1/notifications/`): the signed-in person's in-site messages.

Authentication: `Authorization: Bearer <access token>` with the `openid` scope, as for the
identity API (the mobile app), or the browser's session (with the CSRF token for writes).
A person only ever sees and changes their own messages; another person's message
answers 404, as a missing one does.

Lists are paginated with `limit`/`offset` and answer `{"count", "unread", "items"}`;
messages come unread first, then newest first, in the request's language (Accept-Language).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.security import SessionAuth

from govhub.identity.api import account_auth
from govhub.notifications import selectors, services
from govhub.notifications.models import Message

router = Router(tags=["notifications"])

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

session_auth = SessionAuth()
AUTH = [account_auth, session_auth]


class MessageQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（1–100）")
    offset: int = Field(0, ge=0, description="跳过的条数")
    unread: bool = Field(False, description="只列出未读消息")


class MessageOut(Schema):
    id: int
    subject: str
    body: str
    link: str
    case_number: str
    event: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    is_read: bool


class MessagePage(Schema):
    count: int
    unread: int
    items: list[MessageOut]


class ReadAllOut(Schema):
    updated: int


def _out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.pk,
        subject=message.display_subject,
        body=message.display_body,
        link=message.link,
        case_number=message.case_number,
        event=message.event,
        created_at=message.created_at,
        read_at=message.read_at,
        is_read=message.is_read,
    )


def _user(request: HttpRequest) -> Any:
    return request.user


@router.get("/messages", response=MessagePage, auth=AUTH, summary="我的站内消息")
def message_list(request: HttpRequest, params: Query[MessageQuery]) -> MessagePage:
    user = _user(request)
    messages = selectors.inbox(user, unread_only=params.unread)
    count = messages.count()
    rows = (
        list(messages[params.offset : params.offset + params.limit])
        if count > params.offset
        else []
    )
    return MessagePage(
        count=count, unread=selectors.unread_count(user), items=[_out(m) for m in rows]
    )


@router.get("/messages/{int:message_id}", response=MessageOut, auth=AUTH, summary="一条站内消息")
def message_get(request: HttpRequest, message_id: int) -> MessageOut:
    """The message, without marking it read (POST …/read does)."""
    return _out(selectors.message_for(_user(request), message_id))


@router.post("/messages/{int:message_id}/read", response=MessageOut, auth=AUTH, summary="标为已读")
def message_read(request: HttpRequest, message_id: int) -> MessageOut:
    user = _user(request)
    message = services.message_mark_read(user=user, message=selectors.message_for(user, message_id))
    return _out(message)


@router.post("/messages/read-all", response=ReadAllOut, auth=AUTH, summary="全部标为已读")
def message_read_all(request: HttpRequest) -> ReadAllOut:
    return ReadAllOut(updated=services.messages_mark_all_read(user=_user(request)))
