"""The save of answers as the intake makes it, in plain SQL (SQLAlchemy Core, no ORM objects).

An answer saved from the intake is the write the app makes most: one per click. It is the same
write as `Writes._save` (`writes.py`) with the same guarantees: one transaction that locks the
screening row (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT … FOR UPDATE), checks each answer
against the writer's base revision, asks the judge for the status of the content as it will be
stored, appends one keyed event per changed answer (the last one carrying a status that
changed), moves the screening to its new revision with its row anchor computed again, and commits
(with the database's full fsync). What it leaves out is the ORM's unit of work: no object per
answer, statements written out, and at most one read of the answers: none when the caller hands
in the screening as it knows it (`known`) and the locked row is still at that revision.

Only the common case takes this path: answers of a draft or reopened screening that change,
conflict with nobody, and are not the patient's name or MRN (those also update the list's columns
and search terms). Anything else — an unknown, discarded or signed screening, a base revision
never issued, a conflict, nothing changed, a name or MRN — returns None before anything is
written, and the caller makes the ordinary save, which raises the right error or does the rest.
`tests/storage/test_storage_lean_save.py` checks that both paths store the same rows and events.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update

from screening.storage.anchors import row_anchor
from screening.storage.changes import Change
from screening.storage.core import keyed_event
from screening.storage.database import WRITE_OPTION
from screening.storage.judge import DateCheck, Judge, State
from screening.storage.keys import AuditKeys
from screening.storage.records import JsonValue, QuestionnairePin, ScreeningDetail, User, WriteResult
from screening.storage.rows import json_object, loads, summary_fields
from screening.storage.schema import AnswerRow, AuditEventRow, DefinitionRow, ReviewRow, ScreeningRow
from screening.storage.values import (
    MRN_ITEM,
    PATIENT_NAME_ITEM,
    canonical_json,
    check_lifecycle,
    check_status,
)

_SCREENINGS = cast(Table, ScreeningRow.__table__)
_ANSWERS = cast(Table, AnswerRow.__table__)
_EVENTS = cast(Table, AuditEventRow.__table__)
_REVIEWS = cast(Table, ReviewRow.__table__)
_DEFINITIONS = cast(Table, DefinitionRow.__table__)
_LISTED = (PATIENT_NAME_ITEM, MRN_ITEM)
_MOVED = (
    "revision",
    "audit_head",
    "content_revision",
    "updated_at",
    "status",
    "status_revision",
    "anchor_key_id",
    "anchor",
)
"""The screening's columns an answer moves on."""

_REVIEW_JSON = "lean_review_json"
_REVIEW_REVISION = "lean_review_revision"
"""The names the locking read gives the screening's review and its revision."""

# The statements, built once: built on every save, their construction and cache keys cost as much
# as running them. Parameters are named `p_…` (a name of a column is the column's own parameter).
_OF_REVIEW = _REVIEWS.c.screening_id == _SCREENINGS.c.id
_LOCK = (
    select(
        _SCREENINGS,
        # the review with the row, in the same statement (None, None: no review row)
        select(_REVIEWS.c.review_json).where(_OF_REVIEW).scalar_subquery().label(_REVIEW_JSON),
        select(_REVIEWS.c.revision).where(_OF_REVIEW).scalar_subquery().label(_REVIEW_REVISION),
    )
    .where(_SCREENINGS.c.id == bindparam("p_id"))
    .with_for_update(of=_SCREENINGS)
)
_STORED = select(_ANSWERS.c.item_id, _ANSWERS.c.value_json, _ANSWERS.c.revision).where(
    _ANSWERS.c.screening_id == bindparam("p_id")
)
_CHANGE_ANSWER = (
    update(_ANSWERS)
    .where(_ANSWERS.c.screening_id == bindparam("p_id"), _ANSWERS.c.item_id == bindparam("p_item"))
    .values(value_json=bindparam("p_value"), revision=bindparam("p_revision"))
)
_ADD_ANSWER = insert(_ANSWERS)
_ADD_EVENTS = insert(_EVENTS)
_MOVE = (
    update(_SCREENINGS)
    .where(_SCREENINGS.c.id == bindparam("p_id"))
    .values({name: bindparam(f"p_{name}") for name in _MOVED})
)
_FILES = select(_DEFINITIONS.c.files_json).where(_DEFINITIONS.c.sha256 == bindparam("p_sha256"))

