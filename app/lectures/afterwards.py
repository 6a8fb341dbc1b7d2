"""Lectures recorded after the fact: held on paper, over a video meeting, or live while the
phones failed.

What the lecturer or staff enter becomes what a live lecture leaves behind, so the
attendance sheet, its confirmation and the records count it the same way:
- the blocks (which modules, from when to when) become the timeline: ``start`` at the first
  block, a ``slide`` event at each block's start with its first slide and area, ``pause`` and
  ``resume`` around the breaks, ``end`` at the last block's end;
- each attendee's stay becomes a closed presence interval whose source says where it came
  from (``paper`` or ``meeting``);
- the signed sheet's scan and the meeting's report are kept as the lecture's evidence
  (``app.lectures.evidence``, which also reads a recorded lecture back).

Every function receives a lecture whose attendance the caller keeps (``KeptAttendance``);
staff enter only their own cooperative's trainees. Nothing is written unless all of the
input fits together: each check runs before the first row changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.clock import JAPAN
from app.cohorts import access as cohort_access
from app.cohorts.errors import TraineeNotFound
from app.cohorts.models import Trainee
from app.courses.definitions import CourseDefinition
from app.courses.models import Module, Slide
from app.db import utcnow
from app.i18n import N_
from app.lectures import access, attendance, scheduling, slides
from app.lectures.errors import CannotRecord
from app.lectures.models import (
    Interpreter,
    Lecture,
    LectureEvent,
    LectureModule,
    PresenceInterval,
    RosterEntry,
)
from app.lectures.schemas import (
    AttendeeIn,
    BlockIn,
)

TIMELINE_KINDS = ("start", "slide", "pause", "resume", "end")


def hm(moment: datetime) -> str:
    return moment.astimezone(JAPAN).strftime("%H:%M")


# --- checking what was entered -----------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    start: datetime
    end: datetime
    modules: list[str]
    area: str | None
    first: int | None  # the position of the first module's first slide, shown from the start


def check_state(lecture: Lecture, *, with_blocks: bool) -> None:
    if lecture.status == "cancelled":
        raise CannotRecord(N_("This lecture was cancelled; nothing is recorded for it."))
    if lecture.confirmed_at is not None:
        raise CannotRecord(
            N_(
                "The attendance sheet of this lecture is already confirmed; correct a "
                "trainee's minutes there, with a reason."
            )
        )
    if lecture.status in ("live", "paused"):
        raise CannotRecord(N_("The lecture is being presented live now; end it first."))
    if lecture.status == "scheduled" and not with_blocks:
        raise CannotRecord(
            N_("Enter at least one block: which modules were taught, from when to when.")
        )
    if lecture.status == "ended" and lecture.recorded_via == "live" and with_blocks:
        raise CannotRecord(
            N_(
                "The lecture was held live in Koshu and its times are recorded; enter only "
                "who was there."
            )
        )


def _aware(moment: datetime) -> datetime:
    """Times entered without an offset are Japan's."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=JAPAN)


def _blocks(session: Session, lecture: Lecture, entered: list[BlockIn]) -> list[_Block]:
    """The blocks in time order, each with one statutory area and its first slide."""
    modules = {
        m.code: m
        for m in session.scalars(select(Module).where(Module.revision_id == lecture.revision_id))
    }
    first_slides = _first_slides(session, lecture)
    checked = []
    for number, block in enumerate(entered, start=1):
        start, end = _aware(block.start), _aware(block.end)
        if end <= start:
            raise CannotRecord(N_("Block {number} ends before it starts."), number=number)
        if not block.modules:
            raise CannotRecord(N_("Block {number} names no module."), number=number)
        unknown = [code for code in block.modules if code not in modules]
        if unknown:
            raise CannotRecord(
                N_("Block {number}: the lecture's course has no module {code}."),
                number=number,
                code=", ".join(unknown),
            )
        unmapped = [code for code in block.modules if modules[code].area_code is None]
        if unmapped:
            raise CannotRecord(
                N_(
                    "Block {number}: module {code} has no statutory area yet; an administrator "
                    "assigns it on the course page."
                ),
                number=number,
                code=", ".join(unmapped),
            )
        areas = {modules[code].area_code for code in block.modules}
        if len(areas) > 1:
            raise CannotRecord(
                N_(
                    "Block {number} mixes statutory areas ({areas}); enter one block for each area."
                ),
                number=number,
                areas=", ".join(sorted(str(a) for a in areas)),
            )
        opening = block.modules[0]
        checked.append(
            _Block(start, end, list(block.modules), areas.pop(), first_slides.get(opening))
        )
    checked.sort(key=lambda b: b.start)
    for earlier, later in pairwise(checked):
        if later.start < earlier.end:
            raise CannotRecord(
                N_(
                    "Two blocks overlap: {first} and {second}. A block starts after the one "
                    "before it ends."
                ),
                first=f"{hm(earlier.start)}–{hm(earlier.end)}",
                second=f"{hm(later.start)}–{hm(later.end)}",
            )
    return checked


