"""The server's clock: the only time Koshu trusts.

End-to-end tests and rehearsals can move it forward with an offset file
(``KOSHU_CLOCK_OFFSET_FILE``, seconds as text), so a two-hour lecture can be simulated in
a minute; production refuses that setting.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# Lectures are held in Japan: the days and times people read and type are Japan's.
JAPAN = ZoneInfo("Asia/Tokyo")

_offset_file: Path | None = None
_fixed_offset = timedelta(0)


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    current = datetime.now(UTC) + _fixed_offset
    if _offset_file is not None:
        with contextlib.suppress(OSError, ValueError):  # a file being rewritten: no offset
            current += timedelta(seconds=float(_offset_file.read_text().strip() or 0))
    return current


def use_offset_file(path: Path | None) -> None:
    global _offset_file
    _offset_file = path


def advance(seconds: float) -> None:
    """Move this process's clock forward (tests)."""
    global _fixed_offset
    _fixed_offset += timedelta(seconds=seconds)


def reset() -> None:
    global _fixed_offset, _offset_file
    _fixed_offset, _offset_file = timedelta(0), None
