"""Decide whether an uploaded file is a sane PowerPoint package before python-pptx opens it.

python-pptx reads every part of the package into memory and hands XML to lxml, so anything
hostile (a zip bomb, a DTD with entities, paths that climb out of a folder) must be caught
here, from the zip's central directory and by streaming every part with bounded reads.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from lxml import etree

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
CONTENT_TYPES = "[Content_Types].xml"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# PowerPoint only ever stores or deflates; other methods (bzip2, LZMA) are inflated by zipfile
# without any bound on the output, so a few kilobytes of them can fill the memory.
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# A DTD has no place in OOXML; refusing it outright stops entity expansion and external entities.
_DTD_PATTERN = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# The pattern above only sees a DTD written in UTF-8 (or ASCII), so any other encoding is refused.
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
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


def _file_contains(path: Path, needle: bytes) -> bool:
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


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
        # PowerPoint saves a password-protected .pptx inside such a compound file, as a stream
        # of this name; telling that lecturer to "save it as .pptx" would only puzzle them.
        if _file_contains(path, "EncryptedPackage".encode("utf-16-le")):
            raise _reject(
                "file.encrypted",
                N_("The file is password-protected. Remove the password and upload again."),
            )
        raise _reject(
            "file.legacy-ppt",
            N_(
                "This is an old-format PowerPoint file (.ppt) or another Office 97-2003 file. "
                "Open it in PowerPoint and save it as .pptx, then upload it again."
            ),
        )
    if not head.startswith(b"PK"):
        raise _reject("file.not-pptx", N_("This is not a PowerPoint (.pptx) file."))


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


def _damaged() -> DeckRejected:
    return _reject(
        "file.corrupt",
        N_("The file is damaged: a part cannot be unpacked. Save the deck again and upload it."),
    )


def _member_chunks(handle: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Yield one member's unpacked bytes in small chunks, checked against the zip's directory.

    zipfile trusts the directory's size: it inflates a whole member in one call and only then
    cuts the result to that size, so a part that claims 1 KB but inflates to 1 GB would still
    cost python-pptx 1 GB of memory. Inflating here in bounded steps catches the lie early.
    """
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or not header.startswith(b"PK\x03\x04"):
        raise _damaged()
    *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    handle.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    deflated = info.compress_type == zipfile.ZIP_DEFLATED
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if deflated else None
    left, size, crc = info.compress_size, 0, 0
    while left > 0:
        data = handle.read(min(_CHUNK, left))
        if not data:
            raise _damaged()
        left -= len(data)
        while True:  # also drains what zlib holds back once the output chunk is full
            out = inflater.decompress(data, _CHUNK) if inflater else data
            data = inflater.unconsumed_tail if inflater else b""
            size += len(out)
            if size > info.file_size:
                raise _reject(
                    "zip.bomb",
                    N_(
                        "Part {name} unpacks to more than the file says it holds, which no real "
                        "deck does. The file was not imported."
                    ),
                    name=info.filename,
                )
            crc = zlib.crc32(out, crc)
            yield out
            if not data and len(out) < _CHUNK:
                break
    if size != info.file_size or crc != info.CRC:
        raise _damaged()


def _scan_xml(name: str, chunks: Iterable[bytes]) -> None:
    """Look through one XML part for a DTD, after making sure it is UTF-8 as PowerPoint writes."""

    def foreign_encoding() -> DeckRejected:
        return _reject(
            "xml.encoding",
            N_("Part {name} is not UTF-8 text as PowerPoint writes it."),
            name=name,
        )

    head = tail = b""
    for chunk in chunks:
        if len(head) < 1024:
            head += chunk[:1024]
        # NUL is never valid in XML: it means UTF-16 or UTF-32, with or without a byte-order mark.
        if b"\x00" in chunk:
            raise foreign_encoding()
        if _DTD_PATTERN.search(tail + chunk):
            raise _reject(
                "xml.dtd",
                N_(
                    "Part {name} declares a DTD or entities, which PowerPoint never writes. "
                    "The file may have been tampered with; it was not imported."
                ),
                name=name,
            )
        tail = chunk[-16:]
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    declared = _DECLARED_ENCODING.match(head)
    if (head and not head.startswith(b"<")) or (
        declared and declared.group(1).lower() not in (b"utf-8", b"utf8")
    ):
        raise foreign_encoding()


