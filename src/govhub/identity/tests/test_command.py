from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from govhub.core.models import AuditEvent
from govhub.identity.models import TotpDevice
from govhub.identity.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_totp_enrol_binds_and_prints():
    user = PersonFactory(is_superuser=True, is_staff=True)
    out = io.StringIO()
    call_command("totp_enrol", user.username, "--secret", "JBSWY3DPEHPK3PXPJBSWY3DP", stdout=out)
    assert TotpDevice.objects.get(user=user).secret == "JBSWY3DPEHPK3PXPJBSWY3DP"
    assert "otpauth://totp/" in out.getvalue()
    assert AuditEvent.objects.filter(action="identity.totp.enrol_command").exists()
    call_command("totp_enrol", user.username, "--no-qr", stdout=io.StringIO())
    assert TotpDevice.objects.get(user=user).secret != "JBSWY3DPEHPK3PXPJBSWY3DP"


def test_totp_enrol_errors():
    with pytest.raises(CommandError):
        call_command("totp_enrol", "nobody", stdout=io.StringIO())
    user = PersonFactory()
    with pytest.raises(CommandError):
        call_command("totp_enrol", user.username, "--secret", "bad!", stdout=io.StringIO())
