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

When PyYAML was built with libyaml, the text is composed by libyaml's compiled parser and
composer, after one pass over its events that refuses nesting deeper than `MAX_DEPTH` before any
node is built (the compiled composer recurses once per level and cannot be stopped part way). A
text that libyaml rejects, or would read otherwise than PyYAML (a tab after a value, a local tag,
see `_PYTHON_ONLY`), is loaded by the pure-Python loader instead, so that every text loads, or is
refused with the same words, either way. Without libyaml the pure-Python loader does all of it.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[Any, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_MERGE_KEY = "<<"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"
_STANDARD_TAGS = "tag:yaml.org,2002:"
_PLAIN_SCALARS: dict[str, Any] = {
    f"tag:yaml.org,2002:{name}": SafeConstructor.yaml_constructors[f"tag:yaml.org,2002:{name}"]
    for name in ("null", "bool", "int", "float", "timestamp")
}
"""Constructors of the plain scalar tags, called directly (each returns its value); any other
tag goes through the safe loader's `construct_object`."""

_LIBYAML_LOADER: Any = getattr(yaml, "CSafeLoader", None)
USE_LIBYAML: bool = _LIBYAML_LOADER is not None
"""Compose with libyaml (when PyYAML was built with it); False for the pure-Python loader."""

_PYTHON_ONLY = re.compile(r"\t|(?<=.)\ufeff|[|>][-+0-9]*#|(?:\A|(?<=[\n\r\x85\u2028\u2029]))%", re.DOTALL)
"""What libyaml reads otherwise than PyYAML: it accepts tabs after values, `>#` and a '%' at a
line start inside brackets, and skips a byte order mark at any line start. A text with any of
these is loaded in Python, so that it loads (or is refused) as it is without libyaml."""

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


_pause_lock = threading.Lock()
_pauses = 0
_collecting_before = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """Garbage collection paused while the block runs (or the function it decorates).

    Loading a file (or assessing answers) allocates many objects and frees few of them, so the
    collector's passes only take time, and more than linearly in the size of the file: each pass
    walks everything alive.
    Nested and concurrent blocks share one pause; the collector is turned back on, if it was on,
    when the last of them ends.
    """
    global _pauses, _collecting_before  # noqa: PLW0603 - one pause shared by every thread
    with _pause_lock:
        if _pauses == 0:
            _collecting_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _collecting_before:
                gc.enable()


def _too_deep() -> str:
    return f"values are nested more than {MAX_DEPTH} levels deep (the limit for a YAML file)"


def _check_events(text: str) -> bool:
    """One pass over libyaml's events, before any node is built: refuse nesting deeper than
    `MAX_DEPTH` (libyaml's composer recurses once per level and cannot be stopped part way), at
    the same node the pure-Python loader names. An alias to an unknown or repeated anchor raises
    `ComposerError`, as composing would at that point.

    Returns whether the node graph still has to be measured (`_measure`): only when the text has
    aliases or too many values; without aliases the nodes form a tree as deep as checked here."""
    get_event = _LIBYAML_LOADER(text).get_event
    depth = 0  # collections open around the next node
    nodes = 0
    anchors: set[str] = set()
    aliased = False
    documents = 0
    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
            if depth >= MAX_DEPTH:
                raise _LimitError(problem=_too_deep(), problem_mark=event.start_mark)
            nodes += 1
            if kind is not ScalarEvent:
                depth += 1
            if event.tag is not None and not event.tag.startswith(_STANDARD_TAGS):
                # libyaml reads local tags otherwise (and a value tagged '!' as text, not null).
                raise _PythonOnly
            if event.anchor is not None:
                if event.anchor in anchors:
                    raise yaml.composer.ComposerError(None, None, "found duplicate anchor", event.start_mark)
                anchors.add(event.anchor)
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            depth -= 1
        elif kind is AliasEvent:
            if depth >= MAX_DEPTH:
                raise _LimitError(problem=_too_deep(), problem_mark=event.start_mark)
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark)
            aliased = True
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                break  # composing stops here: one document is expected
        elif kind is StreamEndEvent:
            break
    return aliased or nodes > MAX_VALUES


