"""The lean save of answers (`screening/storage/lean.py`) stores what the ordinary save stores.

Two screenings get the same answers, one through the lean path and one with it turned off (the
ordinary ORM save): their answers, revisions, statuses and events match field for field, and both
trails and row anchors verify. The cases the lean path leaves to the ordinary save write nothing
and end as the ordinary save ends them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from screening.storage import ConflictError, InvalidRequest, LockedError, ScreeningDetail, Store, lean
from screening.storage.lean import AnswerSaver
from tests.storage.storage_support import COORDINATOR, OTHER_COORDINATOR, PSYCHIATRIST

STEPS: list[tuple[Any, dict[str, Any]]] = [
    (COORDINATOR, {"phq9_1": "several_days"}),  # a new answer
    (COORDINATOR, {"phq9_1": "nearly_every_day"}),  # changed
    (COORDINATOR, {"phq9_2": 3, "weight_kg": 71.5, "notes": "Ünïcode — text"}),  # several at once
    (OTHER_COORDINATOR, {"phq9_3": True}),  # somebody else
    (COORDINATOR, {"current_psychosis": True}),  # the status changes (contraindicated)
    (COORDINATOR, {"current_psychosis": None}),  # cleared: the status changes back
    (COORDINATOR, {"phq9_1": "nearly_every_day"}),  # nothing changes
]


def _saved_by_lean(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for each call of the lean save, whether it made the write."""
    made: list[bool] = []
    original = AnswerSaver.save

    def spy(self: AnswerSaver, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        made.append(result is not None)
        return result

    monkeypatch.setattr(AnswerSaver, "save", spy)
    return made


def _run(store: Store, screening: ScreeningDetail, *, knowing: bool = False) -> list[Any]:
    """Make every step with the revision the writer last saw (a change by somebody else is seen
    once the write reports it); the results, for comparison. `knowing`: each save is handed the
    screening as the previous write returned it (`known`), as the workflow hands in what it keeps."""
    bases = {COORDINATOR.id: screening.revision, OTHER_COORDINATOR.id: screening.revision}
    known: ScreeningDetail | None = screening
    results = []
    for user, answers in STEPS:
        result = store.set_answers(
            screening.id, answers, user=user, base_revision=bases[user.id], known=known if knowing else None
        )
        known = result.screening
        bases[user.id] = result.latest_revision  # the writer's page then shows the screening anew
        results.append((result.base_revision, result.latest_revision, result.changed, result.others_changed))
    return results


def _stored(raw_engine: Engine, screening_id: str) -> dict[str, Any]:
    """What is stored of a screening, without what differs by nature (ids, hashes, times)."""
    with raw_engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT status, status_revision, revision, content_revision, lifecycle "
                "FROM screenings WHERE id = :id"
            ),
            {"id": screening_id},
        ).one()
        answers = connection.execute(
            text(
                "SELECT item_id, value_json, revision FROM answers WHERE screening_id = :id ORDER BY item_id"
            ),
            {"id": screening_id},
        ).all()
        events = connection.execute(
            text(
                "SELECT seq, kind, actor_id, actor_name, actor_role, actor_authenticated, actor_credentials, "
                "payload_json, key_id FROM audit_events WHERE screening_id = :id ORDER BY seq"
            ),
            {"id": screening_id},
        ).all()
    return {"row": tuple(row), "answers": [tuple(a) for a in answers], "events": [tuple(e) for e in events]}


