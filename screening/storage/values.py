"""Checking and normalising what callers hand to storage: JSON values, item ids, reviews, search
text. Error messages name the item or key and the offending type, never the value."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import NoReturn

from screening.storage.errors import InvalidRequest
from screening.storage.records import SCREENING_STATUSES as _STATUSES
from screening.storage.records import JsonInput, JsonValue, QuestionnairePin, ScreeningStatus
from screening.vocabulary import DECISIONS, LIFECYCLES, REVIEW_FIELDS, WEIGHT_BASES, Decision, Lifecycle

ITEM_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,199}")

_SHA256 = re.compile(r"[0-9a-f]{64}")

REVIEW_KEYS = REVIEW_FIELDS
"""Keys a caller may set in a review (docs/contract.md §1.2).

`signed_at` is set by signing, never by a save."""


def canonical_json(value: object) -> str:
    """The one serialisation used for storage and hashing: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def check_item_id(item_id: str) -> str:
    if not isinstance(item_id, str) or not ITEM_ID.fullmatch(item_id):
        raise InvalidRequest(
            "Item ids start with a letter and use letters, digits, '_', '.' or '-' (at most 200)."
        )
    return item_id


def check_status(status: str) -> ScreeningStatus:
    for known in _STATUSES:
        if status == known:
            return known
    raise InvalidRequest(f"Unknown screening status {status!r}; expected one of {', '.join(_STATUSES)}.")


def check_lifecycle(lifecycle: str) -> Lifecycle:
    for known in LIFECYCLES:
        if lifecycle == known:
            return known
    raise InvalidRequest(f"Unknown lifecycle state {lifecycle!r}; expected one of {', '.join(LIFECYCLES)}.")


def check_decision(decision: str) -> Decision:
    for known in DECISIONS:
        if decision == known:
            return known
    raise InvalidRequest(f"Unknown decision {decision!r}; expected one of {', '.join(DECISIONS)}.")


