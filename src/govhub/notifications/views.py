"""The inbox pages (消息中心), mounted at /account/inbox/ (namespace "notifications")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from govhub.core.errors import NotFound
from govhub.notifications import selectors, services

PAGE_SIZE = 20


@never_cache
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(selectors.inbox(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(request.user),
            "page_query": "show=unread&" if unread_only else "",
        },
    )


@never_cache
@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One message; opening it marks it read."""
    try:
        message = selectors.message_for(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    services.message_mark_read(user=request.user, message=message)
    selectors.forget_unread_count(request.user)
    link = message.link
    safe_link = bool(link) and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return render(
        request,
        "notifications/message.html",
        {"message": message, "link": link if safe_link else ""},
    )


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.messages_mark_all_read(user=request.user)
    selectors.forget_unread_count(request.user)
    if count:
        messages.success(
            request,
            ngettext("已将 %(count)d 条消息标为已读。", "已将 %(count)d 条消息标为已读。", count)
            % {"count": count},
        )
    else:
        messages.info(request, _("没有未读消息。"))
    return redirect("notifications:inbox")
