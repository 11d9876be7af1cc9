"""The hash chain of a screening's audit trail.

Each event's hash is SHA-256 over the canonical JSON (`values.canonical_json`) of

    {"prev_hash", "screening_id", "seq", "kind", "at", "actor": {id, name, role, authenticated,
     credentials}, "payload"}

where `prev_hash` is the hash of the screening's previous event (64 zeros for the first) and `at`
is the UTC time in ISO 8601 with microseconds. Editing any field of a row, deleting a row or
changing the order (the `seq` numbers) breaks the chain from that row on. The screening row keeps
the hash and number of the last event, so removing events from the end is caught too.

The hash is keyed: an HMAC-SHA-256 with the server's audit key (`keys.py`) whose id the event
records in `key_id`. Whoever can write the database but not read the key cannot make a changed
event verify, however the plain hashes are recomputed. Events written before keys existed
(`key_id` NULL) carry a plain SHA-256 of the same text; the screening's anchor (`anchors.py`),
computed with the key when the database was upgraded, covers them, and an unkeyed event after a
keyed one is refused outright.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from screening.storage.keys import AuditKeys
from screening.storage.records import AuditProblem, JsonValue, User
from screening.storage.values import canonical_json

GENESIS_HASH = "0" * 64


def timestamp(moment: datetime) -> str:
    """The form of a time that goes into hashes: UTC, ISO 8601, microseconds, 'Z'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def actor_fields(user: User) -> dict[str, JsonValue]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "authenticated": user.authenticated,
        "credentials": user.credentials,
    }


def event_message(
    *,
    prev_hash: str,
    screening_id: str,
    seq: int,
    kind: str,
    at: datetime,
    actor: Mapping[str, JsonValue],
    payload: JsonValue,
) -> bytes:
    """The text an event's hash is computed over (canonical JSON, UTF-8)."""
    document = {
        "prev_hash": prev_hash,
        "screening_id": screening_id,
        "seq": seq,
        "kind": kind,
        "at": timestamp(at),
        "actor": dict(actor),
        "payload": payload,
    }
    return canonical_json(document).encode("utf-8")


def keyed_hash(message: bytes, keys: AuditKeys | None, key_id: str | None) -> str | None:
    """The HMAC of `message` with the key `key_id` (None: a key `keys` lacks); with `key_id` None,
    the plain SHA-256 that events written before keys existed carry."""
    if key_id is None:
        return hashlib.sha256(message).hexdigest()
    return None if keys is None else keys.mac(key_id, message)


def definition_digest(files_json: str) -> str:
    """SHA-256 of the stored definition files (canonical JSON text), recorded at creation."""
    return hashlib.sha256(files_json.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An audit row as read from the database, before anything about it is trusted."""

    id: int
    seq: int
    kind: str
    at: datetime
    actor: dict[str, JsonValue]
    payload_json: str
    prev_hash: str
    hash: str
    key_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of walking a chain: the payloads of the events that checked out, in order, and
    the first problem (None when the whole chain, up to the recorded head, is intact)."""

    payloads: list[tuple[StoredEvent, dict[str, JsonValue]]]
    problem: AuditProblem | None


def _problem(stored: StoredEvent, reason: str) -> AuditProblem:
    return AuditProblem(reason, seq=stored.seq, event_id=stored.id, kind=stored.kind)


def _event_problem(
    screening_id: str, stored: StoredEvent, expected_seq: int, previous: str, keys: AuditKeys, keyed: bool
) -> tuple[dict[str, JsonValue] | None, AuditProblem | None]:
    """The payload of an event that checks out, or the problem with it (`keyed`: an event before
    it was keyed, so this one must be too)."""
    problem = _position_problem(stored, expected_seq, previous) or _key_problem(stored, keys, keyed)
    if problem is not None:
        return None, problem
    try:
        payload = json.loads(stored.payload_json)
    except ValueError:
        return None, _problem(stored, "payload is not valid JSON: the row was edited")
    if not isinstance(payload, dict):
        return None, _problem(stored, "payload is not a JSON object: the row was edited")
    message = event_message(
        prev_hash=stored.prev_hash,
        screening_id=screening_id,
        seq=stored.seq,
        kind=stored.kind,
        at=stored.at,
        actor=stored.actor,
        payload=payload,
    )
    recomputed = keyed_hash(message, keys, stored.key_id)
    if recomputed is None or not hmac.compare_digest(recomputed, stored.hash):
        reason = "content does not match its keyed hash: the row was rewritten without the audit key"
        if stored.key_id is None:
            reason = "content does not match its hash: the row was edited"
        return None, _problem(stored, reason)
    return payload, None


def _position_problem(stored: StoredEvent, expected_seq: int, previous: str) -> AuditProblem | None:
    if stored.seq > expected_seq:
        return _problem(stored, f"expected event #{expected_seq} here: an earlier event was deleted")
    if stored.seq < expected_seq:
        return _problem(stored, f"expected event #{expected_seq} here: events are duplicated or reordered")
    if stored.prev_hash != previous:
        return _problem(
            stored, "does not follow the event before it: events were reordered, deleted or edited"
        )
    return None


def _key_problem(stored: StoredEvent, keys: AuditKeys, keyed: bool) -> AuditProblem | None:
    if stored.key_id is None and keyed:
        return _problem(
            stored, "is not keyed although the events before it are: it was written outside the application"
        )
    if stored.key_id is not None and stored.key_id not in keys.secrets:
        return _problem(
            stored, f"is keyed with the audit key {stored.key_id!r}, which this server does not hold"
        )
    return None


def check_chain(
    screening_id: str, events: Iterable[StoredEvent], *, head_hash: str, revision: int, keys: AuditKeys
) -> ChainCheck:
    """Walk the events in `seq` order; stop at the first broken one and name it."""
    checked: list[tuple[StoredEvent, dict[str, JsonValue]]] = []
    previous = GENESIS_HASH
    keyed = False
    for expected_seq, stored in enumerate(events, start=1):
        payload, problem = _event_problem(screening_id, stored, expected_seq, previous, keys, keyed)
        keyed = keyed or stored.key_id is not None
        if problem is not None or payload is None:
            return ChainCheck(checked, problem)
        checked.append((stored, payload))
        previous = stored.hash
    if not checked:
        return ChainCheck(checked, AuditProblem("the screening has no audit events at all"))
    last = checked[-1][0]
    if last.seq != revision or last.hash != head_hash:
        reason = (
            f"the trail ends at event #{last.seq} but the screening records revision {revision}: "
            "events were removed from the end or the screening row was edited"
        )
        return ChainCheck(checked, _problem(last, reason))
    return ChainCheck(checked, None)


@dataclass
class ReplayedState:
    """What the audit trail says the screening holds now."""

    answers: dict[str, JsonValue]
    review: dict[str, JsonValue] | None
    assessed_on: str | None
    questionnaire: dict[str, JsonValue] | None
    definition_sha256: str | None
    signer: dict[str, JsonValue] | None
    signed_at: str | None
    lifecycle: str = "draft"
    discarded: bool = False
    reopened: dict[str, JsonValue] | None = None
    status: str | None = None
    """The status the trail last recorded; None for a screening created before statuses were
    recorded (its created event has no "status")."""


def _changes(payload: Mapping[str, JsonValue]) -> Iterator[tuple[str, JsonValue]]:
    entries = payload.get("answers")
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("item"), str):
                yield str(entry["item"]), entry.get("new")