Stored = dict[str, tuple[JsonValue, int]]
"""The stored answers: item id -> (value, None once cleared; revision)."""


class AnswerSaver:
    """The lean save of answers over one engine, with the store's audit keys and judge."""

    def __init__(self, engine: Engine, keys: AuditKeys, judge: Judge) -> None:
        self._engine = engine
        self._keys = keys
        self._judge = judge

    def save(
        self,
        now: datetime,
        screening_id: str,
        answers: Mapping[str, JsonValue],
        *,
        user: User,
        base_revision: int,
        check: DateCheck | None = None,
        known: ScreeningDetail | None = None,
    ) -> WriteResult | None:
        """Save `answers` (item id -> checked JSON value, None clears) in one transaction, or
        return None, having written nothing, when the ordinary save must make this write.
        `check` is called with the stored date once the row is locked, and `known` stands for the
        stored answers when the row is at its revision (`Writes.set_answers`)."""
        if any(item in _LISTED for item in answers):
            return None
        with (
            self._engine.connect().execution_options(**{WRITE_OPTION: True}) as connection,
            connection.begin(),
        ):
            row = _locked(connection, screening_id, base_revision, check)
            if row is None:
                return None
            review_revision, review_json = row.pop(_REVIEW_REVISION), row.pop(_REVIEW_JSON)
            review = json_object(review_json) if review_revision is not None else None
            stored = _stored(connection, screening_id, row["revision"], known)
            changes = _changes(stored, answers)
            if not changes or any(change.conflicts_with(base_revision) for change in changes):
                return None
            others_changed = row["content_revision"] > base_revision
            values, revisions = _apply(connection, screening_id, stored, changes, first=row["revision"] + 1)
            state = _state(connection, row, values, revisions, review)
            status = check_status(self._judge.status(state))
            previous_revision = row["revision"]
            self._record(connection, row, changes, status, user=user, now=now)

        detail = ScreeningDetail(
            **summary_fields(SimpleNamespace(**row)),  # type: ignore[arg-type]  # the row's columns, read with Core
            answers=dict(sorted(values.items())),
            answer_revisions=dict(sorted(revisions.items())),
            assessed_on_revision=row["assessed_on_revision"],
            review=review,
            review_revision=review_revision,
            definition_files={},
        )
        next_base = base_revision if others_changed else row["revision"]
        return WriteResult(
            screening_id,
            next_base,
            row["revision"],
            changed=True,
            others_changed=others_changed,
            screening=detail,
            previous_revision=previous_revision,
        )

    def _record(
        self,
        connection: Connection,
        row: dict[str, Any],
        changes: list[Change],
        status: str,
        *,
        user: User,
        now: datetime,
    ) -> None:
        """One keyed event per change (the last one carrying a status that changed), then the
        screening row at its new revision, status and anchor."""
        moved: dict[str, JsonValue] | None = (
            None if status == row["status"] else {"old": row["status"], "new": status}
        )
        events = []
        for index, change in enumerate(changes):
            payload = change.payload()
            if moved is not None and index == len(changes) - 1:
                payload["status"] = moved
            seq = row["revision"] + 1
            event = keyed_event(
                self._keys,
                screening_id=row["id"],
                seq=seq,
                prev_hash=row["audit_head"],
                kind=change.kind,
                at=now,
                user=user,
                payload=payload,
            )
            events.append(event)
            digest = event["hash"]
            row.update(revision=seq, audit_head=digest, content_revision=seq, updated_at=now)
        connection.execute(_ADD_EVENTS, events)
        row.update(status=status, status_revision=row["content_revision"])
        row["anchor_key_id"], row["anchor"] = row_anchor(self._keys, row.__getitem__)
        connection.execute(_MOVE, {"p_id": row["id"], **{f"p_{name}": row[name] for name in _MOVED}})


