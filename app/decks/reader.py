"""Read a .pptx (already checked by ``safety``) into plain data: slides, sections, pictures.

Slides are read straight from their XML (``app.decks.package``), as PowerPoint for Windows and
Mac, Keynote, Google Slides and LibreOffice write it: alternate content, SVG pictures with a
PNG fallback, linked pictures, OLE objects with their preview, video and audio posters, ink,
SmartArt, charts and equations. Nothing in a deck may end in a traceback: a shape that cannot
be read is left out with a warning naming the slide and the shape, a slide that cannot be read
refuses the deck with a report that says what to do.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.decks import text as drawing_text
from app.decks.content import (
    DeckContent,
    Picture,
    Section,
    SlideContent,
    sniff_image,
)
from app.decks.package import Package, PartMissing, q
from app.decks.problems import DeckRejected, Problem, Severity, error
from app.decks.shapes import (
    FRAME,
    GRP,
    PIC,
    SHAPES,
    SP,
    Box,
    Placeholder,
    description,
    own_box,
    placeholder_of,
    placeholders,
    shape_name,
)
from app.i18n import N_

log = logging.getLogger(__name__)

SECTION_LAYOUT_NAMES = {"section header", "セクション見出し", "section title"}

_TX_BODY = q("p:txBody")
_BLIP = f"{q('p:blipFill')}/{q('a:blip')}"
_SVG_BLIP = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"
_MEDIA = (q("a:videoFile"), q("a:audioFile"), q("a:quickTimeFile"), q("p14:media"))
_GRAPHIC_DATA = f"{q('a:graphic')}/{q('a:graphicData')}"
_EMBED, _LINK, _RID = q("r:embed"), q("r:link"), q("r:id")
# A layout placeholder without a position of its own takes its master's, of this type.
_MASTER_TYPE = {"ctrTitle": "title", "title": "title", "dt": "dt", "ftr": "ftr", "sldNum": "sldNum"}


@dataclass
class _Slide:
    """What reading one slide needs at hand."""

    name: str
    number: int
    layout: str | None
    problems: list[Problem]

    def warn(self, code: str, message: str, shape: Any, severity: Severity = "warning") -> None:
        name = shape_name(shape) if shape is not None else ""
        self.problems.append(
            Problem(severity, code, message, {"shape": name or "?"}, slide=self.number)
        )


class _SlideReader:
    def __init__(self, package: Package, pictures: dict[str, Picture]) -> None:
        self.package = package
        self.pictures = pictures
        # Boxes placeholders inherit from their layout (and its master), per (layout, placeholder).
        self._inherited: dict[tuple[str | None, Placeholder], Box] = {}

    def _inherit(self, layout: str | None, placeholder: Placeholder) -> Box:
        key = (layout, placeholder)
        if key not in self._inherited:
            self._inherited[key] = self._lookup(layout, placeholder)
        return self._inherited[key]

    def _lookup(self, layout: str | None, placeholder: Placeholder) -> Box:
        if layout is None or placeholder is None:
            return (0, 0, 0, 0)
        idx, _kind = placeholder
        on_layout = next(
            (shape for shape, ph in placeholders(self.package.xml(layout)) if ph[0] == idx), None
        )
        if on_layout is None:
            return (0, 0, 0, 0)
        box = own_box(on_layout)
        if box is not None:
            return box
        master = self.package.related(layout, "slideMaster")
        wanted = _MASTER_TYPE.get(placeholder_of(on_layout)[1], "body")  # type: ignore[index]
        if master is not None:
            for shape, ph in placeholders(self.package.xml(master)):
                if ph[1] == wanted:
                    return own_box(shape) or (0, 0, 0, 0)
        return (0, 0, 0, 0)

    def _box(self, slide: _Slide, shape: Any, placeholder: Placeholder) -> Box:
        box = own_box(shape)
        return box if box is not None else self._inherit(slide.layout, placeholder)

    def _reading_order(self, slide: _Slide, shapes: Any) -> list[tuple[Any, Placeholder]]:
        """Sort shapes top-to-bottom, then left-to-right (z-order is not reading order)."""
        placed = []
        for shape in shapes:
            if shape.tag not in SHAPES:
                continue
            placeholder = placeholder_of(shape)
            top, left, _, _ = self._box(slide, shape, placeholder)
            placed.append((top // 50_000, left, shape, placeholder))  # ~1.4 mm rows absorb jitter
        placed.sort(key=lambda item: (item[0], item[1]))
        return [(shape, placeholder) for _row, _left, shape, placeholder in placed]

    def read(self, name: str, number: int, slide_id: int) -> SlideContent:
        root = self.package.xml(name)
        slide = _Slide(name, number, None, [])
        layout_root = self._layout(slide)
        tree = root.find(f"{q('p:cSld')}/{q('p:spTree')}")
        ordered = self._reading_order(slide, tree if tree is not None else [])
        # The title is the title placeholder with a text body, else placeholder 0 (python-pptx's
        # ``shapes.title``): LibreOffice writes a body placeholder without an idx, which is 0 too.
        titled = [
            (shape, ph)
            for shape, ph in ordered
            if ph is not None and ph[0] == 0 and shape.find(_TX_BODY) is not None
        ]
        title_shape = next(
            (shape for shape, ph in titled if ph[1] in ("title", "ctrTitle")),
            titled[0][0] if titled else None,
        )
        title = ""
        if title_shape is not None:
            title = drawing_text.body_text(title_shape.find(_TX_BODY)).replace("\v", " ").strip()
        blocks: list[dict[str, Any]] = []
        self._walk(slide, ordered, blocks, skip=title_shape)
        layout_name = ""
        if layout_root is not None:
            c_sld = layout_root.find(q("p:cSld"))
            layout_name = (c_sld.get("name") or "") if c_sld is not None else ""
        return SlideContent(
            number=number,
            slide_id=slide_id,
            title=title,
            blocks=blocks,
            notes=self._notes(slide),
            layout=layout_name,
            is_section_header=(layout_root is not None and layout_root.get("type") == "secHead")
            or layout_name.strip().lower() in SECTION_LAYOUT_NAMES,
            hidden=root.get("show") in ("0", "false"),
            problems=slide.problems,
        )

    def _layout(self, slide: _Slide) -> Any:
        """Return the slide's layout, parsed, and note it in ``slide``; None without one.

        A damaged layout costs only its names and positions: the slide is read without it.
        """
        layout = self.package.related(slide.name, "slideLayout")
        if layout is None:
            return None
        try:
            root = self.package.xml(layout)
            master = self.package.related(layout, "slideMaster")
            if master is not None:
                self.package.xml(master)  # placeholders may take their position from it
        except Exception as exc:
            log.info("layout of slide %s unreadable: %r", slide.number, exc)
            slide.problems.append(
                Problem(
                    "warning",
                    "layout.unreadable",
                    N_(
                        "The layout of this slide is damaged, so the slide was read without "
                        "it (its text may come in another order). In PowerPoint, choose a "
                        "layout for the slide again (Home > Layout), save and upload again."
                    ),
                    slide=slide.number,
                )
            )
            return None
        slide.layout = layout
        return root

    def _notes(self, slide: _Slide) -> str:
        notes = self.package.related(slide.name, "notesSlide")
        if notes is None:
            return ""
        try:
            body = next(
                (shape for shape, ph in placeholders(self.package.xml(notes)) if ph[1] == "body"),
                None,
            )
            text = drawing_text.body_text(body.find(_TX_BODY) if body is not None else None)
        except Exception as exc:  # a damaged notes part must not lose the slide
            log.info("notes of slide %s unreadable: %r", slide.number, exc)
            slide.problems.append(
                Problem(
                    "warning",
                    "notes.unreadable",
                    N_(
                        "The speaker notes of this slide are damaged and were left out. Open "
                        "the deck in PowerPoint, retype the notes, save and upload again."
                    ),
                    slide=slide.number,
                )
            )
            return ""
        self.package.forget(notes)
        return text.replace("\v", "\n").strip()

    def _walk(
        self,
        slide: _Slide,
        ordered: list[tuple[Any, Placeholder]],
        blocks: list[dict[str, Any]],
        skip: Any = None,
    ) -> None:
        for shape, _placeholder_key in ordered:
            if shape is skip:
                continue
            try:
                self._shape(slide, shape, blocks)
            except Exception as exc:  # one damaged shape must not cost the rest of the slide
                log.info("shape on slide %s unreadable: %r", slide.number, exc)
                slide.warn(
                    "shape.unreadable",
                    N_(
                        'A shape on this slide ("{shape}") could not be read and was left out. '
                        "Check it in PowerPoint (draw it again if it matters), save and upload "
                        "again."
                    ),
                    shape,
                )

    def _shape(self, slide: _Slide, shape: Any, blocks: list[dict[str, Any]]) -> None:
        tag = shape.tag
        if tag == GRP:
            self._walk(slide, self._reading_order(slide, shape), blocks)
        elif tag == PIC:
            self._picture(slide, shape, blocks)
        elif tag == SP:
            paragraphs = drawing_text.paragraphs(shape.find(_TX_BODY))
            if paragraphs:
                blocks.append({"type": "text", "paragraphs": paragraphs})
        elif tag == FRAME:
            self._frame(slide, shape, blocks)

    def _frame(self, slide: _Slide, shape: Any, blocks: list[dict[str, Any]]) -> None:
        """A table, SmartArt, chart or OLE object (its preview picture)."""
        data = shape.find(_GRAPHIC_DATA)
        if data is None:
            return
        table = data.find(q("a:tbl"))
        if table is not None:
            rows = [
                [
                    drawing_text.body_text(cell.find(q("a:txBody"))).replace("\v", "\n").strip()
                    for cell in row.iterchildren(q("a:tc"))
                ]
                for row in table.iterchildren(q("a:tr"))
            ]
            blocks.append({"type": "table", "rows": rows})
            return
        paragraphs: list[dict[str, Any]] = []
        diagram = data.find(q("dgm:relIds"))
        chart = data.find(q("c:chart"))
        if diagram is not None:
            part = self._related_part(slide, diagram.get(q("r:dm")))
            paragraphs = drawing_text.smartart_paragraphs(self.package.xml(part))
        elif chart is not None:
            part = self._related_part(slide, chart.get(_RID))
            paragraphs = drawing_text.chart_paragraphs(self.package.xml(part))
        else:
            preview = data.find(f"{q('p:oleObj')}/{q('p:pic')}")
            if preview is not None:
                self._picture(slide, preview, blocks)
        if paragraphs:
            blocks.append({"type": "text", "paragraphs": paragraphs})

    def _related_part(self, slide: _Slide, rel_id: str | None) -> str:
        rel = self.package.rels(slide.name).get(rel_id or "")
        if rel is None or rel.external:
            raise PartMissing(rel_id or "")
        return rel.target

    def _picture(self, slide: _Slide, shape: Any, blocks: list[dict[str, Any]]) -> None:
        # The part's own content type, and the bytes sniffed: Pillow raises on a damaged
        # picture and refuses EMF, SVG and WebP outright.
        media = shape.find(f"*/{q('p:nvPr')}")
        if media is not None and next(media.iter(*_MEDIA), None) is not None:
            slide.warn(
                "media.poster",
                N_(
                    'The video or sound on this slide ("{shape}") is not played in Koshu; its '
                    "poster picture is shown instead. Play it from PowerPoint during the lecture "
                    "if it is needed."
                ),
                shape,
                severity="info",
            )
        blip = shape.find(_BLIP)
        if blip is None:
            return  # a placeholder with no picture in it
        rel_id = blip.get(_EMBED)
        if not rel_id:
            svg = next(blip.iter(_SVG_BLIP), None)
            rel_id = svg.get(_EMBED) if svg is not None else None
        rel = self.package.rels(slide.name).get(rel_id or blip.get(_LINK) or "")
        if rel is not None and rel.external:
            slide.warn(
                "picture.linked",
                N_(
                    'A picture on this slide ("{shape}") is linked to a file outside the deck, '
                    "so it was left out. In PowerPoint, insert the picture into the slide "
                    "instead of linking to it, save and upload again."
                ),
                shape,
            )
            return
        if not rel_id:
            return  # nothing to show
        try:
            data = self.package.blob(rel.target) if rel is not None else None
        except PartMissing:
            data = None
        declared = self.package.content_type(rel.target) if rel is not None else ""
        kind = sniff_image(data, declared) if data is not None else None
        if kind is None or data is None:
            slide.warn(
                "picture.unreadable",
                N_(
                    'A picture on this slide ("{shape}") is damaged or not a known image '
                    "format; it was left out. Insert it again in PowerPoint if the slide needs "
                    "it, save and upload again."
                ),
                shape,
            )
            return
        digest = hashlib.sha256(data).hexdigest()
        self.pictures.setdefault(digest, Picture(digest, kind, data))
        _top, _left, width, height = self._box(slide, shape, placeholder_of(shape))
        blocks.append(
            {
                "type": "picture",
                "sha256": digest,
                "content_type": kind,
                "alt": description(shape),
                "width": width,
                "height": height,
            }
        )


def _sections(presentation: Any) -> list[Section] | None:
    """Read PowerPoint sections (``p14:sectionLst``)."""
    found = presentation.findall(
        f"./{q('p:extLst')}/{q('p:ext')}/{q('p14:sectionLst')}/{q('p14:section')}"
    )
    if not found:
        return None
    return [
        Section(
            name=(section.get("name") or "").strip(),
            slide_ids=[int(s.get("id")) for s in section.iter(q("p14:sldId"))],
        )
        for section in found
    ]


def _unreadable(exc: Exception) -> DeckRejected:
    # The exception names a Python class, which means nothing to a lecturer: log, don't show.
    log.info("deck unreadable: %r", exc)
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


def _slide_list(package: Package) -> tuple[Any, list[tuple[int, str | None]]]:
    """Return the presentation part's root and its slides as (slide id, part name)."""
    main = package.related("", "officeDocument") or "ppt/presentation.xml"
    presentation = package.xml(main)
    rels = package.rels(main)
    entries = []
    id_list = presentation.find(q("p:sldIdLst"))
    for entry in id_list if id_list is not None else []:
        if entry.tag == q("p:sldId"):
            rel = rels.get(entry.get(_RID) or "")
            entries.append((int(entry.get("id")), rel.target if rel and not rel.external else None))
    return presentation, entries


