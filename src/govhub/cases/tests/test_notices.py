"""The case notices: real PDFs with Chinese text, read back with poppler's `pdftotext`; the
QR code on each page decodes (zbar) to the case's public status page."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from govhub.cases import notices
from govhub.cases.models import (
    ApplicantKind,
    Case,
    CaseEvent,
    CaseMaterial,
    Channel,
    SupplementRequest,
)
from govhub.cases.uploads import inspect_upload
from govhub.cases.workflow import Action, Decision, State
from govhub.catalog.models import BaseItem
from govhub.catalog.tests.factories import BaseItemFactory, make_published_item
from govhub.core.errors import Conflict
from govhub.identity.tests.factories import EnterpriseFactory, StaffUserFactory
from govhub.organizations.tests.factories import DepartmentFactory, WindowFactory

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")
ZBARIMG = shutil.which("zbarimg")
BASE_URL = "https://zwfw.example.gov.cn"
NUMBER = "230400-20261127-000042"
ID_NUMBER = "230404199001011234"
STATUS_URL = f"{BASE_URL}/cases/status/?number={NUMBER}"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: int, hour: int = 10, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def make_case(*, state: str = State.UNDER_REVIEW, licensing: bool = True, **fields) -> Case:
    """A case taken in at a window on 27 November 2026 (a Friday) and accepted the same day,
    with one material of each source; `fields` override the case's."""
    department = DepartmentFactory(name="北山县市场监督管理局", name_en="Beishan County AMR")
    item = make_published_item(
        department=department,
        base_item=BaseItemFactory(
            item_type=BaseItem.ItemType.LICENSING if licensing else BaseItem.ItemType.PUBLIC_SERVICE
        ),
        name="食品经营许可证核发",
        name_en="Food business licence",
        result_name="食品经营许可证",
        reconsideration="可以自收到本决定之日起六十日内向北山县人民政府申请行政复议。",
        litigation="可以自收到本决定之日起六个月内向北山县人民法院提起行政诉讼。",
    )
    version = item.published_version
    clerk = StaffUserFactory(full_name="王受理")
    window = WindowFactory(
        hall__name="北山县政务服务中心", number="08", name="综合受理窗口", name_en="Window 8"
    )
    values = {
        "number": NUMBER,
        "item": item,
        "version": version,
        "department": department,
        "region": item.region,
        "state": state,
        "channel": Channel.WINDOW,
        "title": version.name,
        "applicant_kind": ApplicantKind.PERSON,
        "applicant_name": "张三",
        "applicant_id_number": ID_NUMBER,
        "applicant_mobile": "13912345678",
        "submitted_by": clerk,
        "window": window,
        "case_kind": "promised",
        "promised_limit_value": 10,
        "promised_limit_unit": "working_days",
        "legal_limit_value": 20,
        "legal_limit_unit": "working_days",
        "submitted_at": at(27, 9),
        "accepted_on": datetime.date(2026, 11, 27),
        "promised_due": datetime.date(2026, 12, 11),
        "legal_due": datetime.date(2026, 12, 25),
    }
    values.update(fields)
    case = Case.objects.create(**values)
    form, id_card = list(version.materials.order_by("position"))
    CaseMaterial.objects.create(
        case=case,
        material=form,
        name=form.name,
        source=CaseMaterial.Source.UPLOAD,
        file="cases/2026/11/abc.pdf",
        original_name="申请表-张三.pdf",
        content_type="application/pdf",
        size=1000,
        sha256="0" * 64,
    )
    CaseMaterial.objects.create(
        case=case,
        material=id_card,
        name=id_card.name,
        source=CaseMaterial.Source.GOVERNMENT,
        source_reference="人口信息库",
    )
    CaseMaterial.objects.create(
        case=case, name="食品安全管理制度", source=CaseMaterial.Source.PAPER
    )
    CaseMaterial.objects.create(
        case=case, name="作废的旧材料", source=CaseMaterial.Source.PAPER, is_current=False
    )
    if case.accepted_on is not None:
        event(case, Action.ACCEPT, clerk, when=at(27, 10))
    return case


def event(case: Case, action: str, actor, *, when: datetime.datetime, **data) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor,
        actor_label=actor.full_name,
        to_state=case.state,
        occurred_at=when,
        data=data,
    )


