"""Properties of `assess` over random answer sets for the bundled intake (hypothesis).

Answer sets are drawn from the definition itself: values of the right type (mostly), of wrong
types, out of range, missing, and random rows of repeating groups, on top of either a complete
valid answer set with a few changes or a random subset of items. The properties are the clinical
safety promises of docs/contract.md §2.2 and the intake's rules.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.answers import validate_answers
from screening.assessment import Assessment
from screening.definition import Definition
from screening.engine import assess
from screening.loading import BUNDLED_DIRECTORY, load_catalog
from screening.model import (
    AllOf,
    Answered,
    AnyOf,
    BooleanItem,
    ChoiceItem,
    Condition,
    DateItem,
    GroupItem,
    IntegerItem,
    Item,
    MultiChoiceItem,
    NotOf,
    NumberItem,
    TextItem,
)
from tests.engine.engine_spec_facts import (
    ABSOLUTE_HISTORY,
    HISTORY_SEVERITY,
    STATUS_RANK,
    contract_problems,
)

_CATALOG = load_catalog([BUNDLED_DIRECTORY], run_examples=False)
INTAKE: Definition = _CATALOG.definitions["ketamine-trd-intake"]
ASSESSED_ON = dt.date(2026, 11, 20)

PROPERTY_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ------------------------------------------------------------------------------ strategies

ANY_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.dates()
    | st.datetimes(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def valid_value(item: Item) -> st.SearchStrategy[Any]:
    """A value of the item's type and range (a multi-choice may still combine an exclusive code)."""
    if isinstance(item, TextItem):
        return st.text(min_size=1, max_size=20)
    if isinstance(item, DateItem):
        return st.dates(min_value=item.earliest or dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
    if isinstance(item, IntegerItem):
        return st.integers(min_value=item.min, max_value=item.max)
    if isinstance(item, NumberItem):
        low, high = item.min, item.max
        return st.integers(min_value=int(low or 0), max_value=int(high or 500)) | st.floats(
            min_value=low, max_value=high, allow_nan=False, allow_infinity=False
        )
    if isinstance(item, BooleanItem):
        return st.booleans()
    if isinstance(item, (ChoiceItem, MultiChoiceItem)):
        codes = [option.code for option in INTAKE.options(item)]
        if isinstance(item, ChoiceItem):
            return st.sampled_from(codes)
        return st.lists(st.sampled_from(codes), unique=True, max_size=3)
    assert isinstance(item, GroupItem)
    return st.lists(row(item), max_size=12)


def row(group: GroupItem) -> st.SearchStrategy[dict[str, Any]]:
    """A row of a group: usually every field valid, sometimes fields missing, wrong or unknown."""
    complete = st.fixed_dictionaries({field.id: valid_value(field) for field in group.fields})
    ragged = st.fixed_dictionaries(
        {}, optional={field.id: any_answer(field) for field in group.fields} | {"unknown_field": ANY_VALUE}
    )
    return st.one_of(complete, complete, complete, ragged)


def any_answer(item: Item) -> st.SearchStrategy[Any]:
    """Mostly a valid value; sometimes anything at all, or an explicit null."""
    return st.one_of(valid_value(item), valid_value(item), valid_value(item), ANY_VALUE, st.none())


TYPICAL_RANGES: dict[str, tuple[int, int]] = {
    "systolic_bp": (95, 160),
    "diastolic_bp": (55, 100),
    "heart_rate": (50, 110),
    "weight_kg": (45, 140),
    "height_cm": (150, 195),
    "weeks": (0, 16),
}
"""Where a clinic's values usually lie, so that random answers reach every status."""


def plausible(item: Item, rnd: random.Random) -> Any:
    """A valid value as a clinic usually sees it: contraindications and suicide-risk answers
    mostly no, vital signs mostly in the usual range, an escort mostly there."""
    if isinstance(item, TextItem):
        return rnd.choice(["A. Patient", "sertraline", "x" * rnd.randint(1, 30)])
    if isinstance(item, DateItem):
        return dt.date(1950, 1, 1) + dt.timedelta(days=rnd.randint(0, 56 * 365))
    if isinstance(item, (IntegerItem, NumberItem)):
        low, high = TYPICAL_RANGES.get(item.id, (int(item.min or 0), int(item.max or 100)))
        value = rnd.randint(low, high)
        return value + rnd.choice([0, 0, 0.5]) if isinstance(item, NumberItem) and value < high else value
    if isinstance(item, BooleanItem):
        if item.id in HISTORY_SEVERITY or item.id.startswith("asq_"):
            return rnd.random() < 0.03
        return rnd.random() < (0.9 if item.id in ("has_escort", "adequate_dose", "adherent") else 0.5)
    if isinstance(item, (ChoiceItem, MultiChoiceItem)):
        return plausible_choice(item, rnd)
    assert isinstance(item, GroupItem)
    return [{field.id: plausible(field, rnd) for field in item.fields} for _ in range(rnd.randint(0, 6))]


def plausible_choice(item: ChoiceItem | MultiChoiceItem, rnd: random.Random) -> Any:
    """A valid choice: mostly the first option; for several choices, mostly one exclusive option."""
    options = INTAKE.options(item)
    codes = [option.code for option in options]
    if isinstance(item, ChoiceItem):
        return codes[0] if rnd.random() < 0.7 else rnd.choice(codes)
    exclusive = [option.code for option in options if option.exclusive]
    if exclusive and rnd.random() < 0.6:
        return [rnd.choice(exclusive)]
    return rnd.sample([c for c in codes if c not in exclusive], rnd.choice([0, 1, 1, 2]))


RANDOM_SUBSET = st.fixed_dictionaries({}, optional={i: any_answer(item) for i, item in INTAKE.items.items()})


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly a plausible complete answer set with a few items removed, nulled, replaced by
    anything, or by any valid value; sometimes a random subset of items with random answers."""
    rnd = draw(st.randoms(use_true_random=True))  # uniform, so the weights above hold
    if rnd.random() < 0.2:
        answers = draw(RANDOM_SUBSET)
    else:
        answers = {item_id: plausible(item, rnd) for item_id, item in INTAKE.items.items()}
        changed = draw(st.lists(st.sampled_from(sorted(INTAKE.items)), max_size=3))
        for item_id in changed[: rnd.choice([0, 0, 1, 3])]:
            change = draw(st.sampled_from(["remove", "null", "anything", "valid"]))
            if change == "remove":
                answers.pop(item_id, None)
            elif change == "valid":
                answers[item_id] = draw(valid_value(INTAKE.items[item_id]))
            else:
                answers[item_id] = None if change == "null" else draw(ANY_VALUE)
    if rnd.random() < 0.1:
        answers[draw(st.text(min_size=1, max_size=10))] = draw(ANY_VALUE)  # an unknown item id
    return answers


ASSESSED = st.one_of(
    st.just(ASSESSED_ON), st.just(ASSESSED_ON), st.just(ASSESSED_ON), st.none(), st.dates(dt.date(2000, 1, 1))
)
REVIEW_KEYS = ["clinician", "protocol", "weight_basis", "start_date", "decision", "acknowledged", "signed_at"]
REVIEWS = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from([*REVIEW_KEYS, "bogus"]), ANY_VALUE, max_size=4),
    st.fixed_dictionaries(
        {
            "decision": st.sampled_from(["proceed", "do_not_proceed", "defer"]),
            "acknowledged": st.dictionaries(
                st.sampled_from([rule.id for rule in INTAKE.rules]),
                st.text(min_size=1, max_size=5),
                max_size=3,
            ),
        }
    ),
)

# ------------------------------------------------------------------------------ helpers


def _run(answers: dict[str, Any], assessed_on: dt.date | None = ASSESSED_ON) -> Assessment:
    return assess(INTAKE, answers, assessed_on=assessed_on)


def _uses_answered(condition: Condition) -> bool:
    if isinstance(condition, AllOf):
        return any(_uses_answered(child) for child in condition.all)
    if isinstance(condition, AnyOf):
        return any(_uses_answered(child) for child in condition.any)
    if isinstance(condition, NotOf):
        return _uses_answered(condition.not_)
    return isinstance(condition, Answered)


def _answered_refs(condition: Condition) -> set[str]:
    if isinstance(condition, AllOf):
        return set().union(*(_answered_refs(child) for child in condition.all))
    if isinstance(condition, AnyOf):
        return set().union(*(_answered_refs(child) for child in condition.any))
    if isinstance(condition, NotOf):
        return _answered_refs(condition.not_)
    return {condition.answered} if isinstance(condition, Answered) else set()


ANSWERED_RULES = {rule.id for rule in INTAKE.rules if _uses_answered(rule.when)}
"""Rules that read whether an item is answered: the only ones an unanswered item can make fire."""

# ------------------------------------------------------------------------------ properties


@PROPERTY_SETTINGS
@given(answers=answer_sets(), assessed_on=ASSESSED, review=REVIEWS)
def test_assess_never_raises_and_always_gives_the_contract(
    answers: dict[str, Any], assessed_on: dt.date | None, review: dict[str, Any] | None
) -> None:
    result = assess(INTAKE, answers, assessed_on=assessed_on, review=review)
    contract = result.contract()
    assert contract_problems(contract, INTAKE) == []
    assert assess(INTAKE, answers, assessed_on=assessed_on, review=review).contract() == contract


@PROPERTY_SETTINGS
@given(answers=answer_sets(), assessed_on=ASSESSED)
def test_status_follows_the_flags_and_missing_answers(
    answers: dict[str, Any], assessed_on: dt.date | None
) -> None:
    result = _run(answers, assessed_on)
    severities = {flag.severity for flag in result.flags}
    # Any absolute flag means contraindicated, whatever else is missing; and only an absolute does.
    assert ("absolute" in severities) == (result.status == "contraindicated")
    if result.status == "incomplete":
        assert result.missing
    if result.status == "candidate":
        assert not severities & {"absolute", "relative"}
        assert result.missing == []
        assert result.undetermined == []
        assert all(requirement.met is True for requirement in result.requirements)
    if result.missing and "absolute" not in severities:
        assert result.status == "incomplete"
    if any(flag.crisis for flag in result.flags):
        assert result.crisis


@PROPERTY_SETTINGS
@given(
    answers=answer_sets(),
    assessed_on=ASSESSED,
    item_id=st.sampled_from(sorted(HISTORY_SEVERITY)),
)
def test_a_contraindication_answered_yes_never_moves_toward_candidate(
    answers: dict[str, Any], assessed_on: dt.date | None, item_id: str
) -> None:
    before = _run({**answers, item_id: False}, assessed_on)
    after = _run({**answers, item_id: True}, assessed_on)
    assert STATUS_RANK[after.status] <= STATUS_RANK[before.status], (before.status, after.status)
    assert before.fired <= after.fired
    asked = after.items[item_id].shown
    if item_id in ABSOLUTE_HISTORY:
        assert asked  # asked of everyone (docs/contract.md §1.1)
    if asked and HISTORY_SEVERITY[item_id] == "absolute":
        assert after.status == "contraindicated"
        assert f"ci.abs.{item_id}" in after.fired
    if asked and HISTORY_SEVERITY[item_id] == "relative":
        assert f"ci.rel.{item_id}" in after.fired
        assert after.status != "candidate"


@PROPERTY_SETTINGS
@given(answers=answer_sets(), assessed_on=ASSESSED, data=st.data())
def test_an_unknown_answer_never_makes_a_flag_fire(
    answers: dict[str, Any], assessed_on: dt.date | None, data: st.DataObject
) -> None:
    """Removing an answer (which may also hide other items) makes values unknown, and a flag never
    fires on unknown: no new flag, except rules that ask whether an item is answered at all."""
    before = _run(answers, assessed_on)
    if not answers:
        return
    removed = data.draw(st.sampled_from(sorted(answers)))
    after = _run({k: v for k, v in answers.items() if k != removed}, assessed_on)
    assert after.fired - before.fired <= ANSWERED_RULES
    # A rule that reads only the removed item cannot fire any more.
    for rule in INTAKE.rules:
        flag = next((f for f in before.flags if f.id == rule.id), None)
        if flag is not None and flag.triggered_by == [removed] and rule.id not in ANSWERED_RULES:
            assert rule.id not in after.fired


@PROPERTY_SETTINGS
@given(answers=answer_sets(), assessed_on=ASSESSED)
def test_flags_fire_only_on_known_values(answers: dict[str, Any], assessed_on: dt.date | None) -> None:
    result = _run(answers, assessed_on)
    contract = result.contract()
    for flag in result.flags:
        read_as_answered = _answered_refs(INTAKE.rules_by_id[flag.id].when)
        for ref in flag.triggered_by:
            if ref in read_as_answered:
                continue
            if ref in INTAKE.items:
                state = result.items[ref]
                assert state.shown and state.value is not None, (flag.id, ref)
            elif ref in INTAKE.derived:
                assert contract["derived"][ref] is not None, (flag.id, ref)
            else:
                assert contract["scores"][ref]["value"] is not None, (flag.id, ref)


@PROPERTY_SETTINGS
@given(answers=answer_sets(), assessed_on=ASSESSED)
def test_missing_lists_exactly_the_shown_required_unanswered_items(
    answers: dict[str, Any], assessed_on: dt.date | None
) -> None:
    result = _run(answers, assessed_on)
    values, _problems = validate_answers(INTAKE, answers, assessed_on=assessed_on)
    expected: list[str] = ["assessed_on"] if assessed_on is None else []
    for item_id, item in INTAKE.items.items():
        if not result.items[item_id].shown:
            continue
        value = values.get(item_id)
        if value is None or (isinstance(item, MultiChoiceItem) and not value):
            if item.required:
                expected.append(item_id)
            continue
        if isinstance(item, GroupItem):
            if len(value) < item.min_rows:
                expected.append(item_id)
            for index, group_row in enumerate(value, start=1):
                expected.extend(
                    f"{item_id}[{index}].{field.id}"
                    for field in item.fields
                    if field.required and group_row.get(field.id) is None
                )
    assert result.missing == expected
    for entry in result.missing:
        item_id = entry.split("[", 1)[0]
        assert entry == "assessed_on" or (result.items[item_id].shown and INTAKE.items[item_id].required)


@PROPERTY_SETTINGS
@given(answers=answer_sets(), assessed_on=ASSESSED)
def test_a_rejected_answer_counts_as_unanswered(answers: dict[str, Any], assessed_on: dt.date | None) -> None:
    result = _run(answers, assessed_on)
    rejected = {p.item for p in result.problems if p.item in answers}
    for item_id in rejected & set(INTAKE.items):
        assert result.items[item_id].value is None
    without = _run({k: v for k, v in answers.items() if k not in rejected}, assessed_on)
    assert without.contract() | {"problems": []} == result.contract() | {"problems": []}
