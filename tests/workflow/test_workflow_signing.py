"""Reviews and signing through the `Workflow` (docs/contract.md §4.3): only psychiatrists review and sign,
review fields merge, signing needs a decision and 'proceed' only stands on a screening that allows
it; a signed screening is locked. The signing rules are the cases of cases/signing.yaml."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from screening.workflow import Conflict, Refused, Screening, Workflow, lifecycle_sentence
from tests.workflow.workflow_support import (
    ANSWERS,
    COORDINATOR,
    HYPERTENSION_NOTE,
    PSYCHIATRIST,
    REVIEW,
    assert_consistent,
    changed,
    draft,
    load_yaml,
    reviewed,
    signed,
)

SIGNING_CASES: list[dict[str, Any]] = load_yaml("signing.yaml")


# ---------------------------------------------------------------------------------------------
# The review


def test_only_a_psychiatrist_records_a_review(wf: Workflow) -> None:
    screening = draft(wf)
    with pytest.raises(Refused) as raised:
        wf.review(screening.id, {"decision": "proceed"}, user=COORDINATOR, base_revision=screening.revision)
    assert raised.value.rule == "role"
    after = wf.get(screening.id)
    assert (after.revision, after.review, after.decision) == (screening.revision, None, None)


def test_review_fields_merge_and_none_unsets_one(wf: Workflow) -> None:
    screening = draft(wf)
    screening = wf.review(
        screening.id,
        {"protocol": "iv-ketamine-induction", "weight_basis": "adjusted"},
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    )
    screening = wf.review(
        screening.id,
        {"decision": "defer", "start_date": dt.date(2026, 12, 2)},
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    )
    review = screening.review
    assert review is not None
    assert (review.protocol, review.weight_basis, review.decision, review.start_date) == (
        "iv-ketamine-induction",
        "adjusted",
        "defer",
        dt.date(2026, 12, 2),
    )
    assert screening.detail.review == {
        "protocol": "iv-ketamine-induction",
        "weight_basis": "adjusted",
        "decision": "defer",
        "start_date": "2026-12-02",
    }
    assert screening.decision == "defer"

    screening = wf.review(
        screening.id,
        {"weight_basis": None, "decision": None},
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    )
    assert screening.detail.review == {"protocol": "iv-ketamine-induction", "start_date": "2026-12-02"}
    assert screening.decision is None
    (listed,) = wf.screenings()
    assert listed.decision is None
    assert_consistent(wf, screening.id)


def test_acknowledged_replaces_every_note(wf: Workflow) -> None:
    screening = draft(wf, {"heart_disease": True})
    screening = wf.review(
        screening.id,
        {"acknowledged": {"ci.rel.hypertension_history": HYPERTENSION_NOTE, "ci.rel.heart_disease": "Seen."}},
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    )
    screening = wf.review(
        screening.id,
        {"acknowledged": {"ci.rel.heart_disease": "Cardiology cleared."}},
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    )
    assert screening.review is not None
    assert screening.review.acknowledged == {"ci.rel.heart_disease": "Cardiology cleared."}
    assert screening.assessment.review is not None
    assert screening.assessment.review.unacknowledged == ["ci.rel.hypertension_history"]
    assert_consistent(wf, screening.id)


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"protocol": "iv-ketamine-maintenance"}, "protocol"),
        ({"decision": "maybe"}, "invalid_request"),
        ({"weight_basis": "lean"}, "invalid_request"),
        ({"start_date": "next week"}, "invalid_request"),
        ({"signed_at": "2026-11-18T16:05:00"}, "invalid_request"),
        ({"acknowledged": {"ci.rel.hypertension_history": 3}}, "invalid_request"),
    ],
    ids=["unknown protocol", "unknown decision", "unknown basis", "bad date", "signed_at", "note not text"],
)
def test_review_fields_that_cannot_be_recorded_are_refused(
    wf: Workflow, fields: dict[str, Any], rule: str
) -> None:
    screening = draft(wf)
    with pytest.raises(Refused) as raised:
        wf.review(
            screening.id,
            {"clinician": "Dr. A", **fields},
            user=PSYCHIATRIST,
            base_revision=screening.revision,
        )
    assert raised.value.rule == rule
    assert wf.get(screening.id).revision == screening.revision


# ---------------------------------------------------------------------------------------------
# Signing


@pytest.mark.parametrize("case", SIGNING_CASES, ids=[case["name"] for case in SIGNING_CASES])
def test_signing_rules(wf: Workflow, case: dict[str, Any]) -> None:
    screening = reviewed(wf, case.get("answers"), case.get("review"))
    expect = case["expect"]
    if expect == "signed":
        result = wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
        assert result.lifecycle == "signed" and result.locked
        assert result.signature is not None and result.signature.signer == PSYCHIATRIST
        assert result.review is not None and result.review.signed_at is not None
        assert result.decision == changed(REVIEW, case.get("review")).get("decision")
        assert result.revision == screening.revision + 1
        assert lifecycle_sentence(result).startswith("Signed: ")
        (listed,) = wf.screenings()
        assert (listed.lifecycle, listed.decision) == ("signed", result.decision)
        entry = wf.history(screening.id)[-1]
        assert (entry.kind, entry.user_name, entry.new) == ("signed", PSYCHIATRIST.name, result.decision)
    else:
        with pytest.raises(Refused) as raised:
            wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
        assert raised.value.rule == expect["refused"]
        after = wf.get(screening.id)
        assert (after.lifecycle, after.revision, after.signature) == ("draft", screening.revision, None)
        assert after.detail.review == screening.detail.review
    assert_consistent(wf, screening.id)


def test_signing_needs_a_review(wf: Workflow) -> None:
    screening = draft(wf)
    with pytest.raises(Refused) as raised:
        wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    assert raised.value.rule == "no_decision"


def test_a_coordinator_cannot_sign(wf: Workflow) -> None:
    screening = reviewed(wf)
    with pytest.raises(Refused) as raised:
        wf.sign(screening.id, user=COORDINATOR, base_revision=screening.revision)
    assert raised.value.rule == "role"
    assert wf.get(screening.id).lifecycle == "draft"


def test_signing_what_was_not_seen_is_a_conflict(wf: Workflow) -> None:
    screening = reviewed(wf)
    wf.answer(screening.id, {"heart_disease": True}, user=COORDINATOR, base_revision=screening.revision)
    with pytest.raises(Conflict) as raised:
        wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    assert raised.value.changed_by == COORDINATOR.name  # type: ignore[attr-defined]
    assert "heart_disease" in str(raised.value)
    assert wf.get(screening.id).lifecycle == "draft"


def test_a_signed_screening_is_locked(wf: Workflow) -> None:
    screening = signed(wf)
    writes: dict[str, Callable[[], Screening]] = {
        "answer": lambda: wf.answer(
            screening.id, {"heart_disease": True}, user=COORDINATOR, base_revision=screening.revision
        ),
        "review": lambda: wf.review(
            screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=screening.revision
        ),
        "date": lambda: wf.set_assessed_on(
            screening.id, dt.date(2026, 11, 19), user=COORDINATOR, base_revision=screening.revision
        ),
        "sign": lambda: wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision),
    }
    for name, write in writes.items():
        with pytest.raises(Refused) as raised:
            write()
        assert raised.value.rule == "locked", name
        assert PSYCHIATRIST.name in str(raised.value)
    after = wf.get(screening.id)
    assert (after.revision, after.lifecycle, after.answers) == (
        screening.revision,
        "signed",
        ANSWERS | {"date_of_birth": "1985-07-02"},
    )
    assert_consistent(wf, screening.id)
