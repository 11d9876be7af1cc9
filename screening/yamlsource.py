"""Safe YAML loading that keeps where every value came from.

`load_yaml` parses with PyYAML's safe loader (no Python objects, no code), rejects duplicate keys
(reporting every one, not only the first) and returns a `YamlDocument`: the plain data plus a map
from each value's path (a tuple of keys and list indexes) to its line and column. Checkers use the
map to point at `file:line:col`.

Every YAML file the app reads (questionnaires, the clinic file, answers files) is treated as
hostile input and held to the limits below, each refused with one problem that names the line:
a text longer than `MAX_SOURCE_CHARS`, values nested deeper than `MAX_DEPTH`, more than
`MAX_VALUES` values once aliases are expanded, and an alias inside the value it names. Anchors and
aliases (and merge keys) stay allowed: questionnaires use them for repeated item settings, and
`yaml.safe_dump` writes them for a value that appears twice. An aliased value is built once and
shared, never built again for each alias.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[Any, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_MERGE_KEY = "<<"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

# Limits for every YAML file the app reads. The largest bundled questionnaire
# (ketamine-trd-intake.yaml) is about 97,000 characters, nests 12 levels deep and holds about
# 5,700 values; clinic and answers files are far smaller. Each limit leaves ample room above that
# and still bounds the time and memory one file can take.
MAX_SOURCE_CHARS = 1_000_000
"""Characters in one file: ten times the largest bundled questionnaire. A longer file is not
read past this limit."""
MAX_DEPTH = 32
"""Levels of nested mappings and lists, aliases counted where they are used: almost three times
the deepest bundled file. Parsing recurses once per level, so this keeps it far from Python's
recursion limit even when called from deep inside the app."""
MAX_VALUES = 200_000
"""Values (keys included) once every alias is expanded: 35 times the largest bundled file. Aliases
are built once, but whatever walks the data (validation, copies, JSON) visits a shared value at
each use, so the expanded count is what is limited (a few tens of MB at most)."""


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


class _LimitError(yaml.MarkedYAMLError):
    """A file over one of the limits; `problem` says which, in words."""


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than `MAX_DEPTH` while composing (before the
    composer's recursion can exhaust the stack); construction of containers is done by `_Builder`."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _LimitError(problem=_too_deep(), problem_mark=mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _too_deep() -> str:
    return f"values are nested more than {MAX_DEPTH} levels deep (the limit for a YAML file)"


def _measure(root: Node) -> None:
    """Refuse a node graph that is too deep or too large once aliases are expanded, or that holds
    an alias inside the value it names. Each node is measured once (aliases share nodes)."""
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values when expanded, levels)
    open_nodes: set[int] = set()

    def measure(node: Node, depth: int) -> tuple[int, int]:
        known = sizes.get(id(node))
        if known is None:
            known = _measure_new(node, depth)
        if depth + known[1] - 1 > MAX_DEPTH:
            raise _LimitError(problem=_too_deep(), problem_mark=node.start_mark)
        return known

    def _measure_new(node: Node, depth: int) -> tuple[int, int]:
        if id(node) in open_nodes:
            raise _LimitError(
                problem="an alias refers to the value that contains it", problem_mark=node.start_mark
            )
        if depth > MAX_DEPTH:
            raise _LimitError(problem=_too_deep(), problem_mark=node.start_mark)
        children: list[Node] = []
        if isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        open_nodes.add(id(node))
        count, levels = 1, 1
        for child in children:
            child_count, child_levels = measure(child, depth + 1)
            count += child_count
            levels = max(levels, child_levels + 1)
            if count > MAX_VALUES:
                raise _LimitError(
                    problem=f"the values expand to more than {MAX_VALUES:,} (the limit for a YAML"
                    " file; an alias counts its value again each time it is used)",
                    problem_mark=child.start_mark,
                )
        open_nodes.discard(id(node))
        sizes[id(node)] = (count, levels)
        return count, levels

    measure(root, 1)


def read_source(path: FilePath) -> str:
    """The text of a YAML file (UTF-8, universal newlines), read up to one character past
    `MAX_SOURCE_CHARS`: enough for `load_yaml` to refuse a longer file, never all of a huge one.

    Raises `OSError` or `UnicodeDecodeError` as `Path.read_text` does.
    """
    with path.open(encoding="utf-8") as file:
        return file.read(MAX_SOURCE_CHARS + 1)


def _mark(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Builds plain Python data from a composed node tree, recording positions."""

    def __init__(self, loader: _Loader) -> None:
        self.loader = loader
        self.positions: dict[Path, Position] = {}
        self.problems: list[YamlProblem] = []
        self._built: dict[int, tuple[Any, Path]] = {}
        """Each mapping and list built so far, with the path it was first built at: an alias
        gets the same value, never a new copy (which would grow with every level of aliases)."""

    def build(self, node: Node, path: Path) -> Any:
        self.positions.setdefault(path, _mark(node))
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        built = self._built.get(id(node))
        if built is not None:
            return built[0]
        value: Any
        if isinstance(node, MappingNode):
            value = self._mapping(node, path)
        else:
            assert isinstance(node, SequenceNode)
            _plain_collection(node, _SEQ_TAG)
            value = [self.build(child, (*path, index)) for index, child in enumerate(node.value)]
        self._built[id(node)] = (value, path)
        return value

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
        merged: list[tuple[dict[Any, Any], Path]] = []
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
        # Merge keys (`<<: *anchor`) fill in what the mapping does not set itself; a merged key
        # is placed where the mapping it comes from sets it.
        for source, source_path in merged:
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    if (*source_path, key) in self.positions:
                        self.positions[(*path, key)] = self.positions[(*source_path, key)]
        return result

    def _merge_sources(self, node: Node, path: Path) -> list[tuple[dict[Any, Any], Path]]:
        listed = isinstance(node, SequenceNode)
        nodes = node.value if listed else [node]
        sources: list[tuple[dict[Any, Any], Path]] = []
        for index, child in enumerate(nodes):
            if isinstance(child, MappingNode):
                # Usually an alias, built already where its anchor is; else built under '<<'.
                self.build(child, (*path, _MERGE_KEY, index) if listed else (*path, _MERGE_KEY))
                sources.append(self._built[id(child)])
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
    """Parse one YAML document safely. Never raises on bad input: problems are returned.

    A text over the limits (see `MAX_SOURCE_CHARS`, `MAX_DEPTH`, `MAX_VALUES`) gives one E001
    problem and no data.
    """
    if len(text) > MAX_SOURCE_CHARS:
        message = f"the file is longer than {MAX_SOURCE_CHARS:,} characters (the limit for a YAML file)"
        return YamlDocument(data=None, problems=[YamlProblem("E001", message, Position(1, 1))])
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:  # a control character: the reader checks the whole text first
        return YamlDocument(data=None, problems=[_reader_problem(text, error)])
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None)
        _measure(node)
        builder = _Builder(loader)
        data = builder.build(node, ())
        return YamlDocument(data=data, positions=builder.positions, problems=builder.problems)
    except _LimitError as error:
        mark = error.problem_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        return YamlDocument(data=None, problems=[YamlProblem("E001", str(error.problem), position)])
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