def _first_slides(session: Session, lecture: Lecture) -> dict[str, int]:
    """Each module's first master slide shown (hidden ones skipped): what a block opens with."""
    rows = session.execute(
        select(Module.code, Slide.position)
        .join(Module, Slide.module_id == Module.id)
        .where(
            Module.revision_id == lecture.revision_id,
            Slide.language == slides.master_language(session, lecture),
            Slide.hidden.is_(False),
        )
        .order_by(Slide.position.desc())
    ).all()
    return dict(rows)  # positions descending: the first slide is written last and kept


@dataclass(frozen=True)
class Stay:
    trainee: Trainee
    start: datetime
    end: datetime


def _trainee_for(
    session: Session, principal: Principal, lecture: Lecture, trainee_id: int
) -> Trainee:
    """A trainee of the lecture the caller keeps; 422 for one of the caller's own trainees who
    is not in the lecture; 404 for anyone else (another cooperative's trainee stays unknown)."""
    try:
        return attendance.lecture_trainee(session, principal, lecture, trainee_id)
    except TraineeNotFound:
        trainee = session.get(Trainee, trainee_id)
        if trainee is not None and (
            principal.is_admin
            or (principal.role == "staff" and principal.cooperative_id == trainee.cooperative_id)
        ):
            raise CannotRecord(
                N_("{name} ({number}) is not a trainee of this lecture's cohorts."),
                name=f"{trainee.family_name} {trainee.given_name}",
                number=trainee.trainee_number,
            ) from None
        raise


def _stays(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    entered: list[AttendeeIn],
    span: tuple[datetime, datetime],
) -> list[Stay]:
    first, last = span
    stays: list[Stay] = []
    seen: set[int] = set()
    for attendee in entered:
        trainee = _trainee_for(session, principal, lecture, attendee.trainee_id)
        name = f"{trainee.family_name} {trainee.given_name}"
        if trainee.id in seen:
            raise CannotRecord(N_("{name} is listed twice."), name=name)
        seen.add(trainee.id)
        start = _aware(attendee.arrived) if attendee.arrived else first
        end = _aware(attendee.left) if attendee.left else last
        if end <= start:
            raise CannotRecord(
                N_("{name} leaves ({left}) before arriving ({arrived})."),
                name=name,
                left=hm(end),
                arrived=hm(start),
            )
        if start < first or end > last:
            raise CannotRecord(
                N_("{name}: {arrived}–{left} is outside the lecture ({start}–{end})."),
                name=name,
                arrived=hm(start),
                left=hm(end),
                start=hm(first),
                end=hm(last),
            )
        stays.append(Stay(trainee, start, end))
    return stays


# --- writing -----------------------------------------------------------------------------


def _event(
    lecture: Lecture, principal: Principal, kind: str, at: datetime, block: _Block | None = None
) -> LectureEvent:
    return LectureEvent(
        lecture_id=lecture.id,
        kind=kind,
        at=at,
        actor_id=principal.user_id,
        module_code=block.modules[0] if block else None,
        position=block.first if block else None,
        area_code=block.area if block else None,
    )


def _write_timeline(
    session: Session, principal: Principal, lecture: Lecture, blocks: list[_Block]
) -> None:
    """The timeline a presenter would have left: start, a slide per block, breaks, end."""
    session.execute(
        delete(LectureEvent).where(
            LectureEvent.lecture_id == lecture.id, LectureEvent.kind.in_(TIMELINE_KINDS)
        )
    )
    events = [_event(lecture, principal, "start", blocks[0].start, blocks[0])]
    previous: _Block | None = None
    for block in blocks:
        if previous is not None and block.start > previous.end:
            events.append(_event(lecture, principal, "pause", previous.end))
            events.append(_event(lecture, principal, "slide", block.start, block))
            events.append(_event(lecture, principal, "resume", block.start, block))
        else:
            events.append(_event(lecture, principal, "slide", block.start, block))
        previous = block
    events.append(_event(lecture, principal, "end", blocks[-1].end))
    session.add_all(events)  # in time order: the ids keep the order a presenter gives
    taught: list[str] = []
    for block in blocks:
        taught += [code for code in block.modules if code not in taught]
    session.execute(delete(LectureModule).where(LectureModule.lecture_id == lecture.id))
    session.add_all(
        LectureModule(lecture_id=lecture.id, module_code=code, position=index)
        for index, code in enumerate(taught, start=1)
    )
    lecture.status = "ended"
    lecture.started_at, lecture.ended_at = blocks[0].start, blocks[-1].end
    lecture.current_module = lecture.current_position = None


