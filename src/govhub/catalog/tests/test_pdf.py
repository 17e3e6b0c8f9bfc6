"""The printable guide: a real PDF with Chinese text, in both languages, with a QR code
that leads to the online guide. Text is read back with poppler's `pdftotext` and the QR
code with `zbarimg` when those tools are installed."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest

from govhub.catalog import pdf, selectors
from govhub.catalog.models import ImplementationItem
from govhub.catalog.tests.factories import make_published_item
from govhub.organizations.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")
ZBARIMG = shutil.which("zbarimg")


@pytest.fixture
def item():
    department = DepartmentFactory(name="北山县市场监督管理局", name_en="Beishan AMR")
    return make_published_item(
        department=department,
        name="食品经营许可证核发",
        name_en="Food business licence",
        special_procedures=[
            {
                "name": "现场核查",
                "kind": "inspection",
                "limit_value": 5,
                "limit_unit": "working_days",
                "note": "核查经营场所",
            }
        ],
        charged=True,
        fee_basis="《测试收费办法》",
        fee_lines=[
            {
                "name": "工本费",
                "standard": "每本10元",
                "amount": "10",
                "basis": "",
                "reductions": "",
            }
        ],
    )


def download(client, item, **headers):
    response = client.get(f"/services/items/{item.implementation_code}/guide.pdf", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response


def text_of(content: bytes, tmp_path: Path) -> str:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "guide.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def test_pdf_is_a_pdf_with_pages(client, item):
    response = download(client, item)
    content = response.content
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") >= 1
    assert response["Content-Disposition"] == (
        f'attachment; filename="guide-{item.implementation_code}.pdf"'
    )
    # Chinese through the built-in CID font, nothing embedded.
    assert b"/STSong-Light" in content
    assert b"/FontFile" not in content


def test_pdf_contains_the_guide_in_chinese(client, item, tmp_path):
    text = text_of(download(client, item).content, tmp_path)
    for expected in (
        "办事指南",
        "食品经营许可证核发",
        "北山县市场监督管理局",
        item.implementation_code,
        "受理条件",
        "申请人具有完全民事行为能力。",
        "申请表",
        "居民身份证",
        "现场核查",
        "每本10元",
        "中华人民共和国行政许可法",
        "可以委托他人办理吗？",
        "扫码查看最新指南",
    ):
        assert expected in text, expected


def test_pdf_in_english_keeps_chinese_data(client, item, tmp_path):
    content = download(client, item, HTTP_ACCEPT_LANGUAGE="en").content
    assert b"/Helvetica" in content
    text = text_of(content, tmp_path)
    assert "Food business licence" in text
    assert "食品经营许可证核发" in text  # the legal name under the English one
    assert "申请表" in text  # material names are published in Chinese


def test_pdf_of_a_cancelled_item_carries_the_notice(client, tmp_path):
    item = make_published_item(
        state=ImplementationItem.State.CANCELLED,
        change_effective_date=datetime.date(2026, 5, 1),
        change_reason="上位法取消了该项许可。",
    )
    text = text_of(download(client, item).content, tmp_path)
    assert "本事项已取消" in text
    assert "2026-05-01" in text
    assert "上位法取消了该项许可。" in text


def test_pdf_links_the_qr_code_to_the_online_guide(client, item):
    content = download(client, item).content
    url = f"http://testserver/services/items/{item.implementation_code}/"
    assert f"/URI ({url})".encode() in content


def test_qr_code_decodes_to_the_guide_url(client, item, tmp_path):
    if PDFTOPPM is None or ZBARIMG is None:
        pytest.skip("pdftoppm (poppler-utils) or zbarimg (zbar-tools) is not installed")
    path = tmp_path / "guide.pdf"
    path.write_bytes(download(client, item).content)
    subprocess.run(
        [PDFTOPPM, "-r", "200", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page")],
        check=True,
    )
    image = next(tmp_path.glob("page*.png"))
    result = subprocess.run(
        [ZBARIMG, "--quiet", "--raw", str(image)], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == f"http://testserver/services/items/{item.implementation_code}/"


def test_guide_pdf_function_and_filename(item):
    guide = selectors.item_guide_get(implementation_code=item.implementation_code)
    content = pdf.guide_pdf(guide, url="https://example.test/g")
    assert content.startswith(b"%PDF-")
    assert pdf.filename(guide) == f"guide-{item.implementation_code}.pdf"


def test_pdf_is_not_offered_for_drafts(client):
    item = make_published_item(status="draft")
    response = client.get(f"/services/items/{item.implementation_code}/guide.pdf")
    assert response.status_code == 404
