"""A loaded questionnaire, composed with the instruments it includes, indexed for the engine.

`Definition` is what the engine, the documents and the app work with. It is built once per file
set (the app caches it) and never changes. Its `sha256` covers the exact bytes of the file and of
every included file, so a saved screening can pin the definition it was taken with, and its
`files` keep those texts so the screening can always be re-rendered with them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from screening.dependencies import Dependents
from screening.model import (
    ChoiceItem,
    ChoiceSet,
    Derived,
    Evidence,
    GroupItem,
    HandoutBlock,
    Item,
    MultiChoiceItem,
    Option,
    Parameter,
    Plan,
    Questionnaire,
    Requirement,
    Rule,
    Score,
    Section,
    Source,
)


@dataclass(frozen=True)
class SectionView:
    """A section as it appears in the composed screening, with the file it came from."""

    section: Section
    origin: str  # questionnaire id of the file that defines the section

    @property
    def id(self) -> str:
        return self.section.id

    @property
    def title(self) -> str:
        return self.section.title or self.section.id


def content_sha256(files: Mapping[str, str]) -> str:
    """SHA-256 over the named texts, in the order given (main file first)."""
    digest = hashlib.sha256()
    for name, text in files.items():
        data = text.encode("utf-8")
        digest.update(f"{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class Definition:
    """A questionnaire composed with its included instruments.

    Lookups never raise for unknown ids (they return None): a definition that failed its check is
    still usable for whatever is well-formed, and the checker reports the rest.
    """

    questionnaire: Questionnaire
    instruments: tuple[Questionnaire, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ identity

    @property
    def id(self) -> str:
        return self.questionnaire.id

    @property
    def version(self) -> str:
        return self.questionnaire.version

    @property
    def title(self) -> str:
        return self.questionnaire.title

    @cached_property
    def sha256(self) -> str:
        return content_sha256(self.files)

    @cached_property
    def dependents(self) -> Dependents:
        """What an answer to each item can change (`screening.dependencies`), for the incremental
        assessment."""
        return Dependents(self)

    def parts(self) -> Iterator[Questionnaire]:
        """The main questionnaire first, then the included instruments."""
        yield self.questionnaire
        yield from self.instruments

    # ------------------------------------------------------------------ structure

    @cached_property
    def sections(self) -> tuple[SectionView, ...]:
        """Sections in order, with included instruments expanded where they are placed.

        An instrument that is included but not placed by a section is appended at the end.
        """
        by_id = {instrument.id: instrument for instrument in self.instruments}
        placed: set[str] = set()
        result: list[SectionView] = []
        for section in self.questionnaire.sections:
            if section.instrument is None:
                result.append(SectionView(section, self.questionnaire.id))
                continue
            instrument = by_id.get(section.instrument)
            if instrument is None or instrument.id in placed:
                continue
            placed.add(instrument.id)
            result.extend(SectionView(s, instrument.id) for s in instrument.sections if s.instrument is None)
        for instrument in self.instruments:
            if instrument.id not in placed:
                result.extend(
                    SectionView(s, instrument.id) for s in instrument.sections if s.instrument is None
                )
        return tuple(result)

    @cached_property
    def items(self) -> dict[str, Item]:
        """Top-level items by id, in questionnaire order (the first definition wins on duplicates)."""
        result: dict[str, Item] = {}
        for view in self.sections:
            for item in view.section.items:
                result.setdefault(item.id, item)
        return result

    @cached_property
    def item_section(self) -> dict[str, SectionView]:
        result: dict[str, SectionView] = {}
        for view in self.sections:
            for item in view.section.items:
                result.setdefault(item.id, view)
        return result

    def _merged(self, attribute: str) -> dict[str, object]:
        result: dict[str, object] = {}
        for part in self.parts():
            for key, value in getattr(part, attribute).items():
                result.setdefault(key, value)
        return result

    @cached_property
    def sources(self) -> dict[str, Source]:
        return self._merged("sources")  # type: ignore[return-value]  # values are Source by construction

    @cached_property
    def parameters(self) -> dict[str, Parameter]:
        return self._merged("parameters")  # type: ignore[return-value]  # values are Parameter

    @cached_property
    def choice_sets(self) -> dict[str, ChoiceSet]:
        return self._merged("choice_sets")  # type: ignore[return-value]  # values are ChoiceSet

    @cached_property
    def derived(self) -> dict[str, Derived]:
        result: dict[str, Derived] = {}
        for part in self.parts():
            for value in part.derived:
                result.setdefault(value.id, value)
        return result

    @cached_property
    def scores(self) -> dict[str, Score]:
        """Scores in the order the questionnaire asks for their first item (PHQ-9 before MSM)."""
        result: dict[str, Score] = {}
        for part in self.parts():
            for score in part.scores:
                result.setdefault(score.id, score)
        position = {item_id: index for index, item_id in enumerate(self.items)}

        def first_item(score: Score) -> int:
            refs = [term.item for term in score.all_terms if term.item in position]
            return min((position[ref] for ref in refs if ref is not None), default=len(position))

        return dict(sorted(result.items(), key=lambda pair: first_item(pair[1])))

    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        seen: set[str] = set()
        result: list[Rule] = []
        for part in self.parts():
            for rule in part.rules:
                if rule.id not in seen:
                    seen.add(rule.id)
                    result.append(rule)
        return tuple(result)

    @cached_property
    def rules_by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    @cached_property
    def requirements(self) -> tuple[Requirement, ...]:
        return tuple(requirement for part in self.parts() for requirement in part.requirements)

    @cached_property
    def plans(self) -> dict[str, Plan]:
        result: dict[str, Plan] = {}
        for part in self.parts():
            for plan in part.plans:
                result.setdefault(plan.id, plan)
        return result

    @cached_property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(entry for part in self.parts() for entry in part.evidence)

    @cached_property
    def handout(self) -> tuple[HandoutBlock, ...]:
        return tuple(block for part in self.parts() for block in part.handout)

    # ------------------------------------------------------------------ helpers

    def options(self, item: ChoiceItem | MultiChoiceItem) -> list[Option]:
        """The options of a choice item, resolving a choice-set name (empty when unknown)."""
        if isinstance(item.options, list):
            return item.options
        choice_set = self.choice_sets.get(item.options)
        return choice_set.options if choice_set else []

    def option(self, item: ChoiceItem | MultiChoiceItem, code: str) -> Option | None:
        for option in self.options(item):
            if option.code == code:
                return option
        return None

    def kind_of(self, ref: str) -> str | None:
        """'item', 'derived' or 'score' for a known id, else None."""
        if ref in self.items:
            return "item"
        if ref in self.derived:
            return "derived"
        if ref in self.scores:
            return "score"
        return None

    def title_of(self, ref: str) -> str:
        """A readable name for an item, derived value or score id (the id itself if unknown)."""
        if ref in self.items:
            return self.items[ref].name
        if ref in self.derived:
            return self.derived[ref].title
        if ref in self.scores:
            return self.scores[ref].title
        return ref

    def source_labels(self, source_ids: list[str]) -> str:
        """The short labels of the given sources joined for printing ('' when none)."""
        return "; ".join(self.sources[s].short if s in self.sources else s for s in source_ids)

    def group_field(self, group: GroupItem, field_id: str) -> Item | None:
        for candidate in group.fields:
            if candidate.id == field_id:
                return candidate
        return None
