"""The clinic-wide chain: one keyed hash chain, across all screenings, of what no single
screening's trail can witness.

Entries (`clinic_events`, append-only like `audit_events`):

- `screening_created`: a screening was opened (its id, questionnaire and creator);
- `screening_anchored`: a screening that existed before the chain did, taken over as it stood
  (its revision and trail head) when the database was upgraded;
- `signed_in`, `signed_out`: a user began or ended a session in the app.

Each entry's hash is the HMAC-SHA-256, with the audit key `key_id`, of the canonical JSON of
{prev_hash, seq, kind, screening_id, at, actor, payload}. `Store.verify_clinic` walks the chain and
compares it with the screenings table: a screening the chain never recorded was inserted behind
the application's back; a recorded one that is gone was deleted. Appends are serialised (the
write lock on SQLite, an advisory lock on PostgreSQL), so `seq` has no gaps.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from screening.storage.audit import GENESIS_HASH, timestamp
from screening.storage.keys import AuditKeys
from screening.storage.records import AuditProblem, JsonValue
from screening.storage.rows import actor_of
from screening.storage.schema import ClinicEventRow
from screening.storage.values import canonical_json

CLINIC_EVENT_KINDS = ("screening_created", "screening_anchored", "signed_in", "signed_out")
_CHAIN_LOCK = 0x5C4EEA  # PostgreSQL advisory lock serialising appends to the clinic chain


def _message(
    *,
    prev_hash: str,
    seq: int,
    kind: str,
    screening_id: str | None,
    at: datetime,
    actor: Mapping[str, JsonValue],
    payload: JsonValue,
) -> bytes:
    document = {
        "clinic_event": {
            "prev_hash": prev_hash,
            "seq": seq,
            "kind": kind,
            "screening_id": screening_id,
            "at": timestamp(at),
            "actor": dict(actor),
            "payload": payload,
        }
    }
    return canonical_json(document).encode("utf-8")


def _row_message(row: ClinicEventRow, payload: JsonValue) -> bytes:
    return _message(
        prev_hash=row.prev_hash,
        seq=row.seq,
        kind=row.kind,
        screening_id=row.screening_id,
        at=row.at,
        actor=actor_of(row),
        payload=payload,
    )


def append_clinic_event(
    session: Session,
    keys: AuditKeys,
    kind: str,
    *,
    screening_id: str | None,
    actor: Mapping[str, JsonValue],
    payload: Mapping[str, JsonValue],
    at: datetime,
) -> ClinicEventRow:
    """Add the next entry of the clinic chain in the session's (write) transaction."""
    if kind not in CLINIC_EVENT_KINDS:
        raise ValueError(f"Unknown clinic event kind {kind!r}.")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    last = session.scalars(select(ClinicEventRow).order_by(ClinicEventRow.seq.desc()).limit(1)).one_or_none()
    row = ClinicEventRow(
        seq=1 if last is None else last.seq + 1,
        kind=kind,
        screening_id=screening_id,
        at=at,
        actor_id=str(actor["id"]),
        actor_name=str(actor["name"]),
        actor_role=str(actor["role"]),
        actor_authenticated=bool(actor["authenticated"]),
        actor_credentials=None if actor.get("credentials") is None else str(actor["credentials"]),
        payload_json=canonical_json(dict(payload)),
        prev_hash=GENESIS_HASH if last is None else last.hash,
        key_id=keys.current,
        hash="",
    )
    mac = keys.mac(keys.current, _row_message(row, dict(payload)))
    assert mac is not None  # the current key always has a secret
    row.hash = mac
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class ClinicChainCheck:
    """The entries that checked out, in order, and the first problem (None: intact)."""

    entries: list[ClinicEventRow]
    problem: AuditProblem | None


def _entry_problem(row: ClinicEventRow, expected_seq: int, previous: str, keys: AuditKeys) -> str | None:
    if row.seq != expected_seq:
        return f"expected clinic entry #{expected_seq} here: entries were deleted or reordered"
    if row.prev_hash != previous:
        return "does not follow the entry before it: entries were deleted, reordered or edited"
    try:
        payload = json.loads(row.payload_json)
    except ValueError:
        return "payload is not valid JSON: the row was edited"
    expected = keys.mac(row.key_id, _row_message(row, payload))
    if expected is None:
        return f"is keyed with the audit key {row.key_id!r}, which this server does not hold"
    if not hmac.compare_digest(expected, row.hash):
        return "content does not match its keyed hash: the row was rewritten without the audit key"
    return None


def check_clinic_chain(rows: Iterable[ClinicEventRow], keys: AuditKeys) -> ClinicChainCheck:
    """Walk the clinic chain in `seq` order; stop at the first broken entry and name it."""
    entries: list[ClinicEventRow] = []
    previous = GENESIS_HASH
    for expected_seq, row in enumerate(rows, start=1):
        reason = _entry_problem(row, expected_seq, previous, keys)
        if reason is not None:
            problem = AuditProblem(
                f"clinic record entry #{row.seq} ({row.kind}) {reason}", seq=row.seq, kind=row.kind
            )
            return ClinicChainCheck(entries, problem)
        entries.append(row)
        previous = row.hash
    return ClinicChainCheck(entries, None)