def test_the_lean_save_stores_what_the_ordinary_save_stores(
    store: Store,
    new_screening: Callable[..., ScreeningDetail],
    raw_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lean_screening = new_screening(patient_name="Ana Silva")
    ordinary_screening = new_screening(patient_name="Ana Silva")

    made = _saved_by_lean(monkeypatch)
    lean_results = _run(store, lean_screening)
    assert made == [True] * (len(STEPS) - 1) + [False]  # the last step changes nothing

    monkeypatch.setattr(AnswerSaver, "save", lambda *_args, **_kwargs: None)  # the ordinary save only
    ordinary_results = _run(store, ordinary_screening)

    assert lean_results == ordinary_results
    assert _stored(raw_engine, lean_screening.id) == _stored(raw_engine, ordinary_screening.id)
    for screening in (lean_screening, ordinary_screening):
        assert store.verify_audit(screening.id).ok
    # what the lean write returned is what a read finds
    kept = store.set_answers(lean_screening.id, {"phq9_4": "not_at_all"}, user=COORDINATOR, base_revision=1)
    assert kept.screening == store.get_screening(lean_screening.id, events=False, files=False)


def _answer_reads(engine: Engine) -> list[object]:
    """The lean save's reads of a screening's answers, recorded as `engine` runs them."""
    reads: list[object] = []

    def record(_conn: Any, statement: object, *_args: Any) -> None:
        if statement is lean._STORED:
            reads.append(statement)

    event.listen(engine, "before_execute", record)
    return reads


def test_a_save_handed_the_screening_it_knows_stores_the_same_without_reading_the_answers(
    store: Store,
    new_screening: Callable[..., ScreeningDetail],
    raw_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    knowing = new_screening(patient_name="Ana Silva", phq9_1="not_at_all")
    reading = new_screening(patient_name="Ana Silva", phq9_1="not_at_all")
    reads = _answer_reads(store._engine)
    made = _saved_by_lean(monkeypatch)

    knowing_results = _run(store, knowing, knowing=True)
    assert not reads  # each save was handed the screening at the locked row's revision
    assert _run(store, reading) == knowing_results
    assert len(reads) == len(STEPS)  # without it, each save reads the answers
    assert _stored(raw_engine, knowing.id) == _stored(raw_engine, reading.id)
    assert store.verify_audit(knowing.id).ok
    assert made == 2 * ([True] * (len(STEPS) - 1) + [False])

    # a screening known at an earlier revision is not used: the answers stored since count
    stale = store.get_screening(knowing.id, events=False, files=False)
    moved = store.set_answers(
        knowing.id, {"current_psychosis": True}, user=OTHER_COORDINATOR, base_revision=stale.revision
    )
    assert moved.screening is not None and moved.screening.status == "contraindicated"
    result = store.set_answers(
        knowing.id, {"phq9_2": 1}, user=COORDINATOR, base_revision=moved.latest_revision, known=stale
    )
    assert result.screening is not None
    assert result.screening.status == "contraindicated"
    assert result.screening.answers["current_psychosis"] is True
    assert result.screening == store.get_screening(knowing.id, events=False, files=False)


def test_the_cases_left_to_the_ordinary_save_write_nothing_first(
    store: Store,
    new_screening: Callable[..., ScreeningDetail],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screening = new_screening(patient_name="Ana Silva", phq9_1="several_days")
    made = _saved_by_lean(monkeypatch)

    # the patient's name and MRN also move the list's columns: the ordinary save does it
    renamed = store.set_answers(
        screening.id, {"patient_name": "Ana Sílva"}, user=COORDINATOR, base_revision=2
    )
    assert store.get_screening(screening.id).patient_name == "Ana Sílva"
    # a conflict: the ordinary save names it
    with pytest.raises(ConflictError):
        store.set_answers(screening.id, {"patient_name": "Ana"}, user=OTHER_COORDINATOR, base_revision=2)
    with pytest.raises(ConflictError):
        store.set_answers(screening.id, {"phq9_1": "not_at_all"}, user=OTHER_COORDINATOR, base_revision=1)
    # a signed screening is locked
    current = renamed.latest_revision
    store.save_review(screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=current)
    signed = store.sign(screening.id, user=PSYCHIATRIST, base_revision=current + 1)
    with pytest.raises(LockedError):
        store.set_answers(screening.id, {"phq9_2": 1}, user=COORDINATOR, base_revision=signed.latest_revision)
    assert made == [False, False, False, False]
    assert store.verify_audit(screening.id).ok


def test_the_lean_save_reads_the_review_with_the_row(
    store: Store,
    new_screening: Callable[..., ScreeningDetail],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The locking read brings the review (or its absence) with the screening's row: what the
    write returns is what a read finds, with a review and without one."""
    reviewed = new_screening(patient_name="Ana Silva")
    plain = new_screening(patient_name="Ana Silva")
    first = store.get_screening(reviewed.id).revision
    review = store.save_review(reviewed.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=first)
    made = _saved_by_lean(monkeypatch)
    for screening_id, base in ((reviewed.id, review.latest_revision), (plain.id, first)):
        written = store.set_answers(
            screening_id, {"phq9_4": "not_at_all"}, user=COORDINATOR, base_revision=base
        )
        assert written.screening == store.get_screening(screening_id, events=False, files=False)
    assert made == [True, True]
    with_review = store.get_screening(reviewed.id, events=False, files=False)
    assert with_review.review is not None and with_review.review["decision"] == "defer"
    assert with_review.review_revision == review.latest_revision
    assert store.get_screening(plain.id, events=False, files=False).review is None


@pytest.mark.parametrize(
    "answers", [{"phq9_1": "several_days"}, {"patient_name": "Ana Sílva"}], ids=["lean", "ordinary"]
)
def test_the_check_runs_at_the_stored_date_before_anything_is_written(
    store: Store,
    new_screening: Callable[..., ScreeningDetail],
    monkeypatch: pytest.MonkeyPatch,
    answers: dict[str, Any],
) -> None:
    """`set_answers(check=...)` calls the check with the screening's stored date, on the lean
    path and on the ordinary one; a check that raises refuses the answers, and nothing is saved."""
    screening = new_screening(patient_name="Ana Silva")
    made = _saved_by_lean(monkeypatch)
    seen: list[Any] = []

    def refuse(assessed_on: Any) -> None:
        seen.append(assessed_on)
        raise InvalidRequest("refused by the check", rule="invalid_answer")

    with pytest.raises(InvalidRequest, match="refused by the check"):
        store.set_answers(
            screening.id, answers, user=COORDINATOR, base_revision=screening.revision, check=refuse
        )
    assert seen and set(seen) == {screening.assessed_on}
    after = store.get_screening(screening.id)
    assert (after.revision, after.answers) == (screening.revision, screening.answers)
    written = store.set_answers(
        screening.id, answers, user=COORDINATOR, base_revision=screening.revision, check=seen.append
    )
    assert seen[-1] == screening.assessed_on
    assert made[-1] is ("phq9_1" in answers)
    assert store.get_screening(screening.id).answers == {**screening.answers, **answers}
    assert written.latest_revision == screening.revision + 1
