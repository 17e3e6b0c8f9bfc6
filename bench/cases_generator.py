"""Synthetic cases (办件) at volume, streamed into the database without holding them.

    from cases_generator import generate_cases
    result = generate_cases(1_000_000)          # bench/bench_cases.py, manage.py generate_cases

What it makes, for the published items of the demo catalogue (every department and region
that has them; market regulation and human resources get more than their share, as in a
real city):

- `Case` rows in a city's mix of states: about 90% ended (completed, not accepted,
  withdrawn, terminated) and about 10% open (submitted, supplement requested before or
  after acceptance, under review, special procedure, decided, issued, delivered by post).
  Ended cases were submitted over the last two years; open ones recently, with
  acceptance dates and promised due dates around today computed on the platform's
  working-day calendar (`cases.clock.due_date`), some of them overdue. Numbers are
  region-date-sequence like `service_support.next_case_number` makes them, and the
  `CaseNumberCounter` rows are moved on so that later submissions continue the sequence.
- The history (`CaseEvent`, 3–8 rows for most cases; a case just submitted has one or
  two, a joint review adds one per department), the review steps (`CaseStep`, from the
  item's configured steps via `services_handling._step_plan`) of every accepted case, the
  deadline record at acceptance (`DeadlineChange`, plus one per resumption or extension),
  supplement requests and special procedures where the state or history has them, and a
  couple of material rows per case (uploads point at one shared placeholder PDF; paper
  originals and government-held materials have no file).
- Applicants are the demo residents (registries) and the demo person accounts, and for
  enterprise cases the demo legal entities. Each resident's ID number is encrypted once
  (`core.crypto`) and the same ciphertext reused for all their cases: Fernet costs tens
  of microseconds, a million of them would dominate the load. Most applicants have no
  account here: their cases have no `applicant`/`submitted_by` and are found by
  `applicant_id_hash`, as cases entered at a window before someone registered are.
  Staff actions name the department's demo staff where it has them, otherwise only a
  label (`actor_label`).

How it writes: in batches (5,000 cases by default) with ids assigned here (max(id) + 1 of
each table when it starts), so that child rows refer to their parents without reading
anything back; only two batches are in memory at a time: a writer thread sends one (COPY
… FROM STDIN with psycopg 3 on PostgreSQL, `executemany` on SQLite) while the next is
being built. The whole load is one transaction: an interrupted load leaves nothing behind.
On PostgreSQL, a superuser load of at least `FAST_LOAD_MIN` cases also drops the tables'
secondary indexes for the load and builds them again at the end (DDL is transactional
too), and skips the foreign-key triggers for the transaction (`session_replication_role =
replica`): the rows are consistent by construction, and both make a million-case load
several times faster. Sequences are moved past the new ids at the end; PostgreSQL tables
are then vacuumed and analysed (`ANALYZE` on SQLite), since plans over a million fresh
rows need statistics.

Meant for a benchmark or test database that nobody else writes to while it runs.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
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


@dataclass
class GenerateResult:
    engine: str
    cases: int
    rows: dict[str, int]
    seconds: float  # making and writing the rows, rebuilding indexes; not the statistics
    finish_seconds: float  # VACUUM/ANALYZE afterwards
    fast_load: bool
    first_id: int
    build_seconds: float = 0.0  # of `seconds`: making the rows in Python
    wait_seconds: float = 0.0  # of `seconds`: the builder waiting for the writer thread
    write_seconds: float = 0.0  # the writer thread's time (COPY / executemany), overlapping
    index_seconds: float = 0.0  # of `seconds`: building the dropped indexes again

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


# --- what the generator reads once ---------------------------------------------------------


@dataclass
class _Step:
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
class _Item:
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
    steps: list[_Step]
    positions: int
    materials: list[tuple[int, str, str, str]]  # (id, name, catalogue source, file name)
    form_template: str  # JSON with placeholders
    remedy: str
    window_id: int | None
    service_points: list[int]


@dataclass
class _Person:
    name: str
    id_cipher: str
    id_hash: str
    masked: str
    mobile: str
    account_id: Any  # null without an account


@dataclass
class _Staff:
    by_role: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


class _Calendar:
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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _copy_escape(text: str) -> str:
    """Text for PostgreSQL's COPY text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def _form_template(schema: dict[str, Any]) -> str:
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
    return _json(values)


