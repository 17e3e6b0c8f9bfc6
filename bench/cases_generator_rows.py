"""The rows of each generated case (`Builder`): the case, its history, review steps,
deadline records, supplement requests, special procedures and materials, in the column
order of `COLUMNS`. See `cases_generator` for what is generated and how it is written."""

from __future__ import annotations

import datetime
import random
from typing import Any

from cases_generator_source import (
    CHANNEL_WEIGHTS,
    ENDED_DAYS,
    NOT_ACCEPTED_REASON,
    OPINIONS_AGREE,
    PLACEHOLDER_FILE,
    PLACEHOLDER_SHA256,
    PROCEDURES,
    REFUSAL_REASON,
    STAFF_CHANNELS,
    STAFF_NAMES,
    STATE_WEIGHTS,
    SUPPLEMENT_REASONS,
    TERMINATE_REASON,
    WITHDRAW_REASON,
    Calendar,
    Item,
    Source,
    Staff,
    json_text,
)

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


class Builder:
    """Makes the rows of one case after another; ids count up from the tables' maxima.

    Built for speed (a million cases): moments are integer minutes from local midnight of
    the calendar's first day, turned into text through two look-up tables; random numbers
    come from `random()` scaled; rows are tuples in `COLUMNS` order with `null` for NULL
    (the text `\\N` for PostgreSQL's COPY, None for SQLite)."""

    def __init__(
        self,
        source: Source,
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
        self.cal = cal = Calendar(today)
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
        self.staff_empty = Staff()

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

    def _pick(self, staff: Staff, *roles: str) -> tuple[Any, str]:
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
        item: Item,
        staff: Staff,
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
                supplement_id, self.case_id, self.s.escape(json_text(items)), "",
                self.s.fallback_staff if who[0] is self.N else who[0], self._text(asked),
                self._text(self._when(resolved, online)) if resolved else self.N, 0,
            )
        )  # fmt: skip
        data = json_text({"supplement": supplement_id, "items": items, "repeat": False})
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
                    data=json_text({"procedure": procedure_id, "kind": kind, "name": name}),
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
