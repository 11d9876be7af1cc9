"""`show_if` as REDCap branching logic, through the operator table's REDCap templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from screening.conditions import AllOf, Answered, AnyOf, Compare, Condition, NotOf, ParamRef
from screening.interop.redcap.layout import Field, Layout, number_text
from screening.model import MultiChoiceItem
from screening.operators import OPERATORS

_INVERSE = {
    "eq": "ne",
    "ne": "eq",
    "in": "not_in",
    "not_in": "in",
    "gt": "lte",
    "lte": "gt",
    "lt": "gte",
    "gte": "lt",
}
"""The operator that is true exactly when another is false (for a known value): `not` of one."""


class NotExpressible(Exception):
    """A condition REDCap branching logic cannot say; the message says why."""


def branching_logic(conditions: Sequence[Condition], layout: Layout) -> str:
    """The branching logic for all of the conditions; `NotExpressible` when REDCap cannot say it."""
    parts = [_logic(condition, layout, negate=False) for condition in conditions]
    return _join(parts, "and")[0] if parts else ""


def _join(parts: list[tuple[str, bool]], word: str) -> tuple[str, bool]:
    if len(parts) == 1:
        return parts[0]
    return f" {word} ".join(f"({text})" if compound else text for text, compound in parts), True


def _logic(condition: Condition, layout: Layout, *, negate: bool) -> tuple[str, bool]:
    if isinstance(condition, (AllOf, AnyOf)):
        members = condition.all if isinstance(condition, AllOf) else condition.any
        word = "and" if isinstance(condition, AllOf) != negate else "or"
        return _join([_logic(member, layout, negate=negate) for member in members], word)
    if isinstance(condition, NotOf):
        return _logic(condition.not_, layout, negate=not negate)
    if isinstance(condition, Answered):
        target = _target_field(condition.answered, layout)
        if isinstance(target.item, MultiChoiceItem):
            raise NotExpressible(
                f"whether '{target.name}' is answered (a checkbox field has no single value)"
            )
        return f"[{target.name}] {'=' if negate else '<>'} ''", False
    return _compare(condition, layout, negate=negate)


def _target_field(item_id: str, layout: Layout) -> Field:
    for entry in layout.fields:
        if entry.item.id == item_id and entry.group is None and entry.counts is None:
            return entry
    raise NotExpressible(f"it reads '{item_id}', which is not a field of the record")


def _compare(condition: Compare, layout: Layout, *, negate: bool) -> tuple[str, bool]:
    kind, ref = condition.target
    if kind != "item":
        raise NotExpressible(f"it reads the {kind} '{ref}', which the screening works out")
    target = _target_field(ref, layout)
    key, operand = condition.operator
    if negate:
        if key not in _INVERSE:
            raise NotExpressible(f"'not' of '{key}' on '{ref}' (REDCap has no not())")
        key = _INVERSE[key]
    operator = OPERATORS[key]
    template = operator.redcap.syntax
    if template is None:
        raise NotExpressible(f"'{key}' on '{ref}': {operator.redcap.note}")
    if isinstance(operand, ParamRef):
        parameter = layout.definition.parameters.get(operand.param)
        if parameter is None:
            raise NotExpressible(f"it names the unknown parameter '{operand.param}'")
        operand = parameter.value
    if operator.ordering and target.item.value_type not in ("number", "date"):
        raise NotExpressible(f"'{key}' on '{ref}': {operator.redcap.note}")
    if operator.takes_list:
        if not isinstance(operand, list) or not operand:
            raise NotExpressible(f"'{key}' on '{ref}' needs a list of values")
        clauses = [template.format(field=target.name, value=_value(v, target, key)) for v in operand]
        return _join([(clause, False) for clause in clauses], operator.redcap.each or "or")
    if operator.operand == "code":
        code = target.codes.get(operand) if isinstance(operand, str) else None
        if code is None:
            raise NotExpressible(f"'{key}' on '{ref}' names a code the item does not have")
        return template.format(field=target.name, code=code), False
    value = _value(operand, target, key)
    return template.format(field=target.name, value=value), False


def _value(value: Any, target: Field, key: str) -> str:
    value_type = target.item.value_type
    if value_type == "boolean" and isinstance(value, bool):
        return "1" if value else "0"
    if value_type in ("choice", "multi") and isinstance(value, str) and value in target.codes:
        return target.codes[value]
    if value_type == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    if value_type == "date" and isinstance(value, dt.date):
        return f"'{value.isoformat()}'" if OPERATORS[key].ordering else value.isoformat()
    if value_type == "text" and isinstance(value, str) and "'" not in value and '"' not in value:
        return value
    raise NotExpressible(f"'{key}' on '{target.item.id}' compares with a value REDCap cannot write here")
