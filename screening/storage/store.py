"""`Store`: the storage API the app uses.

One `Store` per process is enough (the Streamlit app caches it as a resource): it holds an engine
and a session factory and nothing else, and every call opens, commits and closes its own session,
so a `Store` can be shared by any number of sessions and threads. Calls return frozen records
(`records.py`), never ORM objects.

Concurrency. Every write takes `base_revision`, the screening revision its writer last saw (from
`get_screening`, or `WriteResult.base_revision` of the previous write). A write first locks the
screening (a row lock on PostgreSQL, the write lock on SQLite), then compares the revision that
last changed its own target (one answer, the review or the assessment date) with `base_revision`:
if somebody changed that target since, the write fails with `ConflictError` and nothing is saved.
Writes to other targets go through, so two people entering different answers never conflict.
Writing the value that is already stored is not a change and never conflicts. A writer's base
only moves past other people's changes when it reloads the screening, so an answer it has not
seen is never overwritten, and a psychiatrist signs only what was on the screen.

Audit. Every change appends one event, numbered by the new revision and hash-chained to the
previous event (see `audit.py`); `verify_audit` walks the chain and replays it against the stored
answers, review, assessment date, pin and signature.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, cast

from sqlalchemy import URL, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from screening.storage.audit import (
    GENESIS_HASH,
    ReplayedState,
    StoredEvent,
    actor_fields,
    check_chain,
    definition_digest,
    event_hash,
    replay,
    timestamp,
)
from screening.storage.database import WRITE_OPTION, create_storage_engine, database_url, prepare_schema
from screening.storage.errors import (
    ConflictError,
    ConflictField,
    InvalidRequest,
    LockedError,
    NotFound,
    PermissionDenied,
    SigningRefused,
)
from screening.storage.judge import AmendmentVerdict, Judge, State
from screening.storage.records import (
    DECISIONS,
    AuditEvent,
    AuditProblem,
    AuditReport,
    Decision,
    EventKind,
    JsonInput,
    JsonValue,
    Lifecycle,
    QuestionnairePin,
    Reopening,
    Role,
    ScreeningDetail,
    ScreeningStatus,
    ScreeningSummary,
    Signature,
    User,
    WriteResult,
)
from screening.storage.schema import (
    AnswerRow,
    AuditEventRow,
    DefinitionRow,
    ReviewRow,
    ScreeningRow,
)
from screening.storage.values import (
    answer_json,
    canonical_json,
    check_decision,
    check_item_id,
    check_lifecycle,
    check_status,
    merge_review,
    normalise_review,
    normalise_review_fields,
    search_key,
    to_json,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

PATIENT_NAME_ITEM = "patient_name"
MRN_ITEM = "mrn"
MAX_LIST_LIMIT = 1000
_SHA256 = re.compile(r"[0-9a-f]{64}")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Store:
    """Screenings, their answers, reviews, signatures and audit trails in one database.

    :param url: any SQLAlchemy URL; None means $SCREENING_DATABASE_URL, else SQLite at
        `data/screenings.db` under the repository root. Tables are created on first use.
    :param judge: the lifecycle rules (status, signing, amending); the workflow passes its own.
    :param clock: returns the current time (timezone-aware); tests pass a fixed clock.
    """

    def __init__(
        self, url: str | URL | None = None, *, judge: Judge, clock: Clock = utc_now, echo: bool = False
    ) -> None:
        self._url = database_url(url)
        self._judge = judge
        self._clock = clock
        self._engine = create_storage_engine(self._url, echo=echo)
        try:
            prepare_schema(self._engine, self._now())
        except BaseException:
            self._engine.dispose()
            raise
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    # ------------------------------------------------------------------ lifecycle

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

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # ------------------------------------------------------------------ reading

    def get_screening(self, screening_id: str, *, events: bool = True, files: bool = True) -> ScreeningDetail:
        """The whole screening; `events=False` leaves the audit trail out (an empty tuple) and
        `files=False` the pinned questionnaire files (an empty dict; see `definition_files`)."""
        with self._reading() as session:
            row = self._row(session, screening_id)
            definition = session.get_one(DefinitionRow, row.questionnaire_sha256) if files else None
            answers = session.scalars(
                select(AnswerRow).where(AnswerRow.screening_id == screening_id).order_by(AnswerRow.item_id)
            ).all()
            review = session.get(ReviewRow, screening_id)
            event_rows = self._event_rows(session, screening_id) if events else []
            return ScreeningDetail(
                **_summary_fields(row),
                answers={a.item_id: _loads(a.value_json) for a in answers if a.value_json is not None},
                answer_revisions={a.item_id: a.revision for a in answers},
                assessed_on_revision=row.assessed_on_revision,
                review=_object(review.review_json) if review else None,
                review_revision=review.revision if review else None,
                definition_files={} if definition is None else dict(json.loads(definition.files_json)),
                events=tuple(_event(e) for e in event_rows),
            )

    def definition_files(self, sha256: str) -> dict[str, str]:
        """The questionnaire files stored under a pin's SHA-256, in the engine's order."""
        with self._reading() as session:
            stored = session.get(DefinitionRow, sha256)
            if stored is None:
                raise InvalidRequest(f"No questionnaire files are stored under sha256 {sha256}.")
            return dict(json.loads(stored.files_json))

    def list_screenings(
        self,
        *,
        search: str | None = None,
        status: ScreeningStatus | Collection[ScreeningStatus] | None = None,
        signed: bool | None = None,
        lifecycle: Lifecycle | Collection[Lifecycle] | None = None,
        decision: Decision | Collection[Decision] | None = None,
        assessed_from: date | None = None,
        assessed_to: date | None = None,
        limit: int = 50,
    ) -> list[ScreeningSummary]:
        """Screenings, most recently updated first.

        :param search: part of the patient's name or MRN; case, accents and repeated spaces are
            ignored ("fernandez" finds "Fernández").
        :param status: one status or several.
        :param signed: True for signed screenings only, False for the others (drafts, reopened).
        :param lifecycle: one lifecycle state or several ("reopened" finds those needing re-signing).
        :param decision: one recorded decision or several.

        Discarded drafts are never listed.
        :param assessed_from: screenings taken on or after this date.
        :param assessed_to: screenings taken on or before this date.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidRequest(f"limit must be between 1 and {MAX_LIST_LIMIT}.")
        query = select(ScreeningRow).where(ScreeningRow.discarded_at.is_(None))
        key = search_key(search) if search else ""
        if key:
            query = query.where(
                or_(
                    ScreeningRow.patient_name_key.contains(key, autoescape=True),
                    ScreeningRow.mrn_key.contains(key, autoescape=True),
                )
            )
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(ScreeningRow.status.in_([check_status(s) for s in wanted]))
        if signed is not None:
            column = ScreeningRow.lifecycle
            query = query.where(column == "signed" if signed else column != "signed")
        if lifecycle is not None:
            states = [lifecycle] if isinstance(lifecycle, str) else list(lifecycle)
            query = query.where(ScreeningRow.lifecycle.in_([check_lifecycle(state) for state in states]))
        if decision is not None:
            decisions = [decision] if isinstance(decision, str) else list(decision)
            query = query.where(ScreeningRow.decision.in_([check_decision(d) for d in decisions]))
        if assessed_from is not None:
            _check_date(assessed_from, "assessed_from")
            query = query.where(ScreeningRow.assessed_on >= assessed_from)
        if assessed_to is not None:
            _check_date(assessed_to, "assessed_to")
            query = query.where(ScreeningRow.assessed_on <= assessed_to)
        query = query.order_by(ScreeningRow.updated_at.desc(), ScreeningRow.id).limit(limit)
        with self._reading() as session:
            return [ScreeningSummary(**_summary_fields(row)) for row in session.scalars(query)]

    # ------------------------------------------------------------------ creating

    def create_screening(
        self,
        *,
        user: User,
        questionnaire: QuestionnairePin,
        definition_files: Mapping[str, str],
        assessed_on: date,
        answers: Mapping[str, JsonInput] | None = None,
    ) -> ScreeningDetail:
        """Open a new draft screening pinned to `questionnaire`, keeping a copy of its files.

        :param definition_files: file name -> YAML text of the questionnaire and every file it
            includes, in the order the engine hashed them.
        :param answers: initial answers, each recorded as its own event.
        """
        pin = _check_pin(questionnaire)
        files_json = _files_json(definition_files)
        _check_date(assessed_on, "assessed_on")
        initial = {check_item_id(item): answer_json(item, value) for item, value in (answers or {}).items()}
        screening_id = str(uuid.uuid4())
        now = self._now()
        with self._writing() as session:
            self._keep_definition(session, pin, files_json, now)
            row = ScreeningRow(
                id=screening_id,
                questionnaire_id=pin.id,
                questionnaire_version=pin.version,
                questionnaire_sha256=pin.sha256,
                assessed_on=assessed_on,
                assessed_on_revision=1,
                created_at=now,
                created_by_id=user.id,
                created_by_name=user.name,
                updated_at=now,
                status="incomplete",
                status_revision=0,
                revision=0,
                content_revision=0,
                audit_head=GENESIS_HASH,
                lifecycle="draft",
            )
            session.add(row)
            session.flush()
            created: dict[str, JsonValue] = {
                "questionnaire": {"id": pin.id, "version": pin.version, "sha256": pin.sha256},
                "definition_sha256": definition_digest(files_json),
                "assessed_on": assessed_on.isoformat(),
            }
            self._append(session, row, "screening_created", created, user=user, now=now)
            for item_id, value in initial.items():
                change = _Change("answer", item_id, None, value, None)
                if change.changed:
                    seq = self._append(session, row, change.kind, change.payload(), user=user, now=now)
                    change.apply(session, row, seq)
            self._judge_status(session, row)
        logger.info("Created screening %s (questionnaire %s %s)", screening_id, pin.id, pin.version)
        return self.get_screening(screening_id)

    # ------------------------------------------------------------------ ordinary saves

    def set_answer(
        self, screening_id: str, item_id: str, value: JsonInput, *, user: User, base_revision: int
    ) -> WriteResult:
        """Save one answer in its own transaction; None clears it. See `set_answers`."""
        return self.set_answers(screening_id, {item_id: value}, user=user, base_revision=base_revision)

    def set_answers(
        self, screening_id: str, answers: Mapping[str, JsonInput], *, user: User, base_revision: int
    ) -> WriteResult:
        """Save one or many answers in one transaction (one event each); None clears an answer.

        :raises ConflictError: somebody else changed one of these answers since `base_revision`;
            nothing is saved.
        :raises LockedError: the screening is signed.
        """
        if not isinstance(answers, Mapping) or not answers:
            raise InvalidRequest("Give at least one answer to save.", screening_id=screening_id)
        new = {check_item_id(item): answer_json(item, value) for item, value in answers.items()}
        return self._save(
            screening_id,
            lambda session, row: [_answer_change(session, row, item, value) for item, value in new.items()],
            user=user,
            base_revision=base_revision,
        )

    def set_assessed_on(
        self, screening_id: str, assessed_on: date, *, user: User, base_revision: int
    ) -> WriteResult:
        """Change the date the screening is taken (ages are computed at this date)."""
        _check_date(assessed_on, "assessed_on")
        return self._save(
            screening_id,
            lambda _session, row: [_assessed_on_change(row, assessed_on)],
            user=user,
            base_revision=base_revision,
        )

    def save_review(
        self, screening_id: str, review: Mapping[str, JsonInput], *, user: User, base_revision: int
    ) -> WriteResult:
        """Replace the psychiatrist's review (SPEC 4.1 keys except `signed_at`; None values unset).

        :raises PermissionDenied: the user is not a psychiatrist.
        :raises ConflictError: somebody else changed the review since `base_revision`.
        """
        _require_psychiatrist(user, "record a review", screening_id)
        new = normalise_review(review)
        return self._save(
            screening_id,
            lambda session, row: [_review_change(session, row, new)],
            user=user,
            base_revision=base_revision,
        )

    def update_review(
        self, screening_id: str, fields: Mapping[str, JsonInput], *, user: User, base_revision: int
    ) -> WriteResult:
        """Change some review fields and keep the others (None unsets a field). `acknowledged`,
        when given, replaces all the notes.

        :raises PermissionDenied: the user is not a psychiatrist.
        :raises ConflictError: somebody else changed the review since `base_revision`.
        """
        _require_psychiatrist(user, "record a review", screening_id)
        changes = normalise_review_fields(fields)

        def change_of(session: Session, row: ScreeningRow) -> list[_Change]:
            current = _current_review(session, row)
            return [_review_change(session, row, merge_review(current, changes))]

        return self._save(screening_id, change_of, user=user, base_revision=base_revision)

    def _save(
        self,
        screening_id: str,
        changes_of: Callable[[Session, ScreeningRow], list[_Change]],
        *,
        user: User,
        base_revision: int,
    ) -> WriteResult:
        """One ordinary save: lock, refuse if signed, check for conflicts, record, apply, judge."""
        with self._writing() as session:
            row = self._lock_for_edit(session, screening_id, base_revision)
            others = row.content_revision > base_revision
            changes = [change for change in changes_of(session, row) if change.changed]
            conflicting = [change for change in changes if change.conflicts_with(base_revision)]
            if conflicting:
                raise self._conflict(session, row, conflicting, base_revision)
            now = self._now()
            for change in changes:
                seq = self._append(session, row, change.kind, change.payload(), user=user, now=now)
                change.apply(session, row, seq)
            if changes:
                self._judge_status(session, row)
            return _result(row, base_revision, changed=bool(changes), others_changed=others)

    # ------------------------------------------------------------------ signing and amending

    def sign(self, screening_id: str, *, user: User, base_revision: int) -> WriteResult:
        """Sign the review and lock the screening (a draft, or a reopened screening again).

        :raises PermissionDenied: the user is not a psychiatrist.
        :raises ConflictError: anything changed since `base_revision` (one signs what one saw).
        :raises SigningRefused: a lifecycle rule of the judge refuses it (no decision, 'proceed'
            on a contraindicated or incomplete screening, a note missing).
        :raises LockedError: already signed.
        """
        _require_psychiatrist(user, "sign", screening_id)
        with self._writing() as session:
            row = self._lock_live(session, screening_id)
            _check_base(row, base_revision)
            if row.content_revision > base_revision:
                # also when somebody else signed meanwhile: one signature wins, the other conflicts
                changed = _changed_since(session, row, base_revision)
                raise self._conflict(session, row, changed, base_revision)
            row = self._lock_for_edit(session, screening_id, base_revision)
            state = self._state(session, row)
            refusal = self._judge.signing_refusal(state)
            if refusal is not None:
                raise SigningRefused(screening_id, *refusal)
            review = dict(state.review)
            now = self._now()
            status = self._judge.status(state)
            signing = _review_change(session, row, {**review, "signed_at": now.isoformat(timespec="seconds")})
            payload = {**signing.payload(), "status": status, "decision": review.get("decision")}
            if row.lifecycle == "reopened":
                payload["lifecycle"] = {"old": "reopened", "new": "signed"}
            seq = self._append(session, row, "signed", payload, user=user, now=now)
            signing.apply(session, row, seq)
            row.signed_at = now
            row.signed_by_id = user.id
            row.signed_by_name = user.name
            row.signed_by_credentials = user.credentials
            row.signed_by_authenticated = user.authenticated
            row.lifecycle = "signed"
            row.reopened_json = None
            row.status = status
            row.status_revision = seq
            result = _result(row, base_revision, changed=True, others_changed=False)
        logger.info("Screening %s signed at revision %d", screening_id, seq)
        return result

    def amend(
        self,
        screening_id: str,
        *,
        user: User,
        base_revision: int,
        reason: str,
        answers: Mapping[str, JsonInput] | None = None,
        review: Mapping[str, JsonInput] | None = None,
        assessed_on: date | None = None,
    ) -> WriteResult:
        """Change a signed screening, recorded as one `amended` event with the reason.

        Answers map item id -> new value (None clears). `review` changes the review fields it
        names and keeps the others (only a psychiatrist may). The judge decides what the amendment
        does: it stays signed, it reopens the screening (the signed decision no longer stands;
        the review loses its `signed_at`), or it is refused.

        :raises InvalidRequest: not signed, empty reason, or the amendment changes nothing.
        :raises PermissionDenied: a review change by somebody who is not a psychiatrist.
        :raises ConflictError: somebody else changed one of these targets since `base_revision`.
        :raises SigningRefused: the judge refuses the amendment.
        """
        reason, new_answers, review_fields = _amendment_request(
            screening_id, user, reason=reason, answers=answers, review=review, assessed_on=assessed_on
        )
        with self._writing() as session:
            row = self._lock_live(session, screening_id)
            _check_base(row, base_revision)
            if row.lifecycle != "signed" and row.content_revision > base_revision:
                # reopened (or otherwise changed) by somebody else since the writer looked
                raise self._conflict(session, row, _changed_since(session, row, base_revision), base_revision)
            if row.lifecycle != "signed":
                raise InvalidRequest(
                    f"Screening {screening_id} is not signed: save changes normally, not as an amendment.",
                    screening_id=screening_id,
                    rule="not_signed",
                )
            _check_base(row, base_revision)
            before = self._state(session, row)
            current_review = dict(before.review)
            candidates = [_answer_change(session, row, item, new) for item, new in new_answers.items()]
            if review_fields is not None:
                candidates.append(_review_change(session, row, merge_review(current_review, review_fields)))
            if assessed_on is not None:
                candidates.append(_assessed_on_change(row, assessed_on))
            changes = [change for change in candidates if change.changed]
            if not changes:
                raise InvalidRequest(
                    f"The amendment of screening {screening_id} changes nothing.",
                    screening_id=screening_id,
                    rule="no_change",
                )
            conflicting = [change for change in changes if change.conflicts_with(base_revision)]
            if conflicting:
                raise self._conflict(session, row, conflicting, base_revision)
            after = _state_after(before, changes)
            review_changed = any(change.field == "review" for change in changes)
            verdict = self._judge.amendment(before, after, review_changed=review_changed)
            if verdict.refusal is not None:
                raise SigningRefused(screening_id, *verdict.refusal)
            if verdict.reopen_because:
                changes = _unsigned(session, row, changes, current_review)
                after = _state_after(before, changes)
            status = self._judge.status(after)
            payload = _amendment_payload(reason, status, changes)
            if verdict.reopen_because:
                payload["lifecycle"] = {"old": "signed", "new": "reopened"}
                payload["reopened_because"] = list(verdict.reopen_because)
                payload["changes_in_words"] = list(verdict.changes)
            others = row.content_revision > base_revision
            now = self._now()
            seq = self._append(session, row, "amended", payload, user=user, now=now)
            for change in changes:
                change.apply(session, row, seq)
            row.status = status
            row.status_revision = seq
            if verdict.reopen_because:
                row.lifecycle = "reopened"
                row.reopened_json = _reopened_json(now, user, reason, verdict)
            result = _result(row, base_revision, changed=True, others_changed=others)
        reopened = " (reopened)" if verdict.reopen_because else ""
        logger.info("Screening %s amended at revision %d%s", screening_id, seq, reopened)
        return result

    def discard(self, screening_id: str, *, user: User, base_revision: int, reason: str) -> WriteResult:
        """Discard a draft created by mistake: recorded in the audit trail, kept out of the list,
        and never written to again. A screening that was ever signed cannot be discarded.

        :raises InvalidRequest: empty reason, or the screening was signed.
        :raises ConflictError: anything changed since `base_revision`.
        """
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason:
            message = "Discarding a draft needs a reason."
            raise InvalidRequest(message, screening_id=screening_id, rule="reason")
        with self._writing() as session:
            row = self._lock_live(session, screening_id)
            if row.lifecycle != "draft" or row.signed_at is not None:
                raise InvalidRequest(
                    f"Screening {screening_id} has been signed; it cannot be discarded, only amended.",
                    screening_id=screening_id,
                    rule="discard_signed",
                )
            _check_base(row, base_revision)
            if row.content_revision > base_revision:
                raise self._conflict(session, row, _changed_since(session, row, base_revision), base_revision)
            now = self._now()
            seq = self._append(session, row, "discarded", {"reason": reason}, user=user, now=now)
            row.discarded_at = now
            row.status_revision = seq  # the content did not change: its status still holds
            result = _result(row, base_revision, changed=True, others_changed=False)
        logger.info("Screening %s discarded", screening_id)
        return result

    def refresh_statuses(self, *, limit: int = 10_000) -> int:
        """Judge again the status of screenings whose stored status predates their content (a
        database written by a version that took the status from its caller). Not an edit: no
        event. Returns how many were refreshed."""
        with self._reading() as session:
            stale = list(
                session.scalars(
                    select(ScreeningRow.id)
                    .where(ScreeningRow.status_revision < ScreeningRow.content_revision)
                    .limit(limit)
                )
            )
        for screening_id in stale:
            with self._writing() as session:
                row = self._lock(session, screening_id)
                if row.status_revision < row.content_revision:
                    self._judge_status(session, row)
        if stale:
            logger.info("Refreshed the status of %d screenings", len(stale))
        return len(stale)

    # ------------------------------------------------------------------ other events

    def record_document(
        self, screening_id: str, *, user: User, document: str, details: Mapping[str, JsonInput] | None = None
    ) -> AuditEvent:
        """Record in the audit trail that a document was generated (allowed on signed screenings,
        refused on discarded ones).

        Not an edit: it never conflicts, leaves `updated_at` alone and does not change anybody's
        base revision; but it is an event, so the screening's revision moves on. Returns the event.

        :param document: what was generated, e.g. "clinician-summary.pdf".
        :param details: anything worth keeping, e.g. {"sha256": ..., "generated_at": ...}.
        """
        if not isinstance(document, str) or not document.strip():
            raise InvalidRequest("A generated document needs a name.", screening_id=screening_id)
        payload = {
            "document": to_json(document, "The document name"),
            "details": to_json(details or {}, "The document details"),
        }
        with self._writing() as session:
            row = self._lock_live(session, screening_id)
            now = self._now()
            self._append(session, row, "document_generated", payload, user=user, now=now, content=False)
            session.flush()
            return _event(self._event_rows(session, screening_id)[-1])

    # ------------------------------------------------------------------ audit

    def verify_audit(self, screening_id: str) -> AuditReport:
        """Check the screening's audit chain and that the stored data is what the chain says.

        The report names the first broken event (edited, deleted or reordered rows) or, when the
        chain is intact, every stored value that disagrees with it.
        """
        with self._reading() as session:
            row = self._row(session, screening_id)
            stored = [_stored_event(e) for e in self._event_rows(session, screening_id)]
            chain = check_chain(screening_id, stored, head_hash=row.audit_head, revision=row.revision)
            if chain.problem is not None:
                problems = [chain.problem]
            else:
                problems = _state_problems(session, row, replay(chain.payloads))
        report = AuditReport(screening_id, len(chain.payloads), tuple(problems))
        if not report.ok:
            logger.warning("Audit trail of screening %s failed verification: %s", screening_id, problems[0])
        return report

    # ------------------------------------------------------------------ internals

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

    def _lock_live(self, session: Session, screening_id: str) -> ScreeningRow:
        """The screening row, locked; a discarded screening is refused."""
        row = self._lock(session, screening_id)
        if row.discarded_at is not None:
            raise InvalidRequest(
                f"Screening {screening_id} was discarded; it cannot be changed.",
                screening_id=screening_id,
                rule="discarded",
            )
        return row

    def _lock_for_edit(self, session: Session, screening_id: str, base_revision: int) -> ScreeningRow:
        row = self._lock_live(session, screening_id)
        if row.lifecycle == "signed":
            signed_at = row.signed_at or row.updated_at
            raise LockedError(screening_id, signed_by=row.signed_by_name or "?", signed_at=signed_at)
        _check_base(row, base_revision)
        return row

    def _state(self, session: Session, row: ScreeningRow) -> State:
        """The screening's content as stored in this transaction (changes applied so far count)."""
        session.flush()
        answers = session.scalars(select(AnswerRow).where(AnswerRow.screening_id == row.id)).all()
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
            answers={a.item_id: _loads(a.value_json) for a in answers if a.value_json is not None},
            review=_current_review(session, row),
            lifecycle=check_lifecycle(row.lifecycle),
            files=files,
        )

    def _judge_status(self, session: Session, row: ScreeningRow) -> None:
        """Record the judge's status of the screening as it now stands, in this transaction."""
        row.status = check_status(self._judge.status(self._state(session, row)))
        row.status_revision = row.content_revision

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

    @staticmethod
    def _append(
        session: Session,
        row: ScreeningRow,
        kind: EventKind,
        payload: Mapping[str, JsonValue],
        *,
        user: User,
        now: datetime,
        content: bool = True,
    ) -> int:
        """Add the next event of the screening's chain and move the screening to its revision."""
        seq = row.revision + 1
        plain = dict(payload)
        digest = event_hash(
            prev_hash=row.audit_head,
            screening_id=row.id,
            seq=seq,
            kind=kind,
            at=now,
            actor=actor_fields(user),
            payload=plain,
        )
        session.add(
            AuditEventRow(
                screening_id=row.id,
                seq=seq,
                kind=kind,
                at=now,
                actor_id=user.id,
                actor_name=user.name,
                actor_role=user.role,
                actor_authenticated=user.authenticated,
                actor_credentials=user.credentials,
                payload_json=canonical_json(plain),
                prev_hash=row.audit_head,
                hash=digest,
            )
        )
        row.revision = seq
        row.audit_head = digest
        if content:
            row.content_revision = seq
            row.updated_at = now
        return seq

    @staticmethod
    def _conflict(
        session: Session, row: ScreeningRow, changes: list[_Change], base_revision: int
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


# ---------------------------------------------------------------------- changes to one target


@dataclass(frozen=True, slots=True)
class _Change:
    """A write to one target (an answer, the review or the assessment date) before it is applied.

    `old` is the value stored now and `last_revision` the revision that last changed the target
    (None when it was never set).
    """

    field: ConflictField
    item_id: str | None
    old: JsonValue
    new: JsonValue
    last_revision: int | None

    @property
    def changed(self) -> bool:
        return canonical_json(self.old) != canonical_json(self.new)

    @property
    def label(self) -> str:
        return f"answer {self.item_id!r}" if self.field == "answer" else self.field

    def conflicts_with(self, base_revision: int) -> bool:
        return self.last_revision is not None and self.last_revision > base_revision

    @property
    def kind(self) -> EventKind:
        if self.field == "answer":
            return "answer_cleared" if self.new is None else "answer_set"
        return "review_saved" if self.field == "review" else "assessed_on_set"

    def payload(self) -> dict[str, JsonValue]:
        if self.field == "answer":
            return {"item": self.item_id, "old": self.old, "new": self.new}
        return {"old": self.old, "new": self.new}

    def apply(self, session: Session, row: ScreeningRow, seq: int) -> None:
        if self.field == "answer" and self.item_id is not None:
            answer = session.get(AnswerRow, (row.id, self.item_id))
            if answer is None:
                answer = AnswerRow(screening_id=row.id, item_id=self.item_id)
                session.add(answer)
            answer.value_json = None if self.new is None else canonical_json(self.new)
            answer.revision = seq
            _denormalise(row, self.item_id, self.new)
        elif self.field == "review":
            review = session.get(ReviewRow, row.id)
            if review is None:
                review = ReviewRow(screening_id=row.id)
                session.add(review)
            review.review_json = canonical_json(self.new)
            review.revision = seq
            decision = self.new.get("decision") if isinstance(self.new, dict) else None
            row.decision = decision if isinstance(decision, str) else None
        elif self.field == "assessed_on" and isinstance(self.new, str):
            row.assessed_on = date.fromisoformat(self.new)
            row.assessed_on_revision = seq


def _answer_change(session: Session, row: ScreeningRow, item_id: str, new: JsonValue) -> _Change:
    stored = session.get(AnswerRow, (row.id, item_id))
    old = None if stored is None else _loads(stored.value_json)
    return _Change("answer", item_id, old, new, None if stored is None else stored.revision)


def _review_change(session: Session, row: ScreeningRow, new: dict[str, JsonValue]) -> _Change:
    """A change of the review; no review counts as an empty one."""
    stored = session.get(ReviewRow, row.id)
    old = {} if stored is None else _object(stored.review_json)
    return _Change("review", None, old, new, None if stored is None else stored.revision)


def _assessed_on_change(row: ScreeningRow, new: date) -> _Change:
    old = row.assessed_on.isoformat()
    return _Change("assessed_on", None, old, new.isoformat(), row.assessed_on_revision)


def _current_review(session: Session, row: ScreeningRow) -> dict[str, JsonValue]:
    stored = session.get(ReviewRow, row.id)
    return {} if stored is None else _object(stored.review_json)


def _changed_since(session: Session, row: ScreeningRow, base_revision: int) -> list[_Change]:
    """Every target changed after `base_revision`, as changes to their current values."""
    changes = [
        _Change("answer", a.item_id, _loads(a.value_json), _loads(a.value_json), a.revision)
        for a in session.scalars(
            select(AnswerRow).where(AnswerRow.screening_id == row.id, AnswerRow.revision > base_revision)
        )
    ]
    review = session.get(ReviewRow, row.id)
    if review is not None and review.revision > base_revision:
        current = _object(review.review_json)
        changes.append(_Change("review", None, current, current, review.revision))
    if row.assessed_on_revision > base_revision:
        current_date = row.assessed_on.isoformat()
        changes.append(_Change("assessed_on", None, current_date, current_date, row.assessed_on_revision))
    if not changes:  # cannot happen while content_revision is kept right; name the screening itself
        changes.append(_Change("review", None, _current_review(session, row), None, row.content_revision))
    return changes


def _state_after(before: State, changes: list[_Change]) -> State:
    """`before` with `changes` applied (not yet written)."""
    answers = dict(before.answers)
    review = dict(before.review)
    assessed_on = before.assessed_on
    for change in changes:
        if change.field == "answer" and change.item_id is not None:
            if change.new is None:
                answers.pop(change.item_id, None)
            else:
                answers[change.item_id] = change.new
        elif change.field == "review":
            review = dict(change.new) if isinstance(change.new, dict) else {}
        elif change.field == "assessed_on" and isinstance(change.new, str):
            assessed_on = date.fromisoformat(change.new)
    return replace(before, answers=answers, review=review, assessed_on=assessed_on)


def _amendment_request(
    screening_id: str,
    user: User,
    *,
    reason: str,
    answers: Mapping[str, JsonInput] | None,
    review: Mapping[str, JsonInput] | None,
    assessed_on: date | None,
) -> tuple[str, dict[str, JsonValue], dict[str, JsonValue] | None]:
    """The checked parts of an amendment: its reason, answers and review fields."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidRequest("An amendment needs a reason.", screening_id=screening_id, rule="reason")
    new_answers = {check_item_id(item): answer_json(item, v) for item, v in (answers or {}).items()}
    review_fields = None
    if review is not None:
        _require_psychiatrist(user, "amend the review", screening_id)
        review_fields = normalise_review_fields(review)
    if assessed_on is not None:
        _check_date(assessed_on, "assessed_on")
    return reason, new_answers, review_fields


def _unsigned(
    session: Session, row: ScreeningRow, changes: list[_Change], current_review: dict[str, JsonValue]
) -> list[_Change]:
    """`changes` with the review's signature removed: the signed decision no longer stands."""
    reviewed = next((change.new for change in changes if change.field == "review"), current_review)
    unsigned = dict(reviewed) if isinstance(reviewed, dict) else {}
    unsigned.pop("signed_at", None)
    kept = [change for change in changes if change.field != "review"]
    return [*kept, _review_change(session, row, unsigned)]


def _reopened_json(now: datetime, user: User, reason: str, verdict: AmendmentVerdict) -> str:
    return canonical_json(
        {
            "at": timestamp(now),
            "by": user.name,
            "reason": reason,
            "because": list(verdict.reopen_because),
            "changes": list(verdict.changes),
        }
    )


def _require_psychiatrist(user: User, action: str, screening_id: str) -> None:
    if user.role != "psychiatrist":
        raise PermissionDenied(action=action, user_id=user.id, role=user.role, screening_id=screening_id)


def _amendment_payload(reason: str, status: ScreeningStatus, changes: list[_Change]) -> dict[str, JsonValue]:
    payload: dict[str, JsonValue] = {"reason": reason, "status": status}
    answers: list[JsonValue] = [change.payload() for change in changes if change.field == "answer"]
    if answers:
        payload["answers"] = answers
    for change in changes:
        if change.field != "answer":
            payload[change.field] = change.payload()
    return payload


# ---------------------------------------------------------------------- helpers


def _result(row: ScreeningRow, base_revision: int, *, changed: bool, others_changed: bool) -> WriteResult:
    """The outcome of a write; the next base only moves on when the writer had seen everything."""
    next_base = base_revision if others_changed else row.revision
    return WriteResult(row.id, next_base, row.revision, changed=changed, others_changed=others_changed)


def _check_base(row: ScreeningRow, base_revision: int) -> None:
    valid = isinstance(base_revision, int) and not isinstance(base_revision, bool)
    if not valid or not 1 <= base_revision <= row.revision:
        raise InvalidRequest(
            f"Screening {row.id} is at revision {row.revision}; "
            f"base revision {base_revision!r} was never issued.",
            screening_id=row.id,
        )


def _check_pin(pin: QuestionnairePin) -> QuestionnairePin:
    if not isinstance(pin, QuestionnairePin):
        raise InvalidRequest("questionnaire must be a QuestionnairePin.")
    if not pin.id.strip() or not pin.version.strip():
        raise InvalidRequest("A questionnaire pin needs an id and a version.")
    if not _SHA256.fullmatch(pin.sha256):
        raise InvalidRequest("A questionnaire pin's sha256 must be 64 lowercase hexadecimal digits.")
    return pin


def _files_json(files: Mapping[str, str]) -> str:
    """The definition files as canonical JSON: a list of [name, text] pairs, order kept."""
    if not isinstance(files, Mapping) or not files:
        raise InvalidRequest("definition_files must map at least one file name to its text.")
    pairs: list[JsonValue] = []
    for name, text in files.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise InvalidRequest("definition_files must map file names (text) to file contents (text).")
        pairs.append([to_json(name, "A definition file name"), to_json(text, f"Definition file {name!r}")])
    return canonical_json(pairs)


def _check_date(value: object, name: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidRequest(f"{name} must be a date (not a datetime or text).")


def _loads(text: str | None) -> JsonValue:
    return None if text is None else cast(JsonValue, json.loads(text))


def _object(text: str) -> dict[str, JsonValue]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _denormalise(row: ScreeningRow, item_id: str, value: JsonValue) -> None:
    text = value if isinstance(value, str) and value.strip() else None
    if item_id == PATIENT_NAME_ITEM:
        row.patient_name = text
        row.patient_name_key = search_key(text) if text else None
    elif item_id == MRN_ITEM:
        row.mrn = text
        row.mrn_key = search_key(text) if text else None


def _state_problems(session: Session, row: ScreeningRow, state: ReplayedState) -> list[AuditProblem]:
    """Stored data that disagrees with what the (intact) audit trail says it should be."""
    problems: list[AuditProblem] = []
    answers = session.scalars(select(AnswerRow).where(AnswerRow.screening_id == row.id)).all()
    stored_answers = {a.item_id: a.value_json for a in answers}
    for item_id in sorted(set(stored_answers) | set(state.answers)):
        expected = state.answers.get(item_id)
        if item_id not in stored_answers or _loads(stored_answers[item_id]) != expected:
            problems.append(AuditProblem(f"the stored answer to {item_id!r} differs from the audit trail"))
    if _current_review(session, row) != (state.review or {}):
        problems.append(AuditProblem("the stored review differs from the audit trail"))
    if state.assessed_on != row.assessed_on.isoformat():
        problems.append(AuditProblem("the stored assessment date differs from the audit trail"))
    pin = QuestionnairePin(row.questionnaire_id, row.questionnaire_version, row.questionnaire_sha256)
    if state.questionnaire != {"id": pin.id, "version": pin.version, "sha256": pin.sha256}:
        problems.append(AuditProblem("the stored questionnaire pin differs from the audit trail"))
    definition = session.get(DefinitionRow, row.questionnaire_sha256)
    if definition is None or definition_digest(definition.files_json) != state.definition_sha256:
        problems.append(AuditProblem("the stored questionnaire files differ from those recorded at creation"))
    signer = None if row.signed_at is None else actor_fields(_signer(row))
    signed_at = None if row.signed_at is None else timestamp(row.signed_at)
    if (signer, signed_at) != (state.signer, state.signed_at):
        problems.append(AuditProblem("the stored signature differs from the audit trail"))
    if row.lifecycle != state.lifecycle:
        problems.append(AuditProblem("the stored lifecycle state differs from the audit trail"))
    decision = (state.review or {}).get("decision")
    if row.decision != (decision if isinstance(decision, str) else None):
        problems.append(AuditProblem("the stored decision differs from the audit trail"))
    reopened = None if state.reopened is None else canonical_json(state.reopened)
    if row.reopened_json != reopened:
        problems.append(AuditProblem("the stored reason for reopening differs from the audit trail"))
    if (row.discarded_at is not None) != state.discarded:
        problems.append(AuditProblem("the stored discarding differs from the audit trail"))
    return problems


def _signer(row: ScreeningRow) -> User:
    return User(
        id=row.signed_by_id or "?",
        name=row.signed_by_name or "?",
        role="psychiatrist",
        authenticated=bool(row.signed_by_authenticated),
        credentials=row.signed_by_credentials,
    )


def _summary_fields(row: ScreeningRow) -> dict[str, Any]:
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
        "signature": None if row.signed_at is None else Signature(_signer(row), row.signed_at),
        "lifecycle": check_lifecycle(row.lifecycle),
        "decision": row.decision if row.decision in DECISIONS else None,
        "reopened": _reopening(row.reopened_json) if row.lifecycle == "reopened" else None,
        "discarded": row.discarded_at is not None,
    }


def _reopening(text: str | None) -> Reopening | None:
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


def _actor(event: AuditEventRow) -> dict[str, JsonValue]:
    return {
        "id": event.actor_id,
        "name": event.actor_name,
        "role": event.actor_role,
        "authenticated": event.actor_authenticated,
        "credentials": event.actor_credentials,
    }


def _stored_event(event: AuditEventRow) -> StoredEvent:
    return StoredEvent(
        id=event.id,
        seq=event.seq,
        kind=event.kind,
        at=event.at,
        actor=_actor(event),
        payload_json=event.payload_json,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


def _event(event: AuditEventRow) -> AuditEvent:
    try:
        payload = _object(event.payload_json)
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
