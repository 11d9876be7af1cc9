"""The screening lifecycle: one Streamlit-free service for every client (the app, importers, tests).

    wf = Workflow(database_url="sqlite:///screenings.db", questionnaires="questionnaires")
    s = wf.create(coordinator, questionnaire="ketamine-trd-intake", assessed_on=date(2026, 11, 20))
    s = wf.answer(s.id, {"patient_name": "Ana Silva"}, user=coordinator, base_revision=s.revision)
    s = wf.review(s.id, {"decision": "proceed", ...}, user=psychiatrist, base_revision=s.revision)
    s = wf.sign(s.id, user=psychiatrist, base_revision=s.revision)
    s = wf.amend(s.id, user=coordinator, base_revision=s.revision, reason="…", answers={...})

Every write returns the `Screening` as it is after the write. The status is computed here, by the
engine, inside the write's own transaction (storage calls back into `_Rules`), so no caller ever
hands in a status and the stored status is always the status of the stored answers.

The lifecycle rules live in `_Rules` and nowhere else:
- signing (psychiatrists only) needs a decision; `proceed` is refused when the status is
  `contraindicated` or `incomplete`, or when a fired relative flag or an unmet requirement has no
  note;
- an amendment of a signed screening (any answer, the date, any review field: psychiatrists
  only), always with a reason, reopens it when it makes a new absolute or relative flag fire,
  changes the status, or leaves `proceed` without the notes it needs; a review amendment that
  newly records `proceed` where it could not be signed, or removes the decision, is refused;
- a draft created by mistake can be discarded.

Requests that cannot be done raise `Refused` (role, lock, rule, a wrong call) or `Conflict`
(somebody else changed the same target since `base_revision`); their messages never carry
patient data. `NotFound` (a `LookupError`) means no screening has the id.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeAlias

from screening.answers import validate_answers
from screening.assessment import Assessment
from screening.definition import Definition
from screening.engine import assess
from screening.loading import Catalog, default_directory, load_catalog, load_pinned
from screening.report.content import AmendmentNote, ChangeNote, LifecycleNote, value_words
from screening.storage import (
    AuditProblem,
    AuditReport,
    JsonInput,
    JsonValue,
    NotFound,
    QuestionnairePin,
    ScreeningDetail,
    ScreeningSummary,
    Signature,
    Store,
    User,
    WriteResult,
    utc_now,
)
from screening.storage.errors import Conflict, ConflictError, InvalidRequest, Refused
from screening.storage.judge import AmendmentVerdict, State
from screening.storage.records import AuditEvent, Reopening
from screening.storage.store import Clock
from screening.storage.values import answer_json, canonical_json
from screening.vocabulary import (
    REVIEW_FIELD_WORDS,
    WEIGHT_BASIS_WORDS,
    Decision,
    Lifecycle,
    Review,
    Status,
    decision_words,
    moved_session_words,
    signed_sentence,
    status_words,
)

__all__ = [
    "AnswerInput",
    "Conflict",
    "ConflictError",
    "HistoryEntry",
    "NotFound",
    "Refused",
    "Screening",
    "User",
    "Workflow",
]

logger = logging.getLogger(__name__)

DEFAULT_QUESTIONNAIRE = "ketamine-trd-intake"

AnswerInput: TypeAlias = (
    str | int | float | bool | dt.date | Sequence["AnswerInput"] | Mapping[str, "AnswerInput"] | None
)
"""What a caller may give as an answer or a review field: JSON values, and dates (`datetime.date`),
which are stored as ISO text."""

_ASSESSMENT_CACHE = 256


# ---------------------------------------------------------------------------------------------
# What the workflow returns


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change of a screening, as the history panel and the summary PDF show it.

    `kind` is one of created, answer, date, review, signed, amended, reopened, discarded,
    document. An amendment of three answers gives three entries with the same `revision` and
    `reason`. `old` and `new` are the stored values; `old_words` and `new_words` say them in words
    (patient data: for the screen and the documents, never for logs).
    """

    revision: int
    at: dt.datetime
    user_id: str
    user_name: str
    role: str
    kind: str
    target: str | None
    target_label: str | None
    old: JsonValue = field(repr=False)
    new: JsonValue = field(repr=False)
    old_words: str = field(repr=False, default="")
    new_words: str = field(repr=False, default="")
    reason: str | None = field(repr=False, default=None)


