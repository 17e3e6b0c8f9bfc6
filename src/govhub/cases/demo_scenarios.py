"""The scenario table of the demo cases (see `demo`): who applies for what, on which
channel, and each step since, so many working days ago; and which demo staff handle each
department's cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govhub.cases.models import Channel, DeliveryMethod

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
