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
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import DateTimeField, F, Value, When
from django.utils import timezone

from govhub.cases import prefill, schema_form, services
from govhub.cases.demo_forms import Facts, application_form, demo_pdf
from govhub.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseResult,
    CaseStep,
    Channel,
    DeadlineChange,
    DeliveryMethod,
    SupplementRequest,
)
from govhub.catalog.models import ImplementationItem, Material
from govhub.core import calendar
from govhub.core.audit import audit_log
from govhub.core.requestid import request_cache_var
from govhub.identity.models import Enterprise, User
from govhub.organizations.models import Position

Role = Position.Role
WEB, WINDOW, HOTLINE, SERVICE_POINT = (
    Channel.WEB,
    Channel.WINDOW,
    Channel.HOTLINE,
    Channel.SERVICE_POINT,
)
CITY = "230400"
CITY_DISTRICTS = ("230402", "230403", "230404", "230405", "230406", "230407")
KEY_PREFIX = "demo-"


# --- who handles what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    """The demo staff of a department: window clerk, reviewer, approver ("" = nobody)."""

    clerk: str
    reviewer: str
    approver: str


TEAMS: dict[str, Team] = {
    "hg-amr": Team("demo-amr-clerk", "demo-amr-reviewer", "demo-amr-approver"),
    "hg-hrss": Team("demo-hrss-clerk", "demo-hrss-clerk", "demo-hrss-approver"),
    # 民政局 has no reviewer or approver in the demo: its cases wait at the first step
    # (the comprehensive window takes them in and handles immediate items itself).
    "hg-civil-affairs": Team("demo-centre-clerk", "", ""),
}


# --- scenarios -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    """One step of a scenario, `day` working days before today."""

    action: str
    day: int
    text: str = ""
    decision: str = ""
    method: str = ""
    tracking: str = ""
    days: int = 0
    items: tuple[tuple[str, str], ...] = ()  # supplements: (material name starts, reason)
    notice: str = ""


def submit(day: int) -> Act:
    return Act("submit", day)


def accept(day: int) -> Act:
    return Act("accept", day)


def review(day: int, text: str = "") -> Act:
    return Act("review", day, text=text)


def decide(day: int, text: str = "", *, refused: bool = False) -> Act:
    return Act("decide", day, text=text, decision="refused" if refused else "approved")


def issue(day: int) -> Act:
    return Act("issue", day)


def deliver(day: int, method: str = DeliveryMethod.WINDOW, tracking: str = "") -> Act:
    return Act("deliver", day, method=method, tracking=tracking)


def complete(day: int) -> Act:
    return Act("complete", day)


def supplement(day: int, *items: tuple[str, str], note: str = "") -> Act:
    return Act("supplement", day, items=items, text=note)


def resubmit(day: int) -> Act:
    return Act("resubmit", day)


def special(day: int, reason: str) -> Act:
    return Act("special", day, text=reason)


def end_special(day: int, result: str) -> Act:
    return Act("end_special", day, text=result)


def extend(day: int, days: int, reason: str) -> Act:
    return Act("extend", day, days=days, text=reason)


def withdraw(day: int, reason: str) -> Act:
    return Act("withdraw", day, text=reason)


def terminate(day: int, reason: str) -> Act:
    return Act("terminate", day, text=reason)


def reject(day: int, reason: str, notice: str) -> Act:
    return Act("reject", day, text=reason, notice=notice)


def handled(
    accepted: int, reviewed: int, decided: int, *, refused: str = "", text: str = ""
) -> tuple[Act, ...]:
    """Accepted, reviewed and decided on those days (the usual path)."""
    return (
        accept(accepted),
        review(reviewed),
        decide(decided, refused or text, refused=bool(refused)),
    )


@dataclass(frozen=True)
class DemoCase:
    """One demo case: who applies for what, on which channel, and what happened since.

    `applicant`: "person:<key>" (a named demo person with an account), "enterprise:<key>"
    (a named demo enterprise, its representative acting for it), "resident:<pool>" or
    "entity:<pool>" (synthetic people and enterprises of the registries demo).
    `filer`: the staff account of a staff channel ("" online: the applicant).
    """

    key: int
    item: str  # "<department code>/<item name>", implemented in 鹤岗市 (230400)
    applicant: str
    channel: str
    acts: tuple[Act, ...]
    filer: str = ""
    form: dict[str, Any] = field(default_factory=dict)
    proxy_note: str = ""
    door_to_door: bool = False

    @property
    def department(self) -> str:
        return self.item.split("/", 1)[0]


