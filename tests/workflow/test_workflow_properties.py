"""Properties of the lifecycle over random sequences of calls (hypothesis, stateful).

A coordinator and two psychiatrists answer (toggling absolute items such as current_psychosis,
relative ones such as heart_disease or glaucoma, a required answer, the antidepressant trials
behind the TRD requirement), record review fields (decision, acknowledgement notes, some blank),
sign, amend (with or without a reason, review fields too) and discard, sometimes from a stale
revision; every `Refused` and `Conflict` is caught and the writer reloads. Whatever the sequence:

(a) the screening is never signed without a decision, nor with decision 'proceed' while an
    absolute flag fired, the status is contraindicated or incomplete, or a fired relative flag or
    an unmet requirement has no note; it is signed exactly when its review carries `signed_at`;
(b) replaying the history (`HistoryEntry` list) and the audit events from empty gives the stored
    answers and review;
(c) `verify()` is True, and the stored status is the engine's status of the stored answers.

Bounded to run in a few seconds per backend: fewer examples on PostgreSQL, where each write is a
network round trip.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from screening.engine import assess
from screening.storage import User
from screening.workflow import Conflict, Refused, Screening, Workflow
from tests.workflow.workflow_support import (
    ANSWERS,
    COORDINATOR,
    OTHER_PSYCHIATRIST,
    PSYCHIATRIST,
    assert_consistent,
    assert_replays,
    draft,
)

ABSOLUTE_ITEMS = ("current_psychosis", "current_mania")
RELATIVE_ITEMS = ("heart_disease", "glaucoma", "hypertension_history")
ONE_TRIAL = ANSWERS["antidepressant_trials"][:1]  # the TRD criteria are then unmet
NOTE_IDS = (
    "ci.rel.heart_disease",
    "ci.rel.glaucoma",
    "ci.rel.hypertension_history",
    "trd_criteria",
    "ci.rel.porphyria",  # never fires here
)

coordinators_mostly = st.sampled_from([COORDINATOR, COORDINATOR, PSYCHIATRIST])
psychiatrists_mostly = st.sampled_from([PSYCHIATRIST, PSYCHIATRIST, OTHER_PSYCHIATRIST, COORDINATOR])
anyone = st.sampled_from([COORDINATOR, PSYCHIATRIST, OTHER_PSYCHIATRIST])
answer_changes = st.fixed_dictionaries(
    {},
    optional={
        **{item: st.booleans() for item in ABSOLUTE_ITEMS + RELATIVE_ITEMS},
        "phq9_4": st.sampled_from([None, "nearly_every_day", "nearly_every_day"]),
        "antidepressant_trials": st.sampled_from([ONE_TRIAL, ANSWERS["antidepressant_trials"]]),
    },
).filter(bool)
EVERY_NOTE = dict.fromkeys(NOTE_IDS, "Seen and discussed.")
notes = st.just(EVERY_NOTE) | st.dictionaries(
    st.sampled_from(NOTE_IDS),
    st.sampled_from(["Seen and discussed.", "Agreed with the patient.", "   "]),
    max_size=4,
)
decisions = st.sampled_from(["proceed", "proceed", "do_not_proceed", "defer", None])
review_fields = st.fixed_dictionaries(
    {},
    optional={
        "decision": decisions,
        "acknowledged": st.none() | notes,
        "start_date": st.sampled_from([dt.date(2026, 12, 2), dt.date(2026, 12, 9)]),
    },
).filter(bool)
reasons = st.sampled_from(["Checked with the patient", "Letter from the GP", "Records arrived", ""])


class LifecycleMachine(RuleBasedStateMachine):
    """One screening per example, driven through random lifecycle calls."""

    wf: ClassVar[Workflow]

    def __init__(self) -> None:
        super().__init__()
        screening = draft(self.wf)
        self.screening_id = screening.id
        self.seen = [screening.revision]  # revisions the users have had on screen
        self.lifecycle = screening.lifecycle
        self.discarded = False

    def _base(self, stale: bool) -> int:
        return self.seen[-2] if stale and len(self.seen) > 1 else self.seen[-1]

    def _attempt(self, write: Any) -> None:
        try:
            screening: Screening = write()
        except (Refused, Conflict):
            screening = self.wf.get(self.screening_id)  # the writer reloads
        self.seen.append(screening.revision)
        self.lifecycle = screening.lifecycle
        self.discarded = screening.discarded

    @precondition(lambda self: self.lifecycle != "signed")
    @rule(changes=answer_changes, user=coordinators_mostly, stale=st.booleans())
    def answer(self, changes: dict[str, Any], user: User, stale: bool) -> None:
        self._attempt(
            lambda: self.wf.answer(self.screening_id, changes, user=user, base_revision=self._base(stale))
        )

    @precondition(lambda self: self.lifecycle != "signed")
    @rule(fields=review_fields, user=psychiatrists_mostly, stale=st.booleans())
    def review(self, fields: dict[str, Any], user: User, stale: bool) -> None:
        self._attempt(
            lambda: self.wf.review(self.screening_id, fields, user=user, base_revision=self._base(stale))
        )

    @precondition(lambda self: self.lifecycle != "signed")
    @rule(user=psychiatrists_mostly, stale=st.booleans())
    def sign(self, user: User, stale: bool) -> None:
        self._attempt(lambda: self.wf.sign(self.screening_id, user=user, base_revision=self._base(stale)))

    @precondition(lambda self: self.lifecycle != "signed" and not self.discarded)
    @rule(decision=decisions, acknowledged=notes)
    def review_and_sign(self, decision: str | None, acknowledged: dict[str, str]) -> None:
        """What a psychiatrist does most: record the decision with notes, then sign."""
        fields = {"decision": decision, "acknowledged": acknowledged}
        self._attempt(
            lambda: self.wf.review(self.screening_id, fields, user=PSYCHIATRIST, base_revision=self.seen[-1])
        )
        self._attempt(lambda: self.wf.sign(self.screening_id, user=PSYCHIATRIST, base_revision=self.seen[-1]))

    @precondition(lambda self: self.lifecycle == "signed")
    @rule(
        write=st.sampled_from(["answer", "review", "sign"]),
        changes=answer_changes,
        fields=review_fields,
        user=anyone,
        stale=st.booleans(),
    )
    def edit_while_signed(
        self, write: str, changes: dict[str, Any], fields: dict[str, Any], user: User, stale: bool
    ) -> None:
        """An ordinary save on a signed screening (refused: it is locked)."""
        base = self._base(stale)
        if write == "answer":
            self._attempt(lambda: self.wf.answer(self.screening_id, changes, user=user, base_revision=base))
        elif write == "review":
            self._attempt(lambda: self.wf.review(self.screening_id, fields, user=user, base_revision=base))
        else:
            self._attempt(lambda: self.wf.sign(self.screening_id, user=user, base_revision=base))

    @precondition(lambda self: self.lifecycle == "signed")
    @rule(
        what=st.sampled_from(["answers", "review", "both"]),
        answers=answer_changes,
        review=review_fields,
        user=anyone,
        reason=reasons,
        stale=st.booleans(),
    )
    def amend(
        self,
        *,
        what: str,
        answers: dict[str, Any],
        review: dict[str, Any],
        user: User,
        reason: str,
        stale: bool,
    ) -> None:
        self._attempt(
            lambda: self.wf.amend(
                self.screening_id,
                user=user,
                base_revision=self._base(stale),
                reason=reason,
                answers=answers if what != "review" else None,
                review=review if what != "answers" else None,
            )
        )

    # late, and only on drafts: it ends every example it succeeds in
    @precondition(lambda self: len(self.seen) > 16 and self.lifecycle == "draft" and not self.discarded)
    @rule(user=anyone, stale=st.booleans())
    def discard(self, user: User, stale: bool) -> None:
        self._attempt(
            lambda: self.wf.discard(
                self.screening_id, user=user, base_revision=self._base(stale), reason="Mistake"
            )
        )

    @invariant()
    def proceed_is_signed_only_where_it_may_be(self) -> None:
        screening = self.wf.get(self.screening_id)
        event(
            f"{screening.lifecycle}, {screening.decision}, {screening.status}"
        )  # --hypothesis-show-statistics
        review = screening.detail.review or {}
        # the engine's view of the answers alone, and the notes as stored: not the workflow's
        assessment = assess(screening.definition, screening.answers, assessed_on=screening.assessed_on)
        assert screening.detail.status == assessment.status
        assert (screening.lifecycle == "signed") == ("signed_at" in review)
        if screening.lifecycle == "signed":
            assert screening.signature is not None and screening.signature.signer.role == "psychiatrist"
            assert screening.decision is not None
        if screening.lifecycle != "signed" or screening.decision != "proceed":
            return
        assert assessment.status not in ("contraindicated", "incomplete")
        assert not assessment.flags_by_severity("absolute")
        acknowledged = review.get("acknowledged")
        written = acknowledged if isinstance(acknowledged, dict) else {}
        needed = [flag.id for flag in assessment.flags_by_severity("relative")]
        needed += [requirement.id for requirement in assessment.requirements if requirement.met is not True]
        for flag_id in needed:
            note = written.get(flag_id)
            assert isinstance(note, str) and note.strip(), flag_id

    def teardown(self) -> None:
        assert_replays(self.wf, self.screening_id)
        assert_consistent(self.wf, self.screening_id)


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_any_sequence_of_calls_keeps_the_lifecycle_rules(wf: Workflow, database_url: str) -> None:
    examples = 30 if database_url.startswith("sqlite") else 10
    machine = type("BoundLifecycleMachine", (LifecycleMachine,), {"wf": wf})
    run_state_machine_as_test(
        machine, settings=settings(max_examples=examples, stateful_step_count=12, deadline=None)
    )
