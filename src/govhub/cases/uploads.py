"""Application materials: checked by what they contain, not by what they are called.

    info = inspect_upload(file, label="营业执照", field="material_12")
    name = store_upload(file, info, prefix="cases")   # cases/2026/11/<uuid>.pdf

`inspect_upload` reads the upload once, in chunks (never the whole file into memory): it
counts the size, computes the SHA-256, sniffs the real type from the first bytes with the
`filetype` library and, for a PDF, looks for JavaScript along the way. Accepted: PDF, JPEG,
PNG and OFD (GB/T 33190, the Chinese e-document format: a ZIP container whose root holds
the entry `OFD.xml`, the document's index, whose root element is `OFD`).

What a PDF may not contain: JavaScript, i.e. a name `/JS` or `/JavaScript` in the file's
objects, also when the name is written with `#xx` escapes or sits inside a compressed object
stream (which is inflated, within a budget, to be read). Inside other streams (images, page
contents, fonts), whose bytes are arbitrary, only `/JavaScript` counts: a JavaScript action
always names its type `/S /JavaScript`, and the short `/JS` turns up by chance in binary data.
An encrypted PDF is accepted; its object streams cannot be read without the key, so only
what is outside them is checked.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.core.errors import InvalidInput

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK_SIZE = 64 * 1024
# Bytes `filetype` looks at to recognise a type.
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileKind:
    extension: str  # the canonical extension, used for the stored file
    content_type: str
    aliases: frozenset[str]  # extensions that may name this kind


PDF = FileKind("pdf", "application/pdf", frozenset({"pdf"}))
JPEG = FileKind("jpg", "image/jpeg", frozenset({"jpg", "jpeg", "jpe", "jfif"}))
PNG = FileKind("png", "image/png", frozenset({"png"}))
OFD = FileKind("ofd", "application/ofd", frozenset({"ofd"}))
KINDS = (PDF, JPEG, PNG, OFD)
# `filetype` extensions that are one of ours (an animated PNG is still a PNG).
_SNIFFED = {"pdf": PDF, "jpg": JPEG, "png": PNG, "apng": PNG}


@dataclass(frozen=True)
class UploadInfo:
    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str


def max_upload_bytes() -> int:
    """The size limit of one material: `settings.GOVHUB_UPLOAD_MAX_BYTES`, 20 MiB unless set."""
    return int(getattr(settings, "GOVHUB_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


# --- Messages -------------------------------------------------------------------------------


def _kind_label(kind: FileKind) -> str:
    return {
        "pdf": _("PDF 文件"),
        "jpg": _("JPG 图片"),
        "png": _("PNG 图片"),
        "ofd": _("OFD 文件"),
    }[kind.extension]


def _megabytes(limit: int) -> str:
    """20 MiB → "20", 512 KiB → "0.5"; a tiny limit keeps two significant digits."""
    value = limit / (1024 * 1024)
    text = f"{value:.1f}".removesuffix(".0")
    return text if text != "0" else f"{value:.2g}"


def _fail(message: str, *, field: str | None, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, fields={field: [message]} if field else None)


def _unsupported(label: str | None) -> str:
    if label:
        return _("“%(label)s”的文件类型不受支持：只接受 PDF、JPG、PNG 或 OFD 文件。") % {
            "label": label
        }
    return _("文件类型不受支持：只接受 PDF、JPG、PNG 或 OFD 文件。")


def _too_large(label: str | None, limit: int) -> str:
    size = _megabytes(limit)
    if label:
        return _("“%(label)s”超过大小限制（最大 %(size)s MB）。") % {"label": label, "size": size}
    return _("文件超过大小限制（最大 %(size)s MB）。") % {"size": size}


def _empty(label: str | None) -> str:
    if label:
        return _("“%(label)s”是空文件。") % {"label": label}
    return _("上传的文件是空文件。")


def _mismatch(label: str | None, extension: str, kind: FileKind) -> str:
    values = {"label": label, "extension": extension, "kind": _kind_label(kind)}
    if label:
        return (
            _(
                "“%(label)s”的扩展名是 .%(extension)s，但文件内容是%(kind)s。"
                "请确认文件无误并使用正确的扩展名后重新上传。"
            )
            % values
        )
    return (
        _(
            "文件的扩展名是 .%(extension)s，但文件内容是%(kind)s。"
            "请确认文件无误并使用正确的扩展名后重新上传。"
        )
        % values
    )


def _unsafe(label: str | None) -> str:
    if label:
        return _(
            "“%(label)s”含有脚本（JavaScript）等不安全内容，不能接收。"
            "请另存为不含脚本的 PDF 后重新上传。"
        ) % {"label": label}
    return _(
        "PDF 文件含有脚本（JavaScript）等不安全内容，不能接收。请另存为不含脚本的 PDF 后重新上传。"
    )


# --- Inspecting -----------------------------------------------------------------------------


def original_name(file: Any) -> str:
    """The file's own name without any folder a browser sent along, at most 200 characters
    (keeping the extension)."""
    name = str(getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: 199 - len(extension)] + "." + extension
        else:
            name = name[:200]
    return name


def _claimed_extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def inspect_upload(
    file: Any,
    *,
    max_bytes: int | None = None,
    label: str | None = None,
    field: str | None = None,
) -> UploadInfo:
    """Check one uploaded material (a Django `UploadedFile`) and describe it.

    Raises `InvalidInput` (under `fields[field]` when `field` is given; naming the material
    when `label` is given) for an empty file, a file over the limit, a type other than PDF,
    JPEG, PNG or OFD, an extension that names another type than the content, and a PDF with
    JavaScript. The file is left at its start.
    """
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _fail(_too_large(label, limit), field=field, code="file_too_large")

    digest = hashlib.sha256()
    size = 0
    pending: list[bytes] = []  # read before the type is known: the first SNIFF_BYTES or so
    sniffed = False
    head = b""
    kind: FileKind | None = None
    scanner: PdfScriptScanner | None = None
    for chunk in file.chunks(CHUNK_SIZE):
        if not chunk:
            continue
        size += len(chunk)
        if size > limit:
            file.seek(0)
            raise _fail(_too_large(label, limit), field=field, code="file_too_large")
        digest.update(chunk)
        if not sniffed:
            pending.append(chunk)
            if size < SNIFF_BYTES:
                continue
            head, kind, scanner = _begin(b"".join(pending))
            pending, sniffed = [], True
        elif scanner is not None:
            scanner.feed(chunk)
        if scanner is not None and scanner.found:
            file.seek(0)
            raise _fail(_unsafe(label), field=field, code="file_unsafe")
    if not sniffed:
        # The whole file is shorter than the sniffing window.
        head, kind, scanner = _begin(b"".join(pending))
    file.seek(0)

    if size == 0:
        raise _fail(_empty(label), field=field, code="file_empty")
    if scanner is not None:
        scanner.finish()
        if scanner.found:
            raise _fail(_unsafe(label), field=field, code="file_unsafe")

    if kind is None and head.startswith(b"PK\x03\x04") and _is_ofd(file):
        kind = OFD
    file.seek(0)
    if kind is None:
        raise _fail(_unsupported(label), field=field, code="file_type_unsupported")

    name = original_name(file)
    claimed = _claimed_extension(name)
    if claimed and claimed not in kind.aliases:
        raise _fail(_mismatch(label, claimed, kind), field=field, code="file_type_mismatch")
    return UploadInfo(
        content_type=kind.content_type,
        extension=kind.extension,
        size=size,
        sha256=digest.hexdigest(),
        original_name=name,
    )


def _begin(data: bytes) -> tuple[bytes, FileKind | None, PdfScriptScanner | None]:
    """The head of the file, its kind, and for a PDF a scanner that has read `data` (all
    that was read so far)."""
    head = data[:SNIFF_BYTES]
    kind = sniff(head)
    if kind is not PDF:
        return head, kind, None
    scanner = PdfScriptScanner()
    scanner.feed(data)
    return head, kind, scanner


def sniff(head: bytes) -> FileKind | None:
    """PDF, JPEG or PNG by the first bytes (`filetype`); None for anything else (OFD, being a
    ZIP container, is recognised by its entries, see `_is_ofd`)."""
    try:
        guessed = filetype.guess(head)
    except Exception:  # a sniffer failing on odd bytes means "not recognised"
        return None
    return _SNIFFED.get(guessed.extension) if guessed is not None else None


_OFD_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?OFD[\s/>]")
_OFD_INDEX_MAX = 1024 * 1024


def _is_ofd(file: IO[bytes]) -> bool:
    """A ZIP archive with the OFD index `OFD.xml` at its root, whose root element is `OFD`.

    Only the central directory and the first bytes of `OFD.xml` are read."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            entry = next(
                (info for info in archive.infolist() if info.filename.lower() == "ofd.xml"), None
            )
            if entry is None or entry.flag_bits & 0x1 or entry.file_size > _OFD_INDEX_MAX:
                return False
            with archive.open(entry) as index:
                start = index.read(4096)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        return False
    except (ValueError, RuntimeError, zlib.error):
        return False
    return _OFD_ROOT.search(start) is not None


