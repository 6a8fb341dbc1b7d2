"""Build small .pptx decks for tests, with sections, quiz slides, tables and pictures."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

P14 = "http://schemas.openxmlformats.org/presentationml/2006/main"
SECTION_EXT_URI = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"
P14_NS = "http://schemas.microsoft.com/office/powerpoint/2010/main"

TITLE_SLIDE, TITLE_AND_CONTENT, SECTION_HEADER, TITLE_ONLY = 0, 1, 2, 5


@dataclass
class S:
    """One slide to build."""

    title: str
    bullets: list[str] = field(default_factory=list)
    notes: str = ""
    table: list[list[str]] | None = None
    picture: bytes | None = None
    hidden: bool = False
    layout: int = TITLE_AND_CONTENT
    group_text: list[str] | None = None


def quiz(question: str, choices: list[str], answer: str, explanation: str = "") -> S:
    labelled = [f"{chr(65 + i)}. {choice}" for i, choice in enumerate(choices)]
    notes = f"[quiz]\nanswer: {answer}" + (f"\nexplanation: {explanation}" if explanation else "")
    return S(question, labelled, notes=notes)


def png(color: tuple[int, int, int] = (20, 90, 170), size: tuple[int, int] = (64, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def add_sections(prs: Presentation, sections: list[tuple[str, list[int]]]) -> None:
    """Write ``p14:sectionLst`` (python-pptx has no API for sections)."""
    root = prs.part._element
    ext_lst = root.find(f"{{{P14}}}extLst")
    if ext_lst is None:
        ext_lst = etree.SubElement(root, f"{{{P14}}}extLst")
    ext = etree.SubElement(ext_lst, f"{{{P14}}}ext", uri=SECTION_EXT_URI)
    section_list = etree.SubElement(ext, f"{{{P14_NS}}}sectionLst", nsmap={"p14": P14_NS})
    for name, slide_ids in sections:
        section = etree.SubElement(
            section_list,
            f"{{{P14_NS}}}section",
            name=name,
            id="{" + str(uuid.uuid5(uuid.NAMESPACE_URL, name)).upper() + "}",
        )
        id_list = etree.SubElement(section, f"{{{P14_NS}}}sldIdLst")
        for slide_id in slide_ids:
            etree.SubElement(id_list, f"{{{P14_NS}}}sldId", id=str(slide_id))


def build(path: Path, modules: list[tuple[str, list[S]]], *, sections: bool = True) -> Path:
    """Write a deck: one PowerPoint section per (name, slides) pair, unless sections=False."""
    prs = Presentation()
    section_ids: list[tuple[str, list[int]]] = []
    for name, slides in modules:
        ids = []
        for spec in slides:
            slide = prs.slides.add_slide(prs.slide_layouts[spec.layout])
            ids.append(slide.slide_id)
            if slide.shapes.title is not None:
                slide.shapes.title.text = spec.title
            body = next((ph for ph in slide.placeholders if ph.placeholder_format.idx == 1), None)
            if spec.bullets:
                if body is None:
                    body = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(8), Inches(3))
                frame = body.text_frame
                frame.text = spec.bullets[0]
                for bullet in spec.bullets[1:]:
                    frame.add_paragraph().text = bullet
            elif body is not None and spec.layout != SECTION_HEADER:
                body._element.getparent().remove(body._element)
            if spec.table:
                rows, cols = len(spec.table), len(spec.table[0])
                shape = slide.shapes.add_table(
                    rows, cols, Inches(1), Inches(4.5), Inches(8), Inches(0.4 * rows)
                )
                for r, row in enumerate(spec.table):
                    for c, cell in enumerate(row):
                        shape.table.cell(r, c).text = cell
            if spec.picture:
                slide.shapes.add_picture(
                    io.BytesIO(spec.picture), Inches(7), Inches(5.5), Inches(2)
                )
            if spec.group_text:
                group = slide.shapes.add_group_shape()
                for i, text in enumerate(spec.group_text):
                    box = group.shapes.add_textbox(
                        Inches(1 + 3 * i), Inches(6.5), Inches(2.5), Inches(0.5)
                    )
                    box.text_frame.text = text
            if spec.notes:
                slide.notes_slide.notes_text_frame.text = spec.notes
            if spec.hidden:
                slide._element.set("show", "0")
        section_ids.append((name, ids))
    if sections:
        add_sections(prs, section_ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(path))
    return path


def lecture(
    language: str = "ja", *, changed: dict[tuple[int, int], str] | None = None
) -> list[tuple[str, list[S]]]:
    """A small four-module lecture; ``changed`` replaces titles at (module, slide) indexes."""
    words = {
        "ja": ("技能実習制度", "入管法", "労働法", "相談先", "説明", "質問", "正しい", "誤り"),
        "vi": (
            "Chế độ thực tập",
            "Luật xuất nhập cảnh",
            "Luật lao động",
            "Nơi tư vấn",
            "Giải thích",
            "Câu hỏi",
            "Đúng",
            "Sai",
        ),
        "en": (
            "Training program",
            "Immigration law",
            "Labour law",
            "Where to get help",
            "Explanation",
            "Question",
            "Right",
            "Wrong",
        ),
    }[language]
    modules = []
    for index, name in enumerate(words[:4], start=1):
        slides = [
            S(f"{name}", layout=SECTION_HEADER),
            S(
                f"{name} 1",
                [f"{words[4]} {index}.1", f"{words[4]} {index}.2"],
                notes=f"{words[4]} notes {index}",
                picture=png((index * 40, 80, 120)),
            ),
            S(
                f"{name} 2",
                [f"{words[4]} {index}.3"],
                table=[["A", "B"], [f"{words[6]} {index}", "¥1,047"]],
            ),
            quiz(
                f"{words[5]} {index}",
                [f"{words[6]} {index}", f"{words[7]} {index}"],
                "A",
                explanation=f"{words[4]} {index}",
            ),
        ]
        for (m, s), title in (changed or {}).items():
            if m == index - 1:
                slides[s].title = title
        modules.append((f"LP-0{index} {name}", slides))
    return modules
