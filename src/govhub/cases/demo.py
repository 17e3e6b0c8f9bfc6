"""Demo cases (办件) for `make run`: every queue, "my cases" and supervision have content.

About 40 cases are made **through the real services** (`cases.services`: submit, accept,
supplement, resubmit, review, special procedures, extension, decide, issue, deliver,
withdraw, refuse to accept, terminate), so that their histories, audit records, deadline
changes and materials are what the platform itself would have written. Their forms are
filled from prefill (online) or the registries (staff channels), completed by
`demo_forms.application_form` and checked with `schema_form.validate_submission` before
they are submitted; a form that does not validate stops the loader.

Ageing. The cases were handled over the past weeks: each step of a scenario happens N
working days before today (today itself when today is a working day, else the last
working day). The services read the day from `govhub.core.calendar.local_today`, which is
patched to that day while they run, so acceptance dates, due dates, step dates, pauses
and case numbers are those of that day. The timestamps the services stamp with the real
clock (`Case.created_at`/`submitted_at`/`decided_at`/`completed_at`, `CaseEvent`,
`DeadlineChange`, `SupplementRequest`, `CaseMaterial`, `CaseResult`, finished
`CaseStep`s) are then moved back to that day with a direct update: demo data only. Audit
records (`core.AuditEvent`) and registry look-ups keep the real time: they record what
the loader did, when. Some cases are overdue, some due today or tomorrow, relative to the
day of loading.

Who has what (accounts from `identity.demo`; password `Hegang-demo-2026`):

- demo-wangfang: 就业困难人员认定, submitted online today, awaiting acceptance; 异地就医医疗费用手工
  报销, a supplement requested by the 人社局 window (her action needed).
- demo-zhangwei: 职业技能培训补贴申领, completed, with the generated decision notice to download
  (electronic delivery); 食品安全违法行为举报奖励, under review (市场监管局); and, acting for
  鹤岗市北山煤炭机械有限公司, 特种设备使用登记 under review at the decision step.
- demo-chenjing: 失业保险金申领, taken in at comprehensive window 01 by demo-centre-clerk
  (walk-in) and accepted.
- demo-zhaolei: 城乡居民基本养老保险参保登记, filed door to door by demo-luobei-agent at the
  凤翔镇 service centre (with the authorisation on record), awaiting acceptance.
- demo-liuyang: 失业保险金申领, withdrawn by him.
- Synthetic residents and enterprises of the registries demo: the rest, walk-ins at the
  city hall's windows 04 (市场监管), 05 (人社) and 01 (综合, also 民政), callers of the
  12345 hotline (demo-hotline) and one filing by demo-village-agent, in every state.

Idempotent: each case is marked by its idempotency key `demo-<n>` (with the account that
filed it); a scenario whose case exists is skipped, so a second run creates nothing, and
cases changed by hand since are left as they are (delete them to start over). Runs in
one transaction. Refuses production mode. Needs the organisations, registries, identity
and catalogue demo data.

The scenario table is `demo_scenarios`, the applicants `demo_people`, and one scenario's
acts through the services, with the backdating, `demo_run`; this module chooses the
people, items and days, and loads.
"""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from govhub.cases.demo_people import Applicant, People
from govhub.cases.demo_run import CaseRun, backdate
from govhub.cases.demo_scenarios import CASES, CITY, KEY_PREFIX, TEAMS, DemoCase, submit
from govhub.cases.models import Case
from govhub.catalog.models import ImplementationItem
from govhub.core import calendar
from govhub.core.audit import audit_log
from govhub.core.requestid import request_cache_var
from govhub.identity.models import Enterprise, User

# `submit` and `DemoCase` are named here for scenarios written against this module (tests).
__all__ = ["CASES", "KEY_PREFIX", "DemoCase", "load", "submit"]


# --- the loader ------------------------------------------------------------------------------


