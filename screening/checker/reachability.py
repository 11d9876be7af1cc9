"""What can never happen: sections and items that can never be shown (W002, W003) and
conditions that can never be true (W001).

"Never true" is decided exactly for the conditions a questionnaire uses: every comparison is on
one value, so truth can only change at the constants a condition compares with. The analysis tries
each value of a finite domain (booleans, choice codes) and, for numbers and dates, the points at,
just above and just below each constant, within the item's range. An item that can never be shown
is never answered, which may in turn make other conditions never true; that is followed to the end.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

from screening.checker.bands import is_whole
from screening.checker.context import Context, Loc, Ref
from screening.definition import Definition
from screening.dependencies import leaves
from screening.engine import apply_operator, score_range
from screening.model import (
    AdjustedBodyWeight,
    AgeYears,
    AllOf,
    Answered,
    AnyOf,
    Bmi,
    ChoiceItem,
    Compare,
    Condition,
    Count,
    GroupItem,
    IdealBodyWeight,
    Item,
    NotOf,
    ParamRef,
    Test,
)
from screening.operators import get_operator

_ENUMERATION_LIMIT = 50_000


def check_reachability(ctx: Context) -> None:
    fields = _count_fields(ctx.d)  # once: the never-true analysis runs for every condition
    never_shown = _never_shown_items(ctx.d, fields)
    _report_never_shown(ctx, never_shown, fields)
    _report_never_true(ctx, never_shown, fields)


def _never_shown_items(d: Definition, fields: dict[str, Item]) -> set[str]:
    """The items that can never be shown, followed until no further item is found."""
    never_shown: set[str] = set()
    changed = True
    while changed:
        changed = False
        for view in d.sections:
            section_never = view.section.show_if is not None and never_true(
                d, view.section.show_if, never_shown, fields
            )
            for item in view.section.items:
                if item.id in never_shown:
                    continue
                if section_never or (
                    item.show_if is not None and never_true(d, item.show_if, never_shown, fields)
                ):
                    never_shown.add(item.id)
                    changed = True
    return never_shown


def _report_never_shown(ctx: Context, never_shown: set[str], fields: dict[str, Item]) -> None:
    """W002/W003 on the file's own sections and items."""
    q, d = ctx.q, ctx.d
    for s_index, section in enumerate(q.sections):
        if section.show_if is not None and never_true(d, section.show_if, never_shown, fields):
            ctx.add("section-never-shown", ("sections", s_index, "show_if"), ref=section.id)
            continue
        for i_index, item in enumerate(section.items):
            if item.id not in never_shown or item.show_if is None:
                continue
            loc = ("sections", s_index, "items", i_index, "show_if")
            ctx.add("required-never-shown" if item.required else "item-never-shown", loc, ref=item.id)


def _report_never_true(ctx: Context, never_shown: set[str], fields: dict[str, Item]) -> None:
    """W001 on the conditions of rules, requirements, tests, handout blocks and evidence."""
    q, d = ctx.q, ctx.d

    def warn(condition: Condition, loc: Loc, what: str) -> None:
        if never_true(d, condition, never_shown, fields):
            ctx.add("never-true", loc, what=what)

    for index, rule in enumerate(q.rules):
        warn(rule.when, ("rules", index, "when"), f"rule '{rule.id}'")
    for index, requirement in enumerate(q.requirements):
        warn(requirement.when, ("requirements", index, "when"), f"requirement '{requirement.id}'")
    for index, spec in enumerate(q.derived):
        if isinstance(spec, Test):
            warn(spec.when, ("derived", index, "when"), f"derived value '{spec.id}'")
    for index, block in enumerate(q.handout):
        if block.show_if is not None:
            warn(block.show_if, ("handout", index, "show_if"), f"handout block '{block.id}'")
    for index, entry in enumerate(q.evidence):
        if entry.show_if is not None:
            warn(entry.show_if, ("evidence", index, "show_if"), f"evidence '{entry.id}'")


