"""Reading questionnaire files: YAML → format models → composed definitions, with every problem.

This is the only module that reads questionnaire files from disk. Loading never stops at the
first problem and never lets one broken file take down the others: a `Catalog` holds every file
it read, the definitions that are usable, and the issues of all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from screening import settings
from screening.checker import check_definition
from screening.definition import Definition
from screening.examples import run_examples as run
from screening.issues import Code, Issue, did_you_mean, issue_at
from screening.model import Questionnaire
from screening.parsing import ParsedFile, parse_text
from screening.yamlsource import YamlDocument, collection_paused, read_source

__all__ = [
    "BUNDLED_DIRECTORY",
    "YAML_SUFFIXES",
    "Catalog",
    "ParsedFile",
    "build_catalog",
    "default_directory",
    "load_catalog",
    "load_pinned",
    "parse_file",
    "parse_text",
    "questionnaire_files",
]

BUNDLED_DIRECTORY = settings.bundled_questionnaires()
"""The questionnaires that ship with the product."""

YAML_SUFFIXES = (".yaml", ".yml")


def default_directory() -> Path:
    """The questionnaire directory in use: `$SCREENING_QUESTIONNAIRES`, else the bundled one."""
    configured = settings.current().questionnaires
    return configured if configured is not None else BUNDLED_DIRECTORY


def parse_file(path: Path, display: str | None = None) -> ParsedFile:
    """Read and parse one file. An unreadable file gives an E004 issue, never an exception."""
    shown = display or str(path)
    try:
        text = read_source(path)
    except (OSError, UnicodeDecodeError) as error:
        reason = (
            "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror or "cannot be read"
        )
        empty = ParsedFile(shown, path.name, "", YamlDocument(data=None), None)
        empty.issues.append(issue_at(shown, 1, 1, "unreadable", reason=reason))
        return empty
    return parse_text(shown, text)


# ---------------------------------------------------------------------------------------------
# Composition and the catalog


@dataclass
class Catalog:
    """Every questionnaire file of a directory: the usable definitions and all issues."""

    files: list[ParsedFile] = field(default_factory=list)
    definitions: dict[str, Definition] = field(default_factory=dict)
    examples_run: int = 0

    @property
    def issues(self) -> list[Issue]:
        return sorted((issue for f in self.files for issue in f.issues), key=Issue.sort_key)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if not issue.is_error]

    def get(self, questionnaire_id: str) -> Definition | None:
        return self.definitions.get(questionnaire_id)

    def file_of(self, questionnaire_id: str) -> ParsedFile | None:
        for parsed in self.files:
            if parsed.questionnaire is not None and parsed.questionnaire.id == questionnaire_id:
                return parsed
        return None


def questionnaire_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, or found (sorted) in the directories named."""
    result: list[Path] = []
    for path in paths:
        if path.is_dir():
            result.extend(sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file()))
        else:
            result.append(path)
    return result


def load_catalog(
    paths: Iterable[Path] | None = None, *, check: bool = True, run_examples: bool = True
) -> Catalog:
    """Load questionnaire files (default: the configured directory) into a catalog.

    With `check`, cross-references and the other static checks run; with `run_examples`, every
    file's worked examples run too. A definition is usable when its file and the files it
    includes have no errors.
    """
    files = questionnaire_files([default_directory()] if paths is None else paths)
    parsed = [parse_file(path) for path in files]
    return build_catalog(parsed, check=check, run_examples=run_examples)


