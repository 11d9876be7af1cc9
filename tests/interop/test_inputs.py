"""Files from outside read as hostile input: one line per problem, never the content."""

from __future__ import annotations

import pytest

from screening.interop.inputs import MAX_BYTES, MAX_DEPTH, read_json, read_text

WHAT = "the test file"
SECRET = "SECRET-PATIENT-TEXT"  # noqa: S105 - a marker that must never appear in messages


def _refused(data: bytes) -> list[str]:
    value, problems = read_json(data, what=WHAT)
    assert value is None
    assert len(problems) == 1
    assert "\n" not in problems[0]
    assert problems[0].startswith(WHAT)
    assert SECRET not in problems[0]
    return problems


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "is empty"),
        (b"  \n", "is empty"),
        (f"not json {SECRET}".encode(), "is not valid JSON (line 1, column 1)"),
        (f'{{"name": "{SECRET}"'.encode(), "is not valid JSON"),
        (f'{{"a": 1}} {SECRET}'.encode(), "is not valid JSON"),
        (f'{{"name": "{SECRET}", "x": NaN}}'.encode(), "is not valid JSON"),
        (b'{"x": Infinity}', "is not valid JSON"),
        (b'{"x": ' + b"9" * 5000 + b"}", "is not valid JSON"),
        (b"\xff\xfe{}" + SECRET.encode(), "is not UTF-8 text (invalid byte at offset 0)"),
        (f'["{SECRET}"]'.encode(), "top level, not an array"),
        (f'"{SECRET}"'.encode(), "top level, not a string"),
        (b"42", "top level, not a number"),
        (b"null", "top level, not true/false/null"),
    ],
)
def test_refused_inputs(data: bytes, expected: str) -> None:
    assert expected in _refused(data)[0]


def test_deep_nesting_is_one_line_not_a_recursion_error() -> None:
    for data in (b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        assert f"deeper than {MAX_DEPTH} levels" in _refused(data)[0]


def test_depth_limit_is_exact() -> None:
    inside = b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1)
    value, problems = read_json(b'{"a": ' + inside + b"}", what=WHAT)
    assert problems == [] and value is not None
    assert "deeper" in _refused(b'{"a": [' + inside + b"]}")[0]


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "' + "[" * 1000 + '", "b": "\\"[[[[", "c": "]]]]{{{{"}'
    value, problems = read_json(text.encode(), what=WHAT)
    assert problems == []
    assert value == {"a": "[" * 1000, "b": '"[[[[', "c": "]]]]{{{{"}


def test_too_big_is_refused_before_reading() -> None:
    data = b'{"a": "' + SECRET.encode() + b"x" * (6 * 1024 * 1024) + b'"}'
    problem = _refused(data)[0]
    assert f"larger than {MAX_BYTES:,} bytes" in problem


def test_a_file_at_the_limit_is_read() -> None:
    padding = MAX_BYTES - len(b'{"a": ""}')
    value, problems = read_json(b'{"a": "' + b"x" * padding + b'"}', what=WHAT)
    assert problems == [] and value is not None


def test_byte_order_mark_and_text_kept() -> None:
    value, problems = read_json('\ufeff{"name": "<b>O\'Brien</b> & co"}'.encode(), what=WHAT)
    assert problems == []
    assert value == {"name": "<b>O'Brien</b> & co"}


def test_read_text() -> None:
    assert read_text("\ufeffa,b\n1,2\n".encode(), what=WHAT) == ("a,b\n1,2\n", [])
    text, problems = read_text(b"a,\xff", what=WHAT)
    assert text is None and problems == [f"{WHAT} is not UTF-8 text (invalid byte at offset 2)"]
    text, problems = read_text(b"x" * 11, what=WHAT, max_bytes=10)
    assert text is None and len(problems) == 1 and "10 bytes" in problems[0]
