"""A suicide-risk acknowledgement is an audit event that is not an edit: it changes no answer, no
status and no lifecycle, never conflicts, and the trail still verifies."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from screening.storage import InvalidRequest, ScreeningDetail, Store
from tests.storage.storage_support import COORDINATOR, PSYCHIATRIST, FakeClock

NewScreening = Callable[..., ScreeningDetail]
RULE = "ci.rel.phq9_item9_positive"


def test_an_acknowledgement_is_recorded_without_counting_as_an_edit(
    store: Store, new_screening: NewScreening, clock: FakeClock
) -> None:
    screening = new_screening(phq9_9="several_days")
    event = store.record_crisis_acknowledgement(
        screening.id, [RULE, RULE], user=COORDINATOR, seen_revision=screening.revision
    )
    reread = store.get_screening(screening.id)
    assert event == reread.events[-1]
    assert event.seq == screening.revision + 1 == reread.revision
    assert (event.kind, event.actor, event.at) == ("crisis_acknowledged", COORDINATOR, clock.peek())
    assert event.payload == {"rules": [RULE], "seen_revision": screening.revision}
    assert (reread.answers, reread.status, reread.lifecycle) == (
        screening.answers,
        screening.status,
        screening.lifecycle,
    )
    assert reread.updated_at == screening.updated_at
    assert store.verify_audit(screening.id).ok
    result = store.set_answer(
        screening.id, "phq9_9", "not_at_all", user=PSYCHIATRIST, base_revision=screening.revision
    )
    assert not result.others_changed
    assert store.verify_audit(screening.id).ok


def test_an_acknowledgement_needs_rules_and_an_issued_revision(
    store: Store, new_screening: NewScreening
) -> None:
    screening = new_screening(phq9_9="several_days")
    with pytest.raises(InvalidRequest, match="Name the rules"):
        store.record_crisis_acknowledgement(screening.id, [], user=COORDINATOR, seen_revision=1)
    with pytest.raises(InvalidRequest, match="never issued"):
        store.record_crisis_acknowledgement(
            screening.id, [RULE], user=COORDINATOR, seen_revision=screening.revision + 5
        )
    assert store.get_screening(screening.id).revision == screening.revision


def test_a_signed_screening_takes_an_acknowledgement_and_stays_signed(
    store: Store, new_screening: NewScreening
) -> None:
    screening = new_screening(phq9_9="several_days")
    store.save_review(
        screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=screening.revision
    )
    signed = store.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision + 1)
    store.record_crisis_acknowledgement(
        screening.id, [RULE], user=PSYCHIATRIST, seen_revision=signed.latest_revision
    )
    reread = store.get_screening(screening.id)
    assert (reread.lifecycle, reread.locked) == ("signed", True)
    assert store.verify_audit(screening.id).ok
