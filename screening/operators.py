"""The comparison operators of the questionnaire format, in one table.

A comparison in a questionnaire file names one target and one operator, e.g.
`{item: sex_at_birth, ne: male}` or `{score: phq9_total, gte: 10}`. Everything the code knows
about an operator is in its `Operator` entry below:

* `key` — the key as written in YAML (and the order of `OPERATORS` is the order in which messages
  list them);
* `words` — how `screening.describe` says it ("Sex at birth *is not* Male");
* `evaluate` — what the engine computes for a known value (three-valued: `None` is unknown);
* `operand` — the kind of operand the format accepts (`screening.model` maps each kind to a type);
* `value_types` — the value types the checker allows it on, with `takes_list` and `ordering`;
* `reads` — whether it compares the target's value or, for a score, the label of its band;
* `fhir` and `redcap` — how an export writes it as a FHIR R4 `Questionnaire.item.enableWhen`
  operator and as REDCap branching logic, or why it cannot.

A new operator is a new entry here (plus tests): the format model, the engine, the checker and
the descriptions all read this table. This module imports nothing from the rest of the package.
"""

from __future__ import annotations

import datetime as dt
import keyword
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

Truth = bool | None
"""Three-valued: True, False, or None for unknown."""

ScoreOf = Callable[[str], int | float | None]
"""The option score of a choice code, given when the target is a choice item (order comparisons
on choice items order the choices by score)."""

Evaluate = Callable[[Any, Any, ScoreOf | None], Truth]
"""`evaluate(value, operand, score_of)`: value and operand are known (not None), parameters are
already replaced by their values."""

OperandKind = Literal["value", "values", "number", "code", "label"]
"""What an operator takes: one value or a parameter (`value`); a list of values or a parameter
holding one (`values`); a number, a parameter or a choice code whose score is used (`number`);
a choice code (`code`); a band label (`label`)."""

ValueType = Literal["boolean", "choice", "multi", "number", "date", "text"]
"""The value types the checker tells apart (a repeating group takes no operator)."""

VALUE_TYPES: tuple[ValueType, ...] = ("boolean", "choice", "multi", "number", "date", "text")


@dataclass(frozen=True)
class Export:
    """How an export writes an operator in another format.

    `syntax` is the operator (FHIR) or a template (REDCap: `{field}`, `{value}`, `{code}`); None
    when the format cannot say it. `each` is set for list operands: one clause per value, joined
    with it (REDCap `or` / `and`, FHIR `enableBehavior` `any` / `all`). `note` is what an
    exporter must know: a limit, or why there is no syntax.
    """

    syntax: str | None
    each: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Operator:
    """One comparison operator of the questionnaire format."""

    key: str
    words: str
    evaluate: Evaluate
    operand: OperandKind
    value_types: tuple[ValueType, ...]
    fhir: Export
    redcap: Export
    takes_list: bool = False
    ordering: bool = False
    reads: Literal["value", "band"] = "value"

    @property
    def attribute(self) -> str:
        """The attribute name in the format model: the key, with `_` after a Python keyword."""
        return f"{self.key}_" if keyword.iskeyword(self.key) else self.key

    def apply(self, value: Any, operand: Any, score_of: ScoreOf | None = None) -> Truth:
        """The truth for a known value; unknown when the operand is unknown (a missing parameter)."""
        if operand is None:
            return None
        return self.evaluate(value, operand, score_of)


# ---------------------------------------------------------------------------------------------
# Evaluation


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return True
    return isinstance(a, str) and isinstance(b, str)


def equal(value: Any, operand: Any) -> Truth:
    """Equality of values of one kind; unknown when the kinds differ (a number and a text)."""
    if not _same_kind(value, operand):
        return None
    return bool(value == operand)


def _not(truth: Truth) -> Truth:
    return None if truth is None else not truth


def _member(value: Any, operand: Any) -> Truth:
    if not isinstance(operand, list):
        return None
    matches = [equal(value, candidate) for candidate in operand]
    if any(match is True for match in matches):
        return True
    if all(match is False for match in matches):
        return False
    return None


def _contains(value: Any, operand: Any, score_of: ScoreOf | None) -> Truth:
    if not isinstance(value, list):
        return None
    return operand in value


def _ordered(value: Any, score_of: ScoreOf | None) -> Any:
    """A value that can be ordered: the option score of a choice code, else the value."""
    if score_of is not None and isinstance(value, str):
        return score_of(value)
    if isinstance(value, bool):
        return None
    return value


def _order(compare: Callable[[Any, Any], bool]) -> Evaluate:
    def evaluate(value: Any, operand: Any, score_of: ScoreOf | None) -> Truth:
        left = _ordered(value, score_of)
        right = _ordered(operand, score_of) if isinstance(operand, str) else operand
        if left is None or right is None or isinstance(right, bool):
            return None
        comparable = (isinstance(left, (int, float)) and isinstance(right, (int, float))) or (
            isinstance(left, dt.date) and isinstance(right, dt.date)
        )
        if not comparable:
            return None
        return bool(compare(left, right))

    return evaluate


# ---------------------------------------------------------------------------------------------
# The table

