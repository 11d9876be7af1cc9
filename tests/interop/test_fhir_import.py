"""FHIR import: QuestionnaireResponses into answers files, LOINC-coded Questionnaires into instruments.

The cases are hand-written FHIR R4 resources in `cases/import-*.json`; what each must give is in
`cases/import-expectations.yaml`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from screening.answers import validate_answers
from screening.answers_file import parse_answers_text
from screening.engine import assess
from screening.interop.fhir_export import screening_bundle
from screening.interop.fhir_import import FhirImport, import_fhir
from screening.items import ChoiceItem
from screening.loading import BUNDLED_DIRECTORY, Catalog, load_catalog

CASES = Path(__file__).parent / "cases"
EXPECTATIONS: list[dict[str, Any]] = yaml.safe_load((CASES / "import-expectations.yaml").read_text())
LHC_PHQ9 = CASES / "import-questionnaire-phq9-lhc.json"
CONDITIONS = CASES / "import-questionnaire-conditions.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([BUNDLED_DIRECTORY], run_examples=False)


def _no_patient_data(result: FhirImport) -> None:
    for line in [*result.problems, *result.notes]:
        assert "SECRET" not in line
        assert "\n" not in line
    assert (result.text is None) == bool(result.problems)
    assert (result.kind is None) == bool(result.problems)


@pytest.mark.parametrize("case", EXPECTATIONS, ids=[case["name"] for case in EXPECTATIONS])
def test_import_cases(case: dict[str, Any], catalog: Catalog) -> None:
    result = import_fhir(
        (CASES / case["file"]).read_bytes(), catalog, questionnaire_id=case.get("questionnaire")
    )
    _no_patient_data(result)
    for expected in case.get("problems_include", []):
        assert any(expected in problem for problem in result.problems), (expected, result.problems)
    if "problems_include" in case:
        assert result.text is None
        return
    assert result.problems == []
    assert result.kind == case["kind"]
    assert result.text is not None
    answers_file, problems = parse_answers_text(result.text)
    assert problems == [] and answers_file is not None
    assert answers_file.questionnaire == case["questionnaire_written"]
    if "assessed_on" in case:
        assert answers_file.assessed_on == case["assessed_on"]
    if "answers" in case:
        assert answers_file.answers == case["answers"]
    for key, value in case.get("answers_include", {}).items():
        assert answers_file.answers[key] == value
    for expected in case.get("notes_include", []):
        assert any(expected in note for note in result.notes), (expected, result.notes)
    # What is written is always accepted by the engine as it stands.
    definition = catalog.get(answers_file.questionnaire)
    assert definition is not None
    _accepted, answer_problems = validate_answers(
        definition, answers_file.answers, assessed_on=answers_file.assessed_on
    )
    assert answer_problems == []


def test_every_case_file_is_used() -> None:
    used = {case["file"] for case in EXPECTATIONS} | {LHC_PHQ9.name, CONDITIONS.name}
    assert {path.name for path in CASES.glob("import-*.json")} == used


# ---------------------------------------------------------------------------------------------
# Hostile input


def _resource(data: Any) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"not json SECRET", "the FHIR file is not valid JSON"),
        (b"[" * 100_000, "deeper than 64 levels"),
        (
            b'{"resourceType": "QuestionnaireResponse", "x": "' + b"SECRET" * 1_000_000 + b'"}',
            "bytes are refused",
        ),
        (b'["SECRET"]', "JSON object at the top level"),
        (_resource({"resourceType": "Observation", "valueString": "SECRET"}), "is 'Observation', not"),
        (_resource({"resourceType": "<b>SECRET</b>"}), "is a resource of another type, not"),
        (_resource({"resourceType": ["SECRET"]}), "is a resource of another type, not"),
        (_resource({"name": "SECRET"}), "is a resource of another type, not"),
        (
            _resource({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}]}),
            "without",
        ),
        (
            _resource(
                {
                    "resourceType": "QuestionnaireResponse",
                    "questionnaire": "phq9",
                    "status": "entered-in-error",
                }
            ),
            "entered-in-error",
        ),
        (_resource({"resourceType": "QuestionnaireResponse", "item": []}), "cannot tell which questionnaire"),
        (
            _resource({"resourceType": "Questionnaire", "item": [{"linkId": "x", "type": "display"}]}),
            "no item",
        ),
    ],
)
def test_hostile_input_is_refused_in_one_line(data: bytes, expected: str, catalog: Catalog) -> None:
    result = import_fhir(data, catalog)
    _no_patient_data(result)
    assert len(result.problems) == 1
    assert expected in result.problems[0]


MALFORMED: list[Any] = [
    {"resourceType": "QuestionnaireResponse", "questionnaire": "phq9", "item": "SECRET"},
    {"resourceType": "QuestionnaireResponse", "questionnaire": "phq9", "item": [5, None, "SECRET"]},
    {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "phq9",
        "item": [{"linkId": {"a": 1}, "answer": 5}],
    },
    {"resourceType": "QuestionnaireResponse", "questionnaire": ["phq9"], "item": [{"linkId": "phq9_1"}]},
    {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "phq9",
        "item": [
            {"linkId": "phq9_1", "answer": [{"valueCoding": ["SECRET"]}]},
            {"linkId": "phq9_2", "answer": [{"valueCoding": {"code": {"x": "SECRET"}}}]},
            {"linkId": "phq9_3", "answer": ["SECRET"]},
            {
                "linkId": "phq9_4",
                "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6568-5"}}],
            },
            {
                "linkId": "phq9_4",
                "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6569-3"}}],
            },
        ],
    },
    {"resourceType": "Bundle", "entry": "SECRET"},
    {"resourceType": "Bundle", "entry": [None, {"resource": "SECRET"}, {"resource": {"resourceType": 5}}]},
    {"resourceType": "Questionnaire", "item": [{"linkId": ["x"], "type": {"a": "SECRET"}}]},
    {
        "resourceType": "Questionnaire",
        "item": [
            {"linkId": "q", "type": "choice", "answerOption": [{"valueCoding": "SECRET"}, 5]},
            {"linkId": "r", "type": "boolean", "enableWhen": [{"question": ["q"], "operator": {"x": 1}}]},
            {
                "linkId": "s",
                "type": "decimal",
                "extension": [{"url": "calculatedExpression", "valueExpression": 5}],
            },
        ],
    },
]


@pytest.mark.parametrize("resource", MALFORMED)
def test_malformed_shapes_never_raise(resource: Any, catalog: Catalog) -> None:
    result = import_fhir(_resource(resource), catalog)
    _no_patient_data(result)


def test_a_questionnaire_with_too_many_items_is_refused(catalog: Catalog) -> None:
    items = [{"linkId": f"q{number}", "type": "boolean", "text": "SECRET"} for number in range(1001)]
    result = import_fhir(_resource({"resourceType": "Questionnaire", "item": items}), catalog)
    _no_patient_data(result)
    assert result.problems == ["the FHIR file is a Questionnaire of 1,001 items; more than 1,000 are refused"]


def test_two_responses_to_one_questionnaire_are_refused(catalog: Catalog) -> None:
    response = json.loads((CASES / "import-phq9-lhc.json").read_text())
    bundle = {"resourceType": "Bundle", "entry": [{"resource": response}, {"resource": response}]}
    result = import_fhir(_resource(bundle), catalog)
    assert result.problems == ["the Bundle holds more than one response to 'phq9'; import them one at a time"]


def test_an_item_answered_twice_is_left_missing(catalog: Catalog) -> None:
    result = import_fhir(_resource(MALFORMED[4]), catalog)
    assert result.problems == []
    assert "phq9_4: answered more than once in the file; left missing" in result.notes
    assert result.text is not None and "phq9_4" not in result.text.split("answers:")[1]


# ---------------------------------------------------------------------------------------------
# Questionnaire -> instrument


def _instrument(path: Path, catalog: Catalog, tmp_path: Path) -> tuple[FhirImport, Catalog]:
    result = import_fhir(path.read_bytes(), catalog)
    _no_patient_data(result)
    assert result.problems == [] and result.kind == "instrument" and result.text is not None
    (tmp_path / "imported.yaml").write_text(result.text, encoding="utf-8")
    loaded = load_catalog([tmp_path])
    assert [str(issue) for issue in loaded.errors] == []
    assert [issue.code.code for issue in loaded.warnings] == ["W004"]
    return result, loaded


def test_lhc_forms_phq9_questionnaire_becomes_a_checked_instrument(catalog: Catalog, tmp_path: Path) -> None:
    result, loaded = _instrument(LHC_PHQ9, catalog, tmp_path)
    (definition,) = loaded.definitions.values()
    assert definition.questionnaire.kind == "instrument"
    assert definition.questionnaire.loinc == "44249-1"
    assert definition.questionnaire.source == ["fhir_questionnaire"]
    assert definition.sources["fhir_questionnaire"].url == "http://loinc.org/q/44249-1"
    bundled = catalog.get("phq9")
    assert bundled is not None
    assert [item.loinc for item in definition.items.values()] == [
        item.loinc for item in bundled.items.values()
    ]
    first, theirs = definition.items["item_44250_9"], bundled.items["phq9_1"]
    assert isinstance(first, ChoiceItem) and isinstance(theirs, ChoiceItem) and first.required
    assert [(o.code, o.score, o.loinc) for o in definition.options(first)] == [
        (o.code, o.score, o.loinc) for o in bundled.options(theirs)
    ]
    assert not definition.items["item_69722_7"].required
    (score,) = definition.scores.values()
    assert score.loinc == "44261-6"
    assert score.items == [item_id for item_id in definition.items if item_id != "item_69722_7"]
    assert [(band.min, band.max) for band in score.bands] == [(0, 27)]
    assert any("'any_questions_answered'" in note and "FHIR id pattern" in note for note in result.notes)
    assert any("sum score score_44261_6" in note for note in result.notes)
    assert any("W004" in note for note in result.notes)
    # The text names what was left for a person to add.
    assert result.text is not None and result.text.startswith("# Imported from a FHIR Questionnaire.")

    # A response coded the LHC-Forms way is then read into the imported instrument, with its scores.
    answered = import_fhir((CASES / "import-phq9-lhc.json").read_bytes(), loaded)
    assert answered.problems == [] and answered.text is not None
    answers_file, _ = parse_answers_text(answered.text)
    assert answers_file is not None and answers_file.questionnaire == definition.id
    assessment = assess(definition, answers_file.answers, assessed_on=answers_file.assessed_on)
    assert assessment.scores[score.id].value == 1 + 2 + 3 + 0 + 1 + 0 + 1 + 0 + 0


def test_enable_when_becomes_show_if_where_it_can(catalog: Catalog, tmp_path: Path) -> None:
    result, loaded = _instrument(CONDITIONS, catalog, tmp_path)
    (definition,) = loaded.definitions.values()
    assert definition.id == "followupquestions"
    items = definition.items
    assert list(items) == ["smoker", "cigarettes", "heavy_note", "started_on", "why"]
    assert items["smoker"].required and not items["cigarettes"].required
    shown = {key: item.show_if.model_dump(exclude_none=True) for key, item in items.items() if item.show_if}
    assert shown == {
        "cigarettes": {"item": "smoker", "eq": True},
        "heavy_note": {"item": "cigarettes", "gte": 20},
        "started_on": {"answered": "smoker"},
    }
    assert items["heavy_note"].type == "text" and items["started_on"].type == "date"
    for expected in (
        "why: its enableWhen could not be written as show_if",
        "item 'photo' of FHIR type 'attachment' was left out",
        "the repeating group 'rows' was left out",
        "no MAJOR.MINOR.PATCH version",
    ):
        assert any(expected in note for note in result.notes), expected


def test_a_questionnaire_id_already_in_the_catalog_is_named(catalog: Catalog) -> None:
    questionnaire = json.loads(LHC_PHQ9.read_text())
    questionnaire["name"] = "phq9"
    result = import_fhir(_resource(questionnaire), catalog)
    assert any("already has a questionnaire 'phq9'" in note for note in result.notes)


# ---------------------------------------------------------------------------------------------
# Round trip with the FHIR export


@pytest.mark.parametrize("named", [True, False], ids=["named", "from-the-bundle"])
@pytest.mark.parametrize("questionnaire_id", ["phq9", "gad7", "asq", "ketamine-trd-intake"])
def test_export_then_import_gives_the_answers_back(
    questionnaire_id: str, named: bool, catalog: Catalog
) -> None:
    """An exported Bundle comes back as the same answers, with the questionnaire named or not (the
    Bundle holds a response to the screening itself besides those to its instruments)."""
    definition = catalog.get(questionnaire_id)
    assert definition is not None
    for example in definition.questionnaire.examples:
        if example.extends is not None:
            continue
        assessed_on = example.assessed_on or dt.date(2026, 1, 5)
        assessment = assess(definition, example.answers, assessed_on=assessed_on)
        bundle = screening_bundle(
            definition,
            assessment,
            answers=example.answers,
            assessed_on=assessed_on,
            review=None,
            generated_at=dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC),
        )
        result = import_fhir(_resource(bundle), catalog, questionnaire_id=questionnaire_id if named else None)
        assert result.problems == [], example.name
        assert result.text is not None
        answers_file, _ = parse_answers_text(result.text)
        assert answers_file is not None and answers_file.assessed_on == assessed_on
        accepted, _ = validate_answers(definition, example.answers, assessed_on=assessed_on)
        shown = {key: value for key, value in accepted.items() if assessment.items[key].shown}
        imported, problems = validate_answers(definition, answers_file.answers, assessed_on=assessed_on)
        assert problems == [], example.name
        assert imported == shown, example.name
