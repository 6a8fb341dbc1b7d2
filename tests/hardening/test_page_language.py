"""Every page speaks its reader's language: each page the app serves is rendered for staff in
Japanese and each trainee page in Khmer, and no English may show outside an allow-list.

Pages come from the app's own route table, so a new page is checked without anyone listing
it. Text that is not in the page's language on purpose carries its own ``lang`` (a trainee's
name, a slide in Vietnamese, a language's own name) and is left out; so are scripts, styles
and pictures. What remains must not hold English words beyond the names below.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from fastapi import FastAPI
from lxml import html

from app.languages import LANGUAGES, name_for
from tests.conftest import World
from tests.system.test_isolation import endpoints

# Words that are the same in every language: product and file-format names, abbreviations
# staff know, and the fixtures' own data (cohort, cooperative and account names, codes).
ALLOWED = {
    # names and formats
    "Koshu", "PIN", "PINs", "QR", "CSV", "API", "OTIT", "PowerPoint", "LibreOffice", "Excel",
    "xlsx", "csv", "pptx", "xAPI", "Zoom", "Teams", "URL", "WebP", "PDF", "JSON", "SVG",
    "http", "https", "testserver", "example", "org", "com", "Bearer", "CC", "BY", "ZIP",
    "Google", "Meet", "Microsoft", "JPEG", "PNG",
    # the test world's data (names of cohorts, cooperatives, employers, people; deck text)
    "Cohort", "Coop", "ZZCOOPB", "FAMILYZZCOOPB", "test", "Admin", "Lecturer", "Staff", "Colleague", "FAMILYA", "VAN",
    "Employer", "Thi", "Mai", "legal", "protection", "notes",
    # language tags, and languages' own names (shown after the reader's name for them)
    *(word for tag, names in LANGUAGES.items() for word in (tag, *names["name"].split())),
}  # fmt: skip
# Pages that still show stored English text, and why.
PENDING: dict[str, str] = {}
ENGLISH_WORD = re.compile(r"(?<![\w./@:-])[A-Za-z][A-Za-z']{2,}(?![\w@-])")


def foreign_words(page: str, data: Collection[str] = ()) -> set[str]:
    """English-looking words in the page's own-language text (not the ``data`` shown)."""
    doc = html.fromstring(page)
    own = doc.get("lang", "")
    for element in doc.xpath("//script | //style | //svg | //template | //code | //kbd"):
        element.drop_tree()
    for element in doc.xpath("//body//*[@lang]"):
        if element.getparent() is not None and element.get("lang") != own:
            element.drop_tree()
    text = " ".join(doc.xpath("//body//text()") + doc.xpath("//title//text()"))
    text += " " + " ".join(doc.xpath("//body//@placeholder | //body//@title | //body//@aria-label"))
    found = ENGLISH_WORD.findall(text)
    return {word for word in found if word not in ALLOWED and word not in data}


def _url(path: str, rows: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: rows[m.group(1)], path)


def test_no_page_shows_english_to_japanese_staff_or_khmer_trainees(
    koshu_app: FastAPI, world: World, signed_in: Any, lecture: dict[str, Any]
) -> None:
    rows = {
        "cohort_id": str(world.cohort_a.id),
        "trainee_id": str(world.trainee_a.id),
        "cooperative_id": str(world.coop_a.id),
        "user_id": str(world.staff_a.id),
        "employer_id": str(world.employer_a.id),
        "lecturer_id": str(world.lecturer.id),
        "lecture_id": str(lecture["id"]),
        "course": "legal-protection",
        "number": "1",
        "import_id": "1",
        "code": "LP-02",
        "module": "LP-02",
        "join_code": lecture["join_code"],
        "gap_id": "1",
        "sha256": "0" * 64,
    }
    staff, trainee = signed_in(world.admin), signed_in(world.trainee_a)
    pages = sorted(
        e.path
        for e in endpoints(koshu_app)
        if e.method == "GET"
        and e.is_page
        and e.path not in ("/health", "/files/{sha256}", *PENDING)
    )
    problems = []
    for path in pages:
        is_trainee_page = path == "/t" or path.startswith("/t/")
        client, language = (trainee, "km") if is_trainee_page else (staff, "ja")
        url = _url(path, rows)
        response = client.get(f"{url}{'&' if '?' in url else '?'}lang={language}")
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        # A random join code may look like a word: it is data, not text.
        words = foreign_words(response.text, {*re.split(r"[^A-Za-z]+", lecture["join_code"])})
        if words:
            problems.append(f"{url} ({language}, {response.status_code}): {sorted(words)}")
    assert not problems, "English outside the catalogs:\n" + "\n".join(problems)


def test_the_check_finds_english_and_leaves_marked_text_alone() -> None:
    page = (
        '<html lang="ja"><body><h1>講習</h1><p>Save changes</p>'
        '<span lang="en">NGUYEN VAN AN</span><p>Koshu · PIN</p></body></html>'
    )
    assert foreign_words(page) == {"Save", "changes"}


def test_language_names_are_in_the_readers_language_with_their_own_name() -> None:
    assert name_for("km", "ja") == "クメール語 (ខ្មែរ)"
    assert name_for("zh-Hans", "ja") == "簡体中国語 (简体中文)"
    assert name_for("vi", "en") == "Vietnamese (Tiếng Việt)"
    assert name_for("km", "km") == "ខ្មែរ"  # its own readers need no translation
    assert name_for("xx", "ja") == "xx"
