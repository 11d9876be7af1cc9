"""The screening lifecycle: one Streamlit-free service for every client (the app, importers, tests).

    wf = Workflow(database_url="sqlite:///screenings.db", questionnaires="questionnaires")
    s = wf.create(coordinator, questionnaire="ketamine-trd-intake", assessed_on=date(2026, 11, 20))
    s = wf.answer(s.id, {"patient_name": "Ana Silva"}, user=coordinator, base_revision=s.revision)
    s = wf.review(s.id, {"decision": "proceed", ...}, user=psychiatrist, base_revision=s.revision)
    s = wf.sign(s.id, user=psychiatrist, base_revision=s.revision)
    s = wf.amend(s.id, user=coordinator, base_revision=s.revision, reason="…", answers={...})

Every write returns the `Screening` as it is after the write. The status is computed here, by the
engine, inside the write's own transaction (storage calls back into the judge,
`screening.lifecycle.rules.Rules`), so no caller ever hands in a status and the stored status is
always the status of the stored answers.

The lifecycle rules live in `screening.lifecycle.rules` and nowhere else:
- signing (psychiatrists only) needs a decision; `proceed` is refused when the status is
  `contraindicated` or `incomplete`, or when a fired relative flag or an unmet requirement has no
  note;
- an amendment of a signed screening (any answer, the date, any review field: psychiatrists
  only), always with a reason, reopens it when it makes a new absolute or relative flag fire,
  changes the status, or leaves `proceed` without the notes it needs; a review amendment that
  newly records `proceed` where it could not be signed, or removes the decision, is refused;
- a draft created by mistake can be discarded;
- a suicide-risk alert (a crisis rule that fires) is acknowledged as an audit event that changes
  no answer, status or lifecycle (`acknowledge_crisis`); `crisis_alerts` says which alerts still
  wait for one (see `screening.lifecycle.crisis`).

Requests that cannot be done raise `Refused` (role, lock, rule, a wrong call) or `Conflict`
(somebody else changed the same target since `base_revision`); their messages never carry
patient data. `NotFound` (a `LookupError`) means no screening has the id.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from screening.definition import Definition
from screening.documents.content import AmendmentNote, ChangeNote, LifecycleNote
from screening.lifecycle.crisis import CrisisAlert, crisis_alerts
from screening.lifecycle.recent import Recent
from screening.lifecycle.requests import check_answers, check_review, plain_json
from screening.lifecycle.results import (
    AnswerInput,
    HistoryEntry,
    Screening,
    changes_since,
    lifecycle_sentence,
)
from screening.lifecycle.rules import Rules
from screening.lifecycle.words import history_entries
from screening.loading import Catalog, default_directory, load_catalog
from screening.storage import (
    AuditProblem,
    AuditReport,
    ClinicReport,
    JsonInput,
    NotFound,
    QuestionnairePin,
    ScreeningDetail,
    ScreeningSummary,
    Store,
    User,
    WriteResult,
    utc_now,
)
from screening.storage.errors import Conflict, ConflictError, Refused
from screening.storage.records import AuditEvent
from screening.storage.store import Clock
from screening.vocabulary import Status

__all__ = [
    "AnswerInput",
    "Conflict",
    "ConflictError",
    "CrisisAlert",
    "HistoryEntry",
    "NotFound",
    "Refused",
    "Screening",
    "User",
    "Workflow",
    "changes_since",
    "lifecycle_sentence",
]

logger = logging.getLogger(__name__)

DEFAULT_QUESTIONNAIRE = "ketamine-trd-intake"

KEPT_SCREENINGS = 256
"""How many screenings the workflow keeps in memory, each at the revision it was read or written
at (the least recently used is dropped first)."""


class _Kept:
    """Screenings (and their suicide-risk alerts) kept at a revision, shared by the threads of one
    process. An entry is only ever used at the revision it was made at: the stored revision moves
    on with every event of the audit trail (answers, review, signing, documents,
    acknowledgements, discarding), so a kept screening at the stored revision is the stored one."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._screenings: Recent[str, Screening] = Recent(size)
        self._alerts: Recent[tuple[str, int], tuple[CrisisAlert, ...]] = Recent(size)
        self._acknowledgements: Recent[tuple[str, int], tuple[AuditEvent, ...]] = Recent(size)

    def screening(self, screening_id: str, revision: int) -> Screening | None:
        with self._lock:
            kept = self._screenings.get(screening_id)
            return kept if kept is not None and kept.revision == revision else None

    def latest(self, screening_id: str) -> Screening | None:
        """The screening as last kept, at whatever revision that was (for what never changes
        with the revision: its id and the questionnaire it pins)."""
        with self._lock:
            return self._screenings.get(screening_id)

    def keep(self, screening: Screening) -> None:
        with self._lock:
            kept = self._screenings.get(screening.id)
            if kept is not None and kept.revision > screening.revision:
                return  # another thread already keeps a later revision
            self._screenings.put(screening.id, replace(screening, others_changed=False))

    def alerts(self, screening_id: str, revision: int) -> tuple[CrisisAlert, ...] | None:
        with self._lock:
            return self._alerts.get((screening_id, revision))

    def keep_alerts(self, screening_id: str, revision: int, alerts: tuple[CrisisAlert, ...]) -> None:
        with self._lock:
            self._alerts.put((screening_id, revision), alerts)

    def acknowledgements(self, screening_id: str, revision: int) -> tuple[AuditEvent, ...] | None:
        with self._lock:
            return self._acknowledgements.get((screening_id, revision))

    def keep_acknowledgements(
        self, screening_id: str, revision: int, acknowledgements: tuple[AuditEvent, ...]
    ) -> None:
        with self._lock:
            self._acknowledgements.put((screening_id, revision), acknowledgements)

    def carry_acknowledgements(self, screening_id: str, before: int, after: int) -> None:
        """The acknowledgements kept at revision `before` are those at `after`: every event in
        between is one answer write's own (answers acknowledge nothing)."""
        known = self.acknowledgements(screening_id, before)
        if known is not None:
            self.keep_acknowledgements(screening_id, after, known)


