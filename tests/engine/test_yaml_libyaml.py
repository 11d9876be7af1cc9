"""The YAML loader with libyaml composing: it reads every text as the pure-Python loader does
(data, positions, problems and their wording), refuses too deep nesting before libyaml composes
anything, and leaves the garbage collector as it found it."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import yamlsource
from screening.loading import BUNDLED_DIRECTORY
from screening.yamlsource import MAX_DEPTH, MAX_VALUES, YamlDocument, collection_paused, load_yaml
from tests.engine.yaml_loader_paths import HAS_LIBYAML, loader_path

pytestmark = pytest.mark.skipif(not HAS_LIBYAML, reason="PyYAML is built without libyaml")


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[YamlDocument, YamlDocument]:
    """The text loaded with libyaml composing, then in Python."""
    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "USE_LIBYAML", True)
        compiled = load_yaml(text)
        patch.setattr(yamlsource, "USE_LIBYAML", False)
        python = load_yaml(text)
    return compiled, python


def _same(compiled: YamlDocument, python: YamlDocument) -> None:
    assert compiled.problems == python.problems
    assert compiled.data == python.data
    assert compiled.positions == python.positions


# ------------------------------------------------------------------------------ the same reading


@pytest.mark.parametrize("path", sorted(BUNDLED_DIRECTORY.glob("*.yaml")), ids=lambda path: path.stem)
def test_bundled_questionnaires_read_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled, python = _both(path.read_text(encoding="utf-8"), monkeypatch)
    assert compiled.problems == []
    _same(compiled, python)


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\nb: 3\n",  # libyaml: "did not find expected ',' or ']'"
        "a:\n  - 1\n\t- 2\n",  # libyaml: "found a tab character that violates indentation"
        "a: *nowhere\n",  # libyaml: "found undefined alias" without the name
        "a: &x 1\nb: &x 2\n",
        "a: *nowhere\nb: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",  # the first problem wins
        "a: 1\n---\nb: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",
        "title: x\ty\n",  # libyaml accepts a tab in a plain value, PyYAML does not
        "a: >#\n  text\n",  # libyaml accepts a comment right after '>'
        "a: {b: 1,\n%c: 2}\n",  # libyaml reads '%' at a line start inside braces as text
        "a: 1\n\ufeffb: 2\n",  # libyaml skips a byte order mark at a line start
        "a: !\nb: !local x\n",  # libyaml reads a value tagged '!' as text, not null
        "\ufeffa: 1\nb: {c: é, d: [1, 2]}\n",  # a byte order mark at the start, and columns after 'é'
    ],
    ids=[
        "bracket",
        "tab-indent",
        "undefined-alias",
        "duplicate-anchor",
        "alias-before-depth",
        "two-documents-before-depth",
        "tab-in-value",
        "comment-after-folded",
        "percent-in-braces",
        "bom-mid-file",
        "local-tags",
        "bom-and-accents",
    ],
)
def test_texts_libyaml_reads_otherwise_load_as_in_python(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(*_both(text, monkeypatch))


YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab:-[]{}&*!<>|'\"#?,.%\\\n\r\t 019é\x85\u2028\u2029\ufeffxuNe_~=")),
    max_size=50,
)


@settings(max_examples=300, deadline=None)
@given(YAMLISH)
def test_any_text_reads_the_same_with_libyaml_and_in_python(text: str) -> None:
    compiled, python = _both_unpatched(text)
    _same(compiled, python)


def _both_unpatched(text: str) -> tuple[YamlDocument, Any]:
    # hypothesis refuses function-scoped fixtures such as monkeypatch: set the switch by hand.
    saved = yamlsource.USE_LIBYAML
    try:
        yamlsource.USE_LIBYAML = True
        compiled = load_yaml(text)
        yamlsource.USE_LIBYAML = False
        return compiled, load_yaml(text)
    finally:
        yamlsource.USE_LIBYAML = saved


# ------------------------------------------------------------------------------ limits


class _CountingLoader(yaml.CSafeLoader):
    composed = 0

    def get_single_node(self) -> Any:
        type(self).composed += 1
        return super().get_single_node()


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 5_000, 400_000])
def test_too_deep_nesting_is_refused_before_libyaml_composes(
    levels: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # libyaml's composer recurses once per level in C: 400,000 levels would overflow the stack.
    monkeypatch.setattr(yamlsource, "USE_LIBYAML", True)
    monkeypatch.setattr(yamlsource, "_LIBYAML_LOADER", _CountingLoader)
    _CountingLoader.composed = 0
    document = load_yaml("a: 1\ndeep: " + "[" * levels + "]" * levels + "\n")
    assert document.data is None
    assert [(p.code, p.position.line) for p in document.problems] == [("E001", 2)]
    assert f"more than {MAX_DEPTH} levels deep" in document.problems[0].message
    assert _CountingLoader.composed == 0


def test_nesting_at_the_limit_is_composed_by_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "USE_LIBYAML", True)
    monkeypatch.setattr(yamlsource, "_LIBYAML_LOADER", _CountingLoader)
    _CountingLoader.composed = 0
    levels = MAX_DEPTH - 1  # the file's own mapping is the first level
    assert load_yaml("deep: " + "[" * levels + "]" * levels + "\n").problems == []
    assert _CountingLoader.composed == 1


def test_too_many_values_without_aliases_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted while checking the events; the pure-Python loader counts them as for aliases.
    monkeypatch.setattr(yamlsource, "USE_LIBYAML", True)
    document = load_yaml("a: [" + "0," * MAX_VALUES + "]\n")
    assert document.data is None
    assert [p.code for p in document.problems] == ["E001"]
    assert f"expand to more than {MAX_VALUES:,}" in document.problems[0].message


# ------------------------------------------------------------------------------ the collector


@pytest.mark.usefixtures(loader_path.__name__)
@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        seen: list[bool] = []
        with collection_paused():
            seen.append(gc.isenabled())
            load_yaml("a: [1, 2]\n")
            seen.append(gc.isenabled())
        load_yaml("a: [1, 2\n")  # an error on the way
        assert seen == [False, False]
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_concurrent_pauses_turn_the_collector_back_on_once_all_end() -> None:
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with collection_paused():
            inside.set()
            release.wait(5)

    other = threading.Thread(target=hold)
    other.start()
    assert inside.wait(5)
    load_yaml("a: 1\n")  # starts and ends while the other pause is open
    assert not gc.isenabled()
    release.set()
    other.join(5)
    assert gc.isenabled()
