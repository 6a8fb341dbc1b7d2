"""Gather a cohort's training facts in a fixed number of queries and turn them into records.

The dashboard and the exports of a cohort of 10 trainees or 10,000 issue the same queries:
every lookup is one statement over the whole cohort, never one per trainee or lecture.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, case, cast, delete, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from app.accounts import lecturers as lecturer_profiles
from app.accounts.lecturers import LecturerView
from app.accounts.models import Cooperative, Employer, LoginSession, User
from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.clock import JAPAN
from app.cohorts.models import Cohort, Trainee
from app.courses.definitions import CourseDefinition
from app.courses.models import Module, Revision
from app.db import utcnow
from app.files.models import Blob
from app.i18n import N_
from app.lectures import credit
from app.lectures.models import (
    AttendanceRecord,
    Interpreter,
    Lecture,
    LectureCohort,
    LectureEvent,
    LectureEvidence,
    LectureModule,
    PresenceInterval,
    QuizAnswer,
    RosterEntry,
)
from app.records.compliance import (
    Compliance,
    LectureFact,
    Reason,
    TraineeFacts,
    evaluate,
    lecture_problems,
)
from app.records.errors import NotComplete, RecordsRetained, RecordsRetainedAfterMove
from app.records.models import RecordExport
from app.records.schemas import ReasonRead, TraineeCompliance
from app.study.models import StudySession


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(JAPAN) if moment is not None else None


def _lecture_day(lecture: Lecture) -> date:
    """The day in Japan a lecture was given (or is planned): what its lecturer's profile of
    that day is read for."""
    return (lecture.started_at or lecture.scheduled_start).astimezone(JAPAN).date()


@dataclass(frozen=True)
class AreaBlock:
    """The running time of one statutory area in a lecture: its stretches in Japan time (a
    pause or another area between two stretches is left out of the minutes)."""

    area: str
    stretches: list[tuple[datetime, datetime]]

    @property
    def start(self) -> datetime:
        return self.stretches[0][0]

    @property
    def end(self) -> datetime:
        return self.stretches[-1][1]

    @property
    def minutes(self) -> int:
        seconds = sum((end - start).total_seconds() for start, end in self.stretches)
        return int(seconds // 60)


@dataclass(frozen=True)
class ModuleInfo:
    code: str
    area: str | None
    titles: dict[str, str]


@dataclass(frozen=True)
class Evidence:
    kind: str  # paper-sheet meeting-report
    filename: str


@dataclass
class LectureInfo:
    lecture: Lecture
    lecturer: User | None
    profile: LecturerView | None  # as it held on the lecture's date
    revision: int
    modules: list[str]
    interpreters: list[tuple[str, str]]
    taught: dict[str, int]  # minutes on screen per area
    blocks: list[AreaBlock] = field(default_factory=list)  # by first start
    module_info: list[ModuleInfo] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def modules_of(self, area: str) -> list[ModuleInfo]:
        return [m for m in self.module_info if m.area == area]

    @property
    def start(self) -> datetime:
        return local(self.lecture.started_at or self.lecture.scheduled_start)  # type: ignore[return-value]

    @property
    def end(self) -> datetime:
        return local(self.lecture.ended_at or self.lecture.scheduled_end)  # type: ignore[return-value]


@dataclass(frozen=True)
class Presence:
    """How a trainee attended a confirmed lecture, in Japan time: when they arrived and left
    (the first and last moment present), whether that was late or early, and the hand mark."""

    arrived: datetime | None
    left: datetime | None
    late: bool
    early: bool
    roster: str | None  # present late left-early absent

    @property
    def absent(self) -> bool:
        return self.roster == "absent"


@dataclass
class TraineeRecord:
    trainee: Trainee
    employer: str
    compliance: Compliance
    history: list[AttendanceVersion]  # every version, corrections included, oldest first


@dataclass
class CohortRecord:
    cooperative: Cooperative
    cohort: Cohort
    definition: CourseDefinition
    lectures: list[LectureInfo]
    trainees: list[TraineeRecord]
    attendance: dict[tuple[int, int], list[AttendanceVersion]]  # (lecture, trainee) -> versions
    presence: dict[tuple[int, int], Presence] = field(default_factory=dict)
    today: date | None = None
    # What the sheets and pages work out from the record once, not once per sheet
    # (exports.attendees: the people of each lecture).
    derived: dict[Any, Any] = field(default_factory=dict, repr=False)

    def confirmed_lectures(self) -> list[LectureInfo]:
        return [info for info in self.lectures if info.lecture.confirmed_at is not None]

    def retention_until(self) -> date | None:
        return retention_until(self.cohort, self.definition)


def retention_until(cohort: Cohort, definition: CourseDefinition) -> date | None:
    """The first day records may go: a year (per the definition) after the latest programme
    end ever recorded, so moving the end earlier never shortens it."""
    ends = [end for end in (cohort.programme_end, cohort.retention_end) if end]
    if not ends:
        return None
    end = max(ends)
    return end.replace(year=end.year + definition.retention_years_after_training) + timedelta(
        days=1
    )


def _lecture_infos(session: Session, lecture_ids: Any) -> list[LectureInfo]:
    lectures = list(
        session.scalars(
            # A cancelled lecture never happened: it counts nowhere and is on no record.
            select(Lecture)
            .where(Lecture.id.in_(lecture_ids), Lecture.status != "cancelled")
            .order_by(Lecture.scheduled_start)
        )
    )
    lecturer_ids = {lecture.lecturer_id for lecture in lectures}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(lecturer_ids)))}
    profiles = lecturer_profiles.lecturers_on(
        session, {(lecture.lecturer_id, _lecture_day(lecture)) for lecture in lectures}
    )
    revisions = dict(
        session.execute(
            select(Revision.id, Revision.number).where(
                Revision.id.in_({lecture.revision_id for lecture in lectures})
            )
        ).all()
    )
    modules: dict[int, list[ModuleInfo]] = defaultdict(list)
    for lecture_id, code, area, titles in session.execute(
        select(LectureModule.lecture_id, LectureModule.module_code, Module.area_code, Module.titles)
        .join(Lecture, Lecture.id == LectureModule.lecture_id)
        .outerjoin(
            Module,
            and_(
                Module.revision_id == Lecture.revision_id, Module.code == LectureModule.module_code
            ),
        )
        .where(LectureModule.lecture_id.in_(lecture_ids))
        .order_by(LectureModule.position)
    ):
        modules[lecture_id].append(ModuleInfo(code, area, titles or {}))
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for lecture_id, kind, filename in session.execute(
        select(LectureEvidence.lecture_id, LectureEvidence.kind, LectureEvidence.filename)
        .where(LectureEvidence.lecture_id.in_(lecture_ids))
        .order_by(LectureEvidence.id)
    ):
        evidence[lecture_id].append(Evidence(kind, filename))
    interpreters: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in session.scalars(select(Interpreter).where(Interpreter.lecture_id.in_(lecture_ids))):
        interpreters[row.lecture_id].append((row.name, row.language))
    events: dict[int, list[credit.TimelineEvent]] = defaultdict(list)
    for event in session.scalars(
        select(LectureEvent)
        .where(
            LectureEvent.lecture_id.in_(lecture_ids),
            LectureEvent.kind.in_(("start", "slide", "pause", "resume", "end")),
        )
        .order_by(LectureEvent.id)
    ):
        events[event.lecture_id].append(credit.TimelineEvent(event.at, event.kind, event.area_code))  # type: ignore[arg-type]
    infos = []
    for lecture in lectures:
        segments = credit.area_segments(events[lecture.id], until=lecture.ended_at or utcnow())
        taught: dict[str, float] = defaultdict(float)
        stretches: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        for segment in segments:
            if segment.area:
                taught[segment.area] += (segment.end - segment.start).total_seconds()
                stretches[segment.area].append((local(segment.start), local(segment.end)))  # type: ignore[arg-type]
        infos.append(
            LectureInfo(
                lecture=lecture,
                lecturer=users.get(lecture.lecturer_id),
                profile=profiles.get((lecture.lecturer_id, _lecture_day(lecture))),
                revision=revisions.get(lecture.revision_id, 0),
                modules=[m.code for m in modules[lecture.id]],
                interpreters=interpreters[lecture.id],
                taught=credit.to_minutes(taught),
                blocks=sorted(
                    (AreaBlock(area, parts) for area, parts in stretches.items()),
                    key=lambda block: block.start,
                ),
                module_info=modules[lecture.id],
                evidence=evidence[lecture.id],
            )
        )
    return infos


def _presence(
    session: Session,
    infos: list[LectureInfo],
    in_cohort: Any,
    definition: CourseDefinition,
) -> dict[tuple[int, int], Presence]:
    """Late arrivals, early leavings and hand marks of the cohort's trainees in the confirmed
    lectures, in two statements: a hand mark replaces what the phone said (as on the sheet)."""
    lectures = {i.lecture.id: i.lecture for i in infos if i.lecture.confirmed_at is not None}
    if not lectures:
        return {}
    spans: dict[tuple[int, int], list[credit.Interval]] = defaultdict(list)
    for lecture_id, trainee_id, first, last in session.execute(
        select(
            PresenceInterval.lecture_id,
            PresenceInterval.trainee_id,
            func.min(PresenceInterval.started_at),
            func.max(PresenceInterval.last_seen_at),
        )
        .where(
            PresenceInterval.lecture_id.in_(lectures),
            PresenceInterval.trainee_id.in_(in_cohort),
            PresenceInterval.last_seen_at > PresenceInterval.started_at,
        )
        .group_by(PresenceInterval.lecture_id, PresenceInterval.trainee_id)
    ):
        spans[(lecture_id, trainee_id)] = [(first, last)]
    marks = {
        (entry.lecture_id, entry.trainee_id): entry
        for entry in session.scalars(
            select(RosterEntry).where(
                RosterEntry.lecture_id.in_(lectures),
                RosterEntry.trainee_id.in_(in_cohort),
                RosterEntry.superseded_at.is_(None),
            )
        )
    }
    slack = timedelta(seconds=definition.presence.ping_gap_seconds)
    found = {}
    for key in set(spans) | set(marks):
        lecture = lectures[key[0]]
        if lecture.started_at is None or lecture.ended_at is None:
            continue
        start, end = lecture.started_at, lecture.ended_at
        mark = marks.get(key)
        present = (
            credit.roster_interval(
                mark.status, lecture_start=start, lecture_end=end, minutes=mark.minutes
            )
            if mark is not None
            else spans[key]
        )
        first = present[0][0] if present else None
        last = present[-1][1] if present else None
        found[key] = Presence(
            arrived=local(first),
            left=local(last),
            late=first is not None and first > start + slack,
            early=last is not None and last < end - slack,
            roster=mark.status if mark is not None else None,
        )
    return found


# Read as they are stored and turned into values on first use: most versions' times are
# read only by the workbook (superseded_at is mostly NULL, which is known without decoding).
_DEFERRED = ("recorded_at", "superseded_at")
# Stored as JSON and read as text: a hall's trainees mostly share the same few minute maps
# and slide languages, so each distinct text is decoded once per record, not once per row.
_JSON = ("minutes_by_area", "slide_languages")


class AttendanceVersion:
    """An attendance row as a record reads it: plain attributes named like AttendanceRecord's,
    not an ORM object (a cohort of 2,000 has 80,000 versions, and building an object for each
    took most of the time). Its minute map and slide languages may be shared with other
    versions of the same record: read them, never change them."""

    _processors: dict[str, Any]

    @classmethod
    def of(cls, values: dict[str, Any]) -> AttendanceVersion:
        """A version with these attributes (and ``_processors`` for the deferred ones)."""
        version = cls.__new__(cls)
        version.__dict__ = values  # the row's dict itself, not a copy of it
        return version

    @property
    def is_current(self) -> bool:
        return self.__dict__["_raw_superseded_at"] is None

    def __getattr__(self, name: str) -> Any:
        if name not in _DEFERRED:
            raise AttributeError(name)
        raw = self.__dict__[f"_raw_{name}"]
        processor = self._processors[name]
        value = processor(raw) if processor is not None and raw is not None else raw
        self.__dict__[name] = value
        return value


def _json_reader(whole_minutes: bool) -> Callable[[Any], Any]:
    """Decode JSON text once per distinct text (a dict the dialect already decoded passes)."""
    decoded: dict[str, Any] = {}

    def read(raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw if raw is not None else {}
        value = decoded.get(raw)
        if value is None:
            value = json.loads(raw)
            if whole_minutes:  # minutes are whole numbers; stored ones may read as 60.0
                value = {area: int(minutes) for area, minutes in value.items()}
            decoded[raw] = value
        return value

    return read


def _attendance_versions(session: Session, in_cohort: Any) -> list[AttendanceVersion]:
    """The attendance versions of a cohort's trainees, oldest first, read without the ORM."""
    dialect = session.get_bind().dialect
    columns = AttendanceRecord.__table__.columns
    processors = {
        name: columns[name].type.dialect_impl(dialect).result_processor(dialect, None)
        for name in _DEFERRED
    }
    selected = [
        type_coerce(column, NullType()).label(f"_raw_{column.name}")
        if column.name in _DEFERRED
        else cast(column, Text).label(column.name)
        if column.name in _JSON
        else column
        for column in columns
    ]
    result = session.connection().execute(
        select(*selected)
        .where(AttendanceRecord.trainee_id.in_(in_cohort))
        .order_by(AttendanceRecord.id)
    )
    keys = list(result.keys())
    minutes, languages = _json_reader(whole_minutes=True), _json_reader(whole_minutes=False)
    versions = []
    for row in result.all():
        values = dict(zip(keys, row, strict=True))
        values["minutes_by_area"] = minutes(values["minutes_by_area"])
        values["slide_languages"] = languages(values["slide_languages"])
        values["_processors"] = processors
        versions.append(AttendanceVersion.of(values))
    return versions


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a record is built, then let it run as before.

    A cohort of 2,000 builds some 400,000 small objects that live until the record is done;
    each collection walks them all again, and half the time went there. They hold no cycles
    of their own, so nothing is kept longer than the record needs; another thread meanwhile
    frees by reference counting as always.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@collector_paused()
