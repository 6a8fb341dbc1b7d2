"""Participants reports written the way Zoom and Microsoft Teams export them.

Layouts as published by the vendors: Zoom's participants report (an optional meeting block,
then one row per join, UTF-8 with a BOM), Teams' attendance report (tab-separated UTF-16
with Summary, Participants and In-Meeting Activities sections) and Teams' older list of
Joined/Left actions. Each takes stays as (name, email, joined, left) in Japan time.
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime

Stay = tuple[str, str, datetime, datetime]


def _zoom_us(moment: datetime) -> str:
    return moment.strftime("%m/%d/%Y %I:%M:%S %p")


def zoom(stays: list[Stay], *, japanese: bool = False) -> bytes:
    """Zoom's participants report: English (12/03/2026 08:58:12 AM) or Japanese headers
    (2026/12/03 08:58:12)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    when = (lambda m: m.strftime("%Y/%m/%d %H:%M:%S")) if japanese else _zoom_us
    first, last = min(s[2] for s in stays), max(s[3] for s in stays)
    if japanese:
        writer.writerow(
            [
                "ミーティングID",
                "トピック",
                "開始時間",
                "終了時間",
                "ユーザーメール",
                "時間（分）",
                "参加者",
            ]
        )
    else:
        writer.writerow(
            [
                "Meeting ID",
                "Topic",
                "Start Time",
                "End Time",
                "User Email",
                "Duration (Minutes)",
                "Participants",
            ]
        )
    writer.writerow(
        [
            "812 3456 7890",
            "法的保護情報講習",
            when(first),
            when(last),
            "lecturer@example.org",
            int((last - first).total_seconds() // 60),
            len(stays),
        ]
    )
    writer.writerow([])
    if japanese:
        writer.writerow(
            ["名前（元の名前）", "ユーザーメール", "参加時間", "退出時間", "時間（分）", "ゲスト"]
        )
    else:
        writer.writerow(
            [
                "Name (Original Name)",
                "User Email",
                "Join Time",
                "Leave Time",
                "Duration (Minutes)",
                "Guest",
                "Recording Consent",
                "In Waiting Room",
            ]
        )
    for name, email, joined, left in stays:
        minutes = int((left - joined).total_seconds() // 60)
        row = [name, email, when(joined), when(left), minutes, "Yes" if not email else "No"]
        writer.writerow(row if japanese else [*row, "", "No"])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def _teams_time(moment: datetime) -> str:
    # Teams writes "12/3/26, 8:58:12 AM" (no leading zeros)
    return (
        f"{moment.month}/{moment.day}/{moment:%y}, {int(moment.strftime('%I'))}:{moment:%M:%S %p}"
    )


def _duration(seconds: float) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return " ".join(p for p in (f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s") if p)


def teams(stays: list[Stay]) -> bytes:
    """Teams' attendance report (2022 and later): UTF-16 with a BOM, tab-separated."""
    first, last = min(s[2] for s in stays), max(s[3] for s in stays)
    lines = [
        "1. Summary",
        "Meeting title\t法的保護情報講習",
        f"Attended participants\t{len({s[0] for s in stays})}",
        f"Start time\t{_teams_time(first)}",
        f"End time\t{_teams_time(last)}",
        f"Meeting duration\t{_duration((last - first).total_seconds())}",
        "Average attendance time\t3h 2m 10s",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
    ]
    names: dict[str, list[Stay]] = {}
    for stay in stays:
        names.setdefault(stay[0], []).append(stay)
    for name, own in names.items():
        total = sum((s[3] - s[2]).total_seconds() for s in own)
        email = own[0][1]
        lines.append(
            f"{name}\t{_teams_time(min(s[2] for s in own))}\t{_teams_time(max(s[3] for s in own))}"
            f"\t{_duration(total)}\t{email}\t{email}\tAttendee"
        )
    lines += ["", "3. In-Meeting Activities", "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole"]
    for name, email, joined, left in stays:
        lines.append(
            f"{name}\t{_teams_time(joined)}\t{_teams_time(left)}"
            f"\t{_duration((left - joined).total_seconds())}\t{email}\tAttendee"
        )
    return "\r\n".join(lines).encode("utf-16")  # Python writes the BOM, little-endian here


def teams_legacy(stays: list[Stay]) -> bytes:
    """Teams' older attendance list: Full Name, User Action (Joined/Left), Timestamp."""
    events = []
    for name, _email, joined, left in stays:
        events += [(joined, name, "Joined"), (left, name, "Left")]
    lines = ["Full Name\tUser Action\tTimestamp"]
    lines += [
        f"{name}\t{action}\t{moment.month}/{moment.day}/{moment.year}, "
        f"{int(moment.strftime('%I'))}:{moment:%M:%S %p}"
        for moment, name, action in sorted(events)
    ]
    return "\n".join(lines).encode("utf-16")
