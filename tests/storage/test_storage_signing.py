"""Signing locks a screening; later changes are amendments with a reason; only psychiatrists sign
or write the review. The judge (here the stand-in of storage_support.py) decides inside the write
whether a screening may be signed and what an amendment does: keep it signed, reopen it, or refuse
it; a refusal saves nothing."""

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
    User,
)
from tests.storage.storage_support import (
    COORDINATOR,
    OTHER_COORDINATOR,
    PSYCHIATRIST,
    FakeClock,
    StandInJudge,
    expected_status,
)

NewScreening = Callable[..., ScreeningDetail]

REVIEW: dict[str, JsonInput] = {
    "clinician": "Dr. R. Okafor, MD",
    "protocol": "iv-ketamine-induction",
    "weight_basis": "adjusted",
    "start_date": "2026-12-01",
    "decision": "proceed",
    "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
}


@pytest.fixture
def reviewed(store: Store, new_screening: NewScreening) -> ScreeningDetail:
    """A screening with answers (a relative flag: needs review) and a review, ready to sign."""
    screening = new_screening(patient_name="Ana Silva", hypertension_history=True)
    store.save_review(screening.id, REVIEW, user=PSYCHIATRIST, base_revision=screening.revision)
    return store.get_screening(screening.id)


@pytest.fixture
def signed(store: Store, reviewed: ScreeningDetail) -> ScreeningDetail:
    store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=reviewed.revision)
    return store.get_screening(reviewed.id)


def test_signing_records_the_signer_the_judges_status_and_locks(
    store: Store, reviewed: ScreeningDetail, clock: FakeClock, judge: StandInJudge
) -> None:
    result = store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=reviewed.revision)

    screening = store.get_screening(reviewed.id)
    assert result.latest_revision == reviewed.revision + 1 == screening.revision
    assert screening.locked and screening.signature is not None
    assert (screening.lifecycle, screening.decision, screening.reopened) == ("signed", "proceed", None)
    assert screening.signature.signer == PSYCHIATRIST
    assert screening.signature.signer.signature_name == "Dr. R. Okafor, MD"
    assert screening.signature.signed_at == clock.peek()
    assert screening.review == {**REVIEW, "signed_at": clock.peek().isoformat(timespec="seconds")}
    assert (screening.status, screening.status_current) == ("needs_review", True)
    event = screening.events[-1]
    assert (event.kind, event.actor) == ("signed", PSYCHIATRIST)
    assert (event.payload["status"], event.payload["decision"]) == ("needs_review", "proceed")
    assert "lifecycle" not in event.payload  # only a re-signing records the way back from reopened
    assert store.verify_audit(reviewed.id).ok
    # the judge was asked about the screening exactly as it was signed
    asked = judge.judged("signing_refusal")[-1]
    assert (asked.screening_id, asked.lifecycle) == (reviewed.id, "draft")
    assert dict(asked.answers) == reviewed.answers and dict(asked.review) == REVIEW
    with pytest.raises(RuntimeError, match="while the write"):  # the write is over
        asked.files()
    listed = store.list_screenings(lifecycle="signed", decision="proceed")
    assert [(s.id, s.lifecycle, s.decision) for s in listed] == [(reviewed.id, "signed", "proceed")]


def test_a_signed_screening_refuses_ordinary_saves(store: Store, signed: ScreeningDetail) -> None:
    base = signed.revision
    attempts: list[Callable[[], object]] = [
        lambda: store.set_answer(signed.id, "phq9_1", "x", user=COORDINATOR, base_revision=base),
        lambda: store.set_answer(
            signed.id, "patient_name", "Ana Silva", user=COORDINATOR, base_revision=base
        ),
        lambda: store.set_answers(signed.id, {"a": 1, "b": 2}, user=COORDINATOR, base_revision=base),
        lambda: store.save_review(signed.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=base),
        lambda: store.update_review(signed.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=base),
        lambda: store.set_assessed_on(signed.id, date(2026, 1, 1), user=COORDINATOR, base_revision=base),
        lambda: store.sign(signed.id, user=PSYCHIATRIST, base_revision=base),
    ]
    for attempt in attempts:
        with pytest.raises(LockedError) as raised:
            attempt()
        assert raised.value.rule == "locked" and raised.value.screening_id == signed.id
        assert raised.value.signed_by == PSYCHIATRIST.name
        assert signed.signature is not None and raised.value.signed_at == signed.signature.signed_at
        assert "amendment" in str(raised.value) and signed.id in str(raised.value)
    with pytest.raises(InvalidRequest) as refused:
        store.discard(signed.id, user=PSYCHIATRIST, base_revision=base, reason="Created twice.")
    assert refused.value.rule == "discard_signed"
    assert store.get_screening(signed.id) == signed
    # documents may still be generated
    store.record_document(signed.id, user=COORDINATOR, document="patient-handout.pdf")
    assert store.get_screening(signed.id).revision == base + 1


