"""A video meeting's participants report (Zoom, Microsoft Teams, Google Meet) as presence.

Pure functions, no database: read the exported file (UTF-8 with or without a BOM, UTF-16
as Teams writes it, Shift_JIS), find the table of joins in it, and match the names people
used in the meeting to trainees.

Layouts read:
- Zoom participants report: an optional meeting block (``Meeting ID,Topic,…``), then
  ``Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest…``, one
  row per join (a trainee who dropped and rejoined has several); times such as
  ``12/03/2026 08:58:12 AM``, or ``2026/12/03 08:58:12`` in the Japanese export.
- Microsoft Teams attendance report: tab-separated UTF-16, sections ``1. Summary``,
  ``2. Participants`` (first join, last leave) and ``3. In-Meeting Activities`` (one row per
  join, which is the one used when present); times such as ``12/3/26, 8:58:12 AM``. The
  older Teams list (``Full Name, User Action, Timestamp`` with Joined/Left rows) too.
- Google Meet attendance: ``First name, Last name, Email, Duration, Time joined, Time exited``
  where times may carry no date (the lecture's day is used).
Headers in English or Japanese. Times without an offset are Japan's (the lecture's).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.clock import JAPAN
from app.i18n import N_


class ReportUnreadable(ValueError):
    """The file is not a participants report this module can read: an English message
    (translated where it is shown) and its parameters."""

    def __init__(self, message: str, **params: str) -> None:
        self.message, self.params = message, params
        super().__init__(message.format(**params))


@dataclass(frozen=True)
class Join:
    """One stretch a participant was in the meeting, as aware datetimes."""

    name: str
    email: str
    joined: datetime
    left: datetime


@dataclass(frozen=True)
class Report:
    layout: str  # zoom teams teams-legacy meet generic
    joins: list[Join]


# --- reading the file ----------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The report's text: BOMs first, then UTF-16 without a BOM, UTF-8, Shift_JIS."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ReportUnreadable(N_("The file's text encoding is damaged.")) from error
    if b"\x00" in data[:200]:
        even_zeros = data[0:200:2].count(0)
        encoding = "utf-16-be" if even_zeros > data[1:200:2].count(0) else "utf-16-le"
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            raise ReportUnreadable(
                N_(
                    "The file is not a participants report saved as CSV (Zoom, Microsoft Teams or "
                    "Google Meet)."
                )
            ) from error
    for encoding in ("utf-8", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReportUnreadable(
        N_(
            "The file is not a participants report saved as CSV (Zoom, Microsoft Teams or "
            "Google Meet)."
        )
    )


# Header names, compared after normalising (lower case, no spaces or brackets).
_NAME = {
    "name",
    "nameoriginalname",
    "fullname",
    "participant",
    "participantname",
    "displayname",
    "名前",
    "名前元の名前",
    "フルネーム",
    "氏名",
    "参加者",
    "表示名",
}
_FIRST_NAME = {"firstname", "名"}
_LAST_NAME = {"lastname", "姓"}
_EMAIL = {"useremail", "email", "emailaddress", "ユーザーメール", "メール", "メールアドレス"}
_JOIN = {
    "jointime",
    "timejoined",
    "joined",
    "arrivaltime",
    "参加時間",
    "参加時刻",
    "入室時間",
    "入室時刻",
    "参加日時",
}
_LEAVE = {
    "leavetime",
    "timeexited",
    "left",
    "exittime",
    "退出時間",
    "退出時刻",
    "退室時間",
    "退室時刻",
    "退出日時",
}
_FIRST_JOIN = {"firstjoin", "firstjointime", "初回参加", "初回の参加", "最初の参加"}
_LAST_LEAVE = {"lastleave", "lastleavetime", "最終退出", "最後の退出"}
_ACTION = {"useraction", "action", "ユーザーの操作", "ユーザーのアクション", "操作"}
_TIMESTAMP = {"timestamp", "タイムスタンプ", "日時"}
_JOINED_WORDS = {"joined", "joinedbeforemeeting", "参加済み", "参加", "参加しました"}
_LEFT_WORDS = {"left", "退出済み", "退出", "退出しました"}


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).casefold()
    return re.sub(r"[\s()\[\]（）_\-.:]", "", text)


def _rows(text: str) -> list[list[str]]:
    """Every line as cells: tab-separated when the text has tabs (Teams), else commas."""
    delimiter = "\t" if text.count("\t") > text.count(",") / 4 else ","
    return [
        [cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]


def _column(headers: list[str], names: set[str]) -> int | None:
    return next((i for i, h in enumerate(headers) if h in names), None)


@dataclass
class _Table:
    kind: str  # joins summary events
    columns: dict[str, int]
    rows: list[list[str]] = field(default_factory=list)


def _tables(rows: list[list[str]]) -> list[_Table]:
    """Tables whose header row names a participant and their join and leave times."""
    tables: list[_Table] = []
    current: _Table | None = None
    for row in rows:
        if not any(row):
            current = None
            continue
        keys = [_key(cell) for cell in row]
        name = _column(keys, _NAME)
        first, last = _column(keys, _FIRST_NAME), _column(keys, _LAST_NAME)
        found: _Table | None = None
        if name is not None or (first is not None and last is not None):
            base = {"name": name} if name is not None else {"first": first, "last": last}
            base["email"] = _column(keys, _EMAIL)  # type: ignore[assignment]
            join, leave = _column(keys, _JOIN), _column(keys, _LEAVE)
            first_join, last_leave = _column(keys, _FIRST_JOIN), _column(keys, _LAST_LEAVE)
            action, stamp = _column(keys, _ACTION), _column(keys, _TIMESTAMP)
            if join is not None and leave is not None:
                found = _Table("joins", {**base, "join": join, "leave": leave})
            elif first_join is not None and last_leave is not None:
                found = _Table("summary", {**base, "join": first_join, "leave": last_leave})
            elif action is not None and stamp is not None:
                found = _Table("events", {**base, "action": action, "stamp": stamp})
        if found is not None:
            current = found
            tables.append(found)
        elif current is not None:
            current.rows.append(row)
    return tables


def _cell(row: list[str], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


def _name_of(row: list[str], columns: dict[str, int]) -> str:
    if "name" in columns:
        return _cell(row, columns["name"])
    return f"{_cell(row, columns['first'])} {_cell(row, columns['last'])}".strip()


# --- times --------------------------------------------------------------------------------

_DATETIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d, %H:%M:%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y, %I:%M:%S %p",
)
_TIME_FORMATS = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")


def parse_time(value: str, day: date) -> datetime:
    """A report's time as an aware datetime; times without a date fall on ``day``, times
    without an offset are Japan's. ValueError when it is none of the known formats."""
    text = unicodedata.normalize("NFKC", value).strip().replace("\u202f", " ")
    text = re.sub(r"\s+", " ", text)
    # Japanese AM/PM marks, before or after the time: 午前 9:00:00 / 9:00:00 午後
    for mark, english in (("午前", "AM"), ("午後", "PM")):
        if mark in text:
            text = re.sub(r"\s*" + mark + r"\s*", " ", text).strip() + f" {english}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None:
        for pattern in _DATETIME_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        for pattern in _TIME_FORMATS:
            try:
                moment = datetime.combine(day, datetime.strptime(text, pattern).time())
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError(value)
    if moment.date() != day and moment.day <= 12 and pattern_is_month_first(text):
        # 03/12/2026 from an account set to day/month order: the lecture's day decides.
        swapped = moment.replace(month=moment.day, day=moment.month)
        if swapped.date() == day:
            moment = swapped
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=JAPAN)


