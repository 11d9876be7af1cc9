"""Derived values: each reads items of the type it needs (a date of birth, numbers, a repeating
group, a choice of sex) and cites known sources."""

from __future__ import annotations

from screening.checker.conditions import check_condition
from screening.checker.context import Context, Loc
from screening.checker.references import reference, sources
from screening.issues import did_you_mean
from screening.model import (
    AdjustedBodyWeight,
    AgeYears,
    Bmi,
    ChoiceItem,
    Count,
    GroupItem,
    IdealBodyWeight,
    Test,
)


def check_derived(ctx: Context) -> None:
    d = ctx.d
    for index, spec in enumerate(ctx.q.derived):
        loc: Loc = ("derived", index)
        sources(ctx, spec.source, (*loc, "source"))
        if isinstance(spec, AgeYears):
            _typed_item(ctx, spec.date_of_birth, (*loc, "date_of_birth"), "date", "a date")
        elif isinstance(spec, Bmi):
            _numeric(ctx, spec.weight_kg, (*loc, "weight_kg"))
            _numeric(ctx, spec.height_cm, (*loc, "height_cm"))
        elif isinstance(spec, Count):
            if _typed_item(ctx, spec.group, (*loc, "group"), "group", "a repeating group"):
                group = d.items[spec.group]
                assert isinstance(group, GroupItem)
                if spec.where is not None:
                    check_condition(ctx, spec.where, (*loc, "where"), group)
        elif isinstance(spec, Test):
            check_condition(ctx, spec.when, (*loc, "when"), None)
        elif isinstance(spec, IdealBodyWeight):
            _numeric(ctx, spec.height_cm, (*loc, "height_cm"))
            if _typed_item(ctx, spec.sex, (*loc, "sex"), "choice", "a choice"):
                sex = d.items[spec.sex]
                assert isinstance(sex, ChoiceItem)
                codes = [option.code for option in d.options(sex)]
                for key in ("male", "female"):
                    for c_index, code in enumerate(getattr(spec, key)):
                        if code not in codes:
                            hint = did_you_mean(code, codes)
                            ctx.add("not-a-sex-choice", (*loc, key, c_index), hint, value=code, ref=spec.sex)
        elif isinstance(spec, AdjustedBodyWeight):
            if reference(ctx, "derived", spec.ideal, (*loc, "ideal")) and not isinstance(
                d.derived[spec.ideal], IdealBodyWeight
            ):
                ctx.add("not-ideal-weight", (*loc, "ideal"), ref=spec.ideal)
            _numeric(ctx, spec.actual_kg, (*loc, "actual_kg"))


def _typed_item(ctx: Context, ref: str, loc: Loc, value_type: str, words: str) -> bool:
    """Whether `ref` is an item whose answers are of `value_type` (`screening.items.VALUE_TYPES`)."""
    if not reference(ctx, "item", ref, loc):
        return False
    if ctx.d.items[ref].value_type != value_type:
        ctx.add("item-type", loc, ref=ref, what=words)
        return False
    return True


def _numeric(ctx: Context, ref: str, loc: Loc) -> None:
    """A number: a number item, or a derived value that is not a yes/no test."""
    kind = ctx.d.kind_of(ref)
    if kind == "derived" and not isinstance(ctx.d.derived[ref], Test):
        return
    _typed_item(ctx, ref, loc, "number", "a number")
