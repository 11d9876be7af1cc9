"""Running a questionnaire's worked examples, so a definition is tested like code.

Each example gives answers (optionally extending another example's answers) and the scores,
flags, missing items and status they must produce. `check` runs them all; a failure names the
example and says what differed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from screening.assessment import Assessment
from screening.definition import Definition
from screening.engine import assess
from screening.issues import Issue
from screening.model import Example, Expectation, ScoreExpectation
from screening.parsing import ParsedFile


class ExampleError(Exception):
    """An example that cannot be run (an unknown `extends`, or a cycle of them)."""


def resolve_example(
    examples: Mapping[str, Example], name: str
) -> tuple[dict[str, Any], dt.date | None, dict[str, Any] | None]:
    """The answers, date and review of an example after following its `extends` chain."""
    chain: list[Example] = []
    seen: list[str] = []  # in the order followed, for the message
    current: str | None = name
    while current is not None:
        if current in seen:
            raise ExampleError(f"examples extend each other in a circle: {' → '.join([*seen, current])}")
        seen.append(current)
        example = examples.get(current)
        if example is None:
            raise ExampleError(f"extends '{current}', which is not an example here")
        chain.append(example)
        current = example.extends
    answers: dict[str, Any] = {}
    assessed_on: dt.date | None = None
    review: dict[str, Any] | None = None
    for example in reversed(chain):
        for key in example.unset:
            answers.pop(key, None)
        answers.update(example.answers)
        if "assessed_on" in example.model_fields_set:
            assessed_on = example.assessed_on
        if example.review is not None:
            review = dict(example.review)
    return answers, assessed_on, review


def run_examples(parsed: ParsedFile, definition: Definition) -> tuple[list[Issue], int]:
    """Run the examples of `parsed`; (issues, number of examples run)."""
    questionnaire = parsed.questionnaire
    assert questionnaire is not None
    issues: list[Issue] = []
    if not questionnaire.examples:
        issues.append(parsed.report("no-examples", ("id",), ref=questionnaire.id))
        return issues, 0
    by_name = {example.name: example for example in questionnaire.examples}
    for index, example in enumerate(questionnaire.examples):
        location = ("examples", index)
        try:
            answers, assessed_on, review = resolve_example(by_name, example.name)
        except ExampleError as error:
            issues.append(parsed.report("example-invalid", location, example=example.name, reason=error))
            continue
        result = assess(definition, answers, assessed_on=assessed_on, review=review)
        for difference in compare(example.expect, result):
            failed = parsed.report(
                "example-failed", (*location, "expect"), example=example.name, difference=difference
            )
            issues.append(failed)
    return issues, len(questionnaire.examples)


def compare(expect: Expectation, result: Assessment) -> list[str]:
    """What differs between an expectation and an assessment (empty when they agree)."""
    differences: list[str] = []
    if not expect.problems_include and result.problems:
        differences.append("answers were rejected: " + "; ".join(str(p) for p in result.problems))
    for text in expect.problems_include:
        if not any(text in str(problem) for problem in result.problems):
            found = "; ".join(str(p) for p in result.problems) or "none"
            differences.append(f"expected a problem containing '{text}'; problems: {found}")
    if expect.status is not None and result.status != expect.status:
        flags = ", ".join(f.id for f in result.flags) or "none"
        missing = ", ".join(result.missing[:6]) or "none"
        differences.append(
            f"status is '{result.status}', expected '{expect.status}' (flags: {flags}; missing: {missing})"
        )
    for score_id, wanted in expect.scores.items():
        actual = result.scores.get(score_id)
        value = actual.value if actual else None
        band = actual.band if actual else None
        if isinstance(wanted, ScoreExpectation):
            if value != wanted.value or (wanted.band is not None and band != wanted.band):
                differences.append(
                    f"score '{score_id}' is {value} ({band}), expected {wanted.value} ({wanted.band})"
                )
        elif value != wanted:
            differences.append(f"score '{score_id}' is {value}, expected {wanted}")
    for derived_id, wanted_value in expect.derived.items():
        actual_value = result.derived.get(derived_id)
        if actual_value != wanted_value or isinstance(actual_value, bool) != isinstance(wanted_value, bool):
            differences.append(f"derived '{derived_id}' is {actual_value!r}, expected {wanted_value!r}")
    differences.extend(_compare_flags(expect, result))
    differences.extend(_compare_rest(expect, result))
    return differences


def _compare_flags(expect: Expectation, result: Assessment) -> list[str]:
    differences: list[str] = []
    fired = [flag.id for flag in result.flags]
    if expect.flags is not None and set(fired) != set(expect.flags):
        extra = sorted(set(fired) - set(expect.flags))
        absent = sorted(set(expect.flags) - set(fired))
        parts = []
        if extra:
            parts.append(f"unexpected {', '.join(extra)}")
        if absent:
            parts.append(f"did not fire {', '.join(absent)}")
        differences.append("flags differ: " + "; ".join(parts))
    for flag_id in expect.flags_include:
        if flag_id not in fired:
            differences.append(f"flag '{flag_id}' did not fire")
    for flag_id in expect.flags_exclude:
        if flag_id in fired:
            differences.append(f"flag '{flag_id}' fired but must not")
    return differences


def _compare_rest(expect: Expectation, result: Assessment) -> list[str]:
    differences: list[str] = []
    if expect.missing is not None and result.missing != expect.missing:
        differences.append(
            f"missing is [{', '.join(result.missing)}], expected [{', '.join(expect.missing)}]"
        )
    for item_id in expect.missing_include:
        if item_id not in result.missing:
            differences.append(f"'{item_id}' is not listed as missing")
    if expect.crisis is not None and result.crisis != expect.crisis:
        differences.append(f"crisis is {result.crisis}, expected {expect.crisis}")
    requirements = {r.id: r.met for r in result.requirements}
    for requirement_id, met in expect.requirements.items():
        if requirements.get(requirement_id, "absent") != met:
            differences.append(
                f"requirement '{requirement_id}' met is {requirements.get(requirement_id)}, expected {met}"
            )
    review = result.review
    if expect.review_unmatched is not None:
        actual_unmatched = review.unmatched_acknowledgements if review else []
        if actual_unmatched != expect.review_unmatched:
            differences.append(
                f"unmatched acknowledgements are {actual_unmatched}, expected {expect.review_unmatched}"
            )
    if expect.review_unacknowledged is not None:
        actual_unacknowledged = review.unacknowledged if review else []
        if actual_unacknowledged != expect.review_unacknowledged:
            differences.append(
                f"unacknowledged flags are {actual_unacknowledged}, expected {expect.review_unacknowledged}"
            )
    return differences
