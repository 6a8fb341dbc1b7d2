"""Reading participants reports of Zoom and Microsoft Teams and matching names to trainees."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.lectures import meetings
from app.lectures.meetings import Person
from tests.lectures import reports

JST = ZoneInfo("Asia/Tokyo")
DAY = date(2026, 12, 3)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, 3, hour, minute, second, tzinfo=JST)


PEOPLE = [
    Person(1, "NGUYEN", "VAN AN", "グエン ヴァン アン"),
    Person(2, "TRAN", "THI HOA", "チャン・ティ・ホア"),
    Person(3, "Siti", "Rahmawati", "シティ ラフマワティ"),
]
# Trainee 1 dropped at 10:00 and rejoined at 10:20; trainee 2 joined under a katakana
# name; trainee 3 wrote given name first; the interpreter and a phone fit nobody.
STAYS = [
    ("Nguyen Van An", "", at(8, 55, 12), at(10, 0, 5)),
    ("Ｎｇｕｙｅｎ　Ｖａｎ　Ａｎ", "", at(10, 20), at(13, 4, 30)),
    ("ﾁｬﾝ ﾃｨ ﾎｱ", "", at(9, 30), at(13, 0)),
    ("rahmawati siti", "siti@example.org", at(8, 58), at(13, 2)),
    ("Le Thi Mai (通訳)", "mai@example.org", at(8, 50), at(13, 10)),
    ("iPhone", "", at(9, 0), at(12, 0)),
]


@pytest.mark.parametrize(
    ("layout", "data"),
    [
        ("zoom", reports.zoom(STAYS)),
        ("zoom", reports.zoom(STAYS, japanese=True)),
        ("teams", reports.teams(STAYS)),
        ("teams-legacy", reports.teams_legacy(STAYS)),
    ],
    ids=["zoom-en", "zoom-ja", "teams", "teams-legacy"],
)
def test_every_layout_gives_each_join_with_its_japan_time(layout: str, data: bytes) -> None:
    report = meetings.parse_report(data, day=DAY)
    assert report.layout == layout
    joins = sorted((j.name, j.joined, j.left) for j in report.joins)
    assert joins == sorted((name, joined, left) for name, _e, joined, left in STAYS)


def test_a_trainee_who_dropped_and_rejoined_has_two_stays_and_one_trainee() -> None:
    found = meetings.match(meetings.parse_report(reports.teams(STAYS), day=DAY), PEOPLE)
    by_trainee: dict[int, list[tuple[datetime, datetime]]] = {}
    for item in found:
        if item.trainee_id is not None:
            by_trainee.setdefault(item.trainee_id, []).extend(item.stays)
    assert sorted(by_trainee[1]) == [(at(8, 55, 12), at(10, 0, 5)), (at(10, 20), at(13, 4, 30))]
    assert by_trainee[2] == [(at(9, 30), at(13, 0))]
    assert by_trainee[3] == [(at(8, 58), at(13, 2))]
    assert sorted(item.name for item in found if item.trainee_id is None) == [
        "Le Thi Mai (通訳)",
        "iPhone",
    ]


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("NGUYEN VAN AN", 1),
        ("van an nguyen", 1),
        ("Nguyễn Văn An", 1),  # accents as the trainee types them
        ("ＮＧＵＹＥＮ ＶＡＮ ＡＮ", 1),  # full-width
        ("Guest (Nguyen Van An)", 1),  # Zoom's "display (original name)"
        ("Nguyen Van An (Guest)", 1),  # Teams marks guests
        ("グエン・ヴァン・アン", 1),
        ("ぐえんゔぁんあん", 1),  # hiragana typed for the katakana name
        ("クエン・ヴァン・アン", None),  # a voicing mark makes another name
        ("TRAN THI HOA", 2),
        ("チャンティホア", 2),
        ("Nguyen", None),  # a family name alone fits nobody
    ],
)
def test_names_match_in_either_order_width_case_and_spacing_insensitive(
    shown: str, expected: int | None
) -> None:
    report = meetings.Report("generic", [meetings.Join(shown, "", at(9), at(10))])
    (item,) = meetings.match(report, PEOPLE)
    assert item.trainee_id == expected


def test_two_trainees_with_the_same_name_are_left_for_the_lecturer() -> None:
    twins = [*PEOPLE, Person(4, "Nguyen", "Van An", "グエン ヴァン アン")]
    report = meetings.Report("generic", [meetings.Join("NGUYEN VAN AN", "", at(9), at(10))])
    (item,) = meetings.match(report, twins)
    assert item.trainee_id is None
    assert item.ambiguous == [1, 4]


@pytest.mark.parametrize(
    ("encoded", "name"),
    [
        (lambda text: text.encode("utf-8"), "utf-8"),
        (lambda text: text.encode("utf-8-sig"), "utf-8 with BOM"),
        (lambda text: text.encode("utf-16-le"), "utf-16 without BOM"),
        (lambda text: text.encode("utf-16-be"), "utf-16 big-endian"),
        (lambda text: text.encode("cp932"), "Shift_JIS"),
    ],
)
def test_encodings(encoded: object, name: str) -> None:
    text = "名前（元の名前）,ユーザーメール,参加時間,退出時間\r\nグエン ヴァン アン,,2026/12/03 9:00:00,2026/12/03 10:00:00\r\n"
    report = meetings.parse_report(encoded(text), day=DAY)  # type: ignore[operator]
    (join,) = report.joins
    assert (join.name, join.joined, join.left) == ("グエン ヴァン アン", at(9), at(10)), name


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("12/03/2026 09:05:00 AM", at(9, 5)),
        ("12/3/26, 1:05:00 PM", at(13, 5)),
        ("2026/12/03 13:05:00", at(13, 5)),
        ("2026-12-03 13:05", at(13, 5)),
        ("2026年12月3日 13:05:00", at(13, 5)),
        ("2026/12/03 午後 1:05:00", at(13, 5)),
        ("1:05 PM", at(13, 5)),  # Google Meet: time only, on the lecture's day
        ("13:05:00", at(13, 5)),
        ("03/12/2026 13:05:00", at(13, 5)),  # day/month order: the lecture's day decides
        ("2026-12-03T04:05:00+00:00", at(13, 5)),
    ],
)
def test_time_formats(written: str, expected: datetime) -> None:
    assert meetings.parse_time(written, DAY) == expected


def test_google_meet_first_and_last_name_columns() -> None:
    text = (
        "First name,Last name,Email,Duration,Time joined,Time exited\n"
        "Van An,Nguyen,an@example.org,3 hr 5 min,8:55 AM,12:00 PM\n"
    )
    report = meetings.parse_report(text.encode(), day=DAY)
    assert report.layout == "meet"
    (item,) = meetings.match(report, PEOPLE)
    assert item.trainee_id == 1
    assert item.stays == [(at(8, 55), at(12, 0))]
    assert item.minutes == 185


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7 not a report", b"a,b,c\n1,2,3\n", "名前,参加時間,退出時間\nA,昨日,今日\n".encode()],
)
def test_what_is_not_a_report_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(meetings.ReportUnreadable):
        meetings.parse_report(data, day=DAY)
