"""Problems found in questionnaire files, with stable codes, positions and hints.

Every problem prints as `path:line:col: CODE message`, followed by an indented hint when there
is one. Codes are stable: tests and clinic tooling may refer to them. The wording of every
checker message and its hint is kept here too, in `MESSAGES`, so it can be read in one place.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Literal


def did_you_mean(name: str, known: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The hint "did you mean 'x'?" naming the closest of `known`, or None when none is close.

    Shared by the checker, answer validation and the review of acknowledgements."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff)
    return f"did you mean '{close[0]}'?" if close else None


class Code(Enum):
    """The catalogue of checker codes: value is (code, severity, what it means)."""

    YAML_SYNTAX = ("E001", "error", "the file is not valid YAML")
    DUPLICATE_KEY = ("E002", "error", "a key appears twice in one mapping")
    FORMAT = ("E003", "error", "a value does not fit the questionnaire format")
    UNREADABLE = ("E004", "error", "the file cannot be read")
    UNKNOWN_REFERENCE = ("E010", "error", "a reference names nothing defined")
    DUPLICATE_ID = ("E011", "error", "two definitions share an id")
    CYCLE = ("E012", "error", "values depend on each other in a circle")
    BAND_GAP = ("E013", "error", "score bands leave part of the score's range uncovered")
    BAND_OVERLAP = ("E014", "error", "score bands overlap")
    BAND_RANGE = ("E015", "error", "score bands do not match the score's possible range")
    TYPE_MISMATCH = ("E016", "error", "a comparison does not fit the type of what it compares")
    UNSCORED = ("E017", "error", "a score reads an answer that has no score")
    INCLUDE = ("E018", "error", "an included instrument is missing, broken or not an instrument")
    DUPLICATE_QUESTIONNAIRE = ("E019", "error", "two files define the same questionnaire id")
    NO_SOURCE = ("E020", "error", "a rule cites no source")
    EXAMPLE_FAILED = ("E030", "error", "a worked example does not produce what it expects")
    EXAMPLE_INVALID = ("E031", "error", "a worked example cannot be run")
    NEVER_TRUE = ("W001", "warning", "a condition can never be true")
    NEVER_SHOWN = ("W002", "warning", "an item can never be shown")
    REQUIRED_NEVER_SHOWN = ("W003", "warning", "a required item can never be shown")
    NO_EXAMPLES = ("W004", "warning", "a questionnaire has no worked examples")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def severity(self) -> Literal["error", "warning"]:
        return "error" if self.value[1] == "error" else "warning"

    @property
    def meaning(self) -> str:
        return self.value[2]


@dataclass(frozen=True)
class Issue:
    """One problem in one file."""

    path: str
    line: int
    column: int
    code: Code
    message: str
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.code.severity == "error"

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.code.code} {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code.code)


@dataclass(frozen=True)
class Message:
    """The wording of one kind of problem: its code, message template and hint template.

    Templates are `str.format` strings (`{{` and `}}` are literal braces). A hint found at the
    place of the problem, such as "did you mean", replaces the template's hint."""

    code: Code
    text: str
    hint: str | None = None

    def render(self, suggestion: str | None = None, **fields: object) -> tuple[str, str | None]:
        """The message and hint with `fields` filled in."""
        hint = suggestion or (self.hint.format(**fields) if self.hint is not None else None)
        return self.text.format(**fields), hint