def _slide_unreadable(number: int) -> Problem:
    return Problem(
        "error",
        "slide.unreadable",
        N_(
            "Slide {number} cannot be read: its part of the file is missing or damaged. Open "
            "the deck in PowerPoint, copy that slide's content into a new slide, delete the old "
            "one, save and upload again."
        ),
        {"number": number},
        slide=number,
    )


def read_deck(
    path: Path, *, max_slides: int = 1000, parts: dict[str, bytes] | None = None
) -> DeckContent:
    """Return every slide's content, sections and pictures; raise DeckRejected if unreadable.

    ``parts`` are the file's parts as ``safety.check_package`` returns them, so nothing is
    unpacked twice; without them the file is opened here.

    Any failure is a report, never an exception of another kind: the whole file (no slide
    list), one slide (refused, naming it) or one shape (left out with a warning).
    """
    try:
        package = Package(path, parts)
    except Exception as exc:  # zipfile raises many kinds on a file it cannot open
        raise _unreadable(exc) from exc
    with package:
        try:
            presentation, entries = _slide_list(package)
            sections = _sections(presentation)
        except Exception as exc:  # no slide list, no deck
            raise _unreadable(exc) from exc
        if not entries:
            raise DeckRejected(
                [
                    error(
                        "pptx.no-slides",
                        N_("The deck has no slides. Add the lecture's slides and upload again."),
                    )
                ]
            )
        if len(entries) > max_slides:
            raise DeckRejected(
                [
                    error(
                        "pptx.too-many-slides",
                        N_(
                            "The deck has {count} slides; at most {limit} are allowed. Split "
                            "it into several decks (one per course) and upload them one by one."
                        ),
                        count=len(entries),
                        limit=max_slides,
                    )
                ]
            )
        pictures: dict[str, Picture] = {}
        reader = _SlideReader(package, pictures)
        content, broken = [], []
        for number, (slide_id, name) in enumerate(entries, 1):
            try:
                if name is None:
                    raise PartMissing(f"slide {number}")
                content.append(reader.read(name, number, slide_id))
                package.forget(name)  # a slide's tree is read once; layouts stay cached
            except Exception as exc:  # the slide as a whole: refuse, naming it
                log.info("slide %s unreadable: %r", number, exc)
                broken.append(_slide_unreadable(number))
        if broken:
            raise DeckRejected(broken)
    return DeckContent(slides=content, sections=sections, pictures=pictures)
