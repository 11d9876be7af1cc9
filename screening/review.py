"""The psychiatrist's review, checked against an assessment.

`check_review` validates each review field (unknown keys and malformed values become problems
and are left out), matches acknowledgement notes to the flags that fired and the requirements
that are not met, and gives the notices a `proceed` decision or a signature raises. Used by
`screening.engine.assess`; it never raises on input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from screening.answers import Problem, Ref
from screening.assessment import FlagResult, RequirementResult, ReviewNotice, ReviewResult
from screening.definition import Definition
from screening.issues import did_you_mean
from screening.vocabulary import DECISIONS, REVIEW_FIELDS, WEIGHT_BASES, MovedSession, Status

_REVIEW_KEYS = (*REVIEW_FIELDS, "signed_at")


def check_review(
    definition: Definition,
    raw: Any,
    flags: list[FlagResult],
    requirements: list[RequirementResult],
    status: Status,
) -> tuple[ReviewResult, list[Problem]]:
    """The review as recorded (only its valid fields) and the problems of the fields left out."""
    if not isinstance(raw, Mapping):
        return ReviewResult(), [Problem("review", "must be a mapping", Ref("review"))]
    fields, problems = _read_fields(definition, raw)

    acknowledged_raw: dict[str, str] = fields.pop("acknowledged", {})
    fired = {flag.id: flag for flag in flags}
    unmet = [requirement.id for requirement in requirements if requirement.met is not True]
    # A note may acknowledge a fired flag or an unmet requirement (the psychiatrist's reason to go
    # on although, for example, the TRD criteria are not met).
    acknowledgeable = {*fired, *unmet}
    acknowledged = {key: note for key, note in acknowledged_raw.items() if key in acknowledgeable}
    unmatched = [flag_id for flag_id in acknowledged_raw if flag_id not in acknowledgeable]
    # An id that no rule or requirement of this questionnaire has (a typo, or a flag of another
    # version) is told apart from a known flag that did not fire for these answers.
    known_ids = [*definition.rules_by_id, *(requirement.id for requirement in definition.requirements)]
    unknown = [key for key in unmatched if key not in known_ids]
    unacknowledged = [
        flag.id for flag in flags if flag.severity == "relative" and flag.id not in acknowledged
    ]
    unacknowledged_requirements = [key for key in unmet if key not in acknowledged]

    notices = [
        _unknown_acknowledgement(flag_id, known_ids)
        if flag_id in unknown
        else ReviewNotice(
            code="unmatched_acknowledgement",
            ids=[flag_id],
            text=f"acknowledgement of '{flag_id}', which did not fire for these answers;"
            " it is kept but applies to nothing",
        )
        for flag_id in unmatched
    ]
    decision = fields.get("decision")
    if decision == "proceed":
        notices.extend(_proceed_notices(status, unacknowledged, unacknowledged_requirements))
    notices.extend(_signature_notices(fields, decision))
    return (
        ReviewResult(
            **fields,
            acknowledged=acknowledged,
            unmatched_acknowledgements=unmatched,
            unknown_acknowledgements=unknown,
            unacknowledged=unacknowledged,
            unacknowledged_requirements=unacknowledged_requirements,
            notices=[notice.text for notice in notices],
            findings=notices,
        ),
        problems,
    )


def _read_fields(definition: Definition, raw: Mapping[Any, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The valid review fields (as values of their types) and the problems of the fields left out."""
    problems: list[Problem] = []
    fields: dict[str, Any] = {}
    for raw_key, value in raw.items():
        key = str(raw_key)
        if key not in _REVIEW_KEYS:
            problems.append(
                Problem(
                    f"review.{key}",
                    f"unknown key; the review has {', '.join(_REVIEW_KEYS)}",
                    Ref("review", None, key),
                )
            )
            continue
        if value is None:
            continue
        error = _review_field(definition, key, value)
        if error is None and key == "moved_session":
            error = _moved_session_problem(definition, raw.get("protocol"), value)
        if error:
            problems.append(Problem(f"review.{key}", error, Ref("review", None, key)))
            continue
        fields[key] = _field_value(key, value)
    return fields, problems


def _field_value(key: str, value: Any) -> Any:
    """A valid review field's value as its type (dates and times given as text are parsed)."""
    if key == "start_date" and not isinstance(value, dt.date):
        return dt.date.fromisoformat(str(value))
    if key == "moved_session":
        return MovedSession(session=value["session"], date=_as_date(value["date"]))
    if key == "signed_at" and not isinstance(value, dt.datetime):
        return dt.datetime.fromisoformat(str(value))
    return value