def cohort_record(
    session: Session,
    cohort: Cohort,
    definition: CourseDefinition,
    today: date | None = None,
) -> CohortRecord:
    """Everything the dashboard, the training record and the exports need, for one cohort."""
    cooperative = session.get(Cooperative, cohort.cooperative_id)
    trainees = list(
        session.scalars(
            select(Trainee).where(Trainee.cohort_id == cohort.id).order_by(Trainee.trainee_number)
        )
    )
    in_cohort = select(Trainee.id).where(Trainee.cohort_id == cohort.id).scalar_subquery()
    employers = dict(
        session.execute(
            select(Employer.id, Employer.name).where(
                Employer.cooperative_id == cohort.cooperative_id
            )
        ).all()
    )
    versions: dict[tuple[int, int], list[AttendanceVersion]] = defaultdict(list)
    for record in _attendance_versions(session, in_cohort):
        versions[(record.lecture_id, record.trainee_id)].append(record)  # type: ignore[arg-type]
    cohort_lectures = select(LectureCohort.lecture_id).where(LectureCohort.cohort_id == cohort.id)
    infos = _lecture_infos(session, cohort_lectures)
    by_id = {info.lecture.id: info for info in infos}
    quiz = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            select(
                QuizAnswer.trainee_id,
                func.count(QuizAnswer.id),
                func.sum(case((QuizAnswer.correct, 1), else_=0)),
            )
            .where(QuizAnswer.trainee_id.in_(in_cohort))
            .group_by(QuizAnswer.trainee_id)
        ).all()
    }
    study: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in session.scalars(select(StudySession).where(StudySession.trainee_id.in_(in_cohort))):
        study[row.trainee_id][row.area_code or ""] += (
            row.last_seen_at - row.started_at
        ).total_seconds()
    today = today or utcnow().astimezone(JAPAN).date()
    by_trainee: dict[int, list[tuple[int, list[AttendanceVersion]]]] = defaultdict(list)
    for (lecture_id, trainee_id), rows in versions.items():
        if lecture_id in by_id:
            by_trainee[trainee_id].append((lecture_id, rows))
    # What a lecture's facts share for every trainee, read once per lecture, not per trainee.
    shared = {
        info.lecture.id: {
            "date": info.start.date(),
            "delivery": info.lecture.delivery,
            # the name as the lecturer's profile held it on the lecture's day
            "lecturer_name": info.profile.display_name
            if info.profile
            else (info.lecturer.display_name if info.lecturer else ""),
            "lecturer_qualification": info.profile.qualification if info.profile else "other",
            "lecturer_affiliations": list(info.profile.affiliations) if info.profile else [],
            "revision": info.revision,
        }
        for info in infos
    }
    # What keeps a lecture from counting depends on the lecture, the trainee's cooperative and
    # employer and the cohort's dates: worked out once per lecture and employer.
    known: dict[tuple[int, int, int | None], list[Reason]] = {}

    def problems_of(facts: TraineeFacts, lecture: LectureFact) -> list[Reason]:
        key = (lecture.lecture_id, facts.cooperative_id, facts.employer_id)
        if key not in known:
            known[key] = lecture_problems(definition, facts, lecture)
        return known[key]

    records = []
    for trainee in trainees:
        facts = []
        history = []
        for lecture_id, rows in by_trainee.get(trainee.id, []):
            history.extend(rows)
            current = (
                rows[0] if len(rows) == 1 else next((r for r in rows if r.is_current), rows[-1])
            )
            facts.append(
                LectureFact(
                    lecture_id=lecture_id,
                    minutes=current.minutes_by_area,
                    language=current.language,
                    **shared[lecture_id],
                )
            )
        answered, correct = quiz.get(trainee.id, (0, 0))
        compliance = evaluate(
            definition,
            TraineeFacts(
                cooperative_id=trainee.cooperative_id,
                employer_id=trainee.employer_id,
                training_start=cohort.training_start,
                training_end=cohort.training_end,
                work_start=cohort.work_start,
                lectures=facts,
                self_study_minutes=credit.to_minutes(study.get(trainee.id, {})),
                quiz_answered=int(answered or 0),
                quiz_correct=int(correct or 0),
            ),
            today,
            problems_of,
        )
        records.append(
            TraineeRecord(
                trainee,
                employers.get(trainee.employer_id or 0, ""),
                compliance,
                sorted(history, key=lambda r: r.id),
            )
        )
    return CohortRecord(
        cooperative=cooperative,
        cohort=cohort,
        definition=definition,  # type: ignore[arg-type]
        lectures=infos,
        trainees=records,
        attendance=dict(versions),
        presence=_presence(session, infos, in_cohort, definition),
        today=today,
    )


