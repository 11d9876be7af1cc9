"""Session dates on the clinic's treatment days (intake 1.1): never on a day the clinic does not treat,
the protocol's spacing kept, and every move said in words."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.model import Plan
from screening.plans import (
    MONDAY_TO_FRIDAY,
    day_words,
    schedule,
    sessions,
    spacing_days,
    treatment_days_words,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
IV_DAYS = [1, 3, 5, 8, 10, 12]
TWICE_WEEKLY = [1, 4, 8, 11, 15, 18, 22, 25]


def plan(days: list[int], notes: dict[int, str] | None = None) -> Plan:
    return Plan.model_validate(
        {
            "id": "test-plan",
            "title": "Test plan",
            "drug": "Drug",
            "route": "Route",
            "regulatory": "Regulatory",
            "off_label": False,
            "dose": {"kind": "per_kg", "mg_per_kg": 0.5, "description": "0.5 mg/kg"},
            "schedule": "Schedule",
            "sessions": [{"day": day, "note": (notes or {}).get(day)} for day in days],
            "observation": "Observe",
            "patient_summary": "Summary",
        }
    )


def dates(
    days: list[int], start: dt.date, treatment_days: frozenset[int] | set[int] = MONDAY_TO_FRIDAY
) -> list[str]:
    return [day_words(s.date) for s in sessions(plan(days), start, treatment_days) if s.date]


def test_spacing_is_the_plans_smallest_gap() -> None:
    assert spacing_days(plan(IV_DAYS)) == 2
    assert spacing_days(plan(TWICE_WEEKLY)) == 3
    assert spacing_days(plan([1])) == 1
    assert spacing_days(plan([1, 8, 15])) == 7


def test_a_monday_start_keeps_the_protocol_days() -> None:
    calendar = schedule(plan(IV_DAYS), dt.date(2026, 11, 30))  # a Monday
    assert [s.date for s in calendar.sessions] == [
        dt.date(2026, 11, 30) + dt.timedelta(days=day - 1) for day in IV_DAYS
    ]
    assert not calendar.moved and calendar.notices == [] and calendar.longer_days == 0
    assert calendar.course_days == 12 == calendar.protocol_days


def test_weekend_sessions_move_to_the_next_treatment_day() -> None:
    calendar = schedule(plan(IV_DAYS), dt.date(2026, 12, 2))  # a Wednesday: days 5 and 12 are Sundays
    assert [day_words(s.date) for s in calendar.sessions if s.date] == [
        "Wednesday 2026-12-02",
        "Friday 2026-12-04",
        "Monday 2026-12-07",
        "Wednesday 2026-12-09",
        "Friday 2026-12-11",
        "Monday 2026-12-14",
    ]
    moved = calendar.moved
    assert [s.number for s in moved] == [3, 6]
    assert moved[0].planned == dt.date(2026, 12, 6)
    assert moved[0].moved == "Day 5 (Sunday 2026-12-06) is not a treatment day: moved to Monday 2026-12-07."
    assert calendar.start_note is None
    assert calendar.course_note == (
        "2 of 6 sessions move to keep to the treatment days and the protocol's spacing; the last is on"
        " day 13 (Monday 2026-12-14) instead of day 12."
    )
    assert calendar.longer_days == 1


def test_a_start_on_a_saturday_moves_to_monday_and_says_so() -> None:
    calendar = schedule(plan(IV_DAYS), dt.date(2026, 12, 5))
    assert calendar.first_day == dt.date(2026, 12, 7)
    assert calendar.start_note == (
        "The start date, Saturday 2026-12-05, is not a treatment day (the clinic treats Monday to"
        " Friday): day 1 is Monday 2026-12-07."
    )
    # from a Monday the protocol's days fit the week: nothing else moves
    assert not calendar.moved and calendar.course_note is None
    assert calendar.notices == [calendar.start_note]
    assert dates(IV_DAYS, dt.date(2026, 12, 5))[0] == "Monday 2026-12-07"


def test_twice_weekly_keeps_three_days_apart() -> None:
    calendar = schedule(plan(TWICE_WEEKLY), dt.date(2026, 12, 2))  # Wednesday; day 4 is a Saturday
    got = [s.date for s in calendar.sessions if s.date]
    assert [d.weekday() for d in got] == [WED, MON, THU, MON, THU, MON, THU, MON]
    assert all((later - earlier).days >= 3 for earlier, later in pairwise(got))
    third = calendar.sessions[2]
    assert third.moved == (
        "Day 8 (Wednesday 2026-12-09) comes 2 days after session 2 (Monday 2026-12-07), less than the"
        " protocol's spacing of 3 days: moved to Thursday 2026-12-10."
    )


def test_custom_days_tuesday_and_thursday_only() -> None:
    tue_thu = {TUE, THU}
    iv = schedule(plan(IV_DAYS), dt.date(2026, 12, 1), tue_thu)  # a Tuesday
    got = [s.date for s in iv.sessions if s.date]
    assert {d.weekday() for d in got} <= tue_thu
    assert [d.isoformat() for d in got] == [
        "2026-12-01",
        "2026-12-03",
        "2026-12-08",
        "2026-12-10",
        "2026-12-15",
        "2026-12-17",
    ]
    assert all((later - earlier).days >= 2 for earlier, later in pairwise(got))
    # twice weekly on days 3 or more apart cannot use Tuesday and Thursday of one week: weekly
    eske = schedule(plan(TWICE_WEEKLY), dt.date(2026, 12, 1), tue_thu)
    weekly = [s.date for s in eske.sessions if s.date]
    assert {d.weekday() for d in weekly} == {TUE}
    assert all((later - earlier).days == 7 for earlier, later in pairwise(weekly))
    assert eske.longer_days == 50 - 25
    assert eske.course_note is not None and eske.course_note.endswith("instead of day 25.")
    assert "the clinic treats Tuesday and Thursday" in (
        schedule(plan(IV_DAYS), dt.date(2026, 12, 2), tue_thu).start_note or ""
    )


def test_a_single_treatment_day() -> None:
    got = dates([1, 8, 15], dt.date(2026, 12, 2), {FRI})
    assert got == ["Friday 2026-12-04", "Friday 2026-12-11", "Friday 2026-12-18"]


def test_no_start_date_gives_undated_sessions_with_their_notes() -> None:
    calendar = schedule(plan([1, 4], {4: "Check in"}), None)
    assert [(s.number, s.day, s.date, s.note) for s in calendar.sessions] == [
        (1, 1, None, None),
        (2, 4, None, "Check in"),
    ]
    assert calendar.notices == [] and calendar.longer_days == 0


def test_treatment_days_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match="at least one"):
        schedule(plan(IV_DAYS), dt.date(2026, 12, 2), set())


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (MONDAY_TO_FRIDAY, "Monday to Friday"),
        ({TUE, THU}, "Tuesday and Thursday"),
        ({MON, WED, FRI}, "Monday, Wednesday and Friday"),
        ({SAT}, "Saturday"),
        (set(range(7)), "every day"),
        ({MON, TUE, WED, THU, FRI, SAT}, "Monday to Saturday"),
    ],
)
def test_treatment_days_in_words(days: set[int], words: str) -> None:
    assert treatment_days_words(days) == words


@settings(max_examples=300, deadline=None)
@given(
    days=st.lists(st.integers(1, 60), min_size=1, max_size=12, unique=True).map(sorted),
    start=st.dates(dt.date(2025, 1, 1), dt.date(2030, 12, 31)),
    treatment_days=st.sets(st.integers(0, 6), min_size=1),
)
def test_sessions_only_on_treatment_days_with_the_spacing_kept(
    days: list[int], start: dt.date, treatment_days: set[int]
) -> None:
    the_plan = plan(days)
    calendar = schedule(the_plan, start, treatment_days)
    got = [s.date for s in calendar.sessions]
    assert all(d is not None and d.weekday() in treatment_days for d in got)
    dated = [d for d in got if d is not None]
    assert calendar.first_day is not None and start <= calendar.first_day < start + dt.timedelta(days=7)
    assert all((later - earlier).days >= spacing_days(the_plan) for earlier, later in pairwise(dated))
    for session in calendar.sessions:
        assert session.date is not None
        protocol_date = calendar.first_day + dt.timedelta(days=session.day - 1)
        assert session.date >= protocol_date  # never earlier than the protocol's day
        assert (session.moved is None) == (session.date == protocol_date)
        assert (session.planned is None) == (session.moved is None)
    assert (calendar.start_note is None) == (calendar.first_day == start)
    assert (calendar.course_note is None) == (not calendar.moved)
    if set(treatment_days) == set(range(7)):
        assert not calendar.moved and calendar.notices == []
