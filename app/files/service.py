"""Store and fetch files by sha256.

Files are written to a temporary name and renamed into place, so a killed process never
leaves a partial file under a real name, and a later import of the same bytes finds
either nothing or the complete file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.files.models import Blob


def blob_path(blobs_dir: Path, sha256: str) -> Path:
    """Return where the file with this digest lives (two-level fan-out keeps folders small)."""
    return blobs_dir / sha256[:2] / sha256[2:4] / sha256


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def put(session: Session, *, blobs_dir: Path, data: bytes, content_type: str) -> str:
    """Store bytes once and return their sha256; storing the same bytes again is a no-op."""
    digest = sha256_of(data)
    path = blob_path(blobs_dir, digest)
    if not path.exists() or path.stat().st_size != len(data):
        _write_atomically(path, data)
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, content_type=content_type, size=len(data)))
    return digest


def put_file(session: Session, *, blobs_dir: Path, source: Path, content_type: str) -> str:
    """Store a file already on disk (an upload) without reading it into memory twice."""
    hasher = hashlib.sha256()
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    digest = hasher.hexdigest()
    path = blob_path(blobs_dir, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        os.close(fd)
        try:
            with source.open("rb") as src, open(tmp_name, "wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    dst.write(chunk)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, content_type=content_type, size=source.stat().st_size))
    return digest


def get(session: Session, sha256: str) -> Blob | None:
    return session.get(Blob, sha256)


def unreferenced_files(session: Session, *, blobs_dir: Path) -> list[Path]:
    """Return files on disk that no blob row names (left by an import that was killed)."""
    known = set(session.scalars(select(Blob.sha256)))
    return [
        path
        for path in blobs_dir.glob("*/*/*")
        if path.is_file() and (path.name.startswith(".incoming-") or path.name not in known)
    ]
