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

from screening.answers import Ref, validate_answers
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
from screening.model import AgeYears, GroupItem, Score, ScoreTerm
from screening.review import check_review
from screening.vocabulary import Status
from screening.yamlsource import collection_paused

# `Evaluator` and `apply_operator` live in `screening.evaluator`; they are re-exported here for
# the modules that import them from the engine.
__all__ = ["Evaluator", "apply_operator", "assess", "score_range", "term_range"]

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
        review_result, review_problems = check_review(definition, review, flags, requirements, status)
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
        if item.unfinished(value):
            missing.append(Ref(item_id))
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