def _xml_parts(content_types: bytes, names: Iterable[str]) -> set[str]:
    """Name the parts python-pptx will parse as XML.

    It goes by the content type, not by the name, so a slide stored as ``slide1.dat`` is still
    XML. Pictures are left out: an SVG may carry a harmless DOCTYPE and is never parsed.
    """
    try:
        # Safe to parse: this part has already been scanned and has no DTD.
        root = etree.fromstring(content_types, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        root = None  # python-pptx will fail on it too, with a clearer report
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    if root is not None:
        for item in root.iter(f"{_CT_NS}Default"):
            defaults[(item.get("Extension") or "").lower()] = item.get("ContentType") or ""
        for item in root.iter(f"{_CT_NS}Override"):
            overrides[(item.get("PartName") or "").lower()] = item.get("ContentType") or ""
    xml = set()
    for name in names:
        kind = overrides.get("/" + name.lower()) or defaults.get(
            name.rpartition(".")[2].lower() if "." in name else "", ""
        )
        if name.endswith(XML_SUFFIXES) or (kind.endswith("xml") and not kind.startswith("image/")):
            xml.add(name)
    return xml


def check_package(path: Path, limits: Limits) -> None:
    """Raise DeckRejected unless the file is a plausible, bounded .pptx package.

    Judges sizes and names from the central directory first, then unpacks every part once in
    small steps to prove the directory honest and to scan the XML parts; nothing is kept.
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
            N_(
                "The file is damaged or incomplete (perhaps the upload was cut off). "
                "Save the deck again and upload it."
            ),
        ) from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise _reject(
                "zip.too-many-members",
                N_("The file has {count} parts; at most {limit} are allowed."),
                count=len(members),
                limit=limits.max_members,
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
                    N_(
                        "Unpacked, the file would be larger than {limit_mb} MB; it was not "
                        "imported."
                    ),
                    limit_mb=limits.max_uncompressed_bytes // (1024 * 1024),
                )
            if (
                info.file_size >= _RATIO_MIN_SIZE
                and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
            ):
                raise _reject(
                    "zip.bomb",
                    N_(
                        "Part {name} expands {ratio}-fold when unpacked, which no real deck does. "
                        "The file was not imported."
                    ),
                    name=info.filename,
                    ratio=info.file_size // max(info.compress_size, 1),
                )
            if info.flag_bits & 0x1:
                raise _reject(
                    "zip.encrypted",
                    N_("The file is password-protected. Remove the password and upload again."),
                )
            if info.compress_type not in _METHODS:
                raise _reject(
                    "zip.compression",
                    N_(
                        "The file is packed in a way PowerPoint never uses. Open it in PowerPoint, "
                        "save it as .pptx and upload it again."
                    ),
                )
        missing = [part for part in REQUIRED_PARTS if part not in names]
        if missing:
            raise _reject(
                "pptx.missing-parts",
                N_("This is a zip file but not a PowerPoint deck (missing: {parts})."),
                parts=", ".join(missing),
            )
        # Every part is unpacked once, in bounded steps: python-pptx will read them all.
        try:
            with path.open("rb") as handle:
                content_types = b"".join(_member_chunks(handle, archive.getinfo(CONTENT_TYPES)))
                _scan_xml(CONTENT_TYPES, [content_types])
                xml_parts = _xml_parts(content_types, names)
                for info in members:
                    if info.filename == CONTENT_TYPES:
                        continue
                    chunks = _member_chunks(handle, info)
                    if info.filename in xml_parts:
                        _scan_xml(info.filename, chunks)
                    else:
                        for _ in chunks:
                            pass
        except (zlib.error, OSError) as exc:
            raise _damaged() from exc
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