class _PythonOnly(Exception):
    """A text to load with the pure-Python loader, which reads it differently from libyaml."""


def _measure(root: Node) -> None:
    """Refuse a node graph that is too deep or too large once aliases are expanded, or that holds
    an alias inside the value it names. Each mapping and list is measured once (aliases share
    nodes), so the time is linear in the number of nodes however often a value is aliased."""
    sizes: dict[int, tuple[int, int]] = {}  # id(collection) -> (values when expanded, levels)
    open_nodes: set[int] = set()

    def _measure_new(node: Node, depth: int) -> tuple[int, int]:
        if id(node) in open_nodes:
            raise _LimitError(
                problem="an alias refers to the value that contains it", problem_mark=node.start_mark
            )
        if depth > MAX_DEPTH:
            raise _LimitError(problem=_too_deep(), problem_mark=node.start_mark)
        return measure(node, depth)

    def measure(node: Node, depth: int) -> tuple[int, int]:
        """(values, levels) of a mapping or list whose own level is `depth`."""
        open_nodes.add(id(node))
        children: list[Node] = (
            [part for pair in node.value for part in pair] if isinstance(node, MappingNode) else node.value
        )
        count, levels = 1, 1
        for child in children:
            if isinstance(child, ScalarNode):
                # One value one level down; the composer has checked its depth.
                count += 1
                levels = levels if levels > 1 else 2
            else:
                known = sizes.get(id(child)) or _measure_new(child, depth + 1)
                if depth + known[1] > MAX_DEPTH:
                    raise _LimitError(problem=_too_deep(), problem_mark=child.start_mark)
                count += known[0]
                levels = max(levels, known[1] + 1)
            if count > MAX_VALUES:
                raise _LimitError(
                    problem=f"the values expand to more than {MAX_VALUES:,} (the limit for a YAML"
                    " file; an alias counts its value again each time it is used)",
                    problem_mark=child.start_mark,
                )
        open_nodes.discard(id(node))
        sizes[id(node)] = (count, levels)
        return count, levels

    if not isinstance(root, ScalarNode):
        measure(root, 1)


def read_source(path: FilePath) -> str:
    """The text of a YAML file (UTF-8, universal newlines), read up to one character past
    `MAX_SOURCE_CHARS`: enough for `load_yaml` to refuse a longer file, never all of a huge one.

    Raises `OSError` or `UnicodeDecodeError` as `Path.read_text` does.
    """
    with path.open(encoding="utf-8") as file:
        return file.read(MAX_SOURCE_CHARS + 1)


def _mark(node: Node) -> Position:
    mark = node.start_mark
    return Position(mark.line + 1, mark.column + 1)


