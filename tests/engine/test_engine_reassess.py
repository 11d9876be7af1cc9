"""The incremental assessment (`screening.engine.reassess`) is the whole assessment, always.

`reassess` computes again only what the changed answers can change (`screening.dependencies`)
and keeps the rest from the earlier assessment. Hypothesis draws answer sets of the bundled
intake (the strategies of test_engine_properties), then changes of one to several answers (a
valid value, anything at all, null, removed, or an item id the intake does not know), and
compares the result with `assess` of the new answers: equal as models and as the contract's JSON.
A chain of changes, each made from the one before, must not drift either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.assessment import Assessment
from screening.definition import Definition
from screening.dependencies import Dependents, condition_reads
from screening.engine import assess, reassess
from screening.lifecycle.rules import Rules
from screening.loading import BUNDLED_DIRECTORY, load_catalog, load_pinned
from tests.engine.test_engine_properties import (
    ANY_VALUE,
    ASSESSED,
    ASSESSED_ON,
    INTAKE,
    PROPERTY_SETTINGS,
    answer_sets,
    any_answer,
)

ITEM_IDS = sorted(INTAKE.items)


@st.composite
def changes(draw: st.DrawFn, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers after one to four changes, as saves make them."""
    changed = dict(answers)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        item_id = draw(st.sampled_from(ITEM_IDS))
        kind = draw(st.sampled_from(["answer", "answer", "answer", "null", "remove", "unknown"]))
        if kind == "answer":
            changed[item_id] = draw(any_answer(INTAKE.items[item_id]))
        elif kind == "null":
            changed[item_id] = None
        elif kind == "remove":
            changed.pop(item_id, None)
        else:
            changed[draw(st.text(min_size=1, max_size=6))] = draw(ANY_VALUE)
    return changed


def assert_same(made: Assessment, whole: Assessment) -> None:
    assert made == whole
    assert made.contract() == whole.contract()


@PROPERTY_SETTINGS
@given(data=st.data(), answers=answer_sets(), assessed_on=ASSESSED)
def test_reassess_equals_the_whole_assessment(
    data: st.DataObject, answers: dict[str, Any], assessed_on: dt.date | None
) -> None:
    after = data.draw(changes(answers))
    before = assess(INTAKE, answers, assessed_on=assessed_on)
    made = reassess(INTAKE, answers, before, after, assessed_on=assessed_on)
    assert_same(made, assess(INTAKE, after, assessed_on=assessed_on))


@PROPERTY_SETTINGS
@given(data=st.data(), answers=answer_sets())
def test_a_chain_of_reassessments_does_not_drift(data: st.DataObject, answers: dict[str, Any]) -> None:
    current, assessment = answers, assess(INTAKE, answers, assessed_on=ASSESSED_ON)
    for _ in range(data.draw(st.integers(min_value=2, max_value=6))):
        after = data.draw(changes(current))
        assessment = reassess(INTAKE, current, assessment, after, assessed_on=ASSESSED_ON)
        current = after
    assert_same(assessment, assess(INTAKE, current, assessed_on=ASSESSED_ON))


@PROPERTY_SETTINGS
@given(answers=answer_sets(), assessed_on=ASSESSED)
def test_an_assessment_of_another_date_or_with_a_review_is_made_whole(
    answers: dict[str, Any], assessed_on: dt.date | None
) -> None:
    other_date = assess(INTAKE, answers, assessed_on=dt.date(2001, 1, 1))
    assert_same(
        reassess(INTAKE, answers, other_date, answers, assessed_on=assessed_on),
        assess(INTAKE, answers, assessed_on=assessed_on),
    )
    reviewed = assess(INTAKE, answers, assessed_on=assessed_on, review={"decision": "defer"})
    assert_same(
        reassess(INTAKE, answers, reviewed, answers, assessed_on=assessed_on),
        assess(INTAKE, answers, assessed_on=assessed_on),
    )


@pytest.mark.parametrize("questionnaire", ["phq9", "gad7", "asq", "ketamine-trd-intake"])
def test_every_bundled_questionnaire_can_be_followed(questionnaire: str) -> None:
    definition = load_catalog([BUNDLED_DIRECTORY], run_examples=False).definitions[questionnaire]
    assert definition.dependents.usable


def test_an_answer_changes_only_what_reads_it() -> None:
    affected = INTAKE.dependents.affected(["phq9_1"])
    assert affected.items == {"phq9_1"}
    assert affected.scores == {"phq9_total"}
    reading = {("item", "phq9_1"), ("score", "phq9_total")}
    assert affected.rules == {rule.id for rule in INTAKE.rules if condition_reads(rule.when) & reading}
    crisis = {
        rule.id for rule in INTAKE.rules if rule.crisis and ("item", "phq9_9") in condition_reads(rule.when)
    }
    assert crisis and crisis <= INTAKE.dependents.affected(["phq9_9"]).rules
    assert INTAKE.dependents.affected(["no_such_item"]).rules == set()


