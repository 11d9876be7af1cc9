"""Hostile YAML files: an alias bomb, nesting deeper than the limit (and deep enough to exhaust
the parser's recursion), an alias inside its own value and a file longer than the limit. Each is
refused with one line naming the file and line, in every kind of file the app reads (a
questionnaire, the clinic file, an answers file), and never takes the other files down."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from screening.config import ConfigError, load_clinic_settings
from screening.loading import BUNDLED_DIRECTORY, load_catalog
from screening.yamlsource import MAX_DEPTH, MAX_SOURCE_CHARS, MAX_VALUES, load_yaml
from tests.app.app_support import COORDINATOR, assert_ok, open_app
from tests.cli_support import assert_no_traceback, run_cli
from tests.engine.yaml_loader_paths import loader_path
from ui import services


def _alias_bomb(levels: int, copies: int = 9) -> str:
    """Billion laughs: each level is a list of `copies` aliases of the level below."""
    names = [f"l{level}" for level in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * copies) + "]"]
    for below, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{below}"] * copies) + "]")
    return "\n".join(lines) + "\n"


def _nested(levels: int) -> str:
    return "deep: " + "[" * levels + "]" * levels + "\n"


@dataclass(frozen=True)
class Hostile:
    """A hostile file body (a mapping, as every file kind expects), what its problem says, and
    the line it names."""

    text: str
    says: str
    line: int


HOSTILE = {
    "alias-bomb": Hostile(_alias_bomb(9), f"expand to more than {MAX_VALUES:,}", 0),
    "too-deep": Hostile(_nested(MAX_DEPTH + 1), f"more than {MAX_DEPTH} levels deep", 1),
    "deeper-than-recursion": Hostile("a: 1\n" + _nested(2000), f"more than {MAX_DEPTH} levels deep", 2),
    "self-alias": Hostile(
        "a: 1\nloop: &loop [1, *loop]\n", "an alias refers to the value that contains it", 2
    ),
    "too-long": Hostile("a: 1\n# " + "x" * MAX_SOURCE_CHARS + "\n", f"longer than {MAX_SOURCE_CHARS:,}", 1),
}
"""The alias bomb's line is wherever the count passes the limit (0: not checked)."""

CASES = pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
BOTH_LOADERS = pytest.mark.usefixtures(loader_path.__name__)
"""The loader tests run with libyaml composing and with the pure-Python loader."""


# ------------------------------------------------------------------------------ the loader


@BOTH_LOADERS
@CASES
def test_the_loader_refuses_the_file_with_one_problem(case: str) -> None:
    hostile = HOSTILE[case]
    document = load_yaml(hostile.text)
    assert document.data is None
    assert [(p.code, "\n" in p.message) for p in document.problems] == [("E001", False)]
    assert hostile.says in document.problems[0].message
    if hostile.line:
        assert document.problems[0].position.line == hostile.line


@BOTH_LOADERS
def test_an_aliased_value_is_built_once_and_shared() -> None:
    # Four levels of nine aliases over nine strings: 59,049 strings in l4 when expanded (about
    # 66,000 values in the file, under the limit), yet only the five lists are built.
    document = load_yaml(_alias_bomb(4))
    assert document.problems == []
    top = document.data["l4"]
    assert len(top) == 9 and all(entry is document.data["l3"] for entry in top)
    assert top[0][0][0][0] is document.data["l0"]


@BOTH_LOADERS
@pytest.mark.parametrize("levels", [MAX_DEPTH - 1, MAX_DEPTH])
def test_nesting_up_to_the_limit_loads(levels: int) -> None:
    # The file's own mapping is the first level.
    assert load_yaml(_nested(levels - 1)).problems == []


@BOTH_LOADERS
def test_aliases_cannot_nest_deeper_than_the_limit_together() -> None:
    half = MAX_DEPTH // 2 + 1
    text = f"a: &a {'[' * half}1{']' * half}\nb: {'[' * half}*a{']' * half}\n"
    problems = load_yaml(text).problems
    assert [p.message for p in problems] == [
        f"values are nested more than {MAX_DEPTH} levels deep (the limit for a YAML file)"
    ]


