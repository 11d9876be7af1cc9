"""Moving one session (`moved_session`, docs/contract.md §1.2) is a review field like the others:
recorded with the review, in the history with its words, amended after signing with a reason
(the screening stays signed: a date is not a new flag), and refused when the session does not
exist."""

from __future__ import annotations

import datetime as dt

import pytest

from screening.workflow import AnswerInput, Refused, Workflow
from tests.workflow.workflow_support import PSYCHIATRIST, assert_consistent, assert_replays, reviewed, signed

ESKETAMINE = {"protocol": "esketamine-induction", "weight_basis": None, "start_date": "2026-11-30"}


def test_a_move_is_recorded_in_the_review_and_the_history(wf: Workflow) -> None:
    screening = reviewed(wf, review=ESKETAMINE)
    moved = wf.review(
        screening.id,
        {"moved_session": {"session": 3, "date": dt.date(2026, 12, 8)}},
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    )
    assert moved.detail.review is not None
    assert moved.detail.review["moved_session"] == {"session": 3, "date": "2026-12-08"}
    assert moved.review is not None and moved.review.moved_session is not None
    assert moved.review.moved_session.date == dt.date(2026, 12, 8)
    assert moved.assessment.review is not None and moved.assessment.review.moved_session is not None
    entry = wf.history(screening.id)[-1]
    assert (entry.target, entry.target_label, entry.old, entry.new) == (
        "review.moved_session",
        "Moved session",
        None,
        {"session": 3, "date": "2026-12-08"},
    )
    assert (entry.old_words, entry.new_words, entry.user_name) == (
        "not set",
        "Session 3 on Tuesday 2026-12-08",
        PSYCHIATRIST.name,
    )
    undone = wf.review(screening.id, {"moved_session": None}, user=PSYCHIATRIST, base_revision=moved.revision)
    assert undone.detail.review is not None and "moved_session" not in undone.detail.review
    last = wf.history(screening.id)[-1]
    assert (last.old_words, last.new_words) == ("Session 3 on Tuesday 2026-12-08", "not set")
    assert_consistent(wf, screening.id)
    assert_replays(wf, screening.id)


def test_amending_a_move_after_signing_keeps_the_screening_signed(wf: Workflow) -> None:
    screening = signed(wf, review=ESKETAMINE)
    assert screening.lifecycle == "signed"
    amended = wf.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=screening.revision,
        reason="Clinic closed on the Monday",
        review={"moved_session": {"session": 9, "date": dt.date(2026, 12, 29)}},
    )
    assert amended.lifecycle == "signed"
    entry = [e for e in wf.history(screening.id) if e.target == "review.moved_session"][-1]
    assert (entry.kind, entry.new_words, entry.reason) == (
        "amended",
        "Session 9 on Tuesday 2026-12-29",
        "Clinic closed on the Monday",
    )
    assert_consistent(wf, screening.id)


@pytest.mark.parametrize(
    ("review", "message"),
    [
        (
            {"moved_session": {"session": 13, "date": "2027-01-25"}},
            "session 13 does not exist; plan 'esketamine-induction' has 12 dated sessions",
        ),
        (
            {"protocol": "iv-ketamine-induction", "moved_session": {"session": 7, "date": "2027-01-25"}},
            "session 7 does not exist; plan 'iv-ketamine-induction' has 6 dated sessions",
        ),
        ({"moved_session": {"session": 2, "date": "tomorrow"}}, "the date is not an ISO date"),
    ],
)
def test_an_impossible_move_is_refused_and_nothing_is_recorded(
    wf: Workflow, review: dict[str, AnswerInput], message: str
) -> None:
    screening = reviewed(wf, review=ESKETAMINE)
    before = len(wf.history(screening.id))
    with pytest.raises(Refused, match="moved_session") as refused:
        wf.review(screening.id, review, user=PSYCHIATRIST, base_revision=screening.revision)
    assert message in str(refused.value)
    assert len(wf.history(screening.id)) == before


def test_a_move_with_no_protocol_is_refused(wf: Workflow) -> None:
    screening = reviewed(wf, review={"protocol": None})
    with pytest.raises(Refused, match="no protocol is chosen") as refused:
        wf.review(
            screening.id,
            {"moved_session": {"session": 2, "date": "2026-12-04"}},
            user=PSYCHIATRIST,
            base_revision=screening.revision,
        )
    assert refused.value.rule == "moved_session"
