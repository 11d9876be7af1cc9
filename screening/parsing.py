"""Parsing one questionnaire text: YAML → format model, with every problem as an issue.

A file with format errors is still checked as far as it can be: the broken parts are left out
and the rest validated again (`ParsedFile.partial`), and issue locations in that pruned data are
translated back to the file's own positions.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from screening import model
from screening.issues import MESSAGES, Code, Issue, did_you_mean, issue_at
from screening.model import Questionnaire
from screening.yamlsource import YamlDocument, collection_paused, load_yaml


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

    def report(
        self, name: str, location: Iterable[Any], /, suggestion: str | None = None, **fields: object
    ) -> Issue:
        """The catalogue message `name` (see `screening.issues.MESSAGES`) at `location`.

        `suggestion`, when given, is the hint in place of the catalogue's."""
        message = MESSAGES[name]
        text, hint = message.render(suggestion, **fields)
        return self.issue(message.code, location, text, hint)

    @property
    def has_errors(self) -> bool:
        return any(issue.is_error for issue in self.issues)


@collection_paused()  # validation allocates a model object per value: see collection_paused
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
            parsed.issues.append(issue_at(path, 1, 1, "empty-file"))
        return parsed
    if not isinstance(document.data, dict):
        parsed.issues.append(issue_at(path, 1, 1, "not-a-mapping"))
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
        position = parsed.document.position(loc)
        name, hint, fields = _format_message(where, loc, detail)
        issue = issue_at(parsed.path, position.line, position.column, name, hint, **fields)
        key_of = (position.line, position.column, issue.message)
        if key_of in seen:
            continue
        seen.add(key_of)
        issues.append(issue)
    return issues


def _format_message(where: str, loc: tuple[Any, ...], detail: Any) -> tuple[str, str | None, dict[str, Any]]:
    """(catalogue name, hint found here, fields) for one validation error."""
    kind = detail["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        return "unknown-key", did_you_mean(key, _FIELD_NAMES, cutoff=0.7), {"where": where, "key": key}
    if kind == "missing":
        return "missing-key", None, {"where": where, "key": loc[-1]}
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        context = detail.get("ctx") or {}
        expected = context.get("expected_tags", "")
        discriminator = str(context.get("discriminator", "type")).strip("'")
        hint = f"{discriminator} is one of {expected}" if expected else None
        name = "missing-tag" if kind == "union_tag_not_found" else "unknown-tag"
        return name, hint, {"where": where, "tag_key": discriminator, "tag": context.get("tag", "")}
    if kind == "string_pattern_mismatch":
        pattern = str((detail.get("ctx") or {}).get("pattern", ""))
        what = "version" if "\\d+\\.\\d+" in pattern else "id here"
        return (
            "invalid-text",
            _pattern_hint(pattern),
            {"where": where, "value": detail.get("input"), "what": what},
        )
    reason = str(detail["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return "invalid-value", None, {"where": where, "reason": reason}


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
