"""Reading questionnaire files: YAML → format models → composed definitions, with every problem.

This is the only module that reads questionnaire files from disk. Loading never stops at the
first problem and never lets one broken file take down the others: a `Catalog` holds every file
it read, the definitions that are usable, and the issues of all of them.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from screening import model
from screening.definition import Definition
from screening.issues import Code, Issue
from screening.model import Questionnaire
from screening.yamlsource import YamlDocument, load_yaml

BUNDLED_DIRECTORY = Path(__file__).resolve().parent.parent / "questionnaires"
"""The questionnaires that ship with the product."""

QUESTIONNAIRES_ENV = "SCREENING_QUESTIONNAIRES"
"""Environment variable naming a clinic's own questionnaire directory (replaces the bundled one)."""

YAML_SUFFIXES = (".yaml", ".yml")


def default_directory() -> Path:
    """The questionnaire directory in use: `$SCREENING_QUESTIONNAIRES`, else the bundled one."""
    configured = os.environ.get(QUESTIONNAIRES_ENV)
    return Path(configured) if configured else BUNDLED_DIRECTORY


@dataclass
class ParsedFile:
    """One file after parsing and shape validation (before cross-reference checks)."""

    path: str
    name: str
    text: str
    document: YamlDocument
    questionnaire: Questionnaire | None
    issues: list[Issue] = field(default_factory=list)
    partial: Questionnaire | None = None
    """When the file has format errors: what validates once the broken parts are left out, so the
    cross-reference checks can still report everything else in the same run."""
    pruning: _Pruning | None = None

    def issue(self, code: Code, location: Iterable[Any], message: str, hint: str | None = None) -> Issue:
        """An issue at the YAML position of `location` (a path of keys and indexes)."""
        if self.pruning is not None:
            location = self.pruning.original(location)
        position = self.document.position(location)
        return Issue(self.path, position.line, position.column, code, message, hint)

    @property
    def has_errors(self) -> bool:
        return any(issue.is_error for issue in self.issues)


def parse_text(path: str, text: str) -> ParsedFile:
    """Parse one questionnaire text. `path` is how the file is named in messages."""
    name = Path(path).name
    document = load_yaml(text)
    parsed = ParsedFile(path=path, name=name, text=text, document=document, questionnaire=None)
    for problem in document.problems:
        code = Code.YAML_SYNTAX if problem.code == "E001" else Code.DUPLICATE_KEY
        parsed.issues.append(
            Issue(path, problem.position.line, problem.position.column, code, problem.message, problem.hint)
        )
    if document.data is None:
        if not document.problems:
            parsed.issues.append(Issue(path, 1, 1, Code.FORMAT, "the file is empty"))
        return parsed
    if not isinstance(document.data, dict):
        parsed.issues.append(Issue(path, 1, 1, Code.FORMAT, "a questionnaire file is a mapping of keys"))
        return parsed
    try:
        parsed.questionnaire = Questionnaire.model_validate(document.data)
    except ValidationError as error:
        parsed.issues.extend(_format_issues(parsed, error))
        parsed.partial, parsed.pruning = _validate_partially(document.data, error)
    return parsed


_PRUNE_ROUNDS = 8

_PLACEHOLDERS: dict[str, Any] = {"id": "unusable", "kind": "screening", "version": "0.0.0", "title": "?"}
"""Stand-ins for broken required top-level values, so the rest of a file can still be checked."""

_OPTIONAL_TOP_LEVEL = {
    name for name, info in Questionnaire.model_fields.items() if not info.is_required() and name != "includes"
}
"""Top-level values that may be left out when broken (they have defaults)."""


@dataclass
class _Pruning:
    """Parts left out of a broken file, so the rest can be validated and checked."""

    ids: set[str] = field(default_factory=set)
    deletions: list[tuple[tuple[Any, ...], int]] = field(default_factory=list)

    def original(self, loc: Iterable[Any]) -> tuple[Any, ...]:
        """Translate a location in the pruned data back to the file's own indexes."""
        result = tuple(loc)
        for list_path, index in reversed(self.deletions):
            depth = len(list_path)
            if result[:depth] == list_path and len(result) > depth:
                position = result[depth]
                if isinstance(position, int) and position >= index:
                    result = (*list_path, position + 1, *result[depth + 1 :])
        return result


