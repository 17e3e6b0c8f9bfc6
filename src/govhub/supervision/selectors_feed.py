"""Reads of the provincial feed: one page of changes (`feed.read_changes`) and the cases or
alerts they belong to, each with its whole timeline, in a fixed number of queries.

The feed is for the province's supervision system, an authorised client of the whole
deployment (not a person): it sees every case that has a history (drafts have none) and
every alert. What it carries is what supervision needs; no ID numbers, no applicant's
name, no form data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from govhub.cases.models import Case, CaseEvent
from govhub.supervision.feed import ChangePage, owners_in_order, read_changes
from govhub.supervision.models import Alert, AlertEvent, SupervisionNotice


@dataclass(frozen=True)
class FeedPage:
    items: list[tuple[int, Any]]  # (seq, the case or alert)
    changes: ChangePage


def feed_cases(*, after: int, limit: int, wait: float | None = None) -> FeedPage:
    changes = read_changes(CaseEvent, key="case_id", after=after, limit=limit, wait=wait)
    order = owners_in_order(changes.changes)
    cases = (
        Case.objects.filter(pk__in=[pk for pk, _seq in order])
        .select_related("item", "department", "region")
        .defer("form_data", "prefill_sources", "applicant_id_number", "proxy_note")
        .prefetch_related(
            Prefetch("events", CaseEvent.objects.select_related("step").order_by("pk"))
        )
        .in_bulk()
        if order
        else {}
    )
    return FeedPage([(seq, cases[pk]) for pk, seq in order if pk in cases], changes)


def feed_alerts(*, after: int, limit: int, wait: float | None = None) -> FeedPage:
    changes = read_changes(AlertEvent, key="alert_id", after=after, limit=limit, wait=wait)
    order = owners_in_order(changes.changes)
    alerts = (
        Alert.objects.filter(pk__in=[pk for pk, _seq in order])
        .select_related("rule", "case", "step", "department", "region")
        .prefetch_related(
            Prefetch("events", AlertEvent.objects.order_by("pk")),
            Prefetch("notices", SupervisionNotice.objects.order_by("pk")),
        )
        .in_bulk()
        if order
        else {}
    )
    return FeedPage([(seq, alerts[pk]) for pk, seq in order if pk in alerts], changes)
