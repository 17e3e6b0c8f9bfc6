"""The alert lifecycle: allowed and forbidden transitions, who may act, the history,
the audit trail, the department's inbox and the supervision notice."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.core.models import AuditEvent
from govhub.notifications.models import Delivery, Message
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory, RegionFactory, TownshipFactory
from govhub.supervision import services
from govhub.supervision.models import Alert, SupervisionNotice
from govhub.supervision.tests.factories import AlertFactory, department_staff, supervisor

pytestmark = pytest.mark.django_db
Role = Position.Role


@pytest.fixture
def alert() -> Alert:
    return AlertFactory()


def actions(alert: Alert) -> list[tuple[str, str, str]]:
    return list(alert.events.values_list("action", "from_state", "to_state"))


# --- notify -----------------------------------------------------------------------------------


def test_notify_tells_department_admins_and_the_case_holder(alert: Alert) -> None:
    admin = department_staff(alert.department, Role.DEPARTMENT_ADMIN)
    holder = department_staff(alert.department)
    alert.case.assignee = holder
    alert.case.save(update_fields=["assignee"])
    other_admin = department_staff(DepartmentFactory(), Role.DEPARTMENT_ADMIN)
    services.alert_notify(alert=alert)
    alert.refresh_from_db()
    assert alert.state == "notified" and alert.notified_at is not None
    recipients = set(Message.objects.values_list("recipient_id", flat=True))
    assert recipients == {admin.pk, holder.pk}
    assert other_admin.pk not in recipients
    message = Message.objects.get(recipient=admin)
    assert alert.case.number in message.subject and "红牌" in message.subject
    assert message.link == f"/workbench/cases/{alert.case.number}/"
    assert actions(alert) == [("notify", "raised", "notified")]
    assert AuditEvent.objects.filter(
        action="supervision.alert.notify", object_id=str(alert.pk)
    ).exists()


def test_notify_twice_is_a_conflict_and_sends_nothing_twice(alert: Alert) -> None:
    department_staff(alert.department, Role.DEPARTMENT_ADMIN)
    services.alert_notify(alert=alert)
    with pytest.raises(Conflict):
        services.alert_notify(alert=alert)
    assert Message.objects.count() == 1
    assert Delivery.objects.filter(event_key__startswith="supervision.alert:").count() == 1


def test_notify_raised_in_bulk_skips_the_others() -> None:
    first, second = AlertFactory(), AlertFactory(state="explained")
    assert services.alerts_notify_raised(limit=10) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("notified", "explained")


def test_only_a_supervisor_may_notify_by_hand(alert: Alert) -> None:
    with pytest.raises(Forbidden):
        services.alert_notify(actor=department_staff(alert.department), alert=alert)
    assert AuditEvent.objects.filter(action="supervision.alert.notify", outcome="denied").exists()
    services.alert_notify(actor=supervisor(alert.region), alert=alert)


# --- explain ----------------------------------------------------------------------------------


def test_department_staff_explain(alert: Alert) -> None:
    services.alert_notify(alert=alert)
    clerk = department_staff(alert.department, Role.WINDOW_CLERK)
    services.alert_explain(
        actor=clerk, alert=alert, explanation="  申请人补交材料延误，已加快办理。 "
    )
    alert.refresh_from_db()
    assert alert.state == "explained"
    assert (alert.explanation, alert.explained_by_id) == (
        "申请人补交材料延误，已加快办理。",
        clerk.pk,
    )
    assert actions(alert)[-1] == ("explain", "notified", "explained")
    assert alert.events.last().note == alert.explanation


@pytest.mark.parametrize("who", ["other_department", "supervisor", "nobody", "expired"])
def test_only_the_departments_staff_may_explain(alert: Alert, who: str) -> None:
    actor: Any
    if who == "other_department":
        actor = department_staff(DepartmentFactory())
    elif who == "supervisor":
        actor = supervisor(alert.region)
    elif who == "expired":
        actor = department_staff(
            alert.department, valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )
    else:
        actor = None
    with pytest.raises(Forbidden):
        services.alert_explain(actor=actor, alert=alert, explanation="说明")


def test_staff_of_a_smaller_region_may_not_explain_the_citys_alert(alert: Alert) -> None:
    township = TownshipFactory(parent=alert.region)
    local = department_staff(alert.department, region=township)
    with pytest.raises(Forbidden):
        services.alert_explain(actor=local, alert=alert, explanation="说明")


def test_explanation_is_required(alert: Alert) -> None:
    with pytest.raises(InvalidInput):
        services.alert_explain(
            actor=department_staff(alert.department), alert=alert, explanation=" "
        )


# --- close and escalate -----------------------------------------------------------------------


def test_supervisor_closes(alert: Alert) -> None:
    boss = supervisor(alert.region)
    services.alert_close(actor=boss, alert=alert, note="已核实，属实际情况。")
    alert.refresh_from_db()
    assert (alert.state, alert.closed_reason, alert.closed_by_id) == (
        "closed",
        "supervisor",
        boss.pk,
    )
    with pytest.raises(Conflict):
        services.alert_close(actor=boss, alert=alert)
    with pytest.raises(Conflict):
        services.alert_explain(
            actor=department_staff(alert.department), alert=alert, explanation="x"
        )


def test_a_supervisor_of_a_parent_region_may_act_but_not_of_another(alert: Alert) -> None:
    city = RegionFactory(level=2, code="990000")
    alert.region.parent = city
    alert.region.save()
    alert.refresh_from_db()
    with pytest.raises(Forbidden):
        services.alert_close(actor=supervisor(RegionFactory()), alert=alert)
    with pytest.raises(Forbidden):
        services.alert_close(actor=department_staff(alert.department), alert=alert)
    services.alert_close(actor=supervisor(city), alert=alert)


def test_escalate_issues_a_numbered_notice(alert: Alert) -> None:
    boss = supervisor(alert.region)
    services.alert_explain(actor=department_staff(alert.department), alert=alert, explanation="x")
    notice = services.alert_escalate(
        actor=boss,
        alert=alert,
        text="请于五个工作日内办结并说明超期原因。",
        reply_by=timezone.localdate(),
    )
    alert.refresh_from_db()
    assert alert.state == "escalated" and alert.escalated_at is not None
    year = timezone.localdate().year
    assert notice.number == f"{alert.region.code}-JC-{year}-000001"
    assert notice.issuer == f"{alert.region.name}电子监察"
    second = services.alert_escalate(actor=boss, alert=AlertFactory(region=alert.region), text="y")
    assert second.number.endswith("-000002")
    assert actions(alert)[-1] == ("escalate", "explained", "escalated")
    with pytest.raises(Conflict):
        services.alert_escalate(actor=boss, alert=alert, text="again")
    services.alert_close(actor=boss, alert=alert, note="整改完成")
    assert SupervisionNotice.objects.filter(alert=alert).count() == 1
    assert re.fullmatch(r"\d+-JC-\d{4}-\d{6}", notice.number)


def test_escalate_needs_text_and_a_sensible_reply_date(alert: Alert) -> None:
    boss = supervisor(alert.region)
    with pytest.raises(InvalidInput):
        services.alert_escalate(actor=boss, alert=alert, text="")
    with pytest.raises(InvalidInput):
        services.alert_escalate(
            actor=boss,
            alert=alert,
            text="x",
            reply_by=timezone.localdate() - datetime.timedelta(days=1),
        )
    with pytest.raises(Forbidden):
        services.alert_escalate(actor=department_staff(alert.department), alert=alert, text="x")
    assert not SupervisionNotice.objects.exists()


def test_transition_table_is_complete() -> None:
    assert services.TRANSITIONS["notify"][0] == {"raised"}
    assert "closed" not in services.TRANSITIONS["close"][0]
    assert services.TRANSITIONS["escalate"][1] == "escalated"
