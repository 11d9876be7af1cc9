"""The exported JSON Schema of the questionnaire format (docs/questionnaire.schema.json): a valid
schema that accepts every bundled questionnaire and rejects what the loader rejects, as an editor
would apply it to YAML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from screening.loading import BUNDLED_DIRECTORY, parse_text
from screening.model import json_schema
from screening.yamlsource import load_yaml

jsonschema = pytest.importorskip(
    "jsonschema",
    reason="jsonschema is not installed (it comes with streamlit's altair); not added on purpose",
)

BUNDLED = sorted(BUNDLED_DIRECTORY.glob("*.yaml"))

SMALL = """\
id: demo
kind: instrument
version: 1.0.0
title: Demo
sections:
  - id: main
    title: Main
    items:
      - {id: q1, type: boolean, text: Q1, show_if: {item: q2, eq: true}}
      - {id: q2, type: choice, text: Q2, options: [{code: a, label: A, score: 0}]}
scores:
  - {id: total, title: T, items: [q2], bands: [{min: 0, max: 0, label: Zero}]}
examples:
  - {name: one, assessed_on: 2026-11-20, answers: {q2: a}, expect: {status: candidate}}
"""


def _as_editor_sees_it(text: str) -> Any:
    """YAML data as JSON: dates become the ISO strings a YAML language server validates."""
    document = load_yaml(text)
    assert document.problems == []
    return json.loads(json.dumps(document.data, default=lambda value: value.isoformat()))


def _messages(errors: list[Any]) -> list[str]:
    """Every message, including those of the alternatives of a union (`oneOf`, `anyOf`)."""
    found: list[str] = []
    for error in errors:
        found.append(error.message)
        found.extend(_messages(list(error.context or [])))
    return found


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_schema_is_draft_2020_12_with_a_title() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("path", BUNDLED, ids=[path.name for path in BUNDLED])
def test_every_bundled_questionnaire_validates(path: Path, validator: Any) -> None:
    errors = [error.message for error in validator.iter_errors(_as_editor_sees_it(path.read_text("utf-8")))]
    assert errors == []


def test_a_small_questionnaire_validates_with_both(validator: Any) -> None:
    assert list(validator.iter_errors(_as_editor_sees_it(SMALL))) == []
    assert parse_text("demo.yaml", SMALL).issues == []


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("title: Demo", "title: Demo\ncolour: blue"), "colour"),
        (("text: Q1,", "text: Q1, requried: false,"), "requried"),
        (("{status: candidate}", "{status: candidate, flagz: []}"), "flagz"),
        (("{min: 0, max: 0, label: Zero}", "{min: 0, max: 0, label: Zero, colour: red}"), "colour"),
        (("{item: q2, eq: true}", "{item: q2, eq: true, because: x}"), None),
    ],
    ids=["top-level", "item", "expectation", "band", "condition"],
)
def test_an_unknown_key_is_rejected_by_schema_and_loader(
    change: tuple[str, str], key: str | None, validator: Any
) -> None:
    text = SMALL.replace(*change)
    assert text != SMALL
    errors = list(validator.iter_errors(_as_editor_sees_it(text)))
    assert errors, "the schema accepted an unknown key"
    if key is not None:
        assert any(f"'{key}' was unexpected" in message for message in _messages(errors))
        assert any(f"unknown key '{key}'" in issue.message for issue in parse_text("demo.yaml", text).issues)
    else:
        assert [issue.code.code for issue in parse_text("demo.yaml", text).issues] == ["E003"]


@pytest.mark.parametrize(
    "change",
    [
        ("type: boolean", "type: bool"),
        ("version: 1.0.0", "version: '1.0'"),
        ("kind: instrument", "kind: form"),
        ("id: demo", "id: Demo Form"),
    ],
    ids=["item-type", "version", "kind", "id-pattern"],
)
def test_malformed_values_are_rejected_by_schema_and_loader(change: tuple[str, str], validator: Any) -> None:
    text = SMALL.replace(*change, 1)
    assert text != SMALL
    assert list(validator.iter_errors(_as_editor_sees_it(text)))
    assert "E003" in [issue.code.code for issue in parse_text("demo.yaml", text).issues]