def trainee_record(
    session: Session, trainee: Trainee, definition_for: Callable[[Cohort], CourseDefinition]
) -> tuple[CohortRecord, TraineeRecord]:
    """The record of the trainee's cohort, and the trainee's own part of it."""
    cohort = session.get(Cohort, trainee.cohort_id)
    assert cohort is not None  # a trainee always belongs to a cohort
    record = cohort_record(session, cohort, definition_for(cohort))
    return record, next(r for r in record.trainees if r.trainee.id == trainee.id)


def certificate(
    session: Session, trainee: Trainee, definition_for: Callable[[Cohort], CourseDefinition]
) -> tuple[CohortRecord, TraineeRecord]:
    """A complete trainee's record for the certificate; NotComplete otherwise."""
    record, mine = trainee_record(session, trainee, definition_for)
    if mine.compliance.status != "complete":
        raise NotComplete()
    return record, mine


def purge_cohort(
    session: Session, principal: Principal, cohort: Cohort, definition: CourseDefinition
) -> int:
    """Delete a cohort with its trainees and all their records, once retention has ended.

    Returns how many trainees were removed; RecordsRetained before the retention date.
    """
    until = retention_until(cohort, definition)
    today = utcnow().astimezone(JAPAN).date()
    if until is None or today < until:
        latest, current = cohort.retention_end, cohort.programme_end
        if until and latest and current and current < latest:
            raise RecordsRetainedAfterMove(
                until=until.isoformat(), end=latest.isoformat(), current=current.isoformat()
            )
        raise RecordsRetained(until=until.isoformat() if until else "—")
    trainees = list(session.scalars(select(Trainee).where(Trainee.cohort_id == cohort.id)))
    ids = [t.id for t in trainees]
    for model in (AttendanceRecord, QuizAnswer, StudySession, PresenceInterval, RosterEntry):
        session.execute(delete(model).where(model.trainee_id.in_(ids)))
    session.execute(delete(LectureCohort).where(LectureCohort.cohort_id == cohort.id))
    # Prepared workbooks hold the same personal data: their files go with the cohort.
    kept = select(RecordExport.file_sha256).where(RecordExport.cohort_id == cohort.id)
    session.execute(delete(Blob).where(Blob.sha256.in_(kept)))
    session.execute(delete(RecordExport).where(RecordExport.cohort_id == cohort.id))
    user_ids = [t.user_id for t in trainees]
    session.execute(delete(Trainee).where(Trainee.id.in_(ids)))
    session.execute(delete(LoginSession).where(LoginSession.user_id.in_(user_ids)))
    session.execute(delete(User).where(User.id.in_(user_ids)))
    audit.record(
        session,
        principal,
        action="delete",
        entity="cohort",
        entity_id=cohort.id,
        cooperative_id=cohort.cooperative_id,
        summary=N_("{cohort}: records purged after retention ({count} trainees)"),
        params={"cohort": cohort.name, "count": len(ids)},
    )
    session.delete(cohort)
    session.flush()
    return len(ids)