@dataclass(frozen=True)
class Screening:
    """One screening as stored, with its definition and its assessment.

    `detail` is the stored record (without the pinned files: `definition.files` has them);
    `answers` maps item id to the stored (JSON) value; `lifecycle` is draft, signed or reopened;
    `status` is the status the workflow computed at this revision; `decision` the review's
    decision, or None. `reopened` says why and when a signed screening was reopened.

    On the screening a write returns, `others_changed` says that somebody else changed it after
    the writer's `base_revision`: the writer has not seen those changes yet (storage's
    `WriteResult.others_changed`). It is False on a screening that was only read.
    """

    detail: ScreeningDetail = field(repr=False)
    definition: Definition = field(repr=False)
    _assessment: Assessment = field(repr=False)
    others_changed: bool = False

    @property
    def id(self) -> str:
        return self.detail.id

    @property
    def revision(self) -> int:
        return self.detail.revision

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.detail.answers)

    @property
    def lifecycle(self) -> Lifecycle:
        return self.detail.lifecycle

    @property
    def status(self) -> Status:
        return self.assessment.status

    @property
    def decision(self) -> Decision | None:
        return self.detail.decision

    @property
    def assessment(self) -> Assessment:
        return self._assessment

    @property
    def review(self) -> Review | None:
        """The review as recorded (None before anything was recorded)."""
        raw = self.detail.review
        if raw is None:
            return None
        try:
            return Review.model_validate(raw)
        except ValueError:  # stored by an older version with a field this one no longer knows
            return None

    @property
    def assessed_on(self) -> dt.date:
        return self.detail.assessed_on

    @property
    def signature(self) -> Signature | None:
        """The signature that stands: None unless the screening is signed now."""
        return self.detail.signature if self.lifecycle == "signed" else None

    @property
    def last_signature(self) -> Signature | None:
        """The most recent signature, standing or not (a reopened screening keeps it here)."""
        return self.detail.signature

    @property
    def reopened(self) -> Reopening | None:
        return self.detail.reopened

    @property
    def discarded(self) -> bool:
        return self.detail.discarded

    @property
    def locked(self) -> bool:
        return self.lifecycle == "signed"

    def to_json(self) -> dict[str, Any]:
        """The assessment JSON (SPEC 4.2) plus `lifecycle`, `decision` and `revision`."""
        contract = self.assessment.contract()
        contract["lifecycle"] = self.lifecycle
        contract["decision"] = self.decision
        contract["revision"] = self.revision
        if self.reopened is not None:
            contract["reopened"] = {
                "at": self.reopened.at.isoformat(),
                "by": self.reopened.by,
                "reason": self.reopened.reason,
                "because": list(self.reopened.because),
                "changes": list(self.reopened.changes),
            }
        return contract


# ---------------------------------------------------------------------------------------------
# The service


