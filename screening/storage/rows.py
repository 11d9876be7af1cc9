"""Stored rows read back as records: JSON columns, summaries, signatures, audit events.

Reading never fails on a tampered row: what cannot be read comes back empty, and `verify_audit`
says what is wrong.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Row
from sqlalchemy.orm import Session

from screening.storage.audit import StoredEvent
from screening.storage.records import (
    DECISIONS,
    AuditEvent,
    JsonValue,
    QuestionnairePin,
    Reopening,
    Role,
    Signature,
    User,
)
from screening.storage.schema import AuditEventRow, ChainedEvent, ReviewRow, ScreeningRow
from screening.storage.values import check_lifecycle, check_status


def loads(text: str | None) -> JsonValue:
    return None if text is None else cast(JsonValue, json.loads(text))


def json_object(text: str) -> dict[str, JsonValue]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def current_review(session: Session, row: ScreeningRow) -> dict[str, JsonValue]:
    stored = session.get(ReviewRow, row.id)
    return {} if stored is None else json_object(stored.review_json)


def signer_of(row: ScreeningRow) -> User:
    return User(
        id=row.signed_by_id or "?",
        name=row.signed_by_name or "?",
        role="psychiatrist",
        authenticated=bool(row.signed_by_authenticated),
        credentials=row.signed_by_credentials,
    )


def summary_fields(row: ScreeningRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "questionnaire": QuestionnairePin(
            row.questionnaire_id, row.questionnaire_version, row.questionnaire_sha256
        ),
        "assessed_on": row.assessed_on,
        "patient_name": row.patient_name,
        "mrn": row.mrn,
        "status": check_status(row.status),
        "status_current": row.status_revision >= row.content_revision,
        "revision": row.revision,
        "created_at": row.created_at,
        "created_by_id": row.created_by_id,
        "created_by_name": row.created_by_name,
        "updated_at": row.updated_at,
        "signature": None if row.signed_at is None else Signature(signer_of(row), row.signed_at),
        "lifecycle": check_lifecycle(row.lifecycle),
        "decision": row.decision if row.decision in DECISIONS else None,
        "reopened": read_reopening(row.reopened_json) if row.lifecycle == "reopened" else None,
        "discarded": row.discarded_at is not None,
    }


def read_reopening(text: str | None) -> Reopening | None:
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    at = data.get("at")
    return Reopening(
        at=datetime.fromisoformat(at) if isinstance(at, str) else datetime.min.replace(tzinfo=UTC),
        by=str(data.get("by", "")),
        reason=str(data.get("reason", "")),
        because=tuple(str(x) for x in data.get("because", []) if isinstance(x, str)),
        changes=tuple(str(x) for x in data.get("changes", []) if isinstance(x, str)),
    )


def actor_of(event: ChainedEvent) -> dict[str, JsonValue]:
    """The actor fields of an audit event or a clinic record entry, as their hashes cover them."""
    return {
        "id": event.actor_id,
        "name": event.actor_name,
        "role": event.actor_role,
        "authenticated": event.actor_authenticated,
        "credentials": event.actor_credentials,
    }


def stored_event(event: AuditEventRow) -> StoredEvent:
    return StoredEvent(
        id=event.id,
        seq=event.seq,
        kind=event.kind,
        at=event.at,
        actor=actor_of(event),
        payload_json=event.payload_json,
        prev_hash=event.prev_hash,
        hash=event.hash,
        key_id=event.key_id,
    )


def audit_event(event: AuditEventRow | Row[Any]) -> AuditEvent:
    """An audit event from its stored row (an ORM row, or the same columns read with Core)."""
    try:
        payload = json_object(event.payload_json)
    except ValueError:  # tampered with; verify_audit says so, and reading must still work
        payload = {}
    role: Role = "psychiatrist" if event.actor_role == "psychiatrist" else "coordinator"
    actor = User(event.actor_id, event.actor_name, role, event.actor_authenticated, event.actor_credentials)
    return AuditEvent(
        id=event.id,
        screening_id=event.screening_id,
        seq=event.seq,
        kind=event.kind,
        at=event.at,
        actor=actor,
        payload=payload,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )
