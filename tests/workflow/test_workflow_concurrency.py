"""Two people acting on the same revision (docs/contract.md §4.4): exactly one of two psychiatrists signing or
amending wins; the other gets `Conflict` naming who changed what, and nothing of the losing request
is saved. First as sequential calls with a stale `base_revision`, then with real threads on two
workflows (two app processes) on the same database."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest

from screening.workflow import Conflict, ConflictError, Refused, Screening, Workflow
from tests.workflow.workflow_support import (
    COORDINATOR,
    HYPERTENSION_NOTE,
    OTHER_PSYCHIATRIST,
    PSYCHIATRIST,
    assert_consistent,
    draft,
    reviewed,
    signed,
)


def _conflict(write: Callable[[], Any]) -> ConflictError:
    with pytest.raises(Conflict) as raised:
        write()
    assert isinstance(raised.value, ConflictError)
    return raised.value


def test_two_psychiatrists_sign_the_same_revision(wf: Workflow) -> None:
    screening = reviewed(wf)
    first = wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)

    conflict = _conflict(
        lambda: wf.sign(screening.id, user=OTHER_PSYCHIATRIST, base_revision=screening.revision)
    )

    assert (conflict.changed_by, conflict.field, conflict.changed_revision) == (
        PSYCHIATRIST.name,
        "review",
        first.revision,
    )
    assert conflict.current_revision == first.revision
    assert PSYCHIATRIST.name in str(conflict) and "review" in str(conflict)
    after = assert_consistent(wf, screening.id)
    assert after.revision == first.revision
    assert after.signature is not None and after.signature.signer == PSYCHIATRIST
    assert [entry.kind for entry in wf.history(screening.id)].count("signed") == 1


def test_a_review_saved_from_before_a_signing_is_refused(wf: Workflow) -> None:
    screening = reviewed(wf)
    signing = wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    # refused either way (locked, or a conflict with the signing); it names who signed
    with pytest.raises((Refused, Conflict)) as raised:
        wf.review(
            screening.id, {"decision": "defer"}, user=OTHER_PSYCHIATRIST, base_revision=screening.revision
        )
    assert PSYCHIATRIST.name in str(raised.value)
    after = assert_consistent(wf, screening.id)
    assert (after.revision, after.decision, after.lifecycle) == (signing.revision, "proceed", "signed")


def test_a_signed_screening_stays_locked_for_the_one_who_saw_it_signed(wf: Workflow) -> None:
    screening = signed(wf)
    with pytest.raises(Refused) as raised:
        wf.sign(screening.id, user=OTHER_PSYCHIATRIST, base_revision=screening.revision)
    assert raised.value.rule == "locked"
    with pytest.raises(Refused) as raised:  # the answer is not what the signing changed
        wf.answer(screening.id, {"glaucoma": True}, user=COORDINATOR, base_revision=screening.revision - 1)
    assert raised.value.rule == "locked"


def test_two_psychiatrists_amend_the_same_answer(wf: Workflow) -> None:
    screening = signed(wf)
    first = wf.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=screening.revision,
        reason="Weighed again",
        answers={"weight_kg": 80.25},
    )
    assert first.lifecycle == "signed"

    conflict = _conflict(
        lambda: wf.amend(
            screening.id,
            user=OTHER_PSYCHIATRIST,
            base_revision=screening.revision,
            reason="Scale was off",
            answers={"mrn": "KC-99999", "weight_kg": 82.75},
        )
    )
    assert (conflict.changed_by, conflict.field, conflict.item_id, conflict.current_value) == (
        PSYCHIATRIST.name,
        "answer",
        "weight_kg",
        80.25,
    )
    assert "80.25" not in str(conflict) and "82.75" not in str(conflict)
    after = assert_consistent(wf, screening.id)
    assert after.revision == first.revision
    assert (after.answers["weight_kg"], after.answers["mrn"]) == (80.25, "KC-20931")


def test_two_psychiatrists_amend_the_review(wf: Workflow) -> None:
    screening = signed(wf)
    wf.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=screening.revision,
        reason="Chair free a week later",
        review={"start_date": dt.date(2026, 12, 9)},
    )
    conflict = _conflict(
        lambda: wf.amend(
            screening.id,
            user=OTHER_PSYCHIATRIST,
            base_revision=screening.revision,
            reason="Wait for cardiology",
            review={"decision": "defer"},
        )
    )
    assert (conflict.changed_by, conflict.field) == (PSYCHIATRIST.name, "review")
    after = assert_consistent(wf, screening.id)
    assert (after.decision, after.detail.review and after.detail.review["start_date"]) == (
        "proceed",
        "2026-12-09",
    )


def test_an_amendment_from_before_a_reopening_is_a_conflict(wf: Workflow) -> None:
    screening = signed(wf)
    reopened = wf.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=screening.revision,
        reason="Patient recalled a stent",
        answers={"heart_disease": True},
    )
    assert reopened.lifecycle == "reopened"

    # a different answer: nobody else changed it, but the screening it amends is no longer signed
    conflict = _conflict(
        lambda: wf.amend(
            screening.id,
            user=OTHER_PSYCHIATRIST,
            base_revision=screening.revision,
            reason="Eye pressure",
            answers={"glaucoma": True},
        )
    )
    assert (conflict.changed_by, conflict.changed_revision) == (PSYCHIATRIST.name, reopened.revision)
    assert "heart_disease" in str(conflict)  # what the other psychiatrist changed
    after = assert_consistent(wf, screening.id)
    assert after.revision == reopened.revision
    assert after.answers["glaucoma"] is False

    # with a base that has seen the reopening, the refusal says what to do instead
    with pytest.raises(Refused) as raised:
        wf.amend(
            screening.id,
            user=OTHER_PSYCHIATRIST,
            base_revision=after.revision,
            reason="x",
            answers={"glaucoma": True},
        )
    assert raised.value.rule == "not_signed"


def test_amendments_of_different_answers_both_go_through(wf: Workflow) -> None:
    screening = signed(wf)
    wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Typo",
        answers={"mrn": "KC-20913"},
    )
    after = wf.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=screening.revision,
        reason="Weighed",
        answers={"weight_kg": 80.5},
    )
    assert (after.answers["mrn"], after.answers["weight_kg"], after.lifecycle) == ("KC-20913", 80.5, "signed")
    assert_consistent(wf, screening.id)


# ---------------------------------------------------------------------------------------------
# Real threads, one workflow each (two app processes on one database)


def _race(writes: list[Callable[[], Screening]]) -> tuple[list[Screening], list[BaseException]]:
    """Runs `writes` at the same moment, one thread each; what they returned and raised."""
    barrier = threading.Barrier(len(writes))
    results: list[Screening] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(write: Callable[[], Screening]) -> None:
        barrier.wait()
        try:
            result = write()
        except BaseException as error:  # handed to the test thread, which checks it
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(result)

    threads = [threading.Thread(target=run, args=(write,)) for write in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def _sign_race(first: Workflow, second: Workflow) -> None:
    screening = reviewed(first, review={"clinician": None})  # names no clinician: either may sign
    results, errors = _race(
        [
            lambda: first.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision),
            lambda: second.sign(screening.id, user=OTHER_PSYCHIATRIST, base_revision=screening.revision),
        ]
    )
    assert len(results) == 1 and len(errors) == 1, errors
    (winner,) = results
    (error,) = errors
    assert isinstance(error, ConflictError), repr(error)
    assert winner.signature is not None
    assert error.changed_by == winner.signature.signer.name
    after = assert_consistent(first, screening.id)
    assert after.revision == screening.revision + 1 == winner.revision
    assert after.signature == winner.signature


def test_two_psychiatrists_sign_at_the_same_moment(open_workflow: Callable[[], Workflow]) -> None:
    first, second = open_workflow(), open_workflow()
    for _ in range(3):
        _sign_race(first, second)


def _amend_race(first: Workflow, second: Workflow) -> None:
    screening = signed(first)
    results, errors = _race(
        [
            lambda: first.amend(
                screening.id,
                user=PSYCHIATRIST,
                base_revision=screening.revision,
                reason="Patient recalled a stent",
                answers={"heart_disease": True},
            ),
            lambda: second.amend(
                screening.id,
                user=OTHER_PSYCHIATRIST,
                base_revision=screening.revision,
                reason="Cardiology letter",
                answers={"heart_disease": True},
                review={
                    "acknowledged": {
                        "ci.rel.hypertension_history": HYPERTENSION_NOTE,
                        "ci.rel.heart_disease": "Stent 2019; cardiology cleared.",
                    }
                },
            ),
        ]
    )
    assert len(results) == 1 and len(errors) == 1, errors
    (winner,) = results
    (error,) = errors
    assert isinstance(error, ConflictError), repr(error)
    assert winner.reopened is not None and winner.lifecycle == "reopened"
    assert error.changed_by == winner.reopened.by
    after = assert_consistent(first, screening.id)
    assert after.revision == screening.revision + 1 == winner.revision
    assert after.detail.review == winner.detail.review
    assert [entry.kind for entry in first.history(screening.id)].count("reopened") == 1


def test_two_psychiatrists_amend_at_the_same_moment(open_workflow: Callable[[], Workflow]) -> None:
    first, second = open_workflow(), open_workflow()
    for _ in range(3):
        _amend_race(first, second)


def test_many_coordinators_answer_different_items_at_once(open_workflow: Callable[[], Workflow]) -> None:
    workflows = [open_workflow() for _ in range(3)]
    screening = draft(workflows[0], {"heart_disease": None, "glaucoma": None, "porphyria": None})
    items = ["heart_disease", "glaucoma", "porphyria"]
    results, errors = _race(
        [
            lambda wf=wf, item=item: wf.answer(  # type: ignore[misc]
                screening.id, {item: False}, user=COORDINATOR, base_revision=screening.revision
            )
            for wf, item in zip(workflows, items, strict=True)
        ]
    )
    assert errors == [] and len(results) == 3
    after = assert_consistent(workflows[0], screening.id)
    assert all(after.answers[item] is False for item in items)
    assert after.status == "needs_review"
