"""Plain-language rendering of conditions, for "not asked because …" notes and messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from screening.definition import Definition
from screening.model import (
    AllOf,
    Answered,
    AnyOf,
    Compare,
    Condition,
    NotOf,
    ParamRef,
)
from screening.operators import OPERATORS, get_operator

OPERATOR_WORDS: Mapping[str, str] = MappingProxyType({key: entry.words for key, entry in OPERATORS.items()})
"""How each operator is said, by its YAML key (from `screening.operators`)."""


def describe(condition: Condition, definition: Definition) -> str:
    """A readable sentence fragment for a condition, e.g. "Sex at birth is not Male"."""
    if isinstance(condition, AllOf):
        return _join("all of", [describe(c, definition) for c in condition.all])
    if isinstance(condition, AnyOf):
        return _join("any of", [describe(c, definition) for c in condition.any])
    if isinstance(condition, NotOf):
        return f"not ({describe(condition.not_, definition)})"
    if isinstance(condition, Answered):
        return f"{definition.title_of(condition.answered)} is answered"
    return _compare(condition, definition)


def _join(word: str, parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return f"{word}: " + "; ".join(parts)


def _compare(condition: Compare, definition: Definition) -> str:
    kind, ref = condition.target
    key, operand = condition.operator
    name = ref if kind == "field" else definition.title_of(ref)
    return f"{name} {get_operator(key).words} {_operand(operand, ref, definition)}"


def _operand(operand: Any, ref: str, definition: Definition) -> str:
    if isinstance(operand, ParamRef):
        parameter = definition.parameters.get(operand.param)
        if parameter is None:
            return operand.param
        unit = f" {parameter.unit}" if parameter.unit else ""
        return f"{_operand(parameter.value, ref, definition)}{unit}"
    if isinstance(operand, list):
        return ", ".join(_operand(value, ref, definition) for value in operand)
    item = definition.items.get(ref)
    label = item.value_label(operand, definition) if item is not None else None
    if label is not None:  # a yes/no or option label of the item
        return label
    if isinstance(operand, bool):
        return "yes" if operand else "no"
    if isinstance(operand, dt.date):
        return operand.isoformat()
    if isinstance(operand, float):
        return f"{operand:g}"
    return str(operand)