class Workflow:
    """The screening lifecycle over one database and one questionnaire directory.

    :param database_url: any SQLAlchemy URL; None means $SCREENING_DATABASE_URL, else SQLite at
        `data/screenings.db`.
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
        self._rules = _Rules(self.catalog)
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
        """The screening as stored now. Raises `NotFound` for an unknown id."""
        detail = self.store.get_screening(screening_id, events=False, files=False)
        return self._screening(detail)

    def screenings(self, **filters: Any) -> list[ScreeningSummary]:
        """Screenings for the list page; see `Store.list_screenings` for the filters."""
        return self.store.list_screenings(**filters)

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
        """The screening as a write left it, saying whether others changed it meanwhile."""
        screening = self.get(result.screening_id)
        return replace(screening, others_changed=result.others_changed)

    def _screening(self, detail: ScreeningDetail) -> Screening:
        definition = self.definition_of(detail)
        assessment = self._rules.assessment_of(definition, detail.answers, detail.assessed_on, detail.review)
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
        plain = _plain_json(answers) if answers else None
        if plain:
            self._check_answers(definition, plain, assessed_on=assessed_on)
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
        given as `datetime.date`; they are stored as ISO text."""
        plain = _plain_json(answers)
        detail = self.store.get_screening(screening_id, events=False, files=False)
        self._check_answers(self.definition_of(detail), plain, assessed_on=detail.assessed_on)
        result = self.store.set_answers(screening_id, plain, user=user, base_revision=base_revision)
        return self._written(result)

    def set_assessed_on(
        self, screening_id: str, assessed_on: dt.date, *, user: User, base_revision: int
    ) -> Screening:
        """Change the date the screening is taken (ages are computed at this date). A date before
        a stored date that may not come after the screening (a date of birth) is refused."""
        detail = self.store.get_screening(screening_id, events=False, files=False)
        self._check_answers(self.definition_of(detail), detail.answers, assessed_on=assessed_on)
        result = self.store.set_assessed_on(screening_id, assessed_on, user=user, base_revision=base_revision)
        return self._written(result)

    def review(
        self, screening_id: str, fields: Mapping[str, AnswerInput], *, user: User, base_revision: int
    ) -> Screening:
        """Record review fields (psychiatrists only); the fields not given are kept, None unsets
        one, and `acknowledged`, when given, replaces every note."""
        plain = _plain_json(fields)
        current = None
        if isinstance(plain.get("moved_session"), dict):
            current = self.store.get_screening(screening_id, events=False, files=False).review
        self._check_review(self._definition_by_id(screening_id), plain, current)
        result = self.store.update_review(screening_id, plain, user=user, base_revision=base_revision)
        return self._written(result)

    def sign(self, screening_id: str, *, user: User, base_revision: int) -> Screening:
        """Sign the review (psychiatrists only) and lock the screening."""
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
        plain_answers = _plain_json(answers) if answers else None
        if plain_answers:
            self._check_answers(definition, plain_answers, assessed_on=assessed_on or detail.assessed_on)
        plain_review = None if review is None else _plain_json(review)
        if plain_review is not None:
            self._check_review(definition, plain_review, detail.review)
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

    # ------------------------------------------------------------------ the trail

    def history(self, screening_id: str) -> list[HistoryEntry]:
        """Every change, oldest first: who, when, what (item, old and new value) and why."""
        detail = self.store.get_screening(screening_id, files=False)
        definition = self.definition_of(detail)
        entries: list[HistoryEntry] = []
        for event in detail.events:
            entries.extend(_history_entries(definition, event))
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
        )
        detail = self.store.get_screening(screening_id, files=False)
        amendments: list[AmendmentNote] = []
        for event in detail.events:
            if event.kind != "amended":
                continue
            entries = [e for e in _history_entries(screening.definition, event) if e.kind == "amended"]
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

    # ------------------------------------------------------------------ checks of requests

    def _definition_by_id(self, screening_id: str) -> Definition:
        return self.definition_of(self.store.get_screening(screening_id, events=False, files=False))

    @staticmethod
    def _check_answers(
        definition: Definition, answers: Mapping[str, JsonInput], *, assessed_on: dt.date | None
    ) -> None:
        """Refuse unknown items and values the questionnaire does not accept, naming the item.

        `assessed_on` is the screening date the answers will be stored with: a date the
        questionnaire allows only up to the screening (a date of birth) is checked against it."""
        if not isinstance(answers, Mapping):
            raise InvalidRequest("Answers are a mapping of item id to value.", rule="answers")
        given = {key: value for key, value in answers.items() if value is not None}
        unknown = sorted(str(key) for key in answers if key not in definition.items)
        if unknown:
            raise InvalidRequest(
                f"Unknown item(s) {', '.join(unknown)} in questionnaire {definition.id}.",
                item_id=unknown[0],
                rule="unknown_item",
            )
        _values, problems = validate_answers(definition, given, assessed_on=assessed_on)
        if problems:
            first = problems[0]
            raise InvalidRequest(
                str(first), item_id=first.where.item, rule="invalid_answer", detail=first.message
            )
        for item_id, value in given.items():
            try:  # text the engine accepts but a database cannot keep (a NUL character)
                answer_json(item_id, value)
            except InvalidRequest as unstorable:
                raise InvalidRequest(str(unstorable), item_id=item_id, rule="invalid_answer") from None

    @staticmethod
    def _check_review(
        definition: Definition,
        fields: Mapping[str, JsonInput],
        current: Mapping[str, JsonValue] | None = None,
    ) -> None:
        protocol = fields.get("protocol") if isinstance(fields, Mapping) else None
        if protocol is not None and protocol not in definition.plans:
            raise InvalidRequest(
                f"Protocol {protocol!r} is not a plan of questionnaire {definition.id}.", rule="protocol"
            )
        moved = fields.get("moved_session") if isinstance(fields, Mapping) else None
        if not isinstance(moved, Mapping):
            return
        chosen = protocol if "protocol" in fields else (current or {}).get("protocol")
        plan = definition.plans.get(chosen) if isinstance(chosen, str) else None
        if plan is None:
            raise InvalidRequest(
                "Review field 'moved_session' moves a session, but no protocol is chosen.",
                rule="moved_session",
            )
        number = moved.get("session")
        if isinstance(number, int) and not isinstance(number, bool) and number > len(plan.sessions):
            raise InvalidRequest(
                f"Review field 'moved_session': session {number} does not exist; plan '{plan.id}' has"
                f" {len(plan.sessions)} dated sessions.",
                rule="moved_session",
            )