class _Loader:
    def __init__(self) -> None:
        from govhub.identity.demo import DEMO_PERSONS
        from govhub.registries.demo import DEMO_ENTITIES_BY_KEY, DEMO_RESIDENTS_BY_KEY

        self.real_today = calendar.local_today()
        self.anchor = (
            self.real_today
            if calendar.is_working_day(self.real_today)
            else calendar.add_working_days(self.real_today, -1).date
        )
        self._days: dict[int, datetime.date] = {}
        self.named_residents = DEMO_RESIDENTS_BY_KEY
        self.named_entities = DEMO_ENTITIES_BY_KEY
        self.accounts = {key: username for key, (username, _) in DEMO_PERSONS.items()}
        wanted = {
            *self.accounts.values(),
            *(c.filer for c in CASES if c.filer),
            *(name for team in TEAMS.values() for name in (team.clerk, team.reviewer) if name),
            *(team.approver for team in TEAMS.values() if team.approver),
        }
        self.users = {u.username: u for u in User.objects.filter(username__in=sorted(wanted))}
        missing = sorted(wanted - set(self.users))
        if missing:
            raise ImproperlyConfigured(
                "Load the organisations and identity demo data first "
                f"(govhub.organizations.demo, govhub.identity.demo); missing: {', '.join(missing)}"
            )
        self.items = self._items()
        # Everyone is chosen up front and in order, so that a scenario gets the same people
        # whichever of the others already exist.
        self.people = People(self.real_today)
        self.applicants = {spec.key: self.applicant(spec) for spec in CASES}
        self.deceased = {
            spec.key: self.people.deceased_person()
            for spec in CASES
            if "deceased_id_number" in self._properties(spec)
        }

    # -- look-ups --

    def _items(self) -> dict[str, ImplementationItem]:
        names = {case.item for case in CASES}
        found = {
            f"{item.department.code}/{item.base_item.name}": item
            for item in ImplementationItem.objects.filter(
                region__code=CITY,
                state=ImplementationItem.State.ACTIVE,
                published_version__isnull=False,
                department__code__in=sorted({n.split("/", 1)[0] for n in names}),
            ).select_related("department", "region", "base_item", "published_version")
        }
        missing = sorted(names - set(found))
        if missing:
            raise ImproperlyConfigured(
                "Load the catalogue demo first (govhub.catalog.demo); missing items: "
                + ", ".join(missing)
            )
        return found

    def _properties(self, spec: DemoCase) -> dict[str, Any]:
        schema = self.items[spec.item].published_version.form_schema or {}  # type: ignore[union-attr]
        properties = schema.get("properties")
        return properties if isinstance(properties, dict) else {}

    def user(self, username: str) -> User:
        return self.users[username]

    def day(self, working_days_ago: int) -> datetime.date:
        if working_days_ago not in self._days:
            self._days[working_days_ago] = (
                self.anchor
                if working_days_ago == 0
                else calendar.add_working_days(self.anchor, -working_days_ago).date
            )
        return self._days[working_days_ago]

    def moment(self, key: int, day: datetime.date, slot: int) -> datetime.datetime:
        """A time during office hours on `day`, later for each step of the same day."""
        minutes = min(8 * 60 + 40 + (key * 37) % 150 + slot * 19, 16 * 60 + 50)
        start = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(
            minutes=minutes
        )
        return timezone.make_aware(start)

    def applicant(self, spec: DemoCase) -> Applicant:
        kind, key = spec.applicant.split(":", 1)
        mobile = f"1380000{100 + spec.key:04d}"
        if kind == "person":
            person = self.named_residents[key]
            account = self.user(self.accounts[key])
            return Applicant(
                person.name,
                person.id_number,
                person.mobile,
                person.household_address,
                person.birth_date,
                account=account,
            )
        if kind == "enterprise":
            entity = self.named_entities[key]
            enterprise = Enterprise.objects.filter(uscc=entity.uscc).first()
            if enterprise is None:
                raise ImproperlyConfigured(
                    f"Load the identity demo first (govhub.identity.demo): no {entity.name}."
                )
            person = self.named_residents[self._account_key(spec)]
            return Applicant(
                person.name,
                person.id_number,
                person.mobile,
                person.household_address,
                person.birth_date,
                account=self.user(self.accounts[self._account_key(spec)]),
                enterprise=enterprise,
                uscc=entity.uscc,
                enterprise_name=entity.name,
                registered_address=entity.registered_address,
            )
        if kind == "resident":
            person = self.people.resident(key)
            return Applicant(
                person.name, person.id_number, mobile, person.household_address, person.birth_date
            )
        entity = self.people.entity(key)
        person = self.people.by_resident[entity.legal_representative_id_number]
        return Applicant(
            person.name,
            person.id_number,
            mobile,
            person.household_address,
            person.birth_date,
            uscc=entity.uscc,
            enterprise_name=entity.name,
            registered_address=entity.registered_address,
        )

    # -- one case --

    def existing(self, spec: DemoCase) -> Case | None:
        filer = spec.filer or self.accounts[self._account_key(spec)]
        return Case.objects.filter(
            idempotency_key=f"{KEY_PREFIX}{spec.key}", submitted_by__username=filer
        ).first()

    def _account_key(self, spec: DemoCase) -> str:
        kind, key = spec.applicant.split(":", 1)
        if kind == "enterprise":
            representative = self.named_entities[key].legal_representative_id_number
            return next(k for k, p in self.named_residents.items() if p.id_number == representative)
        return key

    def run(self, spec: DemoCase) -> Case:
        days = [act.day for act in spec.acts]
        if spec.acts[0].action != "submit" or days != sorted(days, reverse=True):
            raise ImproperlyConfigured(
                f"Demo case {spec.key}: acts must start with submit, in order."
            )
        run = CaseRun(self, spec)
        previous: datetime.date | None = None
        slot = 0
        stamps: list[tuple[datetime.datetime, datetime.datetime | None]] = []
        for act in spec.acts:
            day = self.day(act.day)
            slot = slot + 1 if day == previous else 0
            previous = day
            if act.action == "issue":
                # The decision notice is generated now: it must see the decision's date.
                backdate(run.case_id, stamps)
            started = timezone.now()
            with mock.patch("govhub.core.calendar.local_today", return_value=day):
                run.perform(act)
            moved = self.moment(spec.key, day, slot) if day < self.real_today else None
            stamps.append((started, moved))
        backdate(run.case_id, stamps)
        return Case.objects.get(pk=run.case_id)


@transaction.atomic
def load() -> dict[str, int]:
    """Create the demo cases that do not exist yet; returns how many there are and how
    many this run created."""
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Demo data is never loaded in production mode (GOVHUB_ENV=production)."
        )
    # The loader acts like one long request: staff positions are read once per account
    # (`organizations.policies.valid_positions` remembers them in the request cache).
    token = request_cache_var.set({})
    try:
        loader = _Loader()
        created = 0
        for spec in CASES:
            if loader.existing(spec) is None:
                loader.run(spec)
                created += 1
    finally:
        request_cache_var.reset(token)
    counts = {"cases": len(CASES), "created": created}
    audit_log(actor=None, action="cases.demo.load", actor_label="demo-loader", changes=counts)
    return counts
