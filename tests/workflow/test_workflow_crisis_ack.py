"""Acknowledging a suicide-risk alert: an audit event that changes no answer, no status and no
lifecycle, keeps the trail verifiable, is said in words in the history, and is asked for again
only when an answer that raises the alert changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from screening.workflow import Refused, Workflow
from tests.workflow.workflow_support import COORDINATOR, PSYCHIATRIST, assert_consistent, draft, signed

PHQ9_ITEM9 = "ci.rel.phq9_item9_positive"


def _pending(wf: Workflow, screening_id: str) -> list[str]:
    return [alert.flag.id for alert in wf.crisis_alerts(wf.get(screening_id)) if not alert.acknowledged]


def test_an_acknowledgement_is_an_audit_event_that_changes_nothing_else(wf: Workflow) -> None:
    screening = draft(wf, {"phq9_9": "several_days"})
    alerts = wf.crisis_alerts(screening)
    assert [(a.flag.id, a.item, a.acknowledged) for a in alerts] == [(PHQ9_ITEM9, "phq9_9", False)]

    event = wf.acknowledge_crisis(
        screening.id, [PHQ9_ITEM9], user=COORDINATOR, base_revision=screening.revision
    )

    assert event.kind == "crisis_acknowledged" and event.actor == COORDINATOR
    assert event.payload == {"rules": [PHQ9_ITEM9], "seen_revision": screening.revision}
    after = assert_consistent(wf, screening.id)
    assert (after.answers, after.status, after.lifecycle) == (screening.answers, screening.status, "draft")
    assert after.revision == screening.revision + 1
    assert after.detail.updated_at == screening.detail.updated_at
    assert wf.verify(screening.id)
    assert _pending(wf, screening.id) == []
    entry = wf.history(screening.id)[-1]
    assert (entry.kind, entry.user_name) == ("crisis_acknowledged", COORDINATOR.name)
    assert "Suicide-risk alert seen" in (entry.target_label or "")
    assert "PHQ-9 item 9 positive" in entry.new_words
    # somebody who saved at the revision before the acknowledgement is not in conflict
    saved = wf.answer(
        screening.id, {"patient_name": "Ana Silva"}, user=PSYCHIATRIST, base_revision=screening.revision
    )
    assert not saved.others_changed


def test_a_changed_answer_that_still_raises_the_alert_asks_again(wf: Workflow) -> None:
    screening = draft(wf, {"phq9_9": "several_days"})
    wf.acknowledge_crisis(screening.id, [PHQ9_ITEM9], user=COORDINATOR, base_revision=screening.revision)
    current = wf.get(screening.id)
    wf.answer(screening.id, {"patient_name": "B"}, user=COORDINATOR, base_revision=current.revision)
    assert _pending(wf, screening.id) == []  # another answer changes nothing
    current = wf.get(screening.id)
    worse = wf.answer(
        screening.id, {"phq9_9": "nearly_every_day"}, user=COORDINATOR, base_revision=current.revision
    )
    assert _pending(wf, screening.id) == [PHQ9_ITEM9]
    wf.acknowledge_crisis(screening.id, [PHQ9_ITEM9], user=COORDINATOR, base_revision=worse.revision)
    assert _pending(wf, screening.id) == []
    assert_consistent(wf, screening.id)


def test_an_acknowledgement_of_an_earlier_revision_does_not_cover_a_later_answer(wf: Workflow) -> None:
    screening = draft(wf)
    raised = wf.answer(
        screening.id, {"phq9_9": "several_days"}, user=COORDINATOR, base_revision=screening.revision
    )
    # a colleague changes the answer again before the first user acknowledges what they saw
    wf.answer(screening.id, {"phq9_9": "nearly_every_day"}, user=PSYCHIATRIST, base_revision=raised.revision)
    wf.acknowledge_crisis(screening.id, [PHQ9_ITEM9], user=COORDINATOR, base_revision=raised.revision)
    assert _pending(wf, screening.id) == [PHQ9_ITEM9]


def test_only_an_alert_raised_now_can_be_acknowledged(wf: Workflow) -> None:
    screening = draft(wf)
    for rules in ([PHQ9_ITEM9], ["ci.rel.hypertension_history"], []):
        with pytest.raises(Refused) as refused:
            wf.acknowledge_crisis(screening.id, rules, user=COORDINATOR, base_revision=screening.revision)
        assert refused.value.rule == "crisis_not_raised"
    assert wf.get(screening.id).revision == screening.revision


def test_a_signed_screening_can_be_acknowledged_and_stays_signed(wf: Workflow) -> None:
    screening = signed(wf, {"asq_declined": True}, {"acknowledged": None, "decision": "defer"})
    rules = [alert.flag.id for alert in wf.crisis_alerts(screening)]
    assert "ci.rel.asq_declined" in rules
    wf.acknowledge_crisis(screening.id, rules, user=PSYCHIATRIST, base_revision=screening.revision)
    after = assert_consistent(wf, screening.id)
    assert (after.lifecycle, after.status) == ("signed", screening.status)
    assert _pending(wf, screening.id) == []


def test_a_discarded_screening_cannot_be_acknowledged(wf: Workflow) -> None:
    screening = draft(wf, {"phq9_9": "several_days"})
    gone = wf.discard(screening.id, user=COORDINATOR, base_revision=screening.revision, reason="Duplicate")
    with pytest.raises(Refused):
        wf.acknowledge_crisis(screening.id, [PHQ9_ITEM9], user=COORDINATOR, base_revision=gone.revision)


def test_an_answer_carries_the_acknowledgements_it_knew_to_its_revision(
    wf: Workflow, open_workflow: Callable[[], Workflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The alerts after one's own answer come without reading the acknowledgements again (the
    answer acknowledged nothing), and say what a fresh read says."""
    screening = draft(wf, {"phq9_9": "several_days"})
    wf.acknowledge_crisis(screening.id, [PHQ9_ITEM9], user=COORDINATOR, base_revision=screening.revision)
    current = wf.get(screening.id)
    assert _pending(wf, screening.id) == []  # read, and kept at this revision
    saved = wf.answer(
        screening.id, {"phq9_2": "several_days"}, user=COORDINATOR, base_revision=current.revision
    )

    def read_again(*_args: object) -> None:
        raise AssertionError("the acknowledgements were read again")

    monkeypatch.setattr(wf.store, "events_of_kind", read_again)
    carried = wf.crisis_alerts(wf.get(screening.id))
    monkeypatch.undo()
    fresh = open_workflow()
    assert carried == fresh.crisis_alerts(fresh.get(screening.id))
    assert [(alert.flag.id, alert.acknowledged) for alert in carried] == [(PHQ9_ITEM9, True)]
    assert saved.revision == current.revision + 1


def test_an_acknowledgement_by_somebody_else_before_an_answer_is_read(
    wf: Workflow, open_workflow: Callable[[], Workflow]
) -> None:
    """What one knew of the acknowledgements is not carried past somebody else's: the answer's
    write started from a later revision than the one it was known at."""
    screening = draft(wf, {"phq9_9": "several_days"})
    assert _pending(wf, screening.id) == [PHQ9_ITEM9]  # kept at this revision: not acknowledged
    colleague = open_workflow()
    colleague.acknowledge_crisis(
        screening.id, [PHQ9_ITEM9], user=PSYCHIATRIST, base_revision=screening.revision
    )
    wf.answer(screening.id, {"phq9_2": "several_days"}, user=COORDINATOR, base_revision=screening.revision)
    assert _pending(wf, screening.id) == []
