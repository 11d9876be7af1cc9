"""Shared values of the storage tests: users, a pinned definition, a deterministic clock and a
stand-in judge.

Test modules import from here (a uniquely named module) rather than from `conftest`, since every
test folder may have a conftest of its own.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping

from screening.storage import JsonValue, QuestionnairePin, ScreeningDetail, ScreeningStatus, User
from screening.storage.judge import AmendmentVerdict, State
from tests.database_support import START, FakeClock

__all__ = ["START", "FakeClock"]  # re-exported: the storage tests import them from here

DEFINITION_FILES = {
    "ketamine-trd-intake.yaml": "id: ketamine-trd-intake\nversion: 1.0.0\nincludes: [phq9.yaml]\n",
    "phq9.yaml": "id: phq9\nversion: 1.0.0\ntitle: PHQ-9 – Patient Health Questionnaire\n",
}
PIN = QuestionnairePin(
    "ketamine-trd-intake",
    "1.0.0",
    hashlib.sha256("".join(DEFINITION_FILES.values()).encode()).hexdigest(),
)

COORDINATOR = User("u-casey", "Casey Intake", "coordinator", authenticated=True)
OTHER_COORDINATOR = User("u-jordan", "Jordan Desk", "coordinator", authenticated=False)
PSYCHIATRIST = User("u-okafor", "Dr. R. Okafor", "psychiatrist", authenticated=True, credentials="MD")


# ---------------------------------------------------------------------- the stand-in judge

ABSOLUTE_ITEMS = ("current_psychosis",)
"""Answered True: an absolute contraindication fires (flag id `ci.abs.<item>`)."""
RELATIVE_ITEMS = ("hypertension_history", "recent_stroke")
"""Answered True: a relative flag fires (flag id `ci.rel.<item>`); 'proceed' needs a note for it."""
REQUIRED_ITEMS = ("patient_name",)
"""Missing: the screening is incomplete."""


class StandInJudge:
    """A stand-in for the workflow's judge (`screening.workflow._Rules`), so that storage is tested
    without the questionnaire engine. It implements the `screening.storage.judge.Judge` protocol
    with a few fixed, deterministic rules over a screening's answers and review:

    - status: `contraindicated` when an item of ABSOLUTE_ITEMS is answered True, else `incomplete`
      when an item of REQUIRED_ITEMS has no answer, else `needs_review` when an item of
      RELATIVE_ITEMS is answered True, else `candidate`;
    - signing is refused without a decision (`no_decision`); `proceed` is refused on a
      contraindicated (`proceed_contraindicated`) or incomplete (`proceed_incomplete`) screening,
      and while a fired relative flag has no note in `acknowledged` (`proceed_unacknowledged`);
    - an amendment that newly records `proceed` where it could not be signed is refused; one that
      fires a new flag, changes the status or leaves `proceed` without what it needs reopens the
      screening, saying why and what changed; any other amendment keeps it signed.

    These mirror docs/contract.md §4.3; the real rules (and their wording) are tested with the workflow. Every
    call is recorded in `calls` (name, state), and `delay` seconds are slept in `status` after the
    state was read, which widens any window in which a concurrent writer could slip in.
    """

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[tuple[str, State]] = []
        self._lock = threading.Lock()

    # the Judge protocol

    def status(self, state: State) -> ScreeningStatus:
        self._record("status", state)
        if self.delay:
            time.sleep(self.delay)
        return status_of(state.answers)

    def signing_refusal(self, state: State) -> tuple[str, str] | None:
        self._record("signing_refusal", state)
        return _proceed_refusal(state, signing=True)

    def amendment(self, before: State, after: State, *, review_changed: bool) -> AmendmentVerdict:
        self._record("amendment", after)
        newly_proceed = (
            after.review.get("decision") == "proceed" and before.review.get("decision") != "proceed"
        )
        if review_changed and newly_proceed:
            refusal = _proceed_refusal(after, signing=False)
            if refusal is not None:
                return AmendmentVerdict(refusal=refusal)
        because: list[str] = []
        old_flags, new_flags = fired_flags(before.answers), fired_flags(after.answers)
        because += [f"New flag: {flag}" for flag in new_flags if flag not in old_flags]
        old_status, new_status = status_of(before.answers), status_of(after.answers)
        if old_status != new_status:
            because.append(f"Status changed from {old_status} to {new_status}")
        if after.review.get("decision") == "proceed":
            refusal = _proceed_refusal(after, signing=True)
            if refusal is not None:
                because.append(refusal[1])
        if not because:
            return AmendmentVerdict()
        return AmendmentVerdict(reopen_because=tuple(because), changes=tuple(_changes(before, after)))

    # for tests

    def judged(self, name: str) -> list[State]:
        """The states the judge was asked about with `name`, oldest first."""
        with self._lock:
            return [state for called, state in self.calls if called == name]

    def _record(self, name: str, state: State) -> None:
        with self._lock:
            self.calls.append((name, state))


def fired_flags(answers: Mapping[str, JsonValue]) -> list[str]:
    absolute = [f"ci.abs.{item}" for item in ABSOLUTE_ITEMS if answers.get(item) is True]
    return absolute + [f"ci.rel.{item}" for item in RELATIVE_ITEMS if answers.get(item) is True]


def status_of(answers: Mapping[str, JsonValue]) -> ScreeningStatus:
    """The stand-in judge's status of these answers."""
    flags = fired_flags(answers)
    if any(flag.startswith("ci.abs.") for flag in flags):
        return "contraindicated"
    if any(item not in answers for item in REQUIRED_ITEMS):
        return "incomplete"
    return "needs_review" if flags else "candidate"


def _proceed_refusal(state: State, *, signing: bool) -> tuple[str, str] | None:
    decision = state.review.get("decision")
    if decision is None:
        return ("no_decision", "Record a decision before signing.") if signing else None
    if decision != "proceed":
        return None
    status = status_of(state.answers)
    if status == "contraindicated":
        return ("proceed_contraindicated", "'Proceed' is not possible: an absolute contraindication fired.")
    if status == "incomplete":
        return ("proceed_incomplete", "'Proceed' is not possible while required answers are missing.")
    notes = state.review.get("acknowledged")
    noted = notes if isinstance(notes, dict) else {}
    missing = [flag for flag in fired_flags(state.answers) if not noted.get(flag)]
    if missing:
        return (
            "proceed_unacknowledged",
            f"'Proceed' needs a note for every relative flag that fired ({len(missing)} without a note).",
        )
    return None


def _changes(before: State, after: State) -> list[str]:
    words = [
        f"{item} now {after.answers.get(item)!r}"
        for item in sorted(set(before.answers) | set(after.answers))
        if before.answers.get(item) != after.answers.get(item)
    ]
    words += [
        f"review {key} now {after.review.get(key)!r}"
        for key in sorted(set(before.review) | set(after.review))
        if key != "signed_at" and before.review.get(key) != after.review.get(key)
    ]
    if before.assessed_on != after.assessed_on:
        words.append(f"assessed on {after.assessed_on.isoformat()}")
    return words


def expected_status(detail: ScreeningDetail) -> ScreeningStatus:
    """What the stand-in judge says about a screening as stored."""
    return status_of(detail.answers)
