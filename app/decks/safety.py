"""Decide whether an uploaded file is a sane PowerPoint package before python-pptx opens it.

python-pptx reads every part of the package into memory and hands XML to lxml, so anything
hostile (a zip bomb, a DTD with entities, paths that climb out of a folder) must be caught
here, from the zip's central directory and by streaming the XML parts with bounded reads.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.decks.problems import DeckRejected, error
from app.i18n import N_

PRESENTATION_TYPES = {
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
}
MACRO_TYPES = {
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
}
REQUIRED_PARTS = ("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml")
XML_SUFFIXES = (".xml", ".rels")
# A DTD has no place in OOXML; refusing it outright stops entity expansion and external entities.
_DTD_PATTERN = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK = 64 * 1024
# Small members compress badly or well by chance; the ratio check only matters for big ones.
_RATIO_MIN_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 100 * 1024 * 1024
    max_members: int = 4000
    max_uncompressed_bytes: int = 400 * 1024 * 1024
    max_compression_ratio: int = 120


def _reject(code: str, message: str, **params: object) -> DeckRejected:
    return DeckRejected([error(code, message, **params)])


def _sniff(path: Path) -> None:
    """Recognise files that are plainly not a .pptx, to say what they are instead."""
    size = path.stat().st_size
    if size == 0:
        raise _reject("file.empty", N_("The file is empty."))
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF"):
        raise _reject(
            "file.pdf",
            N_("This is a PDF file, not a PowerPoint file. Upload the .pptx deck itself."),
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _reject(
            "file.legacy-ppt",
            N_(
                "This is an old-format PowerPoint file (.ppt) or another Office 97-2003 file. "
                "Open it in PowerPoint and save it as .pptx, then upload it again."
            ),
        )
    if not head.startswith(b"PK"):
        raise _reject(
            "file.not-pptx", N_("This is not a PowerPoint (.pptx) file.")
        )


def _check_member_name(name: str) -> None:
    posix = PurePosixPath(name)
    if (
        name.startswith(("/", "\\"))
        or "\\" in name
        or re.match(r"^[A-Za-z]:", name)
        or ".." in posix.parts
        or "\x00" in name
    ):
        raise _reject(
            "zip.unsafe-name",
            N_("The file contains an unsafe path ({name}); it was not imported."),
            name=name[:200],
        )


def _scan_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Stream one XML part (bounded by its declared size) looking for a DTD or a foreign encoding."""
    tail = b""
    first = True
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            if first:
                first = False
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
                    raise _reject(
                        "xml.encoding",
                        N_("Part {name} is not UTF-8 text as PowerPoint writes it."),
                        name=info.filename,
                    )
            if _DTD_PATTERN.search(tail + chunk):
                raise _reject(
                    "xml.dtd",
                    N_(
                        "Part {name} declares a DTD or entities, which PowerPoint never writes. "
                        "The file may have been tampered with; it was not imported."
                    ),
                    name=info.filename,
                )
            tail = chunk[-16:]


def check_package(path: Path, limits: Limits) -> None:
    """Raise DeckRejected unless the file is a plausible, bounded .pptx package.

    Reads only the central directory and the XML parts (streamed); pictures are never inflated.
    """
    _sniff(path)
    if path.stat().st_size > limits.max_bytes:
        raise _reject(
            "file.too-large",
            N_("The file is larger than the limit of {limit_mb} MB."),
            limit_mb=limits.max_bytes // (1024 * 1024),
        )
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise _reject(
            "file.truncated",
            N_("The file is damaged or incomplete (perhaps the upload was cut off). "
               "Save the deck again and upload it."),
        ) from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise _reject(
                "zip.too-many-members",
                N_("The file has {count} parts; at most {limit} are allowed."),
                count=len(members), limit=limits.max_members,
            )
        total = 0
        names = set()
        for info in members:
            _check_member_name(info.filename)
            names.add(info.filename)
            total += info.file_size
            if total > limits.max_uncompressed_bytes:
                raise _reject(
                    "zip.too-large-unpacked",
                    N_("Unpacked, the file would be larger than {limit_mb} MB; it was not "
                       "imported."),
                    limit_mb=limits.max_uncompressed_bytes // (1024 * 1024),
                )
            if (
                info.file_size >= _RATIO_MIN_SIZE
                and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
            ):
                raise _reject(
                    "zip.bomb",
                    N_("Part {name} expands {ratio}-fold when unpacked, which no real deck does. "
                       "The file was not imported."),
                    name=info.filename, ratio=info.file_size // max(info.compress_size, 1),
                )
            if info.flag_bits & 0x1:
                raise _reject(
                    "zip.encrypted",
                    N_("The file is password-protected. Remove the password and upload again."),
                )
        missing = [part for part in REQUIRED_PARTS if part not in names]
        if missing:
            raise _reject(
                "pptx.missing-parts",
                N_("This is a zip file but not a PowerPoint deck (missing: {parts})."),
                parts=", ".join(missing),
            )
        try:
            for info in members:
                if info.filename.endswith(XML_SUFFIXES):
                    _scan_xml(archive, info)
            content_types = archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise _reject(
                "file.corrupt",
                N_("The file is damaged: a part cannot be unpacked. Save the deck again and "
                   "upload it."),
            ) from exc
    if any(kind.encode() in content_types for kind in MACRO_TYPES):
        raise _reject(
            "pptx.macros",
            N_("Decks with macros (.pptm) are not accepted. Save the deck as .pptx."),
        )
    if not any(kind.encode() in content_types for kind in PRESENTATION_TYPES):
        raise _reject(
            "pptx.not-presentation",
            N_("This Office file is not a PowerPoint presentation."),
        )
