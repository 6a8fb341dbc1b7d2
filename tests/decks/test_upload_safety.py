"""Hostile and broken uploads: each is refused with a message a lecturer can act on, and a
refused upload leaves nothing behind: no revision, no stored file, no spooled temp file.

The corpus is written at test time by ``tests/hostile.py``, once per session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.config import PROJECT_ROOT, Settings
from tests import hostile

DECKS = "/api/v1/courses/legal-protection/decks"
REVISIONS = "/api/v1/courses/legal-protection/revisions"
# Signs that a programmer's error leaked into a message meant for a lecturer.
LEAKS = ("Traceback", "Error(", "Exception", 'File "', "{", "}")

Corpus = Callable[[hostile.Writer], Path]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Write each corpus file on first use, once per session (the zip bomb takes seconds)."""
    folder = tmp_path_factory.mktemp("hostile")
    made: dict[hostile.Writer, Path] = {}

    def get(make: hostile.Writer) -> Path:
        if make not in made:
            made[make] = make(folder)
        return made[make]

    return get


def post_deck(client: TestClient, path: Path, accept_language: str = "en") -> Any:
    with path.open("rb") as handle:
        return client.post(
            DECKS,
            files={"file": (path.name, handle, "application/octet-stream")},
            data={"language": "ja"},
            headers={"Accept-Language": accept_language},
        )


def assert_understandable(message: object) -> None:
    assert isinstance(message, str) and message.strip(), message
    for leak in LEAKS:
        assert leak not in message, message


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def assert_nothing_written(client: TestClient, settings: Settings) -> None:
    assert client.get(REVISIONS).json() == []
    assert files_under(settings.blobs_dir) == []
    assert files_under(settings.tmp_dir) == []  # the spooled upload was removed too


def traversal(name: str) -> hostile.Writer:
    return partial(hostile.traversal_member, name=name)


REJECTED = [
    pytest.param(hostile.empty_file, "file.empty", None, id="empty"),
    pytest.param(hostile.truncated_deck, "file.truncated", None, id="truncated"),
    pytest.param(hostile.pdf_renamed, "file.pdf", "PDF", id="pdf-renamed"),
    pytest.param(hostile.legacy_ppt, "file.legacy-ppt", ".ppt", id="legacy-ppt"),
    pytest.param(hostile.password_protected_deck, "file.encrypted", "password", id="password"),
    pytest.param(hostile.plain_zip, "pptx.missing-parts", "ppt/presentation.xml", id="plain-zip"),
    pytest.param(hostile.zip_bomb, "zip.too-large-unpacked", "400 MB", id="zip-bomb"),
    pytest.param(hostile.lying_zip_bomb, "zip.bomb", hostile.BOMB_MEMBER, id="zip-bomb-lying"),
    pytest.param(
        hostile.plausibly_lying_zip_bomb,
        "zip.bomb",
        hostile.BOMB_MEMBER,
        id="zip-bomb-lying-plausibly",
    ),
    pytest.param(hostile.billion_laughs, "xml.dtd", "ppt/slides/slide1.xml", id="billion-laughs"),
    pytest.param(hostile.external_entity, "xml.dtd", "ppt/slides/slide1.xml", id="xxe"),
    pytest.param(
        hostile.external_entity_in_utf16, "xml.encoding", "ppt/slides/slide1.xml", id="xxe-utf16"
    ),
    pytest.param(
        hostile.external_entity_in_unusual_part_name,
        "xml.dtd",
        "ppt/slides/slide1.dat",
        id="xxe-in-dat-part",
    ),
    pytest.param(traversal("../evil.xml"), "zip.unsafe-name", "../evil.xml", id="path-parent"),
    pytest.param(traversal("/abs.xml"), "zip.unsafe-name", "/abs.xml", id="path-absolute"),
    pytest.param(traversal("ppt\\..\\x"), "zip.unsafe-name", "ppt\\..\\x", id="path-backslash"),
    pytest.param(traversal("C:/x"), "zip.unsafe-name", "C:/x", id="path-drive"),
    pytest.param(hostile.too_many_members, "zip.too-many-members", "4000", id="too-many-members"),
    pytest.param(hostile.macro_enabled, "pptx.macros", ".pptx", id="macros"),
    pytest.param(hostile.encrypted_member, "zip.encrypted", "password", id="encrypted"),
    pytest.param(hostile.bzip2_member, "zip.compression", None, id="bzip2"),
    pytest.param(
        hostile.missing_presentation,
        "pptx.missing-parts",
        "ppt/presentation.xml",
        id="no-presentation-xml",
    ),
    pytest.param(hostile.broken_presentation_xml, "pptx.unreadable", None, id="broken-xml"),
]


