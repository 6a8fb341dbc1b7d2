"""Build a corpus of hostile and broken uploads at test time (nothing binary is committed).

Every public function writes one file into ``folder`` and returns its path. Most start from a
valid lecture deck made by ``deckmaker`` and rewrite some of its zip members; a few then patch
bytes of the zip's directory that ``zipfile`` would never write by itself (a false size, the
"encrypted" flag).
"""

from __future__ import annotations

import random
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from tests import deckmaker

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
BOMB_MEMBER = "ppt/media/zeros.bin"
BOMB_SIZE = 1024**3  # what the bomb unpacks to: 1 GiB of zeros, about 1 MB packed

_SLIDE = "ppt/slides/slide1.xml"
_PRESENTATION_TYPE = (
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
)
_MACRO_TYPE = b"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"
# Offsets of fields in the zip format's headers (APPNOTE.TXT 4.3.7 and 4.3.12).
_LOCAL_FLAGS = 6
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_CENTRAL_FLAGS, _CENTRAL_CRC, _CENTRAL_FILE_SIZE, _CENTRAL_NAME_LENGTH = 8, 16, 24, 28
_CENTRAL_FIXED = 46

Writer = Callable[[Path], Path]


# -- helpers -----------------------------------------------------------------------------------


def good_deck(folder: Path) -> Path:
    """The valid four-module Japanese lecture every hostile deck is made from (built once)."""
    path = folder / "good.pptx"
    if not path.exists():
        deckmaker.build(path, deckmaker.lecture("ja"))
    return path


def rewrite(
    source: Path,
    target: Path,
    *,
    replace: Mapping[str, bytes] | None = None,
    drop: Iterable[str] = (),
    add: Iterable[tuple[str, bytes]] = (),
) -> Path:
    """Copy a zip member by member, replacing, dropping or appending some members."""
    replace, drop = dict(replace or {}), set(drop)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in drop:
                dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, data in add:
            dst.writestr(name, data)
    return target


def read_member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def _with_doctype(xml: bytes, doctype: bytes, reference: bytes) -> bytes:
    """Put a DOCTYPE after the XML declaration and use its entity in the first text run."""
    declaration, body = xml.split(b"?>", 1)
    return declaration + b"?>\n" + doctype + body.replace(b"<a:t>", b"<a:t>" + reference, 1)