_EQUALITY: tuple[ValueType, ...] = ("boolean", "choice", "number", "date", "text")
_MEMBERSHIP: tuple[ValueType, ...] = ("boolean", "choice", "number", "text")
_ORDERED: tuple[ValueType, ...] = ("choice", "number", "date")

_FHIR_ORDER_NOTE = (
    "numbers and dates only: a choice item is ordered by option score here, which enableWhen"
    " cannot compare (write the codes out with '=')"
)
_REDCAP_ORDER_NOTE = (
    "numbers and dates only: a choice item is ordered by option score here, which branching logic"
    " cannot compare (write the codes out with '=')"
)
_FHIR_NE_NOTE = "FHIR '!=' is also true when the question is unanswered; here that is unknown"
_PARAMETER_NOTE = "a parameter operand is written as the parameter's value"


def _ordering(key: str, words: str, symbol: str, compare: Callable[[Any, Any], bool]) -> Operator:
    return Operator(
        key=key,
        words=words,
        evaluate=_order(compare),
        operand="number",
        value_types=_ORDERED,
        fhir=Export(symbol, note=f"{_FHIR_ORDER_NOTE}; {_PARAMETER_NOTE}"),
        redcap=Export(f"[{{field}}] {symbol} {{value}}", note=f"{_REDCAP_ORDER_NOTE}; {_PARAMETER_NOTE}"),
        ordering=True,
    )


_TABLE: tuple[Operator, ...] = (
    Operator(
        key="eq",
        words="is",
        evaluate=lambda value, operand, _score_of: equal(value, operand),
        operand="value",
        value_types=_EQUALITY,
        fhir=Export("=", note=_PARAMETER_NOTE),
        redcap=Export("[{field}] = '{value}'", note=_PARAMETER_NOTE),
    ),
    Operator(
        key="ne",
        words="is not",
        evaluate=lambda value, operand, _score_of: _not(equal(value, operand)),
        operand="value",
        value_types=_EQUALITY,
        fhir=Export("!=", note=f"{_FHIR_NE_NOTE}; {_PARAMETER_NOTE}"),
        redcap=Export(
            "[{field}] <> '{value}'",
            note="REDCap '<>' is true when the field is blank, where the screening treats an unanswered"
            f" item as unknown; {_PARAMETER_NOTE}",
        ),
    ),
    Operator(
        key="in",
        words="is one of",
        evaluate=lambda value, operand, _score_of: _member(value, operand),
        operand="values",
        value_types=_MEMBERSHIP,
        fhir=Export(
            "=",
            each="any",
            note="one enableWhen per value with enableBehavior 'any', which then applies to all"
            " enableWhen of the item: only a condition that is this comparison alone",
        ),
        redcap=Export("[{field}] = '{value}'", each="or", note="in parentheses when combined"),
        takes_list=True,
    ),
    Operator(
        key="not_in",
        words="is none of",
        evaluate=lambda value, operand, _score_of: _not(_member(value, operand)),
        operand="values",
        value_types=_MEMBERSHIP,
        fhir=Export(
            "!=",
            each="all",
            note="one enableWhen per value with enableBehavior 'all', which then applies to all"
            f" enableWhen of the item; {_FHIR_NE_NOTE}",
        ),
        redcap=Export(
            "[{field}] <> '{value}'",
            each="and",
            note="in parentheses when combined; REDCap '<>' is true when the field is blank, where the"
            " screening treats an unanswered item as unknown",
        ),
        takes_list=True,
    ),
    _ordering("gt", "is above", ">", lambda left, right: left > right),
    _ordering("gte", "is at least", ">=", lambda left, right: left >= right),
    _ordering("lt", "is below", "<", lambda left, right: left < right),
    _ordering("lte", "is at most", "<=", lambda left, right: left <= right),
    Operator(
        key="contains",
        words="includes",
        evaluate=_contains,
        operand="code",
        value_types=("multi",),
        fhir=Export("=", note="on a repeating choice question '=' is true when any answer has the code"),
        redcap=Export("[{field}({code})] = '1'", note="a checkbox field, one checkbox per code"),
    ),
    Operator(
        key="band",
        words="is in the band",
        evaluate=lambda value, operand, _score_of: equal(value, operand),
        operand="label",
        value_types=(),
        fhir=Export(
            None, note="the band of a score is worked out by the screening; enableWhen reads answers only"
        ),
        redcap=Export(
            None,
            note="the band of a score is worked out by the screening; compare the score (or a"
            " calculated field) with the band's bounds instead",
        ),
        reads="band",
    ),
)

OPERATORS: Mapping[str, Operator] = MappingProxyType({entry.key: entry for entry in _TABLE})
"""Every operator by its YAML key, in the order messages list them."""


def get_operator(key: str) -> Operator:
    """The operator with this YAML key (a `KeyError` for an unknown key: the model rejects those)."""
    return OPERATORS[key]


def operators_for(value_type: str) -> tuple[str, ...]:
    """The keys of the operators that apply to a value type, in table order (none for a group)."""
    return tuple(key for key, entry in OPERATORS.items() if value_type in entry.value_types)


def keys_in_words() -> str:
    """`eq, ne, …, contains or band`: every key, for messages."""
    keys = list(OPERATORS)
    return ", ".join(keys[:-1]) + f" or {keys[-1]}" if len(keys) > 1 else keys[0]
