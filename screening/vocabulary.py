"""The words every layer shares: statuses, lifecycle states, decisions, weight bases, roles and the
psychiatrist's review.

One module, imported by the engine, storage, the workflow, the documents and the app, so that a
status or a decision is spelt and explained in exactly one place. Nothing here imports another
module of the project.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["contraindicated", "needs_review", "candidate", "incomplete"]
"""The screening status of the assessment (docs/contract.md §2.2), computed by the engine."""
STATUSES: tuple[Status, ...] = ("contraindicated", "incomplete", "needs_review", "candidate")
"""Most serious first."""

STATUS_WORDS: dict[str, str] = {
    "contraindicated": "Contraindicated",
    "incomplete": "Incomplete",
    "needs_review": "Needs review",
    "candidate": "Candidate",
}

STATUS_MEANING: dict[str, str] = {
    "contraindicated": "An absolute contraindication was found.",
    "needs_review": (
        "A relative contraindication, an unmet criterion or a rule that could not be evaluated was found."
    ),
    "candidate": "No contraindication was found in the answers given and the criteria are met.",
    "incomplete": "Required answers are missing, so the screening cannot be judged yet.",
}
"""What each status says was found: the same sentence on the screen, in the terminal and on paper."""

Lifecycle = Literal["draft", "signed", "reopened"]
"""Where the screening is in its life: being filled in, signed by a psychiatrist, or signed once
and then reopened by an amendment that the signed decision no longer covers."""
LIFECYCLES: tuple[Lifecycle, ...] = get_args(Lifecycle)

LIFECYCLE_WORDS: dict[str, str] = {
    "draft": "Draft",
    "signed": "Signed",
    "reopened": "Reopened: needs re-signing",
}

Decision = Literal["proceed", "do_not_proceed", "defer"]
DECISIONS: tuple[Decision, ...] = get_args(Decision)

DECISION_WORDS: dict[str, str] = {
    "proceed": "Proceed",
    "do_not_proceed": "Do not proceed",
    "defer": "Defer pending work-up",
}

WeightBasis = Literal["actual", "ideal", "adjusted"]
WEIGHT_BASES: tuple[WeightBasis, ...] = get_args(WeightBasis)

WEIGHT_BASIS_WORDS: dict[str, str] = {
    "actual": "Actual body weight",
    "ideal": "Ideal body weight",
    "adjusted": "Adjusted body weight",
}

Role = Literal["coordinator", "psychiatrist"]
ROLES: tuple[Role, ...] = get_args(Role)

ReviewField = Literal[
    "clinician", "protocol", "weight_basis", "start_date", "moved_session", "decision", "acknowledged"
]
REVIEW_FIELDS: tuple[ReviewField, ...] = get_args(ReviewField)
"""The review fields a psychiatrist sets (docs/contract.md §1.2).

`signed_at` is set by signing, never by a save."""

REVIEW_FIELD_WORDS: dict[str, str] = {
    "clinician": "Clinician",
    "protocol": "Protocol",
    "weight_basis": "Dose basis",
    "start_date": "Start date",
    "moved_session": "Moved session",
    "decision": "Decision",
    "acknowledged": "Acknowledgement",
    "signed_at": "Signed at",
}


class MovedSession(BaseModel):
    """One session the psychiatrist moved to another date (`session` counts from 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session: int = Field(ge=1)
    date: dt.date


class Review(BaseModel):
    """The psychiatrist's review as recorded (docs/contract.md §1.2).

    `acknowledged` maps the id of a fired relative flag, or of an unmet requirement, to the
    psychiatrist's note. `moved_session` moves one session of the chosen plan to another date.
    `signed_at` is set by signing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    clinician: str | None = None
    protocol: str | None = None
    weight_basis: WeightBasis | None = None
    start_date: dt.date | None = None
    moved_session: MovedSession | None = None
    decision: Decision | None = None
    acknowledged: dict[str, str] = Field(default_factory=dict)
    signed_at: dt.datetime | None = None


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def decision_words(decision: str | None) -> str:
    if decision is None:
        return "No decision"
    return DECISION_WORDS.get(decision, decision)


def signed_sentence(decision: str | None, acknowledged: int | None = None) -> str:
    """A signed screening in words: "Signed: proceed, 5 flags acknowledged" (the count left out
    when not known, as in the list)."""
    words = f"{LIFECYCLE_WORDS['signed']}: {decision_words(decision).lower() if decision else 'no decision'}"
    if acknowledged is None:
        return words
    return f"{words}, {acknowledged} {'flag' if acknowledged == 1 else 'flags'} acknowledged"


def lifecycle_words(lifecycle: str) -> str:
    return LIFECYCLE_WORDS.get(lifecycle, lifecycle)


def moved_session_words(moved: object) -> str:
    """``Session 3 on Thursday 2026-12-10``: a moved session as the history and the documents say it.
    Takes the review's `MovedSession` or its stored form, {session: N, date: YYYY-MM-DD}."""
    number: object
    day: dt.date
    if isinstance(moved, MovedSession):
        number, day = moved.session, moved.date
    elif isinstance(moved, dict):
        number, raw = moved.get("session"), moved.get("date")
        try:
            day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        except ValueError:
            return f"Session {number} on {raw}"
    else:
        return str(moved)
    weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[day.weekday()]
    return f"Session {number} on {weekday} {day.isoformat()}"


def format_number(value: float) -> str:
    """A plain decimal without a trailing ``.0`` or exponent: 81.5, 128, 0.25."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number_with_unit(number: float, unit: str | None) -> str:
    """A number with its unit, as the screens and documents write it: ``6 weeks``, ``25%``."""
    if not unit:
        return format_number(number)
    separator = "" if unit in ("%", "°") else " "
    return f"{format_number(number)}{separator}{unit}"