def never_true(
    definition: Definition,
    condition: Condition,
    never_shown: set[str],
    fields: dict[str, Item] | None = None,
) -> bool:
    """True when no assignment of values makes the condition true (False when too large to try).

    `fields` is `_count_fields(definition)`, passed in when many conditions are analysed."""
    targets = _targets(definition, condition, _count_fields(definition) if fields is None else fields)
    domains = _domains(definition, condition, never_shown, targets)
    size = 1
    for values in domains.values():
        size *= max(len(values), 1)
        if size > _ENUMERATION_LIMIT:
            return False
    keys = list(domains)
    for combination in itertools.product(*(domains[key] for key in keys)):
        assignment = dict(zip(keys, combination, strict=True))
        if _static_truth(definition, condition, assignment, targets) is True:
            return False
    return True


def _count_fields(definition: Definition) -> dict[str, Item]:
    """The fields of the groups that counts look into: what `field:` in a `where` can name."""
    fields: dict[str, Item] = {}
    for derived in definition.derived.values():
        if isinstance(derived, Count) and derived.where is not None:
            group = definition.items.get(derived.group)
            if isinstance(group, GroupItem):
                fields.update({f.id: f for f in group.fields})
    return fields


def _targets(
    definition: Definition, condition: Condition, scope_fields: dict[str, Item]
) -> dict[Ref, Item | None]:
    """The item (or group field) definition behind each reference of a condition."""
    targets: dict[Ref, Item | None] = {}
    for leaf in leaves(condition):
        if isinstance(leaf, Answered):
            targets[Ref("item", leaf.answered)] = definition.items.get(leaf.answered)
            continue
        kind, ref_id = leaf.target
        if kind == "item":
            targets[Ref(kind, ref_id)] = definition.items.get(ref_id)
        elif kind == "field":
            targets[Ref(kind, ref_id)] = scope_fields.get(ref_id)
        else:
            targets[Ref(kind, ref_id)] = None
    return targets


def _domains(
    definition: Definition, condition: Condition, never_shown: set[str], targets: dict[Ref, Item | None]
) -> dict[Ref, list[Any]]:
    operands: dict[Ref, list[Any]] = {}
    answered: set[Ref] = set()
    for leaf in leaves(condition):
        if isinstance(leaf, Answered):
            ref = Ref("item", leaf.answered)
            answered.add(ref)
            operands.setdefault(ref, [])
            continue
        kind, ref_id = leaf.target
        ref = Ref(kind, ref_id)
        key, operand = leaf.operator
        if isinstance(operand, ParamRef):
            parameter = definition.parameters.get(operand.param)
            operand = None if parameter is None else parameter.value
        values = operand if isinstance(operand, list) else [operand]
        if get_operator(key).reads == "band":
            score = definition.scores.get(ref_id)
            values = [b.min for b in score.bands] + [b.max for b in score.bands] if score else []
        operands.setdefault(ref, []).extend(v for v in values if v is not None)

    domains: dict[Ref, list[Any]] = {}
    for ref, constants in operands.items():
        if ref.kind == "item" and ref.id in never_shown:
            domains[ref] = [None]
            continue
        values = _candidates(definition, ref, targets.get(ref), constants)
        if ref in answered:
            values = [*values, None]
        domains[ref] = values or [None]
    return domains


