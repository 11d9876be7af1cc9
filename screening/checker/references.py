"""References that must name something defined (E010), each with a "did you mean" when one is
close: items, derived values and scores, sources, plans, parameters, placeholders in patient
text, and what worked examples name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from screening.checker.context import Context, Loc
from screening.config import PLACEHOLDERS, placeholder_names
from screening.issues import did_you_mean
from screening.model import ParamRef

KIND_WORDS = {"item": "an item", "derived": "a derived value", "score": "a score"}


def reference(ctx: Context, kind: str, ref: str, loc: Loc) -> bool:
    """Whether `ref` names a defined value of `kind` (item, derived or score); reports it if not."""
    d = ctx.d
    actual = d.kind_of(ref)
    if actual is None:
        pools: dict[str, list[str]] = {
            "item": list(d.items),
            "derived": list(d.derived),
            "score": list(d.scores),
        }
        hint = did_you_mean(ref, pools[kind]) or did_you_mean(ref, [*d.items, *d.derived, *d.scores])
        ctx.add("unknown-reference", loc, hint, kind=kind, ref=ref)
        return False
    if actual != kind:
        ctx.add(
            "wrong-kind",
            loc,
            ref=ref,
            actual=actual,
            actual_words=KIND_WORDS[actual],
            kind_words=KIND_WORDS[kind],
        )
        return False
    return True


def sources(ctx: Context, source_ids: Sequence[str], loc: Loc) -> None:
    for index, source_id in enumerate(source_ids):
        if source_id not in ctx.d.sources:
            ctx.add(
                "unknown-source", (*loc, index), did_you_mean(source_id, list(ctx.d.sources)), ref=source_id
            )


def plans(ctx: Context, plan_ids: Sequence[str], loc: Loc) -> None:
    for index, plan_id in enumerate(plan_ids):
        if plan_id not in ctx.d.plans:
            ctx.add("unknown-plan", (*loc, index), did_you_mean(plan_id, list(ctx.d.plans)), ref=plan_id)


def parameter(ctx: Context, operand: Any, loc: Loc) -> tuple[bool, Any]:
    """(known, value) of an operand: a `param:` reference resolved, any other value as it is."""
    if isinstance(operand, ParamRef):
        found = ctx.d.parameters.get(operand.param)
        if found is None:
            suggestion = did_you_mean(operand.param, list(ctx.d.parameters))
            ctx.add("unknown-parameter", loc, suggestion, ref=operand.param)
            return False, None
        return True, found.value
    return True, operand


def placeholders(ctx: Context, text: str, loc: Loc) -> None:
    """Text for patients names clinic settings only through the placeholders the documents fill."""
    for name in placeholder_names(text):
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{known}}}" for known in PLACEHOLDERS)
            ctx.add("unknown-placeholder", loc, did_you_mean(name, PLACEHOLDERS), name=name, known=known)


def check_example_references(ctx: Context) -> None:
    """What the worked examples extend and expect is defined."""
    d = ctx.d
    names = [example.name for example in ctx.q.examples]
    rule_ids = [rule.id for rule in d.rules]
    requirement_ids = [requirement.id for requirement in d.requirements]
    for index, example in enumerate(ctx.q.examples):
        loc: Loc = ("examples", index)
        if example.extends is not None and example.extends not in names:
            ctx.add(
                "extends-unknown-example",
                (*loc, "extends"),
                did_you_mean(example.extends, names),
                example=example.name,
                ref=example.extends,
            )
        expect = example.expect
        expect_loc = (*loc, "expect")
        for key in ("flags", "flags_include", "flags_exclude", "review_unmatched", "review_unacknowledged"):
            for f_index, flag_id in enumerate(getattr(expect, key) or []):
                if flag_id not in rule_ids and key not in ("review_unmatched",):
                    hint = did_you_mean(flag_id, rule_ids)
                    ctx.add("unknown-reference", (*expect_loc, key, f_index), hint, kind="rule", ref=flag_id)
        for score_id in expect.scores:
            if score_id not in d.scores:
                hint = did_you_mean(score_id, list(d.scores))
                ctx.add(
                    "unknown-reference", (*expect_loc, "scores", score_id), hint, kind="score", ref=score_id
                )
        for derived_id in expect.derived:
            if derived_id not in d.derived:
                hint = did_you_mean(derived_id, list(d.derived))
                ctx.add(
                    "unknown-reference",
                    (*expect_loc, "derived", derived_id),
                    hint,
                    kind="derived value",
                    ref=derived_id,
                )
        for requirement_id in expect.requirements:
            if requirement_id not in requirement_ids:
                ctx.add(
                    "unknown-reference",
                    (*expect_loc, "requirements", requirement_id),
                    did_you_mean(requirement_id, requirement_ids),
                    kind="requirement",
                    ref=requirement_id,
                )
