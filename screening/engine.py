"""The assessment: answers in, scores, derived values, flags, missing items and a status out.

`assess` is pure and never raises on clinical input. Its semantics:

* Answers are validated first; rejected answers are reported in `problems` and treated as
  unanswered.
* An item is asked when its section and its own `show_if` are *true*. The answer of an item that
  is not asked is unknown, even when one was given earlier (it stays in the draft).
* Conditions use three-valued (Kleene) logic. Unknown never counts as 0 or false; a flag fires
  only when its condition is true.
* Scores are unknown (null) when any input is unknown.
* Status (docs/contract.md §2.2): `contraindicated` if any absolute flag fired; else `incomplete` if a
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
from collections.abc import Mapping
from typing import Any

from screening.answers import Problem, Ref, validate_answer, validate_answers
from screening.assessment import (
    SEVERITY_ORDER,
    Assessment,
    FlagResult,
    ItemState,
    QuestionnaireRef,
    RequirementResult,
    ScoreResult,
)
from screening.definition import Definition
from screening.describe import describe
from screening.evaluator import Evaluator, apply_operator
from screening.model import AgeYears, GroupItem, Requirement, Rule, Score, ScoreTerm
from screening.review import check_review
from screening.vocabulary import Status
from screening.yamlsource import collection_paused

# `Evaluator` and `apply_operator` live in `screening.evaluator`; they are re-exported here for
# the modules that import them from the engine.
__all__ = ["Evaluator", "apply_operator", "assess", "reassess", "score_range", "term_range"]

# ------------------------------------------------------------------------------ the assessment


@collection_paused()  # an assessment frees little of what it allocates: see collection_paused
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
    # in this order, as always: in a definition with a cycle (which the checker refuses) what a
    # member of the cycle evaluates to depends on what was evaluated first
    items = {item_id: _item_state(definition, evaluator, item_id) for item_id in definition.items}
    missing_refs = _date_missing(definition, assessed_on)
    for item_id in definition.items:
        missing_refs.extend(_missing_of(definition, evaluator, item_id))
    scores = {score_id: _score_result(definition, evaluator, score_id) for score_id in definition.scores}
    derived = {derived_id: _tidy(evaluator.derived(derived_id)) for derived_id in definition.derived}
    order = _ref_order(definition)
    outcomes = {rule.id: _outcome(definition, evaluator, order, rule) for rule in definition.rules}
    requirements = {r.id: _requirement_result(definition, evaluator, r) for r in definition.requirements}
    return _assessment(
        definition,
        evaluator,
        problems,
        items=items,
        scores=scores,
        derived=derived,
        missing_refs=missing_refs,
        outcomes=outcomes,
        requirements=requirements,
        review=review,
    )


def _date_missing(definition: Definition, assessed_on: dt.date | None) -> list[Ref]:
    """The date of the screening, as missing, when an age is computed and it is not given."""
    if assessed_on is None and any(isinstance(d, AgeYears) for d in definition.derived.values()):
        return [Ref("assessed_on")]
    return []


@collection_paused()
def reassess(
    definition: Definition,
    before: Mapping[str, Any],
    assessment: Assessment,
    answers: Mapping[str, Any],
    *,
    assessed_on: dt.date | None = None,
) -> Assessment:
    """The assessment of `answers`, made from `assessment` (of the answers `before`, at the same
    date, without a review) by computing again only what the changed answers can change
    (`screening.dependencies`). Equal to `assess(definition, answers, assessed_on=assessed_on)`;
    it is that call when the two cannot be compared (another date, a review) or the definition's
    values cannot be followed (`Dependents.usable`)."""
    dependents = definition.dependents
    if assessment.review is not None or assessment.assessed_on != assessed_on or not dependents.usable:
        return assess(definition, answers, assessed_on=assessed_on)
    changed = [item for item in definition.items if not _same(before.get(item), answers.get(item))]
    affected = dependents.affected(changed)
    values, problems = _validated(definition, answers, assessment, set(changed), assessed_on)
    evaluator = Evaluator(definition, values, assessed_on)

    items = dict(assessment.items)
    missing_refs = _date_missing(definition, assessed_on)
    kept_missing: dict[str, list[Ref]] = {}
    for ref in assessment.missing_refs[len(missing_refs) :]:
        kept_missing.setdefault(ref.item, []).append(ref)
    for item_id in definition.items:
        if item_id in affected.items:
            items[item_id] = _item_state(definition, evaluator, item_id)
            missing_refs.extend(_missing_of(definition, evaluator, item_id))
        else:
            missing_refs.extend(kept_missing.get(item_id, ()))
    scores = dict(assessment.scores)
    for score_id in affected.scores:
        scores[score_id] = _score_result(definition, evaluator, score_id)
    derived = dict(assessment.derived)
    for derived_id in affected.derived:
        derived[derived_id] = _tidy(evaluator.derived(derived_id))

    fired = {flag.id: flag for flag in assessment.flags}
    undetermined = set(assessment.undetermined)
    order = _ref_order(definition)
    outcomes: dict[str, FlagResult | bool | None] = {
        rule.id: _outcome(definition, evaluator, order, rule)
        if rule.id in affected.rules
        else fired.get(rule.id, rule.id in undetermined or None)
        for rule in definition.rules
    }
    kept_requirements = {requirement.id: requirement for requirement in assessment.requirements}
    requirements = {
        requirement.id: _requirement_result(definition, evaluator, requirement)
        if requirement.id in affected.requirements
        else kept_requirements[requirement.id]
        for requirement in definition.requirements
    }
    return _assessment(
        definition,
        evaluator,
        problems,
        items=items,
        scores=scores,
        derived=derived,
        missing_refs=missing_refs,
        outcomes=outcomes,
        requirements=requirements,
        review=None,
    )


def _validated(
    definition: Definition,
    answers: Mapping[str, Any],
    assessment: Assessment,
    changed: set[str],
    assessed_on: dt.date | None,
) -> tuple[dict[str, Any], list[Problem]]:
    """`validate_answers(definition, answers, assessed_on=assessed_on)`, made from the assessment
    of the answers before at the same date: an answer's validation depends only on the item, the
    answer and the date, so an unchanged answer of an item that was asked keeps the value and the
    problems the assessment holds. Every other answer is validated again: a changed one, one of an
    item not asked (the assessment keeps no value for it), one under any key that is not an item
    id of the questionnaire as text."""
    kept_problems: dict[str, list[Problem]] = {}
    for problem in assessment.problems:
        kept_problems.setdefault(problem.where.item, []).append(problem)
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, raw in answers.items():
        state = assessment.items.get(key) if type(key) is str and key not in changed else None
        if state is None or not state.shown:
            validate_answer(
                definition, str(key), raw, assessed_on=assessed_on, values=values, problems=problems
            )
            continue
        if state.value is not None:
            values[key] = state.value
        problems.extend(kept_problems.get(key, ()))
    return values, problems


def _same(old: Any, new: Any) -> bool:
    """Whether two answers as given are the same, strictly: of the same types all the way down
    (`True` is not 1, 1.0 is not 1, a date is not its ISO text)."""
    if type(old) is not type(new):
        return False
    if isinstance(old, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, dict):
        return old.keys() == new.keys() and all(_same(old[key], new[key]) for key in old)
    return old is new or bool(old == new)


def _assessment(  # noqa: PLR0913 - the parts of an assessment, each made before
    definition: Definition,
    evaluator: Evaluator,
    problems: list[Problem],
    *,
    items: dict[str, ItemState],
    scores: dict[str, ScoreResult],
    derived: dict[str, Any],
    missing_refs: list[Ref],
    outcomes: Mapping[str, FlagResult | bool | None],
    requirements: Mapping[str, RequirementResult],
    review: Mapping[str, Any] | None,
) -> Assessment:
    """The assessment from its parts: `outcomes` is, for each rule in questionnaire order, its
    flag when it fired, True when it is undetermined, else None (`_outcome`)."""
    flags = [outcome for outcome in outcomes.values() if isinstance(outcome, FlagResult)]
    flags.sort(key=lambda flag: SEVERITY_ORDER[flag.severity])
    undetermined = [rule_id for rule_id, outcome in outcomes.items() if outcome is True]
    requirement_list = list(requirements.values())
    missing = [ref.path for ref in missing_refs]
    status = _status(flags, missing, requirement_list, undetermined)
    review_result = None
    if review is not None:
        review_result, review_problems = check_review(definition, review, flags, requirement_list, status)
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
        assessed_on=evaluator.assessed_on,
        status=status,
        scores=scores,
        derived=derived,
        flags=flags,
        missing=missing,
        missing_refs=missing_refs,
        requirements=requirement_list,
        undetermined=undetermined,
        crisis=any(flag.crisis for flag in flags),
        items=items,
        problems=problems,
        review=review_result,
    )


def _score_result(definition: Definition, evaluator: Evaluator, score_id: str) -> ScoreResult:
    spec = definition.scores[score_id]
    label, meaning = evaluator.band(score_id)
    low, high = score_range(definition, spec) or (None, None)
    return ScoreResult(
        id=score_id,
        title=spec.title,
        value=_tidy(evaluator.score(score_id)),
        band=label,
        band_meaning=meaning,
        minimum=low,
        maximum=high,
    )


def _outcome(
    definition: Definition, evaluator: Evaluator, order: Mapping[str, int], rule: Rule
) -> FlagResult | bool | None:
    """A rule's flag when it fires; True when it is undetermined (an absolute or relative rule
    unknown because a required answer is missing or a value cannot be computed); else None."""
    truth, refs, unknown = evaluator.evaluate(rule.when)
    if truth is True:
        return FlagResult(
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
    if (
        truth is None
        and rule.severity in ("absolute", "relative")
        and any(evaluator.cause(ref) in ("unanswered", "uncomputable") for ref in unknown)
    ):
        return True
    return None


def _requirement_result(
    definition: Definition, evaluator: Evaluator, requirement: Requirement
) -> RequirementResult:
    return RequirementResult(
        id=requirement.id,
        title=requirement.title,
        met=evaluator.truth(requirement.when),
        unmet=requirement.unmet,
        source=definition.source_labels(requirement.source),
        source_ids=list(requirement.source),
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


def _item_state(definition: Definition, evaluator: Evaluator, item_id: str) -> ItemState:
    shown = evaluator.shown(item_id)
    reason = None
    if not shown:
        view = definition.item_section[item_id]
        if view.section.show_if is not None and not evaluator.section_shown(view.id):
            reason = f"section not shown: asked only when {describe(view.section.show_if, definition)}"
        elif (condition := definition.items[item_id].show_if) is not None:
            reason = f"asked only when {describe(condition, definition)}"
    # Built from values the engine has already checked: no second validation.
    return ItemState.model_construct(
        id=item_id,
        shown=shown,
        value=evaluator.values.get(item_id) if shown else None,
        not_asked_reason=reason,
    )


def _missing_of(definition: Definition, evaluator: Evaluator, item_id: str) -> list[Ref]:
    """The places of an asked item still to be answered: the item, or required fields of its rows."""
    if not evaluator.shown(item_id):
        return []
    item = definition.items[item_id]
    value = evaluator.values.get(item_id)
    if value is None:
        return [Ref(item_id)] if item.required else []
    missing = [Ref(item_id)] if item.unfinished(value) else []
    if isinstance(item, GroupItem) and isinstance(value, list):
        for index, row in enumerate(value, start=1):
            missing.extend(
                Ref(item_id, index, field.id)
                for field in item.fields
                if field.required and row.get(field.id) is None
            )
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
    if item is None:
        return None
    if item.value_type == "boolean":
        return min(term.if_true, term.if_false), max(term.if_true, term.if_false)
    return item.score_bounds(definition)