class _Builder:
    """Builds plain Python data from a composed node tree, recording positions."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        """The loader that composed the tree (its safe constructor builds the unusual scalars)."""
        self.positions: dict[Path, Position] = {}
        self.problems: list[YamlProblem] = []
        self._built: dict[int, tuple[Any, Path]] = {}
        """Each mapping and list built so far, with the path it was first built at: an alias
        gets the same value, never a new copy (which would grow with every level of aliases)."""

    def build(self, node: Node, path: Path) -> Any:
        """The value of `node` at `path`; the caller records the position of `path`."""
        if isinstance(node, ScalarNode):
            return node.value if node.tag == _STR_TAG else self._scalar(node)
        built = self._built.get(id(node))
        if built is not None:
            return built[0]
        value: Any
        if isinstance(node, MappingNode):
            value = self._mapping(node, path)
        else:
            assert isinstance(node, SequenceNode)
            value = self._sequence(node, path)
        return value

    def _sequence(self, node: SequenceNode, path: Path) -> list[Any]:
        _plain_collection(node, _SEQ_TAG)
        result: list[Any] = []
        self._built[id(node)] = (result, path)
        positions = self.positions
        for index, child in enumerate(node.value):
            child_path = (*path, index)
            positions.setdefault(child_path, _mark(child))
            if isinstance(child, ScalarNode) and child.tag == _STR_TAG:
                result.append(child.value)
            else:
                result.append(self.build(child, child_path))
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            constructor = _PLAIN_SCALARS.get(node.tag)
            if constructor is not None:
                return constructor(self.loader, node)
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

    def _key(self, node: Node) -> Any:
        """The key a node gives, or `_NOT_A_KEY` (reported) for a list, mapping or set."""
        if isinstance(node, ScalarNode):
            key: Any = node.value if node.tag == _STR_TAG else self._scalar(node)
            if not isinstance(key, (list, dict, set)) and isinstance(key, Hashable):
                return key
        self.problems.append(YamlProblem("E002", "a mapping key must be a plain value", _mark(node)))
        return _NOT_A_KEY

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        _plain_collection(node, _MAP_TAG)
        result: dict[Any, Any] = {}
        self._built[id(node)] = (result, path)
        positions = self.positions
        merged: list[tuple[dict[Any, Any], Path]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, path))
                continue
            key = self._key(key_node)
            if key is _NOT_A_KEY:
                continue
            child_path = (*path, key)
            if key in result:
                self._duplicate(key, key_node, positions.get(child_path))
                continue
            positions[child_path] = _mark(key_node)
            if isinstance(value_node, ScalarNode) and value_node.tag == _STR_TAG:
                result[key] = value_node.value
            else:
                result[key] = self.build(value_node, child_path)
        # Merge keys (`<<: *anchor`) fill in what the mapping does not set itself; a merged key
        # is placed where the mapping it comes from sets it.
        for source, source_path in merged:
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    if (*source_path, key) in positions:
                        positions[(*path, key)] = positions[(*source_path, key)]
        return result

    def _duplicate(self, key: Any, key_node: Node, first: Position | None) -> None:
        where = f" (first given at line {first.line})" if first else ""
        self.problems.append(
            YamlProblem(
                "E002",
                f"duplicate key '{key}'{where}",
                _mark(key_node),
                hint="each key may appear once in a mapping; remove or rename one of them",
            )
        )

    def _merge_sources(self, node: Node, path: Path) -> list[tuple[dict[Any, Any], Path]]:
        listed = isinstance(node, SequenceNode)
        nodes = node.value if listed else [node]
        sources: list[tuple[dict[Any, Any], Path]] = []
        for index, child in enumerate(nodes):
            if isinstance(child, MappingNode):
                # Usually an alias, built already where its anchor is; else built under '<<'.
                child_path = (*path, _MERGE_KEY, index) if listed else (*path, _MERGE_KEY)
                self.positions.setdefault(child_path, _mark(child))
                self.build(child, child_path)
                sources.append(self._built[id(child)])
            else:
                self.problems.append(
                    YamlProblem("E002", "a merge key ('<<') must refer to a mapping", _mark(child))
                )
        return sources


_NOT_A_KEY = object()


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
    compiled = USE_LIBYAML and _PYTHON_ONLY.search(text) is None
    try:
        if compiled:
            yaml.reader.Reader(text)  # control characters, found and worded as without libyaml
        loader: Any = _LIBYAML_LOADER(text) if compiled else _Loader(text)
    except yaml.reader.ReaderError as error:  # a control character: the reader checks the whole text first
        return YamlDocument(data=None, problems=[_reader_problem(text, error)])
    try:
        with collection_paused():
            return _load(loader, text)
    finally:
        loader.dispose()


def _compose(loader: Any, text: str) -> tuple[Node | None, bool]:
    """The root node of the text (None for an empty document), and whether it still has to be
    measured."""
    if isinstance(loader, _Loader):
        return loader.get_single_node(), True
    try:
        unmeasured = _check_events(text)
        return loader.get_single_node(), unmeasured
    except _LimitError:
        raise
    except (yaml.YAMLError, _PythonOnly):
        pass
    # libyaml words its syntax errors differently: compose again in Python, which says what the
    # problem is as it does without libyaml (and is the reference for what is valid).
    fallback = _Loader(text)
    try:
        return fallback.get_single_node(), True
    finally:
        fallback.dispose()


def _load(loader: Any, text: str) -> YamlDocument:
    try:
        node, unmeasured = _compose(loader, text)
        if node is None:
            return YamlDocument(data=None)
        if unmeasured:
            _measure(node)
        builder = _Builder(loader)
        builder.positions[()] = _mark(node)
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
