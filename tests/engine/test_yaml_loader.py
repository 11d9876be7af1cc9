"""The positioned YAML loader: duplicate keys everywhere, merge keys, syntax errors with positions,
safe loading (no Python objects), and never an exception on bad input. Every test runs with
libyaml composing and with the pure-Python loader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.answers_file import parse_answers_text
from screening.loading import parse_text
from screening.yamlsource import Position, load_yaml
from tests.engine.yaml_loader_paths import loader_path

pytestmark = pytest.mark.usefixtures(loader_path.__name__)


def _problems(text: str) -> list[tuple[str, int, int, str]]:
    return [(p.code, p.position.line, p.position.column, p.message) for p in load_yaml(text).problems]


# ------------------------------------------------------------------------------ duplicate keys


def test_duplicate_keys_are_reported_everywhere_with_both_lines() -> None:
    text = (
        "a: 1\n"  # 1
        "b:\n"  # 2
        "  c: 2\n"  # 3
        "  c: 3\n"  # 4
        "l:\n"  # 5
        "  - {x: 1, x: 2}\n"  # 6
        "  - y: 1\n"  # 7
        "    z: {deep: 1, deep: 2}\n"  # 8
        "    y: 2\n"  # 9
        "a: 9\n"  # 10
    )
    assert _problems(text) == [
        ("E002", 4, 3, "duplicate key 'c' (first given at line 3)"),
        ("E002", 6, 12, "duplicate key 'x' (first given at line 6)"),
        ("E002", 8, 18, "duplicate key 'deep' (first given at line 8)"),
        ("E002", 9, 5, "duplicate key 'y' (first given at line 7)"),
        ("E002", 10, 1, "duplicate key 'a' (first given at line 1)"),
    ]
    document = load_yaml(text)
    # The first value is kept, so the rest of the file can still be checked.
    assert document.data == {"a": 1, "b": {"c": 2}, "l": [{"x": 1}, {"y": 1, "z": {"deep": 1}}]}
    assert all(
        p.hint == "each key may appear once in a mapping; remove or rename one of them"
        for p in document.problems
    )


def test_duplicate_keys_in_a_questionnaire_name_the_file_line_and_column() -> None:
    text = "id: demo\nkind: instrument\nsections:\n  - id: main\n    items: []\n    id: again\n"
    parsed = parse_text("q.yaml", text)
    first = str(parsed.issues[0]).split("\n")[0]
    assert first == "q.yaml:6:5: E002 duplicate key 'id' (first given at line 4)"


def test_a_key_that_is_not_a_plain_value_is_reported() -> None:
    assert _problems("? [1, 2]\n: x\nok: 1\n") == [("E002", 1, 3, "a mapping key must be a plain value")]
    assert load_yaml("? [1, 2]\n: x\nok: 1\n").data == {"ok": 1}


# ------------------------------------------------------------------------------ merge keys


def test_merge_keys_are_allowed_and_own_keys_win() -> None:
    text = (
        "defaults: &d {type: boolean, required: false}\n"
        "more: &m {help: H}\n"
        "one:\n"
        "  <<: *d\n"
        "  required: true\n"
        "two:\n"
        "  <<: [*d, *m]\n"
        "  id: two\n"
    )
    document = load_yaml(text)
    assert document.problems == []
    assert document.data["one"] == {"type": "boolean", "required": True}
    assert document.data["two"] == {"id": "two", "type": "boolean", "required": False, "help": "H"}
    assert document.position(("one", "required")) == Position(5, 3)


def test_a_merge_key_must_name_a_mapping() -> None:
    assert _problems("m:\n  <<: 5\n") == [("E002", 2, 7, "a merge key ('<<') must refer to a mapping")]


def test_merge_keys_in_a_questionnaire_validate() -> None:
    text = (
        "id: demo\nkind: instrument\nversion: 1.0.0\ntitle: Demo\n"
        "sections:\n"
        "  - id: main\n"
        "    title: Main\n"
        "    items:\n"
        "      - &yesno {id: q1, type: boolean, text: Q1, required: false}\n"
        "      - {<<: *yesno, id: q2, text: Q2}\n"
    )
    parsed = parse_text("q.yaml", text)
    assert parsed.issues == []
    assert parsed.questionnaire is not None
    second = parsed.questionnaire.sections[0].items[1]
    assert (second.id, second.text, second.required) == ("q2", "Q2", False)


# ------------------------------------------------------------------------------ syntax errors


@pytest.mark.parametrize(
    ("text", "expected", "hint"),
    [
        (
            "a: 1\n\tb: 2\n",
            ("E001", 2, 1, "YAML syntax error: found character '\\t' that cannot start any token"),
            "indent with spaces, not tabs",
        ),
        (
            "a:\n  - 1\n\t- 2\n",
            ("E001", 3, 1, "YAML syntax error: found character '\\t' that cannot start any token"),
            "indent with spaces, not tabs",
        ),
        (
            "title: Depression: the screen\n",
            ("E001", 1, 18, "YAML syntax error: mapping values are not allowed here"),
            "a value containing ': ' must be quoted",
        ),
        ("a: [1, 2\nb: 3\n", ("E001", 2, 2, "YAML syntax error: expected ',' or ']', but got ':'"), None),
        ("a: 'open\n", ("E001", 2, 1, "YAML syntax error: found unexpected end of stream"), None),
        ("a: 1\n---\nb: 2\n", ("E001", 2, 1, "YAML syntax error: but found another document"), None),
        ("a: *nowhere\n", ("E001", 1, 4, "YAML syntax error: found undefined alias 'nowhere'"), None),
    ],
    ids=[
        "tab",
        "tab-in-list",
        "unquoted-colon",
        "unclosed-bracket",
        "unclosed-quote",
        "two-documents",
        "alias",
    ],
)
def test_syntax_errors_give_e001_with_line_and_column(
    text: str, expected: tuple[str, int, int, str], hint: str | None
) -> None:
    document = load_yaml(text)
    assert document.data is None
    assert _problems(text) == [expected]
    assert document.problems[0].hint == hint


@pytest.mark.parametrize(
    ("text", "line", "column", "code"),
    [
        ("a: 1\nb: x\x07y\n", 2, 5, "#x0007"),
        ("\x00", 1, 1, "#x0000"),
        ("a: |\n  one\n  t\x1bwo\n", 3, 4, "#x001b"),
    ],
    ids=["bell", "nul", "escape-in-block"],
)
def test_a_control_character_is_e001_at_its_line_and_never_raises(
    text: str, line: int, column: int, code: str
) -> None:
    document = load_yaml(text)
    assert document.data is None
    assert _problems(text) == [
        (
            "E001",
            line,
            column,
            f"YAML syntax error: unacceptable character {code}: special characters are not allowed",
        )
    ]


def test_an_empty_document_is_none_without_problems() -> None:
    assert load_yaml("").data is None
    assert load_yaml("# only a comment\n").problems == []


# ------------------------------------------------------------------------------ safe loading


@pytest.mark.parametrize(
    "template",
    [
        "x: !!python/object/apply:os.mkdir ['{path}']\n",
        "x: !!python/object/apply:os.mkdir\n  args: ['{path}']\n",
        "x: !!python/object/apply:os.mkdir '{path}'\n",
        "x: !!python/object/new:os.mkdir ['{path}']\n",
        "x: !!python/object:os.mkdir {{path: '{path}'}}\n",
        "x: !!python/name:os.mkdir ''\n",
        "x: !!python/module:os ''\n",
    ],
    ids=["apply-seq", "apply-map", "apply-scalar", "new", "object", "name", "module"],
)
def test_python_tags_are_rejected_and_never_run(template: str, tmp_path: Path) -> None:
    target = tmp_path / "created-by-yaml"
    document = load_yaml(template.format(path=target))
    assert not target.exists()
    assert document.data is None
    assert [(p.code, p.position.line) for p in document.problems] == [("E001", 1)]
    assert "could not determine a constructor for the tag" in document.problems[0].message


def test_a_custom_tag_on_a_mapping_is_rejected_like_on_a_scalar() -> None:
    for text in ("x: !custom 5\n", "x: !custom {a: 1}\n", "x: !custom [1]\n"):
        assert [p.code for p in load_yaml(text).problems] == ["E001"], text


def test_standard_scalar_tags_still_work() -> None:
    assert load_yaml("a: !!str 5\nb: 2026-11-20\nc: 1.5\n").data == {
        "a": "5",
        "b": dt.date(2026, 11, 20),
        "c": 1.5,
    }


# ------------------------------------------------------------------------------ values that look like dates


@pytest.mark.parametrize("value", ["1979-02-30", "2026-13-01", "2026-11-20T25:00:00"])
def test_an_impossible_date_never_raises_and_stays_text(value: str) -> None:
    document = load_yaml(f"a:\n  when: {value}\n")
    assert document.problems == []
    assert document.data == {"a": {"when": value}}


def test_an_impossible_date_in_an_answers_file_is_a_problem_of_that_item() -> None:
    answers_file, problems = parse_answers_text(
        "questionnaire: phq9\nassessed_on: 2026-02-30\nanswers: {date_of_birth: 1979-02-30}\n"
    )
    assert answers_file is not None
    assert [str(p) for p in problems] == ["assessed_on: expected a date (YYYY-MM-DD)"]
    assert answers_file.answers == {"date_of_birth": "1979-02-30"}


def test_an_impossible_date_in_a_questionnaire_is_a_format_error_at_its_line() -> None:
    text = (
        "id: demo\nkind: instrument\nversion: 1.0.0\ntitle: Demo\n"
        "sections:\n"
        "  - id: main\n"
        "    title: Main\n"
        "    items:\n"
        "      - {id: born, type: date, text: Born, earliest: 1900-02-30}\n"
    )
    issues = [str(issue) for issue in parse_text("q.yaml", text).issues]
    assert len(issues) == 1
    assert issues[0].startswith("q.yaml:9:44: E003 sections[0].items[0].earliest: ")


# ------------------------------------------------------------------------------ positions


def test_positions_of_keys_and_list_entries() -> None:
    document = load_yaml("a:\n  - x: 1\n  - {y: 2}\nb: 3\n")
    assert document.position(("a",)) == Position(1, 1)
    assert document.position(("a", 0)) == Position(2, 5)
    assert document.position(("a", 1, "y")) == Position(3, 6)
    # Unknown tails fall back to the deepest known prefix, unknown roots to the file start.
    assert document.position(("a", 1, "y", "tag-not-in-data")) == Position(3, 6)
    assert document.position(("nothing",)) == Position(1, 1)


YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!<>|'\"#?,.\n\t 0129%@`")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(YAMLISH | st.text(max_size=60))
def test_load_yaml_never_raises(text: str) -> None:
    document = load_yaml(text)
    for problem in document.problems:
        assert problem.code in ("E001", "E002")
        assert problem.position.line >= 1 and problem.position.column >= 1
        assert "\n" not in problem.message


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        YAMLISH,
        st.text(max_size=60),
        st.builds(
            lambda key, value: f"questionnaire: phq9\nassessed_on: 2026-11-20\nanswers:\n  {key}: {value}\n",
            st.sampled_from(["phq9_1", "phq9_difficulty", "x", "<<", "? a"]),
            YAMLISH | st.text(max_size=20),
        ),
    )
)
def test_answers_and_questionnaire_texts_never_raise(text: str) -> None:
    parse_answers_text(text)
    parse_text("q.yaml", text)