class Workflow:
    """The screening lifecycle over one database and one questionnaire directory.

    :param database_url: any SQLAlchemy URL; None means $SCREENING_DATABASE_URL, else SQLite at
        `data/screenings.db` under the working directory.
    :param questionnaires: a directory of questionnaire files, or a loaded `Catalog`; None means
        $SCREENING_QUESTIONNAIRES, else the bundled questionnaires.
    :param clock: the current time (timezone-aware); tests pass a fixed one.
    """

    def __init__(
        self,
        database_url: str | None = None,
        questionnaires: str | Path | Catalog | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        if isinstance(questionnaires, Catalog):
            self.catalog = questionnaires
        else:
            directory = default_directory() if questionnaires is None else Path(questionnaires)
            self.catalog = load_catalog([directory])
        self._rules = Rules(self.catalog)
        self._kept = _Kept(KEPT_SCREENINGS)
        self.store = Store(database_url, judge=self._rules, clock=clock)
        try:
            self.store.refresh_statuses()
        except Exception:
            self.store.close()
            raise

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workflow:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def get(self, screening_id: str) -> Screening:
        """The screening as stored now. Raises `NotFound` for an unknown id.

        One small query asks for the stored revision; a screening this workflow read or wrote at
        that revision is returned from memory (its content at a revision never changes), any
        other is read whole and assessed."""
        kept = self._kept.screening(screening_id, self.store.revision_of(screening_id))
        if kept is not None:
            return kept
        screening = self._screening(self.store.get_screening(screening_id, events=False, files=False))
        self._kept.keep(screening)
        return screening

    def screenings(self, **filters: Any) -> list[ScreeningSummary]:
        """Screenings for the list page; see `Store.list_screenings` for the filters."""
        return self.store.list_screenings(**filters)

    def count_screenings(self, **filters: Any) -> int:
        """How many screenings the list's filters find in all (`Store.count_screenings`), for
        "Showing 1–100 of 2,340" and the list's pages."""
        return self.store.count_screenings(**filters)

    def definition_of(self, detail: ScreeningDetail | ScreeningSummary) -> Definition:
        """The definition a screening was taken with (the loaded one when the hash matches)."""
        files = detail.definition_files if isinstance(detail, ScreeningDetail) else None
        sha256 = detail.questionnaire.sha256
        definition = self._rules.definition(
            detail.questionnaire, lambda: files or self.store.definition_files(sha256)
        )
        if definition is None:
            raise Refused(
                f"The questionnaire pinned by screening {detail.id} cannot be loaded.",
                rule="definition",
                screening_id=detail.id,
            )
        return definition

    def _written(self, result: WriteResult) -> Screening:
        """The screening as a write left it, saying whether others changed it meanwhile: the one
        the write read in its own transaction when it gives one (no reading back), else read."""
        if result.screening is None:
            screening = self.get(result.screening_id)
        else:
            screening = self._screening(result.screening)
            self._kept.keep(screening)
        return replace(screening, others_changed=result.others_changed)

    def _screening(self, detail: ScreeningDetail) -> Screening:
        definition = self.definition_of(detail)
        assessment = self._rules.assessment_of(
            definition, detail.answers, detail.assessed_on, detail.review, screening_id=detail.id
        )
        return Screening(detail, definition, assessment)

    # ------------------------------------------------------------------ writing

    def create(
        self,
        user: User,
        questionnaire: str = DEFAULT_QUESTIONNAIRE,
        assessed_on: dt.date | None = None,
        answers: Mapping[str, AnswerInput] | None = None,
    ) -> Screening:
        """Open a new draft screening with the current version of `questionnaire`."""
        definition = self.catalog.get(questionnaire)
        if definition is None:
            raise Refused(
                f"Questionnaire {questionnaire!r} is not available (unknown, or it has errors).",
                rule="questionnaire",
            )
        assessed_on = assessed_on or dt.date.today()
        plain = plain_json(answers) if answers else None
        if plain:
            check_answers(definition, plain, assessed_on=assessed_on)
        detail = self.store.create_screening(
            user=user,
            questionnaire=QuestionnairePin(definition.id, definition.version, definition.sha256),
            definition_files=dict(definition.files),
            assessed_on=assessed_on,
            answers=plain,
        )
        return self._screening(detail)

    def answer(
        self, screening_id: str, answers: Mapping[str, AnswerInput], *, user: User, base_revision: int
    ) -> Screening:
        """Save one or many answers in one transaction (None clears an answer). Dates may be
        given as `datetime.date`; they are stored as ISO text.

        The answers are checked against the questionnaire the screening pins, which never
        changes, before the write at the screening date last seen, and again inside the write at
        the date stored then: another process may have moved the date. The screening as this
        workflow last kept it, at any revision, gives both (it is read when none is kept), so a
        save of a screening on screen reads nothing before its write; a refusal is made at the
        date read anew."""
        plain = plain_json(answers)
        kept = self._kept.latest(screening_id)
        seen = kept or self.get(screening_id)
        definition = seen.definition

        def check(assessed_on: dt.date) -> None:
            check_answers(definition, plain, assessed_on=assessed_on)

        try:
            check(seen.detail.assessed_on)
        except Refused:
            if kept is None:  # the date was read just now
                raise
            check(self.get(screening_id).detail.assessed_on)  # refused at the date stored now
        result = self.store.set_answers(
            screening_id, plain, user=user, base_revision=base_revision, check=check, known=seen.detail
        )
        if result.previous_revision is not None:  # the write's own events only, since that revision
            self._kept.carry_acknowledgements(screening_id, result.previous_revision, result.latest_revision)
        return self._written(result)

    def set_assessed_on(
        self, screening_id: str, assessed_on: dt.date, *, user: User, base_revision: int
    ) -> Screening:
        """Change the date the screening is taken (ages are computed at this date). A date before
        a stored date that may not come after the screening (a date of birth) is refused."""
        detail = self.store.get_screening(screening_id, events=False, files=False)
        check_answers(self.definition_of(detail), detail.answers, assessed_on=assessed_on)
        result = self.store.set_assessed_on(screening_id, assessed_on, user=user, base_revision=base_revision)
        return self._written(result)

    def review(
        self, screening_id: str, fields: Mapping[str, AnswerInput], *, user: User, base_revision: int
    ) -> Screening:
        """Record review fields (psychiatrists only); the fields not given are kept, None unsets
        one, and `acknowledged`, when given, replaces every note."""
        plain = plain_json(fields)
        current = None
        if isinstance(plain.get("moved_session"), dict):
            current = self.store.get_screening(screening_id, events=False, files=False).review
        check_review(self._definition_by_id(screening_id), plain, current)
        result = self.store.update_review(screening_id, plain, user=user, base_revision=base_revision)
        return self._written(result)

    def sign(self, screening_id: str, *, user: User, base_revision: int) -> Screening:
        """Sign the review (psychiatrists only) and lock the screening.

        The signature is `user`'s: the name and credentials stored with it and printed under it
        are `user.signature_name`, never a name handed in. A review whose `clinician` names
        somebody else is refused (`rule` `signer_name`): one signs only in one's own name."""
        result = self.store.sign(screening_id, user=user, base_revision=base_revision)
        return self._written(result)

    def amend(
        self,
        screening_id: str,
        *,
        user: User,
        base_revision: int,
        reason: str,
        answers: Mapping[str, AnswerInput] | None = None,
        review: Mapping[str, AnswerInput] | None = None,
        assessed_on: dt.date | None = None,
    ) -> Screening:
        """Amend a signed screening with a reason; it may reopen (see the module docstring)."""
        detail = self.store.get_screening(screening_id, events=False, files=False)
        definition = self.definition_of(detail)
        plain_answers = plain_json(answers) if answers else None
        if plain_answers:
            check_answers(definition, plain_answers, assessed_on=assessed_on or detail.assessed_on)
        plain_review = None if review is None else plain_json(review)
        if plain_review is not None:
            check_review(definition, plain_review, detail.review)
        result = self.store.amend(
            screening_id,
            user=user,
            base_revision=base_revision,
            reason=reason,
            answers=plain_answers,
            review=plain_review,
            assessed_on=assessed_on,
        )
        return self._written(result)

    def discard(self, screening_id: str, *, user: User, base_revision: int, reason: str) -> Screening:
        """Discard a draft created by mistake (kept in the audit trail, out of the list)."""
        result = self.store.discard(screening_id, user=user, base_revision=base_revision, reason=reason)
        return self._written(result)

    def record_document(
        self, screening_id: str, *, user: User, document: str, details: Mapping[str, JsonInput] | None = None
    ) -> AuditEvent:
        """Record that a document was generated or downloaded."""
        return self.store.record_document(screening_id, user=user, document=document, details=details)

    def record_session(self, kind: Literal["signed_in", "signed_out"], *, user: User, how: str) -> int:
        """Record a sign-in or sign-out in the clinic-wide audit chain (see `Store.record_session`)."""
        return self.store.record_session(kind, user=user, how=how)

    def acknowledge_crisis(
        self, screening_id: str, rule_ids: list[str], *, user: User, base_revision: int
    ) -> AuditEvent:
        """Record that `user` saw the suicide-risk alert of `rule_ids` (crisis rules that fire now)
        as the screening stood at `base_revision`, and that the patient's safety is being
        addressed. An audit event only: answers, review, status and lifecycle are unchanged."""
        detail = self.store.get_screening(screening_id, events=False, files=False)
        screening = self._screening(detail)
        crisis = {flag.id for flag in screening.assessment.flags if flag.crisis}
        rules = list(dict.fromkeys(rule_ids))
        if not rules or any(rule not in crisis for rule in rules):
            raise Refused(
                "Only a suicide-risk alert that is raised now can be acknowledged.",
                rule="crisis_not_raised",
                screening_id=screening_id,
            )
        return self.store.record_crisis_acknowledgement(
            screening_id, rules, user=user, seen_revision=base_revision
        )

    def crisis_alerts(self, screening: Screening) -> list[CrisisAlert]:
        """The suicide-risk alerts of a screening (every crisis flag that fires), each with the item
        it belongs under and whether it was acknowledged, from the stored acknowledgements."""
        if not screening.assessment.crisis:
            return []
        kept = self._kept.alerts(screening.id, screening.revision)
        if kept is not None:
            return list(kept)
        answer_revisions = screening.detail.answer_revisions
        acknowledgements = self._kept.acknowledgements(screening.id, screening.revision)
        if acknowledgements is None:
            revision, read = self.store.events_of_kind(screening.id, "crisis_acknowledged")
            if revision != screening.revision:  # the screening moved on: not those of its revision
                return crisis_alerts(screening.definition, screening.assessment, answer_revisions, read)
            acknowledgements = tuple(read)
            self._kept.keep_acknowledgements(screening.id, revision, acknowledgements)
        alerts = crisis_alerts(
            screening.definition, screening.assessment, answer_revisions, list(acknowledgements)
        )
        self._kept.keep_alerts(screening.id, screening.revision, tuple(alerts))
        return alerts

    # ------------------------------------------------------------------ the trail

    def history(self, screening_id: str) -> list[HistoryEntry]:
        """Every change, oldest first: who, when, what (item, old and new value) and why."""
        detail = self.store.get_screening(screening_id, files=False)
        definition = self.definition_of(detail)
        entries: list[HistoryEntry] = []
        for event in detail.events:
            entries.extend(history_entries(definition, event))
        return entries

    def document_notes(self, screening_id: str) -> tuple[LifecycleNote, list[AmendmentNote]]:
        """What the documents print about the lifecycle: where it stands, and each amendment with
        what it changed from what to what."""
        screening = self.get(screening_id)
        reopened = screening.reopened
        is_reopened = reopened is not None and screening.lifecycle == "reopened"
        signature = screening.last_signature
        note = LifecycleNote(
            state=screening.lifecycle,
            sentence=lifecycle_sentence(screening),
            because=reopened.because if is_reopened and reopened is not None else (),
            since=reopened.at if is_reopened and reopened is not None else None,
            signed_by=signature.signer.signature_name if signature is not None else None,
            signed_at=signature.signed_at if signature is not None else None,
            signer_authenticated=signature.signer.authenticated if signature is not None else None,
        )
        detail = self.store.get_screening(screening_id, files=False)
        amendments: list[AmendmentNote] = []
        for event in detail.events:
            if event.kind != "amended":
                continue
            entries = [e for e in history_entries(screening.definition, event) if e.kind == "amended"]
            raw_reason = event.payload.get("reason")
            amendments.append(
                AmendmentNote(
                    at=event.at,
                    by=event.actor.signature_name,
                    reason=raw_reason if isinstance(raw_reason, str) else "",
                    changes=tuple(
                        ChangeNote(entry.target_label or entry.target or "", entry.old_words, entry.new_words)
                        for entry in entries
                    ),
                )
            )
        return note, amendments

    def verify(self, screening_id: str) -> bool:
        """True when the audit trail is intact and agrees with the stored screening, and the
        stored status (the one the list shows) is the status of the stored answers."""
        return self.audit_report(screening_id).ok

    def audit_report(self, screening_id: str) -> AuditReport:
        """What `verify` checked, naming the first broken event if any."""
        report = self.store.verify_audit(screening_id)
        detail = self.store.get_screening(screening_id, events=False, files=False)
        try:
            expected: Status = self._screening(detail).status
        except Refused:  # the pinned questionnaire cannot be loaded: the judge records incomplete
            expected = "incomplete"
        if detail.status == expected:
            return report
        logger.warning("The stored status of screening %s is not the status of its answers", screening_id)
        problem = AuditProblem("the stored status differs from the status of the stored answers")
        return replace(report, problems=(*report.problems, problem))

    def verify_clinic(self) -> ClinicReport:
        """Whether the clinic record is intact and names every stored screening, and no more."""
        return self.store.verify_clinic()

    # ------------------------------------------------------------------ checks of requests

    def _definition_by_id(self, screening_id: str) -> Definition:
        return self.definition_of(self.store.get_screening(screening_id, events=False, files=False))
