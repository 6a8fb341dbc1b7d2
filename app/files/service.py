"""Store and fetch files by sha256.

Files are written to a temporary name and renamed into place, so a killed process never
leaves a partial file under a real name, and a later import of the same bytes finds
either nothing or the complete file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.files.models import Blob


def blob_path(blobs_dir: Path, sha256: str) -> Path:
    """Return where the file with this digest lives (256 folders keep each one small).

    One level, not two: every new folder costs a metadata write, and an import that stores
    150 pictures was spending most of its time creating folders.
    """
    return blobs_dir / sha256[:2] / sha256


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _refresh(path: Path) -> bool:
    """True when the file exists; its time is renewed, so gc-files keeps it a grace period.

    A file no row names yet may be about to be named by a transaction that found it here.
    """
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


def _into_place(path: Path, write: object) -> None:
    """Run write(handle) on a temporary file beside path, then rename it to path."""
    if _refresh(path):
        return  # named by its content: an existing file already holds these bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)  # type: ignore[operator]
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_bytes(blobs_dir: Path, sha256: str, data: bytes) -> None:
    _into_place(blob_path(blobs_dir, sha256), lambda handle: handle.write(data))


def copy_file(blobs_dir: Path, sha256: str, source: Path) -> None:
    def copy(handle: object) -> None:
        with source.open("rb") as src:
            shutil.copyfileobj(src, handle, 1 << 20)  # type: ignore[arg-type]

    _into_place(blob_path(blobs_dir, sha256), copy)


def adopt(blobs_dir: Path, sha256: str, source: Path) -> None:
    """Move a finished file (on the same file system) into the store under its digest."""
    target = blob_path(blobs_dir, sha256)
    if _refresh(target):
        source.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    os.utime(target)


def put(session: Session, *, blobs_dir: Path, data: bytes, content_type: str) -> str:
    """Store bytes once and return their sha256; storing the same bytes again is a no-op."""
    digest = sha256_of(data)
    write_bytes(blobs_dir, digest, data)
    record(session, [(digest, content_type, len(data))])
    return digest


class Staging:
    """Files a job writes into its own folder, moved into the store all at once when done.

    Nothing reaches the store while the job works, so a job killed half-way leaves only its
    folder under tmp/ (which gc-files clears), never files a later run would half-reuse.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sizes: dict[str, int] = {}

    def add(self, data: bytes) -> str:
        """Write bytes into the folder; return their sha256."""
        digest = sha256_of(data)
        if digest not in self._sizes:
            (self.folder / digest).write_bytes(data)
            self._sizes[digest] = len(data)
        return digest

    def commit(self, session: Session, *, blobs_dir: Path, content_type: str) -> None:
        """Move every file into the store and add its blob row to the caller's transaction."""
        for digest in self._sizes:
            adopt(blobs_dir, digest, self.folder / digest)
        record(session, [(digest, content_type, size) for digest, size in self._sizes.items()])


def record(session: Session, entries: list[tuple[str, str, int]]) -> None:
    """Add blob rows (sha256, content type, size) that do not exist yet: one query, one insert."""
    wanted = {sha: (content_type, size) for sha, content_type, size in entries}
    known = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(wanted))))
    rows = [
        {"sha256": sha, "content_type": content_type, "size": size}
        for sha, (content_type, size) in wanted.items()
        if sha not in known
    ]
    if rows:
        session.execute(insert(Blob), rows)


class FileWriter:
    """Write files on a background thread while the caller inserts rows.

    Leaving the ``with`` block waits for every write and re-raises the first failure, so a
    transaction committed after it never names a file that is not on disk.
    """

    def __init__(self, blobs_dir: Path) -> None:
        self.blobs_dir = blobs_dir
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="koshu-files")
        self._pending: list[Future[None]] = []

    def write(self, sha256: str, data: bytes) -> None:
        self._pending.append(self._pool.submit(write_bytes, self.blobs_dir, sha256, data))

    def copy(self, sha256: str, source: Path) -> None:
        self._pending.append(self._pool.submit(copy_file, self.blobs_dir, sha256, source))

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=True)
        if kind is None:
            for future in self._pending:
                future.result()


def get(session: Session, sha256: str) -> Blob | None:
    return session.get(Blob, sha256)


@dataclass(frozen=True)
class Garbage:
    """What gc-files found: store files no row names, and leftovers under tmp/."""

    unreferenced: list[Path]
    stale_tmp: list[Path]


def _newest_mtime(path: Path) -> float:
    """The latest modification time of path and, for a folder, of anything inside it."""
    try:
        newest = path.stat().st_mtime
        if path.is_dir():
            for inner in path.rglob("*"):
                with contextlib.suppress(FileNotFoundError):
                    newest = max(newest, inner.stat().st_mtime)
    except FileNotFoundError:
        return time.time()  # gone already: treat as new, leave it alone
    return newest


def find_garbage(
    session: Session, *, blobs_dir: Path, tmp_dir: Path, grace_seconds: float
) -> Garbage:
    """Return files no blob row names and tmp/ entries, all untouched for grace_seconds.

    A younger file may belong to an import or a rendering whose transaction has not committed
    yet (a file that is reused has its time renewed), so it is left alone.
    """
    cutoff = time.time() - grace_seconds
    known = set(session.scalars(select(Blob.sha256)))
    unreferenced = [
        path
        for path in blobs_dir.glob("*/*")
        if path.is_file()
        and (path.name.startswith(".incoming-") or path.name not in known)
        and _newest_mtime(path) < cutoff
    ]
    stale = [path for path in tmp_dir.glob("*") if _newest_mtime(path) < cutoff]
    return Garbage(unreferenced=sorted(unreferenced), stale_tmp=sorted(stale))


def delete_garbage(garbage: Garbage, *, grace_seconds: float) -> None:
    """Delete what find_garbage returned, skipping anything touched since it looked."""
    cutoff = time.time() - grace_seconds
    for path in [*garbage.unreferenced, *garbage.stale_tmp]:
        if _newest_mtime(path) >= cutoff:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
