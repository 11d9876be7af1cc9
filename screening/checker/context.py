"""What every check shares: the file, its composed definition, the issues found so far, and the
walk over the values a condition reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from screening.definition import Definition
from screening.dependencies import condition_reads
from screening.issues import Code, Issue
from screening.model import Condition, Questionnaire
from screening.parsing import ParsedFile

Loc = tuple[Any, ...]
"""A path of keys and list indexes into the file's data, as `YamlDocument.position` takes it."""


@dataclass
class Context:
    """One run of the checks over one file: `q` is the file's own model, `d` the composed
    definition (with the instruments it includes) that references resolve against."""

    parsed: ParsedFile
    d: Definition
    issues: list[Issue] = field(default_factory=list)

    @property
    def q(self) -> Questionnaire:
        return self.d.questionnaire

    def add(self, name: str, loc: Loc, /, suggestion: str | None = None, **fields: object) -> None:
        """Report the catalogue message `name` (`screening.issues.MESSAGES`) at `loc`."""
        self.issues.append(self.parsed.report(name, loc, suggestion, **fields))

    def found(self, *codes: Code) -> bool:
        """Whether any issue with one of `codes` was reported so far."""
        return any(issue.code in codes for issue in self.issues)


@dataclass(frozen=True)
class Ref:
    """A value a condition reads: kind is item, derived, score or field."""

    kind: str
    id: str


def condition_refs(condition: Condition) -> set[Ref]:
    """The items, derived values and scores a condition reads (group fields left out)."""
    return {Ref(kind, ref) for kind, ref in condition_reads(condition)}