def replay(checked: Iterable[tuple[StoredEvent, dict[str, JsonValue]]]) -> ReplayedState:
    """Apply the events' recorded changes in order, from an empty screening."""
    state = ReplayedState({}, None, None, None, None, None, None)
    for stored, payload in checked:
        kind = stored.kind
        if kind == "screening_created":
            questionnaire = payload.get("questionnaire")
            state.questionnaire = questionnaire if isinstance(questionnaire, dict) else None
            digest = payload.get("definition_sha256")
            state.definition_sha256 = digest if isinstance(digest, str) else None
            state.assessed_on = _text(payload.get("assessed_on"))
            state.status = _text(payload.get("status"))
        elif kind == "status_changed":
            state.status = _tracked_status(state, {"status": payload})
        elif kind in ("answer_set", "answer_cleared"):
            state.answers[str(payload.get("item"))] = payload.get("new")
            state.status = _tracked_status(state, payload)
        elif kind == "assessed_on_set":
            state.assessed_on = _text(payload.get("new"))
            state.status = _tracked_status(state, payload)
        elif kind in ("review_saved", "signed"):
            state.review = _object(payload.get("new"))
            state.status = _tracked_status(state, payload)
            if kind == "signed":
                state.signer = stored.actor
                state.signed_at = timestamp(stored.at)
                state.lifecycle = "signed"
                state.reopened = None
        elif kind == "amended":
            state.status = _tracked_status(state, payload)
            for item_id, new in _changes(payload):
                state.answers[item_id] = new
            review = payload.get("review")
            if isinstance(review, dict):
                state.review = _object(review.get("new"))
            assessed_on = payload.get("assessed_on")
            if isinstance(assessed_on, dict):
                state.assessed_on = _text(assessed_on.get("new"))
            lifecycle = payload.get("lifecycle")
            if isinstance(lifecycle, dict) and isinstance(lifecycle.get("new"), str):
                state.lifecycle = str(lifecycle["new"])
                if state.lifecycle == "reopened":
                    state.reopened = {
                        "at": timestamp(stored.at),
                        "by": stored.actor.get("name"),
                        "reason": payload.get("reason"),
                        "because": payload.get("reopened_because"),
                        "changes": payload.get("changes_in_words"),
                    }
        elif kind == "discarded":
            state.discarded = True
    return state


def _tracked_status(state: ReplayedState, payload: Mapping[str, JsonValue]) -> str | None:
    """The status an event records, for a trail that records every status from its creation on
    (an older trail recorded statuses only when signing or amending: None, not checked)."""
    recorded = payload.get("status")
    if isinstance(recorded, dict):  # {"old", "new"} on the change that moved it
        recorded = recorded.get("new")
    if state.status is None:
        return None
    return _text(recorded) or state.status


def _text(value: JsonValue) -> str | None:
    return value if isinstance(value, str) else None


def _object(value: JsonValue) -> dict[str, JsonValue] | None:
    return value if isinstance(value, dict) else None
