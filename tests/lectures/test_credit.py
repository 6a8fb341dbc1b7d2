"""Crediting minutes: presence overlapped with the presenter's timeline, per statutory area."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.lectures.credit import (
    Segment,
    TimelineEvent,
    area_segments,
    credited_seconds,
    merge_intervals,
    roster_interval,
    to_minutes,
)

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_lecture_spanning_two_areas_is_split_where_the_module_changed() -> None:
    segments = area_segments(
        [
            TimelineEvent(at(0), "start", "immigration"),
            TimelineEvent(at(50), "slide", "labour"),
            TimelineEvent(at(120), "end"),
        ],
        until=at(200),
    )
    assert segments == [Segment(at(0), at(50), "immigration"), Segment(at(50), at(120), "labour")]
    presence = [(at(0), at(120))]
    assert to_minutes(credited_seconds(segments, presence)) == {"immigration": 50, "labour": 70}


def test_slide_changes_within_one_area_make_one_segment() -> None:
    segments = area_segments(
        [
            TimelineEvent(at(0), "start", "labour"),
            TimelineEvent(at(5), "slide", "labour"),
            TimelineEvent(at(9), "slide", "labour"),
            TimelineEvent(at(30), "end"),
        ],
        until=at(30),
    )
    assert segments == [Segment(at(0), at(30), "labour")]


def test_paused_time_counts_for_nobody() -> None:
    segments = area_segments(
        [
            TimelineEvent(at(0), "start", "labour"),
            TimelineEvent(at(40), "pause"),
            TimelineEvent(at(55), "slide", "protection"),
            TimelineEvent(at(60), "resume"),
            TimelineEvent(at(90), "end"),
        ],
        until=at(90),
    )
    assert segments == [Segment(at(0), at(40), "labour"), Segment(at(60), at(90), "protection")]
    everyone = [(at(0), at(90))]
    assert to_minutes(credited_seconds(segments, everyone)) == {"labour": 40, "protection": 30}


def test_a_lecture_still_running_is_counted_until_now() -> None:
    segments = area_segments([TimelineEvent(at(0), "start", "labour")], until=at(25))
    assert segments == [Segment(at(0), at(25), "labour")]


def test_two_phones_or_overlapping_reconnects_count_once() -> None:
    assert merge_intervals([(at(0), at(30)), (at(10), at(40)), (at(50), at(60))]) == [
        (at(0), at(40)),
        (at(50), at(60)),
    ]
    segments = [Segment(at(0), at(60), "labour")]
    presence = [(at(0), at(30)), (at(0), at(30))]
    assert to_minutes(credited_seconds(segments, presence)) == {"labour": 30}


def test_presence_outside_the_lecture_earns_nothing() -> None:
    segments = [Segment(at(10), at(20), "labour")]
    assert credited_seconds(segments, [(at(0), at(5)), (at(25), at(90))]) == {}
    assert to_minutes(credited_seconds(segments, [(at(0), at(15))])) == {"labour": 5}


def test_time_on_no_area_is_not_credited() -> None:
    segments = [Segment(at(0), at(10), None), Segment(at(10), at(20), "labour")]
    assert to_minutes(credited_seconds(segments, [(at(0), at(20))])) == {"labour": 10}


def test_minutes_are_rounded_down_never_up() -> None:
    segments = [Segment(at(0), at(10), "labour")]
    assert to_minutes(credited_seconds(segments, [(at(0), at(9.99))])) == {"labour": 9}


def test_events_arriving_out_of_order_are_put_in_server_time_order() -> None:
    events = [
        TimelineEvent(at(30), "end"),
        TimelineEvent(at(10), "slide", "labour"),
        TimelineEvent(at(0), "start", "immigration"),
    ]
    assert area_segments(events, until=at(30)) == [
        Segment(at(0), at(10), "immigration"),
        Segment(at(10), at(30), "labour"),
    ]


def test_roster_entries_give_presence_to_trainees_without_a_phone() -> None:
    start, end = at(0), at(120)
    assert roster_interval("present", lecture_start=start, lecture_end=end) == [(start, end)]
    assert roster_interval("late", lecture_start=start, lecture_end=end, minutes=15) == [
        (at(15), end)
    ]
    assert roster_interval("left-early", lecture_start=start, lecture_end=end, minutes=30) == [
        (start, at(90))
    ]
    assert roster_interval("absent", lecture_start=start, lecture_end=end) == []
    assert roster_interval("late", lecture_start=start, lecture_end=end, minutes=500) == []


def test_a_phone_clock_that_lies_changes_nothing_because_only_server_times_are_used() -> None:
    # Pings carry no client time at all: the same arrivals give the same credit whatever the
    # phone believes the time is. The API test shows a forged timestamp in a ping is ignored.
    segments = [Segment(at(0), at(60), "labour")]
    credit = credited_seconds(segments, [(at(0), at(30))])
    assert to_minutes(credit) == {"labour": 30}
