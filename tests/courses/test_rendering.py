"""Slide images: LibreOffice renders each imported deck in a job; without it slides are HTML.

Tests marked ``rendering`` run the real LibreOffice (a few seconds per deck, so each deck is
rendered once); the others use no LibreOffice, or a small script standing in for it.
"""

from __future__ import annotations

import io
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.courses.models import DeckImport
from app.jobs.models import Job
from app.jobs.service import run_until_empty
from tests import deckmaker
from tests.conftest import soffice_or_skip, upload
from tests.deckmaker import S

API = "/api/v1/courses/legal-protection"
PAGES = "/courses/legal-protection"
RED, BLUE = (220, 30, 40), (30, 70, 200)
RENDER_WIDTH = 640  # not the default, to see the setting is used

WORDS = {
    "ja": (
        "LP-01 技能実習制度",
        "制度の概要",
        "監理団体の役割",
        "講師用の補足",
        "非表示の説明",
        "在留カード",
        "LP-02 入管法",
        "入管法 1",
        "在留資格",
    ),
    "vi": (
        "LP-01 Chế độ thực tập",
        "Tổng quan",
        "Vai trò của tổ chức giám sát",
        "Ghi chú cho giảng viên",
        "Giải thích ẩn",
        "Thẻ cư trú",
        "LP-02 Luật xuất nhập cảnh",
        "Luật xuất nhập cảnh 1",
        "Tư cách lưu trú",
    ),
}


