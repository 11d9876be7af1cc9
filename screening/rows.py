"""Counts over repeating groups, row by row: whether each row is counted (yes, no or unknown) exactly
as the engine counts it, why a row is not counted or cannot be decided, and what the count is for
(the requirement, score or condition that reads it, with its threshold and sources).

The clinician summary and the review page both read these results, so the document, the screen and
the engine cannot disagree. Nothing here is recomputed by hand: whether a row counts is the engine's
answer for the group holding that row alone. The reasons only put that answer in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from screening.assessment import Assessment
from screening.checker.context import Ref, condition_refs
from screening.definition import Definition
from screening.dependencies import leaves
from screening.describe import OPERATOR_WORDS, describe
from screening.engine import Evaluator, apply_operator
from screening.model import AllOf, Compare, Condition, Count, GroupItem, Item, ParamRef, Test
from screening.vocabulary import number_with_unit

__all__ = [
    "CountUse",
    "RowCount",
    "count_use",
    "counted_groups",
    "describe_row_condition",
    "row_counts",
    "source_words",
]


@dataclass(frozen=True)
class RowCount:
    """A count over a repeating group, and for each row whether the row is counted (None: unknown).

    `criteria` is the count's row condition in words ("Weeks is at least 6 weeks; Adequate dose is
    Yes"). `reasons` has one entry per row: for a row not counted, the parts of the condition its
    answers fail ("not met: Weeks is at least 6 weeks (4 weeks)"); for an unknown row, the fields
    left unanswered ("not answered: Weeks"); empty for a counted row, or when the condition is not
    made of comparisons of the row's fields. `fields` are the ids of the group fields the condition
    reads, in the group's order.
    """

    count: Count
    rows: tuple[bool | None, ...]
    criteria: str
    reasons: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class CountUse:
    """What a count is for: the title of the requirement, score or condition that reads it
    ("Treatment-resistant depression criteria"), the comparison it makes of the count in words
    ("Adequate failed antidepressant trials is at least 2"; None when it only adds the count up)
    and the source ids it cites. A count nothing reads is "for" its own title."""

    title: str
    threshold: str | None
    sources: tuple[str, ...]


def counted_groups(definition: Definition) -> list[GroupItem]:
    """The repeating groups that a count with a row condition (``where``) counts, in item order."""
    return [
        item
        for item in definition.items.values()
        if isinstance(item, GroupItem)
        and any(isinstance(d, Count) and d.group == item.id and d.where for d in definition.derived.values())
    ]


def row_counts(definition: Definition, assessment: Assessment, group_id: str) -> list[RowCount]:
    """For every count with a ``where`` over the group, whether each answered row is counted.

    Each row is assessed alone: the count is evaluated by the engine with the group holding just
    that row, so the answer is 1 or 0 (or unknown) exactly as the engine counts it.
    """
    group = definition.items.get(group_id)
    if not isinstance(group, GroupItem):
        return []
    answers = {item_id: state.value for item_id, state in assessment.items.items() if state.value is not None}
    rows = answers.get(group_id)
    rows = rows if isinstance(rows, list) else []
    result: list[RowCount] = []
    for derived in definition.derived.values():
        if not isinstance(derived, Count) or derived.group != group_id or derived.where is None:
            continue
        counted: list[bool | None] = []
        reasons: list[str] = []
        for row in rows:
            evaluator = Evaluator(definition, {**answers, group_id: [row]}, assessment.assessed_on)
            value = evaluator.derived(derived.id)
            verdict = None if value is None else bool(value)
            counted.append(verdict)
            reasons.append(_reason(definition, group, derived.where, row, verdict))
        result.append(
            RowCount(
                derived,
                tuple(counted),
                describe_row_condition(definition, group, derived.where),
                tuple(reasons),
                _fields_read(group, derived.where),
            )
        )
    return result


def _fields_read(group: GroupItem, condition: Condition) -> tuple[str, ...]:
    read = {leaf.field for leaf in leaves(condition) if isinstance(leaf, Compare) and leaf.field}
    return tuple(field.id for field in group.fields if field.id in read)


def _reason(
    definition: Definition, group: GroupItem, where: Condition, row: Mapping[str, Any], verdict: bool | None
) -> str:
    """Why a row is not counted (the comparisons it fails) or unknown (the fields it lacks)."""
    if verdict is True:
        return ""
    failed: list[str] = []
    missing: list[str] = []
    for part in where.all if isinstance(where, AllOf) else [where]:
        if not isinstance(part, Compare) or part.field is None:
            continue
        field = definition.group_field(group, part.field)
        if field is None:
            continue
        value = row.get(field.id)
        if value is None:
            missing.append(field.name)
            continue
        key, operand = part.operator
        if apply_operator(key, value, _operand_value(definition, operand), field, definition) is False:
            words = field.stored_words(value, definition)
            failed.append(f"{describe_row_condition(definition, group, part)} ({words})")
    if verdict is False:
        return "not met: " + "; ".join(failed) if failed else ""
    return "not answered: " + ", ".join(missing) if missing else ""


def _operand_value(definition: Definition, operand: Any) -> Any:
    if isinstance(operand, ParamRef):
        parameter = definition.parameters.get(operand.param)
        return None if parameter is None else parameter.value
    return operand


def count_use(definition: Definition, count: Count) -> CountUse:
    """What reads the count: first a requirement (directly or through a named condition), then a
    score, then a named condition; otherwise the count itself."""
    own = Ref("derived", count.id)
    tests = [
        derived
        for derived in definition.derived.values()
        if isinstance(derived, Test) and own in condition_refs(derived.when)
    ]
    for requirement in definition.requirements:
        refs = condition_refs(requirement.when)
        reading = [requirement.when] if own in refs else []
        reading += [test.when for test in tests if Ref("derived", test.id) in refs]
        if reading:
            threshold = _threshold(definition, count, reading[0])
            return CountUse(requirement.title, threshold, tuple(requirement.source))
    for score in definition.scores.values():
        in_terms = any(term.derived == count.id for term in score.terms or [])
        if in_terms or (score.requires is not None and own in condition_refs(score.requires)):
            return CountUse(score.title, None, tuple(score.source))
    if tests:
        return CountUse(tests[0].title, _threshold(definition, count, tests[0].when), tuple(tests[0].source))
    return CountUse(count.title, None, tuple(count.source))


def _threshold(definition: Definition, count: Count, condition: Condition) -> str | None:
    parts = [
        describe(leaf, definition)
        for leaf in leaves(condition)
        if isinstance(leaf, Compare) and leaf.target == ("derived", count.id)
    ]
    return "; ".join(parts) or None


def source_words(definition: Definition, source_ids: Sequence[str]) -> str:
    """``Spravato US PI; Sforzini 2022 (not verified)``: each source's short label, marked when it
    was not checked against the primary source; an unknown id as it is."""
    parts = []
    for source_id in source_ids:
        source = definition.sources.get(source_id)
        if source is None:
            parts.append(source_id)
        else:
            parts.append(source.short + ("" if source.verified else " (not verified)"))
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# A row condition in words (the clinician summary prints these exact words)


def describe_row_condition(definition: Definition, group: GroupItem, condition: Condition) -> str:
    """A row condition in words, with the group's field labels and option labels."""
    if isinstance(condition, AllOf):
        return "; ".join(describe_row_condition(definition, group, part) for part in condition.all)
    if isinstance(condition, Compare) and condition.field is not None:
        field = definition.group_field(group, condition.field)
        if field is not None:
            key, operand = condition.operator
            return f"{field.name} {OPERATOR_WORDS.get(key, key)} {_operand_words(definition, field, operand)}"
    return describe(condition, definition)


def _operand_words(definition: Definition, field: Item, operand: Any) -> str:
    unit = None
    if isinstance(operand, ParamRef):
        parameter = definition.parameters.get(operand.param)
        if parameter is None:
            return operand.param
        operand, unit = parameter.value, parameter.unit
    if isinstance(operand, list):
        return ", ".join(_operand_words(definition, field, value) for value in operand)
    if isinstance(operand, bool) or field.value_type in ("choice", "multi"):
        label = field.value_label(operand, definition)
        return str(operand) if label is None else label
    if isinstance(operand, (int, float)):
        return number_with_unit(operand, unit or field.unit_words)
    return str(operand)
