"""Ids that must be unique (E011): items, derived values and scores share one namespace with
what included instruments define; sections, rules, plans and the other lists each have their own."""

from __future__ import annotations

from collections.abc import Iterable

from screening.checker.context import Context, Loc
from screening.model import Questionnaire


def check_duplicate_ids(ctx: Context) -> None:
    q, d = ctx.q, ctx.d
    instruments = {i.id: i for i in d.instruments}
    included = _included_ids(instruments.values())

    seen: dict[str, Loc] = {}

    def claim(identifier: str, loc: Loc, what: str) -> None:
        if identifier in seen:
            first = ctx.parsed.document.position(seen[identifier])
            ctx.add("duplicate-id", loc, ref=identifier, what=what, line=first.line)
        elif identifier in included:
            ctx.add("defined-by-instrument", loc, ref=identifier, instrument=included[identifier])
        else:
            seen[identifier] = loc

    for s_index, section in enumerate(q.sections):
        for i_index, item in enumerate(section.items):
            claim(item.id, ("sections", s_index, "items", i_index, "id"), "item")
    for index, spec in enumerate(q.derived):
        claim(spec.id, ("derived", index, "id"), "derived value")
    for index, score in enumerate(q.scores):
        claim(score.id, ("scores", index, "id"), "score")

    _unique(ctx, [s.id for s in q.sections], "sections", "section")
    _unique(ctx, [r.id for r in q.rules], "rules", "rule")
    _unique(ctx, [r.id for r in q.requirements], "requirements", "requirement")
    _unique(ctx, [p.id for p in q.plans], "plans", "plan")
    _unique(ctx, [e.id for e in q.evidence], "evidence", "evidence entry")
    _unique(ctx, [h.id for h in q.handout], "handout", "handout block")
    _unique(ctx, [e.name for e in q.examples], "examples", "example", key="name")
    for instrument in instruments.values():
        for index, rule in enumerate(q.rules):
            if any(r.id == rule.id for r in instrument.rules):
                ctx.add(
                    "rule-defined-by-instrument",
                    ("rules", index, "id"),
                    ref=rule.id,
                    instrument=instrument.id,
                )


def _included_ids(instruments: Iterable[Questionnaire]) -> dict[str, str]:
    """The item, derived value and score ids the included instruments define, each with the first
    instrument that defines it."""
    included: dict[str, str] = {}
    for instrument in instruments:
        for section in instrument.sections:
            for item in section.items:
                included.setdefault(item.id, instrument.id)
        for derived in instrument.derived:
            included.setdefault(derived.id, instrument.id)
        for score in instrument.scores:
            included.setdefault(score.id, instrument.id)
    return included


def _unique(ctx: Context, ids: list[str], container: str, what: str, key: str = "id") -> None:
    first: dict[str, int] = {}
    for index, identifier in enumerate(ids):
        if identifier in first:
            line = ctx.parsed.document.position((container, first[identifier])).line
            ctx.add("duplicate-entry", (container, index, key), what=what, key=key, ref=identifier, line=line)
        else:
            first[identifier] = index