def write_stays(
    session: Session,
    lecture: Lecture,
    trainee_id: int,
    stays: list[tuple[datetime, datetime]],
    source: str,
    device: str | None = None,
) -> int:
    """Add closed presence intervals, skipping any already there; return how many were new."""
    existing = {
        (p.started_at.timestamp(), p.last_seen_at.timestamp())
        for p in session.scalars(
            select(PresenceInterval).where(
                PresenceInterval.lecture_id == lecture.id,
                PresenceInterval.trainee_id == trainee_id,
                PresenceInterval.source == source,
            )
        )
    }
    new = [(s, e) for s, e in stays if (s.timestamp(), e.timestamp()) not in existing]
    session.add_all(
        PresenceInterval(
            lecture_id=lecture.id,
            trainee_id=trainee_id,
            started_at=start,
            last_seen_at=end,
            closed=True,
            source=source,
            device=device,
        )
        for start, end in new
    )
    return len(new)


def _supersede_roster(session: Session, lecture: Lecture, trainee_ids: list[int]) -> None:
    """Marks by hand give way to the sheet: a roster mark would otherwise count instead."""
    if trainee_ids:
        session.execute(
            update(RosterEntry)
            .where(
                RosterEntry.lecture_id == lecture.id,
                RosterEntry.trainee_id.in_(trainee_ids),
                RosterEntry.superseded_at.is_(None),
            )
            .values(superseded_at=utcnow())
        )


def _cooperatives_told(session: Session, principal: Principal, lecture: Lecture) -> set[int]:
    """Whose audit log a step goes to: staff's own cooperative, else every one in the lecture."""
    if principal.role == "staff" and principal.cooperative_id is not None:
        return {principal.cooperative_id}
    return {coop for _cohort, coop in access.lecture_cohorts(session, lecture.id)}


