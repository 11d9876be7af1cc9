"""The esketamine plan through maintenance (intake 1.1, US PI): induction twice weekly in weeks 1-4,
weekly in weeks 5-8 (dated), every 2 weeks or weekly from week 9 (described), with the SPRAVATO
REMS patient enrollment before session 1; and the psychiatrist's move of one session
(`Review.moved_session`): applied in order, with what it breaks said, refused out of order."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest

from screening.definition import Definition
from screening.engine import assess
from screening.model import Plan
from screening.plans import day_words, schedule
from screening.storage.errors import InvalidRequest
from screening.storage.values import normalise_review
from screening.vocabulary import MovedSession, moved_session_words

ESKETAMINE = "esketamine-induction"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
MONDAY = dt.date(2026, 11, 30)
TUESDAY = dt.date(2026, 12, 1)


@pytest.fixture
def plan(intake: Definition) -> Plan:
    return intake.plans[ESKETAMINE]


def test_the_plan_has_its_phases_and_eight_dated_weeks(plan: Plan) -> None:
    assert [(p.id, p.weeks, p.frequency) for p in plan.phases] == [
        ("induction", "1-4", "Twice weekly"),
        ("weekly", "5-8", "Once weekly"),
        ("maintenance", "9 onward", "Every 2 weeks or weekly"),
    ]
    assert [s.day for s in plan.sessions] == [1, 4, 8, 11, 15, 18, 22, 25, 29, 36, 43, 50]
    assert [s.phase for s in plan.sessions] == ["induction"] * 8 + ["weekly"] * 4
    # every dated session falls in weeks 1-8; the maintenance phase is described, not dated
    assert all((s.day - 1) // 7 + 1 <= 8 for s in plan.sessions)
    assert "maintenance" not in {s.phase for s in plan.sessions}
    assert "us_pi" in plan.source and "spravato_rems" in plan.source


def test_rems_enrollment_is_the_step_before_session_one(plan: Plan) -> None:
    (step,) = plan.before_first_session
    assert "REMS" in step.title and "enroll" in step.text and step.source == ["spravato_rems"]
    assert step.patient_text is not None and "REMS" in step.patient_text


def test_monday_to_friday_from_a_monday_keeps_every_protocol_day(plan: Plan) -> None:
    calendar = schedule(plan, MONDAY)
    got = [s.date for s in calendar.sessions]
    assert [d.isoformat() for d in got if d] == [
        "2026-11-30",
        "2026-12-03",
        "2026-12-07",
        "2026-12-10",
        "2026-12-14",
        "2026-12-17",
        "2026-12-21",
        "2026-12-24",
        "2026-12-28",
        "2027-01-04",
        "2027-01-11",
        "2027-01-18",
    ]
    assert not calendar.moved and calendar.notices == [] and calendar.course_days == 50


def test_monday_to_friday_from_a_wednesday_stays_on_weekdays_and_weekly_after_week_four(plan: Plan) -> None:
    calendar = schedule(plan, dt.date(2026, 12, 2))
    got = [s.date for s in calendar.sessions if s.date]
    assert all(d.weekday() < SAT for d in got)
    assert all((later - earlier).days >= 3 for earlier, later in pairwise(got))
    induction, weekly = got[:8], got[8:]
    assert len(induction) == 8 and len(weekly) == 4
    assert [d.weekday() for d in induction] == [WED, MON, THU, MON, THU, MON, THU, MON]
    # weeks 5-8: one session a week, within 8 weeks of the first day
    assert all((later - earlier).days >= 6 for earlier, later in pairwise(weekly))
    assert (got[-1] - got[0]).days + 1 <= 56


def test_a_tuesday_thursday_clinic(plan: Plan) -> None:
    calendar = schedule(plan, TUESDAY, {TUE, THU})
    got = [s.date for s in calendar.sessions if s.date]
    assert len(got) == 12 and {d.weekday() for d in got} <= {TUE, THU}
    # the protocol's spacing of 3 days cannot use Tuesday and Thursday of one week
    assert calendar.spacing_days == 3
    assert all((later - earlier).days >= 3 for earlier, later in pairwise(got))
    assert calendar.course_note is not None and calendar.course_note.endswith("instead of day 50.")


def test_the_phase_of_a_session_in_words(plan: Plan) -> None:
    calendar = schedule(plan, MONDAY)
    assert calendar.phase_title(plan, calendar.sessions[0]) == "Induction (weeks 1-4, twice weekly)"
    assert calendar.phase_title(plan, calendar.sessions[8]) == "Maintenance (weeks 5-8, once weekly)"


# ---------------------------------------------------------------------------------------------
# Moving one session


def test_a_move_in_order_on_a_treatment_day_is_applied_without_warning(plan: Plan) -> None:
    moved = MovedSession(session=9, date=dt.date(2026, 12, 29))  # Mon 12-28 -> Tue 12-29
    calendar = schedule(plan, MONDAY, moved_session=moved)
    ninth = calendar.sessions[8]
    assert (ninth.date, ninth.rescheduled_from) == (dt.date(2026, 12, 29), dt.date(2026, 12, 28))
    assert calendar.rescheduled == ninth and calendar.move_applied and calendar.move_warnings == ()
    assert calendar.move_note == (
        "Moved by the psychiatrist: session 9 from Monday 2026-12-28 to Tuesday 2026-12-29."
    )
    # only that session moves
    unmoved = schedule(plan, MONDAY)
    assert [s.date for s in calendar.sessions if s.number != 9] == [
        s.date for s in unmoved.sessions if s.number != 9
    ]
    assert calendar.move_note in calendar.notices


def test_a_move_too_close_or_off_the_treatment_days_is_applied_with_a_warning(plan: Plan) -> None:
    close = schedule(plan, MONDAY, moved_session=MovedSession(session=3, date=dt.date(2026, 12, 8)))
    assert close.move_applied and close.sessions[2].date == dt.date(2026, 12, 8)
    assert close.move_warnings == (
        "it is 2 days from session 4 (Thursday 2026-12-10), less than the protocol's spacing of 3 days",
    )
    weekend = schedule(plan, MONDAY, moved_session=MovedSession(session=9, date=dt.date(2027, 1, 2)))
    assert weekend.move_applied and weekend.sessions[8].date == dt.date(2027, 1, 2)
    assert weekend.move_warnings[0] == (
        "Saturday 2027-01-02 is not a treatment day (the clinic treats Monday to Friday)"
    )
    assert weekend.move_note is not None and "Check: Saturday 2027-01-02 is not a treatment day" in (
        weekend.move_note
    )


@pytest.mark.parametrize(
    ("number", "date", "why"),
    [
        (3, dt.date(2026, 12, 3), "it is not after session 2 (Thursday 2026-12-03)"),
        (3, dt.date(2026, 12, 11), "it is not before session 4 (Thursday 2026-12-10)"),
        (13, dt.date(2027, 1, 25), "the plan has 12 sessions"),
    ],
)
def test_a_move_out_of_order_or_of_no_session_is_not_applied(
    plan: Plan, number: int, date: dt.date, why: str
) -> None:
    calendar = schedule(plan, MONDAY, moved_session=MovedSession(session=number, date=date))
    assert not calendar.move_applied and calendar.rescheduled is None
    assert [s.date for s in calendar.sessions] == [s.date for s in schedule(plan, MONDAY).sessions]
    assert calendar.move_note is not None and why in calendar.move_note
    assert calendar.move_note.endswith(".") and calendar.move_warnings == (calendar.move_note,)


def test_a_move_without_a_start_date_is_not_applied(plan: Plan) -> None:
    calendar = schedule(plan, None, moved_session=MovedSession(session=2, date=dt.date(2026, 12, 4)))
    assert calendar.move_note == "Session 2 on Friday 2026-12-04 is not applied: no start date is set."
    assert all(s.date is None for s in calendar.sessions)


def test_moved_session_words() -> None:
    moved = MovedSession(session=3, date=dt.date(2026, 12, 8))
    assert moved_session_words(moved) == "Session 3 on Tuesday 2026-12-08"
    assert moved_session_words({"session": 3, "date": "2026-12-08"}) == "Session 3 on Tuesday 2026-12-08"
    assert day_words(moved.date) == "Tuesday 2026-12-08"


# ---------------------------------------------------------------------------------------------
# The review field: storage's shape check and the engine's problems


def test_storage_keeps_a_well_formed_move() -> None:
    review = normalise_review({"moved_session": {"session": 3, "date": "2026-12-08"}})
    assert review == {"moved_session": {"session": 3, "date": "2026-12-08"}}


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ({"session": 0, "date": "2026-12-08"}, "the session is not a whole number from 1"),
        ({"session": True, "date": "2026-12-08"}, "the session is not a whole number from 1"),
        ({"session": "3", "date": "2026-12-08"}, "the session is not a whole number from 1"),
        ({"session": 3, "date": "next week"}, "the date is not an ISO date"),
        ({"session": 3}, None),
        ({"session": 3, "date": "2026-12-08", "why": "holiday"}, None),
        ("session 3", None),
    ],
)
def test_storage_refuses_a_malformed_move_clearly(value: object, detail: str | None) -> None:
    with pytest.raises(InvalidRequest) as refused:
        normalise_review({"moved_session": value})  # type: ignore[dict-item]  # malformed on purpose
    message = str(refused.value)
    assert message.startswith(
        "Review field 'moved_session' must be {session: N, date: YYYY-MM-DD}, N a session number from 1"
    )
    if detail:
        assert message.endswith(f"; {detail}.")


def test_the_engine_reads_a_move_into_the_review(intake: Definition) -> None:
    result = assess(
        intake,
        {},
        review={"protocol": ESKETAMINE, "moved_session": {"session": 3, "date": "2026-12-08"}},
    )
    assert result.review is not None
    assert result.review.moved_session == MovedSession(session=3, date=dt.date(2026, 12, 8))
    assert not [p for p in result.problems if str(p).startswith("review.")]
    assert result.contract()["review"]["moved_session"] == {"session": 3, "date": "2026-12-08"}


@pytest.mark.parametrize(
    ("review", "problem"),
    [
        (
            {"protocol": ESKETAMINE, "moved_session": {"session": 13, "date": "2027-01-25"}},
            "review.moved_session: session 13 does not exist: plan 'esketamine-induction' has 12 dated"
            " sessions",
        ),
        (
            {"protocol": "iv-ketamine-induction", "moved_session": {"session": 7, "date": "2027-01-25"}},
            "review.moved_session: session 7 does not exist: plan 'iv-ketamine-induction' has 6 dated"
            " sessions",
        ),
        (
            {"moved_session": {"session": 2, "date": "2026-12-04"}},
            "review.moved_session: moves a session, but no protocol is chosen",
        ),
        (
            {"protocol": ESKETAMINE, "moved_session": {"session": 2, "date": "soon"}},
            "review.moved_session: expected {session: N, date: YYYY-MM-DD}, N a session number from 1",
        ),
    ],
)
def test_the_engine_names_the_field_of_an_impossible_move(
    intake: Definition, review: dict[str, object], problem: str
) -> None:
    result = assess(intake, {}, review=review)
    assert problem in [str(p) for p in result.problems]
    assert result.review is not None and result.review.moved_session is None