def pattern_is_month_first(text: str) -> bool:
    return re.match(r"^\d{1,2}/\d{1,2}/\d{2,4}", text) is not None


def parse_report(data: bytes, *, day: date) -> Report:
    """The joins of a participants report; ReportUnreadable when none can be read."""
    text = decode(data)
    tables = _tables(_rows(text))
    if not tables:
        raise ReportUnreadable(
            N_("The file has no table of participants' names with join and leave times.")
        )
    # Teams has both a summary (first join, last leave) and one row per join: use the joins.
    table = next((t for t in tables if t.kind == "joins"), tables[0])
    if table.kind == "events":
        joins = _events_to_joins(table, day)
        layout = "teams-legacy"
    else:
        joins = []
        for row in table.rows:
            name = _name_of(row, table.columns)
            joined, left = _cell(row, table.columns["join"]), _cell(row, table.columns["leave"])
            if not name or not joined:
                continue
            try:
                start = parse_time(joined, day)
                end = parse_time(left, day) if left else start
            except ValueError as error:
                raise ReportUnreadable(
                    N_("A time in the report cannot be read: {value}."), value=str(error)
                ) from error
            if end < start:  # a leave time past midnight written without its date
                end += timedelta(days=1)
            joins.append(Join(name, _cell(row, table.columns.get("email")), start, end))
        layout = _layout(text, table)
    if not joins:
        raise ReportUnreadable(N_("The report lists no participants."))
    return Report(layout=layout, joins=joins)


