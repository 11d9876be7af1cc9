"""Shared values of the workflow tests: users, a deterministic clock, the complete screening of
cases/complete-screening.yaml, and helpers that walk a screening to a point of its lifecycle.

Test modules import from here (a uniquely named module) rather than from `conftest`, since every
test folder may have a conftest of its own.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from screening.engine import assess
from screening.storage import AuditEvent, User
from screening.workflow import HistoryEntry, Screening, Workflow
from tests.database_support import START, FakeClock

CASES = Path(__file__).parent / "cases"
Tamper = Callable[..., None]
"""Runs SQL behind the workflow's back: `tamper(statement, screening_id=..., **params)`."""
__all__ = ["START", "FakeClock"]  # re-exported: the workflow tests import them from here

COORDINATOR = User("u-mai", "Mai Tran", "coordinator", authenticated=True)
PSYCHIATRIST = User("u-okafor", "R. Okafor", "psychiatrist", authenticated=True, credentials="MD")
OTHER_PSYCHIATRIST = User("u-lee", "J. Lee", "psychiatrist", authenticated=True, credentials="MD")
USERS = {"coordinator": COORDINATOR, "psychiatrist": PSYCHIATRIST}


def load_yaml(name: str) -> Any:
    return yaml.safe_load((CASES / name).read_text(encoding="utf-8"))


_COMPLETE = load_yaml("complete-screening.yaml")
ASSESSED_ON: dt.date = _COMPLETE["assessed_on"]
ANSWERS: dict[str, Any] = _COMPLETE["answers"]
"""Complete answers: status needs_review, ci.rel.hypertension_history fired."""
REVIEW: dict[str, Any] = _COMPLETE["review"]
"""A review that may be signed for ANSWERS: proceed, the hypertension flag acknowledged."""
HYPERTENSION_NOTE: str = REVIEW["acknowledged"]["ci.rel.hypertension_history"]


def changed(base: Mapping[str, Any], changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of `base` with `changes` applied; a None value removes the key."""
    result = copy.deepcopy(dict(base))
    for key, value in (changes or {}).items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = copy.deepcopy(value)
    return result


def draft(wf: Workflow, answers: Mapping[str, Any] | None = None) -> Screening:
    """A draft with the complete answers, changed by `answers`, entered by the coordinator."""
    return wf.create(COORDINATOR, assessed_on=ASSESSED_ON, answers=changed(ANSWERS, answers))


def reviewed(
    wf: Workflow, answers: Mapping[str, Any] | None = None, review: Mapping[str, Any] | None = None
) -> Screening:
    """`draft` with the example review, changed by `review`, recorded by the psychiatrist."""
    screening = draft(wf, answers)
    return wf.review(
        screening.id, changed(REVIEW, review), user=PSYCHIATRIST, base_revision=screening.revision
    )


def signed(
    wf: Workflow, answers: Mapping[str, Any] | None = None, review: Mapping[str, Any] | None = None
) -> Screening:
    """`reviewed`, then signed by the psychiatrist."""
    screening = reviewed(wf, answers, review)
    return wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)


def assert_consistent(wf: Workflow, screening_id: str) -> Screening:
    """The screening as stored agrees with itself: the status the workflow recorded in the write
    is the engine's status of the stored answers, the list says the same, and the audit trail
    verifies. Returns the screening."""
    screening = wf.get(screening_id)
    expected = assess(
        screening.definition,
        screening.answers,
        assessed_on=screening.assessed_on,
        review=screening.detail.review,
    )
    assert screening.detail.status == expected.status
    assert screening.detail.status_current
    assert screening.status == expected.status
    assert screening.decision == (screening.detail.review or {}).get("decision")
    if not screening.discarded:
        (listed,) = [summary for summary in wf.screenings(limit=1000) if summary.id == screening_id]
        assert listed.status == expected.status
        assert listed.decision == screening.decision
        assert listed.lifecycle == screening.lifecycle
        assert listed.revision == screening.revision
    assert wf.verify(screening_id), wf.audit_report(screening_id)
    return screening


def replay_history(entries: list[HistoryEntry]) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """Answers, review (without `signed_at`) and screening date rebuilt from the history alone."""
    answers: dict[str, Any] = {}
    review: dict[str, Any] = {}
    assessed_on: str | None = None
    for entry in entries:
        if entry.kind not in ("answer", "date", "review", "amended") or entry.target is None:
            continue
        if entry.target == "assessed_on":
            assert isinstance(entry.new, str)
            assessed_on = entry.new
            continue
        values, key = (
            (review, entry.target.removeprefix("review."))
            if entry.target.startswith("review.")
            else (
                answers,
                entry.target,
            )
        )
        assert values.get(key) == entry.old, entry  # each change starts where the last one ended
        if entry.new is None:
            values.pop(key, None)
        else:
            values[key] = entry.new
    return answers, review, assessed_on


def replay_events(events: tuple[AuditEvent, ...]) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """Answers, review (with `signed_at`) and screening date rebuilt from the audit events."""
    answers: dict[str, Any] = {}
    review: dict[str, Any] = {}
    assessed_on: str | None = None

    def answer(change: dict[str, Any]) -> None:
        if change["new"] is None:
            answers.pop(change["item"], None)
        else:
            answers[change["item"]] = change["new"]

    for event in events:
        payload: dict[str, Any] = event.payload
        if event.kind == "screening_created":
            assessed_on = payload["assessed_on"]
        elif event.kind in ("answer_set", "answer_cleared"):
            answer(payload)
        elif event.kind == "assessed_on_set":
            assessed_on = payload["new"]
        elif event.kind in ("review_saved", "signed"):
            review = dict(payload["new"])
        elif event.kind == "amended":
            for change in payload.get("answers", []):
                answer(change)
            if "review" in payload:
                review = dict(payload["review"]["new"])
            if "assessed_on" in payload:
                assessed_on = payload["assessed_on"]["new"]
    return answers, review, assessed_on


def assert_replays(wf: Workflow, screening_id: str) -> None:
    """Replaying the history, and the audit events, from empty gives what is stored."""
    screening = wf.get(screening_id)
    stored_review = dict(screening.detail.review or {})
    answers, review, assessed_on = replay_history(wf.history(screening_id))
    assert answers == screening.answers
    assert review == {key: value for key, value in stored_review.items() if key != "signed_at"}
    assert assessed_on in (None, screening.assessed_on.isoformat())
    answers, review, assessed_on = replay_events(wf.store.get_screening(screening_id).events)
    assert (answers, review, assessed_on) == (
        screening.answers,
        stored_review,
        screening.assessed_on.isoformat(),
    )
