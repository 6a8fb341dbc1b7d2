"""The text people see in DrawingML: text bodies, equations, SmartArt data and charts."""

from __future__ import annotations

from typing import Any

from lxml import etree

from app.decks.package import q

_R, _BR, _FLD, _T = q("a:r"), q("a:br"), q("a:fld"), q("a:t")
_MATH, _MATH_T = q("a14:m"), q("m:t")
_P, _PPR = q("a:p"), q("a:pPr")
_DGM_PT, _DGM_T, _DGM_CXN = q("dgm:pt"), q("dgm:t"), q("dgm:cxn")


def paragraph_text(paragraph: etree._Element) -> str:
    """A paragraph's text as python-pptx gives it (a line break is "\\v"), equations included."""
    parts = []
    for child in paragraph:
        tag = child.tag
        if tag in (_R, _FLD):
            t = child.find(_T)
            parts.append((t.text or "") if t is not None else "")
        elif tag == _BR:
            parts.append("\v")
        elif tag == _MATH:
            # OMML keeps an equation's visible characters in m:t runs, in reading order.
            parts.append("".join(t.text or "" for t in child.iter(_MATH_T)))
    return "".join(parts)


def body_text(body: etree._Element | None) -> str:
    """All paragraphs of a text body, one per line, as python-pptx's ``text_frame.text``."""
    if body is None:
        return ""
    return "\n".join(paragraph_text(p) for p in body.iterchildren(_P))


def paragraphs(body: etree._Element | None, base_level: int = 0) -> list[dict[str, Any]]:
    """The body's non-empty paragraphs as blocks' ``{"text", "level"}`` entries."""
    found = []
    if body is None:
        return found
    for paragraph in body.iterchildren(_P):
        text = paragraph_text(paragraph).replace("\v", "\n").strip()
        if text:
            properties = paragraph.find(_PPR)
            level = int(properties.get("lvl") or 0) if properties is not None else 0
            found.append({"text": text, "level": base_level + level})
    return found


def smartart_paragraphs(data: etree._Element) -> list[dict[str, Any]]:
    """The text of a SmartArt diagram's data part, in its outline order, one level per depth.

    The outline is the tree of ``parOf`` connections from the document point, each parent's
    children in ``srcOrd`` order, which is how the Text Pane lists it; points no connection
    reaches are read afterwards in the order the file lists them.
    """
    points: dict[str, etree._Element] = {}
    document = None
    for point in data.iter(_DGM_PT):
        kind = point.get("type") or "node"
        if kind == "doc":
            document = point.get("modelId")
        elif kind in ("node", "asst"):
            points[point.get("modelId") or ""] = point
    children: dict[str, list[tuple[int, str]]] = {}
    for connection in data.iter(_DGM_CXN):
        if (connection.get("type") or "parOf") == "parOf":
            order = int(connection.get("srcOrd") or 0)
            source = connection.get("srcId") or ""
            children.setdefault(source, []).append((order, connection.get("destId") or ""))
    ordered: list[tuple[str, int]] = []
    seen: set[str] = set()
    stack = [(child, 0) for _, child in sorted(children.get(document or "", []), reverse=True)]
    while stack:
        model_id, depth = stack.pop()
        if model_id in seen:
            continue  # a cycle, or a point reached twice, in a damaged diagram
        seen.add(model_id)
        if model_id in points:
            ordered.append((model_id, depth))
        below = sorted(children.get(model_id, []), reverse=True)
        stack.extend((child, depth + 1) for _, child in below)
    ordered.extend((model_id, 0) for model_id in points if model_id not in seen)
    found = []
    for model_id, depth in ordered:
        found.extend(paragraphs(points[model_id].find(_DGM_T), base_level=depth))
    return found


def _chart_strings(element: etree._Element | None) -> list[str]:
    """The cached string values of a ``c:tx``, ``c:cat`` or title's rich text."""
    if element is None:
        return []
    rich = element.find(f".//{q('c:rich')}")
    if rich is not None:
        return [body_text(rich).replace("\v", " ").strip()]
    return [(value.text or "").strip() for value in element.iter(q("c:v"))]


def chart_paragraphs(chart_space: etree._Element) -> list[dict[str, Any]]:
    """A chart's title, axis titles, series names and category labels, in that order."""
    chart = chart_space.find(q("c:chart"))
    if chart is None:
        return []
    lines: list[tuple[str, int]] = []
    title = chart.find(q("c:title"))
    lines.extend((text, 0) for text in _chart_strings(title))
    plot = chart.find(q("c:plotArea"))
    if plot is not None:
        for axis in plot:
            if axis.tag in (q("c:catAx"), q("c:valAx"), q("c:dateAx"), q("c:serAx")):
                lines.extend((text, 1) for text in _chart_strings(axis.find(q("c:title"))))
        categories: list[str] = []
        for series in plot.iter(q("c:ser")):
            lines.extend((text, 1) for text in _chart_strings(series.find(q("c:tx"))))
            for label in _chart_strings(series.find(q("c:cat"))):
                if label not in categories:
                    categories.append(label)
        lines.extend((label, 1) for label in categories)
    return [{"text": text, "level": level} for text, level in lines if text]
