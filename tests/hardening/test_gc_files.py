"""gc-files removes only what nobody can still be about to use.

A file young enough to belong to an import or a rendering that has not committed yet stays;
older files no row names go, and so do stale leftovers under tmp/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.files import service as files
from tests.conftest import koshu, upload

HOUR = 3600.0


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_files_of_a_rendering_not_yet_committed_survive_gc(
    settings: Settings, session_factory: sessionmaker[Session], client: Any, tmp_path: Path
) -> None:
    # A rendering has moved its images into the store and is writing the rows naming them.
    with session_factory() as session:
        staging = files.Staging(tmp_path / "job")
        digest = staging.add(b"RIFF-image-bytes")
        staging.commit(session, blobs_dir=settings.blobs_dir, content_type="image/webp")
        session.flush()

        swept = koshu(settings, "gc-files")
        assert swept.returncode == 0, swept.stderr
        assert swept.stdout.startswith("0 unreferenced file(s) deleted")
        session.commit()
    assert client.get(f"/files/{digest}").status_code == 200


def test_gc_deletes_old_unreferenced_files_and_stale_temporary_files(
    settings: Settings, client: Any, decks: Path
) -> None:
    deck = upload(client, decks / "ja.pptx", "ja").json()
    assert deck["status"] == "accepted"
    stored = sorted(settings.blobs_dir.glob("*/*"))
    for path in stored:
        _age(path, 2 * settings.gc_grace_seconds)  # old, but named by rows: kept
    orphan = settings.blobs_dir / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"left by a killed import")
    _age(orphan, 2 * settings.gc_grace_seconds)
    young_orphan = settings.blobs_dir / "cd" / ("cd" + "0" * 62)
    young_orphan.parent.mkdir(exist_ok=True)
    young_orphan.write_bytes(b"an import is about to commit this")

    stale_render = settings.tmp_dir / "render-7-abc"
    (stale_render / "images").mkdir(parents=True)
    (stale_render / "images" / "x").write_bytes(b"half a render")
    for path in (stale_render / "images" / "x", stale_render / "images", stale_render):
        _age(path, 2 * settings.gc_grace_seconds)
    stale_upload = settings.tmp_dir / "upload-abc.pptx"
    stale_upload.write_bytes(b"half an upload")
    _age(stale_upload, 2 * settings.gc_grace_seconds)
    live_upload = settings.tmp_dir / "upload-def.pptx"
    live_upload.write_bytes(b"an upload streaming now")

    dry = koshu(settings, "gc-files", "--dry-run")
    assert dry.stdout.startswith("1 unreferenced file(s) found, 2 stale temporary item(s) found")
    assert orphan.exists() and stale_render.exists()

    swept = koshu(settings, "gc-files")
    assert swept.stdout.startswith("1 unreferenced file(s) deleted, 2 stale temporary item(s)")
    assert not orphan.exists() and not stale_render.exists() and not stale_upload.exists()
    assert young_orphan.exists() and live_upload.exists()
    assert all(path.exists() for path in stored)
    # A picture of the deck is still served (the deck itself is stored but never served).
    picture = next(path for path in stored if path.read_bytes().startswith(b"\x89PNG"))
    assert client.get(f"/files/{picture.name}").status_code == 200


def test_storing_bytes_that_an_old_orphan_holds_renews_it(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    # An import finds an old orphan with its bytes and reuses it instead of writing it again;
    # gc-files must then not delete it before that import commits.
    digest = files.sha256_of(b"picture")
    files.write_bytes(settings.blobs_dir, digest, b"picture")
    path = files.blob_path(settings.blobs_dir, digest)
    _age(path, 2 * settings.gc_grace_seconds)
    files.write_bytes(settings.blobs_dir, digest, b"picture")
    assert koshu(settings, "gc-files").stdout.startswith("0 unreferenced file(s) deleted")
    assert path.exists()
