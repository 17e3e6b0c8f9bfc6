"""The rules in the Django admin: tuned with checked parameters (errors in Chinese),
never added or deleted; alerts read-only for supervisors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from govhub.organizations.models import Position
from govhub.organizations.tests.factories import grant
from govhub.supervision.models import Rule
from govhub.supervision.rules import registry, sync_rules
from govhub.supervision.tests.factories import AlertFactory

pytestmark = pytest.mark.django_db
Role = Position.Role


def test_sync_creates_every_registered_rule_once_with_its_defaults() -> None:
    Rule.objects.all().delete()
    assert sync_rules() == len(registry())
    assert sync_rules() == 0
    row = Rule.objects.get(code="deadline.case")
    assert row.params == {"yellow_share": 0.8, "yellow_days_before": 1} and row.enabled
    assert Rule.objects.get(code="process.second_supplement").severity == "yellow"
    assert set(registry()) == {
        "deadline.case",
        "deadline.step",
        "process.missing_material",
        "process.step_order",
        "process.decision_without_opinion",
        "process.refusal_without_reasons",
        "process.second_supplement",
        "process.offline_handling",
        "process.fee_mismatch",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"yellow_share": 1.5}, "参数“yellow_share”必须在 0.05 到 1.0 之间。"),
        ({"yellow_share": "高"}, "参数“yellow_share”必须是数字。"),
        ({"yellow_days_before": 1.5}, "参数“yellow_days_before”必须是整数。"),
        ({"yellow_days_before": True}, "参数“yellow_days_before”必须是整数。"),
        ({"colour": "red"}, "未知的参数：colour。"),
        ([1, 2], "参数必须是一个 JSON 对象。"),
    ],
)
def test_bad_parameters_are_refused_in_chinese(params: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        registry()["deadline.case"].clean_params(params)
    assert any(message in text for text in caught.value.messages), caught.value.messages


def test_list_parameter_is_checked() -> None:
    rule = registry()["process.offline_handling"]
    assert rule.clean_params({"paper_channels": ["post", "post", "window"]}) == {
        "paper_channels": ["post", "window"]
    }
    with pytest.raises(ValidationError) as caught:
        rule.clean_params({"paper_channels": ["fax"]})
    assert "不允许的值：fax" in caught.value.messages[0]


def test_partial_parameters_are_completed_with_the_defaults() -> None:
    assert registry()["deadline.step"].clean_params({"yellow_share": 0.5}) == {
        "yellow_share": 0.5,
        "yellow_days_before": 1,
    }


def test_admin_tunes_a_rule(admin_client: Any, admin_user: Any) -> None:
    grant(admin_user, Role.SYSTEM_ADMIN)
    sync_rules()
    row = Rule.objects.get(code="deadline.case")
    url = reverse("admin:supervision_rule_change", args=[row.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "办件时限预警" in page.content.decode()
    bad = admin_client.post(
        url, {"enabled": "on", "severity": "red", "params": '{"yellow_share": 2}'}
    )
    assert bad.status_code == 200
    assert "必须在 0.05 到 1.0 之间" in bad.content.decode()
    good = admin_client.post(
        url, {"enabled": "", "severity": "red", "params": '{"yellow_share": 0.7}'}
    )
    assert good.status_code == 302
    row.refresh_from_db()
    assert row.params == {"yellow_share": 0.7, "yellow_days_before": 1}
    assert not row.enabled and row.updated_by == admin_user
    assert admin_client.get(reverse("admin:supervision_rule_add")).status_code == 403


def test_alerts_are_read_only_and_for_supervisors(admin_client: Any, admin_user: Any) -> None:
    alert = AlertFactory()
    url = reverse("admin:supervision_alert_changelist")
    grant(admin_user, Role.SYSTEM_ADMIN)
    assert admin_client.get(url).status_code == 403
    grant(admin_user, Role.SUPERVISOR, department=alert.department, region=alert.region)
    page = admin_client.get(url)
    assert page.status_code == 200 and (alert.case.number or "") in page.content.decode()
    change = admin_client.post(reverse("admin:supervision_alert_change", args=[alert.pk]), {})
    assert change.status_code == 403
    alert.refresh_from_db()
    assert alert.state == "raised"
