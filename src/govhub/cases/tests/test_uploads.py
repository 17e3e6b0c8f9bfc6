"""Application materials are checked by their content: real minimal PDF, JPEG, PNG and OFD
files pass; renamed, empty, oversized and script-carrying files are refused with a message
that names the material; the file is read in chunks and stored under a name of our own."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from govhub.cases import uploads
from govhub.cases.uploads import UploadInfo, inspect_upload, store_upload
from govhub.core.errors import InvalidInput

# --- Real minimal files ----------


def pdf_bytes(*objects: bytes, trailer_extra: bytes = b"") -> bytes:
    """A well-formed PDF (correct cross-reference table): catalog 1, pages 2, page 3, then
    `objects` numbered from 4."""
    base = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(base + list(objects), start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(offsets) + 1,
        trailer_extra,
        xref,
    )
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), entries) + data + b"\nendstream"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 30, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


OFD_INDEX = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">'
    "<ofd:DocBody><ofd:DocInfo><ofd:DocID>8f2c</ofd:DocID></ofd:DocInfo>"
    "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
)


def zip_bytes(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def ofd_bytes() -> bytes:
    return zip_bytes(
        {
            "OFD.xml": OFD_INDEX,
            "Doc_0/Document.xml": '<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>',
            "Doc_0/Pages/Page_0/Content.xml": "<ofd:Page/>",
        }
    )


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
PDF = pdf_bytes()


def upload(data: bytes, name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def chunked(data: bytes, name: str = "材料.pdf") -> UploadedFile:
    """An upload read in chunks, as one spooled to disk is (`SimpleUploadedFile`, held in
    memory, hands over its content in one piece)."""
    return UploadedFile(io.BytesIO(data), name=name, size=len(data))


def refused(file, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        inspect_upload(file, **kwargs)
    return caught.value


# --- What is accepted ----------


@pytest.mark.parametrize(
    ("data", "name", "content_type", "extension"),
    [
        (PDF, "营业执照.pdf", "application/pdf", "pdf"),
        (png_bytes(), "照片.png", "image/png", "png"),
        (jpeg_bytes(), "照片.jpg", "image/jpeg", "jpg"),
        (jpeg_bytes(), "照片.JPEG", "image/jpeg", "jpg"),
        (ofd_bytes(), "发票.ofd", "application/ofd", "ofd"),
        (PDF, "no-extension", "application/pdf", "pdf"),
    ],
)
def test_real_files_are_accepted_and_described(data, name, content_type, extension):
    file = upload(data, name)
    info = inspect_upload(file)
    assert info == UploadInfo(
        content_type=content_type,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=name,
    )
    assert file.tell() == 0  # left at the start for storing


def test_a_pdf_made_by_reportlab_with_compressed_streams_is_accepted():
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(100, 700, "Application form")
    canvas.showPage()
    canvas.save()
    assert inspect_upload(upload(buffer.getvalue())).content_type == "application/pdf"


def test_an_encrypted_pdf_is_accepted():
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, encrypt="secret")
    canvas.drawString(100, 700, "Encrypted")
    canvas.save()
    content = buffer.getvalue()
    assert b"/Encrypt" in content
    assert inspect_upload(upload(content)).extension == "pdf"


def test_a_damaged_pdf_is_accepted_as_a_pdf():
    # Only the content's type is checked here; whether it opens is for the reviewer.
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog ... truncated"
    assert inspect_upload(upload(data, "scan.pdf")).content_type == "application/pdf"


def test_the_original_name_loses_any_folder_and_is_kept_short():
    assert uploads.original_name(SimpleUploadedFile("a.pdf", b"x")) == "a.pdf"
    file = SimpleUploadedFile("x.pdf", b"x")
    file.name = "C:\\Users\\张三\\桌面\\营业执照.pdf"
    assert uploads.original_name(file) == "营业执照.pdf"
    file.name = "长" * 300 + ".pdf"
    shortened = uploads.original_name(file)
    assert len(shortened) == 200
    assert shortened.endswith(".pdf")


# --- Renamed and unsupported files ----------


def test_a_png_named_pdf_is_refused_as_a_mismatch_naming_both():
    error = refused(upload(png_bytes(), "营业执照.pdf"), label="营业执照", field="material_3")
    assert error.code == "file_type_mismatch"
    message = str(error.message)
    assert "“营业执照”" in message
    assert ".pdf" in message
    assert "PNG 图片" in message
    assert error.fields == {"material_3": [message]}


def test_a_pdf_named_jpg_is_a_mismatch_too():
    error = refused(upload(PDF, "scan.jpg"))
    assert error.code == "file_type_mismatch"
    assert str(error.message).startswith("文件的扩展名是 .jpg，但文件内容是PDF 文件。")
    assert error.fields == {}


def test_an_exe_renamed_pdf_is_unsupported():
    error = refused(upload(EXE, "营业执照.pdf"), label="营业执照", field="licence")
    assert error.code == "file_type_unsupported"
    expected = "“营业执照”的文件类型不受支持：只接受 PDF、JPG、PNG 或 OFD 文件。"
    assert str(error.message) == expected
    assert error.fields == {"licence": [expected]}


@pytest.mark.parametrize(
    "data",
    [
        zip_bytes({"Doc_0/Document.xml": "<x/>"}),  # a ZIP without the OFD index
        zip_bytes({"OFD.xml": "<html>not an OFD index</html>"}),
        zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),  # .docx
        b"PK\x03\x04" + b"\x00" * 100,  # a broken ZIP
        b"GIF89a" + b"\x00" * 50,
        b"plain text, not a document",
    ],
)
def test_other_content_is_unsupported_whatever_the_name(data):
    assert refused(upload(data, "材料.ofd")).code == "file_type_unsupported"


def test_an_ofd_must_have_its_index_at_the_root():
    data = zip_bytes({"sub/OFD.xml": OFD_INDEX})
    assert refused(upload(data, "x.ofd")).code == "file_type_unsupported"


# --- Empty and oversized files ----------


def test_an_empty_file_is_refused():
    error = refused(upload(b"", "营业执照.pdf"), label="营业执照")
    assert error.code == "file_empty"
    assert str(error.message) == "“营业执照”是空文件。"
    assert str(refused(upload(b"")).message) == "上传的文件是空文件。"


def test_the_default_limit_is_20_mb_and_a_declared_size_is_enough_to_refuse():
    # The file claims to be bigger than the limit: refused before reading it.
    file = UploadedFile(io.BytesIO(PDF), name="营业执照.pdf", size=20 * 1024 * 1024 + 1)
    error = refused(file, label="营业执照", field="f")
    assert error.code == "file_too_large"
    assert str(error.message) == "“营业执照”超过大小限制（最大 20 MB）。"


def test_the_limit_follows_the_setting_and_counts_what_is_read(settings):
    settings.GOVHUB_UPLOAD_MAX_BYTES = 1024 * 1024
    data = pdf_bytes(stream(b"\x00" * (1024 * 1024)))
    # The declared size understates the content: the bytes read still count.
    file = UploadedFile(io.BytesIO(data), name="big.pdf", size=10)
    error = refused(file)
    assert error.code == "file_too_large"
    assert str(error.message) == "文件超过大小限制（最大 1 MB）。"
    assert inspect_upload(upload(PDF)).size == len(PDF)


def test_max_bytes_overrides_the_setting():
    error = refused(upload(PDF), max_bytes=len(PDF) - 1, label="身份证")
    assert error.code == "file_too_large"
    assert str(error.message).startswith("“身份证”超过大小限制（最大 0.0")
    assert inspect_upload(upload(PDF), max_bytes=len(PDF)).size == len(PDF)


def test_the_limit_is_said_in_mb():
    assert uploads._megabytes(20 * 1024 * 1024) == "20"
    assert uploads._megabytes(512 * 1024) == "0.5"
    assert uploads._megabytes(1536 * 1024) == "1.5"
    assert uploads._megabytes(10 * 1024) == "0.0098"


# --- JavaScript in PDFs ----------


JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"


@pytest.mark.parametrize(
    "objects",
    [
        # An action run when the document opens.
        (b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", JS_ACTION),
        # Only the short key.
        (b"<< /JS 5 0 R >>", stream(b"app.alert(1)")),
        # A document-level script in the names tree.
        (b"<< /Names << /JavaScript 5 0 R >> >>",),
        # Names written with #xx escapes.
        (b"<< /S /J#61va#53cript /J#53 (x) >>",),
    ],
)
def test_a_pdf_with_javascript_is_refused(objects):
    error = refused(upload(pdf_bytes(*objects)), label="申请表", field="form")
    assert error.code == "file_unsafe"
    assert "“申请表”含有脚本（JavaScript）" in str(error.message)
    assert error.fields == {"form": [str(error.message)]}


def object_stream(content: bytes, entries: bytes = b"/Type /ObjStm /N 1 /First 4") -> bytes:
    packed = zlib.compress(b"9 0 " + content)
    return stream(packed, entries + b" /Filter /FlateDecode ")


def test_javascript_hidden_in_a_compressed_object_stream_is_found():
    assert refused(upload(pdf_bytes(object_stream(JS_ACTION)))).code == "file_unsafe"
    # Readers find object streams by /First even without /Type /ObjStm.
    hidden = object_stream(JS_ACTION, entries=b"/N 1 /First 4")
    assert refused(upload(pdf_bytes(hidden))).code == "file_unsafe"


def test_a_harmless_object_stream_is_accepted():
    data = pdf_bytes(object_stream(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"))
    assert inspect_upload(upload(data)).extension == "pdf"


def test_an_object_stream_with_a_filter_we_cannot_read_is_refused():
    data = pdf_bytes(
        stream(b"abc~>", b"/Type /ObjStm /N 1 /First 4 /Filter [/ASCII85Decode /FlateDecode] ")
    )
    assert refused(upload(data)).code == "file_unsafe"


def test_an_object_stream_that_inflates_past_the_budget_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "INFLATE_BUDGET", 1000)
    data = pdf_bytes(object_stream(b"<< /Filler (" + b"a" * 5000 + b") >>"))
    assert refused(upload(data)).code == "file_unsafe"


def test_js_by_chance_in_binary_stream_data_is_not_javascript():
    binary = bytes(range(256)) * 4 + b"/JS " + bytes(range(255, -1, -1)) * 4
    image = stream(binary, b"/Type /XObject /Subtype /Image /Filter /DCTDecode ")
    assert inspect_upload(upload(pdf_bytes(image))).extension == "pdf"


def test_but_a_javascript_name_inside_stream_data_still_counts():
    # An object written inside another stream's data is still read through the xref table.
    data = pdf_bytes(stream(b"junk 9 0 obj " + JS_ACTION + b" endobj junk"))
    assert refused(upload(data)).code == "file_unsafe"


# --- Reading in chunks ----------


def padded_pdf_with(name: bytes, *, at: int) -> bytes:
    """A PDF whose `name` (in a dictionary) starts at byte `at`, after a padding stream."""
    padding = 1000
    for _attempt in range(5):
        data = pdf_bytes(stream(b"\x00" * padding), b"<< /S " + name + b" >>")
        position = data.index(b"<< /S " + name) + len(b"<< /S ")
        if position == at:
            return data
        padding += at - position
    raise AssertionError("could not place the name")


class RecordingFile(io.BytesIO):
    """A file that remembers how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(size)
        return super().read(size)


