"""The walk over a condition: every value it reads is defined, and every comparison fits."""

from __future__ import annotations

from screening.checker.comparisons import item_type, operator_fits
from screening.checker.context import Context, Loc
from screening.checker.references import reference
from screening.issues import did_you_mean
from screening.model import AllOf, Answered, AnyOf, Compare, Condition, GroupItem, NotOf, Test
from screening.operators import get_operator


def check_condition(ctx: Context, condition: Condition, loc: Loc, scope: GroupItem | None) -> None:
    """Check `condition` at `loc`; `scope` is the repeating group whose fields `field:` may name."""
    if isinstance(condition, AllOf):
        for index, child in enumerate(condition.all):
            check_condition(ctx, child, (*loc, "all", index), scope)
    elif isinstance(condition, AnyOf):
        for index, child in enumerate(condition.any):
            check_condition(ctx, child, (*loc, "any", index), scope)
    elif isinstance(condition, NotOf):
        check_condition(ctx, condition.not_, (*loc, "not"), scope)
    elif isinstance(condition, Answered):
        reference(ctx, "item", condition.answered, (*loc, "answered"))
    else:
        _compare(ctx, condition, loc, scope)


def _compare(ctx: Context, condition: Compare, loc: Loc, scope: GroupItem | None) -> None:
    d = ctx.d
    kind, ref = condition.target
    key, operand = condition.operator
    operator_loc = (*loc, key)
    if kind == "field":
        if scope is None:
            ctx.add("field-outside-count", (*loc, "field"), ref=ref)
            return
        field = d.group_field(scope, ref)
        if field is None:
            hint = did_you_mean(ref, [f.id for f in scope.fields])
            ctx.add("unknown-group-field", (*loc, "field"), hint, group=scope.id, ref=ref)
            return
        operator_fits(ctx, item_type(field), field, key, operand, loc=operator_loc, ref=ref)
        return
    if not reference(ctx, kind, ref, (*loc, kind)):
        return
    if kind == "item":
        item = d.items[ref]
        operator_fits(ctx, item_type(item), item, key, operand, loc=operator_loc, ref=ref)
    elif kind == "derived":
        value_type = "boolean" if isinstance(d.derived[ref], Test) else "number"
        operator_fits(ctx, value_type, None, key, operand, loc=operator_loc, ref=ref)
    else:
        score = d.scores[ref]
        if get_operator(key).reads == "band":
            labels = [band.label for band in score.bands]
            if operand not in labels:
                ctx.add("no-such-band", operator_loc, score=ref, band=operand, labels=", ".join(labels))
            return
        operator_fits(ctx, "number", None, key, operand, loc=operator_loc, ref=ref)
