"""The audit log in the reader's language: summaries are messages, translated when shown,
and entries written before that (in English) are read in Japanese too."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.audit.models import AuditEntry
from tests.conftest import World
from tests.pages import page, text_of


def _summaries(client: TestClient, language: str) -> list[str]:
    doc = page(client, f"/audit?lang={language}")
    return [text_of(row.xpath("td")[4]) for row in doc.xpath("//main//table//tbody/tr")]


def test_the_audit_page_in_japanese(
    signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    """Held out: Japanese staff read every summary in Japanese, old entries included."""
    with session_factory() as session:
        for summary in ("login cards printed for 3 trainees", "password changed"):
            session.add(
                AuditEntry(
                    cooperative_id=world.coop_a.id,
                    actor_name="Staff A",
                    action="reset",
                    entity="pin",
                    summary=summary,
                )
            )
        session.commit()
    staff = signed_in(world.staff_a)
    upload = staff.post(
        f"/api/v1/cohorts/{world.cohort_a.id}/import",
        files={
            "file": (
                "名簿.csv",
                "\ufefftrainee number,family name,given name,katakana,nationality,language,"
                "date of birth,employer\r\nA-101,PHAM,VAN D,ファム,VN,vi,2001-01-01,Employer A\r\n",
                "text/csv",
            )
        },
    )
    assert upload.status_code == 200, upload.text
    japanese = _summaries(staff, "ja")
    assert japanese[:4] == [
        "名簿.csv: 実習生 1 人を取り込みました",
        "A-101 PHAM VAN D",  # a name stays as it is
        "パスワードを変更しました",
        "実習生 3 人のログインカードを印刷しました",
    ]
    assert _summaries(staff, "en")[:1] == ["名簿.csv: 1 trainees imported"]
    audit = staff.get("/api/v1/audit?lang=ja").json()
    (entry,) = [e for e in audit if e["entity"] == "import"]
    assert entry["text"] == japanese[0]
    assert (entry["message"], entry["params"]) == (
        "{file}: {count} trainees imported",
        {"file": "名簿.csv", "count": "1"},
    )
