"""Saving many answers in one transaction, merging review fields, and the judge's status being
computed inside each write: a judge that fails leaves nothing saved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from screening.storage import (
    ConflictError,
    InvalidRequest,
    ScreeningDetail,
    SigningRefused,
    Store,
    WriteResult,
)
from screening.storage.judge import State
from tests.storage.storage_support import (
    COORDINATOR,
    DEFINITION_FILES,
    OTHER_COORDINATOR,
    PIN,
    PSYCHIATRIST,
    FakeClock,
    StandInJudge,
    expected_status,
)

NewScreening = Callable[..., ScreeningDetail]


# ---------------------------------------------------------------------- set_answers


def test_many_answers_are_saved_in_one_write_with_one_event_each(
    store: Store, new_screening: NewScreening, judge: StandInJudge, clock: FakeClock
) -> None:
    screening = new_screening(phq9_1="several_days", phq9_2="not_at_all")
    judged_before = len(judge.judged("status"))
    result = store.set_answers(
        screening.id,
        {
            "patient_name": "Ana Silva",
            "phq9_1": "nearly_every_day",
            "phq9_2": None,
            "phq9_3": 2,
            "weight_kg": 80.5,
        },
        user=COORDINATOR,
        base_revision=screening.revision,
    )

    reread = store.get_screening(screening.id)
    assert result == WriteResult(
        screening.id, reread.revision, reread.revision, changed=True, others_changed=False
    )
    assert reread.revision == screening.revision + 5
    assert reread.answers == {
        "patient_name": "Ana Silva",
        "phq9_1": "nearly_every_day",
        "phq9_3": 2,
        "weight_kg": 80.5,
    }
    new_events = reread.events[screening.revision :]
    assert [(e.kind, e.payload["item"]) for e in new_events] == [
        ("answer_set", "patient_name"),
        ("answer_set", "phq9_1"),
        ("answer_cleared", "phq9_2"),
        ("answer_set", "phq9_3"),
        ("answer_set", "weight_kg"),
    ]
    assert {event.at for event in new_events} == {clock.peek()}  # one transaction, one moment
    assert {reread.answer_revisions[item] for item in ("phq9_1", "phq9_2", "phq9_3")} == {
        screening.revision + 2,
        screening.revision + 3,
        screening.revision + 4,
    }
    # the judge is asked once, about the screening with every answer applied
    assert len(judge.judged("status")) == judged_before + 1
    assert dict(judge.judged("status")[-1].answers) == reread.answers
    assert reread.status == "candidate" == expected_status(reread)
    assert store.verify_audit(screening.id).ok


def test_answers_already_stored_are_left_out(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening(phq9_1="several_days")
    unchanged = store.set_answers(
        screening.id, {"phq9_1": "several_days", "never_answered": None}, user=COORDINATOR, base_revision=1
    )
    assert not unchanged.changed and unchanged.latest_revision == screening.revision
    mixed = store.set_answers(
        screening.id,
        {"phq9_1": "several_days", "phq9_2": 1},
        user=COORDINATOR,
        base_revision=screening.revision,
    )
    assert mixed.changed and mixed.latest_revision == screening.revision + 1
    assert [e.kind for e in store.get_screening(screening.id).events[screening.revision :]] == ["answer_set"]


def test_a_conflict_on_any_one_answer_saves_none_of_them(
    store: Store, open_store: Callable[[], Store], new_screening: NewScreening
) -> None:
    screening = new_screening(patient_name="Ana Silva")
    other = open_store()
    other.set_answer(
        screening.id, "weight_kg", 81.5, user=OTHER_COORDINATOR, base_revision=screening.revision
    )
    before = store.get_screening(screening.id)

    with pytest.raises(ConflictError) as raised:
        store.set_answers(
            screening.id,
            {"phq9_1": "several_days", "weight_kg": 18.5, "height_cm": 168},
            user=COORDINATOR,
            base_revision=screening.revision,
        )
    assert (raised.value.item_id, raised.value.current_value) == ("weight_kg", 81.5)
    assert store.get_screening(screening.id) == before


@pytest.mark.parametrize(
    ("answers", "complaint"),
    [
        ({}, "at least one answer"),
        ({"phq9_1": 1, "bad id": 2}, "Item ids"),
        ({"phq9_1": 1, "phq9_2": float("inf")}, "not finite"),
    ],
)
def test_many_answers_are_checked_before_anything_is_saved(
    store: Store, new_screening: NewScreening, answers: dict[str, Any], complaint: str
) -> None:
    screening = new_screening()
    with pytest.raises(InvalidRequest, match=complaint):
        store.set_answers(screening.id, answers, user=COORDINATOR, base_revision=1)
    assert store.get_screening(screening.id) == screening


# ---------------------------------------------------------------------- update_review


def test_update_review_merges_fields_and_none_unsets_them(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening(patient_name="Ana Silva")
    base = store.update_review(
        screening.id,
        {"clinician": "Dr. R. Okafor, MD", "protocol": "iv-ketamine-induction", "weight_basis": "actual"},
        user=PSYCHIATRIST,
        base_revision=screening.revision,
    ).base_revision
    result = store.update_review(
        screening.id,
        {"decision": "defer", "weight_basis": None, "start_date": None},
        user=PSYCHIATRIST,
        base_revision=base,
    )
    reread = store.get_screening(screening.id)
    assert reread.review == {
        "clinician": "Dr. R. Okafor, MD",
        "protocol": "iv-ketamine-induction",
        "decision": "defer",
    }
    assert reread.decision == "defer" and reread.review_revision == result.latest_revision
    assert reread.events[-1].kind == "review_saved"
    assert reread.events[-1].payload["old"] == {
        "clinician": "Dr. R. Okafor, MD",
        "protocol": "iv-ketamine-induction",
        "weight_basis": "actual",
    }
    # `acknowledged` is replaced as a whole; unsetting the decision empties the list's column
    store.update_review(
        screening.id,
        {"acknowledged": {"ci.rel.x": "Seen."}},
        user=PSYCHIATRIST,
        base_revision=result.base_revision,
    )
    last = store.update_review(
        screening.id,
        {"acknowledged": {"ci.rel.y": "Also seen."}, "decision": None},
        user=PSYCHIATRIST,
        base_revision=result.base_revision + 1,
    )
    reread = store.get_screening(screening.id)
    assert reread.review is not None and reread.review["acknowledged"] == {"ci.rel.y": "Also seen."}
    assert reread.decision is None and "decision" not in reread.review
    # unsetting what is not set changes nothing
    assert not store.update_review(
        screening.id, {"start_date": None}, user=PSYCHIATRIST, base_revision=last.base_revision
    ).changed
    with pytest.raises(InvalidRequest, match="decision"):
        store.update_review(
            screening.id, {"decision": "maybe"}, user=PSYCHIATRIST, base_revision=last.base_revision
        )
    with pytest.raises(InvalidRequest, match="Unknown review key"):
        store.update_review(screening.id, {"notes": "x"}, user=PSYCHIATRIST, base_revision=last.base_revision)
    assert store.verify_audit(screening.id).ok


def test_update_review_conflicts_with_any_other_review_change(
    store: Store, open_store: Callable[[], Store], new_screening: NewScreening
) -> None:
    screening = new_screening(patient_name="Ana Silva")
    other = open_store()
    other.update_review(
        screening.id, {"protocol": "esketamine-induction"}, user=PSYCHIATRIST, base_revision=2
    )
    with pytest.raises(ConflictError) as raised:  # another field, but the review is one target
        store.update_review(screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=2)
    assert (raised.value.field, raised.value.current_value) == (
        "review",
        {"protocol": "esketamine-induction"},
    )
    merged = store.update_review(screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=3)
    assert merged.changed
    assert store.get_screening(screening.id).review == {
        "protocol": "esketamine-induction",
        "decision": "defer",
    }


# ---------------------------------------------------------------------- the judge inside the write


class FailingJudge(StandInJudge):
    """Raises in `status` while `raising`, refuses every signature while `refusing`: what any judge
    might do on a bad day."""

    def __init__(self) -> None:
        super().__init__()
        self.raising = False
        self.refusing = False

    def status(self, state: State) -> Any:
        if self.raising:
            raise RuntimeError("the judge failed")
        return super().status(state)

    def signing_refusal(self, state: State) -> tuple[str, str] | None:
        if self.refusing:
            return ("judge_says_no", "The judge refuses.")
        return super().signing_refusal(state)


@pytest.fixture
def failing(database_url: str, clock: FakeClock) -> Iterator[tuple[Store, FailingJudge]]:
    judge = FailingJudge()
    store = Store(database_url, judge=judge, clock=clock)
    yield store, judge
    store.close()


def test_a_judge_that_fails_leaves_nothing_saved(failing: tuple[Store, FailingJudge]) -> None:
    store, judge = failing
    screening = store.create_screening(
        user=COORDINATOR,
        questionnaire=PIN,
        definition_files=DEFINITION_FILES,
        assessed_on=date(2026, 11, 20),
        answers={"patient_name": "Ana Silva"},
    )
    base = store.save_review(
        screening.id, {"decision": "proceed"}, user=PSYCHIATRIST, base_revision=screening.revision
    ).base_revision
    before = store.get_screening(screening.id)
    judge.raising = True
    writes: list[Callable[[], object]] = [
        lambda: store.set_answer(screening.id, "phq9_1", 1, user=COORDINATOR, base_revision=base),
        lambda: store.set_answers(
            screening.id, {"phq9_1": 1, "phq9_2": 2}, user=COORDINATOR, base_revision=base
        ),
        lambda: store.set_assessed_on(screening.id, date(2026, 11, 1), user=COORDINATOR, base_revision=base),
        lambda: store.update_review(screening.id, {"protocol": "x"}, user=PSYCHIATRIST, base_revision=base),
        lambda: store.sign(screening.id, user=PSYCHIATRIST, base_revision=base),
        lambda: store.create_screening(
            user=COORDINATOR,
            questionnaire=PIN,
            definition_files=DEFINITION_FILES,
            assessed_on=date(2026, 11, 20),
        ),
    ]
    for write in writes:
        with pytest.raises(RuntimeError, match="the judge failed"):
            write()
    assert store.get_screening(screening.id) == before
    assert [s.id for s in store.list_screenings()] == [screening.id]  # no half-created screening

    judge.raising, judge.refusing = False, True
    with pytest.raises(SigningRefused) as refused:
        store.sign(screening.id, user=PSYCHIATRIST, base_revision=base)
    assert (refused.value.rule, str(refused.value)) == ("judge_says_no", "The judge refuses.")
    assert store.get_screening(screening.id) == before
    judge.refusing = False
    store.sign(screening.id, user=PSYCHIATRIST, base_revision=base)
    assert store.get_screening(screening.id).lifecycle == "signed"

    # an amendment whose status the judge cannot compute is not recorded either
    signed = store.get_screening(screening.id)
    judge.raising = True
    with pytest.raises(RuntimeError, match="the judge failed"):
        store.amend(
            screening.id, user=COORDINATOR, base_revision=signed.revision, reason="x", answers={"phq9_1": 1}
        )
    assert store.get_screening(screening.id) == signed
    assert store.verify_audit(screening.id).ok


class FileReadingJudge(StandInJudge):
    """Reads the pinned files, as a judge without the definition at hand does."""

    def __init__(self) -> None:
        super().__init__()
        self.files_read: list[dict[str, str]] = []

    def status(self, state: State) -> Any:
        self.files_read.append(state.files())
        return super().status(state)


def test_a_judge_reads_the_pinned_files_inside_the_write(database_url: str, clock: FakeClock) -> None:
    judge = FileReadingJudge()
    with Store(database_url, judge=judge, clock=clock) as store:
        screening = store.create_screening(
            user=COORDINATOR,
            questionnaire=PIN,
            definition_files=DEFINITION_FILES,
            assessed_on=date(2026, 11, 20),
        )
        store.set_answer(screening.id, "patient_name", "Ana Silva", user=COORDINATOR, base_revision=1)
    assert judge.files_read == [DEFINITION_FILES, DEFINITION_FILES]
    assert [list(files) for files in judge.files_read] == [list(DEFINITION_FILES)] * 2  # order kept
    state = judge.judged("status")[-1]
    assert (state.questionnaire, state.assessed_on, state.lifecycle) == (PIN, date(2026, 11, 20), "draft")