HOTLINE_NOTE = (
    "12345热线来电，坐席核验来电人身份后代为填写申请；材料照片由来电人通过政务服务公众号上传。"
)
APPROVE_HRSS = "申请材料齐全，经核查符合申领条件，准予办理。"

CASES: tuple[DemoCase, ...] = (
    # --- the named demo people ---------------------------------------------------------------
    DemoCase(1, "hg-hrss/就业困难人员认定", "person:wang_fang", WEB, (submit(0),),
             form={"difficulty_type": "大龄失业人员"}),
    DemoCase(2, "hg-hrss/异地就医医疗费用手工报销", "person:wang_fang", WEB, (
        submit(3),
        supplement(
            2,
            ("医疗费用收费票据", "上传的是票据复印件，且合计金额与费用明细清单不一致："
                                 "请上传定点医疗机构开具的原始票据扫描件及完整的费用明细清单。"),
            ("诊断证明或出院小结", "出院小结缺少医疗机构公章，请上传盖章后的扫描件。"),
            note="请在网上补正后重新提交；补正期间不计入办理时限。",
        ),
    ), form={"hospital_name": "哈尔滨医科大学附属第一医院", "medical_expense": 12680.5}),
    DemoCase(3, "hg-hrss/职业技能培训补贴申领", "person:zhang_wei", WEB, (
        submit(25), *handled(24, 21, 19, text="申请人参加电工（四级）培训并取得职业技能等级证书，"
                                                "符合职业技能培训补贴申领条件，准予发放补贴。"),
        issue(19), deliver(19, DeliveryMethod.ELECTRONIC),
    )),
    DemoCase(4, "hg-amr/食品安全违法行为举报奖励", "person:zhang_wei", WEB, (submit(6), accept(5))),
    DemoCase(5, "hg-amr/特种设备使用登记", "enterprise:beishan_machinery", WEB, (
        submit(4), accept(3),
        review(2, "监督检验证书与设备产品编号一致，检验结论合格，拟同意登记。"),
    ), form={"equipment_type": "起重机械", "equipment_code": "QZ-2024-0315"}),
    DemoCase(6, "hg-hrss/失业保险金申领", "person:chen_jing", WINDOW, (submit(2), accept(2)),
             filer="demo-centre-clerk"),
    DemoCase(7, "hg-hrss/城乡居民基本养老保险参保登记", "person:zhao_lei", SERVICE_POINT,
             (submit(0),), filer="demo-luobei-agent", door_to_door=True,
             form={"insurance_grade": "500元"},
             proxy_note="赵磊本人签署授权委托书（凤翔镇便民服务中心 FX-2026-031），代办员上门核验"
                        "身份证原件后代为申请。"),
    DemoCase(8, "hg-hrss/失业保险金申领", "person:liu_yang", WEB, (
        submit(9), withdraw(8, "已在新单位就业，不再申领失业保险金。"),
    )),
    # --- 人社局 (window 05, the comprehensive window 01, the hotline) ---------------------------
    DemoCase(9, "hg-hrss/失业保险金申领", "resident:adult", WINDOW, (submit(0),),
             filer="demo-hrss-clerk"),
    DemoCase(10, "hg-hrss/失业保险金申领", "resident:adult", HOTLINE, (submit(1),),
             filer="demo-hotline", proxy_note=HOTLINE_NOTE),
    DemoCase(11, "hg-hrss/生育津贴申领", "resident:woman", WINDOW, (submit(9), accept(9)),
             filer="demo-hrss-clerk"),
    DemoCase(12, "hg-hrss/城乡居民基本养老保险待遇申领", "resident:senior", WINDOW,
             (submit(14), accept(13)), filer="demo-centre-clerk"),
    DemoCase(13, "hg-hrss/异地就医医疗费用手工报销", "resident:adult", WINDOW,
             (submit(12), accept(12), review(6)), filer="demo-hrss-clerk"),
    DemoCase(14, "hg-hrss/丧葬补助金和抚恤金申领", "resident:adult", WINDOW,
             (submit(10), accept(10), review(7)), filer="demo-hrss-clerk"),
    DemoCase(15, "hg-hrss/就业困难人员认定", "resident:adult", WINDOW,
             (submit(9), accept(9), review(6)), filer="demo-hrss-clerk",
             form={"difficulty_type": "连续失业一年以上"}),
    DemoCase(16, "hg-hrss/职业技能培训补贴申领", "resident:adult", HOTLINE, (
        submit(20),
        supplement(19, ("职业技能等级证书", "上传的证书照片不清晰，无法核对证书编号，请上传清晰的"
                                            "扫描件或到窗口出示原件。")),
    ), filer="demo-hotline", proxy_note=HOTLINE_NOTE,
       form={"training_course": "中式烹调师（五级）"}),
    DemoCase(17, "hg-hrss/失业保险金申领", "resident:adult", WINDOW, (
        submit(11), accept(11),
        supplement(9, ("解除或终止劳动关系证明", "证明未加盖原用人单位公章，请补充盖章件。")),
        resubmit(6), review(5),
    ), filer="demo-hrss-clerk"),
    DemoCase(18, "hg-hrss/就业困难人员认定", "resident:adult", WINDOW, (
        submit(16),
        *handled(16, 14, 12, refused="经核查，申请人目前已在本市用人单位参加职工基本养老保险，"
                                      "处于就业状态，不符合就业困难人员认定条件。"),
        issue(12), deliver(11),
    ), filer="demo-centre-clerk", form={"difficulty_type": "零就业家庭成员"}),
    DemoCase(19, "hg-hrss/失业保险金申领", "resident:adult", WINDOW,
             (submit(6), *handled(6, 4, 3, text=APPROVE_HRSS)), filer="demo-hrss-clerk"),
    DemoCase(20, "hg-hrss/生育津贴申领", "resident:woman", HOTLINE,
             (submit(7), *handled(7, 5, 4, text=APPROVE_HRSS), issue(3)),
             filer="demo-hotline", proxy_note=HOTLINE_NOTE),
    DemoCase(21, "hg-hrss/城乡居民基本养老保险待遇申领", "resident:senior", WINDOW, (
        submit(14), *handled(14, 11, 9, text=APPROVE_HRSS), issue(9),
        deliver(8, DeliveryMethod.POST, "EMS1100002346"),
    ), filer="demo-hrss-clerk"),
    DemoCase(22, "hg-hrss/职业技能培训补贴申领", "resident:adult", WINDOW, (
        submit(30), *handled(30, 25, 22, text=APPROVE_HRSS), issue(22), deliver(21),
    ), filer="demo-hrss-clerk", form={"training_course": "焊工（四级）"}),
    DemoCase(23, "hg-hrss/就业登记与失业登记", "resident:adult", WINDOW,
             (submit(3), *handled(3, 3, 3, text="当场办结。"), issue(3), deliver(3)),
             filer="demo-hrss-clerk"),
    DemoCase(24, "hg-hrss/社会保障卡申领", "resident:adult", WINDOW, (submit(0), accept(0)),
             filer="demo-centre-clerk"),
    DemoCase(25, "hg-hrss/灵活就业人员参保登记", "resident:adult", HOTLINE, (submit(2), accept(2)),
             filer="demo-hotline", proxy_note=HOTLINE_NOTE),
    DemoCase(26, "hg-hrss/失业保险金申领", "resident:adult", WINDOW, (
        submit(5),
        reject(5, "申请人失业前所在单位和本人缴纳失业保险费不满一年，不符合失业保险金申领条件。",
               "依据《中华人民共和国社会保险法》第四十五条，不予受理。如对本决定不服，可自收到本通知之日"
               "起六十日内向鹤岗市人民政府申请行政复议，或者在六个月内向人民法院提起行政诉讼。"),
    ), filer="demo-hrss-clerk"),
    DemoCase(27, "hg-hrss/丧葬补助金和抚恤金申领", "resident:adult", WINDOW, (
        submit(20), accept(19),
        terminate(12, "经核查，逝者的丧葬补助金和抚恤金已由其他遗属在萝北县社会保险经办机构申领并"
                      "发放，本申请终止办理。"),
    ), filer="demo-hrss-clerk"),
    DemoCase(28, "hg-hrss/创业担保贷款申请", "resident:adult", WINDOW, (
        submit(12), accept(12),
        special(9, "申请创业担保贷款20万元，需由担保机构对创业项目和还款能力进行评估。"),
    ), filer="demo-hrss-clerk", form={"loan_amount": 20}),
    DemoCase(29, "hg-hrss/职业技能培训补贴申领", "resident:adult", WINDOW, (
        submit(26), accept(26),
        extend(6, 10, "培训机构报送的学员名单需与证书核发机构逐一比对，延长办理时限。"),
    ), filer="demo-centre-clerk", form={"training_course": "养老护理员（五级）"}),
    # --- 市场监管局 (window 04, the comprehensive window 01) ---------------------------------
    DemoCase(30, "hg-amr/食品经营许可", "entity:food", WINDOW, (submit(0),),
             filer="demo-amr-clerk", form={"food_categories": ["热食类食品制售"]}),
    DemoCase(31, "hg-amr/企业年度报告公示", "entity:company", WINDOW, (submit(1),),
             filer="demo-amr-clerk"),
    DemoCase(32, "hg-amr/特种设备使用登记", "entity:machinery", WINDOW, (
        submit(4),
        supplement(4, ("特种设备产品合格证", "缺少安装监督检验证明，请补充特种设备检验机构出具的"
                                              "监督检验证书。")),
    ), filer="demo-amr-clerk", form={"equipment_type": "锅炉", "equipment_code": "GL-2023-1187"}),
    DemoCase(33, "hg-amr/食品经营许可", "entity:food", WINDOW, (
        submit(8), accept(8),
        special(6, "申请经营热食类食品制售，需对加工场所布局和设施设备进行现场核查。"),
    ), filer="demo-amr-clerk", form={"food_categories": ["热食类食品制售", "自制饮品制售"]}),
    DemoCase(34, "hg-amr/药品零售企业许可", "entity:pharmacy", WINDOW, (
        submit(20), accept(20),
        special(17, "按照《药品经营质量管理规范》组织对经营场所、设施设备和质量管理体系的"
                    "现场检查。"),
        end_special(9, "现场检查符合《药品经营质量管理规范》要求。"),
    ), filer="demo-centre-clerk", form={"premises_area": 120}),
    DemoCase(35, "hg-amr/营业执照变更登记", "entity:company", WINDOW, (submit(3), accept(3)),
             filer="demo-amr-clerk", form={"change_items": ["住所"]}),
    DemoCase(36, "hg-amr/企业注销登记", "entity:company", WINDOW, (
        submit(30), accept(30),
        special(29, "通过国家企业信用信息公示系统公告二十日。"),
        end_special(14, "公告期满，无异议。"),
        review(13), decide(12, "清算完毕、清税手续已办结，公告期内无异议，准予注销登记。"),
        issue(12), deliver(11),
    ), filer="demo-amr-clerk"),
    DemoCase(37, "hg-amr/企业简易注销登记", "entity:company", WINDOW,
             (submit(6), accept(6), review(5)), filer="demo-amr-clerk"),
    DemoCase(38, "hg-amr/特种设备使用登记", "entity:machinery", WINDOW, (
        submit(10),
        *handled(10, 8, 7, refused="经核查，该设备的监督检验结论为不合格，且未提供整改后的"
                                    "复检报告，不予办理使用登记。"),
        issue(7), deliver(6, DeliveryMethod.POST, "SF1023456789012"), complete(3),
    ), filer="demo-amr-clerk",
       form={"equipment_type": "压力容器", "equipment_code": "RQ-2022-0451"}),
    DemoCase(39, "hg-amr/商标注册申请受理", "entity:company", WINDOW,
             (submit(2), *handled(2, 2, 2, text="材料齐全，当场受理。"), issue(2)),
             filer="demo-amr-clerk", form={"trademark_name": "鹤城黑土", "nice_class": 29}),
    DemoCase(40, "hg-amr/食品安全违法行为举报奖励", "resident:adult", HOTLINE, (submit(1),),
             filer="demo-hotline", proxy_note=HOTLINE_NOTE),
    # --- 民政局, through the comprehensive window 01 -------------------------------------------
    DemoCase(41, "hg-civil-affairs/高龄津贴发放", "resident:elder", WINDOW, (submit(0),),
             filer="demo-centre-clerk"),
    DemoCase(42, "hg-civil-affairs/临时救助", "resident:adult", WINDOW, (submit(13), accept(13)),
             filer="demo-centre-clerk"),
    DemoCase(43, "hg-civil-affairs/老年人优待证办理", "resident:senior", WINDOW,
             (submit(1), *handled(1, 1, 1, text="当场办结。"), issue(1), deliver(1)),
             filer="demo-centre-clerk"),
    # --- a village agency point -------------------------------------------------------------
    DemoCase(44, "hg-hrss/城乡居民基本养老保险待遇申领", "resident:yongfeng", SERVICE_POINT, (
        submit(3), withdraw(2, "申请人已在萝北县社会保险经办机构办理，撤回本申请。"),
    ), filer="demo-village-agent", door_to_door=True,
       proxy_note="申请人行动不便，签署授权委托书（永丰村代办点 YF-2026-007），"
                  "由村代办员上门代办。"),
)  # fmt: skip


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


