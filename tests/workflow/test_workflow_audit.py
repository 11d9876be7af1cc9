"""The audit trail and the JSON of a screening through the `Workflow`: `verify()` holds after every
lifecycle sequence and fails once stored data is changed behind the workflow's back; replaying the
history from empty gives the stored answers and review; `to_json()` is the docs/contract.md §2 assessment plus
lifecycle, decision and revision."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from screening.engine import assess
from screening.workflow import Screening, Workflow
from tests.workflow.workflow_support import (
    ASSESSED_ON,
    COORDINATOR,
    HYPERTENSION_NOTE,
    PSYCHIATRIST,
    Tamper,
    assert_consistent,
    assert_replays,
    draft,
    reviewed,
    signed,
)

ANSWER = "UPDATE answers SET value_json"
CONTRACT_KEYS = {"questionnaire", "status", "scores", "derived", "flags", "missing"}


def _lived(wf: Workflow) -> Screening:
    """A screening that went through most of its life: answered, reviewed, signed, amended twice
    (once reopening it), edited again, signed again."""
    screening = signed(wf)
    screening = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Spelling",
        answers={"patient_name": "María Fernández-López"},
    )
    screening = wf.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=screening.revision,
        reason="Stent and a week later",
        answers={"heart_disease": True},
        review={"start_date": dt.date(2026, 12, 9)},
        assessed_on=dt.date(2026, 11, 19),
    )
    screening = wf.answer(
        screening.id, {"weight_kg": 80.0}, user=COORDINATOR, base_revision=screening.revision
    )
    screening = wf.review(
        screening.id,
        {
            "acknowledged": {
                "ci.rel.hypertension_history": HYPERTENSION_NOTE,
                "ci.rel.heart_disease": "Cleared.",
            }
        },
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    )
    screening = wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    wf.record_document(screening.id, user=PSYCHIATRIST, document="clinician-summary.pdf")
    return wf.get(screening.id)


def test_a_whole_life_verifies_and_replays(wf: Workflow) -> None:
    screening = _lived(wf)
    assert (screening.lifecycle, screening.decision, screening.assessed_on) == (
        "signed",
        "proceed",
        dt.date(2026, 11, 19),
    )
    kinds = [entry.kind for entry in wf.history(screening.id)]
    assert kinds.count("signed") == 2 and kinds.count("reopened") == 1 and kinds[-1] == "document"
    assert wf.verify(screening.id)
    assert wf.audit_report(screening.id).ok
    assert_replays(wf, screening.id)
    assert_consistent(wf, screening.id)


@pytest.mark.parametrize(
    ("statement", "params"),
    [
        (f"{ANSWER} = :value WHERE screening_id = :id AND item_id = 'heart_disease'", {"value": "false"}),
        (f"{ANSWER} = :value WHERE screening_id = :id AND item_id = 'current_psychosis'", {"value": "true"}),
        ("DELETE FROM answers WHERE screening_id = :id AND item_id = 'glaucoma'", {}),
        (
            "UPDATE reviews SET review_json = :value WHERE screening_id = :id",
            {"value": '{"decision":"proceed"}'},
        ),
        ("UPDATE screenings SET lifecycle = 'signed' WHERE id = :id", {}),
        ("UPDATE screenings SET decision = 'do_not_proceed' WHERE id = :id", {}),
        ("UPDATE screenings SET status = 'candidate' WHERE id = :id", {}),
    ],
    ids=["answer changed", "answer forged", "answer deleted", "review", "lifecycle", "decision", "status"],
)
def test_data_changed_behind_the_workflows_back_fails_verification(
    wf: Workflow, tamper: Tamper, statement: str, params: dict[str, Any]
) -> None:
    screening = _lived(wf)
    screening = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Eye pressure raised at the optician",
        answers={"glaucoma": True},
    )
    assert screening.lifecycle == "reopened" and wf.verify(screening.id)
    untouched = draft(wf)

    tamper(statement, screening_id=screening.id, **params)

    assert not wf.verify(screening.id)
    report = wf.audit_report(screening.id)
    assert not report.ok and report.problems
    assert wf.verify(untouched.id)


def test_to_json_is_the_assessment_plus_the_lifecycle(wf: Workflow) -> None:
    screening = reviewed(wf)
    data = screening.to_json()
    assert CONTRACT_KEYS | {"lifecycle", "decision", "revision"} <= set(data)
    assert (data["lifecycle"], data["decision"], data["revision"]) == ("draft", "proceed", screening.revision)
    assert data["status"] == "needs_review"
    assert data["questionnaire"]["id"] == "ketamine-trd-intake"
    assert data["questionnaire"]["sha256"] == screening.definition.sha256
    assert [flag["id"] for flag in data["flags"] if flag["severity"] == "relative"] == [
        "ci.rel.hypertension_history"
    ]
    assert data["missing"] == []
    assert data["derived"]["trd_criteria_met"] is True
    assert data["scores"]["phq9_total"]["value"] == screening.assessment.scores["phq9_total"].value
    assert "reopened" not in data
    expected = assess(
        screening.definition, screening.answers, assessed_on=ASSESSED_ON, review=screening.detail.review
    ).contract()
    assert {key: data[key] for key in expected} == expected
    json.dumps(data)  # plain JSON

    signed_one = wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    data = signed_one.to_json()
    assert (data["lifecycle"], data["decision"], data["revision"]) == (
        "signed",
        "proceed",
        signed_one.revision,
    )
    assert data["review"]["signed_at"] is not None

    reopened = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=signed_one.revision,
        reason="Patient recalled a stent",
        answers={"heart_disease": True},
    )
    data = reopened.to_json()
    assert (data["lifecycle"], data["decision"], data["revision"]) == (
        "reopened",
        "proceed",
        reopened.revision,
    )
    assert data["reopened"]["changes"] == ["Heart disease now Yes"]
    assert data["reopened"]["reason"] == "Patient recalled a stent"
    assert data["reopened"]["by"] == COORDINATOR.name
    assert data["review"]["signed_at"] is None
    assert data["review"]["unacknowledged"] == ["ci.rel.heart_disease"]
    json.dumps(data)
