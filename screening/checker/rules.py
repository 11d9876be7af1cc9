"""Rules, requirements and parameters: their conditions, and the sources they must cite (E020)."""

from __future__ import annotations

from screening.checker.conditions import check_condition
from screening.checker.context import Context, Loc
from screening.checker.references import sources


def check_rules(ctx: Context) -> None:
    q = ctx.q
    for index, rule in enumerate(q.rules):
        loc: Loc = ("rules", index)
        check_condition(ctx, rule.when, (*loc, "when"), None)
        if not rule.source:
            ctx.add("rule-without-source", (*loc, "id"), ref=rule.id)
        sources(ctx, rule.source, (*loc, "source"))
    for index, requirement in enumerate(q.requirements):
        loc = ("requirements", index)
        check_condition(ctx, requirement.when, (*loc, "when"), None)
        if not requirement.source:
            ctx.add("requirement-without-source", (*loc, "id"), ref=requirement.id)
        sources(ctx, requirement.source, (*loc, "source"))
    for name, value in q.parameters.items():
        sources(ctx, value.source, ("parameters", name, "source"))
