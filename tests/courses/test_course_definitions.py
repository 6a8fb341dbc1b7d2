"""Course definitions: the rule sets of both programs, validated with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.courses.definitions import DefinitionError, load_definition, load_definitions
from app.main import create_app
from tests import deckmaker
from tests.conftest import upload


def test_the_shipped_definitions_encode_the_statutory_rules() -> None:
    definitions = load_definitions(PROJECT_ROOT / "courses")
    titp = definitions["legal-protection"]
    assert (titp.program, titp.master_language, titp.total_minimum_minutes) == ("titp", "ja", 480)
    assert [a.minimum_minutes for a in titp.areas] == [120, 120, 120, 120]
    assert titp.languages == [
        "ja",
        "en",
        "zh-Hans",
        "vi",
        "id",
        "fil",
        "th",
        "km",
        "my",
        "mn",
        "ne",
    ]
    assert titp.self_study_counts is False
    assert "other" not in titp.eligible_qualifications
    assert titp.retention_years_after_training == 1
    assert {m.code: m.area for m in titp.modules} == {
        "LP-01": "training-act",
        "LP-02": "immigration",
        "LP-03": "labour",
        "LP-04": "protection",
    }
    ikusei = definitions["ikusei-legal-protection"]
    assert ikusei.program == "ikusei-shuro"
    assert str(ikusei.effective_from) == "2027-04-01"
    assert ikusei.terminology["supervising_organisation"]["ja"] == "監理支援機関"
    assert titp.terminology["supervising_organisation"]["ja"] == "監理団体"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('master_language = "ja"', 'master_language = "xx"'), "master_language"),
        (("minimum_minutes = 120", "minimum_minutes = -5"), "areas.0.minimum_minutes"),
        (('area = "labour"', 'area = "nowhere"'), "unknown area 'nowhere'"),
        (("total_minimum_minutes = 480", "total_minimum_minutes = 100"), "add up to more"),
        (("quiz_pass_mark_percent = 70", "quiz_pass_mark_percent = 70\ncolour = 1"), "colour"),
    ],
    ids=[
        "master-not-offered",
        "negative-minutes",
        "unknown-area",
        "areas-exceed-total",
        "unknown-key",
    ],
)
def test_an_invalid_definition_names_its_file_and_field(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    source = (PROJECT_ROOT / "courses" / "legal-protection.toml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(source.replace(*change, 1), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition(broken)
    assert "broken.toml" in str(caught.value)
    assert expected in str(caught.value)


def test_the_app_refuses_to_start_with_a_broken_definition(tmp_path: Path, make_settings) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "courses"
    folder.mkdir()
    (folder / "x.toml").write_text("code = [", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"x\.toml: cannot be read"):
        create_app(make_settings(courses_dir=folder))


def test_an_unlisted_module_is_imported_as_unmapped_then_assigned(
    client: TestClient, tmp_path: Path
) -> None:
    modules = deckmaker.lecture("ja")
    modules.append(("LP-09 特別講義", [deckmaker.S("特別講義", ["内容"])]))
    report = upload(client, deckmaker.build(tmp_path / "ja.pptx", modules), "ja").json()
    assert report["status"] == "accepted"
    assert [(p["code"], p["module"]) for p in report["problems"]] == [("module.unmapped", "LP-09")]
    revision = client.get("/api/v1/courses/legal-protection/revisions/1").json()
    assert revision["modules"][-1]["area"] is None
    bad = client.put("/api/v1/courses/legal-protection/modules/LP-09/area", json={"area": "tax"})
    assert bad.status_code == 422
    assert "protection" in bad.json()["error"]["message"]
    fixed = client.put(
        "/api/v1/courses/legal-protection/modules/LP-01/area", json={"area": "labour"}
    )
    assert fixed.status_code == 409
    assigned = client.put(
        "/api/v1/courses/legal-protection/modules/LP-09/area", json={"area": "protection"}
    )
    assert assigned.json() == {
        "course": "legal-protection",
        "module": "LP-09",
        "area": "protection",
        "modules_updated": 1,
    }
    revision = client.get("/api/v1/courses/legal-protection/revisions/1").json()
    assert revision["modules"][-1]["area"] == "protection"
    # The next revision takes the assignment without being told again.
    report = upload(client, deckmaker.build(tmp_path / "ja2.pptx", modules), "ja").json()
    assert report["problems"] == []
    revision = client.get("/api/v1/courses/legal-protection/revisions/2").json()
    assert revision["modules"][-1]["area"] == "protection"