@pytest.mark.parametrize(("make", "code", "mentions"), REJECTED)
def test_hostile_upload_is_rejected_clearly_in_both_languages_and_writes_nothing(
    client: TestClient,
    settings: Settings,
    corpus: Corpus,
    make: hostile.Writer,
    code: str,
    mentions: str | None,
) -> None:
    path = corpus(make)
    response = post_deck(client, path)
    assert response.status_code == 422, response.text
    report = response.json()
    assert (report["status"], report["revision"], report["import_id"]) == ("rejected", None, None)
    [problem] = report["problems"]
    assert (problem["severity"], problem["code"]) == ("error", code)
    assert_understandable(problem["message"])
    if mentions:
        assert mentions in problem["message"]

    japanese = post_deck(client, path, accept_language="ja")
    assert japanese.status_code == 422
    [problem] = japanese.json()["problems"]
    assert problem["code"] == code
    assert_understandable(problem["message"])
    assert_nothing_written(client, settings)


def test_zip_bomb_within_the_unpacked_limit_is_caught_by_its_compression_ratio(
    make_settings: Callable[..., Settings],
    corpus: Corpus,
    open_client: Any,
) -> None:
    settings = make_settings(max_uncompressed_bytes=2 * hostile.BOMB_SIZE)
    with open_client(settings) as client:
        response = post_deck(client, corpus(hostile.zip_bomb))
        assert response.status_code == 422, response.text
        [problem] = response.json()["problems"]
        assert (problem["code"], problem["params"]["name"]) == ("zip.bomb", hostile.BOMB_MEMBER)
        assert problem["params"]["ratio"] > 1000
        assert_understandable(problem["message"])
        assert_nothing_written(client, settings)


def test_deck_with_a_damaged_picture_is_accepted_with_a_warning_naming_the_slide(
    client: TestClient,
    corpus: Corpus,
) -> None:
    response = post_deck(client, corpus(hostile.corrupt_picture))
    assert response.status_code == 201, response.text
    [problem] = response.json()["problems"]
    assert (problem["severity"], problem["code"]) == ("warning", "picture.unreadable")
    assert (problem["module"], problem["slide"]) == ("LP-01", 2)
    assert_understandable(problem["message"])

    def pictures(module: str) -> list[dict[str, object]]:
        slides = client.get(f"{REVISIONS}/1/modules/{module}").json()["slides"]
        return [block for block in slides[1]["blocks"] if block["type"] == "picture"]

    assert pictures("LP-01") == []  # left out, not stored as a broken image
    assert len(pictures("LP-02")) == 1  # the deck's other pictures are kept


def test_markup_in_slide_text_is_stored_as_written_and_escaped_on_lecturer_pages(
    client: TestClient,
    corpus: Corpus,
) -> None:
    response = post_deck(client, corpus(hostile.script_in_text))
    assert response.status_code == 201, response.text
    slides = client.get(f"{REVISIONS}/1/modules/LP-01").json()["slides"]
    assert slides[1]["title"].startswith(hostile.XSS_SCRIPT)

    revision_page = client.get("/courses/legal-protection/revisions/1")
    module_page = client.get("/courses/legal-protection/revisions/1/modules/LP-01")
    for page in (revision_page, module_page):
        assert page.status_code == 200
        assert str(escape(hostile.XSS_SCRIPT)) in page.text
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
    assert str(escape(hostile.XSS_IMG)) in module_page.text