MESSAGES: dict[str, Message] = {
    # E003: the file does not fit the questionnaire format
    "empty-file": Message(Code.FORMAT, "the file is empty"),
    "not-a-mapping": Message(Code.FORMAT, "a questionnaire file is a mapping of keys"),
    "unknown-key": Message(
        Code.FORMAT, "{where}: unknown key '{key}'", "remove it, or check the format reference"
    ),
    "missing-key": Message(Code.FORMAT, "{where}: required key '{key}' is missing"),
    "missing-tag": Message(Code.FORMAT, "{where}: '{tag_key}' is missing"),
    "unknown-tag": Message(Code.FORMAT, "{where}: unknown {tag_key} '{tag}'"),
    "invalid-text": Message(Code.FORMAT, "{where}: '{value}' is not a valid {what}"),
    "invalid-value": Message(Code.FORMAT, "{where}: {reason}"),
    # E003: values the format accepts one by one but not together
    "min-above-max": Message(Code.FORMAT, "item '{item}': min is above max"),
    "min-rows-above-max-rows": Message(Code.FORMAT, "item '{item}': min_rows is above max_rows"),
    "condition-in-group": Message(
        Code.FORMAT,
        "field '{field}': conditions inside a repeating group are not supported",
        "ask the question for every row, or move it out of the group",
    ),
    "field-outside-count": Message(
        Code.FORMAT,
        "'field: {ref}' is only valid inside the 'where' of a count",
        "use 'item:' to compare an item",
    ),
    "session-days-order": Message(Code.FORMAT, "plan '{plan}': session days must be increasing"),
    # E004
    "unreadable": Message(Code.UNREADABLE, "cannot read the file: {reason}"),
    # E010: references to what is not defined
    "unknown-reference": Message(Code.UNKNOWN_REFERENCE, "unknown {kind} '{ref}'"),
    "wrong-kind": Message(
        Code.UNKNOWN_REFERENCE, "'{ref}' is {actual_words}, not {kind_words}", "write '{actual}: {ref}'"
    ),
    "unknown-source": Message(Code.UNKNOWN_REFERENCE, "unknown source '{ref}'", "add it under 'sources'"),
    "unknown-plan": Message(Code.UNKNOWN_REFERENCE, "unknown plan '{ref}'"),
    "instrument-not-included": Message(
        Code.UNKNOWN_REFERENCE,
        "section places instrument '{ref}', which is not in 'includes'",
        "add it to 'includes'",
    ),
    "unknown-choice-set": Message(
        Code.UNKNOWN_REFERENCE, "unknown choice set '{ref}'", "add it under 'choice_sets'"
    ),
    "unknown-group-field": Message(Code.UNKNOWN_REFERENCE, "group '{group}' has no field '{ref}'"),
    "unknown-parameter": Message(
        Code.UNKNOWN_REFERENCE, "unknown parameter '{ref}'", "add it under 'parameters'"
    ),
    "unknown-placeholder": Message(
        Code.UNKNOWN_REFERENCE,
        "unknown placeholder '{{{name}}}'",
        "the documents fill {known} from clinic settings",
    ),
    "unknown-phase": Message(
        Code.UNKNOWN_REFERENCE, "plan '{plan}': unknown phase '{ref}'", "add it under the plan's 'phases'"
    ),
    "dose-by-age-without-age": Message(
        Code.UNKNOWN_REFERENCE,
        "plan '{plan}' sets doses by age, but the questionnaire has no age",
        "add a derived value of kind age_years",
    ),
    # E011: two definitions with one id
    "duplicate-id": Message(
        Code.DUPLICATE_ID,
        "duplicate id '{ref}' ({what}); first defined at line {line}",
        "ids of items, derived values and scores share one namespace",
    ),
    "defined-by-instrument": Message(
        Code.DUPLICATE_ID,
        "'{ref}' is already defined by the included instrument '{instrument}'",
        "rename it here, or do not redefine what the instrument provides",
    ),
    "rule-defined-by-instrument": Message(
        Code.DUPLICATE_ID, "rule '{ref}' is already defined by the included instrument '{instrument}'"
    ),
    "duplicate-entry": Message(
        Code.DUPLICATE_ID, "duplicate {what} {key} '{ref}'; first defined at line {line}"
    ),
    "duplicate-field": Message(Code.DUPLICATE_ID, "duplicate field id '{ref}'"),
    "duplicate-option": Message(Code.DUPLICATE_ID, "duplicate option code '{ref}'"),
    "duplicate-band": Message(Code.DUPLICATE_ID, "duplicate band '{band}'"),
    "duplicate-phase": Message(Code.DUPLICATE_ID, "plan '{plan}': duplicate phase id '{ref}'"),
    # E012
    "cycle": Message(
        Code.CYCLE, "cycle: {path}", "a value cannot depend, directly or through others, on itself"
    ),
    # E013-E015: score bands against the score's possible range
    "band-gap": Message(Code.BAND_GAP, "score '{score}': no band covers {span}"),
    "band-gap-at-end": Message(
        Code.BAND_GAP, "score '{score}': no band covers {span} (the score ranges {low}–{high})"
    ),
    "band-inverted": Message(Code.BAND_OVERLAP, "band '{band}': min is above max"),
    "band-overlap": Message(
        Code.BAND_OVERLAP, "score '{score}': bands '{before}' and '{after}' overlap at {span}"
    ),
    "band-range-unknown": Message(
        Code.BAND_RANGE,
        "the range of score '{score}' cannot be worked out",
        "give numeric items of the score a min and max, or map them to points",
    ),
    "band-below-range": Message(
        Code.BAND_RANGE,
        "score '{score}': band '{band}' starts at {start}, below the lowest possible score {low}",
    ),
    "band-above-range": Message(
        Code.BAND_RANGE,
        "score '{score}': band '{band}' ends at {end}, above the highest possible score {high}",
    ),
    # E016: comparisons and references that do not fit the type of what they name
    "no-such-band": Message(
        Code.TYPE_MISMATCH, "score '{score}' has no band '{band}'", "bands are: {labels}"
    ),
    "list-operator": Message(Code.TYPE_MISMATCH, "'{operator}' takes a list of values"),
    "operator-unfit": Message(
        Code.TYPE_MISMATCH, "'{operator}' does not apply to {what} '{ref}'", "use one of: {allowed}"
    ),
    "operator-unfit-group": Message(
        Code.TYPE_MISMATCH,
        "'{operator}' does not apply to {what} '{ref}'",
        "use 'answered', or a count over the group",
    ),
    "not-a-choice": Message(
        Code.TYPE_MISMATCH, "'{value}' is not a choice of '{ref}'", "choices are: {choices}"
    ),
    "not-a-sex-choice": Message(Code.TYPE_MISMATCH, "'{value}' is not a choice of '{ref}'"),
    "unscored-ordering": Message(
        Code.TYPE_MISMATCH,
        "'{operator}' orders the choices of '{ref}' by score, but not every choice has a score",
        "compare codes with eq / in instead",
    ),
    "wrong-value-type": Message(
        Code.TYPE_MISMATCH, "'{ref}' is {what} and cannot be compared with {value!r}"
    ),
    "item-type": Message(Code.TYPE_MISMATCH, "'{ref}' must be {what} item"),
    "not-ideal-weight": Message(Code.TYPE_MISMATCH, "'{ref}' is not an ideal body weight"),
    "cannot-be-scored": Message(
        Code.TYPE_MISMATCH, "'{ref}' cannot be scored: use a choice, yes/no or number item"
    ),
    "score-not-choice": Message(Code.TYPE_MISMATCH, "'{ref}' is not a choice item; only choices have scores"),
    "parameter-not-number": Message(
        Code.TYPE_MISMATCH,
        "parameter '{param}' is not a {quality}number",
        "'{setting}' of plan '{plan}' needs one",
    ),
    # E017
    "unscored-choices": Message(
        Code.UNSCORED,
        "'{ref}' is scored but its choices {codes} have no score",
        "give every option a score, or leave the item out of the score",
    ),
    # E018, E019: how questionnaire files fit together
    "include-unknown": Message(
        Code.INCLUDE, "includes '{ref}', which is not a questionnaire in this directory"
    ),
    "include-not-instrument": Message(Code.INCLUDE, "includes '{ref}', which is not an instrument"),
    "include-broken": Message(
        Code.INCLUDE,
        "includes '{ref}', which has errors ({path})",
        "fix that file first; this questionnaire cannot be used until then",
    ),
    "duplicate-questionnaire": Message(
        Code.DUPLICATE_QUESTIONNAIRE,
        "questionnaire id '{ref}' is also defined in {path}",
        "give each questionnaire file its own id",
    ),
    # E020
    "rule-without-source": Message(
        Code.NO_SOURCE,
        "rule '{ref}' cites no source",
        "every rule cites where it comes from: add 'source: [id]' naming an entry of 'sources'",
    ),
    "requirement-without-source": Message(Code.NO_SOURCE, "requirement '{ref}' cites no source"),
    "evidence-without-source": Message(Code.NO_SOURCE, "evidence '{ref}' cites no source"),
    # E030, E031, W004: worked examples
    "example-failed": Message(
        Code.EXAMPLE_FAILED,
        "example '{example}': {difference}",
        "fix the rule or the expectation; the two disagree",
    ),
    "example-invalid": Message(Code.EXAMPLE_INVALID, "example '{example}': {reason}"),
    "extends-unknown-example": Message(
        Code.EXAMPLE_INVALID, "example '{example}' extends '{ref}', which is not an example here"
    ),
    "no-examples": Message(
        Code.NO_EXAMPLES,
        "questionnaire '{ref}' has no worked examples",
        "add 'examples:' with answers and what they must produce; check runs them",
    ),
    # W001-W003: what can never happen
    "never-true": Message(
        Code.NEVER_TRUE,
        "the condition of {what} can never be true",
        "check the values it compares with, and whether the items it reads can be shown",
    ),
    "section-never-shown": Message(
        Code.NEVER_SHOWN, "section '{ref}' can never be shown: its condition can never be true"
    ),
    "item-never-shown": Message(
        Code.NEVER_SHOWN, "item '{ref}' can never be shown: its condition can never be true"
    ),
    "required-never-shown": Message(
        Code.REQUIRED_NEVER_SHOWN,
        "required item '{ref}' can never be shown: its condition can never be true",
        "check the condition; an item that is never asked is never answered",
    ),
}
"""Every message by name, grouped by code."""


def issue_at(
    path: str, line: int, column: int, name: str, /, suggestion: str | None = None, **fields: object
) -> Issue:
    """The catalogue message `name` at a position; `suggestion`, when given, is the hint."""
    message = MESSAGES[name]
    text, hint = message.render(suggestion, **fields)
    return Issue(path, line, column, message.code, text, hint)