def _candidates(definition: Definition, ref: Ref, item: Item | None, constants: list[Any]) -> list[Any]:
    """The values worth trying for one reference, by the value type of its answers."""
    value_type = item.value_type if item is not None else None
    test = ref.kind == "derived" and isinstance(definition.derived.get(ref.id), Test)
    if value_type == "boolean" or test:
        return [True, False]
    if isinstance(item, ChoiceItem):
        return [option.code for option in definition.options(item)]
    if value_type == "multi":
        codes = sorted({c for c in constants if isinstance(c, str)})
        if len(codes) > 12:
            return [codes]
        return [list(combo) for r in range(len(codes) + 1) for combo in itertools.combinations(codes, r)]
    if value_type == "text":
        return [*{c for c in constants if isinstance(c, str)}, "\u0000other"]
    if value_type == "date":
        dates = [c for c in constants if isinstance(c, dt.date)]
        one = dt.timedelta(days=1)
        return sorted({d + delta for d in dates for delta in (-one, dt.timedelta(0), one)}) or [
            dt.date(2000, 1, 1)
        ]
    if value_type == "group":
        return [[]]
    return _numeric_candidates(definition, ref, item, constants)


def _numeric_candidates(
    definition: Definition, ref: Ref, item: Item | None, constants: list[Any]
) -> list[Any]:
    """Numbers at, just above and just below each constant, within the value's range."""
    low, high, whole = _numeric_bounds(definition, ref, item)
    numbers = [float(c) for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool)]
    points: set[float] = set()
    step = 1.0 if whole else 0.5
    for number in numbers:
        if whole:
            points.update(
                {math.floor(number) - 1, math.floor(number), math.ceil(number), math.ceil(number) + 1}
            )
        else:
            points.update({number - step, number, number + step})
    for bound in (low, high):
        if bound is not None:
            points.add(float(bound))
    if not points:
        points.add(0.0 if low is None else float(low))
    result = sorted(p for p in points if (low is None or p >= low) and (high is None or p <= high))
    return [int(p) if whole and float(p).is_integer() else p for p in result]


def _numeric_bounds(
    definition: Definition, ref: Ref, item: Item | None
) -> tuple[float | None, float | None, bool]:
    """The lowest and highest value a number can take (None when unbounded), and whether it is whole."""
    low: float | None = None
    high: float | None = None
    whole = True
    if item is not None and item.value_type == "number":
        low, high = item.limits
        whole = item.whole_numbers
    elif ref.kind == "score":
        score = definition.scores.get(ref.id)
        bounds = score_range(definition, score) if score else None
        if bounds:
            low, high = bounds
            whole = all(is_whole(v) for v in bounds)
    elif ref.kind == "derived":
        spec = definition.derived.get(ref.id)
        whole = isinstance(spec, (AgeYears, Count))
        if isinstance(spec, (AgeYears, Count, Bmi, IdealBodyWeight, AdjustedBodyWeight)):
            low = 0
    return low, high, whole


def _static_truth(
    definition: Definition,
    condition: Condition,
    assignment: dict[Ref, Any],
    targets: dict[Ref, Item | None],
) -> bool | None:
    if isinstance(condition, AllOf):
        results = [_static_truth(definition, child, assignment, targets) for child in condition.all]
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if isinstance(condition, AnyOf):
        results = [_static_truth(definition, child, assignment, targets) for child in condition.any]
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else None
    if isinstance(condition, NotOf):
        inner = _static_truth(definition, condition.not_, assignment, targets)
        return None if inner is None else not inner
    if isinstance(condition, Answered):
        return assignment.get(Ref("item", condition.answered)) is not None
    return _compare_truth(definition, condition, assignment, targets)


def _compare_truth(
    definition: Definition,
    condition: Compare,
    assignment: dict[Ref, Any],
    targets: dict[Ref, Item | None],
) -> bool | None:
    kind, ref_id = condition.target
    key, operand = condition.operator
    value = assignment.get(Ref(kind, ref_id))
    if value is None:
        return None
    if isinstance(operand, ParamRef):
        parameter = definition.parameters.get(operand.param)
        operand = None if parameter is None else parameter.value
    item = targets.get(Ref(kind, ref_id))
    if kind == "score" and get_operator(key).reads == "band":
        score = definition.scores.get(ref_id)
        label = next((b.label for b in score.bands if b.min <= value <= b.max), None) if score else None
        return None if label is None else label == operand
    return apply_operator(key, value, operand, item, definition)