def test_only_a_psychiatrist_may_sign_or_write_the_review(
    store: Store, reviewed: ScreeningDetail, new_screening: NewScreening
) -> None:
    with pytest.raises(PermissionDenied) as raised:
        store.sign(reviewed.id, user=COORDINATOR, base_revision=reviewed.revision)
    assert (raised.value.user_id, raised.value.role, raised.value.action, raised.value.rule) == (
        COORDINATOR.id,
        "coordinator",
        "sign",
        "role",
    )
    assert not store.get_screening(reviewed.id).locked
    draft = new_screening(patient_name="Ben Okoro")
    for write in (store.save_review, store.update_review):
        with pytest.raises(PermissionDenied) as raised:
            write(draft.id, {"decision": "defer"}, user=COORDINATOR, base_revision=draft.revision)
        assert (raised.value.action, raised.value.screening_id) == ("record a review", draft.id)
    assert store.get_screening(draft.id) == draft


def test_proceed_is_not_signed_on_a_contraindicated_screening(
    store: Store, reviewed: ScreeningDetail
) -> None:
    saved = store.set_answer(
        reviewed.id, "current_psychosis", True, user=COORDINATOR, base_revision=reviewed.revision
    )
    assert store.get_screening(reviewed.id).status == "contraindicated"
    with pytest.raises(SigningRefused) as raised:
        store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=saved.base_revision)
    assert (raised.value.rule, raised.value.screening_id) == ("proceed_contraindicated", reviewed.id)
    assert "'Proceed'" in str(raised.value)
    after = store.get_screening(reviewed.id)
    assert not after.locked and after.revision == saved.latest_revision

    # "do not proceed" on a contraindicated screening is exactly what should be signed
    changed = store.update_review(
        reviewed.id, {"decision": "do_not_proceed"}, user=PSYCHIATRIST, base_revision=saved.base_revision
    )
    store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=changed.base_revision)
    final = store.get_screening(reviewed.id)
    assert (final.lifecycle, final.decision, final.status) == ("signed", "do_not_proceed", "contraindicated")


def test_the_judges_signing_rules_refuse_and_save_nothing(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening(hypertension_history=True)  # no patient name: incomplete

    def refusal(base: int) -> str:
        with pytest.raises(SigningRefused) as raised:
            store.sign(screening.id, user=PSYCHIATRIST, base_revision=base)
        assert store.get_screening(screening.id).revision == base  # nothing saved
        return raised.value.rule

    assert refusal(screening.revision) == "no_decision"
    base = store.update_review(
        screening.id, {"protocol": "esketamine-induction"}, user=PSYCHIATRIST, base_revision=2
    ).base_revision
    assert refusal(base) == "no_decision"
    base = store.update_review(
        screening.id, {"decision": "proceed"}, user=PSYCHIATRIST, base_revision=base
    ).base_revision
    assert refusal(base) == "proceed_incomplete"
    base = store.set_answer(
        screening.id, "patient_name", "Ana Silva", user=COORDINATOR, base_revision=base
    ).base_revision
    assert refusal(base) == "proceed_unacknowledged"
    base = store.update_review(
        screening.id,
        {"acknowledged": {"ci.rel.hypertension_history": "Controlled."}},
        user=PSYCHIATRIST,
        base_revision=base,
    ).base_revision
    store.sign(screening.id, user=PSYCHIATRIST, base_revision=base)
    assert store.get_screening(screening.id).locked


def test_one_signs_what_one_saw(
    store: Store, open_store: Callable[[], Store], reviewed: ScreeningDetail
) -> None:
    other = open_store()
    other.set_answer(reviewed.id, "systolic_bp", 182, user=COORDINATOR, base_revision=reviewed.revision)
    other.set_answer(reviewed.id, "diastolic_bp", 95, user=COORDINATOR, base_revision=reviewed.revision + 1)

    with pytest.raises(ConflictError) as raised:
        store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=reviewed.revision)
    conflict = raised.value
    assert (conflict.item_id, conflict.current_value) == ("diastolic_bp", 95)  # the latest change first
    assert conflict.also_changed == ("answer 'systolic_bp'",)
    assert "systolic_bp" in str(conflict)
    assert not store.get_screening(reviewed.id).locked

    # the psychiatrist reloads; a document generated meanwhile is not a change to what was seen
    seen = store.get_screening(reviewed.id).revision
    store.record_document(reviewed.id, user=PSYCHIATRIST, document="clinician-summary.pdf")
    store.sign(reviewed.id, user=PSYCHIATRIST, base_revision=seen)
    assert store.get_screening(reviewed.id).locked