@collection_paused()  # the checks build indexes of every id and condition: see collection_paused
def build_catalog(parsed: list[ParsedFile], *, check: bool = True, run_examples: bool = True) -> Catalog:
    """Compose, check and (optionally) run the examples of already parsed files."""
    catalog = Catalog(files=parsed)
    by_id: dict[str, ParsedFile] = {}
    for item in parsed:
        if item.questionnaire is None:
            continue
        other = by_id.get(item.questionnaire.id)
        if other is not None:
            item.issues.append(
                item.report("duplicate-questionnaire", ("id",), ref=item.questionnaire.id, path=other.path)
            )
            continue
        by_id[item.questionnaire.id] = item
    broken = _broken_by_id(parsed)

    # Instruments first: a screening can only be used when what it includes is usable.
    ordered = sorted(
        by_id.values(), key=lambda f: f.questionnaire.kind != "instrument" if f.questionnaire else True
    )
    for item in ordered:
        questionnaire = item.questionnaire
        assert questionnaire is not None
        instruments = _included(item, questionnaire, by_id, broken)
        definition = Definition(
            questionnaire=questionnaire,
            instruments=tuple(f.questionnaire for f in instruments if f.questionnaire is not None),
            files={item.name: item.text, **{f.name: f.text for f in instruments}},
        )
        include_broken = any(issue.code is Code.INCLUDE for issue in item.issues)
        if check and not any(issue.is_error and issue.code is not Code.INCLUDE for issue in item.issues):
            found = check_definition(item, definition)
            if include_broken:
                # What the missing instrument would define cannot be resolved; say the rest.
                found = [issue for issue in found if issue.code is not Code.UNKNOWN_REFERENCE]
            item.issues.extend(found)
        if run_examples and not item.has_errors:
            issues, count = run(item, definition)
            item.issues.extend(issues)
            catalog.examples_run += count
        if not item.has_errors:
            catalog.definitions[questionnaire.id] = definition

    # Files with format errors: check what does validate, so one run reports everything.
    if check:
        for item in parsed:
            if item.questionnaire is None and item.partial is not None:
                _check_partial(item, item.partial, by_id)
    return catalog


def _broken_by_id(parsed: list[ParsedFile]) -> dict[str, ParsedFile]:
    """Files with format errors by the id they declare: they have no model, but their id still
    says what an include of them meant."""
    broken: dict[str, ParsedFile] = {}
    for item in parsed:
        data = item.document.data
        if item.questionnaire is None and isinstance(data, dict) and isinstance(data.get("id"), str):
            broken.setdefault(data["id"], item)
    return broken


def _included(
    item: ParsedFile,
    questionnaire: Questionnaire,
    by_id: dict[str, ParsedFile],
    broken: dict[str, ParsedFile],
) -> list[ParsedFile]:
    """The usable instruments a questionnaire includes; each problem is added to `item`."""
    instruments: list[ParsedFile] = []
    for index, included in enumerate(questionnaire.includes):
        target = by_id.get(included) or broken.get(included)
        location = ("includes", index)
        if target is None:
            hint = did_you_mean(included, list(by_id))
            item.issues.append(item.report("include-unknown", location, hint, ref=included))
        elif target.questionnaire is not None and target.questionnaire.kind != "instrument":
            item.issues.append(item.report("include-not-instrument", location, ref=included))
        elif target.has_errors:
            item.issues.append(item.report("include-broken", location, ref=included, path=target.path))
        else:
            instruments.append(target)
    return instruments


def _check_partial(
    item: ParsedFile,
    partial: Questionnaire,
    by_id: dict[str, ParsedFile],
) -> None:
    """Cross-reference checks of the part of a broken file that validates."""
    usable = [by_id[i] for i in partial.includes if i in by_id and not by_id[i].has_errors]
    definition = Definition(
        questionnaire=partial,
        instruments=tuple(f.questionnaire for f in usable if f.questionnaire is not None),
        files={item.name: item.text},
    )
    pruned = item.pruning.ids if item.pruning else set()
    for issue in check_definition(item, definition):
        if issue.code is Code.UNKNOWN_REFERENCE and any(f"'{i}'" in issue.message for i in pruned):
            continue
        if issue.code is Code.INCLUDE:
            continue
        item.issues.append(issue)


def load_pinned(files: Mapping[str, str]) -> tuple[Definition | None, list[Issue]]:
    """Rebuild a definition from the texts pinned with a saved screening (main file first)."""
    parsed = [parse_text(name, text) for name, text in files.items()]
    issues = [issue for p in parsed for issue in p.issues]
    if not parsed or any(p.questionnaire is None for p in parsed):
        return None, issues
    main = parsed[0].questionnaire
    assert main is not None
    instruments = tuple(p.questionnaire for p in parsed[1:] if p.questionnaire is not None)
    return Definition(questionnaire=main, instruments=instruments, files=dict(files)), issues
