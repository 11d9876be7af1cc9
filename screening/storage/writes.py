"""Ordinary writes: creating a screening, saving answers, the date and the review, recording a
generated document, and refreshing statuses judged by an older version.

An ordinary save locks the screening, refuses it when signed, checks each change against the
writer's base revision, appends one audit event per change and asks the judge for the status, all
in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.storage.audit import GENESIS_HASH, actor_fields, definition_digest
from screening.storage.changes import Change, answer_change, assessed_on_change, review_change
from screening.storage.clinic_chain import append_clinic_event
from screening.storage.core import check_base, logger, require_psychiatrist, write_result
from screening.storage.errors import InvalidRequest
from screening.storage.judge import DateCheck
from screening.storage.lean import AnswerSaver
from screening.storage.reads import Reads
from screening.storage.records import (
    AuditEvent,
    JsonInput,
    JsonValue,
    QuestionnairePin,
    ScreeningDetail,
    User,
    WriteResult,
)
from screening.storage.rows import audit_event, current_review
from screening.storage.schema import ScreeningRow
from screening.storage.values import (
    answer_json,
    check_date,
    check_item_id,
    check_pin,
    definition_files_json,
    merge_review,
    normalise_review,
    normalise_review_fields,
    to_json,
)

STATUS_REFRESH = User(
    id="system:status-refresh",
    name="The application (status judged again)",
    role="coordinator",
    authenticated=False,
)
"""The actor of statuses judged again by `refresh_statuses`: no person caused them."""


class Writes(Reads):
    """The ordinary writes of `Store` (a new screening is read back whole, hence `Reads`)."""

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
        pin = check_pin(questionnaire)
        files_json = definition_files_json(definition_files)
        check_date(assessed_on, "assessed_on")
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
                "status": row.status,
            }
            self._append(session, row, "screening_created", created, user=user, now=now)
            append_clinic_event(
                session,
                self._keys,
                "screening_created",
                screening_id=screening_id,
                actor=actor_fields(user),
                payload={"questionnaire": created["questionnaire"]},
                at=now,
            )
            changes = [Change("answer", item_id, None, value, None) for item_id, value in initial.items()]
            self._record_changes(session, row, [c for c in changes if c.changed], user=user, now=now)
        logger.info("Created screening %s (questionnaire %s %s)", screening_id, pin.id, pin.version)
        return self.get_screening(screening_id)

    def set_answer(
        self, screening_id: str, item_id: str, value: JsonInput, *, user: User, base_revision: int
    ) -> WriteResult:
        """Save one answer in its own transaction; None clears it. See `set_answers`."""
        return self.set_answers(screening_id, {item_id: value}, user=user, base_revision=base_revision)

    def set_answers(
        self,
        screening_id: str,
        answers: Mapping[str, JsonInput],
        *,
        user: User,
        base_revision: int,
        check: DateCheck | None = None,
        known: ScreeningDetail | None = None,
    ) -> WriteResult:
        """Save one or many answers in one transaction (one event each); None clears an answer.

        `check`, when given, is called with the screening's stored date under the screening's
        lock, before anything else is checked or written; it refuses the answers by raising. The
        workflow checks the answers against the questionnaire there, so that they are checked at
        the date they are stored with, even when somebody changes the date meanwhile.

        `known`, when given, is the screening as the caller last read or wrote it. When the locked
        row is still at its revision, its answers are the stored ones (every change of a
        screening moves its revision on), and the save does not read them again.

        :raises ConflictError: somebody else changed one of these answers since `base_revision`;
            nothing is saved.
        :raises LockedError: the screening is signed.
        """
        if not isinstance(answers, Mapping) or not answers:
            raise InvalidRequest("Give at least one answer to save.", screening_id=screening_id)
        new = {check_item_id(item): answer_json(item, value) for item, value in answers.items()}
        # the common case in plain SQL (lean.py); the ordinary save for everything else
        saver = AnswerSaver(self._engine, self._keys, self._judge)
        lean = saver.save(
            self._now(), screening_id, new, user=user, base_revision=base_revision, check=check, known=known
        )
        if lean is not None:
            return lean
        return self._save(
            screening_id,
            lambda session, row: [answer_change(session, row, item, value) for item, value in new.items()],
            user=user,
            base_revision=base_revision,
            check=check,
        )

    def set_assessed_on(
        self, screening_id: str, assessed_on: date, *, user: User, base_revision: int
    ) -> WriteResult:
        """Change the date the screening is taken (ages are computed at this date)."""
        check_date(assessed_on, "assessed_on")
        return self._save(
            screening_id,
            lambda _session, row: [assessed_on_change(row, assessed_on)],
            user=user,
            base_revision=base_revision,
        )

    def save_review(
        self, screening_id: str, review: Mapping[str, JsonInput], *, user: User, base_revision: int
    ) -> WriteResult:
        """Replace the psychiatrist's review (docs/contract.md §1.2 keys but `signed_at`; None unsets).

        :raises PermissionDenied: the user is not a psychiatrist.
        :raises ConflictError: somebody else changed the review since `base_revision`.
        """
        require_psychiatrist(user, "record a review", screening_id)
        new = normalise_review(review)
        return self._save(
            screening_id,
            lambda session, row: [review_change(session, row, new)],
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
        require_psychiatrist(user, "record a review", screening_id)
        changes = normalise_review_fields(fields)

        def change_of(session: Session, row: ScreeningRow) -> list[Change]:
            current = current_review(session, row)
            return [review_change(session, row, merge_review(current, changes))]

        return self._save(screening_id, change_of, user=user, base_revision=base_revision)

    def _save(
        self,
        screening_id: str,
        changes_of: Callable[[Session, ScreeningRow], list[Change]],
        *,
        user: User,
        base_revision: int,
        check: DateCheck | None = None,
    ) -> WriteResult:
        """One ordinary save: lock, `check` at the stored date, refuse if signed, check for
        conflicts, record, apply, judge."""
        with self._writing() as session:
            row = self._lock_for_edit(session, screening_id, base_revision, check)
            others = row.content_revision > base_revision
            changes = [change for change in changes_of(session, row) if change.changed]
            conflicting = [change for change in changes if change.conflicts_with(base_revision)]
            if conflicting:
                raise self._conflict(session, row, conflicting, base_revision)
            judged = (
                self._record_changes(session, row, changes, user=user, now=self._now()) if changes else None
            )
            detail = self._detail(session, row, events=False, files=False, content=judged)
            return write_result(
                row, base_revision, changed=bool(changes), others_changed=others, detail=detail
            )

    def refresh_statuses(self, *, limit: int = 10_000) -> int:
        """Judge again the status of screenings whose stored status predates their content (a
        database written by a version that took the status from its caller). Not an edit, but a
        status that changes is recorded (`status_changed`, by `STATUS_REFRESH`). Returns how many
        were refreshed."""
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
                    self._record_changes(session, row, [], user=STATUS_REFRESH, now=self._now())
        if stale:
            logger.info("Refreshed the status of %d screenings", len(stale))
        return len(stale)

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
            return audit_event(self._event_rows(session, screening_id)[-1])

    def record_crisis_acknowledgement(
        self, screening_id: str, rules: list[str], *, user: User, seen_revision: int
    ) -> AuditEvent:
        """Record in the audit trail that `user` saw the suicide-risk alert of `rules` as the
        screening stood at `seen_revision` and is addressing the patient's safety now.

        Not an edit, like `record_document`: answers, review, status and lifecycle stay as they
        are, it never conflicts and moves nobody's base revision (allowed on signed screenings,
        refused on discarded ones). Returns the event.
        """
        if not isinstance(rules, list) or not rules or not all(isinstance(r, str) and r for r in rules):
            raise InvalidRequest("Name the rules whose alert was seen.", screening_id=screening_id)
        payload: dict[str, JsonValue] = {
            "rules": list(dict.fromkeys(rules)),
            "seen_revision": seen_revision,
        }
        with self._writing() as session:
            row = self._lock_live(session, screening_id)
            check_base(row, seen_revision)
            now = self._now()
            self._append(session, row, "crisis_acknowledged", payload, user=user, now=now, content=False)
            session.flush()
            return audit_event(self._event_rows(session, screening_id)[-1])

    def record_session(self, kind: Literal["signed_in", "signed_out"], *, user: User, how: str) -> int:
        """Record in the clinic-wide chain that `user` began (`signed_in`) or ended (`signed_out`)
        a session in the app; `how` says how the identity was established (e.g. "openid-connect",
        "local mode"). Returns the entry's number. Sign-ins belong to no screening, so they are
        entries of the clinic chain (`clinic_chain.py`), keyed like every audit event."""
        if kind not in ("signed_in", "signed_out"):
            raise InvalidRequest(f"Unknown session event {kind!r}.")
        payload = {"how": to_json(how, "How the user signed in")}
        with self._writing() as session:
            entry = append_clinic_event(
                session,
                self._keys,
                kind,
                screening_id=None,
                actor=actor_fields(user),
                payload=payload,
                at=self._now(),
            )
            return entry.seq