def audit_step(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    summary: str,
    changes: dict[str, Any],
    own: dict[int, dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """Log a step in each cooperative's audit log; ``own`` adds what only that cooperative
    may read (its trainees)."""
    for coop in sorted(_cooperatives_told(session, principal, lecture)):
        audit.record(
            session,
            principal,
            action="update",
            entity="lecture",
            entity_id=lecture.id,
            cooperative_id=coop,
            summary=summary,
            params=params,
            changes={**changes, **(own or {}).get(coop, {})},
        )


def _lecture_facts(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    *,
    lecturer_id: int | None,
    interpreters: list[tuple[str, str]] | None,
    venue: str | None,
) -> dict[str, Any]:
    """Who taught with whom and where, when they differ from the schedule."""
    changes: dict[str, Any] = {}
    if lecturer_id is not None and lecturer_id != lecture.lecturer_id:
        if principal.role == "lecturer":
            raise CannotRecord(N_("Only staff or an administrator can change the lecturer."))
        lecturer = session.get(User, lecturer_id)
        if lecturer is None or lecturer.role != "lecturer" or not lecturer.active:
            raise CannotRecord(N_("The lecturer is not a registered lecturer."))
        changes["lecturer_id"] = [lecture.lecturer_id, lecturer_id]
        lecture.lecturer_id = lecturer_id
    if venue is not None and venue.strip() != lecture.venue:
        changes["venue"] = [lecture.venue, venue.strip()]
        lecture.venue = venue.strip()
    if interpreters is not None:
        session.execute(delete(Interpreter).where(Interpreter.lecture_id == lecture.id))
        session.add_all(
            Interpreter(lecture_id=lecture.id, name=name.strip(), language=language)
            for name, language in interpreters
            if name.strip()
        )
        changes["interpreters"] = [f"{name} ({language})" for name, language in interpreters]
    return changes


def record(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    *,
    via: str,
    blocks: list[BlockIn],
    attendees: list[AttendeeIn],
    lecturer_id: int | None = None,
    interpreters: list[tuple[str, str]] | None = None,
    venue: str | None = None,
) -> None:
    """Record what happened: the blocks (unless the lecture's times are already recorded) and
    each attendee's stay. Re-entering the blocks of a lecture recorded afterwards replaces
    them and, from a paper sheet, the sheet of the caller's trainees; otherwise a listed
    attendee's stays of that source are replaced. On an ended live lecture the attendees are
    added to what the phones recorded."""
    check_state(lecture, with_blocks=bool(blocks))
    checked = _blocks(session, lecture, blocks) if blocks else []
    span = (
        (checked[0].start, checked[-1].end)
        if checked
        else (lecture.started_at, lecture.ended_at or lecture.started_at)
    )
    stays = _stays(session, principal, lecture, attendees, span)  # type: ignore[arg-type]
    changes = _lecture_facts(
        session,
        principal,
        lecture,
        lecturer_id=lecturer_id,
        interpreters=interpreters,
        venue=venue,
    )
    replaced = [stay.trainee.id for stay in stays]
    if checked:
        _write_timeline(session, principal, lecture, checked)
        lecture.recorded_via = via
        if via == "paper":  # the sheet lists everyone who was there: the rest were not
            replaced = [t.id for t in attendance.trainees(session, principal, lecture)]
    if replaced:
        session.execute(
            delete(PresenceInterval).where(
                PresenceInterval.lecture_id == lecture.id,
                PresenceInterval.trainee_id.in_(replaced),
                PresenceInterval.source == via,
            )
        )
    for stay in stays:
        write_stays(session, lecture, stay.trainee.id, [(stay.start, stay.end)], via)
    _supersede_roster(session, lecture, replaced)
    session.flush()
    attendees: dict[int, dict[str, Any]] = {}
    for stay in stays:
        listed = attendees.setdefault(stay.trainee.cooperative_id, {"attendees": []})
        listed["attendees"].append(f"{stay.trainee.trainee_number} {hm(stay.start)}-{hm(stay.end)}")
    audit_step(
        session,
        principal,
        lecture,
        N_("Recorded afterwards ({via_label}): {count} blocks"),
        {
            **changes,
            "via": via,
            "blocks": [f"{hm(b.start)}-{hm(b.end)} {'/'.join(b.modules)}" for b in checked],
        },
        attendees,
        params={"via_label": via, "count": len(checked)},
    )


def create_recorded(
    session: Session,
    principal: Principal,
    definition: CourseDefinition,
    *,
    cohort_ids: list[int],
    lecturer_id: int,
    via: str,
    blocks: list[BlockIn],
    attendees: list[AttendeeIn],
    interpreters: list[tuple[str, str]] | None = None,
    venue: str = "",
    online_url: str = "",
    delivery: str = "classroom",
    title: str = "",
) -> Lecture:
    """Schedule a lecture held outside Koshu and record it, in one step."""
    for cohort_id in cohort_ids:  # another cooperative's cohort: 404 before anything else
        cohort_access.owned_cohort(session, principal, cohort_id)
    if not blocks:
        raise CannotRecord(
            N_("Enter at least one block: which modules were taught, from when to when.")
        )
    starts = [_aware(b.start) for b in blocks]
    ends = [_aware(b.end) for b in blocks]
    modules: list[str] = []
    for block in blocks:
        modules += [code for code in block.modules if code not in modules]
    lecture = scheduling.schedule(
        session,
        principal,
        definition,
        lecturer_id=lecturer_id,
        cohort_ids=cohort_ids,
        scheduled_start=min(starts),
        scheduled_end=max(max(ends), min(starts)),
        modules=modules,
        interpreters=interpreters,
        venue=venue,
        online_url=online_url,
        delivery=delivery,
        title=title,
        warn=False,  # held already: the record says what does not count, and why
    )
    record(session, principal, lecture, via=via, blocks=blocks, attendees=attendees)
    return lecture


# --- what the recording page offers ---------------------------------------------------------


@dataclass(frozen=True)
class ModuleChoice:
    code: str
    title: str
    area: str | None


def module_choices(session: Session, lecture: Lecture, language: str) -> list[ModuleChoice]:
    """The modules of the lecture's revision a block may name, in course order."""
    master = slides.master_language(session, lecture)
    return [
        ModuleChoice(m.code, m.titles.get(language) or m.titles.get(master) or m.code, m.area_code)
        for m in session.scalars(
            select(Module)
            .where(Module.revision_id == lecture.revision_id)
            .order_by(Module.position)
        )
    ]


def may_record(lecture: Lecture) -> bool:
    """Whether blocks or attendees can be entered now (not live, not confirmed)."""
    return lecture.confirmed_at is None and lecture.status in ("scheduled", "ended")
