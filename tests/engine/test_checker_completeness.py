"""Every problem of a file in one run: a broken include or a broken top-level value does not
hide the file's other problems."""

from __future__ import annotations

from pathlib import Path

from screening.answers import validate_answers
from screening.loading import load_catalog

BROKEN = """\
id: demo
kind: screening
version: {version}
title: Demo
includes: [{include}]
sections:
  - id: one
    title: One
    items:
      - {{id: q1, type: boolean, text: Q1}}
rules:
  - id: demo.rule
    severity: caution
    title: A rule without a source
    when: {{item: q1, eq: true}}
    action: Act.
"""


def _codes(directory: Path) -> list[str]:
    return sorted(issue.code.code for issue in load_catalog([directory], run_examples=False).issues)


def test_an_unknown_include_does_not_hide_the_other_problems(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(BROKEN.format(version="1.0.0", include="phq99"), encoding="utf-8")
    codes = _codes(tmp_path)
    assert "E018" in codes  # the include
    assert "E020" in codes  # the rule without a source, still reported


def test_a_broken_version_does_not_hide_the_other_problems(tmp_path: Path) -> None:
    text = BROKEN.format(version="1.0", include="").replace("includes: []\n", "")
    (tmp_path / "demo.yaml").write_text(text, encoding="utf-8")
    assert _codes(tmp_path) == ["E003", "E020"]


def test_numbers_given_as_text_are_rejected() -> None:
    definition = load_catalog(run_examples=False).get("ketamine-trd-intake")
    assert definition is not None
    values, problems = validate_answers(definition, {"systolic_bp": "120", "weight_kg": "81.5"})
    assert values == {}
    assert [str(p) for p in problems] == ["systolic_bp: expected a number", "weight_kg: expected a number"]
