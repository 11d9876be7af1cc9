"""Lazy, memoised evaluation of one set of answers against one definition.

The `Evaluator` answers what `screening.engine.assess` and the documents ask: whether an item or
section is asked, the value of an item, derived value or score, the band of a score, the truth of
a condition (three-valued: unknown is None, never 0 or false) and why a value is unknown.
Comparisons are evaluated by the operators of `screening.operators`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

from screening.definition import Definition, SectionView
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
    Score,
    ScoreTerm,
    Test,
)
from screening.operators import ScoreOf, Truth, get_operator
from screening.plans import DEVINE_MIN_HEIGHT_CM

__all__ = ["Cause", "Evaluator", "Truth", "apply_operator"]

Cause = Literal["hidden", "optional", "unanswered", "uncomputable"]

_KG_PER_INCH_DEVINE = 2.3
_CM_PER_INCH = 2.54


class _Row:
    """The scope of a `where` condition: one row of a repeating group."""

    __slots__ = ("group", "values")

    def __init__(self, group: GroupItem, values: Mapping[str, Any]) -> None:
        self.group = group
        self.values = values


class Evaluator:
    """Lazy, memoised evaluation of one set of answers against one definition.

    Every lookup is memoised, so each item, derived value and score is computed once however
    many conditions read it. A reference cycle (which the checker reports) evaluates to unknown
    instead of recursing forever.
    """

    def __init__(
        self, definition: Definition, values: Mapping[str, Any], assessed_on: dt.date | None
    ) -> None:
        self.definition = definition
        self.values = values
        self.assessed_on = assessed_on
        self._shown: dict[str, bool] = {}
        self._sections: dict[str, bool] = {}
        self._derived: dict[str, Any] = {}
        self._scores: dict[str, int | float | None] = {}
        self._causes: dict[str, Cause | None] = {}
        self._active: set[str] = set()
        self._section_views: dict[str, SectionView] = {}
        for view in definition.sections:
            self._section_views.setdefault(view.id, view)  # the first one, as a search would find

    # ------------------------------------------------------------------ items

    def section_shown(self, section_id: str) -> bool:
        if section_id in self._sections:
            return self._sections[section_id]
        key = f"section:{section_id}"
        if key in self._active:
            return False
        self._active.add(key)
        try:
            view = self._section_views.get(section_id)
            condition = view.section.show_if if view else None
            result = condition is None or self.truth(condition) is True
        finally:
            self._active.discard(key)
        self._sections[section_id] = result
        return result

    def shown(self, item_id: str) -> bool:
        """Whether the item is asked: its section and its own condition are true."""
        if item_id in self._shown:
            return self._shown[item_id]
        item = self.definition.items.get(item_id)
        if item is None:
            return False
        key = f"item:{item_id}"
        if key in self._active:
            return False
        self._active.add(key)
        try:
            view = self.definition.item_section[item_id]
            result = self.section_shown(view.id) and (
                item.show_if is None or self.truth(item.show_if) is True
            )
        finally:
            self._active.discard(key)
        self._shown[item_id] = result
        return result

    def item_value(self, item_id: str) -> Any:
        """The accepted answer of an asked item, else None (unknown)."""
        if not self.shown(item_id):
            return None
        return self.values.get(item_id)

    # ------------------------------------------------------------------ values of any kind

    def value(self, ref: str) -> Any:
        kind = self.definition.kind_of(ref)
        if kind == "item":
            return self.item_value(ref)
        if kind == "derived":
            return self.derived(ref)
        if kind == "score":
            return self.score(ref)
        return None

    def derived(self, derived_id: str) -> Any:
        if derived_id in self._derived:
            return self._derived[derived_id]
        spec = self.definition.derived.get(derived_id)
        key = f"derived:{derived_id}"
        if spec is None or key in self._active:
            return None
        self._active.add(key)
        try:
            result = self._compute_derived(spec)
        finally:
            self._active.discard(key)
        self._derived[derived_id] = result
        return result

    def _compute_derived(self, spec: Any) -> Any:
        compute = _DERIVED_KINDS.get(type(spec))
        return None if compute is None else compute(self, spec)

    def _age_years(self, spec: AgeYears) -> int | None:
        born = self.item_value(spec.date_of_birth)
        if not isinstance(born, dt.date) or self.assessed_on is None:
            return None
        on = self.assessed_on
        years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return years if years >= 0 else None

    def _bmi(self, spec: Bmi) -> float | None:
        weight, height = _number(self.value(spec.weight_kg)), _number(self.value(spec.height_cm))
        if weight is None or height is None or height <= 0 or weight <= 0:
            return None
        return round(weight / (height / 100) ** 2, 1)

    def _test(self, spec: Test) -> Truth:
        return self.truth(spec.when)

    def _ideal_body_weight(self, spec: IdealBodyWeight) -> float | None:
        sex, height = self.value(spec.sex), _number(self.value(spec.height_cm))
        if height is None or height < DEVINE_MIN_HEIGHT_CM:  # the formula starts at 60 inches
            return None
        if sex in spec.male:
            base = 50.0
        elif sex in spec.female:
            base = 45.5
        else:
            return None
        return round(base + _KG_PER_INCH_DEVINE * (height / _CM_PER_INCH - 60), 1)

    def _adjusted_body_weight(self, spec: AdjustedBodyWeight) -> float | None:
        ideal, actual = _number(self.value(spec.ideal)), _number(self.value(spec.actual_kg))
        if ideal is None or actual is None:
            return None
        return round(ideal + spec.factor * (actual - ideal), 1)

    def _count(self, spec: Count) -> int | None:
        group = self.definition.items.get(spec.group)
        rows = self.item_value(spec.group)
        if not isinstance(group, GroupItem) or not isinstance(rows, list):
            return None
        if spec.where is None:
            return len(rows)
        total = 0
        for row in rows:
            truth, _refs, _unknown = self.evaluate(spec.where, _Row(group, row))
            if truth is None:
                return None
            total += truth
        return total

    # ------------------------------------------------------------------ scores

    def score(self, score_id: str) -> int | float | None:
        if score_id in self._scores:
            return self._scores[score_id]
        spec = self.definition.scores.get(score_id)
        key = f"score:{score_id}"
        if spec is None or key in self._active:
            return None
        self._active.add(key)
        try:
            result = self._compute_score(spec)
        finally:
            self._active.discard(key)
        self._scores[score_id] = result
        return result

    def _compute_score(self, spec: Score) -> int | float | None:
        if spec.requires is not None and self.truth(spec.requires) is not True:
            return None
        total: int | float = 0
        for term in spec.all_terms:
            points = self.term_points(term)
            if points is None:
                return None
            total += points
        return total

    def term_points(self, term: ScoreTerm) -> int | float | None:
        value = self.value(term.ref)
        if value is None:
            return None
        item = self.definition.items.get(term.item) if term.item else None
        if item is not None:  # a choice scores its option's points
            value = item.score_value(value, self.definition)
            if value is None:
                return None
        if isinstance(value, bool):
            return term.if_true if value else term.if_false
        number = _number(value)
        if number is None:
            return None
        if term.points is None:
            return number
        for band in term.points:
            if (band.min is None or number >= band.min) and (band.max is None or number <= band.max):
                return band.points
        return None

    def band(self, score_id: str) -> tuple[str | None, str | None]:
        value = self.score(score_id)
        spec = self.definition.scores.get(score_id)
        if value is None or spec is None:
            return None, None
        for band in spec.bands:
            if band.min <= value <= band.max:
                return band.label, band.meaning
        return None, None

    # ------------------------------------------------------------------ conditions

    def truth(self, condition: Condition, row: _Row | None = None) -> Truth:
        return self.evaluate(condition, row)[0]

    def evaluate(
        self, condition: Condition, row: _Row | None = None
    ) -> tuple[Truth, frozenset[str], frozenset[str]]:
        """(truth, refs that made it so, refs whose unknown value made it unknown)."""
        if isinstance(condition, AllOf):
            return self._all_of(condition, row)
        if isinstance(condition, AnyOf):
            return self._any_of(condition, row)
        if isinstance(condition, NotOf):
            truth, refs, unknown = self.evaluate(condition.not_, row)
            return (None if truth is None else not truth), refs, unknown
        if isinstance(condition, Answered):
            answered = self.item_value(condition.answered) is not None
            return answered, frozenset({condition.answered}), frozenset()
        return self._compare(condition, row)

    def _all_of(self, condition: AllOf, row: _Row | None) -> tuple[Truth, frozenset[str], frozenset[str]]:
        results = [self.evaluate(child, row) for child in condition.all]
        false = [r for r in results if r[0] is False]
        if false:
            return False, _union(r[1] for r in false), frozenset()
        if all(r[0] is True for r in results):
            return True, _union(r[1] for r in results), frozenset()
        return None, frozenset(), _union(r[2] for r in results if r[0] is None)

    def _any_of(self, condition: AnyOf, row: _Row | None) -> tuple[Truth, frozenset[str], frozenset[str]]:
        results = [self.evaluate(child, row) for child in condition.any]
        true = [r for r in results if r[0] is True]
        if true:
            return True, _union(r[1] for r in true), frozenset()
        if all(r[0] is False for r in results):
            return False, _union(r[1] for r in results), frozenset()
        return None, frozenset(), _union(r[2] for r in results if r[0] is None)

    def _compare(self, condition: Compare, row: _Row | None) -> tuple[Truth, frozenset[str], frozenset[str]]:
        kind, ref = condition.target
        key, operand = condition.operator
        refs: frozenset[str] = frozenset() if kind == "field" else frozenset({ref})
        item: Item | None
        if kind == "field":
            if row is None:
                return None, refs, frozenset()
            item = self.definition.group_field(row.group, ref)
            value = row.values.get(ref)
        elif kind == "item":
            item = self.definition.items.get(ref)
            value = self.item_value(ref)
        elif kind == "derived":
            item, value = None, self.derived(ref)
        else:
            item, value = None, self.score(ref)
            if get_operator(key).reads == "band":
                value = self.band(ref)[0]
        if value is None:
            return None, refs, refs
        truth = apply_operator(key, value, self._operand(operand), item, self.definition)
        return truth, refs, (refs if truth is None else frozenset())

    def _operand(self, operand: Any) -> Any:
        if isinstance(operand, ParamRef):
            parameter = self.definition.parameters.get(operand.param)
            return None if parameter is None else parameter.value
        return operand

    # ------------------------------------------------------------------ why unknown

    def cause(self, ref: str) -> Cause | None:
        """Why a reference is unknown: not asked, not answered, or not computable (None if known)."""
        if ref in self._causes:
            return self._causes[ref]
        key = f"cause:{ref}"
        if key in self._active:
            return "uncomputable"
        self._active.add(key)
        try:
            result = self._cause(ref)
        finally:
            self._active.discard(key)
        self._causes[ref] = result
        return result

    def _cause(self, ref: str) -> Cause | None:
        kind = self.definition.kind_of(ref)
        if self.value(ref) is not None:
            return None
        if kind == "item":
            if not self.shown(ref):
                return "hidden"
            return "unanswered" if self.definition.items[ref].required else "optional"
        inputs = self._inputs(ref)
        causes = [self.cause(i) for i in inputs]
        known = [c for c in causes if c is not None]
        if not known:
            return "uncomputable"
        if "uncomputable" in known:
            return "uncomputable"
        if "unanswered" in known:
            return "unanswered"
        if "optional" in known:
            return "optional"
        return "hidden"

    def _inputs(self, ref: str) -> list[str]:
        spec: Any = self.definition.derived.get(ref) or self.definition.scores.get(ref)
        if isinstance(spec, AgeYears):
            return [spec.date_of_birth]
        if isinstance(spec, Bmi):
            return [spec.weight_kg, spec.height_cm]
        if isinstance(spec, Count):
            return [spec.group]
        if isinstance(spec, Test):
            return sorted(self.evaluate(spec.when)[2])
        if isinstance(spec, IdealBodyWeight):
            return [spec.sex, spec.height_cm]
        if isinstance(spec, AdjustedBodyWeight):
            return [spec.ideal, spec.actual_kg]
        if isinstance(spec, Score):
            refs = [term.ref for term in spec.all_terms]
            if spec.requires is not None:
                refs.extend(sorted(self.evaluate(spec.requires)[2]))
            return refs
        return []


_DERIVED_KINDS: dict[type[Any], Callable[[Evaluator, Any], Any]] = {
    AgeYears: Evaluator._age_years,
    Bmi: Evaluator._bmi,
    Count: Evaluator._count,
    Test: Evaluator._test,
    IdealBodyWeight: Evaluator._ideal_body_weight,
    AdjustedBodyWeight: Evaluator._adjusted_body_weight,
}
"""How each kind of derived value is computed from the answers."""


def _union(sets: Any) -> frozenset[str]:
    result: frozenset[str] = frozenset()
    for part in sets:
        result |= part
    return result


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return float(value)


def apply_operator(key: str, value: Any, operand: Any, item: Item | None, definition: Definition) -> Truth:
    """Apply one comparison operator to a known value; unknown (None) when they do not fit."""
    operator = get_operator(key)
    return operator.apply(value, operand, _score_of(item, definition) if operator.ordering else None)


def _score_of(item: Item | None, definition: Definition) -> ScoreOf | None:
    """Order comparisons on a choice item order its codes by option score."""
    if not isinstance(item, ChoiceItem):
        return None
    choice: ChoiceItem = item

    def score_of(code: str) -> int | float | None:
        option = definition.option(choice, code)
        return option.score if option else None

    return score_of
