"""Amending a signed screening through the `Workflow` (docs/contract.md §4.3): always with a reason; who may
amend what; which amendments keep the signature and which reopen the screening (the cases of
cases/amendments.yaml); what a reopened screening looks like, how it is signed again, and what the
history says about it all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from screening.workflow import AnswerInput, Refused, Workflow, changes_since, lifecycle_sentence
from tests.workflow.workflow_support import (
    ANSWERS,
    COORDINATOR,
    HYPERTENSION_NOTE,
    PSYCHIATRIST,
    REVIEW,
    USERS,
    FakeClock,
    assert_consistent,
    changed,
    draft,
    load_yaml,
    signed,
)

AMENDMENT_CASES: list[dict[str, Any]] = load_yaml("amendments.yaml")


@pytest.mark.parametrize("case", AMENDMENT_CASES, ids=[case["name"] for case in AMENDMENT_CASES])
def test_amendment_rules(wf: Workflow, case: dict[str, Any]) -> None:
    start = case.get("start", {})
    before = signed(wf, start.get("answers"), start.get("review"))
    assert before.lifecycle == "signed"
    expect = case["expect"]
    request: dict[str, Any] = {
        "answers": case.get("answers"),
        "review": case.get("review"),
        "assessed_on": case.get("assessed_on"),
    }
    amend = {key: value for key, value in request.items() if value is not None}
    by = USERS[case["by"]]

    if "refused" in expect:
        with pytest.raises(Refused) as raised:
            wf.amend(
                before.id, user=by, base_revision=before.revision, reason="Checked with the patient", **amend
            )
        assert raised.value.rule == expect["refused"]
        after = wf.get(before.id)
        assert (after.revision, after.lifecycle, after.answers, after.detail.review) == (
            before.revision,
            "signed",
            before.answers,
            before.detail.review,
        )
        assert_consistent(wf, before.id)
        return

    after = wf.amend(
        before.id, user=by, base_revision=before.revision, reason="Checked with the patient", **amend
    )
    assert after.lifecycle == expect["lifecycle"]
    assert after.status == expect["status"]
    assert after.revision == before.revision + 1
    stored = {
        key: v.isoformat() if isinstance(v, dt.date) else v for key, v in amend.get("answers", {}).items()
    }
    assert after.answers == changed(before.answers, stored)
    if expect["lifecycle"] == "signed":
        assert after.locked
        assert after.signature == before.signature
        assert after.reopened is None
        assert after.review is not None and after.review.signed_at is not None
        assert lifecycle_sentence(after).startswith("Signed: ")
    else:
        assert not after.locked
        assert after.signature is None
        assert after.last_signature == before.signature
        assert after.review is not None and after.review.signed_at is None
        assert after.decision == changed(before.detail.review or {}, amend.get("review")).get("decision")
        reopened = after.reopened
        assert reopened is not None
        assert list(reopened.because) == expect["because"]
        assert list(reopened.changes) == expect["changes"]
        assert (reopened.by, reopened.reason) == (by.name, "Checked with the patient")
        sentence = lifecycle_sentence(after)
        assert sentence.startswith("Reopened after an amendment on ")
        assert sentence.endswith(". Needs re-signing")
        assert expect["changes"][0] in sentence
        # the history says each change in the same words
        entries = {
            (entry.target_label, entry.new_words)
            for entry in wf.history(before.id)
            if entry.revision == after.revision and entry.kind == "amended"
        }
        for words in expect["changes"]:
            label, _, new_words = words.partition(" now ")
            assert (label, new_words) in entries
    (listed,) = wf.screenings()
    assert (listed.lifecycle, listed.status, listed.decision) == (
        after.lifecycle,
        after.status,
        after.decision,
    )
    assert_consistent(wf, before.id)


def test_an_amendment_needs_a_reason(wf: Workflow) -> None:
    screening = signed(wf)
    for reason in ("", "   \n"):
        with pytest.raises(Refused) as raised:
            wf.amend(
                screening.id,
                user=COORDINATOR,
                base_revision=screening.revision,
                reason=reason,
                answers={"heart_disease": True},
            )
        assert raised.value.rule == "reason"
    assert wf.get(screening.id).revision == screening.revision


def test_an_amendment_that_changes_nothing_is_refused(wf: Workflow) -> None:
    screening = signed(wf)
    requests: list[dict[str, Any]] = [
        {},
        {"answers": {}},
        {"answers": {"patient_name": ANSWERS["patient_name"], "spo2": 99}},
        {"review": {"decision": "proceed", "protocol": REVIEW["protocol"]}},
        {"assessed_on": screening.assessed_on},
    ]
    for request in requests:
        user = PSYCHIATRIST if "review" in request else COORDINATOR
        with pytest.raises(Refused) as raised:
            wf.amend(screening.id, user=user, base_revision=screening.revision, reason="Checked", **request)
        assert raised.value.rule == "no_change", request
    assert wf.get(screening.id).revision == screening.revision


def test_only_a_signed_screening_is_amended(wf: Workflow) -> None:
    screening = draft(wf)
    with pytest.raises(Refused) as raised:
        wf.amend(
            screening.id,
            user=COORDINATOR,
            base_revision=screening.revision,
            reason="Checked",
            answers={"heart_disease": True},
        )
    assert raised.value.rule == "not_signed"


def test_a_coordinator_amends_answers_and_the_date_but_not_the_review(wf: Workflow) -> None:
    screening = signed(wf)
    screening = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Typo in the MRN",
        answers={"mrn": "KC-20913"},
        assessed_on=dt.date(2026, 11, 19),
    )
    assert screening.lifecycle == "signed"
    assert (screening.answers["mrn"], screening.assessed_on) == ("KC-20913", dt.date(2026, 11, 19))
    amendments: list[tuple[str, AnswerInput]] = [
        ("protocol", "esketamine-induction"),
        ("weight_basis", "actual"),
        ("start_date", "2026-12-09"),
        ("decision", "defer"),
        ("acknowledged", {"ci.rel.hypertension_history": "Reworded."}),
        ("clinician", "Somebody Else"),
    ]
    for field, value in amendments:
        with pytest.raises(Refused) as raised:
            wf.amend(
                screening.id,
                user=COORDINATOR,
                base_revision=screening.revision,
                reason="Not mine to change",
                review={field: value},
            )
        assert raised.value.rule == "role", field
    assert_consistent(wf, screening.id)


def test_a_psychiatrist_amends_every_review_field(wf: Workflow) -> None:
    screening = signed(wf)
    amendments: list[tuple[str, Any, Any]] = [
        ("protocol", "esketamine-induction", "esketamine-induction"),
        ("weight_basis", "actual", "actual"),
        ("start_date", dt.date(2026, 12, 9), "2026-12-09"),
        ("decision", "defer", "defer"),
        (
            "acknowledged",
            {"ci.rel.hypertension_history": "Reworded."},
            {"ci.rel.hypertension_history": "Reworded."},
        ),
        ("clinician", "Dr. S. Adeyemi", "Dr. S. Adeyemi"),
    ]
    for field, value, stored in amendments:
        screening = wf.amend(
            screening.id,
            user=PSYCHIATRIST,
            base_revision=screening.revision,
            reason=f"Correcting the {field}",
            review={field: value},
        )
        assert screening.lifecycle == "signed", field
        assert screening.detail.review is not None and screening.detail.review[field] == stored
    assert screening.decision == "defer"
    assert_consistent(wf, screening.id)


def test_the_history_shows_every_amendment_in_words(wf: Workflow, clock: FakeClock) -> None:
    screening = signed(wf)
    signed_at = clock.peek()
    name_fixed = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Spelling of the name",
        answers={"patient_name": "María Fernández-López"},
    )
    name_fixed_at = clock.peek()
    reopened = wf.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=name_fixed.revision,
        reason="Patient recalled a stent",
        answers={"heart_disease": True},
        review={"start_date": dt.date(2026, 12, 9)},
    )
    reopened_at = clock.peek()

    history = wf.history(screening.id)
    assert history[0].kind == "created" and history[0].user_name == COORDINATOR.name
    (signing,) = [entry for entry in history if entry.kind == "signed"]
    assert (signing.at, signing.user_name, signing.role, signing.new_words) == (
        signed_at,
        PSYCHIATRIST.name,
        "psychiatrist",
        "Proceed",
    )
    amended = [(e.revision, e.kind, e.target, e.target_label, e.old_words, e.new_words) for e in history[-4:]]
    assert amended == [
        (
            name_fixed.revision,
            "amended",
            "patient_name",
            "Patient name",
            "Maria Fernández-López",
            "María Fernández-López",
        ),
        (reopened.revision, "amended", "heart_disease", "Heart disease", "No", "Yes"),
        (reopened.revision, "amended", "review.start_date", "Start date", "2026-12-02", "2026-12-09"),
        (
            reopened.revision,
            "reopened",
            "lifecycle",
            "Reopened: needs re-signing",
            "Signed",
            "New relative flag: Heart disease or prior stroke; "
            "'Proceed' needs a note for every relative flag that fired (1 without a note).",
        ),
    ]
    name_entry, heart, start, reopening = history[-4:]
    assert (name_entry.user_name, name_entry.role, name_entry.at, name_entry.reason) == (
        COORDINATOR.name,
        "coordinator",
        name_fixed_at,
        "Spelling of the name",
    )
    assert (name_entry.old, name_entry.new) == ("Maria Fernández-López", "María Fernández-López")
    for entry in (heart, start, reopening):
        assert (entry.user_name, entry.role, entry.at, entry.reason) == (
            PSYCHIATRIST.name,
            "psychiatrist",
            reopened_at,
            "Patient recalled a stent",
        )
    assert (heart.old, heart.new) == (False, True)
    assert (reopening.old, reopening.new) == ("signed", "reopened")
    assert changes_since(history)[-4:] == history[-4:]
    assert reopened.reopened is not None and reopened.reopened.at == reopened_at
    assert_consistent(wf, screening.id)


def test_a_reopened_screening_is_edited_like_a_draft_and_signed_again(wf: Workflow) -> None:
    screening = signed(wf)
    screening = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Patient recalled a stent",
        answers={"heart_disease": True},
    )
    assert screening.lifecycle == "reopened" and screening.decision == "proceed"
    assert [s.id for s in wf.screenings(lifecycle="reopened")] == [screening.id]
    assert [s.id for s in wf.screenings(signed=False)] == [screening.id]
    assert wf.screenings(signed=True) == []

    # amending is for signed screenings; a reopened one is saved normally
    with pytest.raises(Refused) as raised:
        wf.amend(
            screening.id,
            user=COORDINATOR,
            base_revision=screening.revision,
            reason="x",
            answers={"glaucoma": True},
        )
    assert raised.value.rule == "not_signed"
    screening = wf.answer(
        screening.id, {"mrn": "KC-20913"}, user=COORDINATOR, base_revision=screening.revision
    )
    assert screening.lifecycle == "reopened"

    with pytest.raises(Refused) as raised:
        wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    assert raised.value.rule == "proceed_unacknowledged"
    with pytest.raises(Refused) as raised:
        wf.sign(screening.id, user=COORDINATOR, base_revision=screening.revision)
    assert raised.value.rule == "role"

    screening = wf.review(
        screening.id,
        {
            "acknowledged": {
                "ci.rel.hypertension_history": HYPERTENSION_NOTE,
                "ci.rel.heart_disease": "Stent 2019, cardiology cleared; crash cart in the room.",
            }
        },
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    )
    assert screening.lifecycle == "reopened"
    screening = wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    assert screening.lifecycle == "signed" and screening.locked
    assert screening.reopened is None
    assert screening.signature is not None and screening.signature.signer == PSYCHIATRIST
    assert lifecycle_sentence(screening) == "Signed: proceed, 2 flags acknowledged"
    assert [entry.kind for entry in wf.history(screening.id)].count("signed") == 2
    (listed,) = wf.screenings()
    assert (listed.lifecycle, listed.reopened) == ("signed", None)
    assert_consistent(wf, screening.id)


def test_a_reopened_screening_can_be_signed_with_another_decision(wf: Workflow) -> None:
    screening = signed(wf)
    screening = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="New symptoms",
        answers={"current_psychosis": True},
    )
    assert (screening.lifecycle, screening.status) == ("reopened", "contraindicated")
    with pytest.raises(Refused) as raised:
        wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    assert raised.value.rule == "proceed_contraindicated"
    screening = wf.review(
        screening.id, {"decision": "do_not_proceed"}, user=PSYCHIATRIST, base_revision=screening.revision
    )
    screening = wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    assert (screening.lifecycle, screening.decision) == ("signed", "do_not_proceed")
    assert_consistent(wf, screening.id)


def test_amended_answers_are_checked_against_the_amended_date(wf: Workflow) -> None:
    screening = signed(wf)
    with pytest.raises(Refused) as raised:
        wf.amend(
            screening.id,
            user=COORDINATOR,
            base_revision=screening.revision,
            reason="Date of birth was wrong",
            answers={"date_of_birth": dt.date(2026, 11, 19)},
        )
    assert (raised.value.rule, getattr(raised.value, "item_id", None)) == ("invalid_answer", "date_of_birth")
    moved = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Newborn record mixed up; screening date was the 20th",
        answers={"date_of_birth": dt.date(1985, 11, 19)},
        assessed_on=dt.date(2026, 11, 20),
    )
    assert moved.answers["date_of_birth"] == "1985-11-19"
    assert moved.lifecycle == "signed"
    assert_consistent(wf, screening.id)
