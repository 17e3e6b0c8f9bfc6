"""Demo accounts: person accounts for the named demo residents of the population registry,
a demo enterprise with its legal representative and one agent, and a TOTP authenticator
for every demo staff account. Synthetic people only; see docs/identity.md.

Run after `organizations.demo.load()` (staff) and `registries.demo.load()` (residents,
enterprises). Idempotent: accounts are found by username, devices by account, the
enterprise by USCC; a second run puts edited demo rows back. Refuses production mode.

Passwords: `GOVHUB_DEMO_PASSWORD` (default "Hegang-demo-2026"), as for the staff.
Every demo staff account's authenticator uses the secret `DEMO_TOTP_SECRET`: add it to an
authenticator app, or compute the current code with
`python -c "import pyotp; print(pyotp.TOTP('HEGANGDEMOSTAFFTOTPSECRETKEYAAAA').now())"`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from govhub.core.audit import audit_log
from govhub.core.crypto import lookup_hash
from govhub.identity.models import AgentAuthorization, AgentScope, Enterprise, TotpDevice, User
from govhub.organizations.demo import demo_password

DEMO_TOTP_SECRET = "HEGANGDEMOSTAFFTOTPSECRETKEYAAAA"  # noqa: S105 - documented demo secret

# Named demo residents (govhub.registries.demo_data.DEMO_RESIDENTS) who get an account:
# key → (username, confirmed in person at a window).
DEMO_PERSONS: dict[str, tuple[str, bool]] = {
    "zhang_wei": ("demo-zhangwei", False),
    "li_na": ("demo-lina", False),
    "wang_fang": ("demo-wangfang", False),
    "liu_yang": ("demo-liuyang", False),
    "chen_jing": ("demo-chenjing", True),
    "zhao_lei": ("demo-zhaolei", False),
}
# (enterprise key in DEMO_ENTITIES, legal representative key, agents: [(key, scopes)]).
DEMO_ENTERPRISES: list[tuple[str, str, list[tuple[str, list[str]]]]] = [
    ("beishan_machinery", "zhang_wei", [("li_na", [AgentScope.APPLY, AgentScope.VIEW])]),
    ("yongfeng_rice", "zhao_lei", []),
]
# The window clerk who confirmed the L3 demo person.
IN_PERSON_CLERK = "demo-centre-clerk"


def _person(spec: Any, username: str, in_person: bool, password: str) -> User:
    now = timezone.now()
    id_hash = lookup_hash(spec.id_number, purpose="id_number")
    user = (
        User.objects.filter(username=username).first()
        or User.objects.filter(id_number_hash=id_hash).first()
    )
    if user is None:
        user = User(username=username)
    user.username = username
    user.kind = User.Kind.PERSON
    user.full_name = spec.name
    user.id_number = spec.id_number
    user.id_number_hash = id_hash
    user.mobile = spec.mobile
    user.mobile_verified_at = user.mobile_verified_at or now
    user.real_name_verified_at = user.real_name_verified_at or now
    user.is_active = True
    if in_person:
        user.in_person_verified_at = user.in_person_verified_at or now
        user.in_person_verified_by = User.objects.filter(username=IN_PERSON_CLERK).first()
    else:
        user.in_person_verified_at = None
        user.in_person_verified_by = None
    if not user.password or not user.check_password(password):
        user.set_password(password)
    user.save()
    return user


def _staff_devices() -> int:
    count = 0
    now = timezone.now()
    for user in User.objects.filter(kind=User.Kind.STAFF, username__startswith="demo-"):
        device = TotpDevice.objects.filter(user=user).first()
        if device is None:
            TotpDevice.objects.create(user=user, secret=DEMO_TOTP_SECRET, confirmed_at=now)
        elif device.secret != DEMO_TOTP_SECRET:
            device.secret = DEMO_TOTP_SECRET
            device.confirmed_at = now
            device.last_used_step = None
            device.save()
        count += 1
    return count


@transaction.atomic
def load() -> dict[str, int]:
    """Load or refresh the demo accounts; returns how many of each."""
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Demo data is never loaded in production mode (GOVHUB_ENV=production)."
        )
    from govhub.registries.demo import DEMO_ENTITIES_BY_KEY, DEMO_RESIDENTS_BY_KEY

    password = demo_password()
    persons = {
        key: _person(DEMO_RESIDENTS_BY_KEY[key], username, in_person, password)
        for key, (username, in_person) in DEMO_PERSONS.items()
    }
    agents = 0
    now = timezone.now()
    for entity_key, representative_key, agent_specs in DEMO_ENTERPRISES:
        entity = DEMO_ENTITIES_BY_KEY[entity_key]
        enterprise, _ = Enterprise.objects.update_or_create(
            uscc=entity.uscc,
            defaults={
                "name": entity.name,
                "legal_representative": persons[representative_key],
                "status": Enterprise.Status.ACTIVE,
            },
        )
        for agent_key, scopes in agent_specs:
            agent = persons[agent_key]
            current = (
                AgentAuthorization.objects.valid_at(now)
                .filter(enterprise=enterprise, agent=agent)
                .first()
            )
            if current is None:
                current = AgentAuthorization(enterprise=enterprise, agent=agent, valid_from=now)
            current.scopes = [str(scope) for scope in scopes]
            current.granted_by = persons[representative_key]
            current.expires_at = now + datetime.timedelta(days=365)
            current.revoked_at = None
            current.save()
            agents += 1
    counts = {
        "person_accounts": len(persons),
        "enterprises": len(DEMO_ENTERPRISES),
        "agents": agents,
        "staff_totp_devices": _staff_devices(),
    }
    audit_log(actor=None, action="identity.demo.load", actor_label="demo-loader", changes=counts)
    return counts