def test_an_item_shown_by_another_answer_is_computed_again() -> None:
    affected = INTAKE.dependents.affected(["sex_at_birth"])
    shown_by_sex = {
        item.id
        for item in INTAKE.items.values()
        if item.show_if is not None and ("item", "sex_at_birth") in condition_reads(item.show_if)
    }
    assert shown_by_sex, "the intake asks some items only for one sex"
    assert shown_by_sex <= affected.items
    # and the rules that read those items: what is not asked is unknown
    reading = {
        rule.id for rule in INTAKE.rules if {("item", i) for i in shown_by_sex} & condition_reads(rule.when)
    }
    assert reading <= affected.rules


HEADER = """\
id: demo
kind: instrument
version: 1.0.0
title: Demo
sources:
  src: {short: S, citation: C}
sections:
  - id: main
    title: Main
    items:
"""
CYCLE = (
    HEADER
    + """\
      - {id: a, type: boolean, text: A, show_if: {derived: da, eq: true}}
      - {id: b, type: boolean, text: B, show_if: {item: a, eq: true}}
derived:
  - {id: da, kind: condition, title: DA, when: {item: b, eq: true}}
"""
)
SHARED_ID = (
    HEADER
    + """\
      - {id: a, type: boolean, text: A}
derived:
  - {id: a, kind: condition, title: A again, when: {item: a, eq: true}}
"""
)


@pytest.mark.parametrize("text", [CYCLE, SHARED_ID], ids=["cycle", "an id naming two values"])
def test_a_definition_that_cannot_be_followed_is_assessed_whole(text: str) -> None:
    definition, _issues = load_pinned({"demo.yaml": text})
    assert isinstance(definition, Definition)
    assert not Dependents(definition).usable
    before = assess(definition, {"a": True}, assessed_on=ASSESSED_ON)
    after = {"a": False, "b": True}
    assert_same(
        reassess(definition, {"a": True}, before, after, assessed_on=ASSESSED_ON),
        assess(definition, after, assessed_on=ASSESSED_ON),
    )


def test_the_judge_starts_from_the_screenings_latest_assessment(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Rules.assessment_of` with a screening id reassesses from that screening's latest
    assessment, and its result is the whole assessment."""
    rules = Rules(load_catalog([BUNDLED_DIRECTORY], run_examples=False))
    calls: list[str] = []
    import screening.lifecycle.rules as rules_module  # noqa: PLC0415 - spied on in this test only

    def spy(*args: Any, **kwargs: Any) -> Assessment:
        calls.append("re")
        return reassess(*args, **kwargs)

    monkeypatch.setattr(rules_module, "reassess", spy)
    first = {"phq9_1": "0", "phq9_2": "1"}
    rules.assessment_of(INTAKE, first, ASSESSED_ON, None, screening_id="s1")
    assert calls == []  # nothing to start from
    second = {**first, "phq9_1": "2"}
    made = rules.assessment_of(INTAKE, second, ASSESSED_ON, None, screening_id="s1")
    assert calls == ["re"]
    assert_same(made, assess(INTAKE, second, assessed_on=ASSESSED_ON))
    # another screening starts from nothing; a review is always assessed whole
    rules.assessment_of(INTAKE, {"phq9_1": "3"}, ASSESSED_ON, None, screening_id="s2")
    rules.assessment_of(INTAKE, second, ASSESSED_ON, {"decision": "defer"}, screening_id="s1")
    assert calls == ["re"]


@pytest.mark.parametrize(
    ("item_id", "old", "new"),
    [
        ("current_psychosis", True, 1),  # equal in Python, not the same answer
        ("weight_kg", 70, 70.0),
        ("date_of_birth", dt.date(1980, 1, 1), "1980-01-01"),
        ("medication_classes", ["none"], ("none",)),
    ],
)
def test_answers_equal_in_python_but_not_the_same_are_assessed_again(
    item_id: str, old: Any, new: Any
) -> None:
    before = {"patient_name": "A. Patient", item_id: old}
    after = {**before, item_id: new}
    assessment = assess(INTAKE, before, assessed_on=ASSESSED_ON)
    assert item_id in INTAKE.items
    assert_same(
        reassess(INTAKE, before, assessment, after, assessed_on=ASSESSED_ON),
        assess(INTAKE, after, assessed_on=ASSESSED_ON),
    )