@dataclass(frozen=True)
class AnswerRow:
    id: int
    trainee_id: int
    module_code: str
    position: int
    choice: str
    correct: bool
    language: str
    revision_number: int
    answered_at: datetime


def quiz_answers(session: Session, cohort_id: int) -> list[AnswerRow]:
    """Every quiz answer of a cohort's trainees (caller has already been checked)."""
    rows = session.execute(
        select(QuizAnswer, Revision.number)
        .join(Revision, QuizAnswer.revision_id == Revision.id)
        .where(QuizAnswer.trainee_id.in_(select(Trainee.id).where(Trainee.cohort_id == cohort_id)))
        .order_by(QuizAnswer.id)
    ).all()
    return [
        AnswerRow(
            a.id,
            a.trainee_id,
            a.module_code,
            a.position,
            a.choice,
            a.correct,
            a.language,
            number,
            a.answered_at,
        )
        for a, number in rows
    ]


def compliance_out(
    item: TraineeRecord, language: str, definition: CourseDefinition | None = None
) -> TraineeCompliance:
    """A trainee's compliance as the API gives it, reasons in the reader's language."""
    c = item.compliance
    return TraineeCompliance(
        trainee_id=item.trainee.id,
        trainee_number=item.trainee.trainee_number,
        name=f"{item.trainee.family_name} {item.trainee.given_name}",
        status=c.status,
        minutes=c.minutes_by_area,
        total=c.total_minutes,
        quiz_score=c.quiz_score,
        quiz_passed=c.quiz_passed,
        revisions=c.revisions,
        languages=c.languages,
        counted_lectures=c.counted_lectures,
        reasons=[
            ReasonRead(code=r.code, message=r.text(language), blocking=r.blocking)
            for r in c.reasons
        ],
        self_study=c.self_study_minutes,
        self_study_counted=bool(definition and definition.self_study_counts),
    )
