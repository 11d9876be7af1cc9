"""What every part of `Store` shares: the engine and sessions, row locks, the screening's
state for the judge, appending audit events, and the conflict error.

`Store` (store.py) is composed of the parts in reads.py, writes.py, signing.py and
verification.py, each a subclass of `StoreBase`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import URL, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from screening.storage.anchors import install_anchoring
from screening.storage.audit import actor_fields, event_message, keyed_hash
from screening.storage.changes import Change
from screening.storage.database import WRITE_OPTION, create_storage_engine, database_url, prepare_schema
from screening.storage.errors import ConflictError, InvalidRequest, LockedError, NotFound, PermissionDenied
from screening.storage.judge import DateCheck, Judge, State
from screening.storage.keys import AuditKeys, resolve_keys
from screening.storage.records import (
    EventKind,
    JsonValue,
    QuestionnairePin,
    ScreeningDetail,
    User,
    WriteResult,
)
from screening.storage.rows import current_review, loads
from screening.storage.schema import AnswerRow, AuditEventRow, DefinitionRow, ScreeningRow
from screening.storage.values import canonical_json, check_lifecycle, check_status

logger = logging.getLogger("screening.storage.store")
"""The one logger of every part of `Store`, under the name it has always logged as."""

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """The engine, sessions and shared steps of every `Store` call (see `Store` for the parameters)."""

    def __init__(
        self,
        url: str | URL | None = None,
        *,
        judge: Judge,
        clock: Clock = utc_now,
        echo: bool = False,
        keys: AuditKeys | None = None,
    ) -> None:
        self._url = database_url(url)
        self._judge = judge
        self._clock = clock
        self._engine = create_storage_engine(self._url, echo=echo)
        try:
            self._keys = keys or resolve_keys(self._engine, self._now())
            prepare_schema(self._engine, self._now(), self._keys)
        except BaseException:
            self._engine.dispose()
            raise
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        install_anchoring(self._sessions, self._keys)

    @property
    def audit_key_id(self) -> str:
        """The id of the audit key new records are keyed with (never the secret)."""
        return self._keys.current

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self._url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """'sqlite', 'postgresql', …"""
        return self._engine.dialect.name

    def close(self) -> None:
        """Close pooled connections. The store is not used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def _now(self) -> datetime:
        moment = self._clock()
        if moment.tzinfo is None:
            raise ValueError("The storage clock must return timezone-aware datetimes.")
        return moment.astimezone(UTC)

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            session.connection(execution_options={WRITE_OPTION: True})
            yield session

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            if self.dialect == "postgresql":
                session.connection(
                    execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
                )
            yield session

    @staticmethod
    def _row(session: Session, screening_id: str) -> ScreeningRow:
        row = session.get(ScreeningRow, screening_id)
        if row is None:
            raise NotFound(screening_id)
        return row

    @staticmethod
    def _lock(session: Session, screening_id: str) -> ScreeningRow:
        """The screening row, locked against other writers until the transaction ends."""
        query = select(ScreeningRow).where(ScreeningRow.id == screening_id).with_for_update()
        row = session.scalars(query).one_or_none()
        if row is None:
            raise NotFound(screening_id)
        return row

    def _lock_live(self, session: Session, screening_id: str, check: DateCheck | None = None) -> ScreeningRow:
        """The screening row, locked; a discarded screening is refused. `check`, when given, is
        called with the stored date first (`Writes.set_answers`)."""
        row = self._lock(session, screening_id)
        if check is not None:
            check(row.assessed_on)
        if row.discarded_at is not None:
            raise InvalidRequest(
                f"Screening {screening_id} was discarded; it cannot be changed.",
                screening_id=screening_id,
                rule="discarded",
            )
        return row

    def _lock_for_edit(
        self, session: Session, screening_id: str, base_revision: int, check: DateCheck | None = None
    ) -> ScreeningRow:
        row = self._lock_live(session, screening_id, check)
        if row.lifecycle == "signed":
            signed_at = row.signed_at or row.updated_at
            raise LockedError(screening_id, signed_by=row.signed_by_name or "?", signed_at=signed_at)
        check_base(row, base_revision)
        return row

    def _state(self, session: Session, row: ScreeningRow) -> State:
        """The screening's content as stored in this transaction (changes applied so far count)."""
        session.flush()
        answers = session.execute(
            select(AnswerRow.item_id, AnswerRow.value_json, AnswerRow.revision).where(
                AnswerRow.screening_id == row.id
            )
        ).all()
        sha256 = row.questionnaire_sha256

        def files() -> dict[str, str]:
            if not session.in_transaction():  # kept past its write: it would read outside the lock
                raise RuntimeError("State.files() can only be read while the write that judges it runs.")
            stored = session.get_one(DefinitionRow, sha256)
            return dict(json.loads(stored.files_json))

        return State(
            screening_id=row.id,
            questionnaire=QuestionnairePin(row.questionnaire_id, row.questionnaire_version, sha256),
            assessed_on=row.assessed_on,
            answers={item: loads(value) for item, value, _ in answers if value is not None},
            review=current_review(session, row),
            lifecycle=check_lifecycle(row.lifecycle),
            files=files,
            answer_revisions={item: revision for item, _, revision in answers},
        )

    def _record_changes(
        self, session: Session, row: ScreeningRow, changes: list[Change], *, user: User, now: datetime
    ) -> State:
        """Apply `changes`, ask the judge for the status the screening then has, and append one
        event per change; the last one also records a status that changed ("status": {old, new}),
        so every status the list shows is in the trail. With no change to carry it, a changed
        status is an event of its own (`status_changed`; not an edit: `updated_at` stays). Returns the
        content judged, which is the screening's content once the events are recorded."""
        first = row.revision + 1
        for offset, change in enumerate(changes):
            change.apply(session, row, first + offset)
        state = self._state(session, row)
        status = check_status(self._judge.status(state))
        moved: dict[str, JsonValue] | None = (
            None if status == row.status else {"old": row.status, "new": status}
        )
        for index, change in enumerate(changes):
            payload = change.payload()
            if moved is not None and index == len(changes) - 1:
                payload["status"] = moved
            self._append(session, row, change.kind, payload, user=user, now=now)
        if moved is not None and not changes:
            self._append(session, row, "status_changed", moved, user=user, now=now, content=False)
        row.status = status
        row.status_revision = row.content_revision
        return state

    @staticmethod
    def _event_rows(session: Session, screening_id: str) -> list[AuditEventRow]:
        query = (
            select(AuditEventRow)
            .where(AuditEventRow.screening_id == screening_id)
            .order_by(AuditEventRow.seq, AuditEventRow.id)
        )
        return list(session.scalars(query))

    @staticmethod
    def _keep_definition(session: Session, pin: QuestionnairePin, files_json: str, now: datetime) -> None:
        stored = session.get(DefinitionRow, pin.sha256)
        if stored is None:
            try:
                with session.begin_nested():
                    session.add(
                        DefinitionRow(
                            sha256=pin.sha256,
                            questionnaire_id=pin.id,
                            version=pin.version,
                            files_json=files_json,
                            stored_at=now,
                        )
                    )
                return
            except IntegrityError:  # stored meanwhile by a concurrent transaction
                stored = session.get_one(DefinitionRow, pin.sha256)
        if (stored.questionnaire_id, stored.version, stored.files_json) != (pin.id, pin.version, files_json):
            raise InvalidRequest(
                f"A different definition is already stored under sha256 {pin.sha256}: "
                "the pin's hash does not match its files."
            )

    def _append(
        self,
        session: Session,
        row: ScreeningRow,
        kind: EventKind,
        payload: Mapping[str, JsonValue],
        *,
        user: User,
        now: datetime,
        content: bool = True,
    ) -> int:
        """Add the next event of the screening's chain, keyed with the current audit key, and move
        the screening to its revision."""
        seq = row.revision + 1
        event = keyed_event(
            self._keys,
            screening_id=row.id,
            seq=seq,
            prev_hash=row.audit_head,
            kind=kind,
            at=now,
            user=user,
            payload=payload,
        )
        session.add(AuditEventRow(**event))
        digest = event["hash"]
        row.revision = seq
        row.audit_head = digest
        if content:
            row.content_revision = seq
            row.updated_at = now
        return seq

    @staticmethod
    def _conflict(
        session: Session, row: ScreeningRow, changes: list[Change], base_revision: int
    ) -> ConflictError:
        """The error for the most recent of `changes`, naming the others in `also_changed`."""
        ordered = sorted(changes, key=lambda change: change.last_revision or 0, reverse=True)
        latest = ordered[0]
        revision = latest.last_revision or row.content_revision
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.screening_id == row.id, AuditEventRow.seq == revision)
        ).one_or_none()
        logger.info(
            "Conflict on screening %s (%s): changed at revision %d, the writer saw %d",
            row.id,
            latest.label,
            revision,
            base_revision,
        )
        return ConflictError(
            screening_id=row.id,
            field=latest.field,
            item_id=latest.item_id,
            changed_by=event.actor_name if event else "an unknown user",
            changed_at=event.at if event else row.updated_at,
            changed_revision=revision,
            base_revision=base_revision,
            current_revision=row.revision,
            current_value=latest.old,
            also_changed=[change.label for change in ordered[1:]],
        )


