"""The hash chain of a screening's audit trail.

Each event's hash is SHA-256 over the canonical JSON (`values.canonical_json`) of

    {"prev_hash", "screening_id", "seq", "kind", "at", "actor": {id, name, role, authenticated,
     credentials}, "payload"}

where `prev_hash` is the hash of the screening's previous event (64 zeros for the first) and `at`
is the UTC time in ISO 8601 with microseconds. Editing any field of a row, deleting a row or
changing the order (the `seq` numbers) breaks the chain from that row on. The screening row keeps
the hash and number of the last event, so removing events from the end is caught too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

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


def event_hash(
    *,
    prev_hash: str,
    screening_id: str,
    seq: int,
    kind: str,
    at: datetime,
    actor: Mapping[str, JsonValue],
    payload: JsonValue,
) -> str:
    document = {
        "prev_hash": prev_hash,
        "screening_id": screening_id,
        "seq": seq,
        "kind": kind,
        "at": timestamp(at),
        "actor": dict(actor),
        "payload": payload,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


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


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of walking a chain: the payloads of the events that checked out, in order, and
    the first problem (None when the whole chain, up to the recorded head, is intact)."""

    payloads: list[tuple[StoredEvent, dict[str, JsonValue]]]
    problem: AuditProblem | None


def _problem(stored: StoredEvent, reason: str) -> AuditProblem:
    return AuditProblem(reason, seq=stored.seq, event_id=stored.id, kind=stored.kind)


def _event_problem(
    screening_id: str, stored: StoredEvent, expected_seq: int, previous: str
) -> tuple[dict[str, JsonValue] | None, AuditProblem | None]:
    """The payload of an event that checks out, or the problem with it."""
    if stored.seq > expected_seq:
        return None, _problem(stored, f"expected event #{expected_seq} here: an earlier event was deleted")
    if stored.seq < expected_seq:
        reason = f"expected event #{expected_seq} here: events are duplicated or reordered"
        return None, _problem(stored, reason)
    if stored.prev_hash != previous:
        return None, _problem(
            stored, "does not follow the event before it: events were reordered, deleted or edited"
        )
    try:
        payload = json.loads(stored.payload_json)
    except ValueError:
        return None, _problem(stored, "payload is not valid JSON: the row was edited")
    if not isinstance(payload, dict):
        return None, _problem(stored, "payload is not a JSON object: the row was edited")
    recomputed = event_hash(
        prev_hash=stored.prev_hash,
        screening_id=screening_id,
        seq=stored.seq,
        kind=stored.kind,
        at=stored.at,
        actor=stored.actor,
        payload=payload,
    )
    if recomputed != stored.hash:
        return None, _problem(stored, "content does not match its hash: the row was edited")
    return payload, None


def check_chain(
    screening_id: str, events: Iterable[StoredEvent], *, head_hash: str, revision: int
) -> ChainCheck:
    """Walk the events in `seq` order; stop at the first broken one and name it."""
    checked: list[tuple[StoredEvent, dict[str, JsonValue]]] = []
    previous = GENESIS_HASH
    for expected_seq, stored in enumerate(events, start=1):
        payload, problem = _event_problem(screening_id, stored, expected_seq, previous)
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
        elif kind in ("answer_set", "answer_cleared"):
            state.answers[str(payload.get("item"))] = payload.get("new")
        elif kind == "assessed_on_set":
            state.assessed_on = _text(payload.get("new"))
        elif kind in ("review_saved", "signed"):
            state.review = _object(payload.get("new"))
            if kind == "signed":
                state.signer = stored.actor
                state.signed_at = timestamp(stored.at)
                state.lifecycle = "signed"
                state.reopened = None
        elif kind == "amended":
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


def _text(value: JsonValue) -> str | None:
    return value if isinstance(value, str) else None


def _object(value: JsonValue) -> dict[str, JsonValue] | None:
    return value if isinstance(value, dict) else None
