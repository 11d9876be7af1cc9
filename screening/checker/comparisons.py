"""Whether a comparison fits the type of what it compares (E016): which operators apply to which
value types, and whether the values compared with are of that type (choice codes of the item)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from screening.checker.context import Context, Loc
from screening.checker.references import parameter
from screening.issues import did_you_mean
from screening.model import ChoiceItem, Item, MultiChoiceItem
from screening.operators import VALUE_TYPES, get_operator, operators_for

# Which operators apply to which value type: from the operator table (none for a group).
_OPERATORS: dict[str, tuple[str, ...]] = {
    value_type: operators_for(value_type) for value_type in (*VALUE_TYPES, "group")
}
_TYPE_WORDS = {
    "boolean": "the yes/no item",
    "choice": "the choice item",
    "multi": "the multiple-choice item",
    "number": "the number",
    "date": "the date",
    "text": "the text item",
    "group": "the repeating group",
}
_VALUE_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "number": (int, float),
    "date": (dt.date,),
    "text": (str,),
}


def item_type(item: Item) -> str:
    """The value type of an item's answer, as `_OPERATORS` names it (the kind says it)."""
    return item.value_type


def operator_fits(
    ctx: Context, value_type: str, item: Item | None, key: str, operand: Any, *, loc: Loc, ref: str
) -> None:
    """Report when operator `key` with `operand` does not fit a value of `value_type`."""
    known, value = parameter(ctx, operand, loc)
    if not known:
        return
    values = value if isinstance(value, list) else [value]
    operator = get_operator(key)
    if operator.takes_list and not isinstance(value, list):
        ctx.add("list-operator", loc, operator=key)
        return
    allowed = _OPERATORS[value_type]
    if key not in allowed:
        unfit = "operator-unfit" if allowed else "operator-unfit-group"
        ctx.add(unfit, loc, operator=key, what=_TYPE_WORDS[value_type], ref=ref, allowed=", ".join(allowed))
        return
    if value_type in ("choice", "multi"):
        assert isinstance(item, (ChoiceItem, MultiChoiceItem))
        options = ctx.d.options(item)
        codes = [option.code for option in options]
        ordering = operator.ordering
        for candidate in values:
            if ordering and isinstance(candidate, (int, float)) and not isinstance(candidate, bool):
                continue
            if not isinstance(candidate, str) or candidate not in codes:
                hint = did_you_mean(str(candidate), codes)
                ctx.add("not-a-choice", loc, hint, value=candidate, ref=ref, choices=", ".join(codes))
        if ordering and any(option.score is None for option in options):
            ctx.add("unscored-ordering", loc, operator=key, ref=ref)
        return
    expected = _VALUE_TYPES[value_type]
    for candidate in values:
        wrong_bool = value_type != "boolean" and isinstance(candidate, bool)
        if wrong_bool or not isinstance(candidate, expected):
            ctx.add("wrong-value-type", loc, ref=ref, what=_TYPE_WORDS[value_type], value=candidate)