def _plain_json(values: Mapping[str, AnswerInput]) -> dict[str, Any]:
    """`values` with dates as ISO text (and tuples as lists), as storage keeps them."""
    if not isinstance(values, Mapping):
        raise InvalidRequest("Expected a mapping of ids to values.", rule="mapping")
    return {key: _plain_value(value) for key, value in values.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: _plain_value(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_value(inner) for inner in value]
    return value


# ---------------------------------------------------------------------------------------------
# The lifecycle rules


class _Rules:
    """The judge storage calls inside each write: status, signing and amending rules.

    Definitions are cached by questionnaire hash, assessments by questionnaire hash and content
    (answers, review, date): a screening's content at a revision never changes, and a write that
    was rolled back leaves nothing wrong behind (its content is simply not stored).
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._assess = functools.lru_cache(maxsize=_ASSESSMENT_CACHE)(self._assess_uncached)
        # by questionnaire hash: one entry per questionnaire version ever used (None: its pinned
        # files do not load), so a pinned version's files are read and parsed once
        self._definitions: dict[str, Definition | None] = {}

    # definitions and assessments

    def definition(self, pin: QuestionnairePin, files: Any) -> Definition | None:
        loaded = self.catalog.get(pin.id)
        if loaded is not None and loaded.sha256 == pin.sha256:
            return loaded
        if pin.sha256 not in self._definitions:
            self._definitions[pin.sha256], _issues = load_pinned(files())
        return self._definitions[pin.sha256]

    def assessment_of(
        self,
        definition: Definition,
        answers: Mapping[str, Any],
        assessed_on: dt.date | None,
        review: Mapping[str, Any] | None,
    ) -> Assessment:
        key_answers = canonical_json(dict(answers))
        key_review = None if review is None else canonical_json(dict(review))
        self._definitions.setdefault(definition.sha256, definition)
        return self._assess(
            definition.sha256, key_answers, assessed_on.isoformat() if assessed_on else None, key_review
        )

    def _assess_uncached(
        self, sha256: str, answers_json: str, assessed_on: str | None, review_json: str | None
    ) -> Assessment:
        definition = self._definitions[sha256]
        assert definition is not None  # assessment_of put it there
        return assess(
            definition,
            json.loads(answers_json),
            assessed_on=dt.date.fromisoformat(assessed_on) if assessed_on else None,
            review=None if review_json is None else json.loads(review_json),
        )

    def _of(self, state: State) -> tuple[Definition, Assessment] | None:
        definition = self.definition(state.questionnaire, state.files)
        if definition is None:
            logger.error("The questionnaire pinned by screening %s cannot be loaded", state.screening_id)
            return None
        review = dict(state.review) if state.review else None
        return definition, self.assessment_of(definition, state.answers, state.assessed_on, review)

    # the judge

    def status(self, state: State) -> Status:
        found = self._of(state)
        # a screening whose questionnaire cannot be read is never shown as ready
        return "incomplete" if found is None else found[1].status

    def signing_refusal(self, state: State) -> tuple[str, str] | None:
        found = self._of(state)
        if found is None:
            return ("definition", "The screening's questionnaire cannot be loaded, so it cannot be signed.")
        return _proceed_refusal(found[1], state.review, signing=True)

    def amendment(self, before: State, after: State, *, review_changed: bool) -> AmendmentVerdict:
        old = self._of(before)
        new = self._of(after)
        if old is None or new is None:
            return AmendmentVerdict(refusal=("definition", "The screening's questionnaire cannot be loaded."))
        definition, old_assessment = old
        new_assessment = new[1]
        newly_proceed = (
            after.review.get("decision") == "proceed" and before.review.get("decision") != "proceed"
        )
        if review_changed and newly_proceed:
            refusal = _proceed_refusal(new_assessment, after.review, signing=False)
            if refusal is not None:
                return AmendmentVerdict(refusal=refusal)
        decision_removed = after.review.get("decision") is None and before.review.get("decision") is not None
        if review_changed and decision_removed:
            # signing needs a decision, so a signed screening keeps one: it is changed, not removed
            return AmendmentVerdict(
                refusal=("no_decision", "A signed review keeps its decision; record another one instead.")
            )
        because = _reopen_reasons(old_assessment, new_assessment, after.review)
        if not because:
            return AmendmentVerdict()
        return AmendmentVerdict(
            reopen_because=tuple(because), changes=tuple(_change_words(definition, before, after))
        )


def _proceed_refusal(
    assessment: Assessment, review: Mapping[str, JsonValue], *, signing: bool
) -> tuple[str, str] | None:
    """Why the review cannot stand as it is: the signing rules of SPEC 7, in one place."""
    decision = review.get("decision")
    if signing and decision is None:
        return ("no_decision", "Record a decision before signing.")
    if decision != "proceed":
        return None
    if assessment.status == "contraindicated":
        return ("proceed_contraindicated", "'Proceed' is not possible: an absolute contraindication fired.")
    if assessment.status == "incomplete":
        return ("proceed_incomplete", "'Proceed' is not possible while required answers are missing.")
    result = assessment.review
    flags = len(result.unacknowledged) if result else 0
    requirements = len(result.unacknowledged_requirements) if result else 0
    if flags:
        return (
            "proceed_unacknowledged",
            f"'Proceed' needs a note for every relative flag that fired ({flags} without a note).",
        )
    if requirements:
        return (
            "proceed_requirement",
            f"'Proceed' needs a note for every unmet requirement ({requirements} without a note).",
        )
    return None


def _reopen_reasons(old: Assessment, new: Assessment, review_after: Mapping[str, JsonValue]) -> list[str]:
    """Why an amendment takes away the signed decision, in words (empty: it still stands)."""
    reasons: list[str] = []
    before = old.fired
    for flag in new.flags:
        if flag.id not in before and flag.severity in ("absolute", "relative"):
            kind = "absolute contraindication" if flag.severity == "absolute" else "relative flag"
            reasons.append(f"New {kind}: {flag.title}")
    if new.status != old.status:
        reasons.append(f"Status changed from {status_words(old.status)} to {status_words(new.status)}")
    if review_after.get("decision") == "proceed":
        refusal = _proceed_refusal(new, review_after, signing=True)
        if refusal is not None:
            reasons.append(refusal[1])
    return reasons


def _change_words(definition: Definition, before: State, after: State) -> list[str]:
    """What an amendment changed, one sentence each: "Heart disease now Yes"."""
    words: list[str] = []
    for item_id in sorted(set(before.answers) | set(after.answers), key=_item_order(definition)):
        old, new = before.answers.get(item_id), after.answers.get(item_id)
        if canonical_json(old) != canonical_json(new):
            label, _old_words, new_words = _answer_words(definition, item_id, old, new)
            words.append(f"{label} now {new_words}")
    if before.assessed_on != after.assessed_on:
        words.append(f"Screening date now {after.assessed_on.isoformat()}")
    for key in REVIEW_FIELD_WORDS:
        if key == "signed_at":
            continue
        old_value, new_value = before.review.get(key), after.review.get(key)
        if canonical_json(old_value) != canonical_json(new_value):
            words.append(f"{REVIEW_FIELD_WORDS[key]} now {_review_words(definition, key, new_value)}")
    return words


def _item_order(definition: Definition) -> Any:
    order = {item_id: index for index, item_id in enumerate(definition.items)}
    return lambda item_id: (order.get(item_id, len(order)), item_id)


def _answer_words(
    definition: Definition, item_id: str, old: JsonValue, new: JsonValue
) -> tuple[str, str, str]:
    item = definition.items.get(item_id)
    if item is None:
        return item_id, _plain(old), _plain(new)
    return item.name, _value_words(definition, item, old), _value_words(definition, item, new)


def _value_words(definition: Definition, item: Any, value: JsonValue) -> str:
    if value is None:
        return "not answered"
    try:
        return value_words(definition, item, value)
    except (TypeError, ValueError, AttributeError):  # a stored value of an unexpected shape
        return _plain(value)


def _plain(value: JsonValue) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _review_words(definition: Definition, key: str, value: JsonValue) -> str:
    if value is None:
        return "not set"
    if key == "decision" and isinstance(value, str):
        return decision_words(value)
    if key == "protocol" and isinstance(value, str):
        plan = definition.plans.get(value)
        return plan.title if plan is not None else value
    if key == "weight_basis" and isinstance(value, str):
        return WEIGHT_BASIS_WORDS.get(value, value)
    if key == "moved_session" and isinstance(value, dict):
        return moved_session_words(value)
    if key == "acknowledged" and isinstance(value, dict):
        titles = {rule.id: rule.title for rule in definition.rules}
        titles.update({requirement.id: requirement.title for requirement in definition.requirements})
        # the questionnaire's order, so that the same notes read the same wherever they are shown
        # (the stored review keeps its keys sorted, a request keeps the order it was typed in)
        order = {flag_id: index for index, flag_id in enumerate(titles)}
        notes = sorted(value.items(), key=lambda note: (order.get(note[0], len(order)), note[0]))
        return "; ".join(f"{titles.get(k, k)}: {v}" for k, v in notes) or "no notes"
    return _plain(value)


# ---------------------------------------------------------------------------------------------
# History


def _history_entries(definition: Definition, event: AuditEvent) -> list[HistoryEntry]:
    payload = event.payload
    base: dict[str, Any] = {
        "revision": event.seq,
        "at": event.at,
        "user_id": event.actor.id,
        "user_name": event.actor.name,
        "role": event.actor.role,
    }
    kind = event.kind
    raw_reason = payload.get("reason")
    reason = raw_reason if isinstance(raw_reason, str) else None
    if kind == "screening_created":
        return [HistoryEntry(**base, kind="created", target=None, target_label=None, old=None, new=None)]
    if kind in ("answer_set", "answer_cleared"):
        return [_answer_entry(definition, base, "answer", payload, None)]
    if kind == "assessed_on_set":
        return [_date_entry(base, "date", payload, None)]
    if kind == "review_saved":
        return _review_entries(definition, base, "review", payload, None)
    if kind == "signed":
        decision = payload.get("decision")
        words = decision_words(decision if isinstance(decision, str) else None)
        return [
            HistoryEntry(
                **base,
                kind="signed",
                target="decision",
                target_label="Signed",
                old=None,
                new=decision,
                new_words=words,
            )
        ]
    if kind == "amended":
        answers = payload.get("answers")
        entries = [
            _answer_entry(definition, base, "amended", entry, reason)
            for entry in (answers if isinstance(answers, list) else [])
            if isinstance(entry, dict)
        ]
        date_change = payload.get("assessed_on")
        if isinstance(date_change, dict):
            entries.append(_date_entry(base, "amended", date_change, reason))
        review_change = payload.get("review")
        if isinstance(review_change, dict):
            entries.extend(_review_entries(definition, base, "amended", review_change, reason))
        lifecycle = payload.get("lifecycle")
        if isinstance(lifecycle, dict) and lifecycle.get("new") == "reopened":
            because = payload.get("reopened_because")
            text = "; ".join(str(x) for x in because) if isinstance(because, list) else ""
            entries.append(
                HistoryEntry(
                    **base,
                    kind="reopened",
                    target="lifecycle",
                    target_label="Reopened: needs re-signing",
                    old="signed",
                    new="reopened",
                    old_words="Signed",
                    new_words=text,
                    reason=reason,
                )
            )
        return entries
    if kind == "discarded":
        return [
            HistoryEntry(
                **base,
                kind="discarded",
                target=None,
                target_label="Discarded",
                old=None,
                new=None,
                reason=reason,
            )
        ]
    if kind == "document_generated":
        document = payload.get("document")
        return [
            HistoryEntry(
                **base,
                kind="document",
                target=str(document),
                target_label=f"Document {document}",
                old=None,
                new=None,
            )
        ]
    return []


def _answer_entry(
    definition: Definition,
    base: dict[str, Any],
    kind: str,
    payload: Mapping[str, JsonValue],
    reason: str | None,
) -> HistoryEntry:
    item_id = str(payload.get("item"))
    old, new = payload.get("old"), payload.get("new")
    label, old_words, new_words = _answer_words(definition, item_id, old, new)
    return HistoryEntry(
        **base,
        kind=kind,
        target=item_id,
        target_label=label,
        old=old,
        new=new,
        old_words=old_words,
        new_words=new_words,
        reason=reason,
    )


def _date_entry(
    base: dict[str, Any], kind: str, payload: Mapping[str, JsonValue], reason: str | None
) -> HistoryEntry:
    old, new = payload.get("old"), payload.get("new")
    return HistoryEntry(
        **base,
        kind=kind,
        target="assessed_on",
        target_label="Screening date",
        old=old,
        new=new,
        old_words=_plain(old),
        new_words=_plain(new),
        reason=reason,
    )


def _review_entries(
    definition: Definition,
    base: dict[str, Any],
    kind: str,
    payload: Mapping[str, JsonValue],
    reason: str | None,
) -> list[HistoryEntry]:
    raw_old, raw_new = payload.get("old"), payload.get("new")
    old = raw_old if isinstance(raw_old, dict) else {}
    new = raw_new if isinstance(raw_new, dict) else {}
    entries = []
    for key in REVIEW_FIELD_WORDS:
        if key == "signed_at":
            continue
        before, after = old.get(key), new.get(key)
        if canonical_json(before) == canonical_json(after):
            continue
        entries.append(
            HistoryEntry(
                **base,
                kind=kind,
                target=f"review.{key}",
                target_label=REVIEW_FIELD_WORDS[key],
                old=before,
                new=after,
                old_words=_review_words(definition, key, before),
                new_words=_review_words(definition, key, after),
                reason=reason,
            )
        )
    return entries


def lifecycle_sentence(screening: Screening | ScreeningSummary) -> str:
    """The lifecycle in one sentence, as the header, the list and the documents say it:
    "Signed: proceed, 5 flags acknowledged"; "Reopened after an amendment on 2026-12-02: Heart
    disease now Yes. Needs re-signing"; "Draft"."""
    lifecycle = screening.lifecycle
    if lifecycle == "signed":
        if isinstance(screening, Screening):
            review = screening.assessment.review
            return signed_sentence(screening.decision, len(review.acknowledged) if review else 0)
        return signed_sentence(screening.decision)
    if lifecycle == "reopened":
        reopened = screening.reopened
        if reopened is None:
            return "Reopened after an amendment. Needs re-signing"
        what = "; ".join(reopened.changes) or "; ".join(reopened.because)
        day = reopened.at.astimezone().date().isoformat()  # the server's day, as the app shows times
        return f"Reopened after an amendment on {day}: {what}. Needs re-signing"
    return "Draft"


def changes_since(entries: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """The entries that changed content (answers, date, review, lifecycle), oldest first."""
    return [entry for entry in entries if entry.kind not in ("created", "document")]
