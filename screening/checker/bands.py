"""Score bands against the score's possible range: no gap (E013), no overlap (E014), and no band
beyond the lowest or highest possible score (E015)."""

from __future__ import annotations

import itertools

from screening.checker.context import Context, Loc
from screening.engine import score_range
from screening.model import Score


def check_bands(ctx: Context, score: Score, loc: Loc) -> None:
    bounds = score_range(ctx.d, score)
    if bounds is None:
        ctx.add("band-range-unknown", (*loc, "bands"), score=score.id)
        return
    low, high = bounds
    integral = all(is_whole(v) for v in (low, high)) and all(
        is_whole(band.min) and is_whole(band.max) for band in score.bands
    )
    order = sorted(range(len(score.bands)), key=lambda i: (score.bands[i].min, score.bands[i].max))
    first, last = score.bands[order[0]], score.bands[order[-1]]
    ends = {"score": score.id, "low": _fmt(low), "high": _fmt(high)}
    if first.min > low:
        span = _span(low, first.min - 1 if integral else first.min)
        ctx.add("band-gap-at-end", (*loc, "bands", order[0], "min"), span=span, **ends)
    elif first.min < low:
        start = _fmt(first.min)
        ctx.add("band-below-range", (*loc, "bands", order[0], "min"), band=first.label, start=start, **ends)
    if last.max < high:
        span = _span(last.max + 1 if integral else last.max, high)
        ctx.add("band-gap-at-end", (*loc, "bands", order[-1], "max"), span=span, **ends)
    elif last.max > high:
        end = _fmt(last.max)
        ctx.add("band-above-range", (*loc, "bands", order[-1], "max"), band=last.label, end=end, **ends)
    for before_index, after_index in itertools.pairwise(order):
        before, after = score.bands[before_index], score.bands[after_index]
        after_loc = (*loc, "bands", after_index, "min")
        if after.min <= before.max:
            span = _span(after.min, min(before.max, after.max))
            ctx.add(
                "band-overlap", after_loc, score=score.id, before=before.label, after=after.label, span=span
            )
        elif integral and after.min > before.max + 1:
            ctx.add("band-gap", after_loc, score=score.id, span=_span(before.max + 1, after.min - 1))


def is_whole(value: float) -> bool:
    return float(value).is_integer()


def _fmt(value: float) -> str:
    return f"{value:g}"


def _span(low: float, high: float) -> str:
    return _fmt(low) if low == high else f"{_fmt(low)}–{_fmt(high)}"
