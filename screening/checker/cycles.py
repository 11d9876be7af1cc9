"""Cycles among items, derived values and scores (E012), each reported once at its first member
defined in this file, naming only the members of the cycle."""

from __future__ import annotations

from typing import Any

from screening.checker.context import Context, Loc, Ref, condition_refs
from screening.model import AdjustedBodyWeight, AgeYears, Bmi, Count, IdealBodyWeight, Test


def check_cycles(ctx: Context) -> None:
    q, d = ctx.q, ctx.d
    graph: dict[str, list[str]] = {}
    own: dict[str, Loc] = {}
    for s_index, section in enumerate(q.sections):
        for i_index, item in enumerate(section.items):
            own[f"item:{item.id}"] = ("sections", s_index, "items", i_index, "show_if")
    for index, spec in enumerate(q.derived):
        own[f"derived:{spec.id}"] = ("derived", index, "id")
    for index, score in enumerate(q.scores):
        own[f"score:{score.id}"] = ("scores", index, "id")

    for view in d.sections:
        section_refs = condition_refs(view.section.show_if) if view.section.show_if else set()
        for item in view.section.items:
            refs = set(section_refs)
            if item.show_if is not None:
                refs |= condition_refs(item.show_if)
            graph[f"item:{item.id}"] = sorted(f"{r.kind}:{r.id}" for r in refs)
    for derived_id, spec in d.derived.items():
        graph[f"derived:{derived_id}"] = sorted(f"{r.kind}:{r.id}" for r in _derived_refs(spec))
    for score_id, score in d.scores.items():
        refs = {Ref("item" if t.item else "derived", t.ref) for t in score.all_terms}
        if score.requires is not None:
            refs |= condition_refs(score.requires)
        graph[f"score:{score_id}"] = sorted(f"{r.kind}:{r.id}" for r in refs)

    for component in strongly_connected(graph):
        members = [node for node in component if node in own]
        if not members:
            continue
        cyclic = len(component) > 1 or component[0] in graph.get(component[0], [])
        if not cyclic:
            continue
        names = [node.split(":", 1)[1] for node in component]
        ctx.add("cycle", own[members[0]], path=" → ".join([*names, names[0]]))


def _derived_refs(spec: Any) -> set[Ref]:
    if isinstance(spec, AgeYears):
        return {Ref("item", spec.date_of_birth)}
    if isinstance(spec, Bmi):
        return {Ref("item", spec.weight_kg), Ref("item", spec.height_cm)}
    if isinstance(spec, Count):
        refs = {Ref("item", spec.group)}
        return refs | (condition_refs(spec.where) if spec.where else set())
    if isinstance(spec, Test):
        return condition_refs(spec.when)
    if isinstance(spec, IdealBodyWeight):
        return {Ref("item", spec.sex), Ref("item", spec.height_cm)}
    if isinstance(spec, AdjustedBodyWeight):
        return {Ref("derived", spec.ideal), Ref("item", spec.actual_kg)}
    return set()


def strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components in discovery order, members in graph order."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    order = {node: position for position, node in enumerate(graph)}
    for root in graph:
        if root in index_of:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_index = work.pop()
            if child_index == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = [c for c in graph.get(node, []) if c in graph]
            if child_index < len(children):
                work.append((node, child_index + 1))
                child = children[child_index]
                if child not in index_of:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            if low[node] == index_of[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component, key=lambda n: order.get(n, 0)))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components