def colour_deck(
    path: Path, language: str, colour: tuple[int, int, int], law_title: str | None = None
) -> Path:
    """Two modules, four slides: slide 2 hidden, slide 3 one picture of ``colour`` filling it."""
    (module_1, intro, intro_body, hidden, hidden_body, card, module_2, law, law_body) = WORDS[
        language
    ]
    deckmaker.build(
        path,
        [
            (
                module_1,
                [
                    S(intro, [intro_body], table=[["A", "B"], ["1", "2"]]),
                    S(hidden, [hidden_body], hidden=True),
                    S(card, picture=deckmaker.png(colour, (160, 120))),
                ],
            ),
            (module_2, [S(law_title or law, [law_body])]),
        ],
    )
    presentation = Presentation(str(path))
    (picture,) = [
        shape
        for shape in presentation.slides[2].shapes
        if shape.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    picture.left = picture.top = 0
    picture.width, picture.height = presentation.slide_width, presentation.slide_height
    presentation.save(str(path))
    return path


def share_of(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 40) -> float:
    """The share of a 20x20 grid of sample points whose pixel is close to ``colour``."""
    rgb = image.convert("RGB")
    points = [
        (rgb.width * (2 * i + 1) // 40, rgb.height * (2 * j + 1) // 40)
        for i in range(20)
        for j in range(20)
    ]
    close = sum(
        all(abs(a - b) <= tolerance for a, b in zip(rgb.getpixel(p), colour, strict=True))
        for p in points
    )
    return close / len(points)


def slides_of(client: TestClient, revision: int, language: str) -> list[dict[str, Any]]:
    """Every slide of a revision in a language, modules in order."""
    out = []
    for code in ("LP-01", "LP-02"):
        response = client.get(f"{API}/revisions/{revision}/modules/{code}?language={language}")
        assert response.status_code == 200, response.text
        out.extend(response.json()["slides"])
    return out


def fetch_image(client: TestClient, sha256: str, content_type: str = "image/webp") -> Image.Image:
    """GET a stored image and check it is served inert, as what it claims to be."""
    response = client.get(f"/files/{sha256}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert "sandbox" in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == content_type.removeprefix("image/").upper()
    return image


def jobs(session_factory: sessionmaker[Session]) -> list[tuple[str, dict[str, Any], str]]:
    with session_factory() as session:
        return [
            (job.kind, job.payload, job.status)
            for job in session.scalars(select(Job).order_by(Job.id))
        ]


def fake_soffice(folder: Path, body: str, interpreter: str = "/bin/sh") -> str:
    """Write an executable that stands in for LibreOffice (``find_soffice`` takes any path)."""
    script = folder / "fake-soffice"
    script.write_text(f"#!{interpreter}\n{body}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def running(pid: int) -> bool:
    """True while the process exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


@pytest.fixture
def lo_settings(make_settings: Callable[..., Settings]) -> Settings:
    """Settings that find the installed LibreOffice (the test is skipped without it)."""
    soffice_or_skip()
    return make_settings(soffice_path=None, render_width=RENDER_WIDTH)


@pytest.fixture
def lo_client(lo_settings: Settings, open_client: Any) -> Iterator[TestClient]:
    with open_client(lo_settings) as client:
        yield client


@pytest.mark.rendering
@pytest.mark.slow
def test_every_slide_gets_an_image_and_page_n_is_slide_n(
    lo_client: TestClient,
    lo_settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    client = lo_client
    report = upload(client, colour_deck(tmp_path / "ja.pptx", "ja", RED), "ja").json()
    import_id = report["import_id"]
    assert report["rendering"] == "queued"
    assert jobs(session_factory) == [("render-deck", {"import_id": import_id}, "queued")]
    assert client.get(f"{API}/imports/{import_id}").json()["rendering"] == "queued"
    progress = client.get(f"{API}/imports/{import_id}/progress").json()
    assert (progress["percent"], progress["finished"], progress["result_url"]) == (0, False, None)

    assert run_until_empty(session_factory, lo_settings) == 1
    status = client.get(f"{API}/imports/{import_id}").json()
    assert (status["rendering"], status["rendering_error"]) == ("done", None)
    assert status["rendered_slides"] == status["slide_count"] == 4
    # The progress stream of finished work says so at once, with the way to the result, and ends.
    with client.stream("GET", f"{API}/imports/{import_id}/progress/events") as stream:
        body = stream.read().decode()
    assert body.startswith("event: progress") and body.count("event: progress") == 1
    assert '"percent":100' in body and '"pages":4' in body
    assert '"result_url":"/courses/legal-protection/revisions/1"' in body
    assert jobs(session_factory) == [("render-deck", {"import_id": import_id}, "done")]

    slides = slides_of(client, 1, "ja")
    assert [s["hidden"] for s in slides] == [False, True, False, False]
    assert all(s["image"] and s["thumbnail"] for s in slides), slides
    assert len({s["image"] for s in slides}) == 4
    images = [fetch_image(client, s["image"]) for s in slides]
    assert {image.width for image in images} == {RENDER_WIDTH}
    assert fetch_image(client, slides[0]["thumbnail"]).width == 320
    # The hidden slide 2 is in the PDF too: page 3 is the red slide 3, not slide 4.
    assert share_of(images[2], RED) > 0.95
    assert share_of(images[1], RED) == share_of(images[3], RED) == 0
    assert share_of(images[1], (255, 255, 255), 10) > 0.8

    # The pages show the images instead of the HTML fallback.
    revision = html.fromstring(client.get(f"{PAGES}/revisions/1").text)
    assert revision.xpath('//a[@class="thumb"]/img/@src') == [
        f"/files/{s['thumbnail']}" for s in slides
    ]
    assert not revision.xpath('//div[@class="no-image"]')
    module = html.fromstring(client.get(f"{PAGES}/revisions/1/modules/LP-01").text)
    assert module.xpath('//img[@class="rendered"]/@src') == [
        f"/files/{s['image']}" for s in slides[:3]
    ]
    report_page = html.fromstring(client.get(f"{PAGES}/imports/{import_id}?lang=en").text)
    assert "Slide images: done (4/4)" in " ".join(report_page.text_content().split())


@pytest.mark.rendering
@pytest.mark.slow
def test_translation_images_come_from_its_own_deck_and_survive_a_new_master(
    lo_client: TestClient,
    lo_settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    client = lo_client
    upload(client, colour_deck(tmp_path / "ja.pptx", "ja", RED), "ja")
    vi_import = upload(client, colour_deck(tmp_path / "vi.pptx", "vi", BLUE), "vi").json()
    assert vi_import["rendering"] == "queued"
    assert run_until_empty(session_factory, lo_settings) == 2

    ja_1, vi_1 = slides_of(client, 1, "ja"), slides_of(client, 1, "vi")
    assert not any(s["fallback"] for s in vi_1)
    assert all(s["image"] and s["thumbnail"] for s in vi_1)
    assert not {s["image"] for s in vi_1} & {s["image"] for s in ja_1}
    assert share_of(fetch_image(client, vi_1[2]["image"]), BLUE) > 0.95
    assert client.get(f"{API}/imports/{vi_import['import_id']}").json()["rendered_slides"] == 4

    revised = colour_deck(tmp_path / "ja-2.pptx", "ja", RED, law_title="入管法 1（改正）")
    report = upload(client, revised, "ja").json()
    assert report["stale_slides"] == [
        {"language": "vi", "module": "LP-02", "slide": 4, "reason": "changed"}
    ]
    # Carried over with their images at once, before the new master is even rendered.
    vi_2 = slides_of(client, 2, "vi")
    assert [s["image"] for s in vi_2] == [s["image"] for s in vi_1]
    assert [s["thumbnail"] for s in vi_2] == [s["thumbnail"] for s in vi_1]

    assert run_until_empty(session_factory, lo_settings) == 1
    assert client.get(f"{API}/imports/{report['import_id']}").json()["rendering"] == "done"
    vi_2 = slides_of(client, 2, "vi")
    assert [s["image"] for s in vi_2] == [s["image"] for s in vi_1]
    assert [s["state"] for s in vi_2] == ["current", "current", "current", "stale"]
    ja_2 = slides_of(client, 2, "ja")
    assert all(s["image"] and s["thumbnail"] for s in ja_2)
    assert ja_2[3]["image"] != ja_1[3]["image"]  # the changed slide got its new picture
    # Revision 1 keeps its own images.
    assert [s["image"] for s in slides_of(client, 1, "ja")] == [s["image"] for s in ja_1]
    module = html.fromstring(client.get(f"{PAGES}/revisions/2/modules/LP-01?language=vi").text)
    assert module.xpath('//img[@class="rendered"]/@src') == [
        f"/files/{s['image']}" for s in vi_2[:3]
    ]


def test_without_libreoffice_nothing_is_queued_and_slides_are_html(
    client: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
    decks: Path,
) -> None:
    report = upload(client, decks / "ja.pptx", "ja").json()
    assert report["rendering"] == "unavailable"
    assert jobs(session_factory) == []
    assert run_until_empty(session_factory, settings) == 0
    status = client.get(f"{API}/imports/{report['import_id']}").json()
    assert (status["rendering"], status["rendered_slides"]) == ("unavailable", 0)

    doc = html.fromstring(client.get(f"{PAGES}/revisions/1/modules/LP-01").text)
    assert not doc.xpath('//img[@class="rendered"]')
    slide_2, slide_3 = doc.xpath('//section[@class="slide"]')[1:3]
    assert slide_2.xpath(".//h3/text()") == ["技能実習制度 1"]
    assert slide_2.xpath(".//li/text()") == ["説明 1.1", "説明 1.2"]
    assert slide_3.xpath(".//table//th/text() | .//table//td/text()") == [
        "A",
        "B",
        "正しい 1",
        "¥1,047",
    ]
    (src,) = slide_2.xpath(".//img/@src")
    assert src.startswith("/files/")
    picture = fetch_image(client, src.removeprefix("/files/"), "image/png")
    assert picture.size == (64, 40)
    assert picture.convert("RGB").getpixel((5, 5)) == (40, 80, 120)

    # The deck itself is stored but never served.
    with session_factory() as session:
        deck_sha = session.scalars(select(DeckImport.file_sha256)).one()
    assert client.get(f"/files/{deck_sha}").status_code == 404
    assert client.get("/files/not-a-digest").status_code == 422


@pytest.mark.parametrize(
    ("body", "interpreter", "error"),
    [
        pytest.param(
            'echo "cannot open the display (simulated)" >&2\nexit 1\n',
            "/bin/sh",
            "LibreOffice could not convert the deck (exit 1): cannot open the display (simulated)",
            id="exit-1-no-pdf",
        ),
        pytest.param(
            "import sys\nfrom pathlib import Path\nfrom PIL import Image\n"
            "outdir = Path(sys.argv[sys.argv.index('--outdir') + 1])\n"
            "Image.new('RGB', (40, 30), 'white').save(outdir / 'deck.pdf')\n",
            sys.executable,
            "the PDF has 1 pages for 16 slides",
            id="wrong-page-count",
        ),
    ],
)
def test_failed_rendering_is_reported_and_the_import_stays(
    make_settings: Callable[..., Settings],
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    decks: Path,
    body: str,
    interpreter: str,
    error: str,
    open_client: Any,
) -> None:
    settings = make_settings(soffice_path=fake_soffice(tmp_path, body, interpreter))
    with open_client(settings) as client:
        response = upload(client, decks / "ja.pptx", "ja")
        assert response.status_code == 201
        import_id = response.json()["import_id"]
        assert response.json()["rendering"] == "queued"

        assert run_until_empty(session_factory, settings) == 1
        status = client.get(f"{API}/imports/{import_id}").json()
        assert (status["rendering"], status["rendering_error"]) == ("failed", error)
        assert status["rendered_slides"] == 0
        assert status["report"]["status"] == "accepted"
        with session_factory() as session:
            job = session.scalars(select(Job)).one()
            assert (job.status, job.error, job.attempts) == ("failed", error, 1)
        assert not list(settings.tmp_dir.glob("render-*"))  # its work folder is gone

        # The import is still there, readable as HTML, and its page says what went wrong.
        page = html.fromstring(client.get(f"{PAGES}/imports/{import_id}?lang=en").text)
        text = " ".join(page.text_content().split())
        assert f"Slide images: failed · {error}" in text
        assert page.xpath('//span[@class="badge failed"]')
        revision = client.get(f"{API}/revisions/1").json()
        assert revision["status"] == "draft"
        slides = client.get(f"{API}/revisions/1/modules/LP-02").json()["slides"]
        assert [s["image"] for s in slides] == [None] * 4
        module = html.fromstring(client.get(f"{PAGES}/revisions/1/modules/LP-02").text)
        assert module.xpath('//section[@id="slide-2"]//h3/text()') == ["入管法 1"]


def test_a_hung_conversion_is_killed_with_everything_it_started(
    make_settings: Callable[..., Settings],
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    decks: Path,
    open_client: Any,
) -> None:
    # Like soffice -> oosplash -> soffice.bin: the script we start starts what does the work.
    pid_file = tmp_path / "worker.pid"
    script = fake_soffice(tmp_path, f"sleep 60 &\necho $! > {pid_file}\nwait\n")
    settings = make_settings(soffice_path=script, render_timeout_seconds=1)
    with open_client(settings) as client:
        import_id = upload(client, decks / "ja.pptx", "ja").json()["import_id"]
        assert run_until_empty(session_factory, settings) == 1
        status = client.get(f"{API}/imports/{import_id}").json()
    assert (status["rendering"], status["rendering_error"]) == (
        "failed",
        "LibreOffice did not finish within 1 s",
    )
    pid, deadline = int(pid_file.read_text()), time.monotonic() + 5
    while running(pid):
        assert time.monotonic() < deadline, "the process the converter started is still running"
        time.sleep(0.05)
