"""The case generator's fixed mix (states, channels, busy departments, staff names,
opinions) and what it reads once from the database (`Source`: items with their steps and
materials, residents, accounts, staff, the calendar), with text already escaped for the
database's bulk format. See `cases_generator` for what is generated and how it is
written."""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BATCH_SIZE = 5_000
FAST_LOAD_MIN = 50_000
PLACEHOLDER_FILE = "cases/generated/placeholder.pdf"
PLACEHOLDER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)
PLACEHOLDER_SHA256 = hashlib.sha256(PLACEHOLDER_PDF).hexdigest()

# The state mix (shares of all cases). Ended ≈ 89%, open ≈ 11%.
STATE_WEIGHTS = {
    "completed": 815,
    "not_accepted": 30,
    "withdrawn": 40,
    "terminated": 5,
    "submitted": 22,
    "supplement_before": 6,  # supplement requested before acceptance
    "supplement_review": 4,  # supplement requested during review (clock paused)
    "under_review": 48,
    "special_procedure": 4,
    "decided": 8,
    "issued": 10,
    "delivered": 8,  # posted, receipt not yet confirmed
}
CHANNEL_WEIGHTS = {
    "web": 42,
    "mobile": 22,
    "window": 26,
    "kiosk": 3,
    "service_point": 4,
    "post": 2,
    "hotline": 1,
}
STAFF_CHANNELS = frozenset({"window", "post", "hotline", "service_point"})
# Departments whose items get more cases (by the department code's ending).
BUSY = {"amr": 4, "hrss": 3, "civil-affairs": 2, "tax": 2, "gov": 1}
ENDED_DAYS = 730  # ended cases were submitted within this many days before today
STAFF_NAMES = [
    "王静",
    "李强",
    "张敏",
    "刘洋",
    "陈磊",
    "杨帆",
    "赵丽",
    "黄伟",
    "周婷",
    "吴刚",
    "徐亮",
    "孙娜",
    "马超",
    "朱红",
    "胡军",
    "郭燕",
]
OPINIONS_AGREE = ["材料齐全，符合法定条件，同意。", "经审查符合规定，拟同意。", "同意办理。"]
OPINIONS_DISAGREE = ["申请材料与实际情况不符，不同意。", "不符合法定条件，拟不予许可。"]
SUPPLEMENT_REASONS = [
    "复印件不清晰，请重新提供",
    "缺少签字或盖章",
    "与原件不一致，请核对后重新提交",
]
PROCEDURES = [
    ("inspection", "现场核查", "需对经营场所进行现场核查。"),
    ("expert_review", "专家评审", "涉及专业技术问题，需组织专家评审。"),
    ("hearing", "听证", "申请人依法申请听证。"),
]
REFUSAL_REASON = "经审查，申请不符合法定条件。"
NOT_ACCEPTED_REASON = "申请事项依法不属于本行政机关职权范围。"
NOT_ACCEPTED_NOTICE = "请向有关行政机关申请；对本决定不服的，可依法申请行政复议或者提起行政诉讼。"
WITHDRAW_REASON = "申请人主动撤回申请。"
TERMINATE_REASON = "申请人主体资格已终止，依法终止办理。"

# --- what the generator reads once ---------------------------------------------------------


@dataclass
class Step:
    position: int
    name: str
    kind: str
    role: str
    department_id: int
    limit: int | None
    limit_value: Any  # the column's value (null when there is no limit)
    limit_unit: str
    review_data: str  # the review event's JSON data


@dataclass
class Item:
    item_id: int
    version_id: int
    department_id: int
    region_id: int
    region_code: str
    title: str
    case_kind: str
    promised: tuple[int | None, str]
    legal: tuple[int | None, str]
    promised_db: Any
    legal_db: Any
    promised_span: int  # working days from today to a due date set today
    steps: list[Step]
    positions: int
    materials: list[tuple[int, str, str, str]]  # (id, name, catalogue source, file name)
    form_template: str  # JSON with placeholders
    remedy: str
    window_id: int | None
    service_points: list[int]


@dataclass
class Person:
    name: str
    id_cipher: str
    id_hash: str
    masked: str
    mobile: str
    account_id: Any  # null without an account


@dataclass
class Staff:
    by_role: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