def _locked(
    connection: Connection, screening_id: str, base_revision: int, check: DateCheck | None
) -> dict[str, Any] | None:
    """The screening's row, locked, when it can take an ordinary save against `base_revision`;
    `check` (when given) has passed at the stored date first."""
    locked = connection.execute(_LOCK, {"p_id": screening_id}).first()
    if locked is None:
        return None
    row: dict[str, Any] = dict(locked._mapping)
    if check is not None:
        check(row["assessed_on"])
    usable = row["discarded_at"] is None and row["lifecycle"] != "signed"
    valid_base = type(base_revision) is int and 1 <= base_revision <= row["revision"]
    return row if usable and valid_base else None


def _stored(
    connection: Connection, screening_id: str, revision: int, known: ScreeningDetail | None
) -> Stored:
    """The screening's stored answers, from `known` when it is the screening at `revision` (the
    locked row's), else read."""
    if known is not None and known.id == screening_id and known.revision == revision:
        return {item: (known.answers.get(item), at) for item, at in known.answer_revisions.items()}
    return {item: (loads(text), at) for item, text, at in connection.execute(_STORED, {"p_id": screening_id})}


def _changes(stored: Stored, answers: Mapping[str, JsonValue]) -> list[Change]:
    """The answers that change, as changes of their stored values."""
    changes = []
    for item, value in answers.items():
        old, revision = stored.get(item, (None, None))
        change = Change("answer", item, old, value, revision)
        if change.changed:
            changes.append(change)
    return changes


def _apply(
    connection: Connection, screening_id: str, stored: Stored, changes: list[Change], *, first: int
) -> tuple[dict[str, JsonValue], dict[str, int]]:
    """Write the changed answers at revisions `first`, `first` + 1, …; returns the answers with a
    value and every answer's revision, as they then are."""
    values: dict[str, JsonValue] = {
        item: value for item, (value, _revision) in stored.items() if value is not None
    }
    revisions = {item: revision for item, (_value, revision) in stored.items()}
    for offset, change in enumerate(changes):
        item = str(change.item_id)
        text = None if change.new is None else canonical_json(change.new)
        if item in stored:
            connection.execute(
                _CHANGE_ANSWER,
                {"p_id": screening_id, "p_item": item, "p_value": text, "p_revision": first + offset},
            )
        else:
            connection.execute(
                _ADD_ANSWER,
                {
                    "screening_id": screening_id,
                    "item_id": item,
                    "value_json": text,
                    "revision": first + offset,
                },
            )
        revisions[item] = first + offset
        if change.new is None:
            values.pop(item, None)
        else:
            values[item] = change.new
    return values, revisions


def _state(
    connection: Connection,
    row: dict[str, Any],
    values: dict[str, JsonValue],
    revisions: dict[str, int],
    review: dict[str, JsonValue] | None,
) -> State:
    """The content the judge is asked about: as it will be stored."""
    sha256 = row["questionnaire_sha256"]

    def files() -> dict[str, str]:
        if not connection.in_transaction():  # kept past its write: it would read outside the lock
            raise RuntimeError("State.files() can only be read while the write that judges it runs.")
        text = connection.scalar(_FILES, {"p_sha256": sha256})
        return dict(json.loads(text or "[]"))

    return State(
        screening_id=row["id"],
        questionnaire=QuestionnairePin(row["questionnaire_id"], row["questionnaire_version"], sha256),
        assessed_on=row["assessed_on"],
        answers=values,
        review=review or {},
        lifecycle=check_lifecycle(row["lifecycle"]),
        files=files,
        answer_revisions=revisions,
    )
