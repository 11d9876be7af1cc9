"""The lifecycle rules, written once: the judge storage calls inside each write.

Signing needs a decision; `proceed` is refused when the status is contraindicated or incomplete,
or when a fired relative flag or an unmet requirement has no note. An amendment that makes a new
absolute or relative flag fire, changes the status, or leaves `proceed` without its notes reopens
the screening; a review amendment that newly records `proceed` where it could not be signed, or
removes the decision, is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Mapping
from typing import Any, NamedTuple

from screening.assessment import Assessment
from screening.definition import Definition
from screening.engine import assess, reassess
from screening.lifecycle.recent import Recent
from screening.lifecycle.words import change_words
from screening.loading import Catalog, load_pinned
from screening.storage import JsonValue, QuestionnairePin
from screening.storage.judge import AmendmentVerdict, State
from screening.storage.values import canonical_json
from screening.vocabulary import Status, status_words

logger = logging.getLogger("screening.workflow")  # the workflow's logger: the judge is part of it

_ASSESSMENT_CACHE = 256


class _Key(NamedTuple):
    """An assessment's content: questionnaire hash, answers, date and review (canonical JSON)."""

    sha256: str
    answers: str
    assessed_on: str | None
    review: str | None


class Rules:
    """The judge storage calls inside each write: status, signing and amending rules.

    Definitions are cached by questionnaire hash, assessments by questionnaire hash and content
    (answers, review, date): a screening's content at a revision never changes, and a write that
    was rolled back leaves nothing wrong behind (its content is simply not stored).
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._assessments: Recent[_Key, Assessment] = Recent(_ASSESSMENT_CACHE)
        # by screening id: the key of the latest assessment made or found for it, the one a next
        # assessment of that screening starts from (`screening.engine.reassess`)
        self._latest: Recent[str, tuple[_Key, Assessment]] = Recent(_ASSESSMENT_CACHE)
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
        *,
        screening_id: str | None = None,
    ) -> Assessment:
        """The assessment of this content, kept by content. Given the screening's id, an
        assessment not kept yet is made from the screening's latest one when only answers changed
        (`reassess`: what the changed answers can change, computed again)."""
        key = _Key(
            definition.sha256,
            canonical_json(dict(answers)),
            assessed_on.isoformat() if assessed_on else None,
            None if review is None else canonical_json(dict(review)),
        )
        with self._lock:
            found = self._assessments.get(key)
            basis = self._latest.get(screening_id) if screening_id is not None else None
        if found is None:
            found = self._assess(definition, key, basis)
        with self._lock:
            self._assessments.put(key, found)
            if screening_id is not None:
                self._latest.put(screening_id, (key, found))
        return found

    @staticmethod
    def _assess(definition: Definition, key: _Key, basis: tuple[_Key, Assessment] | None) -> Assessment:
        answers = json.loads(key.answers)
        assessed_on = dt.date.fromisoformat(key.assessed_on) if key.assessed_on else None
        if key.review is None and basis is not None:
            before, assessment = basis
            same_questionnaire = before.sha256 == key.sha256 and before.assessed_on == key.assessed_on
            if same_questionnaire and before.review is None:
                earlier = json.loads(before.answers)
                return reassess(definition, earlier, assessment, answers, assessed_on=assessed_on)
        review = None if key.review is None else json.loads(key.review)
        return assess(definition, answers, assessed_on=assessed_on, review=review)

    def _of(self, state: State) -> tuple[Definition, Assessment] | None:
        definition = self.definition(state.questionnaire, state.files)
        if definition is None:
            logger.error("The questionnaire pinned by screening %s cannot be loaded", state.screening_id)
            return None
        review = dict(state.review) if state.review else None
        assessment = self.assessment_of(
            definition, state.answers, state.assessed_on, review, screening_id=state.screening_id
        )
        return definition, assessment

    # the judge

    def status(self, state: State) -> Status:
        found = self._of(state)
        # a screening whose questionnaire cannot be read is never shown as ready
        return "incomplete" if found is None else found[1].status

    def signing_refusal(self, state: State) -> tuple[str, str] | None:
        found = self._of(state)
        if found is None:
            return ("definition", "The screening's questionnaire cannot be loaded, so it cannot be signed.")
        return proceed_refusal(found[1], state.review, signing=True)

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
            refusal = proceed_refusal(new_assessment, after.review, signing=False)
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
            reopen_because=tuple(because), changes=tuple(change_words(definition, before, after))
        )


def proceed_refusal(
    assessment: Assessment, review: Mapping[str, JsonValue], *, signing: bool
) -> tuple[str, str] | None:
    """Why the review cannot stand as it is: the signing rules (docs/contract.md §4.3), in one place."""
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
        refusal = proceed_refusal(new, review_after, signing=True)
        if refusal is not None:
            reasons.append(refusal[1])
    return reasons
