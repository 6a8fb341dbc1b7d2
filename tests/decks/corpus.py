"""Decks with the markup real presentation programs write, generated at test time.

Each builder takes the small four-module lecture of ``tests.deckmaker`` and adds one kind of
markup to its second slide with python-pptx, writing by hand (lxml) what python-pptx has no
API for: alternate content, OLE objects, SmartArt data, equations, SVG, linked pictures,
video, ink, zoom, morph transitions, comments. Every builder returns the deck's path and the
texts the reader must find on that slide, so a test can assert both.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.opc.packuri import PackURI
from pptx.slide import Slide
from pptx.util import Inches

from tests import deckmaker

SLIDE = 2  # the first content slide of module LP-01
NAMESPACES = (
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
)
XFRM = '<a:xfrm><a:off x="457200" y="{y}"/><a:ext cx="1828800" cy="914400"/></a:xfrm>'
DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"

Builder = Callable[[Path], tuple[Path, list[str]]]


def _element(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def _add_part(slide: Slide, name: str, content_type: str, blob: bytes, reltype: str) -> str:
    part = Part(PackURI(name), content_type, slide.part.package, blob)
    return slide.part.relate_to(part, reltype)


def _picture_rel(slide: Slide, data: bytes | None = None) -> str:
    _part, rel_id = slide.part.get_or_add_image_part(io.BytesIO(data or deckmaker.png()))
    return rel_id


def _pic(rel_id: str, name: str, y: int, *, blip: str = "", nv: str = "") -> str:
    blip = blip or f'<a:blip r:embed="{rel_id}"/>'
    return (
        f'<p:pic {NAMESPACES}><p:nvPicPr><p:cNvPr id="{900 + y % 97}" name="{name}" '
        f'descr="{name}"/><p:cNvPicPr/><p:nvPr>{nv}</p:nvPr></p:nvPicPr>'
        f"<p:blipFill>{blip}<a:stretch><a:fillRect/></a:stretch></p:blipFill>"
        f'<p:spPr>{XFRM.format(y=y)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>'
        "</p:pic>"
    )


def _append(slide: Slide, xml: str) -> None:
    slide.shapes._spTree.append(_element(xml))


def _build(path: Path, change: Callable[[Slide], list[str]]) -> tuple[Path, list[str]]:
    base = deckmaker.build(path, deckmaker.lecture("ja"))
    prs = Presentation(str(base))
    expected = change(prs.slides[SLIDE - 1])
    prs.save(str(path))
    return path, expected


def picture_in_alternate_content(path: Path) -> tuple[Path, list[str]]:
    """PowerPoint's newer picture markup: blipFill inside mc:AlternateContent, and a p:pic as
    the Fallback of a 3D model (the 48-slide deck that raised InvalidXmlError)."""

    def change(slide: Slide) -> list[str]:
        rel_id = _picture_rel(slide, deckmaker.png((1, 2, 3)))
        fill = f'<a:blip r:embed="{rel_id}"/><a:stretch><a:fillRect/></a:stretch>'
        _append(
            slide,
            f'<p:pic {NAMESPACES} xmlns:a16="http://schemas.microsoft.com/office/drawing/2014/main">'
            '<p:nvPicPr><p:cNvPr id="801" name="Picture AC" descr="inner"/><p:cNvPicPr/><p:nvPr/>'
            '</p:nvPicPr><mc:AlternateContent><mc:Choice Requires="a16">'
            f"<p:blipFill>{fill}</p:blipFill></mc:Choice><mc:Fallback><p:blipFill>{fill}"
            f"</p:blipFill></mc:Fallback></mc:AlternateContent><p:spPr>{XFRM.format(y=5000000)}"
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>',
        )
        other = _picture_rel(slide, deckmaker.png((4, 5, 6)))
        _append(
            slide,
            f'<mc:AlternateContent {NAMESPACES} xmlns:p166="http://schemas.microsoft.com/office/'
            'powerpoint/2016/6/main"><mc:Choice Requires="p166"><p:graphicFrame><p:nvGraphicFramePr>'
            '<p:cNvPr id="802" name="3D Model"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>'
            '<p:xfrm><a:off x="0" y="5900000"/><a:ext cx="10" cy="10"/></p:xfrm><a:graphic>'
            '<a:graphicData uri="http://schemas.microsoft.com/office/drawing/2017/model3d"/>'
            "</a:graphic></p:graphicFrame></mc:Choice><mc:Fallback>"
            f"{_pic(other, '3D Model fallback', 5900000)}</mc:Fallback></mc:AlternateContent>",
        )
        return ["inner", "3D Model fallback"]

    return _build(path, change)


# An EMF preview: the header's record type and size, then 1.45 MB of one byte value, the way
# an embedded PDF's placeholder picture compresses 667-fold.
EMF_PREVIEW = b"\x01\x00\x00\x00\x6c\x00\x00\x00" + bytes(1_520_000)


def embedded_pdf_object(path: Path) -> tuple[Path, list[str]]:
    """A PDF embedded as an OLE object, shown through its EMF preview picture."""

    def change(slide: Slide) -> list[str]:
        ole = _add_part(
            slide,
            "/ppt/embeddings/oleObject1.bin",
            "application/vnd.openxmlformats-officedocument.oleObject",
            b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            RT.OLE_OBJECT,
        )
        emf = _add_part(slide, "/ppt/media/image90.emf", "image/x-emf", EMF_PREVIEW, RT.IMAGE)
        preview = _pic(emf, "", 4000000).replace('descr=""', 'descr="PDF preview"')
        _append(
            slide,
            f'<p:graphicFrame {NAMESPACES}><p:nvGraphicFramePr><p:cNvPr id="803" name="Object 5"/>'
            '<p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/>'
            '</p:nvGraphicFramePr><p:xfrm><a:off x="457200" y="4000000"/><a:ext cx="1828800" '
            'cy="914400"/></p:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats'
            '.org/presentationml/2006/ole"><mc:AlternateContent xmlns:v="urn:schemas-microsoft'
            '-com:vml"><mc:Choice Requires="v"><p:oleObj spid="_x0000_s1026" name="Acrobat '
            f'Document" r:id="{ole}" imgW="1" imgH="1" progId="Acrobat.Document.DC"><p:embed/>'
            '</p:oleObj></mc:Choice><mc:Fallback><p:oleObj name="Acrobat Document" '
            f'r:id="{ole}" imgW="1" imgH="1" progId="Acrobat.Document.DC"><p:embed/>{preview}'
            "</p:oleObj></mc:Fallback></mc:AlternateContent></a:graphicData></a:graphic>"
            "</p:graphicFrame>",
        )
        return ["PDF preview"]

    return _build(path, change)


def smartart_data(steps: list[tuple[str, list[str]]]) -> bytes:
    """A SmartArt data part: top-level steps with sub-points, listed out of order on purpose."""
    points = ['<dgm:pt modelId="{0}" type="doc"><dgm:t><a:bodyPr/><a:p/></dgm:t></dgm:pt>']
    connections = []
    for index, (step, subs) in reversed(list(enumerate(steps, 1))):
        points.append(_point(f"{{{index}}}", step))
        connections.append(_connection(f"c{index}", "{0}", f"{{{index}}}", index - 1))
        for sub_index, sub in enumerate(subs):
            model_id = f"{{{index}.{sub_index}}}"
            points.append(_point(model_id, sub))
            connections.append(
                _connection(f"c{index}.{sub_index}", f"{{{index}}}", model_id, sub_index)
            )
    points.append('<dgm:pt modelId="{99}" type="parTrans"><dgm:t><a:p/></dgm:t></dgm:pt>')
    connections.append('<dgm:cxn modelId="p1" type="presOf" srcId="{1}" destId="{99}"/>')
    return (
        f'<dgm:dataModel xmlns:dgm="{DGM}" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        f"<dgm:ptLst>{''.join(points)}</dgm:ptLst><dgm:cxnLst>{''.join(connections)}"
        "</dgm:cxnLst></dgm:dataModel>"
    ).encode()


def _point(model_id: str, text: str) -> str:
    return (
        f'<dgm:pt modelId="{model_id}"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/><a:lstStyle/>'
        f'<a:p><a:r><a:rPr lang="ja-JP"/><a:t>{text}</a:t></a:r></a:p></dgm:t></dgm:pt>'
    )


def _connection(model_id: str, source: str, target: str, order: int) -> str:
    return (
        f'<dgm:cxn modelId="{model_id}" srcId="{source}" destId="{target}" srcOrd="{order}" '
        'destOrd="0"/>'
    )


SMARTART_STEPS = [
    ("相談する", ["監理団体", "外国人技能実習機構"]),
    ("記録する", []),
    ("解決する", ["労働基準監督署"]),
]


def smartart(
    path: Path, steps: list[tuple[str, list[str]]] | None = None
) -> tuple[Path, list[str]]:
    """A SmartArt flow (the data part python-pptx cannot see)."""
    steps = steps or SMARTART_STEPS

    def change(slide: Slide) -> list[str]:
        rel_id = _add_part(
            slide,
            "/ppt/diagrams/data1.xml",
            "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
            smartart_data(steps),
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/diagramData",
        )
        _append(
            slide,
            f'<p:graphicFrame {NAMESPACES}><p:nvGraphicFramePr><p:cNvPr id="804" name="Diagram 3"/>'
            '<p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr><p:xfrm><a:off x="457200" '
            'y="3000000"/><a:ext cx="1828800" cy="914400"/></p:xfrm><a:graphic><a:graphicData '
            f'uri="{DGM}"><dgm:relIds xmlns:dgm="{DGM}" r:dm="{rel_id}" r:lo="{rel_id}" '
            f'r:qs="{rel_id}" r:cs="{rel_id}"/></a:graphicData></a:graphic></p:graphicFrame>',
        )
        return [text for step, subs in steps for text in (step, *subs)]

    return _build(path, change)


def chart(path: Path) -> tuple[Path, list[str]]:
    """A column chart of wages with a title, an axis title, a series name and categories."""

    def change(slide: Slide) -> list[str]:
        data = CategoryChartData()
        data.categories = ["東京都", "沖縄県"]
        data.add_series("最低賃金（円）", (1163, 952))
        frame = slide.shapes.add_chart(
            XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(4.2), Inches(4), Inches(2), data
        )
        frame.chart.has_title = True
        frame.chart.chart_title.text_frame.text = "地域別最低賃金"
        frame.chart.value_axis.has_title = True
        frame.chart.value_axis.axis_title.text_frame.text = "時間額"
        return ["地域別最低賃金", "時間額", "最低賃金（円）", "東京都", "沖縄県"]

    return _build(path, change)


def equation(path: Path) -> tuple[Path, list[str]]:
    """An equation (a14:m, OMML) in a text box, with the picture PowerPoint writes as Fallback."""

    def change(slide: Slide) -> list[str]:
        png = _picture_rel(slide, deckmaker.png((9, 9, 9)))
        math = (
            '<a14:m><m:oMathPara xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/'
            'math"><m:oMath><m:r><m:t>時給</m:t></m:r><m:r><m:t>×8=日給</m:t></m:r></m:oMath>'
            "</m:oMathPara></a14:m>"
        )
        _append(
            slide,
            f'<mc:AlternateContent {NAMESPACES} xmlns:a14="http://schemas.microsoft.com/office/'
            'drawing/2010/main"><mc:Choice Requires="a14"><p:sp><p:nvSpPr><p:cNvPr id="805" '
            'name="TextBox 7"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr>'
            f"{XFRM.format(y=4400000)}</p:spPr><p:txBody><a:bodyPr/><a:lstStyle/><a:p>{math}</a:p>"
            '</p:txBody></p:sp></mc:Choice><mc:Fallback><p:sp><p:nvSpPr><p:cNvPr id="805" '
            'name="TextBox 7"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr>'
            f'{XFRM.format(y=4400000)}<a:blipFill><a:blip r:embed="{png}"/></a:blipFill></p:spPr>'
            '<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="en-US"/><a:t> </a:t></a:r>'
            "</a:p></p:txBody></p:sp></mc:Fallback></mc:AlternateContent>",
        )
        return ["時給×8=日給"]

    return _build(path, change)


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10" fill="red"/></svg>'
)


def svg_with_png_fallback(path: Path) -> tuple[Path, list[str]]:
    def change(slide: Slide) -> list[str]:
        png = _picture_rel(slide, deckmaker.png((7, 7, 7)))
        svg = _add_part(slide, "/ppt/media/image91.svg", "image/svg+xml", SVG, RT.IMAGE)
        blip = (
            f'<a:blip r:embed="{png}"><a:extLst><a:ext uri="{{96DAC541-7B7A-43D3-8B79-'
            '37D633B846F1}"><asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/'
            f'drawing/2016/SVG/main" r:embed="{svg}"/></a:ext></a:extLst></a:blip>'
        )
        _append(slide, _pic(png, "Graphic 2", 4100000, blip=blip))
        return ["Graphic 2"]

    return _build(path, change)


def linked_picture(path: Path) -> tuple[Path, list[str]]:
    def change(slide: Slide) -> list[str]:
        rel_id = slide.part.relate_to("file:///C:/slides/map.png", RT.IMAGE, is_external=True)
        _append(slide, _pic(rel_id, "Linked map", 4100000, blip=f'<a:blip r:link="{rel_id}"/>'))
        return []

    return _build(path, change)


def video(path: Path) -> tuple[Path, list[str]]:
    """A video placeholder: a linked movie and its poster frame."""

    def change(slide: Slide) -> list[str]:
        poster = _picture_rel(slide, deckmaker.png((3, 3, 3)))
        movie = slide.part.relate_to("https://example.org/rules.mp4", RT.VIDEO, is_external=True)
        nv = (
            f'<a:videoFile r:link="{movie}"/><p:extLst><p:ext uri="{{DAA4B4D4-6D71-4841-9C94-'
            '3DE7FCFB9230}"><p14:media xmlns:p14="http://schemas.microsoft.com/office/powerpoint/'
            f'2010/main" r:link="{movie}"/></p:ext></p:extLst>'
        )
        _append(slide, _pic(poster, "Video rules", 4100000, nv=nv))
        return ["Video rules"]

    return _build(path, change)


def ink_zoom_and_morph(path: Path) -> tuple[Path, list[str]]:
    """Ink and a slide zoom (read from their Fallback pictures) and a morph transition."""

    def change(slide: Slide) -> list[str]:
        ink = _add_part(
            slide,
            "/ppt/ink/ink1.xml",
            "application/inkml+xml",
            b'<inkml:ink xmlns:inkml="http://www.w3.org/2003/InkML"><inkml:trace>0 0, 1 1'
            b"</inkml:trace></inkml:ink>",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
        )
        ink_png = _picture_rel(slide, deckmaker.png((11, 11, 11)))
        zoom_png = _picture_rel(slide, deckmaker.png((12, 12, 12)))
        p14 = 'xmlns:p14="http://schemas.microsoft.com/office/powerpoint/2010/main"'
        _append(
            slide,
            f'<mc:AlternateContent {NAMESPACES} {p14}><mc:Choice Requires="p14">'
            f'<p:contentPart p14:bwMode="auto" r:id="{ink}"><p14:nvContentPartPr><p14:cNvPr '
            'id="806" name="Ink 1"/><p14:cNvContentPartPr/><p14:nvPr/></p14:nvContentPartPr>'
            f'<p14:xfrm><a:off x="0" y="4200000"/><a:ext cx="10" cy="10"/></p14:xfrm>'
            f"</p:contentPart></mc:Choice><mc:Fallback>{_pic(ink_png, 'Ink 1', 4200000)}"
            "</mc:Fallback></mc:AlternateContent>",
        )
        _append(
            slide,
            f'<mc:AlternateContent {NAMESPACES} xmlns:pslz="http://schemas.microsoft.com/office/'
            'powerpoint/2016/slidezoom"><mc:Choice Requires="pslz"><p:graphicFrame>'
            '<p:nvGraphicFramePr><p:cNvPr id="807" name="Slide Zoom 3"/><p:cNvGraphicFramePr/>'
            '<p:nvPr/></p:nvGraphicFramePr><p:xfrm><a:off x="0" y="4300000"/><a:ext cx="1" '
            'cy="1"/></p:xfrm><a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/'
            'powerpoint/2016/slidezoom"><pslz:sldZm/></a:graphicData></a:graphic></p:graphicFrame>'
            f"</mc:Choice><mc:Fallback>{_pic(zoom_png, 'Slide Zoom 3', 4300000)}</mc:Fallback>"
            "</mc:AlternateContent>",
        )
        transition = _element(
            f'<mc:AlternateContent {NAMESPACES} {p14} xmlns:p159="http://schemas.microsoft.com/'
            'office/powerpoint/2015/09/main"><mc:Choice Requires="p159"><p:transition spd="slow" '
            'p14:dur="2000"><p159:morph option="byObject"/></p:transition></mc:Choice>'
            '<mc:Fallback><p:transition spd="slow"><p:fade/></p:transition></mc:Fallback>'
            "</mc:AlternateContent>"
        )
        slide._element.append(transition)
        return ["Ink 1", "Slide Zoom 3"]

    return _build(path, change)


def placeholder_without_text_frame_and_comments(path: Path) -> tuple[Path, list[str]]:
    """An empty content placeholder with no txBody (and no position), and a comment."""

    def change(slide: Slide) -> list[str]:
        _append(
            slide,
            f'<p:sp {NAMESPACES}><p:nvSpPr><p:cNvPr id="808" name="Content Placeholder 9"/>'
            '<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph idx="1"/></p:nvPr>'
            "</p:nvSpPr><p:spPr/></p:sp>",
        )
        _add_part(
            slide,
            "/ppt/comments/comment1.xml",
            "application/vnd.openxmlformats-officedocument.presentationml.comments+xml",
            b'<p:cmLst xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
            b'<p:cm authorId="0" dt="2026-01-01T00:00:00" idx="1"><p:pos x="10" y="10"/>'
            b"<p:text>COMMENT-NOT-SLIDE-TEXT</p:text></p:cm></p:cmLst>",
            RT.COMMENTS,
        )
        return []

    return _build(path, change)


BUILDERS: dict[str, Builder] = {
    "alternate-content-pictures": picture_in_alternate_content,
    "embedded-pdf-object": embedded_pdf_object,
    "smartart": smartart,
    "chart": chart,
    "equation": equation,
    "svg-with-png-fallback": svg_with_png_fallback,
    "linked-picture": linked_picture,
    "video": video,
    "ink-zoom-morph": ink_zoom_and_morph,
    "placeholder-and-comments": placeholder_without_text_frame_and_comments,
}