def test_a_large_file_is_read_in_chunks_and_hashed_whole():
    data = pdf_bytes(stream(bytes(range(256)) * 1200))  # ~300 KB, several chunks
    assert len(data) > 4 * uploads.CHUNK_SIZE
    recording = RecordingFile(data)
    file = UploadedFile(recording, name="big.pdf", size=len(data))
    info = inspect_upload(file)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.size == len(data)
    assert recording.reads
    assert all(size is not None and 0 < size <= uploads.CHUNK_SIZE for size in recording.reads)


@pytest.mark.parametrize("offset", [-11, -5, -1, 0, 3])
def test_javascript_cut_by_a_chunk_boundary_is_found(offset):
    at = 2 * uploads.CHUNK_SIZE + offset
    data = padded_pdf_with(b"/JavaScript", at=at)
    assert data[at : at + 11] == b"/JavaScript"
    assert refused(chunked(data)).code == "file_unsafe"


@pytest.mark.parametrize("at", [uploads.SNIFF_BYTES - 2, uploads.CHUNK_SIZE - 1])
def test_js_cut_by_the_sniffing_window_or_the_first_chunk_is_found(at, monkeypatch):
    data = padded_pdf_with(b"/J#53", at=at)
    assert refused(chunked(data)).code == "file_unsafe"
    # With chunks smaller than the sniffing window too.
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 1000)
    assert refused(chunked(data)).code == "file_unsafe"


