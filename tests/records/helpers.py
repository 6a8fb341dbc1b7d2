"""What the records tests share."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import upload


def publish_sample_decks(client: TestClient, decks: Path) -> None:
    """Import the Japanese master and the Vietnamese deck, and publish revision 1."""
    assert upload(client, decks / "ja.pptx", "ja").status_code == 201
    assert upload(client, decks / "vi.pptx", "vi").status_code == 201
    assert (
        client.post("/api/v1/courses/legal-protection/revisions/1/publish?confirm=true").status_code
        == 200
    )
