"""The koshu command line, run the way an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

from app.config import Settings
from tests.conftest import koshu


def test_import_prints_the_report_and_exits_by_status(
    settings: Settings, decks: Path, tmp_path: Path
) -> None:
    accepted = koshu(
        settings,
        "import",
        str(decks / "ja.pptx"),
        "--course",
        "legal-protection",
        "--language",
        "ja",
        "--note",
        "初版",
        "--effective-date",
        "2026-12-01",
        "--json",
    )
    assert accepted.returncode == 0, accepted.stderr
    report = json.loads(accepted.stdout)
    assert (report["status"], report["revision"], report["language"]) == ("accepted", 1, "ja")
    assert report["effective_date"] == "2026-12-01"
    assert report["modules"][0] == {
        "code": "LP-01",
        "title": "技能実習制度",
        "slides": 4,
        "quiz_slides": 1,
        "hidden_slides": 0,
    }
    assert report["problems"] == []
    pdf = tmp_path / "lecture.pptx"
    pdf.write_bytes(b"%PDF-1.7\n...")
    rejected = koshu(
        settings, "import", str(pdf), "--course", "legal-protection", "--language", "ja", "--json"
    )
    assert rejected.returncode == 2
    problem = json.loads(rejected.stdout)["problems"][0]
    assert (problem["severity"], problem["code"]) == ("error", "file.pdf")
    assert "PDF" in problem["message"]
    plain = koshu(settings, "import", str(pdf), "--course", "legal-protection", "--language", "ja")
    assert plain.returncode == 2
    assert plain.stdout.startswith("REJECTED")


def test_diff_publish_revisions_and_assign_area(settings: Settings, decks: Path) -> None:
    for deck, language in (("ja.pptx", "ja"), ("vi.pptx", "vi"), ("ja-revised.pptx", "ja")):
        assert (
            koshu(
                settings,
                "import",
                str(decks / deck),
                "--course",
                "legal-protection",
                "--language",
                language,
            ).returncode
            == 0
        )
    diff = json.loads(
        koshu(settings, "diff", "--course", "legal-protection", "1", "2", "--json").stdout
    )
    assert diff["summary"] == {"added": 0, "removed": 0, "changed": 1}
    (module,) = [m for m in diff["modules"] if m["status"] != "unchanged"]
    change = module["languages"][0]["changed"][0]
    assert (module["code"], change["old_title"], change["new_title"]) == (
        "LP-02",
        "入管法 1",
        "入管法 1（改正）",
    )
    text = koshu(settings, "diff", "--course", "legal-protection", "1", "2").stdout
    assert "1 changed" in text and "LP-02" in text
    assert koshu(settings, "publish", "--course", "legal-protection", "2").returncode == 0
    listing = json.loads(
        koshu(settings, "revisions", "--course", "legal-protection", "--json").stdout
    )
    assert [(r["revision"], r["status"], r["languages"]) for r in listing] == [
        (2, "published", {"ja": "complete", "vi": "stale"}),
        (1, "draft", {"ja": "complete", "vi": "complete"}),
    ]
    again = koshu(settings, "publish", "--course", "legal-protection", "2")
    assert again.returncode == 1 and "already published" in again.stderr
    wrong = koshu(settings, "assign-area", "--course", "legal-protection", "LP-77", "labour")
    assert wrong.returncode == 1 and "LP-77" in wrong.stderr


def test_unknown_course_is_a_clear_error(settings: Settings, decks: Path) -> None:
    result = koshu(
        settings, "import", str(decks / "ja.pptx"), "--course", "nope", "--language", "ja"
    )
    assert result.returncode == 1
    assert "no course with the code nope" in result.stderr
    assert "Traceback" not in result.stderr
