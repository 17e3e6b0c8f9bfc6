"""Demo data for electronic supervision (after the cases demo).

What the dashboards then show, all through the real code paths:

1. the rules' rows (`rules.sync_rules`);
2. a full deadline scan over the demo cases (`scan.supervision_scan`): the overdue ones get
   red alerts, those near their due date yellow ones;
3. the process rules evaluated for every demo case (`process_check.case_process_check`),
   as the background task does after each transition;
4. the departments notified of the raised alerts (`services.alerts_notify_raised`), as the
   periodic scan does;
5. a little follow-up, so that every state shows: the oldest red alert of 市市场监管局 is
   explained by demo-amr-admin, and the oldest red alert of another department is
   escalated to a supervision notice by demo-supervisor;
6. a client of the OAuth provider for the provincial feed (client credentials, scope
   `supervision.feed`): client id `govhub-province-supervision`, secret
   `GOVHUB_DEMO_FEED_CLIENT_SECRET` (default below; demo only).

Idempotent: a second run raises nothing new (one alert per rule and case), notifies nobody
twice and repeats no follow-up (it acts only on alerts still raised or notified, and only
when no demo follow-up of that kind exists yet).
"""

from __future__ import annotations

import datetime
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from govhub.cases.models import Case
from govhub.core.audit import audit_log
from govhub.core.requestid import request_cache_var
from govhub.supervision.models import Alert, Level
from govhub.supervision.process_check import case_process_check
from govhub.supervision.rules import sync_rules
from govhub.supervision.scan import supervision_scan
from govhub.supervision.services import alert_escalate, alert_explain, alerts_notify_raised

FEED_CLIENT_ID = "govhub-province-supervision"
FEED_CLIENT_NAME = "省电子监察系统（演示）"
DEFAULT_FEED_SECRET = "Hegang-demo-province-supervision-feed-2026-secret"  # noqa: S105 (demo)
EXPLAINING_DEPARTMENT = "hg-amr"
EXPLAINED_BY = "demo-amr-admin"
SUPERVISOR = "demo-supervisor"
DEMO_KEYS = "demo-"


def feed_secret() -> str:
    return os.environ.get("GOVHUB_DEMO_FEED_CLIENT_SECRET") or DEFAULT_FEED_SECRET


def load() -> dict[str, int]:
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Demo data is never loaded in production mode (GOVHUB_ENV=production)."
        )
    token = request_cache_var.set({})
    try:
        sync_rules()
        report = supervision_scan(full=True)
        checked = 0
        for case_id in Case.objects.filter(idempotency_key__startswith=DEMO_KEYS).values_list(
            "pk", flat=True
        ):
            case_process_check(case_id=case_id)
            checked += 1
        notified = alerts_notify_raised(limit=500)
        explained, escalated = _follow_up()
        _feed_client()
    finally:
        request_cache_var.reset(token)
    counts = {
        "alerts": Alert.objects.count(),
        "red": Alert.objects.filter(level=Level.RED).exclude(state=Alert.State.CLOSED).count(),
        "cases checked": checked,
        "notified": notified,
        "explained": explained,
        "escalated": escalated,
    }
    audit_log(
        actor=None,
        action="supervision.demo.load",
        actor_label="demo-loader",
        changes={**counts, "scan": report.mode},
    )
    return counts


def _waiting() -> list[Alert]:
    return list(
        Alert.objects.filter(level=Level.RED, state__in=(Alert.State.RAISED, Alert.State.NOTIFIED))
        .select_related("department")
        .order_by("raised_at", "id")
    )


def _follow_up() -> tuple[int, int]:
    users = get_user_model().objects.in_bulk([EXPLAINED_BY, SUPERVISOR], field_name="username")
    explainer, supervisor = users.get(EXPLAINED_BY), users.get(SUPERVISOR)
    explained = escalated = 0
    if explainer is not None and not Alert.objects.filter(explained_by=explainer).exists():
        for alert in _waiting():
            if alert.department.code == EXPLAINING_DEPARTMENT:
                alert_explain(
                    actor=explainer,
                    alert=alert.pk,
                    explanation=(
                        "该办件需现场核查，申请人补充的检验报告于本周送达，已安排专人跟进，"
                        "预计三个工作日内作出决定。"
                    ),
                )
                explained = 1
                break
    if supervisor is not None and not Alert.objects.filter(notices__issued_by=supervisor).exists():
        for alert in _waiting():
            if alert.department.code != EXPLAINING_DEPARTMENT:
                alert_escalate(
                    actor=supervisor,
                    alert=alert.pk,
                    text=(
                        "该办件已超过承诺办结时限，且未说明原因。\n"
                        "请立即组织办理，查明超期原因，并对相关责任人提出处理意见。"
                    ),
                    reply_by=timezone.localdate() + datetime.timedelta(days=10),
                )
                escalated = 1
                break
    return explained, escalated


def _feed_client() -> None:
    from oauth2_provider.models import Application

    from govhub.identity.oidc_models import OidcClientProfile
    from govhub.organizations.models import Department

    application = Application.objects.filter(client_id=FEED_CLIENT_ID).first()
    if application is None:
        application = Application(client_id=FEED_CLIENT_ID)
    application.name = FEED_CLIENT_NAME
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_CLIENT_CREDENTIALS
    application.algorithm = Application.NO_ALGORITHM
    application.skip_authorization = False
    application.client_secret = feed_secret()
    application.hash_client_secret = True
    application.redirect_uris = ""
    application.post_logout_redirect_uris = ""
    application.save()
    OidcClientProfile.objects.update_or_create(
        application=application,
        defaults={
            "department": Department.objects.filter(code="hg-gov-office").first(),
            "description": "演示用的省级电子监察系统：以客户端凭证方式拉取办件和监察预警。",
            "trusted": False,
            "full_id_number": False,
        },
    )