class _People:
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
        self.people = _People(self.real_today)
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
        run = _CaseRun(self, spec)
        previous: datetime.date | None = None
        slot = 0
        stamps: list[tuple[datetime.datetime, datetime.datetime | None]] = []
        for act in spec.acts:
            day = self.day(act.day)
            slot = slot + 1 if day == previous else 0
            previous = day
            if act.action == "issue":
                # The decision notice is generated now: it must see the decision's date.
                _backdate(run.case_id, stamps)
            started = timezone.now()
            with mock.patch("govhub.core.calendar.local_today", return_value=day):
                run.perform(act)
            moved = self.moment(spec.key, day, slot) if day < self.real_today else None
            stamps.append((started, moved))
        _backdate(run.case_id, stamps)
        return Case.objects.get(pk=run.case_id)


class _CaseRun:
    """The acts of one scenario, in order, through the services."""

    def __init__(self, loader: _Loader, spec: DemoCase) -> None:
        self.loader = loader
        self.spec = spec
        self.team = TEAMS[spec.department]
        self.item = loader.items[spec.item]
        self.who = loader.applicants[spec.key]
        self.case_id = 0

    # -- helpers --

    @property
    def case(self) -> Case:
        return Case.objects.select_related("current_step", "version").get(pk=self.case_id)

    def _user(self, username: str) -> User:
        if not username:
            raise ImproperlyConfigured(
                f"Demo case {self.spec.key}: {self.spec.department} has nobody for this step."
            )
        return self.loader.user(username)

    @property
    def immediate(self) -> bool:
        return self.item.published_version.case_kind == "immediate"  # type: ignore[union-attr]

    def intake_clerk(self) -> User:
        """The clerk who took the case in at their window, else the department's clerk."""
        if self.spec.channel == WINDOW:
            return self._user(self.spec.filer)
        return self._user(self.team.clerk)

    def for_role(self, role: str) -> User:
        if role == Role.WINDOW_CLERK:
            return self.intake_clerk()
        if role == Role.APPROVER:
            return self._user(self.team.approver)
        return self._user(self.team.reviewer)

    def applicant_actor(self) -> tuple[User, str]:
        """Who acts as the applicant (withdraw, resubmit): the account online, the agent
        who filed it at a service point, else the intake clerk; and on which channel."""
        if self.spec.channel == WEB and self.who.account is not None:
            return self.who.account, WEB
        if self.spec.channel == SERVICE_POINT:
            return self._user(self.spec.filer), SERVICE_POINT
        return self.intake_clerk(), WINDOW

    def _file(self, material: Material | None, label: str) -> SimpleUploadedFile:
        name = (material.name if material else label)[:60]
        body = demo_pdf(f"case demo-{self.spec.key}, material {material.pk if material else label}")
        return SimpleUploadedFile(f"{name}.pdf", body, content_type="application/pdf")

    def _facts(self, day: datetime.date) -> Facts:
        deceased = self.loader.deceased.get(self.spec.key)
        return Facts(
            applied_on=day,
            mobile=self.who.mobile,
            bank_account=f"622848001{self.spec.key:010d}",
            deceased_id_number=deceased.id_number if deceased else "",
            deceased_name=deceased.name if deceased else "",
        )

    # -- acts --

    def perform(self, act: Act) -> None:
        handler: Callable[[Act], None] = getattr(self, f"_{act.action}")
        handler(act)

    def _submit(self, act: Act) -> None:
        spec, who = self.spec, self.who
        version = self.item.published_version
        assert version is not None
        schema = version.form_schema or {}
        required = [m for m in version.materials.all() if m.required]
        online = spec.channel == WEB
        if online:
            assert who.account is not None
            actor = who.account
            known = prefill.prefill_for(schema, user=actor, enterprise=who.enterprise).values
        else:
            actor = self._user(spec.filer)
            known = who.known()
        held = (
            prefill.government_held_materials(version, user=who.account, enterprise=who.enterprise)
            if who.account is not None
            else {}
        )
        needed = [m for m in required if m.pk not in held]
        form = application_form(
            schema, known=known, overrides=spec.form, facts=self._facts(calendar.local_today())
        )
        errors = schema_form.validate_submission(schema, form)
        if errors:
            raise ImproperlyConfigured(
                f"Demo case {spec.key} ({spec.item}): form invalid: {errors}"
            )
        uploads = online or spec.channel == HOTLINE
        case = services.case_submit(
            actor=actor,
            channel=spec.channel,
            item=self.item,
            form_data=form,
            files={m.pk: self._file(m, "") for m in needed} if uploads else None,
            paper_material_ids=() if uploads else [m.pk for m in needed],
            idempotency_key=f"{KEY_PREFIX}{spec.key}",
            applicant=None
            if online
            else services.ApplicantData(
                name=who.name, id_number=who.id_number, mobile=who.mobile, uscc=who.uscc
            ),
            acting_for=who.enterprise if online else None,
            door_to_door=spec.door_to_door,
            proxy_note=spec.proxy_note,
        )
        self.case_id = case.pk

    def _accept(self, act: Act) -> None:
        services.case_accept(actor=self.intake_clerk(), case=self.case, opinion=act.text)

    def _supplement(self, act: Act) -> None:
        case = self.case
        materials = list(case.version.materials.all())
        rows = []
        for start, reason in act.items:
            material = next((m for m in materials if m.name.startswith(start)), None)
            if material is None:
                raise ImproperlyConfigured(f"Demo case {self.spec.key}: no material {start!r}.")
            rows.append(
                {"material_id": material.pk, "name": material.display_name, "reason": reason}
            )
        actor = self.intake_clerk() if case.accepted_on is None else self._user(self.team.reviewer)
        services.case_request_supplement(actor=actor, case=case, items=rows, note=act.text)

    def _resubmit(self, act: Act) -> None:
        case = self.case
        request = (
            case.supplements.filter(resolved_at__isnull=True).order_by("-requested_at").first()
        )
        materials = {m.pk: m for m in case.version.materials.all()}
        wanted = [
            row["material_id"]
            for row in (request.items if request else [])
            if row.get("material_id")
        ]
        actor, channel = self.applicant_actor()
        services.case_resubmit(
            actor=actor,
            case=case,
            files={pk: self._file(materials[pk], "") for pk in wanted},
            acting_for=self.who.enterprise if channel == WEB else None,
            channel=channel,
        )

    def _review(self, act: Act) -> None:
        case = self.case
        step = case.current_step
        if step is None or step.kind == CaseStep.Kind.DECISION:
            raise ImproperlyConfigured(f"Demo case {self.spec.key}: no review step is open.")
        services.case_review(
            actor=self.for_role(step.role),
            case=case,
            step=step,
            outcome=CaseStep.Outcome.AGREE,
            opinion=act.text or "材料齐全，内容真实，符合法定条件，拟同意。",
        )

    def _decide(self, act: Act) -> None:
        case = self.case
        step = case.current_step
        role = (
            step.role
            if step is not None
            else (Role.WINDOW_CLERK if self.immediate else Role.APPROVER)
        )
        services.case_decide(
            actor=self.for_role(role),
            case=case,
            decision=act.decision,
            reason=act.text or "申请材料齐全，符合法定条件和标准，准予办理。",
        )

    def _special(self, act: Act) -> None:
        case = self.case
        procedures = case.version.special_procedures or []
        if not procedures:
            raise ImproperlyConfigured(
                f"Demo case {self.spec.key}: the item has no special procedure."
            )
        procedure = procedures[0]
        services.case_special_start(
            actor=self._user(self.team.reviewer),
            case=case,
            kind=procedure["kind"],
            name=procedure["name"],
            reason=act.text,
            limit_value=procedure.get("limit_value"),
            limit_unit=procedure.get("limit_unit") or "working_days",
        )

    def _end_special(self, act: Act) -> None:
        services.case_special_end(
            actor=self._user(self.team.reviewer), case=self.case, result=act.text
        )

    def _extend(self, act: Act) -> None:
        services.case_extend(
            actor=self._user(self.team.approver), case=self.case, days=act.days, reason=act.text
        )

    def _issue(self, act: Act) -> None:
        case = self.case
        file = None
        try:
            import govhub.cases.notices  # noqa: F401  (the decision notice is generated)
        except ImportError:  # pragma: no cover - until the notices module exists
            file = self._file(None, "decision")
        services.case_issue(actor=self.intake_clerk(), case=case, file=file)

    def _deliver(self, act: Act) -> None:
        services.case_deliver(
            actor=self.intake_clerk(),
            case=self.case,
            method=act.method,
            address=self.who.registered_address or self.who.address
            if act.method == DeliveryMethod.POST
            else "",
            tracking_number=act.tracking,
        )

    def _complete(self, act: Act) -> None:
        services.case_complete(actor=self.intake_clerk(), case=self.case)

    def _withdraw(self, act: Act) -> None:
        actor, channel = self.applicant_actor()
        services.case_withdraw(
            actor=actor,
            case=self.case,
            reason=act.text,
            acting_for=self.who.enterprise if channel == WEB else None,
            channel=channel,
        )

    def _terminate(self, act: Act) -> None:
        services.case_terminate(
            actor=self._user(self.team.approver), case=self.case, reason=act.text
        )

    def _reject(self, act: Act) -> None:
        services.case_reject_intake(
            actor=self.intake_clerk(), case=self.case, reason=act.text, legal_notice=act.notice
        )


