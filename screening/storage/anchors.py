"""The anchor of a screening row: an HMAC, with the server's audit key, of everything in the row.

Each screening's audit trail is a chain that ends in the row (`revision`, `audit_head`); the list's
columns (name, MRN, status, who created it and when) are copies kept for the list page. The
anchor keys all of them together: it is recomputed whenever the application writes the row (a
`before_flush` hook, so no write path can forget it), and `Store.verify_audit` recomputes it from
the row as read. A row edited behind the application's back, the list's columns included, or a
trail cut short with the row moved back to an earlier event, no longer matches its anchor; a
screening inserted without the key has none that matches.

`ANCHORED_COLUMNS` fixes what is covered. A new column of `screenings` is added to it together
with a schema migration that anchors every row again (a test fails on a column in neither list).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import RowMapping, event
from sqlalchemy.orm import Session

from screening.storage.audit import timestamp
from screening.storage.keys import AuditKeys
from screening.storage.records import AuditProblem
from screening.storage.schema import ScreeningRow
from screening.storage.values import canonical_json

ANCHORED_COLUMNS = (
    "id",
    "questionnaire_id",
    "questionnaire_version",
    "questionnaire_sha256",
    "assessed_on",
    "assessed_on_revision",
    "created_at",
    "created_by_id",
    "created_by_name",
    "updated_at",
    "patient_name",
    "mrn",
    "patient_name_key",
    "mrn_key",
    "status",
    "status_revision",
    "revision",
    "content_revision",
    "audit_head",
    "signed_at",
    "signed_by_id",
    "signed_by_name",
    "signed_by_credentials",
    "signed_by_authenticated",
    "lifecycle",
    "decision",
    "reopened_json",
    "discarded_at",
)
NOT_ANCHORED = ("anchor", "anchor_key_id")

ROW_CHANGED = (
    "the screening row does not match its anchor: the row (its list columns, status or trail "
    "position) was changed outside the application"
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def anchor_message(values: Callable[[str], Any]) -> bytes:
    """The text an anchor is computed over, from `values(column name)`."""
    document = {"anchor": {name: _plain(values(name)) for name in ANCHORED_COLUMNS}}
    return canonical_json(document).encode("utf-8")


def row_anchor(keys: AuditKeys, values: Callable[[str], Any]) -> tuple[str, str]:
    """(key id, anchor) of a row with the current key."""
    mac = keys.mac(keys.current, anchor_message(values))
    assert mac is not None  # the current key always has a secret (AuditKeys checks it)
    return keys.current, mac


def anchor_problem(keys: AuditKeys, row: ScreeningRow) -> AuditProblem | None:
    """What is wrong with the row's anchor, None when it matches the row."""
    if row.anchor is None or row.anchor_key_id is None:
        return AuditProblem(
            "the screening has no anchor: its row was inserted or changed outside the application"
        )
    expected = keys.mac(row.anchor_key_id, anchor_message(lambda name: getattr(row, name)))
    if expected is None:
        return AuditProblem(
            f"the screening is anchored with the audit key {row.anchor_key_id!r}, "
            "which this server does not hold"
        )
    if expected != row.anchor:
        return AuditProblem(ROW_CHANGED)
    return None


def anchor_mapping(keys: AuditKeys, row: RowMapping) -> tuple[str, str]:
    """(key id, anchor) of a row read with SQLAlchemy Core (used by the schema upgrade)."""
    return row_anchor(keys, row.__getitem__)


def install_anchoring(session_factory: Any, keys: AuditKeys) -> None:
    """Anchor every screening row a session of `session_factory` inserts or changes, as the last
    step before it is written."""

    def anchor_rows(session: Session, _context: object, _instances: object) -> None:
        for instance in (*session.new, *session.dirty):
            if isinstance(instance, ScreeningRow):
                instance.anchor_key_id, instance.anchor = row_anchor(keys, partial(getattr, instance))

    event.listen(session_factory, "before_flush", anchor_rows)