def text_of(content: bytes, tmp_path: Path) -> str:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "notice.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def qr_codes(content: bytes, tmp_path: Path) -> list[str]:
    """What the QR codes on each page say (pages rendered at 150 dpi)."""
    if PDFTOPPM is None or ZBARIMG is None:
        pytest.skip("pdftoppm (poppler-utils) or zbarimg (zbar-tools) is not installed")
    path = tmp_path / "qr.pdf"
    path.write_bytes(content)
    subprocess.run([PDFTOPPM, "-png", "-r", "150", str(path), str(tmp_path / "page")], check=True)
    found = []
    for image in sorted(tmp_path.glob("page*.png")):
        result = subprocess.run(
            [ZBARIMG, "-q", "--raw", str(image)], capture_output=True, text=True, check=False
        )
        found.append(result.stdout.strip())
    return found


def assert_pdf(content: bytes) -> None:
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert b"/STSong-Light" in content
    assert b"/FontFile" not in content  # the viewer's CID font: nothing embedded


# --- 受理通知书 / 收件回执 ----------


def test_acceptance_notice_says_what_was_accepted_when_and_until_when(tmp_path):
    case = make_case()
    content = notices.acceptance_receipt(case, base_url=BASE_URL)
    assert_pdf(content)
    text = text_of(content, tmp_path)
    for expected in (
        "北山县市场监督管理局",
        "受理通知书",
        f"受〔2026〕{NUMBER}号",
        "张三：",
        "食品经营许可证核发",
        "230404********1234",
        "大厅窗口",
        "北山县政务服务中心 08号窗口（综合受理窗口）",
        "收件日期",
        "受理日期",
        "2026年11月27日",
        "2026年12月11日前（10 个工作日）",
        "2026年12月25日前（20 个工作日）",
        "已收取的材料",
        "申请表",
        "申请表-张三.pdf",
        "已上传电子文件",
        "居民身份证",
        "政府部门已有",
        "人口信息库",
        "食品安全管理制度",
        "纸质材料已当场核验",
        "受理人：王受理",
        "本通知书可扫描二维码核验",
        f"办件编号：{NUMBER}",
        "第 1 页，共 1 页",
    ):
        assert expected in text, expected
    assert ID_NUMBER not in text
    assert "作废的旧材料" not in text
    assert "收件回执" not in text


def test_receipt_before_acceptance_has_no_acceptance_date(tmp_path):
    case = make_case(state=State.SUBMITTED, accepted_on=None, promised_due=None, legal_due=None)
    text = text_of(notices.acceptance_receipt(case, base_url=BASE_URL), tmp_path)
    assert "收件回执" in text
    assert f"收〔2026〕{NUMBER}号" in text
    assert "受理通知书" in text  # only in "本回执仅证明已收到申请材料，不是受理通知书。"
    assert "不是受理通知书" in text
    assert "受理日期" not in text
    assert "10 个工作日，自受理之日起计算" in text
    assert "收件人：王受理" in text  # the clerk who took it in
    assert "本回执可扫描二维码核验" in text


def test_receipt_for_an_online_application_names_no_clerk_or_window(tmp_path):
    case = make_case(
        state=State.SUBMITTED,
        channel=Channel.WEB,
        window=None,
        submitted_by=None,
        accepted_on=None,
        promised_due=None,
        legal_due=None,
    )
    text = text_of(notices.acceptance_receipt(case, base_url=BASE_URL), tmp_path)
    assert "网上办事大厅" in text
    assert "受理窗口" not in text
    assert "收件人" not in text


def test_a_draft_has_no_receipt():
    case = make_case(state=State.DRAFT, number=None, submitted_at=None, accepted_on=None)
    with pytest.raises(Conflict):
        notices.acceptance_receipt(case, base_url=BASE_URL)


def test_an_enterprise_is_addressed_by_its_name(tmp_path):
    enterprise = EnterpriseFactory(name="北山县绿野食品有限公司")
    case = make_case(
        applicant_kind=ApplicantKind.ENTERPRISE,
        enterprise=enterprise,
        enterprise_name=enterprise.name,
        enterprise_uscc=enterprise.uscc,
    )
    text = text_of(notices.acceptance_receipt(case, base_url=BASE_URL), tmp_path)
    assert "北山县绿野食品有限公司：" in text
    assert enterprise.uscc in text
    assert "经办人" in text
    assert "230404********1234" in text  # the person who applied for it


def test_the_qr_code_leads_to_the_status_page(tmp_path):
    content = notices.acceptance_receipt(make_case(), base_url=BASE_URL + "/")
    assert f"/URI ({STATUS_URL})".encode() in content
    assert qr_codes(content, tmp_path) == [STATUS_URL]


def test_a_long_notice_has_page_numbers_and_a_qr_code_on_every_page(tmp_path):
    case = make_case()
    for index in range(45):
        CaseMaterial.objects.create(
            case=case, name=f"补充证明材料第{index + 1}号", source=CaseMaterial.Source.PAPER
        )
    content = notices.acceptance_receipt(case, base_url=BASE_URL)
    pages = text_of(content, tmp_path).split("\f")[:-1]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页，共 {len(pages)} 页" in page
        assert "本通知书可扫描二维码核验" in page
    assert "补充证明材料第45号" in pages[-1]
    assert "受理人：王受理" in pages[-1]
    assert qr_codes(content, tmp_path) == [STATUS_URL] * len(pages)


def test_a_notice_passes_our_own_upload_check():
    content = notices.acceptance_receipt(make_case(), base_url=BASE_URL)
    info = inspect_upload(SimpleUploadedFile("受理通知书.pdf", content))
    assert info.content_type == "application/pdf"


def test_notice_in_english_keeps_chinese_data(tmp_path):
    case = make_case()
    with translation.override("en"):
        content = notices.acceptance_receipt(case, base_url=BASE_URL)
    assert_pdf(content)
    assert b"/Helvetica" in content
    text = text_of(content, tmp_path)
    assert "Beishan County AMR" in text
    assert "Food business licence" in text
    assert "张三" in text  # names stay as written
    assert "2026" in text
    assert NUMBER in text


# --- 不予受理通知书 ----------


def test_non_acceptance_notice_gives_reason_legal_notice_and_remedies(tmp_path):
    case = make_case(
        state=State.NOT_ACCEPTED,
        accepted_on=None,
        promised_due=None,
        legal_due=None,
        outcome_reason="申请事项不属于本机关职权范围。",
    )
    clerk = StaffUserFactory(full_name="李窗口")
    event(
        case,
        Action.REJECT_INTAKE,
        clerk,
        when=at(30, 15),
        legal_notice="请向北山县卫生健康局申请。依据《中华人民共和国行政许可法》第三十二条。",
    )
    content = notices.non_acceptance_notice(case, base_url=BASE_URL)
    text = text_of(content, tmp_path)
    for expected in (
        "不予受理通知书",
        f"不受〔2026〕{NUMBER}号",
        "2026年11月30日",
        "本机关决定不予受理",
        "申请事项不属于本机关职权范围。",
        "告知事项",
        "请向北山县卫生健康局申请。",
        "救济途径",
        "行政复议：可以自收到本决定之日起六十日内向北山县人民政府申请行政复议。",
        "行政诉讼：可以自收到本决定之日起六个月内向北山县人民法院提起行政诉讼。",
        "承办人：李窗口",
    ):
        assert expected in text, expected
    assert qr_codes(content, tmp_path) == [STATUS_URL]


def test_non_acceptance_remedies_fall_back_to_the_law(tmp_path):
    case = make_case(state=State.NOT_ACCEPTED, accepted_on=None, outcome_reason="材料虚假。")
    case.version.reconsideration = ""
    case.version.litigation = ""
    text = text_of(notices.non_acceptance_notice(case, base_url=BASE_URL), tmp_path)
    assert "六十日内，依法申请行政复议" in text
    assert "六个月内，依法向人民法院提起行政诉讼" in text


def test_remedies_already_in_the_legal_notice_are_not_repeated(tmp_path):
    case = make_case(state=State.NOT_ACCEPTED, accepted_on=None, outcome_reason="材料虚假。")
    version = case.version
    event(
        case,
        Action.REJECT_INTAKE,
        case.submitted_by,
        when=at(30, 15),
        legal_notice=f"{version.reconsideration}\n{version.litigation}",
    )
    text = text_of(notices.non_acceptance_notice(case, base_url=BASE_URL), tmp_path)
    assert text.count("向北山县人民政府申请行政复议") == 1
    assert text.count("向北山县人民法院提起行政诉讼") == 1
    assert "救济途径" not in text


def test_an_accepted_case_has_no_non_acceptance_notice():
    with pytest.raises(Conflict):
        notices.non_acceptance_notice(make_case(), base_url=BASE_URL)


# --- 补正材料通知书 ----------


def supplement(case: Case, *, when: datetime.datetime, **fields) -> SupplementRequest:
    values = {
        "case": case,
        "items": [
            {
                "material_id": None,
                "name": "营业执照",
                "reason": "复印件不清晰，请提供清晰的复印件。",
            },
            {"material_id": None, "name": "健康证明", "reason": "缺少从业人员健康证明。"},
        ],
        "note": "请同时携带身份证原件。",
        "requested_by": StaffUserFactory(full_name="赵审查"),
        "requested_at": when,
    }
    values.update(fields)
    return SupplementRequest.objects.create(**values)