def patch_directory(
    path: Path,
    name: str,
    *,
    flag_bits: int | None = None,
    file_size: int | None = None,
    crc: int | None = None,
) -> Path:
    """Overwrite fields of one member's central-directory entry (and its local header's flags)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.start_dir
        local_header = archive.getinfo(name).header_offset
    while data[offset : offset + 4] == _CENTRAL_SIGNATURE:
        name_length, extra_length, comment_length = struct.unpack_from(
            "<3H", data, offset + _CENTRAL_NAME_LENGTH
        )
        start = offset + _CENTRAL_FIXED
        if data[start : start + name_length].decode("utf-8") == name:
            if flag_bits is not None:
                struct.pack_into("<H", data, offset + _CENTRAL_FLAGS, flag_bits)
                struct.pack_into("<H", data, local_header + _LOCAL_FLAGS, flag_bits)
            if file_size is not None:
                (declared,) = struct.unpack_from("<I", data, offset + _CENTRAL_FILE_SIZE)
                assert declared != 0xFFFFFFFF, "the size is in a zip64 extra field"
                struct.pack_into("<I", data, offset + _CENTRAL_FILE_SIZE, file_size)
            if crc is not None:
                struct.pack_into("<I", data, offset + _CENTRAL_CRC, crc)
            path.write_bytes(data)
            return path
        offset = start + name_length + extra_length + comment_length
    raise KeyError(name)


# -- not a PowerPoint file at all --------------------------------------------------------------


def empty_file(folder: Path) -> Path:
    path = folder / "empty.pptx"
    path.write_bytes(b"")
    return path


def truncated_deck(folder: Path) -> Path:
    """A valid deck cut in half, as an interrupted upload leaves it."""
    data = good_deck(folder).read_bytes()
    path = folder / "truncated.pptx"
    path.write_bytes(data[: len(data) // 2])
    return path


def pdf_renamed(folder: Path) -> Path:
    path = folder / "handout.pptx"
    path.write_bytes(
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return path


def legacy_ppt(folder: Path) -> Path:
    """An Office 97-2003 compound file: the OLE2 signature followed by junk."""
    path = folder / "old.pptx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(97).randbytes(4096))
    return path


def password_protected_deck(folder: Path) -> Path:
    """What PowerPoint saves for a deck with a password: a compound file whose directory names
    the streams EncryptionInfo and EncryptedPackage. Only the names are real here."""

    def entry(name: str) -> bytes:  # a 128-byte directory entry: UTF-16 name, then its length
        encoded = (name + "\0").encode("utf-16-le")
        return encoded.ljust(64, b"\0") + struct.pack("<H", len(encoded)) + bytes(62)

    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\0")
    directory = b"".join(entry(n) for n in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    path = folder / "password.pptx"
    path.write_bytes(header + directory.ljust(512, b"\0") + random.Random(7).randbytes(8192))
    return path


def plain_zip(folder: Path) -> Path:
    path = folder / "notes.pptx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "これはスライドではありません。\n")
    return path


# -- zip bombs ---------------------------------------------------------------------------------


def zip_bomb(folder: Path) -> Path:
    """A valid deck plus one member of 1 GiB of zeros: about 1 MB on disk, honest directory.

    Writing it deflates the whole gibibyte (a few seconds), so callers should cache it.
    """
    path = folder / "zip-bomb.pptx"
    rewrite(good_deck(folder), path)
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open(BOMB_MEMBER, "w", force_zip64=True) as member,
    ):
        for _ in range(BOMB_SIZE // len(chunk)):
            member.write(chunk)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(BOMB_MEMBER).file_size == BOMB_SIZE, "the directory tells the truth"
    assert path.stat().st_size < 2 * 1024 * 1024
    return path


def _lying_bomb(folder: Path, filename: str, declared: Callable[[zipfile.ZipInfo], int]) -> Path:
    bomb = folder / "zip-bomb.pptx"
    if not bomb.exists():
        zip_bomb(folder)
    path = folder / filename
    shutil.copyfile(bomb, path)
    with zipfile.ZipFile(path) as archive:
        size = declared(archive.getinfo(BOMB_MEMBER))
    # The CRC matches the declared prefix, so zipfile reads the member without complaint.
    return patch_directory(path, BOMB_MEMBER, file_size=size, crc=zlib.crc32(bytes(size)))


def lying_zip_bomb(folder: Path) -> Path:
    """The zip bomb, but its central directory says the 1 GiB member unpacks to 1 KB."""
    return _lying_bomb(folder, "zip-bomb-lying.pptx", lambda info: 1000)


def plausibly_lying_zip_bomb(folder: Path) -> Path:
    """The zip bomb declaring exactly its packed size, so no compression ratio looks odd."""
    return _lying_bomb(folder, "zip-bomb-plausible.pptx", lambda info: info.compress_size)


# -- hostile XML -------------------------------------------------------------------------------


def billion_laughs(folder: Path) -> Path:
    """Entity expansion: ten levels of ten references each, a billion "lol"s if expanded."""
    entities = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(1, 10)
    ]
    doctype = b"<!DOCTYPE p:sld [" + b"".join(entities) + b"]>"
    good = good_deck(folder)
    slide = _with_doctype(read_member(good, _SLIDE), doctype, b"&lol9;")
    return rewrite(good, folder / "billion-laughs.pptx", replace={_SLIDE: slide})


def external_entity(folder: Path) -> Path:
    doctype = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    good = good_deck(folder)
    slide = _with_doctype(read_member(good, _SLIDE), doctype, b"&e;")
    return rewrite(good, folder / "external-entity.pptx", replace={_SLIDE: slide})


def external_entity_in_utf16(folder: Path) -> Path:
    """The external entity in UTF-16 without a byte-order mark, which lxml still detects."""
    doctype = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    good = good_deck(folder)
    slide = _with_doctype(read_member(good, _SLIDE), doctype, b"&e;").decode("utf-8")
    slide = slide.replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16-le")
    return rewrite(good, folder / "external-entity-utf16.pptx", replace={_SLIDE: slide})


def external_entity_in_unusual_part_name(folder: Path) -> Path:
    """The external entity in a slide stored as ``slide1.dat``: python-pptx finds XML parts by
    their content type, not by the ``.xml`` ending."""
    doctype = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    good = good_deck(folder)
    slide = _with_doctype(read_member(good, _SLIDE), doctype, b"&e;")
    renamed = {
        _SLIDE: "ppt/slides/slide1.dat",
        "ppt/slides/_rels/slide1.xml.rels": "ppt/slides/_rels/slide1.dat.rels",
    }
    path = folder / "external-entity-dat.pptx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = slide if info.filename == _SLIDE else src.read(info)
            if info.filename in ("[Content_Types].xml", "ppt/_rels/presentation.xml.rels"):
                data = data.replace(b"slides/slide1.xml", b"slides/slide1.dat")
            dst.writestr(renamed.get(info.filename, info.filename), data)
    return path


# -- hostile zip structure ---------------------------------------------------------------------


def traversal_member(folder: Path, name: str) -> Path:
    """A valid deck with one extra member whose name climbs out of the folder or is absolute."""
    slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
    path = rewrite(good_deck(folder), folder / f"traversal-{slug}.pptx", add=[(name, b"<x/>")])
    with zipfile.ZipFile(path) as archive:
        assert name in archive.namelist(), "zipfile kept the member name as written"
    return path


def too_many_members(folder: Path) -> Path:
    """A valid deck padded with 4,000 tiny members (the default limit is 4,000 in all)."""
    filler = [(f"ppt/filler/{n}.txt", b"") for n in range(4000)]
    return rewrite(good_deck(folder), folder / "too-many-members.pptx", add=filler)


def macro_enabled(folder: Path) -> Path:
    """A .pptm in disguise: the main part declared macro-enabled, with a VBA project part."""
    good = good_deck(folder)
    types = read_member(good, "[Content_Types].xml").replace(_PRESENTATION_TYPE, _MACRO_TYPE)
    types = types.replace(
        b"</Types>",
        b'<Override PartName="/ppt/vbaProject.bin" '
        b'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    return rewrite(
        good,
        folder / "macros.pptx",
        replace={"[Content_Types].xml": types},
        add=[("ppt/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))],
    )


def encrypted_member(folder: Path) -> Path:
    """A deck whose first slide carries the zip "encrypted" flag (traditional PKWARE)."""
    path = rewrite(good_deck(folder), folder / "encrypted.pptx")
    return patch_directory(path, _SLIDE, flag_bits=0x1)


def bzip2_member(folder: Path) -> Path:
    """A deck whose slides are packed with bzip2, which PowerPoint never uses."""
    good, path = good_deck(folder), folder / "bzip2.pptx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename.startswith("ppt/slides/") else None
            dst.writestr(info.filename, src.read(info), compress_type=method)
    return path


# -- broken PowerPoint structure ---------------------------------------------------------------


def missing_presentation(folder: Path) -> Path:
    return rewrite(
        good_deck(folder), folder / "no-presentation.pptx", drop=["ppt/presentation.xml"]
    )


def broken_presentation_xml(folder: Path) -> Path:
    broken = b"<?xml version='1.0' encoding='UTF-8'?>\n<p:presentation xmlns:p='urn:x'><p:sldIdLst>"
    return rewrite(
        good_deck(folder),
        folder / "broken-presentation.pptx",
        replace={"ppt/presentation.xml": broken},
    )


# -- accepted, with care -----------------------------------------------------------------------


def corrupt_picture(folder: Path) -> Path:
    """The first picture (slide 2, module LP-01) replaced by garbage under the same name."""
    good = good_deck(folder)
    assert read_member(good, "ppt/media/image1.png").startswith(b"\x89PNG")
    garbage = random.Random(1).randbytes(2048)
    return rewrite(good, folder / "corrupt-picture.pptx", replace={"ppt/media/image1.png": garbage})


def script_in_text(folder: Path) -> Path:
    """Markup in a module title, a slide title, bullets, a table cell and the speaker notes."""
    modules = deckmaker.lecture("ja")
    name, slides = modules[0]
    modules[0] = (f"{name} {XSS_SCRIPT}", slides)
    slide = slides[1]
    slide.title = f"{XSS_SCRIPT} {slide.title}"
    slide.bullets = [XSS_SCRIPT, XSS_IMG, *slide.bullets]
    slide.notes = f"{XSS_IMG} {slide.notes}"
    slides[2].table = [["A", XSS_IMG], ["B", XSS_SCRIPT]]
    return deckmaker.build(folder / "script.pptx", modules)