class _Source:
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
        calendar = _Calendar(today)
        windows: dict[int, int] = {}
        for window in Window.objects.filter(is_active=True).prefetch_related("departments"):
            for department in window.departments.all():
                windows.setdefault(department.pk, window.pk)
        points: dict[str, list[int]] = {}
        for point_id, path in ServicePoint.objects.filter(is_active=True).values_list(
            "pk", "region__path"
        ):
            points.setdefault(path, []).append(point_id)

        self.items: list[_Item] = []
        self.item_pool: list[_Item] = []
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
            steps: list[_Step] = []
            position = 0
            for entry in _step_plan(probe, version):  # numbered as _create_steps does
                parallel = entry.pop("parallel", False)
                if not parallel or not steps or steps[-1].kind != entry["kind"]:
                    position += 1
                name = str(entry["name"])
                limit = entry.get("limit_value")
                steps.append(
                    _Step(
                        position=position,
                        name=e(name),
                        kind=str(entry["kind"]),
                        role=str(entry["role"]),
                        department_id=int(entry["department_id"]),
                        limit=limit,
                        limit_value=null if limit is None else limit,
                        limit_unit=str(entry.get("limit_unit") or ""),
                        review_data=e(_json({"outcome": "agree", "step_name": name})),
                    )
                )
            promised = (version.promised_limit_value, version.promised_limit_unit or "")
            if version.case_kind == "immediate" and not promised[1]:
                promised = (promised[0], "immediate")
            legal = (version.legal_limit_value, version.legal_limit_unit or "")
            due = calendar.due(today, *promised) or today
            remedy = "\n".join(t for t in (version.reconsideration, version.litigation) if t)
            info = _Item(
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
                form_template=e(_form_template(version.form_schema or {})),
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

        self.people: list[_Person] = []
        residents = Resident.objects.filter(status=Resident.Status.ACTIVE).order_by("pk")
        for n, (name, number) in enumerate(residents.values_list("name", "id_number")):
            self.people.append(
                _Person(
                    name=e(name[:64]),
                    id_cipher=encrypt_text(number),
                    id_hash=id_number_hash(number),
                    masked=mask_id_number(number),
                    mobile=f"13{(n * 7919 + 100000000) % 1000000000:09d}",
                    account_id=null,
                )
            )
        self.accounts: list[_Person] = [
            _Person(
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

        self.staff: dict[int, _Staff] = {}
        for user_id, name, role, department_id in (
            Position.objects.filter(is_active=True, staff__is_active=True)
            .values_list("staff__user_id", "staff__user__full_name", "role", "department_id")
            .order_by("pk")
        ):
            self.staff.setdefault(department_id, _Staff()).by_role.setdefault(role, []).append(
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
        self.not_accepted_data = e(_json({"legal_notice": NOT_ACCEPTED_NOTICE}))
        self.decision_data = {d: _json({"decision": d}) for d in ("approved", "refused")}
        rng.shuffle(self.item_pool)


# --- the rows ----------------------------------------------------------------------------

# Column order of each table's rows below. Columns a model has beyond these (added later)
# are filled with their field default; a new NOT NULL column without one stops the load.
COLUMNS: dict[str, tuple[str, ...]] = {
    "Case": (
        "id", "number", "item_id", "version_id", "department_id", "region_id", "state",
        "channel", "title", "applicant_kind", "applicant_id", "applicant_name",
        "applicant_id_number", "applicant_id_hash", "applicant_mobile", "enterprise_id",
        "enterprise_uscc", "enterprise_name", "submitted_by_id", "window_id",
        "service_point_id", "door_to_door", "proxy_note", "form_data", "prefill_sources",
        "case_kind", "promised_limit_value", "promised_limit_unit", "legal_limit_value",
        "legal_limit_unit", "accepted_on", "promised_due", "legal_due", "paused_since",
        "paused_days", "extension_days", "current_step_id", "waiting_role", "assignee_id",
        "decision",
        "decision_reason", "remedy", "outcome_reason", "delivery_method", "delivery_address",
        "tracking_number", "revision", "created_at", "submitted_at", "decided_at",
        "completed_at", "updated_at",
    ),
    "CaseStep": (
        "id", "case_id", "position", "name", "kind", "role", "department_id", "limit_value",
        "limit_unit", "assignee_id", "started_on", "due_on", "finished_at", "outcome",
        "opinion", "acted_by_id",
    ),
    "CaseEvent": (
        "id", "case_id", "action", "from_state", "to_state", "actor_id", "actor_label", "role",
        "channel", "on_behalf_of", "step_id", "opinion", "data", "occurred_at",
    ),
    "DeadlineChange": (
        "id", "case_id", "reason", "note", "promised_due_before", "promised_due",
        "legal_due_before", "legal_due", "excluded_days", "occurred_at",
    ),
    "CaseMaterial": (
        "id", "case_id", "material_id", "name", "source", "file", "original_name",
        "content_type", "size", "sha256", "source_reference", "supplement_round",
        "is_current", "uploaded_by_id", "uploaded_at",
    ),
    "SupplementRequest": (
        "id", "case_id", "items", "note", "requested_by_id", "requested_at", "resolved_at",
        "is_repeat",
    ),
    "SpecialProcedure": (
        "id", "case_id", "kind", "name", "reason", "limit_value", "limit_unit", "started_on",
        "due_on", "ended_on", "result", "started_by_id",
    ),
}  # fmt: skip
TABLE_ORDER = tuple(COLUMNS)
UTC = datetime.UTC
LOCAL = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai has no DST
ENDED = frozenset({"completed", "not_accepted", "withdrawn", "terminated"})


class _Builder:
    """Makes the rows of one case after another; ids count up from the tables' maxima.

    Built for speed (a million cases): moments are integer minutes from local midnight of
    the calendar's first day, turned into text through two look-up tables; random numbers
    come from `random()` scaled; rows are tuples in `COLUMNS` order with `null` for NULL
    (the text `\\N` for PostgreSQL's COPY, None for SQLite)."""

    def __init__(
        self,
        source: _Source,
        rng: random.Random,
        today: datetime.date,
        now: datetime.datetime,
        next_ids: dict[str, int],
        counters: dict[tuple[str, datetime.date], int],
        *,
        null: Any,
    ) -> None:
        self.s = source
        self.r = rng.random
        self.N = null
        self.today = today
        self.ids = next_ids
        self.counters = counters
        self.cal = cal = _Calendar(today)
        days = (cal.last - cal.first).days + 2
        self.day_no = {cal.first + datetime.timedelta(days=i): i for i in range(days)}
        self.local_day = [cal.first + datetime.timedelta(days=i) for i in range(days)]
        self.utc_day_text = [
            (cal.first + datetime.timedelta(days=i - 1)).isoformat() for i in range(days + 1)
        ]
        self.minute_text = [f" {m // 60:02d}:{m % 60:02d}:00" for m in range(1440)]
        local_now = now.astimezone(LOCAL)
        self.now_m = self.day_no[local_now.date()] * 1440 + local_now.hour * 60 + local_now.minute
        self.state_pool = [s for s, w in STATE_WEIGHTS.items() for _ in range(w)]
        self.channel_pool = [c for c, w in CHANNEL_WEIGHTS.items() for _ in range(w)]
        recent = today - datetime.timedelta(days=40)
        self.recent_days = [d for d in cal.days if recent <= d <= today]
        first = today - datetime.timedelta(days=ENDED_DAYS)
        self.ended_days = [d for d in self.local_day if first <= d <= today]
        self.compact = {d: d.isoformat().replace("-", "") for d in self.local_day}
        self.today_count = cal.count[today]
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLE_ORDER}
        self.events = self.rows["CaseEvent"]
        self.case_id = 0
        self.last = 0  # the latest moment of the current case's history
        self.staff_empty = _Staff()

    # small helpers ----------------------------------------------------------------------

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _text(self, moment: int) -> str:
        # What Django stores: UTC without an offset (the connection's time zone is UTC).
        utc = moment - 480
        return self.utc_day_text[utc // 1440 + 1] + self.minute_text[utc % 1440]

    def _when(self, day: datetime.date, online: bool = False) -> int:
        """A moment on `day`: office hours for staff, 7:00–23:00 for online applicants;
        never later than a few minutes ago."""
        r = self.r()
        moment = self.day_no[day] * 1440 + (420 + int(r * 960) if online else 510 + int(r * 540))
        cap = self.now_m - 1 - int(r * 30)
        return moment if moment < cap else cap

    def _pick(self, staff: _Staff, *roles: str) -> tuple[Any, str]:
        for role in roles:
            people = staff.by_role.get(role)
            if people:
                return people[int(self.r() * len(people))]
        return self.N, STAFF_NAMES[int(self.r() * len(STAFF_NAMES))]

    def _event(
        self,
        action: str,
        from_state: str,
        to_state: str,
        moment: int,
        actor: tuple[Any, str],
        role: str,
        channel: str = "",
        step: Any = None,
        opinion: str = "",
        data: str = "{}",
        behalf: str = "",
    ) -> None:
        if moment < self.last:
            moment = self.last
        self.last = moment
        self.events.append(
            (
                self._id("CaseEvent"), self.case_id, action, from_state, to_state, actor[0],
                actor[1], role, channel, behalf, self.N if step is None else step, opinion,
                data, self._text(moment),
            )
        )  # fmt: skip

    def _number(self, region_code: str, day: datetime.date) -> str:
        key = (region_code, day)
        last = self.counters.get(key, 0) + 1
        self.counters[key] = last
        return f"{region_code}-{self.compact[day]}-{last:06d}"

    def _supplement(
        self,
        item: _Item,
        staff: _Staff,
        day: datetime.date,
        state: str,
        resolved: datetime.date | None,
        applicant: tuple[Any, str],
        channel: str,
        online: bool,
    ) -> str:
        """A supplement request (and the resubmission when `resolved`); the state after."""
        who = self._pick(staff, "window_clerk", "reviewer")
        material = item.materials[0] if item.materials else (None, "申请表", "", True)
        reason = SUPPLEMENT_REASONS[int(self.r() * len(SUPPLEMENT_REASONS))]
        items = [{"material_id": material[0], "name": material[1], "reason": reason}]
        supplement_id = self._id("SupplementRequest")
        asked = self._when(day)
        self.rows["SupplementRequest"].append(
            (
                supplement_id, self.case_id, self.s.escape(_json(items)), "",
                self.s.fallback_staff if who[0] is self.N else who[0], self._text(asked),
                self._text(self._when(resolved, online)) if resolved else self.N, 0,
            )
        )  # fmt: skip
        data = _json({"supplement": supplement_id, "items": items, "repeat": False})
        self._event(
            "request_supplement",
            state,
            "supplement_requested",
            asked,
            who,
            "staff",
            data=self.s.escape(data),
        )
        if resolved is None:
            return "supplement_requested"
        self._event(
            "resubmit",
            "supplement_requested",
            state,
            self._when(resolved, online),
            applicant,
            "applicant",
            channel,
        )
        return state

    # one case ---------------------------------------------------------------------------

    def case(self) -> None:  # one case's whole story, in order
        r = self.r
        N = self.N  # noqa: N806
        s = self.s
        cal = self.cal
        today = self.today
        state = self.state_pool[int(r() * len(self.state_pool))]
        item = s.item_pool[int(r() * len(s.item_pool))]
        channel = self.channel_pool[int(r() * len(self.channel_pool))]
        staff = s.staff.get(item.department_id, self.staff_empty)
        self.case_id = case_id = self._id("Case")
        online = channel not in STAFF_CHANNELS

        # Who applies, and through whom.
        if s.accounts and (not s.people or r() < 0.01):
            person = s.accounts[int(r() * len(s.accounts))]
        else:
            person = s.people[int(r() * len(s.people))]
        enterprise = s.entities[int(r() * len(s.entities))] if s.entities and r() < 0.3 else None
        applicant = (person.account_id, person.name)
        submitted_by = person.account_id if online else N
        window_id = service_point_id = N
        door = 0
        proxy = behalf = ""
        if channel in ("window", "post"):
            submitted_by = self._pick(staff, "window_clerk")[0]
            window_id = N if item.window_id is None else item.window_id
        elif channel == "service_point":
            if item.service_points:
                service_point_id = item.service_points[int(r() * len(item.service_points))]
                proxy = "授权委托书"
                door = 1 if r() < 0.3 else 0
            else:
                channel = "window"
        if enterprise is not None:
            behalf = f"enterprise:{enterprise[0]}"
        elif not online:
            behalf = f"person:{person.masked}"
        form = (
            item.form_template.replace("\x01NAME\x01", person.name)
            .replace("\x01MOBILE\x01", person.mobile)
            .replace("\x01MASKED\x01", person.masked)
            .replace("\x01USCC\x01", enterprise[0] if enterprise else "")
            .replace("\x01ENTERPRISE\x01", enterprise[1] if enterprise else "")
        )

        # When it was submitted: ended cases over the last two years; open ones recently,
        # accepted so that the promised due date falls around today (about one in eight
        # already past it).
        promised_value, promised_unit = item.promised
        legal_value, legal_unit = item.legal
        accepted_on: datetime.date | None = None
        recent = self.recent_days
        if state in ENDED:
            submitted_day = self.ended_days[int(r() * (ENDED_DAYS - 45))]
        elif state == "submitted" or state == "supplement_before":
            back = int(r() * 6) if state == "submitted" else 2 + int(r() * 15)
            submitted_day = recent[len(recent) - 1 - back]
        else:
            ahead = item.promised_span
            if state in ("decided", "issued", "delivered"):
                back = int(r() * (max(ahead, 1) + 3)) + (
                    0 if state == "decided" else 1 if state == "issued" else 3
                )
            elif r() < 0.12:
                back = ahead + 1 + int(r() * 8)
            else:
                back = int(r() * (ahead + 1))
            accepted_on = recent[max(0, len(recent) - 1 - back)]
            submitted_day = cal.days[cal.count[accepted_on] - 1 - int(r() * 3)]
        submitted = self._when(submitted_day, online)
        self.last = submitted
        number = self._number(item.region_code, submitted_day)
        first_event = len(self.events)
        self._event(
            "submit",
            "draft",
            "submitted",
            submitted,
            applicant if online else self._pick(staff, "window_clerk"),
            "applicant" if online else "staff",
            channel,
            behalf=behalf,
            data='{"door_to_door": true}' if door else "{}",
        )
        # A couple of materials, as the applicant (or the window) provided them.
        materials = self.rows["CaseMaterial"]
        submitted_text = self._text(submitted)
        for material_id, name, source, upload_name in item.materials[: 1 + int(r() * 3)]:
            if source == "government":
                row = (material_id, name, "government", "", "", "", 0, "", "registries")
            elif online:
                row = (
                    material_id, name, "upload", PLACEHOLDER_FILE, upload_name,
                    "application/pdf", 40_000 + int(r() * 400_000), PLACEHOLDER_SHA256, "",
                )  # fmt: skip
            else:
                row = (material_id, name, "paper", "", "", "", 0, "", "")
            materials.append(
                (self._id("CaseMaterial"), case_id, *row, 0, 1, submitted_by, submitted_text)
            )

        state_now = "submitted"
        assignee = current_step = N
        waiting_role = ""
        decided_at = completed_at = None
        decision = decision_reason = remedy = outcome_reason = ""
        delivery_method = delivery_address = tracking = ""
        paused_since: Any = N
        promised_due: Any = N
        legal_due: Any = N

        if state == "supplement_before":
            state_now = self._supplement(
                item,
                staff,
                cal.add(submitted_day, 1),
                "submitted",
                None,
                applicant,
                channel,
                online,
            )
        elif state == "submitted":
            if r() < 0.3:
                who = self._pick(staff, "window_clerk", "reviewer")
                assignee = who[0]
                self._event(
                    "claim", "submitted", "submitted", self._when(submitted_day), who, "staff"
                )
        elif state == "not_accepted" or (state == "withdrawn" and r() < 0.4):
            # Ended at intake: refused, or withdrawn before acceptance.
            day = cal.add(submitted_day, int(r() * 3))
            who = self._pick(staff, "window_clerk", "reviewer")
            if r() < 0.5:
                self._event("claim", "submitted", "submitted", self._when(day), who, "staff")
            if state == "not_accepted":
                state_now = "not_accepted"
                outcome_reason, remedy = NOT_ACCEPTED_REASON, s.not_accepted_notice
                completed_at = self._when(day)
                self._event(
                    "reject_intake",
                    "submitted",
                    state_now,
                    completed_at,
                    who,
                    "staff",
                    opinion=NOT_ACCEPTED_REASON,
                    data=s.not_accepted_data,
                )
            else:
                state_now = "withdrawn"
                outcome_reason = WITHDRAW_REASON
                completed_at = self._when(cal.add(day, 1 + int(r() * 3)), True)
                self._event(
                    "withdraw",
                    "submitted",
                    state_now,
                    completed_at,
                    applicant,
                    "applicant",
                    channel,
                    opinion=WITHDRAW_REASON,
                )
        else:
            # Accepted (ended cases sometimes after a supplement).
            if accepted_on is None:
                if r() < 0.08:
                    asked = cal.add(submitted_day, 1)
                    resolved = cal.add(asked, 1 + int(r() * 5))
                    self._supplement(
                        item, staff, asked, "submitted", resolved, applicant, channel, online
                    )
                    accepted_on = cal.add(resolved, 1 + int(r() * 3))
                elif not online and cal.is_working(submitted_day):
                    accepted_on = submitted_day
                else:
                    accepted_on = cal.add(submitted_day, 1 + int(r() * 2))
            promised_due = cal.due(accepted_on, promised_value, promised_unit) or N
            legal_due = cal.due(accepted_on, legal_value, legal_unit) or N
            accepted = self._when(accepted_on)
            state_now = "under_review"
            self._event(
                "accept",
                "submitted",
                state_now,
                accepted,
                self._pick(staff, "window_clerk", "reviewer"),
                "staff",
                data=f'{{"promised_due": "{promised_due if promised_due is not N else ""}", '
                f'"legal_due": "{legal_due if legal_due is not N else ""}"}}',
            )
            self.rows["DeadlineChange"].append(
                (
                    self._id("DeadlineChange"), case_id, "accepted", "", N, promised_due, N,
                    legal_due, 0, self._text(accepted),
                )
            )  # fmt: skip

            # The review: position k of n finishes span·k/n working days after acceptance.
            # Open cases have finished the positions whose time has come.
            positions = item.positions
            available = cal.between(accepted_on, promised_due) if promised_due is not N else 0
            if state in ENDED and r() < 0.03:
                span = available + 1 + int(r() * 5)  # decided late
            else:
                span = int(r() * (available + 1))
            if state == "withdrawn" or state == "terminated":
                reach = int(r() * positions)
            elif state in ("under_review", "supplement_review", "special_procedure"):
                elapsed = cal.between(accepted_on, today)
                if elapsed > span:  # behind its own plan: held up at some step
                    reach = int(r() * positions)
                else:
                    reach = min(elapsed * positions // (span or 1), positions - 1)
            else:
                reach = positions
            steps = self.rows["CaseStep"]
            finish_day = accepted_on
            for step in item.steps:
                step_id = self._id("CaseStep")
                position = step.position
                start_day = cal.add(accepted_on, span * (position - 1) // positions)
                if position <= reach:
                    finish_day = cal.add(accepted_on, span * position // positions)
                    if finish_day > today:
                        finish_day = today
                    actor = self._pick(staff, step.role)
                    finished = self._when(finish_day)
                    if step.kind == "decision":
                        refused = r() < 0.04
                        decision = "refused" if refused else "approved"
                        decision_reason = (
                            REFUSAL_REASON
                            if refused
                            else OPINIONS_AGREE[int(r() * len(OPINIONS_AGREE))]
                        )
                        remedy = item.remedy if refused else ""
                        outcome = "disagree" if refused else "agree"
                        opinion = decision_reason
                    else:
                        outcome = "agree"
                        opinion = OPINIONS_AGREE[int(r() * len(OPINIONS_AGREE))]
                    steps.append(
                        (
                            step_id, case_id, position, step.name, step.kind, step.role,
                            step.department_id, step.limit_value, step.limit_unit, N, start_day,
                            cal.due(start_day, step.limit, step.limit_unit) or N,
                            self._text(finished), outcome, opinion, actor[0],
                        )
                    )  # fmt: skip
                    if step.kind == "decision":
                        decided_at = finished
                        state_now = "decided"
                        self._event(
                            "decide",
                            "under_review",
                            "decided",
                            finished,
                            actor,
                            step.role,
                            step=step_id,
                            opinion=opinion,
                            data=s.decision_data[decision],
                        )
                    else:
                        self._event(
                            "review",
                            "under_review",
                            "under_review",
                            finished,
                            actor,
                            step.role,
                            step=step_id,
                            opinion=opinion,
                            data=step.review_data,
                        )
                elif position == reach + 1:
                    holder: Any = N
                    if r() < 0.4:
                        who = self._pick(staff, step.role)
                        if who[0] is not N:
                            holder = who[0]
                            self._event(
                                "claim",
                                "under_review",
                                "under_review",
                                self._when(start_day),
                                who,
                                "staff",
                                step=step_id,
                            )
                    if current_step is N:
                        current_step, assignee = step_id, holder
                        if step.department_id == item.department_id:
                            waiting_role = step.role
                    steps.append(
                        (
                            step_id, case_id, position, step.name, step.kind, step.role,
                            step.department_id, step.limit_value, step.limit_unit, holder,
                            start_day, cal.due(start_day, step.limit, step.limit_unit) or N, N,
                            "", "", N,
                        )
                    )  # fmt: skip
                else:
                    steps.append(
                        (
                            step_id, case_id, position, step.name, step.kind, step.role,
                            step.department_id, step.limit_value, step.limit_unit, N, N, N, N,
                            "", "", N,
                        )
                    )  # fmt: skip

            if state == "supplement_review":
                asked_on = max(accepted_on, cal.days[self.today_count - 1 - int(r() * 6)])
                state_now = self._supplement(
                    item, staff, asked_on, "under_review", None, applicant, channel, online
                )
                paused_since = asked_on
            elif state == "special_procedure":
                kind, name, reason = PROCEDURES[int(r() * len(PROCEDURES))]
                started = max(accepted_on, cal.days[self.today_count - 1 - int(r() * 6)])
                who = self._pick(staff, "reviewer", "approver")
                procedure_id = self._id("SpecialProcedure")
                self.rows["SpecialProcedure"].append(
                    (
                        procedure_id, case_id, kind, name, reason, 10, "working_days", started,
                        cal.due(started, 10, "working_days"), N, "",
                        s.fallback_staff if who[0] is N else who[0],
                    )
                )  # fmt: skip
                state_now = "special_procedure"
                paused_since = started
                self._event(
                    "start_special",
                    "under_review",
                    state_now,
                    self._when(started),
                    who,
                    "staff",
                    opinion=reason,
                    data=_json({"procedure": procedure_id, "kind": kind, "name": name}),
                )
            elif state == "withdrawn" or state == "terminated":
                current_step = assignee = N
                waiting_role = ""
                state_now = state
                if state == "withdrawn":
                    outcome_reason = WITHDRAW_REASON
                    completed_at = self._when(finish_day, True)
                    self._event(
                        "withdraw",
                        "under_review",
                        state,
                        completed_at,
                        applicant,
                        "applicant",
                        channel,
                        opinion=WITHDRAW_REASON,
                    )
                else:
                    outcome_reason = TERMINATE_REASON
                    completed_at = self._when(finish_day)
                    self._event(
                        "terminate",
                        "under_review",
                        state,
                        completed_at,
                        self._pick(staff, "approver"),
                        "approver",
                        opinion=TERMINATE_REASON,
                    )
            elif decided_at is not None and state != "decided":
                # Issued, then delivered (posted results wait for the receipt), completed.
                issue_day = cal.add(self.local_day[decided_at // 1440], int(r() * 2))
                if issue_day > today:
                    issue_day = today
                who = self._pick(staff, "window_clerk", "reviewer", "approver")
                state_now = "issued"
                self._event("issue", "decided", "issued", self._when(issue_day), who, "staff")
                if state != "issued":
                    if state == "delivered":
                        delivery_method = "post"
                    else:
                        delivery_method = ("electronic", "window", "post")[int(r() * 3)]
                    deliver_day = cal.add(issue_day, int(r() * 3))
                    if deliver_day > today:
                        deliver_day = today
                    if delivery_method == "post":
                        tracking = f"SF{int(r() * 10**12):012d}"
                        delivery_address = "黑龙江省鹤岗市"
                    state_now = "delivered"
                    self._event(
                        "deliver",
                        "issued",
                        "delivered",
                        self._when(deliver_day),
                        who,
                        "staff",
                        data=f'{{"method": "{delivery_method}", "tracking_number": "{tracking}"}}',
                    )
                    if state == "completed":
                        done_day = deliver_day
                        if delivery_method == "post":
                            done_day = min(cal.add(deliver_day, 2 + int(r() * 3)), today)
                        completed_at = self._when(done_day)
                        state_now = "completed"
                        self._event(
                            "complete", "delivered", "completed", completed_at, who, "staff"
                        )
            if decided_at is not None:
                current_step = assignee = N
                waiting_role = ""

        self.rows["Case"].append(
            (
                case_id, number, item.item_id, item.version_id, item.department_id,
                item.region_id, state_now, channel, item.title,
                "enterprise" if enterprise else "person",
                N if person.account_id is None else person.account_id, person.name,
                person.id_cipher, person.id_hash, person.mobile,
                N if enterprise is None or enterprise[2] is None else enterprise[2],
                enterprise[0] if enterprise else "", enterprise[1] if enterprise else "",
                submitted_by, window_id, service_point_id, door, proxy, form, "{}",
                item.case_kind, item.promised_db, promised_unit, item.legal_db, legal_unit,
                N if accepted_on is None else accepted_on, promised_due, legal_due, paused_since,
                0, 0, current_step, waiting_role, assignee, decision, decision_reason, remedy,
                outcome_reason,
                delivery_method, delivery_address, tracking, len(self.events) - first_event,
                self._text(submitted - 5), submitted_text,
                N if decided_at is None else self._text(decided_at),
                N if completed_at is None else self._text(completed_at), self._text(self.last),
            )
        )  # fmt: skip

    def take(self) -> dict[str, list[tuple[Any, ...]]]:
        rows, self.rows = self.rows, {name: [] for name in TABLE_ORDER}
        self.events = self.rows["CaseEvent"]
        return rows


# --- writing -------------------------------------------------------------------------------


def _models() -> dict[str, Any]:
    from django.apps import apps

    return {name: apps.get_model("cases", name) for name in TABLE_ORDER}


def _extra_columns(model: Any, columns: tuple[str, ...], connection: Any) -> list[tuple[str, Any]]:
    """Columns of `model` the generator does not know, with the value every row gets."""
    from django.db.models import JSONField

    extra = []
    for f in model._meta.concrete_fields:
        if f.column in columns:
            continue
        if f.has_default() and isinstance(f, JSONField):
            value = json.dumps(f.get_default())
        elif f.has_default():
            value = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            value = None
        else:
            raise RuntimeError(
                f"{model._meta.db_table}.{f.column} is NOT NULL without a default: "
                "teach bench/cases_generator.py what to put there"
            )
        extra.append((f.column, value))
    return extra


class _Writer:
    """Writes one batch: COPY text on PostgreSQL (one format string per table, the values
    already escaped), `executemany` on SQLite."""

    NULL = {"postgresql": "\\N", "sqlite": None}

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.vendor = connection.vendor
        if self.vendor not in self.NULL:
            raise RuntimeError(f"the case generator knows PostgreSQL and SQLite, not {self.vendor}")
        self.null = self.NULL[self.vendor]
        self.escape: Callable[[str], str] = (
            _copy_escape if self.vendor == "postgresql" else (lambda text: text)
        )
        qn = connection.ops.quote_name
        self.current_step_at = COLUMNS["Case"].index("current_step_id")
        self.set_current_step = (
            f"UPDATE {qn(_models()['Case']._meta.db_table)} SET {qn('current_step_id')} = ? "
            f"WHERE {qn('id')} = ?"
        )
        self.statements: dict[str, str] = {}
        self.extra: dict[str, tuple[Any, ...]] = {}
        self.formats: dict[str, str] = {}
        for name, model in _models().items():
            columns = COLUMNS[name]
            extra = _extra_columns(model, columns, connection)
            names = ", ".join(qn(c) for c in [*columns, *(c for c, _ in extra)])
            table = qn(model._meta.db_table)
            if self.vendor == "postgresql":
                self.statements[name] = f"COPY {table} ({names}) FROM STDIN"
                tail = "".join(
                    "\t"
                    + ("\\N" if v is None else self.escape(str(v)))
                    .replace("{", "{{")
                    .replace("}", "}}")
                    for _, v in extra
                )
                self.formats[name] = "\t".join(["{}"] * len(columns)) + tail + "\n"
            else:
                marks = ", ".join(["?"] * (len(columns) + len(extra)))
                self.statements[name] = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                self.extra[name] = tuple(v for _, v in extra)

    def encode(self, rows: dict[str, list[tuple[Any, ...]]]) -> list[tuple[str, Any]]:
        """The batch as (statement, data) pairs for `send`: COPY text on PostgreSQL, rows
        of parameters on SQLite."""
        encoded: list[tuple[str, Any]] = []
        steps: list[tuple[int, int]] = []
        for name in TABLE_ORDER:
            batch = rows[name]
            if not batch:
                continue
            if self.vendor == "postgresql":
                line = self.formats[name].format
                encoded.append((self.statements[name], "".join([line(*row) for row in batch])))
            else:
                extra = self.extra[name]
                if name == "Case":
                    # A case names its current step, which is written after it. SQLite
                    # settles a deferred foreign key by searching the referring column,
                    # and `current_step_id` has no index: every step would scan the
                    # cases. So the cases go in without it and get it once the steps are in.
                    at = self.current_step_at
                    steps = [(row[at], row[0]) for row in batch if row[at] is not None]
                    batch = [(*row[:at], None, *row[at + 1 :]) for row in batch]
                encoded.append(
                    (
                        self.statements[name],
                        [
                            tuple(v.isoformat() if isinstance(v, datetime.date) else v for v in row)
                            + extra
                            for row in batch
                        ],
                    )
                )
                if name == "CaseStep" and steps:
                    encoded.append((self.set_current_step, steps))
        return encoded

    def send(self, encoded: list[tuple[str, Any]]) -> None:
        """Write an encoded batch on the connection's DB-API connection (so that a thread
        other than the builder's can do it, inside the builder's transaction)."""
        raw = self.connection.connection
        if self.vendor == "postgresql":
            with raw.cursor() as cursor:
                for statement, text in encoded:
                    with cursor.copy(statement) as copy:
                        copy.write(text)
        else:
            cursor = raw.cursor()
            try:
                for statement, rows in encoded:
                    cursor.executemany(statement, rows)
            finally:
                cursor.close()


class _Pipeline:
    """A writer thread: the database takes one batch while the next is being built."""

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer
        self.queue: queue.Queue[list[tuple[str, Any]] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._run, name="case-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (encoded := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain
            began = time.perf_counter()
            try:
                self.writer.send(encoded)
            except BaseException as exc:  # handed over to the builder's thread
                self.error = exc
            self.seconds += time.perf_counter() - began

    def put(self, encoded: list[tuple[str, Any]]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(encoded)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _next_ids(connection: Any) -> dict[str, int]:
    ids = {}
    with connection.cursor() as cursor:
        for name, model in _models().items():
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}")
            ids[name] = (cursor.fetchone()[0] or 0) + 1
    return ids


def _save_counters(counters: dict[tuple[str, datetime.date], int], before: dict[Any, int]) -> None:
    from govhub.cases.models import CaseNumberCounter

    changed = {key: last for key, last in counters.items() if before.get(key) != last}
    existing = {
        (c.region_code, c.day): c
        for c in CaseNumberCounter.objects.filter(day__in={day for _, day in changed})
    }
    updates = []
    for key, last in changed.items():
        if key in existing:
            existing[key].last = max(existing[key].last, last)
            updates.append(existing[key])
    CaseNumberCounter.objects.bulk_update(updates, ["last"], batch_size=1000)
    CaseNumberCounter.objects.bulk_create(
        (
            CaseNumberCounter(region_code=code, day=day, last=last)
            for (code, day), last in changed.items()
            if (code, day) not in existing
        ),
        batch_size=2000,
    )


def _placeholder_file() -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    if not default_storage.exists(PLACEHOLDER_FILE):
        default_storage.save(PLACEHOLDER_FILE, ContentFile(PLACEHOLDER_PDF))


class _FastLoad:
    """PostgreSQL bulk-load mode, inside the load's one transaction: the tables' secondary
    indexes are dropped and built again at the end (DDL is transactional, so an aborted
    load gives them back), and foreign-key triggers are off for the transaction."""

    def __init__(self, connection: Any, tables: Iterable[str]) -> None:
        self.connection = connection
        self.tables = list(tables)
        self.indexes: list[tuple[str, str]] = []

    @staticmethod
    def possible(connection: Any) -> bool:
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        return bool(row and row[0])

    def begin(self) -> None:
        with self.connection.cursor() as cursor:
            # Indexes that no constraint owns (primary keys and unique constraints stay).
            cursor.execute(
                """
                SELECT i.relname, pg_get_indexdef(i.oid)
                FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid
                JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
                  AND NOT x.indisunique
                """,
                [self.tables],
            )
            self.indexes = list(cursor.fetchall())
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
            cursor.execute("SET LOCAL session_replication_role = replica")

    def end(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)


def generate_cases(
    count: int,
    *,
    batch_size: int = BATCH_SIZE,
    seed: int = 2026,
    today: datetime.date | None = None,
    fast_load: bool | None = None,
    analyze: bool = True,
    progress: Callable[[int, float], None] | None = None,
    using: str = "default",
) -> GenerateResult:
    """Write `count` cases with their histories; see the module docstring."""
    from django.db import connections, transaction

    from govhub.cases.models import CaseNumberCounter
    from govhub.core import calendar

    connection = connections[using]
    rng = random.Random(seed)
    today = today or calendar.local_today()
    now = datetime.datetime.now(UTC)
    writer = _Writer(connection)
    source = _Source(rng, today=today, null=writer.null, escape=writer.escape)
    _placeholder_file()
    if fast_load is None:
        fast_load = count >= FAST_LOAD_MIN and _FastLoad.possible(connection)
    totals = dict.fromkeys(TABLE_ORDER, 0)
    tables = [m._meta.db_table for m in _models().values()]

    timings = {"build": 0.0, "wait": 0.0, "index": 0.0}
    start = time.perf_counter()
    with transaction.atomic(using=using):
        mode = _FastLoad(connection, tables) if fast_load else None
        if mode is not None:
            mode.begin()
        ids = _next_ids(connection)
        first_id = ids["Case"]
        before = {(c.region_code, c.day): c.last for c in CaseNumberCounter.objects.all()}
        builder = _Builder(source, rng, today, now, ids, dict(before), null=writer.null)
        pipeline = _Pipeline(writer)
        try:
            done = 0
            while done < count:
                size = min(batch_size, count - done)
                began = time.perf_counter()
                for _ in range(size):
                    builder.case()
                rows = builder.take()
                encoded = writer.encode(rows)
                built = time.perf_counter()
                pipeline.put(encoded)  # waits while the previous batch is still being written
                timings["build"] += built - began
                timings["wait"] += time.perf_counter() - built
                for name, batch in rows.items():
                    totals[name] += len(batch)
                done += size
                if progress is not None:
                    progress(done, time.perf_counter() - start)
        finally:
            began = time.perf_counter()
            pipeline.close()
            timings["wait"] += time.perf_counter() - began
        if mode is not None:
            began = time.perf_counter()
            mode.end()
            timings["index"] = time.perf_counter() - began
        _save_counters(builder.counters, before)
        _reset_sequences(connection)
    seconds = time.perf_counter() - start

    begin = time.perf_counter()
    if analyze:
        analyze_tables(connection, tables)
    return GenerateResult(
        engine=connection.vendor,
        cases=count,
        rows=totals,
        seconds=seconds,
        finish_seconds=time.perf_counter() - begin,
        fast_load=fast_load,
        first_id=first_id,
        build_seconds=timings["build"],
        wait_seconds=timings["wait"],
        write_seconds=pipeline.seconds,
        index_seconds=timings["index"],
    )


def _reset_sequences(connection: Any) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT remembers the largest id inserted, whoever chose it
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(_models().values()))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze_tables(connection: Any, tables: list[str]) -> None:
    """Statistics (and, on PostgreSQL, the visibility map) for the freshly loaded tables."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(qn(t) for t in tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {qn(table)}")