def _validate_partially(
    data: dict[str, Any], error: ValidationError
) -> tuple[Questionnaire | None, _Pruning]:
    """Leave out each part with a format error (an unknown key, or the innermost list entry that
    holds the error) and validate again, a few rounds at most."""
    import copy  # noqa: PLC0415 - only needed for broken files

    current = copy.deepcopy(data)
    pruning = _Pruning()
    for _round in range(_PRUNE_ROUNDS):
        keys: set[tuple[Any, ...]] = set()
        entries: set[tuple[tuple[Any, ...], int]] = set()
        for detail in error.errors():
            _target(current, tuple(detail["loc"]), detail["type"] == "extra_forbidden", keys, entries)
        if not keys and not entries:
            return None, pruning
        for key_path in keys:
            container = _at(current, key_path[:-1])
            if not isinstance(container, dict):
                continue
            if len(key_path) == 1 and key_path[0] in _PLACEHOLDERS:
                container[key_path[0]] = _PLACEHOLDERS[key_path[0]]
            else:
                container.pop(key_path[-1], None)
        # Deepest first, then from the end of each list, so earlier deletions do not move later ones.
        for list_path, index in sorted(entries, key=lambda e: (len(e[0]), e[0], e[1]), reverse=True):
            container = _at(current, list_path)
            if isinstance(container, list) and index < len(container):
                entry = container.pop(index)
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    pruning.ids.add(entry["id"])
                pruning.deletions.append((list_path, index))
        try:
            return Questionnaire.model_validate(current), pruning
        except ValidationError as again:
            error = again
    return None, pruning


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    node = data
    for element in path:
        node = node[element]
    return node


def _target(
    data: Any,
    loc: tuple[Any, ...],
    drop_key: bool,
    keys: set[tuple[Any, ...]],
    entries: set[tuple[tuple[Any, ...], int]],
) -> None:
    """Choose what to leave out for one error: the unknown key, else the innermost list entry
    on the error's path (skipping union tags that are not part of the data)."""
    path: list[Any] = []
    node = data
    lists: list[tuple[tuple[Any, ...], int]] = []
    for element in loc:
        if isinstance(node, dict) and element in node:
            path.append(element)
            node = node[element]
        elif isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
            lists.append((tuple(path), element))
            path.append(element)
            node = node[element]
    if drop_key and path and path[-1] == loc[-1] and not isinstance(path[-1], int):
        keys.add(tuple(path))
        return
    if lists:
        entries.add(lists[-1])
    elif len(path) == 1 and (path[0] in _PLACEHOLDERS or path[0] in _OPTIONAL_TOP_LEVEL):
        keys.add(tuple(path))


