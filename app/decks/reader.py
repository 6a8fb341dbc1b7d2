"""Read a .pptx (already checked by ``safety``) into plain data: slides, sections, pictures.

This and the other modules of ``app.decks`` are the only code that touches python-pptx.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lxml import etree
from PIL import Image, UnidentifiedImageError
from pptx import Presentation
from pptx.exc import PackageNotFoundError
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape
from pptx.shapes.picture import Picture as PptxPicture
from pptx.shapes.placeholder import PlaceholderPicture
from pptx.slide import Slide as PptxSlide

from app.decks.problems import DeckRejected, Problem, error
from app.i18n import N_

log = logging.getLogger(__name__)

P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
SECTION_LAYOUT_NAMES = {"section header", "セクション見出し", "section title"}

# Magic numbers of the picture formats a deck may carry, and the type each one really is.
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x01\x00\x00\x00", "image/x-emf"),
    (b"\xd7\xcd\xc6\x9a", "image/x-wmf"),
]
_RASTER = {"image/png", "image/jpeg", "image/gif", "image/bmp", "image/tiff", "image/webp"}


@dataclass
class Picture:
    sha256: str
    content_type: str
    data: bytes


@dataclass
class SlideContent:
    number: int  # 1-based, as PowerPoint numbers slides
    slide_id: int
    title: str
    blocks: list[dict[str, Any]]
    notes: str
    layout: str
    is_section_header: bool
    hidden: bool
    problems: list[Problem] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        """All visible text of the slide, title first, one paragraph or table row per line."""
        lines = [self.title] if self.title else []
        for block in self.blocks:
            if block["type"] == "text":
                lines.extend(p["text"] for p in block["paragraphs"])
            elif block["type"] == "table":
                lines.extend(" | ".join(row) for row in block["rows"])
        return "\n".join(line for line in lines if line)

    @cached_property
    def content_hash(self) -> str:
        """A digest of everything a translation depends on: text, notes, pictures, visibility."""
        payload = json.dumps(
            [self.title, self.blocks, self.notes, self.hidden],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Section:
    name: str
    slide_ids: list[int]


@dataclass
class DeckContent:
    slides: list[SlideContent]
    sections: list[Section] | None
    pictures: dict[str, Picture]


def _sniff_image(data: bytes, declared: str) -> str | None:
    """Return the image's real content type, or None when it is not a readable picture."""
    kind = next((ctype for magic, ctype in _MAGIC if data.startswith(magic)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "image/webp"
    if kind is None and declared == "image/svg+xml" and b"<svg" in data[:2048]:
        kind = "image/svg+xml"
    if kind in _RASTER:
        try:
            with Image.open(io.BytesIO(data)) as image:  # parses the header only
                image.size  # noqa: B018
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            return None
    return kind


def _paragraphs(text_frame: Any) -> list[dict[str, Any]]:
    paragraphs = []
    for paragraph in text_frame.paragraphs:
        text = paragraph.text.replace("\v", "\n").strip()
        if text:
            paragraphs.append({"text": text, "level": paragraph.level})
    return paragraphs


_Placeholder = tuple[int, str] | None


def _placeholder(shape: BaseShape) -> _Placeholder:
    """Return the shape's placeholder (idx, type) from one XPath lookup, or None."""
    ph = getattr(shape._element, "ph", None)
    return None if ph is None else (int(ph.get("idx") or 0), ph.get("type") or "obj")


class _SlideReader:
    def __init__(self, pictures: dict[str, Picture]) -> None:
        self.pictures = pictures
        # Positions placeholders inherit from their layout, per (layout, placeholder): asking
        # python-pptx walks the layout by XPath each time, which dominated reading time.
        self._inherited: dict[tuple[object, ...], tuple[int, int]] = {}
        self._layout_key: object = None

    def _position(self, shape: BaseShape, placeholder: _Placeholder) -> tuple[int, int]:
        element = shape._element
        x, y = getattr(element, "x", None), getattr(element, "y", None)
        if x is not None and y is not None:
            return int(y), int(x)
        key = (self._layout_key, placeholder)
        if key not in self._inherited:
            self._inherited[key] = (int(shape.top or 0), int(shape.left or 0))
        return self._inherited[key]

    def _reading_order(self, shapes: Any) -> list[tuple[BaseShape, _Placeholder]]:
        """Sort shapes top-to-bottom, then left-to-right (z-order is not reading order)."""
        placed = []
        for shape in shapes:
            placeholder = _placeholder(shape)
            top, left = self._position(shape, placeholder)
            placed.append((top // 50_000, left, shape, placeholder))  # ~1.4 mm rows absorb jitter
        placed.sort(key=lambda item: (item[0], item[1]))
        return [(shape, placeholder) for _row, _left, shape, placeholder in placed]

    def read(self, slide: PptxSlide, number: int, slide_id: int) -> SlideContent:
        problems: list[Problem] = []
        layout = slide.slide_layout
        self._layout_key = layout.part.partname
        ordered = self._reading_order(slide.shapes)
        # The title is placeholder 0, as python-pptx's ``shapes.title`` decides, found in the
        # same pass instead of a second XPath walk over the shapes.
        title_shape = next(
            (
                shape
                for shape, ph in ordered
                if ph is not None and ph[0] == 0 and shape.has_text_frame
            ),
            None,
        )
        title = title_shape.text_frame.text.replace("\v", " ").strip() if title_shape else ""
        blocks: list[dict[str, Any]] = []
        self._walk(ordered, blocks, problems, number, skip=title_shape)
        notes = ""
        if slide.has_notes_slide:
            notes_frame = slide.notes_slide.notes_text_frame
            notes = notes_frame.text.replace("\v", "\n").strip() if notes_frame else ""
        layout_name = layout.name or ""
        return SlideContent(
            number=number,
            slide_id=slide_id,
            title=title,
            blocks=blocks,
            notes=notes,
            layout=layout_name,
            is_section_header=layout._element.get("type") == "secHead"
            or layout_name.strip().lower() in SECTION_LAYOUT_NAMES,
            hidden=slide._element.get("show") in ("0", "false"),
            problems=problems,
        )

    def _walk(
        self,
        ordered: list[tuple[BaseShape, _Placeholder]],
        blocks: list[dict[str, Any]],
        problems: list[Problem],
        number: int,
        skip: BaseShape | None = None,
    ) -> None:
        for shape, _placeholder_key in ordered:
            if skip is not None and shape._element is skip._element:
                continue
            if isinstance(shape, GroupShape):
                self._walk(self._reading_order(shape.shapes), blocks, problems, number)
            elif getattr(shape, "has_table", False) and shape.has_table:
                rows = [
                    [cell.text.replace("\v", "\n").strip() for cell in row.cells]
                    for row in shape.table.rows
                ]
                blocks.append({"type": "table", "rows": rows})
            elif isinstance(shape, PptxPicture | PlaceholderPicture):
                self._picture(shape, blocks, problems, number)
            elif shape.has_text_frame:
                paragraphs = _paragraphs(shape.text_frame)
                if paragraphs:
                    blocks.append({"type": "text", "paragraphs": paragraphs})

    def _picture(
        self, shape: Any, blocks: list[dict[str, Any]], problems: list[Problem], number: int
    ) -> None:
        # The part's own content type, not python-pptx's ``image.content_type``: that one asks
        # Pillow, which raises on a damaged picture and refuses EMF, SVG and WebP outright.
        rel_id = shape._element.blip_rId
        if rel_id is None:
            return  # a placeholder with no picture in it
        try:
            part = shape.part.related_part(rel_id)
        except KeyError:
            return  # the picture's relationship is missing: nothing to show
        data, declared = part.blob, part.content_type
        kind = _sniff_image(data, declared)
        if kind is None:
            problems.append(
                Problem(
                    "warning",
                    "picture.unreadable",
                    N_(
                        "A picture on this slide is damaged or not a known image format; it was "
                        "left out."
                    ),
                    slide=number,
                )
            )
            return
        digest = hashlib.sha256(data).hexdigest()
        self.pictures.setdefault(digest, Picture(digest, kind, data))
        alt = shape._element.xpath("./p:nvPicPr/p:cNvPr/@descr")
        blocks.append(
            {
                "type": "picture",
                "sha256": digest,
                "content_type": kind,
                "alt": str(alt[0]) if alt else "",
                "width": int(shape.width or 0),
                "height": int(shape.height or 0),
            }
        )


def _sections(presentation: Any) -> list[Section] | None:
    """Read PowerPoint sections (``p14:sectionLst``), which python-pptx has no API for."""
    root = presentation.part._element
    found = root.findall(f"./{{{P}}}extLst/{{{P}}}ext/{{{P14}}}sectionLst/{{{P14}}}section")
    if not found:
        return None
    return [
        Section(
            name=(section.get("name") or "").strip(),
            slide_ids=[int(s.get("id")) for s in section.findall(f".//{{{P14}}}sldId")],
        )
        for section in found
    ]


def _unreadable(exc: Exception) -> DeckRejected:
    # The exception names a Python class, which means nothing to a lecturer: log, don't show.
    log.info("deck unreadable by python-pptx: %r", exc)
    return DeckRejected(
        [
            error(
                "pptx.unreadable",
                N_(
                    "PowerPoint's structure inside the file is broken. Open the deck in PowerPoint, "
                    "save it again and upload it."
                ),
            )
        ]
    )


def read_deck(path: Path, *, max_slides: int = 1000) -> DeckContent:
    """Return every slide's content, sections and pictures; raise DeckRejected if unreadable."""
    try:
        presentation = Presentation(str(path))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError, OSError) as exc:
        raise _unreadable(exc) from exc
    slides = presentation.slides
    if len(slides) == 0:
        raise DeckRejected([error("pptx.no-slides", N_("The deck has no slides."))])
    if len(slides) > max_slides:
        raise DeckRejected(
            [
                error(
                    "pptx.too-many-slides",
                    N_("The deck has {count} slides; at most {limit} are allowed."),
                    count=len(slides),
                    limit=max_slides,
                )
            ]
        )
    pictures: dict[str, Picture] = {}
    reader = _SlideReader(pictures)
    try:
        # python-pptx's slide.slide_id scans the whole slide list per slide (quadratic).
        slide_ids = [int(entry.id) for entry in slides._sldIdLst.sldId_lst]
        content = [
            reader.read(slide, number, slide_id)
            for number, (slide, slide_id) in enumerate(zip(slides, slide_ids, strict=True), 1)
        ]
    except (KeyError, ValueError, AttributeError, TypeError, etree.XMLSyntaxError) as exc:
        raise _unreadable(exc) from exc
    return DeckContent(slides=content, sections=_sections(presentation), pictures=pictures)
