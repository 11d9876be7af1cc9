"""What each value of a questionnaire reads, and so what an answer can change.

Values are named as nodes `item:<id>`, `derived:<id>` and `score:<id>`. An item node stands for
whether the item is asked (its section's and its own `show_if`); reading an item's answer reads
that too, since the answer of an item that is not asked is unknown. `read_graph` gives, for each
node, the nodes it reads; the checker looks for cycles in it (E012), and `Dependents` turns it
around for the incremental assessment (`screening.engine.reassess`): the values, rules and
requirements that an answer to a given item can change, and nothing else.

Every reading the evaluator (`screening.evaluator`) does goes through a condition's comparisons
and `answered` tests, a score's terms and `requires`, or a derived value's inputs; operands are
literals or parameters, which no answer changes. A derived kind this module does not know makes
`Dependents.usable` false, and so do a cycle and an id that names two values (both only in a
definition that failed its check): the assessment is then always made whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from screening.model import (
    AdjustedBodyWeight,
    AgeYears,
    AllOf,
    Answered,
    AnyOf,
    Bmi,
    Compare,
    Condition,
    Count,
    IdealBodyWeight,
    NotOf,
    Test,
)

if TYPE_CHECKING:
    from screening.definition import Definition

__all__ = [
    "Affected",
    "Dependents",
    "condition_reads",
    "derived_reads",
    "is_cycle",
    "leaves",
    "read_graph",
    "strongly_connected",
]


def leaves(condition: Condition) -> Iterator[Compare | Answered]:
    """The comparisons and `answered` tests of a condition, in order."""
    if isinstance(condition, AllOf):
        for child in condition.all:
            yield from leaves(child)
    elif isinstance(condition, AnyOf):
        for child in condition.any:
            yield from leaves(child)
    elif isinstance(condition, NotOf):
        yield from leaves(condition.not_)
    else:
        yield condition


def condition_reads(condition: Condition) -> set[tuple[str, str]]:
    """(kind, id) of the items, derived values and scores a condition reads (group fields, read
    within a row of their group, left out)."""
    reads: set[tuple[str, str]] = set()
    for leaf in leaves(condition):
        if isinstance(leaf, Answered):
            reads.add(("item", leaf.answered))
        else:
            kind, ref = leaf.target
            if kind != "field":
                reads.add((kind, ref))
    return reads


def derived_reads(spec: Any) -> set[tuple[str, str]] | None:
    """(kind, id) of what a derived value is computed from; None for a kind not known here."""
    if isinstance(spec, AgeYears):
        return {("item", spec.date_of_birth)}
    if isinstance(spec, Bmi):
        return {("item", spec.weight_kg), ("item", spec.height_cm)}
    if isinstance(spec, Count):
        return {("item", spec.group)} | (condition_reads(spec.where) if spec.where else set())
    if isinstance(spec, Test):
        return condition_reads(spec.when)
    if isinstance(spec, IdealBodyWeight):
        return {("item", spec.sex), ("item", spec.height_cm)}
    if isinstance(spec, AdjustedBodyWeight):
        return {("derived", spec.ideal), ("item", spec.actual_kg)}
    return None


def _nodes(reads: Iterable[tuple[str, str]]) -> list[str]:
    return sorted(f"{kind}:{ref}" for kind, ref in reads)


def _node_set(condition: Condition) -> set[str]:
    return {f"{kind}:{ref}" for kind, ref in condition_reads(condition)}


def read_graph(definition: Definition) -> dict[str, list[str]]:
    """Each item, derived value and score (in questionnaire order) with the nodes it reads."""
    graph: dict[str, list[str]] = {}
    for view in definition.sections:
        section_reads = condition_reads(view.section.show_if) if view.section.show_if else set()
        for item in view.section.items:
            reads = set(section_reads)
            if item.show_if is not None:
                reads |= condition_reads(item.show_if)
            graph[f"item:{item.id}"] = _nodes(reads)
    for derived_id, spec in definition.derived.items():
        graph[f"derived:{derived_id}"] = _nodes(derived_reads(spec) or set())
    for score_id, score in definition.scores.items():
        reads = {("item" if term.item else "derived", term.ref) for term in score.all_terms}
        if score.requires is not None:
            reads |= condition_reads(score.requires)
        graph[f"score:{score_id}"] = _nodes(reads)
    return graph


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


def is_cycle(component: list[str], graph: dict[str, list[str]]) -> bool:
    """Whether a strongly connected component is a cycle (more than one node, or one reading
    itself)."""
    return len(component) > 1 or component[0] in graph.get(component[0], [])


class Affected:
    """What a change of some answers can change: item, derived and score ids (nodes without their
    kind) and rule and requirement ids."""

    __slots__ = ("derived", "items", "requirements", "rules", "scores")

    def __init__(self, nodes: set[str], rules: set[str], requirements: set[str]) -> None:
        ids: dict[str, set[str]] = {"item": set(), "derived": set(), "score": set()}
        for node in nodes:
            kind, _, ref = node.partition(":")
            ids[kind].add(ref)
        self.items, self.derived, self.scores = ids["item"], ids["derived"], ids["score"]
        self.rules = rules
        self.requirements = requirements


class Dependents:
    """For one definition: what an answer to each item can change (`affected`). `usable` is false
    when a value's inputs are not all known here or the values read each other in a cycle."""

    def __init__(self, definition: Definition) -> None:
        graph = read_graph(definition)
        known = all(derived_reads(spec) is not None for spec in definition.derived.values())
        asked = [item.id for view in definition.sections for item in view.section.items]
        ids = [*asked, *definition.derived, *definition.scores]
        # each id names one value (a definition that failed its check may reuse one)
        distinct = len(set(ids)) == len(ids) and set(asked) == set(definition.items)
        self.usable = known and distinct and not any(is_cycle(c, graph) for c in strongly_connected(graph))
        self._readers: dict[str, set[str]] = {}
        for node, reads in graph.items():
            for read in reads:
                self._readers.setdefault(read, set()).add(node)
        self._rules = [(rule.id, _node_set(rule.when)) for rule in definition.rules]
        self._requirements = [
            (requirement.id, _node_set(requirement.when)) for requirement in definition.requirements
        ]
        self._closures: dict[str, frozenset[str]] = {}

    def _closure(self, node: str) -> frozenset[str]:
        """`node` and every node that reads it, directly or through others."""
        if node not in self._closures:
            reached = {node}
            pending = [node]
            while pending:
                for reader in self._readers.get(pending.pop(), ()):
                    if reader not in reached:
                        reached.add(reader)
                        pending.append(reader)
            self._closures[node] = frozenset(reached)
        return self._closures[node]

    def affected(self, item_ids: Iterable[str]) -> Affected:
        """What answers to `item_ids` can change (ids that are no item change nothing here)."""
        nodes: set[str] = set()
        for item_id in item_ids:
            nodes |= self._closure(f"item:{item_id}")
        rules = {rule_id for rule_id, reads in self._rules if not reads.isdisjoint(nodes)}
        requirements = {
            requirement_id for requirement_id, reads in self._requirements if not reads.isdisjoint(nodes)
        }
        return Affected(nodes, rules, requirements)
