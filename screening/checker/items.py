"""Sections and items: what a section places, the conditions that show them, and the checks
each kind of item needs (its choices, its range, the fields of a repeating group)."""

from __future__ import annotations

from screening.checker.conditions import check_condition
from screening.checker.context import Context, Loc
from screening.model import GroupItem, Item


def check_sections_and_items(ctx: Context) -> None:
    includes = set(ctx.q.includes)
    for s_index, section in enumerate(ctx.q.sections):
        loc: Loc = ("sections", s_index)
        if section.instrument is not None and section.instrument not in includes:
            ctx.add("instrument-not-included", (*loc, "instrument"), ref=section.instrument)
        if section.show_if is not None:
            check_condition(ctx, section.show_if, (*loc, "show_if"), None)
        for i_index, item in enumerate(section.items):
            _item(ctx, item, (*loc, "items", i_index))


def _item(ctx: Context, item: Item, loc: Loc) -> None:
    if item.show_if is not None:
        check_condition(ctx, item.show_if, (*loc, "show_if"), None)
    _item_kind(ctx, item, loc)


def _item_kind(ctx: Context, item: Item, loc: Loc) -> None:
    """The checks particular to each kind of item: the kind names its own problems
    (`screening.items.ItemKind.own_problems`); the fields of a group are items checked in turn."""
    for problem in item.own_problems(ctx.d.choice_sets):
        ctx.add(problem.name, (*loc, *problem.where), problem.hint, **problem.fields)
    if isinstance(item, GroupItem):
        for f_index, field in enumerate(item.fields):
            _item(ctx, field, (*loc, "fields", f_index))
