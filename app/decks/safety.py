"""Decide whether an uploaded file is a sane PowerPoint package before it is read.

The container checks themselves (zip bombs, DTDs, unsafe paths, compression methods) are
``app.ooxml``'s, shared with trainee-list workbooks; this module adds what makes the container
a PowerPoint deck and says, in a lecturer's words, what is wrong and what to do about it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app import ooxml
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
REQUIRED_PARTS = (ooxml.CONTENT_TYPES, "_rels/.rels", "ppt/presentation.xml")
XML_SUFFIXES = ooxml.XML_SUFFIXES
CONTENT_TYPES = ooxml.CONTENT_TYPES


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 100 * 1024 * 1024
    max_members: int = 4000
    max_uncompressed_bytes: int = 400 * 1024 * 1024
    # A part over max_part_bytes is refused; packed more than this it is called a zip bomb.
    max_compression_ratio: int = 120
    max_part_bytes: int = 100 * 1024 * 1024


COMPRESS_MEDIA = N_(
    "Part {name} would unpack to {size_mb} MB ({ratio}-fold), more than any part of a real "
    "deck, so the file was not imported. If the deck is genuine, compress its media in "
    "PowerPoint (File > Info > Compress Media, and Compress Pictures), save and upload again."
)
SAVE_AGAIN = N_(
    "The file is damaged: a part cannot be unpacked. Open the deck in PowerPoint, save it "
    "again as .pptx and upload it."
)
# What each container problem means for a lecturer: (code, message).
_MESSAGES: dict[str, tuple[str, str]] = {
    "damaged": (
        "file.truncated",
        N_(
            "The file is damaged or incomplete (perhaps the upload was cut off). "
            "Save the deck again and upload it."
        ),
    ),
    "too-many-members": (
        "zip.too-many-members",
        N_("The file has {count} parts; at most {limit} are allowed."),
    ),
    "unsafe-name": (
        "zip.unsafe-name",
        N_(
            "The file contains an unsafe path ({name}); it was not imported. Open the deck in "
            "PowerPoint, save it as a new .pptx and upload that."
        ),
    ),
    "too-large-unpacked": (
        "zip.too-large-unpacked",
        N_(
            "Unpacked, the file would be larger than {limit_mb} MB; it was not imported. "
            "Compress the pictures and media in PowerPoint, or split the deck, and upload again."
        ),
    ),
    "part-too-large": ("zip.part-too-large", COMPRESS_MEDIA),
    "encrypted": (
        "zip.encrypted",
        N_("The file is password-protected. Remove the password and upload again."),
    ),
    "compression": (
        "zip.compression",
        N_(
            "The file is packed in a way PowerPoint never uses. Open it in PowerPoint, "
            "save it as .pptx and upload it again."
        ),
    ),
    "lying-size": (
        "zip.bomb",
        N_(
            "Part {name} unpacks to more than the file says it holds, which no real deck "
            "does. The file was not imported; open the deck in PowerPoint, save it again "
            "as .pptx and upload that."
        ),
    ),
    "dtd": (
        "xml.dtd",
        N_(
            "Part {name} declares a DTD or entities, which PowerPoint never writes. The file "
            "may have been tampered with; it was not imported. Ask whoever made it for the "
            "original deck, or save it again from PowerPoint."
        ),
    ),
    "encoding": (
        "xml.encoding",
        N_(
            "Part {name} is not UTF-8 text as PowerPoint writes it. Open the deck in "
            "PowerPoint, save it again as .pptx and upload it."
        ),
    ),
}


def _reject(code: str, message: str, **params: object) -> DeckRejected:
    return DeckRejected([error(code, message, **params)])


def _container_rejection(problem: ooxml.ContainerError) -> DeckRejected:
    if problem.reason == "part-too-large" and problem.params.get("bomb"):
        code, message = "zip.bomb", COMPRESS_MEDIA
    elif problem.reason == "damaged" and problem.params.get("unpacking"):
        code, message = "file.corrupt", SAVE_AGAIN
    else:
        code, message = _MESSAGES[problem.reason]
    params = {key: value for key, value in problem.params.items() if key != "unpacking"}
    return _reject(code, message, **params)


def _file_contains(path: Path, needle: bytes) -> bool:
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(ooxml.CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def _sniff(path: Path) -> None:
    """Recognise files that are plainly not a .pptx, to say what they are instead."""
    if path.stat().st_size == 0:
        raise _reject("file.empty", N_("The file is empty. Choose the .pptx deck and upload it."))
    with path.open("rb") as handle:
        head = handle.read(8)
    kind = ooxml.sniff(head, lambda needle: _file_contains(path, needle))
    if kind == "pdf":
        raise _reject(
            "file.pdf",
            N_("This is a PDF file, not a PowerPoint file. Upload the .pptx deck itself."),
        )
    if kind == "encrypted":
        # Telling that lecturer to "save it as .pptx" would only puzzle them.
        raise _reject(
            "file.encrypted",
            N_("The file is password-protected. Remove the password and upload again."),
        )
    if kind == "legacy-office":
        raise _reject(
            "file.legacy-ppt",
            N_(
                "This is an old-format PowerPoint file (.ppt) or another Office 97-2003 file. "
                "Open it in PowerPoint and save it as .pptx, then upload it again."
            ),
        )
    if not head.startswith(b"PK"):
        raise _reject(
            "file.not-pptx",
            N_(
                "This is not a PowerPoint (.pptx) file. Save the deck as .pptx (PowerPoint, "
                "Keynote, Google Slides and LibreOffice all can) and upload that."
            ),
        )


def check_package(path: Path, limits: Limits) -> dict[str, bytes]:
    """Return every part of the file by name; raise DeckRejected unless it is a plausible,
    bounded .pptx package.

    Judges sizes and names from the central directory first, then unpacks every part once in
    small steps to prove the directory honest and to scan the XML parts.
    """
    _sniff(path)
    if path.stat().st_size > limits.max_bytes:
        raise _reject(
            "file.too-large",
            N_(
                "The file is larger than the limit of {limit_mb} MB. Compress the pictures "
                "and media in PowerPoint, or split the deck, and upload again."
            ),
            limit_mb=limits.max_bytes // (1024 * 1024),
        )
    container = ooxml.ContainerLimits(
        max_members=limits.max_members,
        max_unpacked_bytes=limits.max_uncompressed_bytes,
        max_part_bytes=limits.max_part_bytes,
        bomb_ratio=limits.max_compression_ratio,
    )
    try:
        with ooxml.open_archive(str(path)) as archive:
            members = archive.infolist()
            ooxml.check_count(members, container)
            ooxml.check_members(members, container)
            names = {info.filename for info in members}
            missing = [part for part in REQUIRED_PARTS if part not in names]
            if missing:
                raise _reject(
                    "pptx.missing-parts",
                    N_(
                        "This is a zip file but not a PowerPoint deck (missing: {parts}). "
                        "Upload the .pptx file saved from your presentation program."
                    ),
                    parts=", ".join(missing),
                )
            parts = _unpack_all(path, members)
            content_types = parts[CONTENT_TYPES]
    except ooxml.ContainerError as problem:
        raise _container_rejection(problem) from problem
    if any(kind.encode() in content_types for kind in MACRO_TYPES):
        raise _reject(
            "pptx.macros",
            N_("Decks with macros (.pptm) are not accepted. Save the deck as .pptx."),
        )
    if not any(kind.encode() in content_types for kind in PRESENTATION_TYPES):
        raise _reject(
            "pptx.not-presentation",
            N_(
                "This Office file is not a PowerPoint presentation. Upload the .pptx deck "
                "of the lecture."
            ),
        )
    return parts


def _unpack_all(path: Path, members: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Unpack every part once, in bounded steps, scanning the XML parts; return every part.

    The reader then takes the parts from here instead of unpacking them again: the memory is
    what python-pptx would hold, and the directory has already bounded it.
    """
    parts: dict[str, bytes] = {}
    try:
        with path.open("rb") as handle:
            info = {member.filename: member for member in members}
            content_types = b"".join(ooxml.member_chunks(handle, info[CONTENT_TYPES]))
            ooxml.scan_xml(CONTENT_TYPES, [content_types])
            parts[CONTENT_TYPES] = content_types
            xml_parts = ooxml.xml_parts(content_types, info)
            for member in members:
                if member.filename == CONTENT_TYPES:
                    continue
                chunks: list[bytes] = []
                unpacked = ooxml.member_chunks(handle, member)
                if member.filename in xml_parts:
                    ooxml.scan_xml(member.filename, _kept(unpacked, chunks))
                else:
                    chunks.extend(unpacked)
                parts[member.filename] = b"".join(chunks)
    except OSError as exc:
        raise ooxml.ContainerError("damaged", unpacking=True) from exc
    except ooxml.ContainerError as problem:
        if problem.reason == "damaged":
            raise ooxml.ContainerError("damaged", unpacking=True) from problem
        raise
    return parts


def _kept(chunks: Iterable[bytes], into: list[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        into.append(chunk)
        yield chunk
