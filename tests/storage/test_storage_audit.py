"""The audit trail is append-only and hash-chained: tampering with it, or with the data it
describes, is detected and the first broken event is named."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from screening.storage import EVENT_KINDS, AuditReport, JsonValue, ScreeningDetail, Store
from screening.storage.anchors import ROW_CHANGED
from screening.storage.audit import GENESIS_HASH, event_message, keyed_hash
from tests.database_support import audit_keys_of_tests
from tests.storage.storage_support import COORDINATOR, OTHER_COORDINATOR, PSYCHIATRIST

NewScreening = Callable[..., ScreeningDetail]
Tamper = Callable[..., None]


@pytest.fixture
def history(store: Store, new_screening: NewScreening) -> ScreeningDetail:
    """A screening whose trail holds every kind of event but discarding (10 events)."""
    screening = new_screening(patient_name="Ana Silva", phq9_1="several_days")  # 1-3
    store.set_answer(screening.id, "phq9_1", None, user=OTHER_COORDINATOR, base_revision=3)  # 4
    store.set_assessed_on(screening.id, date(2026, 11, 19), user=COORDINATOR, base_revision=4)  # 5
    store.save_review(screening.id, {"decision": "proceed"}, user=PSYCHIATRIST, base_revision=5)  # 6
    store.sign(screening.id, user=PSYCHIATRIST, base_revision=6)  # 7
    store.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=7,
        reason="Item 1 answered after all.",
        answers={"phq9_1": "not_at_all"},
    )  # 8
    store.record_document(screening.id, user=PSYCHIATRIST, document="clinician-summary.pdf")  # 9
    store.record_crisis_acknowledgement(
        screening.id, ["phq9.suicidal"], user=COORDINATOR, seen_revision=9
    )  # 10
    return store.get_screening(screening.id)


def _broken_at(report: AuditReport) -> int | None:
    assert not report.ok
    first = report.first_broken
    return None if first is None else first.seq


def test_an_untouched_trail_verifies(store: Store, history: ScreeningDetail) -> None:
    report = store.verify_audit(history.id)
    assert report.ok and report.problems == () and report.first_broken is None
    assert report.events_checked == 10 == history.revision
    assert "10 events, intact" in str(report)
    assert {event.kind for event in history.events} == set(EVENT_KINDS) - {"discarded", "status_changed"}
    assert history.events[0].prev_hash == GENESIS_HASH
    for previous, event in zip(history.events, history.events[1:], strict=False):
        assert event.prev_hash == previous.hash


def test_the_hash_is_over_a_canonical_serialisation(history: ScreeningDetail) -> None:
    first = history.events[0]
    actor: dict[str, JsonValue] = {
        "id": first.actor.id,
        "name": first.actor.name,
        "role": first.actor.role,
        "authenticated": first.actor.authenticated,
        "credentials": first.actor.credentials,
    }
    message = event_message(
        prev_hash=GENESIS_HASH,
        screening_id=history.id,
        seq=1,
        kind="screening_created",
        at=first.at,
        actor=actor,
        payload=dict(reversed(list(first.payload.items()))),  # key order does not matter
    )
    assert keyed_hash(message, audit_keys_of_tests(), "test-key") == first.hash


def test_the_database_refuses_to_update_or_delete_events(
    history: ScreeningDetail, raw_engine: Engine
) -> None:
    for statement in (
        "UPDATE audit_events SET payload_json = '{}' WHERE screening_id = :id",
        "DELETE FROM audit_events WHERE screening_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), raw_engine.begin() as connection:
            connection.execute(text(statement), {"id": history.id})


def test_an_edited_payload_is_named(store: Store, history: ScreeningDetail, tamper: Tamper) -> None:
    tamper(
        "UPDATE audit_events SET payload_json = :payload WHERE screening_id = :id AND seq = 4",
        payload='{"item":"phq9_1","new":null,"old":"nearly_every_day"}',
        id=history.id,
    )
    report = store.verify_audit(history.id)
    assert _broken_at(report) == 4
    assert report.first_broken is not None
    assert report.first_broken.kind == "answer_cleared"
    assert "does not match its keyed hash" in str(report)
    assert report.events_checked == 3
    assert "nearly_every_day" not in str(report)


def test_an_edited_actor_or_time_is_named(store: Store, history: ScreeningDetail, tamper: Tamper) -> None:
    tamper(
        "UPDATE audit_events SET actor_name = 'Someone Else' WHERE screening_id = :id AND seq = 7",
        id=history.id,
    )
    assert _broken_at(store.verify_audit(history.id)) == 7


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(
    store: Store, history: ScreeningDetail, tamper: Tamper
) -> None:
    event = history.events[5]  # seq 6, the review
    forged_payload: dict[str, JsonValue] = {"old": {}, "new": {"decision": "do_not_proceed"}}
    forged = keyed_hash(
        event_message(
            prev_hash=event.prev_hash,
            screening_id=history.id,
            seq=6,
            kind=event.kind,
            at=event.at,
            actor={
                "id": event.actor.id,
                "name": event.actor.name,
                "role": event.actor.role,
                "authenticated": event.actor.authenticated,
                "credentials": event.actor.credentials,
            },
            payload=forged_payload,
        ),
        audit_keys_of_tests(),
        "test-key",
    )
    tamper(
        "UPDATE audit_events SET payload_json = :payload, hash = :hash WHERE screening_id = :id AND seq = 6",
        payload='{"new":{"decision":"do_not_proceed"},"old":{}}',
        hash=forged,
        id=history.id,
    )
    report = store.verify_audit(history.id)
    assert _broken_at(report) == 7
    assert "does not follow" in str(report)


def test_a_deleted_event_is_named(store: Store, history: ScreeningDetail, tamper: Tamper) -> None:
    tamper("DELETE FROM audit_events WHERE screening_id = :id AND seq = 5", id=history.id)
    report = store.verify_audit(history.id)
    assert _broken_at(report) == 6
    assert "expected event #5" in str(report) and "deleted" in str(report)


def test_reordered_events_are_named(store: Store, history: ScreeningDetail, tamper: Tamper) -> None:
    for old, new in ((2, -2), (3, 2), (-2, 3)):
        tamper(
            "UPDATE audit_events SET seq = :new WHERE screening_id = :id AND seq = :old",
            old=old,
            new=new,
            id=history.id,
        )
    report = store.verify_audit(history.id)
    assert _broken_at(report) == 2
    assert "does not follow" in str(report)


def test_events_removed_from_the_end_are_caught(
    store: Store, history: ScreeningDetail, tamper: Tamper
) -> None:
    tamper("DELETE FROM audit_events WHERE screening_id = :id AND seq >= 8", id=history.id)
    report = store.verify_audit(history.id)
    assert _broken_at(report) == 7
    assert "ends at event #7" in str(report) and "revision 10" in str(report)


def test_a_trail_deleted_entirely_is_caught(store: Store, history: ScreeningDetail, tamper: Tamper) -> None:
    tamper("DELETE FROM audit_events WHERE screening_id = :id", id=history.id)
    report = store.verify_audit(history.id)
    assert not report.ok and report.events_checked == 0
    assert "no audit events" in str(report)


def test_data_changed_behind_the_trail_is_named(
    store: Store, history: ScreeningDetail, tamper: Tamper
) -> None:
    tamper(
        "UPDATE answers SET value_json = :value WHERE screening_id = :id AND item_id = 'phq9_1'",
        value='"nearly_every_day"',
        id=history.id,
    )
    tamper("UPDATE reviews SET review_json = :review WHERE screening_id = :id", review="{}", id=history.id)
    tamper("UPDATE screenings SET signed_by_name = 'Dr. Nobody' WHERE id = :id", id=history.id)
    tamper("UPDATE questionnaire_definitions SET files_json = '[]'")
    report = store.verify_audit(history.id)
    assert report.first_broken is None  # the chain itself is intact
    reasons = [problem.reason for problem in report.problems]
    assert reasons == [
        "the stored answer to 'phq9_1' differs from the audit trail",
        "the stored review differs from the audit trail",
        "the stored questionnaire files differ from those recorded at creation",
        "the stored signature differs from the audit trail",
        ROW_CHANGED,
    ]


def test_an_answer_row_added_or_deleted_behind_the_trail_is_named(
    store: Store, history: ScreeningDetail, tamper: Tamper
) -> None:
    tamper("DELETE FROM answers WHERE screening_id = :id AND item_id = 'patient_name'", id=history.id)
    tamper(
        "INSERT INTO answers (screening_id, item_id, value_json, revision) VALUES (:id, 'asq_5', 'true', 9)",
        id=history.id,
    )
    tamper("UPDATE screenings SET assessed_on = :day WHERE id = :id", day=date(2020, 1, 1), id=history.id)
    reasons = [problem.reason for problem in store.verify_audit(history.id).problems]
    assert reasons == [
        "the stored answer to 'asq_5' differs from the audit trail",
        "the stored answer to 'patient_name' differs from the audit trail",
        "the stored assessment date differs from the audit trail",
        ROW_CHANGED,
    ]


def test_reading_still_works_on_a_damaged_trail(
    store: Store, history: ScreeningDetail, tamper: Tamper
) -> None:
    tamper(
        "UPDATE audit_events SET payload_json = 'not json' WHERE screening_id = :id AND seq = 2",
        id=history.id,
    )
    assert store.get_screening(history.id).events[1].payload == {}
    assert _broken_at(store.verify_audit(history.id)) == 2


def test_one_screening_tampered_leaves_the_others_intact(
    store: Store, history: ScreeningDetail, new_screening: NewScreening, tamper: Tamper
) -> None:
    other = new_screening(patient_name="Ben Okoro")
    tamper("DELETE FROM audit_events WHERE screening_id = :id AND seq = 2", id=history.id)
    assert store.verify_audit(other.id).ok
    assert not store.verify_audit(history.id).ok


# ---------------------------------------------------------------------- lifecycle and discarding


@pytest.fixture
def reopened_and_signed_again(store: Store, new_screening: NewScreening) -> ScreeningDetail:
    """Signed, reopened by an amendment, signed again, reopened again (7 events)."""
    screening = new_screening(patient_name="Ana Silva")  # 1-2
    store.save_review(screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=2)  # 3
    store.sign(screening.id, user=PSYCHIATRIST, base_revision=3)  # 4
    store.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=4,
        reason="Disclosed.",
        answers={"current_psychosis": True},
    )  # 5: reopened
    store.sign(screening.id, user=PSYCHIATRIST, base_revision=5)  # 6
    store.amend(
        screening.id, user=COORDINATOR, base_revision=6, reason="Stroke.", answers={"recent_stroke": True}
    )  # 7: a new flag reopens it again
    return store.get_screening(screening.id)


def test_the_lifecycle_is_replayed_from_the_trail(
    store: Store, reopened_and_signed_again: ScreeningDetail
) -> None:
    screening = reopened_and_signed_again
    assert screening.lifecycle == "reopened" and screening.reopened is not None
    assert screening.reopened.reason == "Stroke."
    assert [event.payload.get("lifecycle") for event in screening.events[3:]] == [
        None,
        {"old": "signed", "new": "reopened"},
        {"old": "reopened", "new": "signed"},
        {"old": "signed", "new": "reopened"},
    ]
    assert store.verify_audit(screening.id).ok


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("UPDATE screenings SET lifecycle = 'signed' WHERE id = :id", "lifecycle state"),
        ("UPDATE screenings SET lifecycle = 'draft' WHERE id = :id", "lifecycle state"),
        ("UPDATE screenings SET decision = 'proceed' WHERE id = :id", "decision"),
        ("UPDATE screenings SET reopened_json = NULL WHERE id = :id", "reason for reopening"),
        (
            "UPDATE screenings SET reopened_json = replace(reopened_json, 'Stroke.', 'Typo.') WHERE id = :id",
            "reason for reopening",
        ),
        ("UPDATE screenings SET discarded_at = updated_at WHERE id = :id", "discarding"),
    ],
)
def test_a_lifecycle_changed_behind_the_trail_is_named(
    store: Store, reopened_and_signed_again: ScreeningDetail, tamper: Tamper, statement: str, reason: str
) -> None:
    tamper(statement, id=reopened_and_signed_again.id)
    reasons = [problem.reason for problem in store.verify_audit(reopened_and_signed_again.id).problems]
    assert reasons == [f"the stored {reason} differs from the audit trail", ROW_CHANGED]


def test_discarding_is_replayed_and_undiscarding_is_caught(
    store: Store, new_screening: NewScreening, tamper: Tamper
) -> None:
    draft = new_screening(patient_name="Ana Silva")
    store.discard(draft.id, user=COORDINATOR, base_revision=draft.revision, reason="Created twice.")
    report = store.verify_audit(draft.id)
    assert report.ok and report.events_checked == 3
    tamper("UPDATE screenings SET discarded_at = NULL WHERE id = :id", id=draft.id)
    assert [problem.reason for problem in store.verify_audit(draft.id).problems] == [
        "the stored discarding differs from the audit trail",
        ROW_CHANGED,
    ]
    assert [s.id for s in store.list_screenings()] == [draft.id]  # what the tampering did: verify says so
