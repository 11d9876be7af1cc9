"""The bundled questionnaires' worked examples: all pass, and together they exercise every rule
and every score band edge, so a definition change that breaks one fails pytest too."""

from __future__ import annotations

from collections import defaultdict

import pytest

from screening.examples import run_examples
from screening.loading import BUNDLED_DIRECTORY, Catalog, build_catalog, parse_file, parse_text
from screening.model import Example, ScoreExpectation

BUNDLED = sorted(path.name for path in BUNDLED_DIRECTORY.glob("*.yaml"))


@pytest.mark.parametrize("name", BUNDLED)
def test_worked_examples_all_pass(name: str, bundled_catalog: Catalog) -> None:
    parsed = next(f for f in bundled_catalog.files if f.name == name)
    assert parsed.questionnaire is not None
    definition = bundled_catalog.get(parsed.questionnaire.id)
    assert definition is not None
    issues, count = run_examples(parsed, definition)
    assert [str(issue) for issue in issues] == []
    assert count == len(parsed.questionnaire.examples) > 0


def _examples(catalog: Catalog) -> list[tuple[str, Example]]:
    return [
        (f.questionnaire.id, example)
        for f in catalog.files
        if f.questionnaire is not None
        for example in f.questionnaire.examples
    ]


def test_every_rule_fires_in_a_worked_example_that_names_it(bundled_catalog: Catalog) -> None:
    named: set[str] = set()
    for _questionnaire, example in _examples(bundled_catalog):
        named.update(example.expect.flags or [])
        named.update(example.expect.flags_include)
    rules = {rule.id for definition in bundled_catalog.definitions.values() for rule in definition.rules}
    assert rules, "the bundled questionnaires define rules"
    assert sorted(rules - named) == []


def test_every_score_band_edge_appears_in_a_worked_example(bundled_catalog: Catalog) -> None:
    seen: dict[str, set[float]] = defaultdict(set)
    for _questionnaire, example in _examples(bundled_catalog):
        for score_id, wanted in example.expect.scores.items():
            value = wanted.value if isinstance(wanted, ScoreExpectation) else wanted
            if value is not None:
                seen[score_id].add(float(value))
    scores = {
        s.id: s for definition in bundled_catalog.definitions.values() for s in definition.scores.values()
    }
    assert set(scores) == {"phq9_total", "gad7_total", "msm_total"}
    uncovered = {
        score_id: sorted(
            {float(edge) for band in score.bands for edge in (band.min, band.max)} - seen[score_id]
        )
        for score_id, score in scores.items()
    }
    assert {score_id: edges for score_id, edges in uncovered.items() if edges} == {}


def test_a_broken_worked_example_is_reported() -> None:
    """The runner above does fail: one changed expectation in a copy of the PHQ-9 gives E030."""
    parsed = parse_file(BUNDLED_DIRECTORY / "phq9.yaml")
    text = parsed.text.replace(
        "{phq9_total: {value: 27, band: Severe}}", "{phq9_total: {value: 27, band: Moderate}}", 1
    )
    assert text != parsed.text, "the PHQ-9 maximum example moved; update this test"
    catalog = build_catalog([parse_text("phq9.yaml", text)])
    assert [issue.code.code for issue in catalog.issues] == ["E030"]
    assert "score 'phq9_total' is 27 (Severe), expected 27 (Moderate)" in catalog.issues[0].message
    assert catalog.definitions == {}