# --- JavaScript in PDFs ---------------------------------------------------------------------

# A name (`/Something`), the end of a stream's data, or the start of one.
_TOKEN = re.compile(
    rb"/(?P<name>[^\x00\t\n\f\r \[\]<>(){}/%]{0,256})"
    rb"|(?P<end>endstream)"
    rb"|(?P<start>stream)(?:\r\n|\n|\r)"
)
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJECT_HEADER = re.compile(rb"\d+\s+\d+\s+obj\b")
# Bytes kept before the current position (to read a stream's dictionary) and held back at
# the end of a piece (so that a token cut by a chunk boundary is seen whole next time).
_LOOKBACK = 4096
_HOLD_BACK = 512
_INFLATE_STEP = 256 * 1024
INFLATE_BUDGET = 64 * 1024 * 1024


def _decode_name(raw: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw


class PdfScriptScanner:
    """Looks for JavaScript in a PDF fed in pieces; `found` turns True when there is some
    (or when an object stream cannot be checked: an unknown filter, or too big)."""

    def __init__(self, *, nested: bool = False, budget: list[int] | None = None) -> None:
        self.buf = b""
        self.pos = 0  # first byte of `buf` not scanned yet
        self.nested = nested  # scanning an inflated object stream (holds no streams)
        self.in_stream = False
        self.inflater: Any = None  # zlib decompressor of the object stream being read
        self.inner: PdfScriptScanner | None = None
        self.feed_pos = 0  # first byte of the object stream not inflated yet
        self.budget = budget if budget is not None else [INFLATE_BUDGET]
        self.found = False

    def feed(self, data: bytes) -> None:
        self._scan(data, final=False)

    def finish(self) -> None:
        self._scan(b"", final=True)
        self._end_object_stream()

    def _scan(self, data: bytes, *, final: bool) -> None:
        if self.found:
            return
        self.buf += data
        limit = len(self.buf) if final else len(self.buf) - _HOLD_BACK
        if limit <= self.pos:
            return
        resume = limit
        for match in _TOKEN.finditer(self.buf, self.pos):
            if match.start() >= limit:
                break
            resume = max(limit, match.end())
            if match.group("name") is not None:
                self._name(_decode_name(match.group("name")))
            elif match.group("end") is not None:
                if self.in_stream:
                    self._inflate(self.buf[self.feed_pos : match.start()])
                    self._end_object_stream()
                    self.in_stream = False
            elif not self.in_stream and not self.nested:
                self.in_stream = True
                self._start_stream(match.start(), match.end())
            if self.found:
                return
        if self.in_stream and self.inflater is not None and self.feed_pos < resume:
            self._inflate(self.buf[self.feed_pos : resume])
            self.feed_pos = resume
        self.pos = resume
        cut = max(0, self.pos - _LOOKBACK)
        if cut:
            self.buf = self.buf[cut:]
            self.pos -= cut
            self.feed_pos = max(0, self.feed_pos - cut)

    def _name(self, name: bytes) -> None:
        if name == b"JavaScript" or (name == b"JS" and not self.in_stream):
            self.found = True

    def _start_stream(self, start: int, data_start: int) -> None:
        """A stream starts: inflate it when it is an object stream (objects in it count as
        much as those outside)."""
        before = self.buf[max(0, start - _LOOKBACK) : start]
        headers = list(_OBJECT_HEADER.finditer(before))
        dictionary = before[headers[-1].end() :] if headers else before
        names = {_decode_name(m.group("name")) for m in _TOKEN.finditer(dictionary) if m["name"]}
        # An object stream has /Type /ObjStm, and always /First (readers go by /First).
        if not names & {b"ObjStm", b"First"}:
            return
        filters = names & {
            b"FlateDecode",
            b"Fl",
            b"ASCIIHexDecode",
            b"AHx",
            b"ASCII85Decode",
            b"A85",
            b"LZWDecode",
            b"LZW",
            b"RunLengthDecode",
            b"RL",
        }
        if not filters:
            # Stored as is: read like the rest of the file.
            self.in_stream = False
            return
        if filters - {b"FlateDecode", b"Fl"}:
            self.found = True  # cannot be checked
            return
        self.inflater = zlib.decompressobj()
        self.inner = PdfScriptScanner(nested=True, budget=self.budget)
        self.feed_pos = data_start

    def _inflate(self, data: bytes) -> None:
        inner = self.inner
        while data and self.inflater is not None and inner is not None:
            try:
                out = self.inflater.decompress(data, _INFLATE_STEP)
            except zlib.error:
                # Encrypted or damaged: readers cannot read it either without the key.
                self.inflater = None
                return
            self.budget[0] -= len(out)
            if self.budget[0] < 0:
                self.found = True
                return
            inner.feed(out)
            if inner.found:
                self.found = True
                return
            if self.inflater.eof:
                self._end_object_stream()
                return
            data = self.inflater.unconsumed_tail

    def _end_object_stream(self) -> None:
        if self.inner is not None:
            self.inner.finish()
            self.found = self.found or self.inner.found
        self.inner = None
        self.inflater = None


# --- Storing --------------------------------------------------------------------------------


def storage_name(info: UploadInfo, *, prefix: str = "cases") -> str:
    """`<prefix>/<yyyy>/<mm>/<uuid>.<ext>`: the local (Asia/Shanghai) month; never the
    applicant's file name."""
    today = timezone.localdate()
    folder = "/".join(part for part in prefix.strip("/").split("/") if part not in ("", ".", ".."))
    return f"{folder or 'cases'}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{info.extension}"


def store_upload(file: Any, info: UploadInfo, *, prefix: str = "cases") -> str:
    """Save a checked upload through the default storage; returns the storage name, to be
    recorded (e.g. in `CaseMaterial.file`)."""
    file.seek(0)
    return default_storage.save(storage_name(info, prefix=prefix), file)


__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_MAX_BYTES",
    "KINDS",
    "PdfScriptScanner",
    "UploadInfo",
    "inspect_upload",
    "max_upload_bytes",
    "sniff",
    "store_upload",
]