# Timestamps the services stamp with the real clock, by model.
_STAMPED: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (CaseEvent, ("occurred_at",)),
    (DeadlineChange, ("occurred_at",)),
    (SupplementRequest, ("requested_at", "resolved_at")),
    (CaseMaterial, ("uploaded_at",)),
    (CaseResult, ("issued_at",)),
    (CaseStep, ("finished_at",)),
)


def _backdate(
    case_id: int, stamps: list[tuple[datetime.datetime, datetime.datetime | None]]
) -> None:
    """Move what each act stamped with the real clock to the act's simulated time.

    `stamps`: for each act in order, when it started (real clock) and the time it is
    moved to (None: it happened today and keeps its real time). A row stamped at or after
    an act's start and before the next act's belongs to that act; rows already moved are
    earlier than every start, so running it again changes nothing. Demo data only: history
    is never rewritten otherwise. Direct queryset updates (one per table and field), so
    no signal, event or audit record follows."""
    if all(moved is None for _, moved in stamps):
        return

    def moved_value(name: str) -> SqlCase:
        whens = [
            When(
                **{f"{name}__gte": started},
                then=F(name) if moved is None else Value(moved, output_field=DateTimeField()),
            )
            for started, moved in reversed(stamps)
        ]
        return SqlCase(*whens, default=F(name), output_field=DateTimeField())

    first = stamps[0][0]
    fields = ("created_at", "submitted_at", "decided_at", "completed_at", "updated_at")
    Case.objects.filter(pk=case_id).update(**{name: moved_value(name) for name in fields})
    for model, names in _STAMPED:
        for name in names:
            model.objects.filter(case_id=case_id, **{f"{name}__gte": first}).update(
                **{name: moved_value(name)}
            )


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