def _check_text(text: str, where: str) -> str:
    if "\x00" in text:
        raise InvalidRequest(f"{where} contains a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"{where} is not valid Unicode text (lone surrogate).") from None
    return text


def to_json(value: object, where: str) -> JsonValue:
    """A plain copy of `value` as JSON data, or InvalidRequest naming `where` and the bad type.

    Dates are refused rather than converted, so what is read back is exactly what was written:
    pass `date.isoformat()`.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRequest(f"{where} is a number that is not finite.")
        return value
    if isinstance(value, str):
        return _check_text(value, where)
    if isinstance(value, date | datetime):
        kind = type(value).__name__
        raise InvalidRequest(f"{where} is a {kind}; store dates as ISO strings (isoformat()).")
    if isinstance(value, Mapping):
        copied: dict[str, JsonValue] = {}
        for key, inner in value.items():
            if not isinstance(key, str):
                raise InvalidRequest(f"{where} has a key of type {type(key).__name__}; keys must be strings.")
            copied[_check_text(key, f"a key of {where}")] = to_json(inner, where)
        return copied
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [to_json(inner, where) for inner in value]
    raise InvalidRequest(f"{where} has unsupported type {type(value).__name__}.")


MAX_TEXT_LENGTH = 100_000
"""The most characters storage keeps in one piece of text of an answer or a review, whatever the
questionnaire allows (a text item's `max_length` is at most this). SQLite would keep any length and
PostgreSQL refuse none in a TEXT column; the cap is checked before any SQL runs, on both alike."""

PATIENT_NAME_ITEM = "patient_name"
MRN_ITEM = "mrn"
LISTED_TEXT_LENGTH = 200
"""The most characters of the answers copied into the screenings table for the list page (patient
name and MRN), and of their folded search keys: the width of the `mrn` and `mrn_key` columns.
SQLite does not enforce a VARCHAR width and PostgreSQL raises a driver error, so storage refuses a
longer answer itself, the same on both."""


def answer_json(item_id: str, value: JsonInput) -> JsonValue:
    """The answer as JSON data, or InvalidRequest naming the item (never the value): a value of an
    unsupported type, text a database cannot keep, or text longer than storage keeps."""
    where = f"The answer to {item_id!r}"
    try:
        plain = to_json(value, where)
        _check_lengths(plain, where)
        if item_id in (PATIENT_NAME_ITEM, MRN_ITEM) and isinstance(plain, str):
            _check_listed(plain, where)
    except InvalidRequest as error:
        raise InvalidRequest(str(error), item_id=item_id, detail=error.detail) from None
    return plain


def _check_lengths(value: JsonValue, where: str) -> None:
    if isinstance(value, str):
        if len(value) > MAX_TEXT_LENGTH:
            _too_long(where, f"longer than the {MAX_TEXT_LENGTH} characters storage keeps")
    elif isinstance(value, dict):
        for key, inner in value.items():
            _check_lengths(key, where)
            _check_lengths(inner, where)
    elif isinstance(value, list):
        for inner in value:
            _check_lengths(inner, where)


def _check_listed(text: str, where: str) -> None:
    if len(text) > LISTED_TEXT_LENGTH:
        _too_long(where, f"longer than the {LISTED_TEXT_LENGTH} characters storage keeps")
    if len(search_key(text)) > LISTED_TEXT_LENGTH:
        _too_long(
            where,
            "too long to store: spelled out for searching (accents and special forms of letters"
            f" written as plain letters), it is longer than {LISTED_TEXT_LENGTH} characters",
        )


def _too_long(where: str, what: str) -> NoReturn:
    raise InvalidRequest(f"{where} is {what}.", detail=what)


def normalise_review_fields(fields: Mapping[str, JsonInput]) -> dict[str, JsonValue]:
    """Check some review fields; None values are kept (they unset a field in `merge_review`)."""
    plain = to_json(fields, "The review")
    if not isinstance(plain, dict):
        raise InvalidRequest("A review is a mapping of review fields.")
    given = {key: value for key, value in plain.items() if value is not None}
    checked = normalise_review(given)
    return {**{key: None for key in plain if plain[key] is None}, **checked}


def merge_review(current: Mapping[str, JsonValue], fields: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """`current` with `fields` applied: a None value removes the field, others replace it."""
    merged = dict(current)
    for key, value in fields.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def normalise_review(review: Mapping[str, JsonInput]) -> dict[str, JsonValue]:
    """Check a review against docs/contract.md §1.2 and return a plain copy without unset (None) keys."""
    plain = to_json(review, "The review")
    if not isinstance(plain, dict):
        raise InvalidRequest("A review is a mapping of review fields.")
    for key, value in plain.items():
        _check_lengths(value, f"Review field {key!r}")
    unknown = sorted(key for key in plain if key not in REVIEW_KEYS)
    if unknown:
        detail = "; signed_at is set by signing" if "signed_at" in unknown else ""
        raise InvalidRequest(
            f"Unknown review key(s) {', '.join(unknown)}; expected {', '.join(REVIEW_KEYS)}{detail}."
        )
    result: dict[str, JsonValue] = {key: value for key, value in plain.items() if value is not None}
    for key in ("clinician", "protocol", "start_date"):
        if key in result and not isinstance(result[key], str):
            raise InvalidRequest(f"Review field {key!r} must be text.")
    _check_choice(result, "weight_basis", WEIGHT_BASES)
    _check_choice(result, "decision", DECISIONS)
    start = result.get("start_date")
    if isinstance(start, str):
        try:
            date.fromisoformat(start)
        except ValueError:
            raise InvalidRequest("Review field 'start_date' must be an ISO date (YYYY-MM-DD).") from None
    _check_moved_session(result.get("moved_session"))
    acknowledged = result.get("acknowledged")
    if acknowledged is not None and not (
        isinstance(acknowledged, dict) and all(isinstance(note, str) for note in acknowledged.values())
    ):
        raise InvalidRequest("Review field 'acknowledged' must map flag ids to notes (text).")
    return result


MOVED_SESSION_FORMAT = "{session: N, date: YYYY-MM-DD}, N a session number from 1"


def _check_moved_session(moved: JsonValue) -> None:
    """`moved_session` is {session: N, date: YYYY-MM-DD}: a session number from 1 and an ISO date.
    Whether the session exists and the date suits the plan is the engine's and the plan's to say."""
    if moved is None:
        return
    message = f"Review field 'moved_session' must be {MOVED_SESSION_FORMAT}"
    if not isinstance(moved, dict) or set(moved) != {"session", "date"}:
        raise InvalidRequest(f"{message}.")
    session, day = moved["session"], moved["date"]
    if isinstance(session, bool) or not isinstance(session, int) or session < 1:
        raise InvalidRequest(f"{message}; the session is not a whole number from 1.")
    if not isinstance(day, str):
        raise InvalidRequest(f"{message}; the date is not an ISO date.")
    try:
        date.fromisoformat(day)
    except ValueError:
        raise InvalidRequest(f"{message}; the date is not an ISO date.") from None


def _check_choice(review: dict[str, JsonValue], key: str, allowed: tuple[str, ...]) -> None:
    if key in review and review[key] not in allowed:
        raise InvalidRequest(f"Review field {key!r} must be one of {', '.join(allowed)}.")


def search_key(text: str) -> str:
    """Text folded for searching: accents and case removed, compatibility forms unified, runs of
    white space collapsed. 'FERNÁNDEZ' and 'Fernandez' both become 'fernandez'."""
    # decompose again after case folding, which can itself produce accented letters
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(unicodedata.normalize("NFC", bare).split())


def check_pin(pin: QuestionnairePin) -> QuestionnairePin:
    if not isinstance(pin, QuestionnairePin):
        raise InvalidRequest("questionnaire must be a QuestionnairePin.")
    if not pin.id.strip() or not pin.version.strip():
        raise InvalidRequest("A questionnaire pin needs an id and a version.")
    if not _SHA256.fullmatch(pin.sha256):
        raise InvalidRequest("A questionnaire pin's sha256 must be 64 lowercase hexadecimal digits.")
    return pin


def definition_files_json(files: Mapping[str, str]) -> str:
    """The definition files as canonical JSON: a list of [name, text] pairs, order kept."""
    if not isinstance(files, Mapping) or not files:
        raise InvalidRequest("definition_files must map at least one file name to its text.")
    pairs: list[JsonValue] = []
    for name, text in files.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise InvalidRequest("definition_files must map file names (text) to file contents (text).")
        pairs.append([to_json(name, "A definition file name"), to_json(text, f"Definition file {name!r}")])
    return canonical_json(pairs)


def check_date(value: object, name: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidRequest(f"{name} must be a date (not a datetime or text).")
