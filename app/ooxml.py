"""Check an Office Open XML container (.pptx, .xlsx) before a library unpacks any of it.

python-pptx and openpyxl trust the zip's central directory and hand XML to a parser, so a
hostile file (a zip bomb, a DTD with entities, paths that climb out of a folder, compression
methods zipfile inflates without bounds) must be caught here: from the directory first, then
by unpacking every part once in small, bounded steps.

Every check raises ``ContainerError`` with a ``reason``; the caller (decks, trainee lists)
turns the reason into its own message, because what a lecturer and a clerk should do next
differs.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO, Literal

from lxml import etree

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Office saves a password-protected file inside an OLE2 compound file, as a stream of this name.
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
CONTENT_TYPES = "[Content_Types].xml"
XML_SUFFIXES = (".xml", ".rels")
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# Office only ever stores or deflates; other methods (bzip2, LZMA) are inflated by zipfile
# without any bound on the output, so a few kilobytes of them can fill the memory.
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# A DTD has no place in OOXML; refusing it outright stops entity expansion and external entities.
_DTD_PATTERN = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# The pattern above only sees a DTD written in UTF-8 (or ASCII), so any other encoding is refused.
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
CHUNK = 64 * 1024

Kind = Literal["empty", "pdf", "encrypted", "legacy-office", "zip", "other"]


class ContainerError(Exception):
    """The container is unsafe or damaged; ``reason`` says how, ``params`` give the details.

    Reasons: damaged, too-many-members, unsafe-name, too-large-unpacked, part-too-large,
    encrypted, compression, lying-size, dtd, encoding.
    """

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class ContainerLimits:
    max_members: int
    max_unpacked_bytes: int  # all parts together, as the directory declares them
    # One part may unpack to at most this; a part over it that is also packed more than
    # ``bomb_ratio``-fold is reported as a bomb rather than as merely large.
    max_part_bytes: int | None = None
    bomb_ratio: int = 120


def sniff(head: bytes, contains: Callable[[bytes], bool]) -> Kind:
    """Say what a file is from its first bytes; ``contains`` searches the whole file.

    Only the kinds an Office user uploads by mistake are told apart; anything else is "other".
    """
    if not head.strip():
        return "empty"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return "encrypted" if contains(ENCRYPTED_STREAM) else "legacy-office"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    return "other"


def open_archive(source: str | BinaryIO) -> zipfile.ZipFile:
    """Open the zip's central directory; raise ContainerError("damaged") when there is none."""
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ContainerError("damaged") from exc


def check_count(members: list[zipfile.ZipInfo], limits: ContainerLimits) -> None:
    if len(members) > limits.max_members:
        raise ContainerError("too-many-members", count=len(members), limit=limits.max_members)


def _unsafe_name(name: str) -> bool:
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in PurePosixPath(name).parts
        or "\x00" in name
    )


def check_members(
    members: Iterable[zipfile.ZipInfo], limits: ContainerLimits, *, check_names: bool = True
) -> None:
    """Judge every part from the central directory: name, declared sizes, encryption, method.

    Memory is bounded by the declared sizes (``member_chunks`` proves them honest), so how
    well one part compresses is no risk by itself: only a part over the per-part cap is.
    """
    total = 0
    for info in members:
        if check_names and _unsafe_name(info.filename):
            raise ContainerError("unsafe-name", name=info.filename[:200])
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise ContainerError(
                "too-large-unpacked", limit_mb=limits.max_unpacked_bytes // (1024 * 1024)
            )
        if limits.max_part_bytes is not None and info.file_size > limits.max_part_bytes:
            ratio = info.file_size // max(info.compress_size, 1)
            raise ContainerError(
                "part-too-large",
                name=info.filename,
                ratio=ratio,
                bomb=ratio > limits.bomb_ratio,
                size_mb=info.file_size // (1024 * 1024),
                limit_mb=limits.max_part_bytes // (1024 * 1024),
            )
        if info.flag_bits & 0x1:
            raise ContainerError("encrypted")
        if info.compress_type not in _METHODS:
            raise ContainerError("compression")


def member_chunks(handle: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Yield one member's unpacked bytes in small chunks, checked against the zip's directory.

    zipfile trusts the directory's size: it inflates a whole member in one call and only then
    cuts the result to that size, so a part that claims 1 KB but inflates to 1 GB would still
    cost the library 1 GB of memory. Inflating here in bounded steps catches the lie early.
    Raises ContainerError("lying-size") or ("damaged").
    """
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or not header.startswith(ZIP_MAGIC):
        raise ContainerError("damaged")
    *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    handle.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    deflated = info.compress_type == zipfile.ZIP_DEFLATED
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if deflated else None
    left, size, crc = info.compress_size, 0, 0
    try:
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                raise ContainerError("damaged")
            left -= len(data)
            while True:  # also drains what zlib holds back once the output chunk is full
                out = inflater.decompress(data, CHUNK) if inflater else data
                data = inflater.unconsumed_tail if inflater else b""
                size += len(out)
                if size > info.file_size:
                    raise ContainerError("lying-size", name=info.filename)
                crc = zlib.crc32(out, crc)
                yield out
                if not data and len(out) < CHUNK:
                    break
    except zlib.error as exc:
        raise ContainerError("damaged") from exc
    if size != info.file_size or crc != info.CRC:
        raise ContainerError("damaged")


def scan_xml(name: str, chunks: Iterable[bytes], *, utf8_only: bool = True) -> bytes:
    """Look through one XML part for a DTD; return its first kilobyte.

    With ``utf8_only`` the part must also be UTF-8 (as Office writes it), since the DTD search
    only sees UTF-8: raises ContainerError("dtd") or ("encoding").
    """
    head = tail = b""
    for chunk in chunks:
        if len(head) < 1024:
            head += chunk[:1024]
        # NUL is never valid in XML: it means UTF-16 or UTF-32, with or without a byte-order mark.
        if utf8_only and b"\x00" in chunk:
            raise ContainerError("encoding", name=name)
        if _DTD_PATTERN.search(tail + chunk):
            raise ContainerError("dtd", name=name)
        tail = chunk[-16:]
    if utf8_only:
        start = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        declared = _DECLARED_ENCODING.match(start)
        if (start and not start.startswith(b"<")) or (
            declared and declared.group(1).lower() not in (b"utf-8", b"utf8")
        ):
            raise ContainerError("encoding", name=name)
    return head


def xml_parts(content_types: bytes, names: Iterable[str]) -> set[str]:
    """Name the parts a library will parse as XML.

    It goes by the content type, not by the name, so a slide stored as ``slide1.dat`` is still
    XML. Pictures are left out: an SVG may carry a harmless DOCTYPE and is never parsed.
    """
    try:
        # Safe to parse: this part has already been scanned and has no DTD.
        root = etree.fromstring(content_types, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        root = None  # the library will fail on it too, with a clearer report
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


def drain(chunks: Iterable[bytes]) -> None:
    """Unpack a part only to prove it honest."""
    for _ in chunks:
        pass
