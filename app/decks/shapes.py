"""Where a shape is, which placeholder it is and what it is called, from its XML."""

from __future__ import annotations

from typing import Any

from app.decks.package import q

Placeholder = tuple[int, str] | None
Box = tuple[int, int, int, int]  # top, left, width, height in EMU

SP, GRP, FRAME, PIC, CXN = (
    q("p:sp"),
    q("p:grpSp"),
    q("p:graphicFrame"),
    q("p:pic"),
    q("p:cxnSp"),
)
SHAPES = frozenset({SP, GRP, FRAME, PIC, CXN})  # ink (p:contentPart) has no text
_NV_PH = f"*/{q('p:nvPr')}/{q('p:ph')}"
_NAME = f"*/{q('p:cNvPr')}"


def number(value: str | None) -> int:
    """A position, size or index as the file writes it; 0 when it is not a whole number, so a
    damaged attribute moves a shape in the reading order instead of losing the slide."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def placeholder_of(shape: Any) -> Placeholder:
    ph = shape.find(_NV_PH)
    return None if ph is None else (number(ph.get("idx")), ph.get("type") or "obj")


def description(shape: Any) -> str:
    """The shape's alternative text, as PowerPoint's "Alt Text" pane shows it."""
    found = shape.find(_NAME)
    return (found.get("descr") or "") if found is not None else ""


def shape_name(shape: Any) -> str:
    found = shape.find(_NAME)
    return (found.get("name") or "").strip()[:100] if found is not None else ""


def own_box(shape: Any) -> Box | None:
    xfrm = shape.find(q("p:xfrm")) if shape.tag == FRAME else shape.find(f"*/{q('a:xfrm')}")
    off = xfrm.find(q("a:off")) if xfrm is not None else None
    if off is None:
        return None
    ext = xfrm.find(q("a:ext"))
    width, height = (number(ext.get("cx")), number(ext.get("cy"))) if ext is not None else (0, 0)
    return number(off.get("y")), number(off.get("x")), width, height


def placeholders(root: Any) -> list[tuple[Any, tuple[int, str]]]:
    tree = root.find(f"{q('p:cSld')}/{q('p:spTree')}")
    if tree is None:
        return []
    found = []
    for shape in tree:
        placeholder = placeholder_of(shape) if shape.tag in SHAPES else None
        if placeholder is not None:
            found.append((shape, placeholder))
    return found
