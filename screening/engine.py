"""The assessment: answers in, scores, derived values, flags, missing items and a status out.

`assess` is pure and never raises on clinical input. Its semantics:

* Answers are validated first; rejected answers are reported in `problems` and treated as
  unanswered.
* An item is asked when its section and its own `show_if` are *true*. The answer of an item that
  is not asked is unknown, even when one was given earlier (it stays in the draft).
* Conditions use three-valued (Kleene) logic. Unknown never counts as 0 or false; a flag fires
  only when its condition is true.
* Scores are unknown (null) when any input is unknown.
* Status (SPEC 4.2): `contraindicated` if any absolute flag fired; else `incomplete` if a
  required, asked item is unanswered; else `needs_review` if any relative flag fired, a
  requirement is not met, or an absolute or relative rule could not be evaluated; else
  `candidate`.
* A rule that is unknown only because the items it reads were not asked (pregnancy for a male
  patient) or are optional and left blank is not applicable. A rule that is unknown because a
  required answer is missing or a value cannot be computed (an age without the date of the
  screening) is *undetermined*, and keeps the status from `candidate`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, Literal

from screening.answers import Problem, Ref, validate_answers
from screening.assessment import (
    SEVERITY_ORDER,
    Assessment,
    FlagResult,
    ItemState,
    QuestionnaireRef,
    RequirementResult,
    ReviewNotice,
    ReviewResult,
    ScoreResult,
)
from screening.definition import Definition, SectionView
from screening.describe import describe
from screening.issues import did_you_mean
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
    MultiChoiceItem,
    NotOf,
    ParamRef,
    Score,
    ScoreTerm,
    Test,
)
from screening.plans import DEVINE_MIN_HEIGHT_CM
from screening.vocabulary import DECISIONS, REVIEW_FIELDS, WEIGHT_BASES, MovedSession, Status

Truth = bool | None
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
        if isinstance(spec, AgeYears):
            born = self.item_value(spec.date_of_birth)
            if not isinstance(born, dt.date) or self.assessed_on is None:
                return None
            on = self.assessed_on
            years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
            return years if years >= 0 else None
        if isinstance(spec, Bmi):
            weight, height = _number(self.value(spec.weight_kg)), _number(self.value(spec.height_cm))
            if weight is None or height is None or height <= 0 or weight <= 0:
                return None
            return round(weight / (height / 100) ** 2, 1)
        if isinstance(spec, Count):
            return self._count(spec)
        if isinstance(spec, Test):
            return self.truth(spec.when)
        if isinstance(spec, IdealBodyWeight):
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
        if isinstance(spec, AdjustedBodyWeight):
            ideal, actual = _number(self.value(spec.ideal)), _number(self.value(spec.actual_kg))
            if ideal is None or actual is None:
                return None
            return round(ideal + spec.factor * (actual - ideal), 1)
        return None  # pragma: no cover - the union is closed

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
        if isinstance(item, ChoiceItem):
            option = self.definition.option(item, value)
            value = option.score if option else None
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
            results = [self.evaluate(child, row) for child in condition.all]
            false = [r for r in results if r[0] is False]
            if false:
                return False, _union(r[1] for r in false), frozenset()
            if all(r[0] is True for r in results):
                return True, _union(r[1] for r in results), frozenset()
            return None, frozenset(), _union(r[2] for r in results if r[0] is None)
        if isinstance(condition, AnyOf):
            results = [self.evaluate(child, row) for child in condition.any]
            true = [r for r in results if r[0] is True]
            if true:
                return True, _union(r[1] for r in true), frozenset()
            if all(r[0] is False for r in results):
                return False, _union(r[1] for r in results), frozenset()
            return None, frozenset(), _union(r[2] for r in results if r[0] is None)
        if isinstance(condition, NotOf):
            truth, refs, unknown = self.evaluate(condition.not_, row)
            return (None if truth is None else not truth), refs, unknown
        if isinstance(condition, Answered):
            answered = self.item_value(condition.answered) is not None
            return answered, frozenset({condition.answered}), frozenset()
        return self._compare(condition, row)

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
            if key == "band":
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


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return True
    return isinstance(a, str) and isinstance(b, str)


def _equal(value: Any, operand: Any) -> Truth:
    if not _same_kind(value, operand):
        return None
    return bool(value == operand)


def _ordered(value: Any, item: Item | None, definition: Definition) -> Any:
    """A value that can be ordered: the option score of a choice code, else the value."""
    if isinstance(item, ChoiceItem) and isinstance(value, str):
        option = definition.option(item, value)
        return option.score if option else None
    if isinstance(value, bool):
        return None
    return value


def apply_operator(key: str, value: Any, operand: Any, item: Item | None, definition: Definition) -> Truth:
    """Apply one comparison operator to a known value; unknown (None) when they do not fit."""
    if operand is None:
        return None
    if key == "eq":
        return _equal(value, operand)
    if key == "ne":
        equal = _equal(value, operand)
        return None if equal is None else not equal
    if key in ("in", "not_in"):
        if not isinstance(operand, list):
            return None
        matches = [_equal(value, candidate) for candidate in operand]
        if any(match is True for match in matches):
            found: Truth = True
        elif all(match is False for match in matches):
            found = False
        else:
            found = None
        if found is None:
            return None
        return found if key == "in" else not found
    if key == "contains":
        if not isinstance(value, list):
            return None
        return operand in value
    if key == "band":
        return _equal(value, operand)
    left = _ordered(value, item, definition)
    right = _ordered(operand, item, definition) if isinstance(operand, str) else operand
    if left is None or right is None or isinstance(right, bool):
        return None
    comparable = (isinstance(left, (int, float)) and isinstance(right, (int, float))) or (
        isinstance(left, dt.date) and isinstance(right, dt.date)
    )
    if not comparable:
        return None
    if key == "gt":
        return bool(left > right)
    if key == "gte":
        return bool(left >= right)
    if key == "lt":
        return bool(left < right)
    return bool(left <= right)


# ------------------------------------------------------------------------------ the assessment


def assess(
    definition: Definition,
    answers: Mapping[str, Any],
    *,
    assessed_on: dt.date | None = None,
    review: Mapping[str, Any] | None = None,
) -> Assessment:
    """Assess one set of answers (and optionally the psychiatrist's review). Never raises on input."""
    values, problems = validate_answers(definition, answers, assessed_on=assessed_on)
    evaluator = Evaluator(definition, values, assessed_on)

    items = _item_states(definition, evaluator)
    missing_refs = _missing(definition, evaluator)
    if assessed_on is None and any(isinstance(d, AgeYears) for d in definition.derived.values()):
        missing_refs.insert(0, Ref("assessed_on"))
    missing = [ref.path for ref in missing_refs]

    scores: dict[str, ScoreResult] = {}
    for score_id, spec in definition.scores.items():
        label, meaning = evaluator.band(score_id)
        low, high = score_range(definition, spec) or (None, None)
        scores[score_id] = ScoreResult(
            id=score_id,
            title=spec.title,
            value=_tidy(evaluator.score(score_id)),
            band=label,
            band_meaning=meaning,
            minimum=low,
            maximum=high,
        )
    derived = {derived_id: _tidy(evaluator.derived(derived_id)) for derived_id in definition.derived}

    flags: list[FlagResult] = []
    undetermined: list[str] = []
    order = _ref_order(definition)
    for rule in definition.rules:
        truth, refs, unknown = evaluator.evaluate(rule.when)
        if truth is True:
            flags.append(
                FlagResult(
                    id=rule.id,
                    severity=rule.severity,
                    title=rule.title,
                    action=rule.action,
                    source=definition.source_labels(rule.source),
                    source_ids=list(rule.source),
                    triggered_by=_ordered_refs(order, refs),
                    note=rule.note,
                    verified=rule.verified,
                    crisis=rule.crisis,
                )
            )
        elif (
            truth is None
            and rule.severity in ("absolute", "relative")
            and any(evaluator.cause(ref) in ("unanswered", "uncomputable") for ref in unknown)
        ):
            undetermined.append(rule.id)
    flags.sort(key=lambda flag: SEVERITY_ORDER[flag.severity])

    requirements = [
        RequirementResult(
            id=requirement.id,
            title=requirement.title,
            met=evaluator.truth(requirement.when),
            unmet=requirement.unmet,
            source=definition.source_labels(requirement.source),
            source_ids=list(requirement.source),
        )
        for requirement in definition.requirements
    ]

    status = _status(flags, missing, requirements, undetermined)
    review_result = None
    if review is not None:
        review_result, review_problems = _review(definition, review, flags, requirements, status)
        problems.extend(review_problems)
        acknowledged = review_result.acknowledged
        flags = [
            flag.model_copy(update={"acknowledgement": acknowledged[flag.id]})
            if flag.id in acknowledged
            else flag
            for flag in flags
        ]

    return Assessment(
        questionnaire=QuestionnaireRef(
            id=definition.id, version=definition.version, sha256=definition.sha256
        ),
        assessed_on=assessed_on,
        status=status,
        scores=scores,
        derived=derived,
        flags=flags,
        missing=missing,
        missing_refs=missing_refs,
        requirements=requirements,
        undetermined=undetermined,
        crisis=any(flag.crisis for flag in flags),
        items=items,
        problems=problems,
        review=review_result,
    )


def _status(
    flags: list[FlagResult],
    missing: list[str],
    requirements: list[RequirementResult],
    undetermined: list[str],
) -> Status:
    if any(flag.severity == "absolute" for flag in flags):
        return "contraindicated"
    if missing:
        return "incomplete"
    if (
        any(flag.severity == "relative" for flag in flags)
        or any(requirement.met is not True for requirement in requirements)
        or undetermined
    ):
        return "needs_review"
    return "candidate"


def _tidy(value: Any) -> Any:
    """Whole floats print as integers (a score of 17, not 17.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _ref_order(definition: Definition) -> dict[str, int]:
    """The questionnaire order of item, derived and score ids (built once per assessment)."""
    refs = [*definition.items, *definition.derived, *definition.scores]
    return {ref: index for index, ref in enumerate(refs)}


def _ordered_refs(order: Mapping[str, int], refs: frozenset[str]) -> list[str]:
    return sorted(refs, key=lambda ref: (order.get(ref, len(order)), ref))


def _item_states(definition: Definition, evaluator: Evaluator) -> dict[str, ItemState]:
    states: dict[str, ItemState] = {}
    for item_id, item in definition.items.items():
        shown = evaluator.shown(item_id)
        reason = None
        if not shown:
            view = definition.item_section[item_id]
            if view.section.show_if is not None and not evaluator.section_shown(view.id):
                reason = f"section not shown: asked only when {describe(view.section.show_if, definition)}"
            elif item.show_if is not None:
                reason = f"asked only when {describe(item.show_if, definition)}"
        # Built from values the engine has already checked: no second validation.
        states[item_id] = ItemState.model_construct(
            id=item_id,
            shown=shown,
            value=evaluator.values.get(item_id) if shown else None,
            not_asked_reason=reason,
        )
    return states


def _missing(definition: Definition, evaluator: Evaluator) -> list[Ref]:
    missing: list[Ref] = []
    for item_id, item in definition.items.items():
        if not evaluator.shown(item_id):
            continue
        value = evaluator.values.get(item_id)
        if value is None:
            if item.required:
                missing.append(Ref(item_id))
            continue
        if isinstance(item, GroupItem) and isinstance(value, list):
            if len(value) < item.min_rows:
                missing.append(Ref(item_id))
            for index, row in enumerate(value, start=1):
                missing.extend(
                    Ref(item_id, index, field.id)
                    for field in item.fields
                    if field.required and row.get(field.id) is None
                )
        elif isinstance(item, MultiChoiceItem) and not value and item.required:
            missing.append(Ref(item_id))
    return missing


def score_range(definition: Definition, spec: Score) -> tuple[int | float, int | float] | None:
    """The lowest and highest value a score can take, or None when a term is unbounded."""
    low: int | float = 0
    high: int | float = 0
    for term in spec.all_terms:
        bounds = term_range(definition, term)
        if bounds is None:
            return None
        low += bounds[0]
        high += bounds[1]
    return _tidy(low), _tidy(high)


def term_range(definition: Definition, term: ScoreTerm) -> tuple[int | float, int | float] | None:
    if term.points is not None:
        points = [band.points for band in term.points]
        return min(points), max(points)
    item = definition.items.get(term.item) if term.item else None
    if isinstance(item, ChoiceItem):
        scores = [option.score for option in definition.options(item) if option.score is not None]
        return (min(scores), max(scores)) if scores else None
    if item is not None and item.type == "boolean":
        return min(term.if_true, term.if_false), max(term.if_true, term.if_false)
    if item is not None and item.type in ("integer", "number"):
        low, high = getattr(item, "min", None), getattr(item, "max", None)
        return None if low is None or high is None else (low, high)
    return None


# ------------------------------------------------------------------------------ the review

_REVIEW_KEYS = (*REVIEW_FIELDS, "signed_at")


def _review(
    definition: Definition,
    raw: Any,
    flags: list[FlagResult],
    requirements: list[RequirementResult],
    status: Status,
) -> tuple[ReviewResult, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        return ReviewResult(), [Problem("review", "must be a mapping", Ref("review"))]
    fields: dict[str, Any] = {}
    for raw_key, value in raw.items():
        key = str(raw_key)
        if key not in _REVIEW_KEYS:
            problems.append(
                Problem(
                    f"review.{key}",
                    f"unknown key; the review has {', '.join(_REVIEW_KEYS)}",
                    Ref("review", None, key),
                )
            )
            continue
        if value is None:
            continue
        error = _review_field(definition, key, value)
        if error is None and key == "moved_session":
            error = _moved_session_problem(definition, raw.get("protocol"), value)
        if error:
            problems.append(Problem(f"review.{key}", error, Ref("review", None, key)))
            continue
        if key == "start_date" and not isinstance(value, dt.date):
            fields[key] = dt.date.fromisoformat(str(value))
        elif key == "moved_session":
            fields[key] = MovedSession(session=value["session"], date=_as_date(value["date"]))
        elif key == "signed_at" and not isinstance(value, dt.datetime):
            fields[key] = dt.datetime.fromisoformat(str(value))
        else:
            fields[key] = value

    acknowledged_raw: dict[str, str] = fields.pop("acknowledged", {})
    fired = {flag.id: flag for flag in flags}
    unmet = [requirement.id for requirement in requirements if requirement.met is not True]
    # A note may acknowledge a fired flag or an unmet requirement (the psychiatrist's reason to go
    # on although, for example, the TRD criteria are not met).
    acknowledgeable = {*fired, *unmet}
    acknowledged = {key: note for key, note in acknowledged_raw.items() if key in acknowledgeable}
    unmatched = [flag_id for flag_id in acknowledged_raw if flag_id not in acknowledgeable]
    # An id that no rule or requirement of this questionnaire has (a typo, or a flag of another
    # version) is told apart from a known flag that did not fire for these answers.
    known_ids = [*definition.rules_by_id, *(requirement.id for requirement in definition.requirements)]
    unknown = [key for key in unmatched if key not in known_ids]
    unacknowledged = [
        flag.id for flag in flags if flag.severity == "relative" and flag.id not in acknowledged
    ]
    unacknowledged_requirements = [key for key in unmet if key not in acknowledged]

    notices = [
        _unknown_acknowledgement(flag_id, known_ids)
        if flag_id in unknown
        else ReviewNotice(
            code="unmatched_acknowledgement",
            ids=[flag_id],
            text=f"acknowledgement of '{flag_id}', which did not fire for these answers;"
            " it is kept but applies to nothing",
        )
        for flag_id in unmatched
    ]
    decision = fields.get("decision")
    if decision == "proceed":
        if status == "contraindicated":
            notices.append(
                ReviewNotice(
                    code="proceed_contraindicated",
                    text="decision 'proceed' is not possible: an absolute contraindication fired",
                )
            )
        elif status == "incomplete":
            notices.append(
                ReviewNotice(
                    code="proceed_incomplete",
                    text="decision 'proceed' was recorded while required answers are missing",
                )
            )
        if unacknowledged:
            notices.append(
                ReviewNotice(
                    code="proceed_unacknowledged",
                    ids=unacknowledged,
                    text="decision 'proceed' needs a note for every relative flag; missing for "
                    + ", ".join(unacknowledged),
                )
            )
        if unacknowledged_requirements:
            notices.append(
                ReviewNotice(
                    code="proceed_requirement",
                    ids=unacknowledged_requirements,
                    text="decision 'proceed' needs a note for every unmet requirement; missing for "
                    + ", ".join(unacknowledged_requirements),
                )
            )
    if fields.get("signed_at") is not None and not fields.get("clinician"):
        notices.append(
            ReviewNotice(code="signed_without_clinician", text="the review is signed but names no clinician")
        )
    if fields.get("signed_at") is not None and decision is None:
        notices.append(
            ReviewNotice(code="signed_without_decision", text="the review is signed but records no decision")
        )
    return (
        ReviewResult(
            **fields,
            acknowledged=acknowledged,
            unmatched_acknowledgements=unmatched,
            unknown_acknowledgements=unknown,
            unacknowledged=unacknowledged,
            unacknowledged_requirements=unacknowledged_requirements,
            notices=[notice.text for notice in notices],
            findings=notices,
        ),
        problems,
    )


def _unknown_acknowledgement(flag_id: str, known_ids: list[str]) -> ReviewNotice:
    hint = did_you_mean(flag_id, known_ids)
    return ReviewNotice(
        code="unknown_acknowledgement",
        ids=[flag_id],
        text=f"acknowledgement of '{flag_id}', which is not a flag or requirement of this questionnaire"
        + (f" ({hint})" if hint else "")
        + "; it is kept but applies to nothing",
    )


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _moved_session_problem(definition: Definition, protocol: Any, value: Mapping[str, Any]) -> str | None:
    """A moved session must be a session of the chosen plan; whether its date suits the clinic's
    calendar is said with the dated sessions (`screening.plans.schedule`), which know the clinic."""
    plan = definition.plans.get(protocol) if isinstance(protocol, str) else None
    if plan is None:
        return "moves a session, but no protocol is chosen"
    count = len(plan.sessions)
    if value["session"] > count:
        return f"session {value['session']} does not exist: plan '{plan.id}' has {count} dated sessions"
    return None


def _review_field(definition: Definition, key: str, value: Any) -> str | None:
    if key == "clinician":
        return None if isinstance(value, str) and value.strip() else "expected the clinician's name"
    if key == "protocol":
        plans = list(definition.plans)
        return None if value in plans else f"not one of the plans ({', '.join(plans) or 'none defined'})"
    if key == "weight_basis":
        return None if value in WEIGHT_BASES else f"not one of {', '.join(WEIGHT_BASES)}"
    if key == "decision":
        return None if value in DECISIONS else f"not one of {', '.join(DECISIONS)}"
    if key == "start_date":
        if isinstance(value, dt.datetime):
            return "expected a date without a time"
        if isinstance(value, dt.date):
            return None
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return "expected a date (YYYY-MM-DD)"
        return None
    if key == "moved_session":
        shape = "expected {session: N, date: YYYY-MM-DD}, N a session number from 1"
        if not isinstance(value, Mapping) or set(value) != {"session", "date"}:
            return shape
        session, day = value["session"], value["date"]
        if isinstance(session, bool) or not isinstance(session, int) or session < 1:
            return shape
        if isinstance(day, dt.datetime):
            return "expected a date without a time"
        if isinstance(day, dt.date):
            return None
        try:
            dt.date.fromisoformat(str(day))
        except ValueError:
            return shape
        return None
    if key == "signed_at":
        if isinstance(value, dt.datetime):
            return None
        try:
            dt.datetime.fromisoformat(str(value))
        except ValueError:
            return "expected a date and time (YYYY-MM-DDTHH:MM:SS)"
        return None
    # acknowledged
    if not isinstance(value, Mapping):
        return "expected a mapping of flag id to note"
    for flag_id, note in value.items():
        if not isinstance(note, str) or not note.strip():
            return f"the acknowledgement of '{flag_id}' needs a note"
    return None