def _proceed_notices(
    status: Status, unacknowledged: list[str], unacknowledged_requirements: list[str]
) -> list[ReviewNotice]:
    """What a `proceed` decision raises: a status that forbids or doubts it, missing notes."""
    notices: list[ReviewNotice] = []
    if status == "contraindicated":
        notices.append(
            ReviewNotice(
                code="proceed_contraindicated",
                text="decision 'proceed' is not possible: an absolute contraindication fired",
            )
        )
    elif status == "incomplete":
        notices.append(
            ReviewNotice(
                code="proceed_incomplete",
                text="decision 'proceed' was recorded while required answers are missing",
            )
        )
    if unacknowledged:
        notices.append(
            ReviewNotice(
                code="proceed_unacknowledged",
                ids=unacknowledged,
                text="decision 'proceed' needs a note for every relative flag; missing for "
                + ", ".join(unacknowledged),
            )
        )
    if unacknowledged_requirements:
        notices.append(
            ReviewNotice(
                code="proceed_requirement",
                ids=unacknowledged_requirements,
                text="decision 'proceed' needs a note for every unmet requirement; missing for "
                + ", ".join(unacknowledged_requirements),
            )
        )
    return notices


def _signature_notices(fields: Mapping[str, Any], decision: Any) -> list[ReviewNotice]:
    """What a signature raises: a signed review without a clinician or without a decision."""
    notices: list[ReviewNotice] = []
    if fields.get("signed_at") is not None and not fields.get("clinician"):
        notices.append(
            ReviewNotice(code="signed_without_clinician", text="the review is signed but names no clinician")
        )
    if fields.get("signed_at") is not None and decision is None:
        notices.append(
            ReviewNotice(code="signed_without_decision", text="the review is signed but records no decision")
        )
    return notices


def _unknown_acknowledgement(flag_id: str, known_ids: list[str]) -> ReviewNotice:
    hint = did_you_mean(flag_id, known_ids)
    return ReviewNotice(
        code="unknown_acknowledgement",
        ids=[flag_id],
        text=f"acknowledgement of '{flag_id}', which is not a flag or requirement of this questionnaire"
        + (f" ({hint})" if hint else "")
        + "; it is kept but applies to nothing",
    )


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _moved_session_problem(definition: Definition, protocol: Any, value: Mapping[str, Any]) -> str | None:
    """A moved session must be a session of the chosen plan; whether its date suits the clinic's
    calendar is said with the dated sessions (`screening.plans.schedule`), which know the clinic."""
    plan = definition.plans.get(protocol) if isinstance(protocol, str) else None
    if plan is None:
        return "moves a session, but no protocol is chosen"
    count = len(plan.sessions)
    if value["session"] > count:
        return f"session {value['session']} does not exist: plan '{plan.id}' has {count} dated sessions"
    return None


def _check_clinician(definition: Definition, value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "expected the clinician's name"


def _check_protocol(definition: Definition, value: Any) -> str | None:
    plans = list(definition.plans)
    return None if value in plans else f"not one of the plans ({', '.join(plans) or 'none defined'})"


def _check_weight_basis(definition: Definition, value: Any) -> str | None:
    return None if value in WEIGHT_BASES else f"not one of {', '.join(WEIGHT_BASES)}"


def _check_decision(definition: Definition, value: Any) -> str | None:
    return None if value in DECISIONS else f"not one of {', '.join(DECISIONS)}"


def _check_start_date(definition: Definition, value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return "expected a date without a time"
    if isinstance(value, dt.date):
        return None
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return "expected a date (YYYY-MM-DD)"
    return None


def _check_moved_session(definition: Definition, value: Any) -> str | None:
    shape = "expected {session: N, date: YYYY-MM-DD}, N a session number from 1"
    if not isinstance(value, Mapping) or set(value) != {"session", "date"}:
        return shape
    session, day = value["session"], value["date"]
    if isinstance(session, bool) or not isinstance(session, int) or session < 1:
        return shape
    if isinstance(day, dt.datetime):
        return "expected a date without a time"
    if isinstance(day, dt.date):
        return None
    try:
        dt.date.fromisoformat(str(day))
    except ValueError:
        return shape
    return None


def _check_signed_at(definition: Definition, value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return None
    try:
        dt.datetime.fromisoformat(str(value))
    except ValueError:
        return "expected a date and time (YYYY-MM-DDTHH:MM:SS)"
    return None


def _check_acknowledged(definition: Definition, value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "expected a mapping of flag id to note"
    for flag_id, note in value.items():
        if not isinstance(note, str) or not note.strip():
            return f"the acknowledgement of '{flag_id}' needs a note"
    return None


_FIELD_CHECKS: dict[str, Callable[[Definition, Any], str | None]] = {
    "clinician": _check_clinician,
    "protocol": _check_protocol,
    "weight_basis": _check_weight_basis,
    "decision": _check_decision,
    "start_date": _check_start_date,
    "moved_session": _check_moved_session,
    "signed_at": _check_signed_at,
    "acknowledged": _check_acknowledged,
}
"""One checker per review field: the problem with a field's value, or None when it is valid."""


def _review_field(definition: Definition, key: str, value: Any) -> str | None:
    return _FIELD_CHECKS.get(key, _check_acknowledged)(definition, value)
