"""Demo accounts: loaded on top of the organisations and registries demo data."""

from __future__ import annotations

import pyotp
import pytest

from govhub.identity import demo
from govhub.identity.models import AgentAuthorization, Enterprise, TotpDevice, User
from govhub.organizations import demo as organizations_demo
from govhub.registries import demo as registries_demo
from govhub.registries.demo import DEMO_RESIDENTS_BY_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "govhub.identity.oidc.hashers.ClientSecretHasher",
    ]
    organizations_demo.load()
    registries_demo.load()
    return demo.load()


def test_demo_accounts(loaded):
    assert loaded == {"person_accounts": 6, "enterprises": 2, "agents": 1, "staff_totp_devices": 14}
    zhang = User.objects.get(username="demo-zhangwei")
    assert (
        zhang.full_name == "张伟"
        and zhang.id_number == DEMO_RESIDENTS_BY_KEY["zhang_wei"].id_number
    )
    assert zhang.assurance_ceiling == "L2"
    assert zhang.check_password(organizations_demo.demo_password())
    chen = User.objects.get(username="demo-chenjing")
    assert (
        chen.assurance_ceiling == "L3"
        and chen.in_person_verified_by.username == "demo-centre-clerk"
    )
    beishan = Enterprise.objects.get(legal_representative=zhang)
    agent = AgentAuthorization.objects.get(enterprise=beishan)
    assert agent.agent.username == "demo-lina" and agent.scopes == ["apply", "view"]
    assert not User.objects.filter(full_name="孙丽").exists()  # left for the registration demo


def test_every_demo_staff_account_has_the_documented_totp(loaded):
    staff = User.objects.filter(kind="staff", username__startswith="demo-")
    assert staff.count() == loaded["staff_totp_devices"]
    for device in TotpDevice.objects.filter(user__in=staff):
        assert device.secret == demo.DEMO_TOTP_SECRET
    assert pyotp.TOTP(demo.DEMO_TOTP_SECRET).now().isdigit()


def test_loading_twice_changes_nothing(loaded):
    counts = (User.objects.count(), Enterprise.objects.count(), AgentAuthorization.objects.count())
    sub = User.objects.get(username="demo-zhangwei").sub
    User.objects.filter(username="demo-chenjing").update(in_person_verified_at=None)
    assert demo.load() == loaded
    assert (
        User.objects.count(),
        Enterprise.objects.count(),
        AgentAuthorization.objects.count(),
    ) == counts
    assert User.objects.get(username="demo-zhangwei").sub == sub
    assert User.objects.get(username="demo-chenjing").assurance_ceiling == "L3"


def test_refuses_production(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        demo.load()
