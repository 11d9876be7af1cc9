"""Optimistic concurrency: two people saving the same screening never overwrite each other
silently, and two people saving different answers never get in each other's way.

"A" and "B" are two Store instances on the same database (two app processes, or two Streamlit
sessions): each has its own engine and connections.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text

from screening.storage import (
    ConflictError,
    LockedError,
    QuestionnairePin,
    ScreeningDetail,
    Store,
    User,
    WriteResult,
)
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

OpenStore = Callable[[], Store]


@pytest.fixture
def two_stores(open_store: OpenStore) -> tuple[Store, Store]:
    return open_store(), open_store()


@pytest.fixture
def shared(two_stores: tuple[Store, Store]) -> ScreeningDetail:
    """A screening both stores have loaded (at revision 2)."""
    a, _ = two_stores
    return a.create_screening(
        user=COORDINATOR,
        questionnaire=PIN,
        definition_files=DEFINITION_FILES,
        assessed_on=date(2026, 11, 20),
        answers={"patient_name": "Ana Silva"},
    )


def test_same_answer_conflicts_and_keeps_the_first_value(
    two_stores: tuple[Store, Store], shared: ScreeningDetail
) -> None:
    a, b = two_stores
    seen_by_b = b.get_screening(shared.id).revision
    first = a.set_answer(shared.id, "weight_kg", 81.5, user=COORDINATOR, base_revision=shared.revision)

    with pytest.raises(ConflictError) as raised:
        b.set_answer(shared.id, "weight_kg", 18.5, user=OTHER_COORDINATOR, base_revision=seen_by_b)

    conflict = raised.value
    assert conflict.screening_id == shared.id
    assert (conflict.field, conflict.item_id) == ("answer", "weight_kg")
    assert conflict.changed_by == COORDINATOR.name
    assert conflict.changed_revision == first.latest_revision == conflict.current_revision
    assert conflict.base_revision == seen_by_b
    assert conflict.current_value == 81.5
    assert conflict.changed_at == a.get_screening(shared.id).events[-1].at
    message = str(conflict)
    assert "'weight_kg'" in message and COORDINATOR.name in message and shared.id in message
    assert "81.5" not in message and "18.5" not in message  # values travel as attributes only

    assert b.get_screening(shared.id).answers["weight_kg"] == 81.5
    # B, having seen A's value, may now overwrite it deliberately
    again = b.set_answer(
        shared.id, "weight_kg", 18.5, user=OTHER_COORDINATOR, base_revision=conflict.current_revision
    )
    assert a.get_screening(shared.id).answers["weight_kg"] == 18.5
    assert again.latest_revision == first.latest_revision + 1
    assert a.verify_audit(shared.id).ok


def test_different_answers_never_conflict(two_stores: tuple[Store, Store], shared: ScreeningDetail) -> None:
    a, b = two_stores
    base = shared.revision
    from_a = a.set_answer(shared.id, "phq9_1", "several_days", user=COORDINATOR, base_revision=base)
    from_b = b.set_answer(shared.id, "gad7_1", "not_at_all", user=OTHER_COORDINATOR, base_revision=base)
    # A keeps going from its own last revision, still without having seen B's answer
    later_a = a.set_answer(
        shared.id, "phq9_1", "nearly_every_day", user=COORDINATOR, base_revision=from_a.base_revision
    )

    assert (from_a.others_changed, from_b.others_changed, later_a.others_changed) == (False, True, True)
    answers = b.get_screening(shared.id).answers
    assert answers == {"patient_name": "Ana Silva", "phq9_1": "nearly_every_day", "gad7_1": "not_at_all"}
    assert a.verify_audit(shared.id).ok


def test_a_writer_does_not_skip_changes_it_has_not_seen(
    two_stores: tuple[Store, Store], shared: ScreeningDetail
) -> None:
    a, b = two_stores
    b.set_answer(shared.id, "weight_kg", 81.5, user=OTHER_COORDINATOR, base_revision=shared.revision)
    from_a = a.set_answer(shared.id, "height_cm", 168, user=COORDINATOR, base_revision=shared.revision)
    assert from_a.others_changed and from_a.latest_revision == shared.revision + 2
    assert from_a.base_revision == shared.revision  # A has not seen B's weight yet

    # A's screen still shows no weight: typing one must not silently replace B's
    with pytest.raises(ConflictError) as raised:
        a.set_answer(shared.id, "weight_kg", 18.5, user=COORDINATOR, base_revision=from_a.base_revision)
    assert raised.value.current_value == 81.5

    # after reloading, A has seen everything and its base moves on with each write
    seen = a.get_screening(shared.id).revision
    again = a.set_answer(shared.id, "height_cm", 169, user=COORDINATOR, base_revision=seen)
    assert not again.others_changed and again.base_revision == again.latest_revision == seen + 1


def test_writing_what_somebody_else_already_wrote_is_no_conflict(
    two_stores: tuple[Store, Store], shared: ScreeningDetail
) -> None:
    a, b = two_stores
    a.set_answer(shared.id, "asq_1", False, user=COORDINATOR, base_revision=shared.revision)
    same = b.set_answer(shared.id, "asq_1", False, user=OTHER_COORDINATOR, base_revision=shared.revision)
    assert not same.changed and same.others_changed


def test_a_cleared_answer_conflicts_too(two_stores: tuple[Store, Store], shared: ScreeningDetail) -> None:
    a, b = two_stores
    a.set_answer(shared.id, "patient_name", None, user=COORDINATOR, base_revision=shared.revision)
    with pytest.raises(ConflictError) as raised:
        b.set_answer(
            shared.id, "patient_name", "Ana Sylva", user=OTHER_COORDINATOR, base_revision=shared.revision
        )
    assert raised.value.current_value is None
    assert raised.value.item_id == "patient_name"


def test_the_review_conflicts_as_one_unit(two_stores: tuple[Store, Store], shared: ScreeningDetail) -> None:
    a, b = two_stores
    other = User("u-lee", "Dr. Lee", "psychiatrist", authenticated=True, credentials="DO")
    a.save_review(
        shared.id, {"protocol": "esketamine-induction"}, user=PSYCHIATRIST, base_revision=shared.revision
    )
    with pytest.raises(ConflictError) as raised:
        b.save_review(shared.id, {"decision": "defer"}, user=other, base_revision=shared.revision)
    conflict = raised.value
    assert (conflict.field, conflict.item_id, conflict.changed_by) == ("review", None, PSYCHIATRIST.name)
    assert conflict.current_value == {"protocol": "esketamine-induction"}
    assert "review" in str(conflict)
    # answers saved by B meanwhile are unaffected by the review
    b.set_answer(shared.id, "has_escort", True, user=COORDINATOR, base_revision=shared.revision)


def test_the_assessment_date_conflicts(two_stores: tuple[Store, Store], shared: ScreeningDetail) -> None:
    a, b = two_stores
    a.set_assessed_on(shared.id, date(2026, 11, 19), user=COORDINATOR, base_revision=shared.revision)
    with pytest.raises(ConflictError) as raised:
        b.set_assessed_on(
            shared.id, date(2026, 11, 21), user=OTHER_COORDINATOR, base_revision=shared.revision
        )
    assert (raised.value.field, raised.value.current_value) == ("assessed_on", "2026-11-19")
    assert "assessed on" in str(raised.value)


def test_the_status_is_judged_with_what_other_writers_saved(
    two_stores: tuple[Store, Store], shared: ScreeningDetail, judge: StandInJudge
) -> None:
    a, b = two_stores
    base = shared.revision
    a.set_answer(shared.id, "current_psychosis", True, user=COORDINATOR, base_revision=base)
    assert b.get_screening(shared.id).status == "contraindicated"

    # B has not seen A's answer, but its write is judged with it: the status stays right
    result = b.set_answer(shared.id, "phq9_1", "not_at_all", user=OTHER_COORDINATOR, base_revision=base)
    assert result.others_changed
    assert dict(judge.judged("status")[-1].answers) == {
        "patient_name": "Ana Silva",
        "current_psychosis": True,
        "phq9_1": "not_at_all",
    }
    summary = a.list_screenings()[0]
    assert (summary.status, summary.status_current) == ("contraindicated", True)

    # and the other way round: clearing the flag is judged with B's answer too
    a.set_answer(shared.id, "current_psychosis", None, user=COORDINATOR, base_revision=base + 1)
    assert b.get_screening(shared.id).status == "candidate"


def _race(stores: tuple[Store, Store], writers: int, write: Callable[[Store, int], Any]) -> list[Any]:
    """Runs `writers` calls at once from threads, alternating between the two stores; returns what
    each returned, or the ConflictError or LockedError it raised."""
    barrier = threading.Barrier(writers)
    outcomes: list[Any] = [None] * writers

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = write(stores[index % 2], index)
        except (ConflictError, LockedError) as refused:
            outcomes[index] = refused

    threads = [threading.Thread(target=run, args=(index,)) for index in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_concurrent_writers_of_different_answers_all_succeed(
    two_stores: tuple[Store, Store], shared: ScreeningDetail
) -> None:
    writers = 8
    outcomes = _race(
        two_stores,
        writers,
        lambda store, i: store.set_answer(
            shared.id, f"phq9_{i + 1}", i, user=COORDINATOR, base_revision=shared.revision
        ),
    )
    assert all(isinstance(outcome, WriteResult) and outcome.changed for outcome in outcomes)
    revisions = sorted(outcome.latest_revision for outcome in outcomes)
    assert revisions == list(range(shared.revision + 1, shared.revision + writers + 1))
    final = two_stores[0].get_screening(shared.id)
    assert {f"phq9_{i + 1}": i for i in range(writers)}.items() <= final.answers.items()
    assert [event.seq for event in final.events] == list(range(1, final.revision + 1))
    assert two_stores[1].verify_audit(shared.id).ok


def test_concurrent_writers_of_the_same_answer_one_wins_the_rest_conflict(
    two_stores: tuple[Store, Store], shared: ScreeningDetail
) -> None:
    writers = 6
    outcomes = _race(
        two_stores,
        writers,
        lambda store, i: store.set_answer(
            shared.id, "weight_kg", 60 + i, user=COORDINATOR, base_revision=shared.revision
        ),
    )
    winners = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, WriteResult)]
    conflicts = [outcome for outcome in outcomes if isinstance(outcome, ConflictError)]
    assert len(winners) == 1 and len(conflicts) == writers - 1
    winning_value = 60 + winners[0]
    assert all(conflict.current_value == winning_value for conflict in conflicts)
    final = two_stores[1].get_screening(shared.id)
    assert final.answers["weight_kg"] == winning_value
    assert final.revision == shared.revision + 1
    assert two_stores[0].verify_audit(shared.id).ok


def test_concurrent_creations_share_one_copy_of_a_new_definition(
    two_stores: tuple[Store, Store], raw_engine: Engine
) -> None:
    files = {"new-screening.yaml": "id: new-screening\nversion: 2.0.0\n"}
    pin = QuestionnairePin("new-screening", "2.0.0", hashlib.sha256(b"new-screening 2.0.0").hexdigest())
    writers = 6
    outcomes = _race(
        two_stores,
        writers,
        lambda store, _: store.create_screening(
            user=COORDINATOR, questionnaire=pin, definition_files=files, assessed_on=date(2026, 11, 20)
        ),
    )
    created = [outcome.id for outcome in outcomes]
    assert len(set(created)) == writers
    with raw_engine.connect() as connection:
        copies = connection.execute(
            text("SELECT count(*) FROM questionnaire_definitions WHERE sha256 = :sha"), {"sha": pin.sha256}
        ).scalar_one()
    assert copies == 1
    assert all(two_stores[0].get_screening(each).definition_files == files for each in created)


@pytest.fixture
def slow_stores(database_url: str, clock: FakeClock) -> Iterator[tuple[Store, Store]]:
    """Two stores whose judge takes its time: a writer that judged a state another writer changes
    meanwhile would store a wrong status."""
    judge = StandInJudge(delay=0.05)
    stores = (
        Store(database_url, judge=judge, clock=clock),
        Store(database_url, judge=judge, clock=clock),
    )
    yield stores
    for store in stores:
        store.close()


def test_concurrent_writers_with_a_slow_judge_end_with_the_right_status(
    slow_stores: tuple[Store, Store],
) -> None:
    a, _ = slow_stores
    screening = a.create_screening(
        user=COORDINATOR, questionnaire=PIN, definition_files=DEFINITION_FILES, assessed_on=date(2026, 11, 20)
    )
    # one writer makes it complete, one contraindicates it, the others add answers; none of them has
    # seen the others' answers, so each status must be judged inside the write, under its lock
    writes: list[dict[str, Any]] = [
        {"patient_name": "Ana Silva"},
        {"current_psychosis": True},
        *({f"phq9_{i}": i} for i in range(1, 5)),
    ]
    outcomes = _race(
        slow_stores,
        len(writes),
        lambda store, i: store.set_answers(
            screening.id, writes[i], user=COORDINATOR, base_revision=screening.revision
        ),
    )
    assert all(isinstance(outcome, WriteResult) for outcome in outcomes)
    final = a.get_screening(screening.id)
    assert final.status == "contraindicated" == expected_status(final) and final.status_current
    assert final.revision == screening.revision + len(writes)
    assert a.verify_audit(screening.id).ok


def test_concurrent_signing_and_answering_never_signs_an_unseen_answer(
    slow_stores: tuple[Store, Store],
) -> None:
    a, b = slow_stores
    screening = a.create_screening(
        user=COORDINATOR,
        questionnaire=PIN,
        definition_files=DEFINITION_FILES,
        assessed_on=date(2026, 11, 20),
        answers={"patient_name": "Ana Silva"},
    )
    base = a.save_review(
        screening.id, {"decision": "proceed"}, user=PSYCHIATRIST, base_revision=screening.revision
    ).base_revision
    outcomes = _race(
        (a, b),
        2,
        lambda store, i: (
            store.sign(screening.id, user=PSYCHIATRIST, base_revision=base)
            if i == 0
            else store.set_answer(
                screening.id, "current_psychosis", True, user=COORDINATOR, base_revision=base
            )
        ),
    )
    final = a.get_screening(screening.id)
    if isinstance(outcomes[0], WriteResult):  # signed first: the answer was refused, the screening locked
        assert isinstance(outcomes[1], LockedError)
        assert (final.lifecycle, final.status) == ("signed", "candidate")
    else:  # answered first: the signature conflicts with the answer it did not see
        assert isinstance(outcomes[0], ConflictError) and isinstance(outcomes[1], WriteResult)
        assert (final.lifecycle, final.status) == ("draft", "contraindicated")
    assert a.verify_audit(screening.id).ok
