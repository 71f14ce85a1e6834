"""The checks every uploaded file passes, whatever it attaches to (ATT-01, ATT-03): a message's files
and a template's (which are copied onto messages) go into the same emails, so one set of rules
serves both: not empty, a bounded size per file and per item, and no programs or scripts.

Mail services refuse, or strip, programs and scripts whatever their name says (Gmail's blocked
file types), so such a file would reach no family: it is refused at upload, by its name's extension,
by the media type it was sent with, and by its first bytes (a Windows, Linux or macOS executable
renamed to ``.pdf`` is still refused).
"""

from __future__ import annotations

import dataclasses
import hashlib
import mimetypes
import re

from domain.support.errors import FieldProblem

MAX_FILE_BYTES = 10 * 1024 * 1024
#: What one item's files may total: the most a message's email carries.
MAX_ITEM_BYTES = 25 * 1024 * 1024

#: Extensions of programs, scripts and disk images that mail services refuse (Gmail's list).
BLOCKED_EXTENSIONS = frozenset({
    "ade", "adp", "apk", "appx", "appxbundle", "bat", "cab", "chm", "cmd", "com", "cpl", "diagcab", "diagcfg",
    "diagpack", "dll", "dmg", "ex", "ex_", "exe", "hta", "img", "ins", "iso", "isp", "jar", "jnlp", "js", "jse",
    "lib", "lnk", "mde", "mjs", "msc", "msi", "msix", "msixbundle", "msp", "mst", "nsh", "pif", "ps1", "scr", "sct",
    "shb", "sys", "vb", "vbe", "vbs", "vhd", "vxd", "wsc", "wsf", "wsh", "xll"})
#: Media types that announce a program or script, whatever the name.
BLOCKED_CONTENT_TYPES = frozenset({
    "application/x-msdownload", "application/x-msdos-program", "application/x-dosexec", "application/x-executable",
    "application/vnd.microsoft.portable-executable", "application/x-msi", "application/x-ms-installer",
    "application/java-archive", "application/x-java-archive", "application/javascript", "text/javascript",
    "application/hta", "application/x-apple-diskimage", "application/vnd.android.package-archive"})
#: First bytes of ELF and Mach-O executables (PE, the Windows kind, is checked apart: see _is_executable).
_EXECUTABLE_MAGIC = (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
                     b"\xca\xfe\xba\xbe")


@dataclasses.dataclass(frozen=True)
class UploadedFile:
    """A file that passed the checks, as it is stored: its clean name, media type, size and hash."""

    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes

    def columns(self) -> dict:
        """The columns every attached-file table has (MessageAttachment, MessageTemplateAttachment)."""
        return dataclasses.asdict(self)


def clean_filename(name: str) -> str:
    """The name as the recipient will see it: no folders, no control characters."""
    base = re.split(r"[\\\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    return base[:255] or "attachment"


def media_type(filename: str, declared: str | None) -> str:
    """The type the upload declared, else the one its name suggests, else a generic binary."""
    kind = (declared or "").strip() or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return kind[:100]


def _is_executable(data: bytes) -> bool:
    """A program by its first bytes: ELF or Mach-O, or a Windows PE (``MZ``, then ``PE\\0\\0`` where
    the DOS header points), so a text file that merely begins with "MZ" is not taken for one."""
    if data.startswith(_EXECUTABLE_MAGIC):
        return True
    if data.startswith(b"MZ") and len(data) >= 0x40:
        offset = int.from_bytes(data[0x3C:0x40], "little")
        return data[offset:offset + 4] == b"PE\0\0"
    return False


def upload_problems(filename: str, content_type: str | None, data: bytes, *, stored_bytes: int,
                    item: str) -> list[FieldProblem]:
    """Every problem with one upload at path ``file``; ``stored_bytes``: what the ``item`` (a
    "message", a "template") already holds. Empty: the file may be stored."""
    problems = []
    if not data:
        problems.append(FieldProblem(("file",), "REQUIRED", "The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        problems.append(FieldProblem(("file",), "TOO_LONG", f"A file may be at most {MAX_FILE_BYTES // 2**20} MB."))
    if stored_bytes + len(data) > MAX_ITEM_BYTES:
        problems.append(FieldProblem(("file",), "TOO_LONG",
                                     f"A {item}'s files may total at most {MAX_ITEM_BYTES // 2**20} MB."))
    name = clean_filename(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    declared = (content_type or "").split(";")[0].strip().lower()
    if extension in BLOCKED_EXTENSIONS or declared in BLOCKED_CONTENT_TYPES or _is_executable(data):
        problems.append(FieldProblem(("file",), "BLOCKED_TYPE", "Programs, scripts and disk images cannot be "
                                     "attached: email services refuse them. Share a link to it instead."))
    return problems


def uploaded_file(filename: str, content_type: str | None, data: bytes) -> UploadedFile:
    """The file as stored, once upload_problems found nothing."""
    name = clean_filename(filename)
    return UploadedFile(filename=name, content_type=media_type(name, content_type), size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), data=data)
