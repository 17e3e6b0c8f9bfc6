"""The supervision notice (监察建议书) as a real PDF with Chinese text, read back with
poppler's `pdftotext`, in both languages."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from govhub.supervision import notices, selectors, services
from govhub.supervision.tests.factories import AlertFactory, department_staff, supervisor

pytestmark = pytest.mark.django_db
PDFTOTEXT = shutil.which("pdftotext")
BASE_URL = "https://zwfw.example.gov.cn"


def text_of(content: bytes, tmp_path: Path) -> str:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "notice.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def test_notice_pdf_says_who_what_and_until_when(tmp_path: Path) -> None:
    alert = AlertFactory(detail={"due": "2026-11-20"})
    boss = supervisor(alert.region)
    services.alert_explain(
        actor=department_staff(alert.department), alert=alert, explanation="系统故障导致延误。"
    )
    issued = services.alert_escalate(
        actor=boss,
        alert=alert,
        text="一、立即办结该办件。\n二、书面说明超期原因并提出整改措施。",
        reply_by=datetime.date(2099, 12, 4),
    )
    notice = selectors.notice_for(user=boss, notice_id=issued.pk)
    content = notices.supervision_notice_pdf(notice, base_url=BASE_URL)
    assert content.startswith(b"%PDF")
    text = text_of(content, tmp_path)
    for expected in (
        "监察建议书",
        notice.issuer,
        notice.number,
        alert.department.name,
        alert.case.number,
        "多次要求补正",  # the rule's name
        "红牌",
        "2026年11月20日",
        "系统故障导致延误。",
        "立即办结该办件",
        "书面说明超期原因并提出整改措施",
        "2099年12月4日",
    ):
        assert expected in text, expected
    assert notices.filename(notice) == f"supervision-notice-{notice.number}.pdf"


def test_notice_pdf_in_english(tmp_path: Path) -> None:
    alert = AlertFactory()
    boss = supervisor(alert.region)
    issued = services.alert_escalate(actor=boss, alert=alert, text="Finish the case.")
    notice = selectors.notice_for(user=boss, notice_id=issued.pk)
    with translation.override("en"):
        content = notices.supervision_notice_pdf(notice, base_url=BASE_URL)
    text = text_of(content, tmp_path)
    assert notice.number in text and "Finish the case." in text