def keyed_event(  # noqa: PLR0913 - an event has these inputs, all by keyword
    keys: AuditKeys,
    *,
    screening_id: str,
    seq: int,
    prev_hash: str,
    kind: EventKind,
    at: datetime,
    user: User,
    payload: Mapping[str, JsonValue],
) -> dict[str, Any]:
    """The columns of the event `seq` of a screening's chain after `prev_hash`, keyed with the
    current audit key (the ordinary save adds it as an ORM row, the lean save inserts it)."""
    plain = dict(payload)
    message = event_message(
        prev_hash=prev_hash,
        screening_id=screening_id,
        seq=seq,
        kind=kind,
        at=at,
        actor=actor_fields(user),
        payload=plain,
    )
    digest = keyed_hash(message, keys, keys.current)
    assert digest is not None  # the current key always has a secret
    return {
        "screening_id": screening_id,
        "seq": seq,
        "kind": kind,
        "at": at,
        "actor_id": user.id,
        "actor_name": user.name,
        "actor_role": user.role,
        "actor_authenticated": user.authenticated,
        "actor_credentials": user.credentials,
        "payload_json": canonical_json(plain),
        "prev_hash": prev_hash,
        "hash": digest,
        "key_id": keys.current,
    }


def require_psychiatrist(user: User, action: str, screening_id: str) -> None:
    if user.role != "psychiatrist":
        raise PermissionDenied(action=action, user_id=user.id, role=user.role, screening_id=screening_id)


def write_result(
    row: ScreeningRow,
    base_revision: int,
    *,
    changed: bool,
    others_changed: bool,
    detail: ScreeningDetail | None = None,
) -> WriteResult:
    """The outcome of a write; the next base only moves on when the writer had seen everything."""
    next_base = base_revision if others_changed else row.revision
    return WriteResult(
        row.id, next_base, row.revision, changed=changed, others_changed=others_changed, screening=detail
    )


def check_base(row: ScreeningRow, base_revision: int) -> None:
    valid = isinstance(base_revision, int) and not isinstance(base_revision, bool)
    if not valid or not 1 <= base_revision <= row.revision:
        raise InvalidRequest(
            f"Screening {row.id} is at revision {row.revision}; "
            f"base revision {base_revision!r} was never issued.",
            screening_id=row.id,
        )
