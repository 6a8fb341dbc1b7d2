"""A stand-in for LibreOffice that makes a PDF with one page per slide, and helpers to watch jobs.

The stand-in can be told to hang on its first run (writing its pid to a marker file), which
lets a test kill a worker in the middle of a rendering at a moment it chooses.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.jobs.models import Job

T = TypeVar("T")

_CONVERTER = """
import sys, time
from pathlib import Path
from PIL import Image
from pptx import Presentation

hang_marker = {hang_marker!r}
release = {release!r}
if hang_marker and not Path(hang_marker).exists():
    import os
    Path(hang_marker).write_text(str(os.getpid()))
    time.sleep(600)
if release:
    while not Path(release).exists():
        time.sleep(0.05)
outdir = Path(sys.argv[sys.argv.index("--outdir") + 1])
deck = Path(sys.argv[-1])
count = len(Presentation(str(deck)).slides)
pages = [Image.new("RGB", (160, 90), (20 * n % 255, 80, 160)) for n in range(count)]
pages[0].save(outdir / "deck.pdf", save_all=True, append_images=pages[1:])
"""


def converter(folder: Path, *, hang_marker: Path | None = None, release: Path | None = None) -> str:
    """Write the stand-in converter and return its path (``soffice_path`` takes any path).

    With ``hang_marker`` its first run writes its pid there and hangs; later runs convert.
    With ``release`` every run waits for that file to exist before converting.
    """
    script = folder / "converter"
    script.write_text(
        f"#!{sys.executable}\n"
        + _CONVERTER.format(
            hang_marker=str(hang_marker) if hang_marker else "",
            release=str(release) if release else "",
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def wait_for(what: str, probe: Callable[[], T | None], seconds: float = 120) -> T:
    """Poll probe until it returns something truthy; fail naming ``what`` after the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def the_job(session_factory: sessionmaker[Session]) -> Job:
    with session_factory() as session:
        return session.scalars(select(Job)).one()


def kill_group(pid: int) -> None:
    """SIGKILL a process and everything in its process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(os.getpgid(pid), signal.SIGKILL)