def test_small_chunks_give_the_same_answers(monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 7)
    for data, name in ((PDF, "a.pdf"), (png_bytes(), "a.png"), (ofd_bytes(), "a.ofd")):
        info = inspect_upload(chunked(data, name))
        assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert refused(chunked(pdf_bytes(object_stream(JS_ACTION)))).code == "file_unsafe"


# --- Any bytes at all ----------

PREFIXES = [b"", b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"PK\x03\x04", b"MZ"]


@hypothesis_settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=3000),
    name=st.sampled_from(["a.pdf", "a.png", "a.jpg", "a.ofd", "a", ".pdf", "a.exe", "资料.PDF"]),
)
def test_arbitrary_bytes_raise_nothing_but_invalid_input(prefix, body, name):
    try:
        info = inspect_upload(chunked(prefix + body, name))
    except InvalidInput as error:
        assert error.code in {
            "file_empty",
            "file_too_large",
            "file_type_unsupported",
            "file_type_mismatch",
            "file_unsafe",
        }
    else:
        assert info.size == len(prefix + body)


@hypothesis_settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=2000), cut=st.integers(min_value=1, max_value=64))
def test_pdf_scanner_finds_the_same_whatever_the_pieces(body, cut):
    data = b"%PDF-1.4\n" + body + b" /JavaScript "
    whole = uploads.PdfScriptScanner()
    whole.feed(data)
    whole.finish()
    pieces = uploads.PdfScriptScanner()
    for start in range(0, len(data), cut):
        pieces.feed(data[start : start + cut])
    pieces.finish()
    assert whole.found and pieces.found


# --- Storing ----------


@pytest.fixture
def memory_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


def test_store_upload_saves_under_a_name_of_our_own(memory_storage):
    file = upload(PDF, "张三的营业执照.pdf")
    info = inspect_upload(file)
    name = store_upload(file, info, prefix="cases")
    assert re.fullmatch(r"cases/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", name)
    assert "张三" not in name
    with default_storage.open(name) as stored:
        assert stored.read() == PDF
    # Another upload of the same content gets another name.
    assert store_upload(upload(PDF), info, prefix="cases") != name


def test_store_upload_keeps_the_prefix_inside_the_storage(memory_storage):
    info = inspect_upload(upload(png_bytes(), "a.png"))
    name = store_upload(ContentFile(png_bytes()), info, prefix="../../etc/")
    assert re.fullmatch(r"etc/\d{4}/\d{2}/[0-9a-f]{32}\.png", name)
