"""Signing locks a screening; later changes are amendments with a reason; only psychiatrists sign."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from storage_support import COORDINATOR, OTHER_COORDINATOR, PSYCHIATRIST, FakeClock

from screening.storage import (
    ConflictError,
    InvalidRequest,
    LockedError,
    PermissionDenied,
    ScreeningDetail,
    SigningRefused,
    Store,
    User,
)

NewScreening = Callable[..., ScreeningDetail]

REVIEW = {
    "clinician": "Dr. R. Okafor, MD",
    "protocol": "iv-ketamine-induction",
    "weight_basis": "adjusted",
    "start_date": "2026-12-01",
    "decision": "proceed",
    "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
}


@pytest.fixture
def reviewed(store: Store, new_screening: NewScreening) -> ScreeningDetail:
    """A screening with answers and a review, ready to sign."""
    screening = new_screening(patient_name="Ana Silva", hypertension_history=True)
    store.save_review(screening.id, REVIEW, user=PSYCHIATRIST, base_revision=screening.revision)
    return store.get_screening(screening.id)


@pytest.fixture
def signed(store: Store, reviewed: ScreeningDetail) -> ScreeningDetail:
    store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=reviewed.revision, status="needs_review")
    return store.get_screening(reviewed.id)


def test_signing_records_the_signer_and_locks(
    store: Store, reviewed: ScreeningDetail, clock: FakeClock
) -> None:
    result = store.sign(
        reviewed.id, user=PSYCHIATRIST, base_revision=reviewed.revision, status="needs_review"
    )

    screening = store.get_screening(reviewed.id)
    assert result.latest_revision == reviewed.revision + 1 == screening.revision
    assert screening.locked and screening.signature is not None
    assert screening.signature.signer == PSYCHIATRIST
    assert screening.signature.signer.signature_name == "Dr. R. Okafor, MD"
    assert screening.signature.signed_at == clock.peek()
    assert screening.review == {**REVIEW, "signed_at": clock.peek().isoformat(timespec="seconds")}
    assert (screening.status, screening.status_current) == ("needs_review", True)
    event = screening.events[-1]
    assert (event.kind, event.actor) == ("signed", PSYCHIATRIST)
    assert (event.payload["status"], event.payload["decision"]) == ("needs_review", "proceed")
    assert store.verify_audit(reviewed.id).ok


def test_a_signed_screening_refuses_ordinary_saves(store: Store, signed: ScreeningDetail) -> None:
    base = signed.revision
    attempts: list[Callable[[], object]] = [
        lambda: store.set_answer(signed.id, "phq9_1", "x", user=COORDINATOR, base_revision=base),
        lambda: store.set_answer(
            signed.id, "patient_name", "Ana Silva", user=COORDINATOR, base_revision=base
        ),
        lambda: store.save_review(signed.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=base),
        lambda: store.set_assessed_on(signed.id, date(2026, 1, 1), user=COORDINATOR, base_revision=base),
        lambda: store.sign(signed.id, user=PSYCHIATRIST, base_revision=base, status="needs_review"),
    ]
    for attempt in attempts:
        with pytest.raises(LockedError) as raised:
            attempt()
        assert raised.value.signed_by == PSYCHIATRIST.name
        assert signed.signature is not None and raised.value.signed_at == signed.signature.signed_at
        assert "amendment" in str(raised.value) and signed.id in str(raised.value)
    assert store.get_screening(signed.id) == signed
    # documents may still be generated, and the list-page status kept
    store.record_document(signed.id, user=COORDINATOR, document="patient-handout.pdf")
    assert store.update_status(signed.id, "needs_review", computed_at_revision=base)


def test_only_a_psychiatrist_may_sign(store: Store, reviewed: ScreeningDetail) -> None:
    with pytest.raises(PermissionDenied) as raised:
        store.sign(reviewed.id, user=COORDINATOR, base_revision=reviewed.revision, status="needs_review")
    assert (raised.value.user_id, raised.value.role, raised.value.action) == (
        COORDINATOR.id,
        "coordinator",
        "sign",
    )
    assert not store.get_screening(reviewed.id).locked


def test_proceed_is_not_signed_on_a_contraindicated_screening(
    store: Store, reviewed: ScreeningDetail
) -> None:
    with pytest.raises(SigningRefused) as raised:
        store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=reviewed.revision, status="contraindicated")
    assert raised.value.reason == "proceed_contraindicated"
    assert "'proceed'" in str(raised.value)
    assert not store.get_screening(reviewed.id).locked

    # "do not proceed" on a contraindicated screening is exactly what should be signed
    changed = store.save_review(
        reviewed.id,
        {**REVIEW, "decision": "do_not_proceed"},
        user=PSYCHIATRIST,
        base_revision=reviewed.revision,
    )
    store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=changed.base_revision, status="contraindicated")
    assert store.get_screening(reviewed.id).locked


def test_a_review_without_a_decision_is_not_signed(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening()
    with pytest.raises(SigningRefused) as raised:
        store.sign(screening.id, user=PSYCHIATRIST, base_revision=1, status="candidate")
    assert raised.value.reason == "no_review"
    store.save_review(screening.id, {"protocol": "esketamine-induction"}, user=PSYCHIATRIST, base_revision=1)
    with pytest.raises(SigningRefused) as raised:
        store.sign(screening.id, user=PSYCHIATRIST, base_revision=2, status="candidate")
    assert raised.value.reason == "no_decision"


def test_one_signs_what_one_saw(
    store: Store, open_store: Callable[[], Store], reviewed: ScreeningDetail
) -> None:
    other = open_store()
    other.set_answer(reviewed.id, "systolic_bp", 182, user=COORDINATOR, base_revision=reviewed.revision)
    other.set_answer(reviewed.id, "diastolic_bp", 95, user=COORDINATOR, base_revision=reviewed.revision + 1)

    with pytest.raises(ConflictError) as raised:
        store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=reviewed.revision, status="needs_review")
    conflict = raised.value
    assert (conflict.item_id, conflict.current_value) == ("diastolic_bp", 95)  # the latest change first
    assert conflict.also_changed == ("answer 'systolic_bp'",)
    assert "systolic_bp" in str(conflict)
    assert not store.get_screening(reviewed.id).locked

    # the psychiatrist reloads; a document generated meanwhile is not a change to what was seen
    seen = store.get_screening(reviewed.id).revision
    store.record_document(reviewed.id, user=PSYCHIATRIST, document="clinician-summary.pdf")
    store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=seen, status="needs_review")
    assert store.get_screening(reviewed.id).locked


def test_amendment_with_a_reason_changes_a_signed_screening(
    store: Store, signed: ScreeningDetail, clock: FakeClock
) -> None:
    result = store.amend(
        signed.id,
        user=OTHER_COORDINATOR,
        base_revision=signed.revision,
        reason="  Weight re-measured on the clinic scale.  ",
        status="needs_review",
        answers={"weight_kg": 79.0, "hypertension_history": None, "patient_name": "Ana M. Silva"},
    )

    screening = store.get_screening(signed.id)
    assert result.latest_revision == signed.revision + 1 == screening.revision
    assert screening.locked and screening.signature == signed.signature
    assert screening.answers == {"patient_name": "Ana M. Silva", "weight_kg": 79.0}
    assert screening.patient_name == "Ana M. Silva"
    event = screening.events[-1]
    assert (event.kind, event.actor, event.at) == ("amended", OTHER_COORDINATOR, clock.peek())
    assert event.payload == {
        "reason": "Weight re-measured on the clinic scale.",
        "status": "needs_review",
        "answers": [
            {"item": "weight_kg", "old": None, "new": 79.0},
            {"item": "hypertension_history", "old": True, "new": None},
            {"item": "patient_name", "old": "Ana Silva", "new": "Ana M. Silva"},
        ],
    }
    assert store.verify_audit(signed.id).ok
    # still locked for ordinary saves
    with pytest.raises(LockedError):
        store.set_answer(signed.id, "weight_kg", 80, user=COORDINATOR, base_revision=result.base_revision)


def test_amending_the_review_keeps_the_signature_time(store: Store, signed: ScreeningDetail) -> None:
    original_signed_at = signed.review["signed_at"] if signed.review else None
    store.amend(
        signed.id,
        user=PSYCHIATRIST,
        base_revision=signed.revision,
        reason="Start date moved at the patient's request.",
        status="needs_review",
        review={**REVIEW, "start_date": "2026-12-08", "signed_at": "1999-01-01T00:00:00"},
        assessed_on=date(2026, 11, 19),
    )
    screening = store.get_screening(signed.id)
    assert screening.review == {**REVIEW, "start_date": "2026-12-08", "signed_at": original_signed_at}
    assert screening.assessed_on == date(2026, 11, 19)
    payload = screening.events[-1].payload
    assert set(payload) == {"reason", "status", "review", "assessed_on"}
    assert payload["assessed_on"] == {"old": "2026-11-20", "new": "2026-11-19"}
    assert store.verify_audit(signed.id).ok


def test_amendments_are_checked(store: Store, signed: ScreeningDetail, new_screening: NewScreening) -> None:
    base = signed.revision
    with pytest.raises(InvalidRequest, match="needs a reason"):
        store.amend(
            signed.id,
            user=PSYCHIATRIST,
            base_revision=base,
            reason="  ",
            status="needs_review",
            answers={"weight_kg": 70},
        )
    with pytest.raises(InvalidRequest, match="changes nothing"):
        store.amend(
            signed.id,
            user=PSYCHIATRIST,
            base_revision=base,
            reason="x",
            status="needs_review",
            answers={"patient_name": "Ana Silva"},
        )
    with pytest.raises(PermissionDenied) as raised:
        store.amend(
            signed.id,
            user=COORDINATOR,
            base_revision=base,
            reason="x",
            status="needs_review",
            review={"decision": "defer"},
        )
    assert raised.value.action == "amend a signed review"
    with pytest.raises(SigningRefused) as refused:
        store.amend(
            signed.id,
            user=PSYCHIATRIST,
            base_revision=base,
            reason="New history.",
            status="contraindicated",
            answers={"current_psychosis": True},
        )
    assert refused.value.reason == "proceed_contraindicated" and "amended" in str(refused.value)
    draft = new_screening()
    with pytest.raises(InvalidRequest, match="not signed"):
        store.amend(
            draft.id,
            user=PSYCHIATRIST,
            base_revision=1,
            reason="x",
            status="incomplete",
            answers={"phq9_1": "x"},
        )
    assert store.get_screening(signed.id) == signed

    # the contraindication can be amended in together with a decision not to proceed
    store.amend(
        signed.id,
        user=PSYCHIATRIST,
        base_revision=base,
        reason="Psychosis disclosed after signing.",
        status="contraindicated",
        answers={"current_psychosis": True},
        review={**REVIEW, "decision": "do_not_proceed"},
    )
    assert store.get_screening(signed.id).review["decision"] == "do_not_proceed"  # type: ignore[index]


def test_amendments_conflict_like_any_other_write(
    store: Store, open_store: Callable[[], Store], signed: ScreeningDetail
) -> None:
    other = open_store()
    lee = User("u-lee", "Dr. Lee", "psychiatrist", authenticated=True)
    other.amend(
        signed.id,
        user=lee,
        base_revision=signed.revision,
        reason="Scale fixed.",
        status="needs_review",
        answers={"weight_kg": 80},
    )
    with pytest.raises(ConflictError) as raised:
        store.amend(
            signed.id,
            user=PSYCHIATRIST,
            base_revision=signed.revision,
            reason="Re-weighed.",
            status="needs_review",
            answers={"weight_kg": 82, "height_cm": 170},
        )
    assert (raised.value.item_id, raised.value.changed_by, raised.value.current_value) == (
        "weight_kg",
        "Dr. Lee",
        80,
    )
    # a different item amended from the same old revision goes through
    store.amend(
        signed.id,
        user=PSYCHIATRIST,
        base_revision=signed.revision,
        reason="Measured.",
        status="needs_review",
        answers={"height_cm": 170},
    )
    assert store.get_screening(signed.id).answers["weight_kg"] == 80


def test_a_psychiatrist_cannot_sign_past_an_answer_not_yet_seen(
    store: Store, open_store: Callable[[], Store], new_screening: NewScreening
) -> None:
    screening = new_screening(patient_name="Ana Silva")
    intake = open_store()
    intake.set_answer(
        screening.id, "current_psychosis", True, user=COORDINATOR, base_revision=screening.revision
    )
    saved = store.save_review(screening.id, REVIEW, user=PSYCHIATRIST, base_revision=screening.revision)
    assert saved.others_changed and saved.base_revision == screening.revision

    with pytest.raises(ConflictError) as raised:
        store.sign(screening.id, user=PSYCHIATRIST, base_revision=saved.base_revision, status="candidate")
    assert (raised.value.field, raised.value.also_changed) == ("review", ("answer 'current_psychosis'",))

    seen = store.get_screening(screening.id)  # now the psychiatrist sees the new answer
    with pytest.raises(SigningRefused):
        store.sign(screening.id, user=PSYCHIATRIST, base_revision=seen.revision, status="contraindicated")