# -- the upload size limit ---------------------------------------------------------------------

LIMIT = 100_000


def multipart(file_size: int, boundary: str = "koshu-test-boundary") -> tuple[bytes, str]:
    """A deck upload form with a file of the given size, and its Content-Type."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="language"\r\n\r\nja\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pptx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + b"PK" + bytes(file_size - 2) + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def small_limit(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(max_upload_bytes=LIMIT)


@pytest.fixture
def small_limit_client(small_limit: Settings, open_client: Any) -> Iterator[TestClient]:
    with open_client(small_limit) as client:
        yield client


def assert_refused_as_too_large(response: Any) -> None:
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "http-413"
    assert_understandable(error["message"])


def test_upload_declaring_more_than_the_limit_is_refused_with_413(
    small_limit_client: TestClient,
    small_limit: Settings,
) -> None:
    body, content_type = multipart(3 * LIMIT)
    response = small_limit_client.post(
        DECKS, content=body, headers={"Content-Type": content_type, "Accept-Language": "en"}
    )
    assert response.request.headers["Content-Length"] == str(len(body))
    assert_refused_as_too_large(response)
    assert_nothing_written(small_limit_client, small_limit)


def test_streamed_upload_without_content_length_is_cut_off_with_413(
    small_limit_client: TestClient,
    small_limit: Settings,
) -> None:
    body, content_type = multipart(3 * LIMIT)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    response = small_limit_client.post(
        DECKS, content=chunks(), headers={"Content-Type": content_type, "Accept-Language": "ja"}
    )
    assert "Content-Length" not in response.request.headers
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert_refused_as_too_large(response)
    assert_nothing_written(small_limit_client, small_limit)


def test_file_just_over_the_limit_is_refused_while_spooling_with_413(
    small_limit_client: TestClient,
    small_limit: Settings,
) -> None:
    # Small enough for the streaming guard's allowance for the form around the file.
    body, content_type = multipart(LIMIT + 1)
    response = small_limit_client.post(
        DECKS, content=body, headers={"Content-Type": content_type, "Accept-Language": "en"}
    )
    assert_refused_as_too_large(response)
    assert_nothing_written(small_limit_client, small_limit)


# -- memory ------------------------------------------------------------------------------------

MEMORY_LIMIT_MB = 300
# A process's peak RSS (ru_maxrss) starts from that of the process it was forked from, so a
# command run straight from pytest would be charged pytest's own peak. This small wrapper
# forks the command itself and writes the command's peak, in KB on Linux, to a file.
PEAK_RSS_WRAPPER = """
import os, sys
report, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    os.execv(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, int]:
    """Run a command; return its exit code, its standard output and its peak RSS in MB."""
    report = cwd / "peak-rss"
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_WRAPPER, str(report), *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, int(report.read_text()) // 1024


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KB on Linux only")
@pytest.mark.parametrize(
    "make", [hostile.zip_bomb, hostile.lying_zip_bomb], ids=["zip-bomb", "zip-bomb-lying"]
)
def test_importing_a_zip_bomb_from_the_command_line_stays_under_300_mb(
    corpus: Corpus,
    tmp_path: Path,
    make: hostile.Writer,
) -> None:
    data = tmp_path / "data"
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOSHU_")}
    env.update(
        KOSHU_DATA_DIR=str(data),
        KOSHU_DATABASE_URL=f"sqlite:///{data / 'koshu.sqlite3'}",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    koshu = [sys.executable, "-m", "app.cli"]
    subprocess.run([*koshu, "migrate"], env=env, cwd=tmp_path, check=True, capture_output=True)

    options = ["--course", "legal-protection", "--language", "ja", "--json"]
    deck = str(corpus(make))
    code, output, peak_mb = run_measured([*koshu, "import", deck, *options], env, tmp_path)
    assert peak_mb < MEMORY_LIMIT_MB
    assert code == 2, output
    report = json.loads(output)
    assert report["status"] == "rejected"
    assert report["problems"][0]["code"] in {"zip.bomb", "zip.too-large-unpacked"}
    assert files_under(data / "blobs") == []