class Calendar:
    """Working days around today from `core.calendar`, read once, then list arithmetic."""

    def __init__(self, today: datetime.date) -> None:
        from govhub.core import calendar

        self.first = today - datetime.timedelta(days=ENDED_DAYS + 120)
        self.last = today + datetime.timedelta(days=400)
        self.days: list[datetime.date] = []
        self.count: dict[datetime.date, int] = {}  # working days <= the date
        day = self.first
        while day <= self.last:
            if calendar.is_working_day(day):
                self.days.append(day)
            self.count[day] = len(self.days)
            day += datetime.timedelta(days=1)
        self._due: dict[tuple[Any, ...], datetime.date | None] = {}
        probe = today - datetime.timedelta(days=40)
        assert self.add(probe, 7) == calendar.add_working_days(probe, 7).date

    def add(self, day: datetime.date, n: int) -> datetime.date:
        """`n` (>= 0) working days after `day` (`core.calendar.add_working_days`)."""
        return day if n <= 0 else self.days[self.count[day] + n - 1]

    def is_working(self, day: datetime.date) -> bool:
        return self.count[day] > self.count.get(day - datetime.timedelta(days=1), 0)

    def between(self, start: datetime.date, end: datetime.date) -> int:
        return self.count[end] - self.count[start]

    def due(
        self, start: datetime.date, value: int | None, unit: str, excluded: int = 0
    ) -> datetime.date | None:
        """`cases.clock.due_date`, remembered."""
        key = (start, value, unit, excluded)
        if key not in self._due:
            from govhub.cases import clock

            self._due[key] = clock.due_date(
                start=start,
                limit_value=value,
                limit_unit=unit or clock.IMMEDIATE,
                excluded=excluded,
            )
        return self._due[key]


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def copy_escape(text: str) -> str:
    """Text for PostgreSQL's COPY text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def form_template(schema: dict[str, Any]) -> str:
    """The form data an applicant would have sent, with placeholders for who they are."""
    values: dict[str, Any] = {}
    for key, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type")
        lowered = key.lower()
        if spec.get("enum"):
            values[key] = spec["enum"][0]
        elif kind in ("number", "integer"):
            values[key] = max(1, spec.get("minimum", 1) or 1)
        elif kind == "boolean":
            values[key] = True
        elif kind == "array":
            values[key] = []
        elif spec.get("format") == "date":
            values[key] = "2020-01-01"
        elif "phone" in lowered or "mobile" in lowered:
            values[key] = "\x01MOBILE\x01"
        elif "uscc" in lowered:
            values[key] = "\x01USCC\x01"
        elif "enterprise" in lowered or "company_name" in lowered:
            values[key] = "\x01ENTERPRISE\x01"
        elif "id_number" in lowered:
            values[key] = "\x01MASKED\x01"
        elif "name" in lowered or "representative" in lowered:
            values[key] = "\x01NAME\x01"
        elif "address" in lowered:
            values[key] = "黑龙江省鹤岗市向阳区红军路1号"
        else:
            values[key] = spec.get("title", "")[:20] or "无"
    return json_text(values)


class Source:
    """Everything the cases refer to, read once (a few thousand rows), with text already
    escaped for the database's bulk format."""

    def __init__(
        self,
        rng: random.Random,
        *,
        today: datetime.date,
        null: Any,
        escape: Callable[[str], str],
    ) -> None:
        from django.db.models import Prefetch

        from govhub.cases.models import Case
        from govhub.cases.services_handling import _step_plan
        from govhub.catalog.models import ImplementationItem, Material
        from govhub.core.crypto import encrypt_text
        from govhub.core.masking import mask_id_number
        from govhub.identity.models import Enterprise, User
        from govhub.identity.services_accounts import id_number_hash
        from govhub.organizations.models import Position, ServicePoint, Window
        from govhub.registries.models import LegalEntity, Resident

        e = self.escape = escape
        calendar = Calendar(today)
        windows: dict[int, int] = {}
        for window in Window.objects.filter(is_active=True).prefetch_related("departments"):
            for department in window.departments.all():
                windows.setdefault(department.pk, window.pk)
        points: dict[str, list[int]] = {}
        for point_id, path in ServicePoint.objects.filter(is_active=True).values_list(
            "pk", "region__path"
        ):
            points.setdefault(path, []).append(point_id)

        self.items: list[Item] = []
        self.item_pool: list[Item] = []
        materials = Prefetch("published_version__materials", Material.objects.order_by("position"))
        queryset = (
            ImplementationItem.objects.filter(
                state=ImplementationItem.State.ACTIVE, published_version__isnull=False
            )
            .select_related("published_version", "department", "region")
            .prefetch_related(materials, "published_version__joint_departments")
            .order_by("pk")
        )
        for item in queryset:
            version = item.published_version
            assert version is not None
            probe = Case(case_kind=version.case_kind, department_id=item.department_id)
            steps: list[Step] = []
            position = 0
            for entry in _step_plan(probe, version):  # numbered as _create_steps does
                parallel = entry.pop("parallel", False)
                if not parallel or not steps or steps[-1].kind != entry["kind"]:
                    position += 1
                name = str(entry["name"])
                limit = entry.get("limit_value")
                steps.append(
                    Step(
                        position=position,
                        name=e(name),
                        kind=str(entry["kind"]),
                        role=str(entry["role"]),
                        department_id=int(entry["department_id"]),
                        limit=limit,
                        limit_value=null if limit is None else limit,
                        limit_unit=str(entry.get("limit_unit") or ""),
                        review_data=e(json_text({"outcome": "agree", "step_name": name})),
                    )
                )
            promised = (version.promised_limit_value, version.promised_limit_unit or "")
            if version.case_kind == "immediate" and not promised[1]:
                promised = (promised[0], "immediate")
            legal = (version.legal_limit_value, version.legal_limit_unit or "")
            due = calendar.due(today, *promised) or today
            remedy = "\n".join(t for t in (version.reconsideration, version.litigation) if t)
            info = Item(
                item_id=item.pk,
                version_id=version.pk,
                department_id=item.department_id,
                region_id=item.region_id,
                region_code=item.region.code,
                title=e(version.name[:300]),
                case_kind=version.case_kind or "",
                promised=promised,
                legal=legal,
                promised_db=null if promised[0] is None else promised[0],
                legal_db=null if legal[0] is None else legal[0],
                promised_span=max(0, calendar.between(today, due)),
                steps=steps,
                positions=position,
                materials=[
                    (
                        m.pk,
                        e(m.display_name[:200]),
                        m.source,
                        e(f"{m.display_name[:40]}.pdf"),
                    )
                    for m in version.materials.all()
                ][:4],
                form_template=e(form_template(version.form_schema or {})),
                remedy=e(remedy or NOT_ACCEPTED_NOTICE),
                window_id=windows.get(item.department_id),
                service_points=[
                    p
                    for path, ids in points.items()
                    if path.startswith(item.region.path)
                    for p in ids
                ],
            )
            self.items.append(info)
            code = item.department.code
            weight = next((w for suffix, w in BUSY.items() if code.endswith(suffix)), 1)
            self.item_pool.extend([info] * weight)
        if not self.items:
            raise RuntimeError("no published items: load the demo data first")

        self.people: list[Person] = []
        residents = Resident.objects.filter(status=Resident.Status.ACTIVE).order_by("pk")
        for n, (name, number) in enumerate(residents.values_list("name", "id_number")):
            self.people.append(
                Person(
                    name=e(name[:64]),
                    id_cipher=encrypt_text(number),
                    id_hash=id_number_hash(number),
                    masked=mask_id_number(number),
                    mobile=f"13{(n * 7919 + 100000000) % 1000000000:09d}",
                    account_id=null,
                )
            )
        self.accounts: list[Person] = [
            Person(
                name=e(user.full_name[:64]),
                id_cipher=encrypt_text(user.id_number),
                id_hash=user.id_number_hash or id_number_hash(user.id_number),
                masked=mask_id_number(user.id_number),
                mobile=user.mobile or "13900000000",
                account_id=user.pk,
            )
            for user in User.objects.filter(
                kind="person", real_name_verified_at__isnull=False, is_active=True
            ).order_by("pk")
            if user.id_number
        ]
        if not self.people and not self.accounts:
            raise RuntimeError("no demo residents or accounts: load the demo data first")
        enterprises = dict(Enterprise.objects.values_list("uscc", "pk"))
        self.entities: list[tuple[str, str, int | None]] = [
            (uscc, e(name[:128]), enterprises.get(uscc))
            for uscc, name in LegalEntity.objects.filter(status="active")
            .order_by("pk")
            .values_list("uscc", "name")
        ]

        self.staff: dict[int, Staff] = {}
        for user_id, name, role, department_id in (
            Position.objects.filter(is_active=True, staff__is_active=True)
            .values_list("staff__user_id", "staff__user__full_name", "role", "department_id")
            .order_by("pk")
        ):
            self.staff.setdefault(department_id, Staff()).by_role.setdefault(role, []).append(
                (user_id, e((name or STAFF_NAMES[user_id % len(STAFF_NAMES)])[:128]))
            )
        fallback = (
            User.objects.filter(kind="staff", is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if fallback is None:
            raise RuntimeError("no staff account: load the demo data first")
        self.fallback_staff: int = fallback
        self.not_accepted_notice = e(NOT_ACCEPTED_NOTICE)
        self.not_accepted_data = e(json_text({"legal_notice": NOT_ACCEPTED_NOTICE}))
        self.decision_data = {d: json_text({"decision": d}) for d in ("approved", "refused")}
        rng.shuffle(self.item_pool)