# ------------------------------------------------------------------------------ a questionnaire


@CASES
def test_a_hostile_questionnaire_is_refused_and_the_others_still_load(case: str, tmp_path: Path) -> None:
    for bundled in BUNDLED_DIRECTORY.glob("*.yaml"):
        shutil.copy(bundled, tmp_path / bundled.name)
    hostile = HOSTILE[case]
    (tmp_path / "hostile.yaml").write_text(hostile.text, encoding="utf-8")
    catalog = load_catalog([tmp_path], run_examples=False)
    assert set(catalog.definitions) == {"asq", "gad7", "phq9", "ketamine-trd-intake"}
    issues = [issue for issue in catalog.issues if issue.path.endswith("hostile.yaml")]
    assert len(issues) == 1
    shown = str(issues[0])
    assert "\n" not in shown and hostile.says in shown
    assert shown.startswith(f"{tmp_path / 'hostile.yaml'}:{hostile.line or ''}")


# ------------------------------------------------------------------------------ the clinic file


@CASES
def test_a_hostile_clinic_file_is_one_line_config_error(case: str, tmp_path: Path) -> None:
    hostile = HOSTILE[case]
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(hostile.text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_clinic_settings(clinic)
    message = str(raised.value)
    assert "\n" not in message and hostile.says in message
    assert message.startswith(f"{clinic}:{hostile.line or ''}")


def test_a_clinic_file_that_is_not_utf8_is_one_line_config_error(tmp_path: Path) -> None:
    clinic = tmp_path / "clinic.yaml"
    clinic.write_bytes(b"name: Clinique \xe9\n")
    with pytest.raises(ConfigError, match="cannot read the clinic file: not UTF-8 text"):
        load_clinic_settings(clinic)


@pytest.fixture
def app_with_clinic_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app on a SQLite file of its own, reading the clinic file returned."""
    clinic = tmp_path / "clinic.yaml"
    monkeypatch.setenv("SCREENING_DATABASE_URL", f"sqlite:///{tmp_path / 'screenings.db'}")
    monkeypatch.setenv("SCREENING_CLINIC_FILE", str(clinic))
    monkeypatch.delenv("SCREENING_QUESTIONNAIRES", raising=False)
    services.reload_settings()
    yield clinic
    services.workflow().close()
    services.forget_workflow()
    services.reload_settings()


@pytest.mark.parametrize("case", ["alias-bomb", "deeper-than-recursion"])
def test_the_app_shows_a_hostile_clinic_file_as_a_message(case: str, app_with_clinic_file: Path) -> None:
    hostile = HOSTILE[case]
    app_with_clinic_file.write_text(hostile.text, encoding="utf-8")
    at = open_app(COORDINATOR)
    assert_ok(at)
    # Nobody is signed in: the sign-in page shows the problem as plain text (a code block).
    assert "user" not in at.session_state and not at.sidebar.button
    assert any("clinic settings file has a problem" in str(element.value) for element in at.error)
    problems = [str(element.value) for element in at.code]
    assert len(problems) == 1
    assert f"{app_with_clinic_file}:{hostile.line or ''}" in problems[0] and hostile.says in problems[0]
    assert [title.value for title in at.title]  # the page itself is drawn


# ------------------------------------------------------------------------------ an answers file


@CASES
def test_a_hostile_answers_file_is_refused_by_the_command_line(case: str, tmp_path: Path) -> None:
    hostile = HOSTILE[case]
    answers = tmp_path / "answers.yaml"
    answers.write_text(hostile.text, encoding="utf-8")
    completed = run_cli("assess", answers)
    assert_no_traceback(completed)
    assert completed.returncode != 0
    lines = [line for line in (completed.stdout + completed.stderr).splitlines() if hostile.says in line]
    assert len(lines) == 1
    assert str(answers) in lines[0]
    if hostile.line:
        assert f"line {hostile.line}" in lines[0]
