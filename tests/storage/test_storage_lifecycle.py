"""The lifecycle a screening goes through in storage: draft, signed, reopened by an amendment the
signed decision no longer covers, signed again; and discarding a draft created by mistake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from screening.storage import (
    ConflictError,
    InvalidRequest,
    JsonInput,
    LockedError,
    PermissionDenied,
    ScreeningDetail,
    SigningRefused,
    Store,
)
from screening.storage.records import Reopening
from tests.storage.storage_support import (
    COORDINATOR,
    OTHER_COORDINATOR,
    PSYCHIATRIST,
    FakeClock,
    expected_status,
)

NewScreening = Callable[..., ScreeningDetail]

REVIEW: dict[str, JsonInput] = {
    "protocol": "iv-ketamine-induction",
    "decision": "proceed",
    "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
}


@pytest.fixture
def signed(store: Store, new_screening: NewScreening) -> ScreeningDetail:
    """Needs review (a relative flag with a note), signed 'proceed'."""
    screening = new_screening(patient_name="Ana Silva", hypertension_history=True)
    base = store.save_review(
        screening.id, REVIEW, user=PSYCHIATRIST, base_revision=screening.revision
    ).base_revision
    store.sign(screening.id, user=PSYCHIATRIST, base_revision=base)
    return store.get_screening(screening.id)


# ---------------------------------------------------------------------- reopening


def test_an_amendment_the_judge_reopens_for_takes_the_signed_decision_away(
    store: Store, signed: ScreeningDetail, clock: FakeClock
) -> None:
    result = store.amend(
        signed.id,
        user=OTHER_COORDINATOR,
        base_revision=signed.revision,
        reason="  Patient recalled a recent stroke.  ",
        answers={"recent_stroke": True, "weight_kg": 80},
    )
    reopened_at = clock.peek()

    screening = store.get_screening(signed.id)
    assert result.latest_revision == signed.revision + 1 == screening.revision
    assert (screening.lifecycle, screening.locked, screening.decision) == ("reopened", False, "proceed")
    assert screening.status == "needs_review" == expected_status(screening)
    # the review keeps its fields but no longer carries a signature time
    assert screening.review == REVIEW
    assert screening.signature == signed.signature  # the last signature, for the record
    expected = Reopening(
        at=reopened_at,
        by=OTHER_COORDINATOR.name,
        reason="Patient recalled a recent stroke.",
        because=(
            "New flag: ci.rel.recent_stroke",
            "'Proceed' needs a note for every relative flag that fired (1 without a note).",
        ),
        changes=("recent_stroke now True", "weight_kg now 80"),
    )
    assert screening.reopened == expected
    (listed,) = store.list_screenings(lifecycle="reopened")
    assert (listed.id, listed.reopened, listed.lifecycle, listed.locked) == (
        signed.id,
        expected,
        "reopened",
        False,
    )
    assert store.list_screenings(signed=True) == []
    assert [s.id for s in store.list_screenings(signed=False, decision="proceed")] == [signed.id]

    event = screening.events[-1]
    assert event.kind == "amended"
    assert event.payload["lifecycle"] == {"old": "signed", "new": "reopened"}
    assert event.payload["reopened_because"] == list(expected.because)
    assert event.payload["changes_in_words"] == list(expected.changes)
    assert event.payload["review"] == {"old": signed.review, "new": REVIEW}  # the signature time removed
    assert store.verify_audit(signed.id).ok


def test_a_reopened_screening_is_edited_like_a_draft_and_signed_again(
    store: Store, signed: ScreeningDetail, clock: FakeClock
) -> None:
    base = store.amend(
        signed.id,
        user=COORDINATOR,
        base_revision=signed.revision,
        reason="Psychosis disclosed.",
        answers={"current_psychosis": True},
    ).base_revision
    reopened = store.get_screening(signed.id)
    assert (reopened.lifecycle, reopened.status) == ("reopened", "contraindicated")

    # amendments are for signed screenings; a reopened one takes ordinary saves again
    with pytest.raises(InvalidRequest) as raised:
        store.amend(signed.id, user=PSYCHIATRIST, base_revision=base, reason="x", answers={"phq9_1": 1})
    assert raised.value.rule == "not_signed"
    with pytest.raises(InvalidRequest) as raised:
        store.discard(signed.id, user=PSYCHIATRIST, base_revision=base, reason="Start over.")
    assert raised.value.rule == "discard_signed"
    base = store.set_answers(
        signed.id, {"phq9_1": 1, "notes": "Seen by the team."}, user=COORDINATOR, base_revision=base
    ).base_revision
    with pytest.raises(PermissionDenied):
        store.update_review(signed.id, {"decision": "do_not_proceed"}, user=COORDINATOR, base_revision=base)
    with pytest.raises(SigningRefused) as refused:  # still 'proceed' on a contraindicated screening
        store.sign(signed.id, user=PSYCHIATRIST, base_revision=base)
    assert refused.value.rule == "proceed_contraindicated"
    base = store.update_review(
        signed.id, {"decision": "do_not_proceed"}, user=PSYCHIATRIST, base_revision=base
    ).base_revision

    store.sign(signed.id, user=PSYCHIATRIST, base_revision=base)
    again = store.get_screening(signed.id)
    assert (again.lifecycle, again.locked, again.reopened, again.decision) == (
        "signed",
        True,
        None,
        "do_not_proceed",
    )
    assert again.signature is not None and again.signature.signed_at == clock.peek()
    assert again.review is not None and again.review["signed_at"] == clock.peek().isoformat(
        timespec="seconds"
    )
    assert again.events[-1].payload["lifecycle"] == {"old": "reopened", "new": "signed"}
    assert [s.id for s in store.list_screenings(lifecycle="signed", decision="do_not_proceed")] == [signed.id]
    with pytest.raises(LockedError):
        store.set_answer(signed.id, "phq9_2", 1, user=COORDINATOR, base_revision=again.revision)
    assert store.verify_audit(signed.id).ok


def test_an_amendment_of_the_review_alone_can_reopen(store: Store, signed: ScreeningDetail) -> None:
    store.amend(
        signed.id,
        user=PSYCHIATRIST,
        base_revision=signed.revision,
        reason="The note was about another patient.",
        review={"acknowledged": None},
    )
    screening = store.get_screening(signed.id)
    assert screening.lifecycle == "reopened" and screening.reopened is not None
    assert screening.reopened.because == (
        "'Proceed' needs a note for every relative flag that fired (1 without a note).",
    )
    assert screening.review == {"protocol": "iv-ketamine-induction", "decision": "proceed"}
    assert store.verify_audit(signed.id).ok


def test_reopening_conflicts_like_any_amendment(
    store: Store, open_store: Callable[[], Store], signed: ScreeningDetail
) -> None:
    other = open_store()
    other.amend(
        signed.id, user=COORDINATOR, base_revision=signed.revision, reason="a", answers={"weight_kg": 80}
    )
    with pytest.raises(ConflictError):
        store.amend(
            signed.id,
            user=COORDINATOR,
            base_revision=signed.revision,
            reason="b",
            answers={"weight_kg": 81, "current_psychosis": True},
        )
    screening = store.get_screening(signed.id)
    assert (screening.lifecycle, screening.answers.get("current_psychosis")) == ("signed", None)


# ---------------------------------------------------------------------- discarding


def test_a_discarded_draft_is_recorded_hidden_and_never_written_again(
    store: Store, new_screening: NewScreening, clock: FakeClock
) -> None:
    kept = new_screening(patient_name="Ana Silva")
    draft = new_screening(patient_name="Ana Silva", phq9_1=1)
    with pytest.raises(InvalidRequest) as raised:
        store.discard(draft.id, user=COORDINATOR, base_revision=draft.revision, reason="  ")
    assert raised.value.rule == "reason"

    result = store.discard(
        draft.id, user=COORDINATOR, base_revision=draft.revision, reason=" Created twice. "
    )
    assert result.changed and result.latest_revision == draft.revision + 1

    discarded = store.get_screening(draft.id)  # still readable, for the record
    assert discarded.discarded and discarded.lifecycle == "draft"
    assert (discarded.status, discarded.status_current) == (draft.status, True)
    assert discarded.answers == draft.answers
    event = discarded.events[-1]
    assert (event.kind, event.actor, event.at, event.payload) == (
        "discarded",
        COORDINATOR,
        clock.peek(),
        {"reason": "Created twice."},
    )
    assert [s.id for s in store.list_screenings()] == [kept.id]
    assert [s.id for s in store.list_screenings(search="silva", lifecycle="draft")] == [kept.id]
    assert store.list_screenings(assessed_from=date(2026, 11, 1), status="candidate") == [
        store.list_screenings()[0]
    ]

    base = result.base_revision
    writes: list[Callable[[], object]] = [
        lambda: store.set_answer(draft.id, "phq9_1", 2, user=COORDINATOR, base_revision=base),
        lambda: store.set_answers(draft.id, {"phq9_2": 2}, user=COORDINATOR, base_revision=base),
        lambda: store.set_assessed_on(draft.id, date(2026, 11, 1), user=COORDINATOR, base_revision=base),
        lambda: store.save_review(draft.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=base),
        lambda: store.update_review(draft.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=base),
        lambda: store.sign(draft.id, user=PSYCHIATRIST, base_revision=base),
        lambda: store.amend(draft.id, user=PSYCHIATRIST, base_revision=base, reason="x", answers={"a": 1}),
        lambda: store.discard(draft.id, user=COORDINATOR, base_revision=base, reason="Again."),
        lambda: store.record_document(draft.id, user=COORDINATOR, document="patient-handout.pdf"),
    ]
    for write in writes:
        with pytest.raises(InvalidRequest) as refused:
            write()
        assert (refused.value.rule, refused.value.screening_id) == ("discarded", draft.id)
    assert store.get_screening(draft.id) == discarded
    report = store.verify_audit(draft.id)
    assert report.ok and report.events_checked == discarded.revision


def test_discarding_conflicts_with_changes_not_seen(
    store: Store, open_store: Callable[[], Store], new_screening: NewScreening
) -> None:
    draft = new_screening(patient_name="Ana Silva")
    open_store().set_answer(draft.id, "phq9_1", 1, user=OTHER_COORDINATOR, base_revision=draft.revision)
    with pytest.raises(ConflictError) as raised:  # somebody is still working on it
        store.discard(draft.id, user=COORDINATOR, base_revision=draft.revision, reason="Created twice.")
    assert raised.value.item_id == "phq9_1"
    assert not store.get_screening(draft.id).discarded
    # a document generated meanwhile is no change to the draft
    store.record_document(draft.id, user=COORDINATOR, document="patient-handout.pdf")
    store.discard(draft.id, user=COORDINATOR, base_revision=draft.revision + 1, reason="Created twice.")
    assert store.get_screening(draft.id).discarded


# ---------------------------------------------------------------------- two people at once


def test_of_two_signatures_from_the_same_revision_one_wins_the_other_conflicts(
    store: Store, open_store: Callable[[], Store], new_screening: NewScreening
) -> None:
    screening = new_screening(patient_name="Ana Silva")
    base = store.save_review(
        screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=screening.revision
    ).base_revision
    store.sign(screening.id, user=PSYCHIATRIST, base_revision=base)
    with pytest.raises(ConflictError) as raised:  # not "locked": the other one did not see the signature
        open_store().sign(screening.id, user=PSYCHIATRIST, base_revision=base)
    assert (raised.value.field, raised.value.changed_by) == ("review", PSYCHIATRIST.name)
    assert store.get_screening(screening.id).revision == base + 1


def test_an_amendment_from_before_somebody_else_reopened_the_screening_conflicts(
    store: Store, open_store: Callable[[], Store], signed: ScreeningDetail
) -> None:
    store.amend(
        signed.id,
        user=COORDINATOR,
        base_revision=signed.revision,
        reason="a",
        answers={"current_psychosis": True},
    )
    reopened = store.get_screening(signed.id)
    with pytest.raises(ConflictError):  # what it would amend is no longer the signed screening it saw
        open_store().amend(
            signed.id,
            user=OTHER_COORDINATOR,
            base_revision=signed.revision,
            reason="b",
            answers={"weight_kg": 80},
        )
    assert store.get_screening(signed.id) == reopened
