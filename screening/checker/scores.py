"""Scores: what each adds up is defined and can be scored (E016, E017), its band labels are
unique, and, when all of that holds, its bands cover its range (`bands`)."""

from __future__ import annotations

from screening.checker.bands import check_bands
from screening.checker.conditions import check_condition
from screening.checker.context import Context, Loc
from screening.checker.references import reference, sources
from screening.model import ChoiceItem

_SCORED_TYPES = ("choice", "boolean", "number")
"""What a score term can add up: option scores, yes/no points, numbers."""


def check_scores(ctx: Context) -> None:
    for index, score in enumerate(ctx.q.scores):
        loc: Loc = ("scores", index)
        sources(ctx, score.source, (*loc, "source"))
        ok = True
        if score.items is not None:
            for i_index, item_id in enumerate(score.items):
                ok &= _scored_choice(ctx, item_id, (*loc, "items", i_index))
        for t_index, term in enumerate(score.terms or []):
            t_loc = (*loc, "terms", t_index)
            if term.item is not None:
                if not reference(ctx, "item", term.item, (*t_loc, "item")):
                    ok = False
                    continue
                item = ctx.d.items[term.item]
                if item.value_type == "choice" and term.points is None:
                    ok &= _scored_choice(ctx, term.item, (*t_loc, "item"))
                elif item.value_type not in _SCORED_TYPES:
                    ctx.add("cannot-be-scored", (*t_loc, "item"), ref=term.item)
                    ok = False
            elif term.derived is not None and not reference(
                ctx, "derived", term.derived, (*t_loc, "derived")
            ):
                ok = False
        if score.requires is not None:
            check_condition(ctx, score.requires, (*loc, "requires"), None)
        labels: set[str] = set()
        for b_index, band in enumerate(score.bands):
            if band.min > band.max:
                ctx.add("band-inverted", (*loc, "bands", b_index), band=band.label)
                ok = False
            if band.label in labels:
                ctx.add("duplicate-band", (*loc, "bands", b_index, "label"), band=band.label)
            labels.add(band.label)
        if ok:
            check_bands(ctx, score, loc)


def _scored_choice(ctx: Context, item_id: str, loc: Loc) -> bool:
    if not reference(ctx, "item", item_id, loc):
        return False
    item = ctx.d.items[item_id]
    if not isinstance(item, ChoiceItem):
        ctx.add("score-not-choice", loc, ref=item_id)
        return False
    unscored = [option.code for option in ctx.d.options(item) if option.score is None]
    if unscored:
        ctx.add("unscored-choices", loc, ref=item_id, codes=", ".join(unscored))
        return False
    return True