def test_an_amendment_that_keeps_the_status_keeps_the_screening_signed(
    store: Store, signed: ScreeningDetail, clock: FakeClock
) -> None:
    result = store.amend(
        signed.id,
        user=OTHER_COORDINATOR,
        base_revision=signed.revision,
        reason="  Weight re-measured on the clinic scale.  ",
        answers={"weight_kg": 79.0, "patient_name": "Ana M. Silva"},
    )

    screening = store.get_screening(signed.id)
    assert result.latest_revision == signed.revision + 1 == screening.revision
    assert screening.locked and screening.signature == signed.signature
    assert (screening.lifecycle, screening.reopened, screening.decision) == ("signed", None, "proceed")
    assert screening.review == signed.review  # still signed: signed_at kept
    assert screening.answers == {
        "patient_name": "Ana M. Silva",
        "hypertension_history": True,
        "weight_kg": 79.0,
    }
    assert screening.patient_name == "Ana M. Silva"
    assert screening.status == "needs_review" == expected_status(screening)
    event = screening.events[-1]
    assert (event.kind, event.actor, event.at) == ("amended", OTHER_COORDINATOR, clock.peek())
    assert event.payload == {
        "reason": "Weight re-measured on the clinic scale.",
        "status": "needs_review",
        "answers": [
            {"item": "weight_kg", "old": None, "new": 79.0},
            {"item": "patient_name", "old": "Ana Silva", "new": "Ana M. Silva"},
        ],
    }
    assert store.verify_audit(signed.id).ok
    # still locked for ordinary saves
    with pytest.raises(LockedError):
        store.set_answer(signed.id, "weight_kg", 80, user=COORDINATOR, base_revision=result.base_revision)


def test_amending_the_review_merges_fields_and_keeps_the_signature_time(
    store: Store, signed: ScreeningDetail
) -> None:
    original_signed_at = signed.review["signed_at"] if signed.review else None
    with pytest.raises(InvalidRequest, match="signed_at is set by signing"):
        store.amend(
            signed.id,
            user=PSYCHIATRIST,
            base_revision=signed.revision,
            reason="Backdating.",
            review={"signed_at": "1999-01-01T00:00:00"},
        )
    store.amend(
        signed.id,
        user=PSYCHIATRIST,
        base_revision=signed.revision,
        reason="Start date moved at the patient's request.",
        review={"start_date": "2026-12-08", "weight_basis": None},
        assessed_on=date(2026, 11, 19),
    )
    screening = store.get_screening(signed.id)
    expected = {k: v for k, v in REVIEW.items() if k != "weight_basis"}
    assert screening.review == {**expected, "start_date": "2026-12-08", "signed_at": original_signed_at}
    assert screening.assessed_on == date(2026, 11, 19) and screening.lifecycle == "signed"
    payload = screening.events[-1].payload
    assert set(payload) == {"reason", "status", "review", "assessed_on"}
    assert payload["assessed_on"] == {"old": "2026-11-20", "new": "2026-11-19"}
    assert store.verify_audit(signed.id).ok


