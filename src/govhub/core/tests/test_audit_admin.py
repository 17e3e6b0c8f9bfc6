"""The audit trail is visible to administrators and cannot be changed through the admin."""

import pytest
from django.contrib.auth import get_user_model

from govhub.core.audit import audit_log
from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in_admin


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("auditor", password="x-Long-Enough-1")


@pytest.mark.django_db
def test_audit_records_are_listed_and_read_only(client, superuser):
    event = audit_log(actor=superuser, action="core.test.thing", changes={"a": 1})
    sign_in_admin(client, superuser)
    listing = client.get("/admin/core/auditevent/")
    assert listing.status_code == 200
    assert "core.test.thing" in listing.content.decode()
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    detail = client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    response = client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
