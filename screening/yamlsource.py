"""Safe YAML loading that keeps where every value came from.

`load_yaml` parses with PyYAML's safe loader (no Python objects, no code), rejects duplicate keys
(reporting every one, not only the first) and returns a `YamlDocument`: the plain data plus a map
from each value's path (a tuple of keys and list indexes) to its line and column. Checkers use the
map to point at `file:line:col`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[Any, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a source file."""

    line: int
    column: int


@dataclass(frozen=True)
class YamlProblem:
    """A problem found while parsing: a syntax error or a duplicate key."""

    code: str
    message: str
    position: Position
    hint: str | None = None


@dataclass
class YamlDocument:
    """Parsed YAML data with the position of every key and value."""

    data: Any
    positions: dict[Path, Position] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def position(self, path: Iterable[Any]) -> Position:
        """The position of the deepest known prefix of `path` (1:1 when nothing matches).

        Elements of `path` that are not part of the data (for example a pydantic union tag) are
        skipped, so a validation error location maps onto the closest YAML node.
        """
        best = self.positions.get((), Position(1, 1))
        current: Path = ()
        for element in path:
            candidate = (*current, element)
            if candidate in self.positions:
                current = candidate
                best = self.positions[candidate]
        return best


class _Loader(yaml.SafeLoader):
    """The safe loader; construction of containers is done by `_Builder` below."""


def _mark(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Builds plain Python data from a composed node tree, recording positions."""

    def __init__(self, loader: _Loader) -> None:
        self.loader = loader
        self.positions: dict[Path, Position] = {}
        self.problems: list[YamlProblem] = []

    def build(self, node: Node, path: Path) -> Any:
        self.positions.setdefault(path, _mark(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            _plain_collection(node, _SEQ_TAG)
            return [self.build(child, (*path, index)) for index, child in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _scalar(self, node: Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            if node.tag == _TIMESTAMP_TAG:
                # Shaped like a date but not one (1979-02-30): keep the text, so that validation
                # reports it against the item or key that holds it.
                return node.value
            # An explicit tag whose value does not fit it (`!!int abc`); the value is not repeated.
            raise yaml.constructor.ConstructorError(
                None, None, f"the value cannot be read as {node.tag!r}", node.start_mark
            ) from None

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        _plain_collection(node, _MAP_TAG)
        result: dict[Any, Any] = {}
        merged: list[dict[Any, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, path))
                continue
            key: Any = self._scalar(key_node)
            if isinstance(key, (list, dict, set)) or not isinstance(key, Hashable):
                self.problems.append(
                    YamlProblem("E002", "a mapping key must be a plain value", _mark(key_node))
                )
                continue
            if key in result:
                first = self.positions.get((*path, key))
                where = f" (first given at line {first.line})" if first else ""
                self.problems.append(
                    YamlProblem(
                        "E002",
                        f"duplicate key '{key}'{where}",
                        _mark(key_node),
                        hint="each key may appear once in a mapping; remove or rename one of them",
                    )
                )
                continue
            self.positions[(*path, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        # Merge keys (`<<: *anchor`) fill in what the mapping does not set itself.
        for source in merged:
            for key, value in source.items():
                result.setdefault(key, value)
        return result

    def _merge_sources(self, node: Node, path: Path) -> list[dict[Any, Any]]:
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        sources: list[dict[Any, Any]] = []
        for child in nodes:
            if isinstance(child, MappingNode):
                sources.append(self._mapping(child, path))
            else:
                self.problems.append(
                    YamlProblem("E002", "a merge key ('<<') must refer to a mapping", _mark(child))
                )
        return sources


def _plain_collection(node: Node, tag: str) -> None:
    """Refuse a tagged mapping or list (`!!python/object/apply:...`), as the safe loader refuses a
    tagged scalar: the builder constructs containers itself and would otherwise drop the tag."""
    if node.tag != tag:
        raise yaml.constructor.ConstructorError(
            None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
        )


def load_yaml(text: str) -> YamlDocument:
    """Parse one YAML document safely. Never raises on bad input: problems are returned."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:  # a control character: the reader checks the whole text first
        return YamlDocument(data=None, problems=[_reader_problem(text, error)])
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None)
        builder = _Builder(loader)
        data = builder.build(node, ())
        return YamlDocument(data=data, positions=builder.positions, problems=builder.problems)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        message = error.problem or error.context or "not valid YAML"
        return YamlDocument(
            data=None,
            problems=[
                YamlProblem("E001", f"YAML syntax error: {message}", position, hint=_syntax_hint(message))
            ],
        )
    except yaml.YAMLError as error:
        return YamlDocument(data=None, problems=[YamlProblem("E001", f"YAML error: {error}", Position(1, 1))])
    finally:
        loader.dispose()


def _reader_problem(text: str, error: yaml.reader.ReaderError) -> YamlProblem:
    """One line, at the character's line and column (PyYAML gives an offset on a second line)."""
    offset = min(max(error.position, 0), len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    code = f" #x{error.character:04x}" if isinstance(error.character, int) else ""
    message = f"YAML syntax error: unacceptable character{code}: {error.reason}"
    return YamlProblem("E001", message, Position(line, column))


def _syntax_hint(message: str) -> str | None:
    # PyYAML names a tab as the escaped character, e.g. "found character '\\t' that cannot start any token".
    if "tab" in message or "'\\t'" in message:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted"
    if "could not find expected ':'" in message:
        return "check the indentation and that every key ends with ':'"
    return None
