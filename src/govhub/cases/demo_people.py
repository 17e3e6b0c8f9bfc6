"""The applicants of the demo cases (see `demo`): the named demo people and enterprises,
and the synthetic residents and enterprises of the registries demo, handed out in order."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from govhub.cases.demo_scenarios import CITY_DISTRICTS
from govhub.identity.models import Enterprise, User

# --- the applicants -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """Who applies, as the services and the form need them."""

    name: str
    id_number: str
    mobile: str
    address: str
    birth_date: datetime.date
    account: User | None = None  # a named person's account
    enterprise: Enterprise | None = None  # a named enterprise (online, acting for it)
    uscc: str = ""
    enterprise_name: str = ""
    registered_address: str = ""

    def known(self) -> dict[str, Any]:
        """Form values a clerk types from the ID card and the registries."""
        values: dict[str, Any] = {
            "applicant_name": self.name,
            "id_number": self.id_number,
            "phone": self.mobile,
            "address": self.address,
            "birth_date_elder": self.birth_date.isoformat(),
        }
        if self.uscc:
            values |= {
                "enterprise_name": self.enterprise_name,
                "uscc": self.uscc,
                "legal_representative": self.name,
                "contact_name": self.name,
                "address": self.registered_address,
            }
        return values


def _age(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class People:
    """Synthetic residents and enterprises of the registries demo, handed out in order
    (the registries demo generates them the same way every time)."""

    def __init__(self, today: datetime.date) -> None:
        from govhub.registries.demo import DEMO_ENTITIES, DEMO_RESIDENTS, all_entities
        from govhub.registries.demo import all_residents as residents_of_registry

        everyone = residents_of_registry()
        named = {person.id_number for person in DEMO_RESIDENTS}
        active = [p for p in everyone if p.status == "active" and p.id_number not in named]
        city = [p for p in active if p.region_code[:6] in CITY_DISTRICTS]

        def aged(people: Iterable[Any], low: int, high: int) -> list[Any]:
            return [p for p in people if low <= _age(p.birth_date, today) <= high]

        self.residents: dict[str, list[Any]] = {
            "adult": aged(city, 25, 55),
            "woman": [p for p in aged(city, 24, 38) if p.sex == "female"],
            "senior": aged(city, 60, 75),
            "elder": aged(city, 80, 120),
            "yongfeng": aged((p for p in active if p.region_code == "230421100201"), 60, 120),
        }
        self.deceased = [p for p in everyone if p.status == "deceased" and p.id_number not in named]
        named_entities = {entity.uscc for entity in DEMO_ENTITIES}
        entities = [
            e
            for e in all_entities(everyone)
            if e.status == "active"
            and e.uscc not in named_entities
            and e.region_code in CITY_DISTRICTS
        ]
        by_resident = {p.id_number: p for p in active}
        entities = [e for e in entities if e.legal_representative_id_number in by_resident]
        self.by_resident = by_resident

        def named_like(*words: str) -> list[Any]:
            return [e for e in entities if any(word in e.name for word in words)]

        self.entities: dict[str, list[Any]] = {
            "food": named_like("小吃店", "早餐店", "烧烤店", "餐饮管理"),
            "pharmacy": named_like("药店", "医药有限公司"),
            "machinery": named_like("机械制造有限公司", "煤炭有限公司", "物流有限公司"),
            "company": [e for e in entities if e.entity_type == "limited_company"],
        }
        self._used: set[str] = set()

    def _next(self, pool: list[Any], what: str) -> Any:
        for candidate in pool:
            marker = getattr(candidate, "uscc", "") or candidate.id_number
            if marker not in self._used:
                self._used.add(marker)
                return candidate
        raise ImproperlyConfigured(f"The registries demo has no more {what} for the demo cases.")

    def resident(self, pool: str) -> Any:
        return self._next(self.residents[pool], f"residents ({pool})")

    def entity(self, pool: str) -> Any:
        return self._next(self.entities[pool], f"enterprises ({pool})")

    def deceased_person(self) -> Any:
        return self._next(self.deceased, "deceased residents")