def test_amendments_are_checked(store: Store, signed: ScreeningDetail, new_screening: NewScreening) -> None:
    base = signed.revision

    def rule_of(error: type[Exception], **amendment: object) -> str:
        arguments: dict[str, object] = {"user": PSYCHIATRIST, "base_revision": base, "reason": "x"}
        with pytest.raises(error) as raised:
            store.amend(signed.id, **(arguments | amendment))  # type: ignore[arg-type]  # arguments of several types
        return str(getattr(raised.value, "rule", ""))

    assert rule_of(InvalidRequest, reason="  ", answers={"weight_kg": 70}) == "reason"
    assert rule_of(InvalidRequest, answers={"patient_name": "Ana Silva"}) == "no_change"
    assert rule_of(InvalidRequest) == "no_change"
    assert rule_of(PermissionDenied, user=COORDINATOR, review={"decision": "defer"}) == "role"
    draft = new_screening()
    with pytest.raises(InvalidRequest) as raised:
        store.amend(draft.id, user=PSYCHIATRIST, base_revision=1, reason="x", answers={"phq9_1": "x"})
    assert raised.value.rule == "not_signed"
    assert store.get_screening(signed.id) == signed


def test_the_judge_refuses_an_amendment_that_newly_proceeds_where_it_may_not(
    store: Store, new_screening: NewScreening
) -> None:
    screening = new_screening(patient_name="Ana Silva")
    base = store.save_review(
        screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=screening.revision
    ).base_revision
    base = store.sign(screening.id, user=PSYCHIATRIST, base_revision=base).base_revision
    signed = store.get_screening(screening.id)

    with pytest.raises(SigningRefused) as refused:
        store.amend(
            screening.id,
            user=PSYCHIATRIST,
            base_revision=base,
            reason="Psychosis disclosed; proceed anyway.",
            answers={"current_psychosis": True},
            review={"decision": "proceed"},
        )
    assert (refused.value.rule, refused.value.screening_id) == ("proceed_contraindicated", screening.id)
    assert store.get_screening(screening.id) == signed  # nothing saved

    # the same facts with a decision not to proceed are recorded (and reopen: the status changed)
    store.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=base,
        reason="Psychosis disclosed after signing.",
        answers={"current_psychosis": True},
        review={"decision": "do_not_proceed"},
    )
    amended = store.get_screening(screening.id)
    assert (amended.decision, amended.status, amended.lifecycle) == (
        "do_not_proceed",
        "contraindicated",
        "reopened",
    )


def test_amendments_conflict_like_any_other_write(
    store: Store, open_store: Callable[[], Store], signed: ScreeningDetail
) -> None:
    other = open_store()
    lee = User("u-lee", "Dr. Lee", "psychiatrist", authenticated=True)
    other.amend(
        signed.id, user=lee, base_revision=signed.revision, reason="Scale fixed.", answers={"weight_kg": 80}
    )
    with pytest.raises(ConflictError) as raised:
        store.amend(
            signed.id,
            user=PSYCHIATRIST,
            base_revision=signed.revision,
            reason="Re-weighed.",
            answers={"weight_kg": 82, "height_cm": 170},
        )
    assert (raised.value.item_id, raised.value.changed_by, raised.value.current_value) == (
        "weight_kg",
        "Dr. Lee",
        80,
    )
    assert "height_cm" not in store.get_screening(signed.id).answers  # nothing of it saved
    # a different item amended from the same old revision goes through
    result = store.amend(
        signed.id,
        user=PSYCHIATRIST,
        base_revision=signed.revision,
        reason="Measured.",
        answers={"height_cm": 170},
    )
    assert result.others_changed and result.base_revision == signed.revision
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
        store.sign(screening.id, user=PSYCHIATRIST, base_revision=saved.base_revision)
    assert (raised.value.field, raised.value.also_changed) == ("review", ("answer 'current_psychosis'",))

    seen = store.get_screening(screening.id)  # now the psychiatrist sees the new answer
    with pytest.raises(SigningRefused) as refused:
        store.sign(screening.id, user=PSYCHIATRIST, base_revision=seen.revision)
    assert refused.value.rule == "proceed_contraindicated"
