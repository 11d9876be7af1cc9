"""Checks of what a caller hands to the workflow, before storage sees it: answers the questionnaire
accepts, review fields that name its plans and sessions, and dates as ISO text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from screening.answers import validate_answers
from screening.definition import Definition
from screening.items import direction_controls_words, has_direction_controls
from screening.lifecycle.results import AnswerInput
from screening.storage import JsonInput, JsonValue
from screening.storage.errors import InvalidRequest
from screening.storage.values import MRN_ITEM, answer_json


def check_answers(
    definition: Definition, answers: Mapping[str, JsonInput], *, assessed_on: dt.date | None
) -> None:
    """Refuse unknown items and values the questionnaire does not accept, naming the item.

    `assessed_on` is the screening date the answers will be stored with: a date the
    questionnaire allows only up to the screening (a date of birth) is checked against it."""
    if not isinstance(answers, Mapping):
        raise InvalidRequest("Answers are a mapping of item id to value.", rule="answers")
    given = {key: value for key, value in answers.items() if value is not None}
    unknown = sorted(str(key) for key in answers if key not in definition.items)
    if unknown:
        raise InvalidRequest(
            f"Unknown item(s) {', '.join(unknown)} in questionnaire {definition.id}.",
            item_id=unknown[0],
            rule="unknown_item",
        )
    _values, problems = validate_answers(definition, given, assessed_on=assessed_on)
    _check_mrn(given.get(MRN_ITEM))
    if problems:
        first = problems[0]
        raise InvalidRequest(
            str(first), item_id=first.where.item, rule="invalid_answer", detail=first.message
        )
    for item_id, value in given.items():
        try:  # text the engine accepts but storage cannot keep (a NUL character, too long a text)
            answer_json(item_id, value)
        except InvalidRequest as unstorable:
            raise InvalidRequest(
                str(unstorable), item_id=item_id, rule="invalid_answer", detail=unstorable.detail
            ) from None


def _check_mrn(mrn: JsonInput) -> None:
    """The MRN is the patient's identifier in storage (it is listed and searched), whether or not
    the questionnaire marks its item as an identifier: a direction-control character in it, which
    would show it in another order than it is stored, is refused."""
    if isinstance(mrn, str) and has_direction_controls(mrn):
        words = direction_controls_words("MRN")
        raise InvalidRequest(f"{MRN_ITEM}: {words}", item_id=MRN_ITEM, rule="invalid_answer", detail=words)


def check_review(
    definition: Definition,
    fields: Mapping[str, JsonInput],
    current: Mapping[str, JsonValue] | None = None,
) -> None:
    protocol = fields.get("protocol") if isinstance(fields, Mapping) else None
    if protocol is not None and protocol not in definition.plans:
        raise InvalidRequest(
            f"Protocol {protocol!r} is not a plan of questionnaire {definition.id}.", rule="protocol"
        )
    moved = fields.get("moved_session") if isinstance(fields, Mapping) else None
    if not isinstance(moved, Mapping):
        return
    chosen = protocol if "protocol" in fields else (current or {}).get("protocol")
    plan = definition.plans.get(chosen) if isinstance(chosen, str) else None
    if plan is None:
        raise InvalidRequest(
            "Review field 'moved_session' moves a session, but no protocol is chosen.",
            rule="moved_session",
        )
    number = moved.get("session")
    if isinstance(number, int) and not isinstance(number, bool) and number > len(plan.sessions):
        raise InvalidRequest(
            f"Review field 'moved_session': session {number} does not exist; plan '{plan.id}' has"
            f" {len(plan.sessions)} dated sessions.",
            rule="moved_session",
        )


def plain_json(values: Mapping[str, AnswerInput]) -> dict[str, Any]:
    """`values` with dates as ISO text (and tuples as lists), as storage keeps them."""
    if not isinstance(values, Mapping):
        raise InvalidRequest("Expected a mapping of ids to values.", rule="mapping")
    return {key: _plain_value(value) for key, value in values.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: _plain_value(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_value(inner) for inner in value]
    return value