def test_supplement_notice_lists_everything_once_and_says_how_to_resubmit(tmp_path):
    case = make_case(
        state=State.SUPPLEMENT_REQUESTED, accepted_on=None, promised_due=None, legal_due=None
    )
    request = supplement(case, when=at(28, 11))
    content = notices.supplement_notice(case, request, base_url=BASE_URL)
    text = text_of(content, tmp_path)
    for expected in (
        "补正材料通知书",
        "（一次性告知）",
        f"补〔2026〕{NUMBER}号",
        "2026年11月28日",
        "一次性告知如下",
        "营业执照",
        "复印件不清晰，请提供清晰的复印件。",
        "健康证明",
        "缺少从业人员健康证明。",
        "请同时携带身份证原件。",
        "网上补正",
        "我的办件",
        "到窗口补正",
        "北山县政务服务中心 08号窗口",
        "补正期间暂停计时",
        "不计入办理时限",
        "承办人：赵审查",
    ):
        assert expected in text, expected
    assert qr_codes(content, tmp_path) == [STATUS_URL]


def test_a_second_supplement_request_has_its_own_document_number(tmp_path):
    case = make_case(state=State.SUPPLEMENT_REQUESTED)
    supplement(case, when=at(28, 11))
    second = supplement(case, when=at(30, 11), is_repeat=True, note="")
    text = text_of(notices.supplement_notice(case, second, base_url=BASE_URL), tmp_path)
    assert f"补〔2026〕{NUMBER}-2号" in text
    assert "其他说明" not in text


def test_a_supplement_of_another_case_is_refused():
    case = make_case()
    other = make_case(number="230400-20261127-000043")
    with pytest.raises(Conflict):
        notices.supplement_notice(case, supplement(other, when=at(28)), base_url=BASE_URL)


# --- 决定书 ----------


def test_approval_names_the_result(tmp_path):
    case = make_case(
        state=State.DECIDED,
        decision=Decision.APPROVED,
        decision_reason="申请材料齐全，现场核查符合要求。",
        decided_at=at(4, 16, month=12),
        delivery_method="post",
    )
    content = notices.decision_notice(case, base_url=BASE_URL)
    text = text_of(content, tmp_path)
    for expected in (
        "准予行政许可决定书",
        f"准〔2026〕{NUMBER}号",
        "2026年12月4日",
        "本机关决定准予行政许可",
        "审查意见",
        "申请材料齐全，现场核查符合要求。",
        "食品经营许可证",
        "邮寄送达",
        "本决定书可扫描二维码核验",
    ):
        assert expected in text, expected
    assert "救济途径" not in text
    assert qr_codes(content, tmp_path) == [STATUS_URL]


def test_refusal_gives_reasons_and_remedies(tmp_path):
    case = make_case(
        state=State.DECIDED,
        decision=Decision.REFUSED,
        decision_reason="经营场所与住宅未有效分隔。",
        decided_at=at(4, 16, month=12),
    )
    text = text_of(notices.decision_notice(case, base_url=BASE_URL), tmp_path)
    for expected in (
        "不予行政许可决定书",
        f"不准〔2026〕{NUMBER}号",
        "本机关决定不予行政许可",
        "不予许可的理由",
        "经营场所与住宅未有效分隔。",
        "救济途径",
        "向北山县人民政府申请行政复议",
        "向北山县人民法院提起行政诉讼",
    ):
        assert expected in text, expected


def test_refusal_uses_the_remedy_decided_for_the_case(tmp_path):
    case = make_case(
        state=State.DECIDED,
        licensing=False,
        decision=Decision.REFUSED,
        decision_reason="不符合条件。",
        remedy="可以自收到本决定书之日起六十日内向鹤岗市人民政府申请行政复议。",
        decided_at=at(4, 16, month=12),
    )
    text = text_of(notices.decision_notice(case, base_url=BASE_URL), tmp_path)
    assert "不予办理决定书" in text
    assert "本机关决定不予办理" in text
    assert "不予办理的理由" in text
    assert "向鹤岗市人民政府申请行政复议" in text
    assert "北山县人民法院" not in text


def test_an_undecided_case_has_no_decision_notice():
    with pytest.raises(Conflict):
        notices.decision_notice(make_case(), base_url=BASE_URL)


def test_the_date_is_the_local_date():
    # 23:30 in Shanghai on 4 December is still 4 December, though 15:30 UTC.
    case = make_case(
        state=State.DECIDED,
        decision=Decision.APPROVED,
        decided_at=datetime.datetime(2026, 12, 4, 15, 30, tzinfo=datetime.UTC),
    )
    document = notices._document(
        case,
        base_url=BASE_URL,
        title="x",
        kind="准",
        date=notices._local_date(case.decided_at),
        verify_text="",
    )
    assert document.date == datetime.date(2026, 12, 4)
    assert notices.filename(case, "decision") == f"decision-{NUMBER}.pdf"
