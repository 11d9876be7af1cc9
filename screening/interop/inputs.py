"""Reading files from outside as hostile input.

A file handed to an import may be anything: too big, not text, not JSON, nested deep enough to
exhaust the parser's recursion, or JSON of the wrong shape. These readers refuse such input with
one line per problem. A problem names the input (`what`) and, where useful, a line and column —
never any of the file's content, which may be patient data.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_BYTES = 5_000_000
MAX_DEPTH = 64

# A JSON string literal (the unrolled form, so long strings are matched without backtracking).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _size_problem(data: bytes, what: str, max_bytes: int) -> str | None:
    if len(data) > max_bytes:
        return f"{what} is {len(data):,} bytes; files larger than {max_bytes:,} bytes are refused"
    return None


def _decode(data: bytes, what: str) -> tuple[str | None, str | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        return None, f"{what} is not UTF-8 text (invalid byte at offset {error.start})"


def _too_deep(text: str, max_depth: int) -> bool:
    """Whether arrays/objects nest deeper than `max_depth`, found without recursion.

    String literals are removed first so brackets inside text do not count. Unbalanced brackets
    are left for the JSON parser to report.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_text(data: bytes, *, what: str, max_bytes: int = MAX_BYTES) -> tuple[str | None, list[str]]:
    """The text of `data` (UTF-8, a byte-order mark accepted), or None and the problems."""
    size = _size_problem(data, what, max_bytes)
    if size is not None:
        return None, [size]
    text, problem = _decode(data, what)
    if problem is not None:
        return None, [problem]
    return text, []


def read_json(data: bytes, *, what: str) -> tuple[Any | None, list[str]]:
    """The JSON object in `data`, or None and the problems (one line each, no file content).

    Refused: more than MAX_BYTES, not UTF-8, nesting deeper than MAX_DEPTH (checked before
    parsing, so no recursion error can occur), not JSON (including NaN/Infinity and numbers too
    long to convert), and a top level that is not an object.
    """
    text, problems = read_text(data, what=what)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [f"{what} is empty"]
    if _too_deep(text, MAX_DEPTH):
        return None, [f"{what} nests arrays/objects deeper than {MAX_DEPTH} levels; refused"]
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as error:
        return None, [f"{what} is not valid JSON (line {error.lineno}, column {error.colno})"]
    except (ValueError, RecursionError):
        return None, [f"{what} is not valid JSON (NaN, Infinity or a number too long to read)"]
    if not isinstance(value, dict):
        return None, [f"{what} must contain a JSON object at the top level, not {_kind(value)}"]
    return value, []


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return "true/false/null"
    return "a number"