def _layout(text: str, table: _Table) -> str:
    lowered = text[:2000].casefold()
    if "in-meeting activities" in lowered or "会議中のアクティビティ" in text[:5000]:
        return "teams"
    if "name (original name)" in lowered or "名前（元の名前）" in text or "名前 (元の名前)" in text:
        return "zoom"
    if "first" in table.columns:
        return "meet"
    return "generic"


def _events_to_joins(table: _Table, day: date) -> list[Join]:
    """Teams' older list: a Joined row opens a stay, the next Left row of that name ends it."""
    joins: list[Join] = []
    opened: dict[str, tuple[str, datetime]] = {}
    last_seen: datetime | None = None
    for row in table.rows:
        name = _name_of(row, table.columns)
        action = _key(_cell(row, table.columns["action"]))
        try:
            moment = parse_time(_cell(row, table.columns["stamp"]), day)
        except ValueError as error:
            raise ReportUnreadable(
                N_("A time in the report cannot be read: {value}."), value=str(error)
            ) from error
        last_seen = max(last_seen or moment, moment)
        if action in _JOINED_WORDS and name not in opened:
            opened[name] = (_cell(row, table.columns.get("email")), moment)
        elif action in _LEFT_WORDS and name in opened:
            email, start = opened.pop(name)
            joins.append(Join(name, email, start, moment))
    for name, (email, start) in opened.items():  # still in the meeting when the list was saved
        joins.append(Join(name, email, start, last_seen or start))
    return joins


# --- names ---------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s・･·.,、，\-_'’‐]+")


def normalise(name: str) -> str:
    """A name for comparing: width, case, accents, spaces and dots do not matter; hiragana is
    read as katakana."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = text.replace("đ", "d")
    # Accents of the Latin alphabet go (Nguyễn = Nguyen); kana keep their voicing marks.
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not "\u0300" <= c <= "\u036f")

    text = unicodedata.normalize("NFC", text)
    text = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    return _SEPARATORS.sub("", text)


def name_variants(shown: str) -> list[str]:
    """What a participant may be called: the whole name, the part outside brackets (Teams
    adds "(Guest)"), and each part inside them (Zoom's "Display (Original Name)")."""
    text = unicodedata.normalize("NFKC", shown)
    inside = re.findall(r"\(([^()]*)\)", text)
    outside = re.sub(r"\([^()]*\)", " ", text)
    variants = [normalise(v) for v in (text, outside, *inside)]
    return [v for i, v in enumerate(variants) if v and v not in variants[:i]]


@dataclass(frozen=True)
class Person:
    """A trainee as the matching sees them."""

    id: int
    family_name: str
    given_name: str
    name_katakana: str


def person_keys(person: Person) -> set[str]:
    """Family and given name in either order, and the katakana name."""
    keys = {
        normalise(f"{person.family_name} {person.given_name}"),
        normalise(f"{person.given_name} {person.family_name}"),
        normalise(person.name_katakana),
    }
    return {k for k in keys if k}


@dataclass
class Participant:
    """One name of the report with every stay under it."""

    name: str
    email: str
    stays: list[tuple[datetime, datetime]]
    trainee_id: int | None = None
    ambiguous: list[int] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return int(sum((end - start).total_seconds() for start, end in self.stays) // 60)


def participants(joins: Iterable[Join]) -> list[Participant]:
    """Joins grouped by the name as written (a dropped and rejoined trainee: several stays)."""
    grouped: dict[str, Participant] = {}
    for join in joins:
        item = grouped.setdefault(join.name, Participant(join.name, join.email, []))
        item.stays.append((join.joined, join.left))
        item.email = item.email or join.email
    for item in grouped.values():
        item.stays.sort()
    return list(grouped.values())


def match(report: Report, people: Iterable[Person]) -> list[Participant]:
    """Each participant with the one trainee their name fits, if exactly one does."""
    index: dict[str, set[int]] = defaultdict(set)
    for person in people:
        for key in person_keys(person):
            index[key].add(person.id)
    found = participants(report.joins)
    for item in found:
        candidates: set[int] = set()
        for variant in name_variants(item.name):
            if index.get(variant):
                candidates = index[variant]
                break
        if len(candidates) == 1:
            item.trainee_id = next(iter(candidates))
        elif candidates:
            item.ambiguous = sorted(candidates)
    return found