def parse_file(path: Path, display: str | None = None) -> ParsedFile:
    """Read and parse one file. An unreadable file gives an E004 issue, never an exception."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = (
            "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror or "cannot be read"
        )
        empty = ParsedFile(shown, path.name, "", YamlDocument(data=None), None)
        empty.issues.append(Issue(shown, 1, 1, Code.UNREADABLE, f"cannot read the file: {reason}"))
        return empty
    return parse_text(shown, text)


# ---------------------------------------------------------------------------------------------
# Validation errors → issues


def _all_field_names() -> list[str]:
    names: set[str] = set()
    for value in vars(model).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            for name, info in value.model_fields.items():
                names.add(info.alias or name)
    return sorted(names)


_FIELD_NAMES = _all_field_names()


def _data_path(document: YamlDocument, loc: Sequence[Any]) -> tuple[Any, ...]:
    """The part of a pydantic location that is in the file: union tags left out."""
    parts: list[Any] = []
    for element in loc:
        if (*parts, element) in document.positions:
            parts.append(element)
    return tuple(parts)


def _display_path(document: YamlDocument, loc: Sequence[Any], kind: str = "") -> str:
    """`rules[3].when.all[0]` for a pydantic location, skipping union tags."""
    parts = list(_data_path(document, loc))
    if kind == "missing" and loc:
        parts.append(loc[-1])  # the key that is not in the file
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


def _alternatives_not_taken(document: YamlDocument, details: Sequence[Any]) -> set[int]:
    """Errors of union members that did not apply: a member rejected a value as a whole (say,
    `options` is not a choice-set name) while another member got further into it (an option of
    the list lacks its label). Only the error that got further helps the author."""
    paths = [_data_path(document, detail["loc"]) for detail in details]
    not_taken: set[int] = set()
    for index, detail in enumerate(details):
        path, loc = paths[index], tuple(detail["loc"])
        whole_value = detail["type"] not in ("missing", "extra_forbidden") and loc[-1:] != path[-1:]
        if whole_value and any(len(other) > len(path) and other[: len(path)] == path for other in paths):
            not_taken.add(index)
    return not_taken


def _format_issues(parsed: ParsedFile, error: ValidationError) -> list[Issue]:
    issues: list[Issue] = []
    seen: set[tuple[int, int, str]] = set()
    details = error.errors(include_url=False)
    not_taken = _alternatives_not_taken(parsed.document, details)
    for index, detail in enumerate(details):
        if index in not_taken:
            continue
        loc = tuple(detail["loc"])
        kind = detail["type"]
        where = _display_path(parsed.document, loc, kind)
        hint = None
        if kind == "extra_forbidden":
            key = str(loc[-1])
            close = difflib.get_close_matches(key, _FIELD_NAMES, n=1, cutoff=0.7)
            message = f"{where}: unknown key '{key}'"
            hint = f"did you mean '{close[0]}'?" if close else "remove it, or check the format reference"
        elif kind == "missing":
            message = f"{where}: required key '{loc[-1]}' is missing"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            context = detail.get("ctx") or {}
            tag = context.get("tag", "")
            expected = context.get("expected_tags", "")
            discriminator = str(context.get("discriminator", "type")).strip("'")
            if kind == "union_tag_not_found":
                message = f"{where}: '{discriminator}' is missing"
            else:
                message = f"{where}: unknown {discriminator} '{tag}'"
            hint = f"{discriminator} is one of {expected}" if expected else None
        elif kind == "string_pattern_mismatch":
            pattern = str((detail.get("ctx") or {}).get("pattern", ""))
            what = "version" if "\\d+\\.\\d+" in pattern else "id here"
            message = f"{where}: '{detail.get('input')}' is not a valid {what}"
            hint = _pattern_hint(pattern)
        else:
            text = str(detail["msg"])
            text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
            message = f"{where}: {text}"
        position = parsed.document.position(loc)
        key_of = (position.line, position.column, message)
        if key_of in seen:
            continue
        seen.add(key_of)
        issues.append(Issue(parsed.path, position.line, position.column, Code.FORMAT, message, hint))
    return issues


def _pattern_hint(pattern: str) -> str:
    # The version pattern also contains an escaped dot: test it before the dotted rule ids.
    if "\\d+\\.\\d+" in pattern:
        return "versions are MAJOR.MINOR.PATCH, e.g. 1.0.0"
    if "\\." in pattern:
        return "rule ids are dotted lower-case words, e.g. ci.rel.hypertension_history"
    if "-" in pattern and "_" not in pattern:
        return "use lower-case letters, digits and hyphens, e.g. ketamine-trd-intake"
    if "A-Z" in pattern:
        return "codes are letters, digits, '_', '.' and '-', starting with a letter or digit"
    return "use lower-case letters, digits and underscores, starting with a letter"


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


def build_catalog(parsed: list[ParsedFile], *, check: bool = True, run_examples: bool = True) -> Catalog:
    """Compose, check and (optionally) run the examples of already parsed files."""
    from screening.checker import check_definition  # noqa: PLC0415 - the checker imports this module
    from screening.examples import run_examples as run  # noqa: PLC0415 - same reason

    catalog = Catalog(files=parsed)
    by_id: dict[str, ParsedFile] = {}
    for item in parsed:
        if item.questionnaire is None:
            continue
        other = by_id.get(item.questionnaire.id)
        if other is not None:
            item.issues.append(
                item.issue(
                    Code.DUPLICATE_QUESTIONNAIRE,
                    ("id",),
                    f"questionnaire id '{item.questionnaire.id}' is also defined in {other.path}",
                    hint="give each questionnaire file its own id",
                )
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
                _check_partial(item, item.partial, by_id, check_definition)
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
            close = difflib.get_close_matches(included, list(by_id), n=1)
            item.issues.append(
                item.issue(
                    Code.INCLUDE,
                    location,
                    f"includes '{included}', which is not a questionnaire in this directory",
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
            )
        elif target.questionnaire is not None and target.questionnaire.kind != "instrument":
            item.issues.append(
                item.issue(Code.INCLUDE, location, f"includes '{included}', which is not an instrument")
            )
        elif target.has_errors:
            item.issues.append(
                item.issue(
                    Code.INCLUDE,
                    location,
                    f"includes '{included}', which has errors ({target.path})",
                    hint="fix that file first; this questionnaire cannot be used until then",
                )
            )
        else:
            instruments.append(target)
    return instruments


def _check_partial(
    item: ParsedFile,
    partial: Questionnaire,
    by_id: dict[str, ParsedFile],
    check_definition: Callable[[ParsedFile, Definition], list[Issue]],
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
