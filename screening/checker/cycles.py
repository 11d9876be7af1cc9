"""Cycles among items, derived values and scores (E012), each reported once at its first member
defined in this file, naming only the members of the cycle."""

from __future__ import annotations

from screening.checker.context import Context, Loc
from screening.dependencies import is_cycle, read_graph, strongly_connected


def check_cycles(ctx: Context) -> None:
    q, d = ctx.q, ctx.d
    own: dict[str, Loc] = {}
    for s_index, section in enumerate(q.sections):
        for i_index, item in enumerate(section.items):
            own[f"item:{item.id}"] = ("sections", s_index, "items", i_index, "show_if")
    for index, spec in enumerate(q.derived):
        own[f"derived:{spec.id}"] = ("derived", index, "id")
    for index, score in enumerate(q.scores):
        own[f"score:{score.id}"] = ("scores", index, "id")

    graph = read_graph(d)
    for component in strongly_connected(graph):
        members = [node for node in component if node in own]
        if not members:
            continue
        if not is_cycle(component, graph):
            continue
        names = [node.split(":", 1)[1] for node in component]
        ctx.add("cycle", own[members[0]], path=" → ".join([*names, names[0]]))
