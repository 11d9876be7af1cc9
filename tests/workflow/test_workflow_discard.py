"""Discarding a draft created by mistake (docs/contract.md §4.3): drafts only, with a reason; the
screening leaves the list, refuses every later write and keeps its history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from screening.workflow import Conflict, Refused, Screening, Workflow
from tests.workflow.workflow_support import (
    ASSESSED_ON,
    COORDINATOR,
    PSYCHIATRIST,
    assert_consistent,
    draft,
    signed,
)


def test_a_discarded_draft_leaves_the_list_and_keeps_its_history(wf: Workflow) -> None:
    kept = draft(wf, {"patient_name": "Ana Silva"})
    mistake = wf.create(COORDINATOR, assessed_on=ASSESSED_ON, answers={"patient_name": "Ana Silva"})

    discarded = wf.discard(
        mistake.id, user=COORDINATOR, base_revision=mistake.revision, reason="Duplicate entry"
    )

    assert discarded.discarded
    assert discarded.lifecycle == "draft"
    assert discarded.revision == mistake.revision + 1
    assert [summary.id for summary in wf.screenings()] == [kept.id]
    assert [summary.id for summary in wf.screenings(search="ana silva")] == [kept.id]
    assert wf.get(mistake.id).answers == {"patient_name": "Ana Silva"}
    entry = wf.history(mistake.id)[-1]
    assert (entry.kind, entry.user_name, entry.role, entry.reason, entry.revision) == (
        "discarded",
        COORDINATOR.name,
        "coordinator",
        "Duplicate entry",
        discarded.revision,
    )
    assert_consistent(wf, mistake.id)  # its status still holds: discarding changed no answer
    assert_consistent(wf, kept.id)


def _writes(wf: Workflow, screening: Screening) -> dict[str, Callable[[], Any]]:
    base = screening.revision
    return {
        "answer": lambda: wf.answer(screening.id, {"glaucoma": True}, user=COORDINATOR, base_revision=base),
        "date": lambda: wf.set_assessed_on(
            screening.id, dt.date(2026, 11, 19), user=COORDINATOR, base_revision=base
        ),
        "review": lambda: wf.review(
            screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=base
        ),
        "sign": lambda: wf.sign(screening.id, user=PSYCHIATRIST, base_revision=base),
        "amend": lambda: wf.amend(
            screening.id, user=COORDINATOR, base_revision=base, reason="x", answers={"glaucoma": True}
        ),
        "discard": lambda: wf.discard(screening.id, user=COORDINATOR, base_revision=base, reason="again"),
    }


def test_a_discarded_screening_refuses_every_later_write(wf: Workflow) -> None:
    screening = draft(wf)
    screening = wf.review(
        screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=screening.revision
    )
    screening = wf.discard(
        screening.id, user=PSYCHIATRIST, base_revision=screening.revision, reason="Wrong patient"
    )
    for name, write in _writes(wf, screening).items():
        with pytest.raises(Refused) as raised:
            write()
        assert raised.value.rule == "discarded", name
    assert wf.get(screening.id).revision == screening.revision
    assert_consistent(wf, screening.id)


def test_discarding_needs_a_reason(wf: Workflow) -> None:
    screening = draft(wf)
    for reason in ("", "  "):
        with pytest.raises(Refused) as raised:
            wf.discard(screening.id, user=COORDINATOR, base_revision=screening.revision, reason=reason)
        assert raised.value.rule == "reason"
    assert not wf.get(screening.id).discarded


def test_a_signed_or_reopened_screening_cannot_be_discarded(wf: Workflow) -> None:
    screening = signed(wf)
    with pytest.raises(Refused) as raised:
        wf.discard(screening.id, user=PSYCHIATRIST, base_revision=screening.revision, reason="Wrong patient")
    assert raised.value.rule == "discard_signed"

    screening = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Stent",
        answers={"heart_disease": True},
    )
    assert screening.lifecycle == "reopened"
    with pytest.raises(Refused) as raised:
        wf.discard(screening.id, user=PSYCHIATRIST, base_revision=screening.revision, reason="Wrong patient")
    assert raised.value.rule == "discard_signed"
    after = assert_consistent(wf, screening.id)
    assert not after.discarded and after.lifecycle == "reopened"
    assert [summary.id for summary in wf.screenings()] == [screening.id]


def test_discarding_what_was_not_seen_is_a_conflict(wf: Workflow) -> None:
    screening = draft(wf)
    wf.answer(screening.id, {"glaucoma": True}, user=PSYCHIATRIST, base_revision=screening.revision)
    with pytest.raises(Conflict) as raised:
        wf.discard(screening.id, user=COORDINATOR, base_revision=screening.revision, reason="Duplicate")
    assert PSYCHIATRIST.name in str(raised.value)
    assert not wf.get(screening.id).discarded
    assert_consistent(wf, screening.id)
