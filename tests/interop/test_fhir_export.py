"""FHIR R4 export: every exported resource validates with fhir.resources (R4B models), and the
cases under tests/interop/cases/export-*.yaml say which codes and answers appear."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from screening.answers_file import AnswersFile, read_answers_file
from screening.definition import Definition
from screening.engine import assess
from screening.interop.fhir_export import (
    LOINC,
    UCUM,
    questionnaire_resource,
    screening_bundle,
    to_json,
)
from screening.loading import BUNDLED_DIRECTORY, Catalog, build_catalog, load_catalog
from screening.parsing import parse_text

CASES = Path(__file__).parent / "cases"
EXAMPLE = Path(__file__).parents[1] / "documents" / "golden" / "answers-example.yaml"
GENERATED_AT = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
ASSESSED_ON = dt.date(2026, 11, 20)


def _cases(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((CASES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    cases = data["cases"]
    assert isinstance(cases, list)
    return cases


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [str(case["name"]) for case in cases]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([BUNDLED_DIRECTORY], run_examples=False)


@pytest.fixture(scope="module")
def intake(catalog: Catalog) -> Definition:
    definition = catalog.get("ketamine-trd-intake")
    assert definition is not None
    return definition


@pytest.fixture(scope="module")
def example() -> AnswersFile:
    answers_file, problems = read_answers_file(EXAMPLE)
    assert answers_file is not None and not problems
    return answers_file


def _bundle(
    definition: Definition,
    answers: dict[str, Any],
    *,
    assessed_on: dt.date | None = ASSESSED_ON,
    review: dict[str, Any] | None = None,
    generated_at: dt.datetime = GENERATED_AT,
    screening_id: str | None = None,
) -> dict[str, Any]:
    assessment = assess(definition, answers, assessed_on=assessed_on, review=review)
    bundle = screening_bundle(
        definition,
        assessment,
        answers=answers,
        assessed_on=assessed_on,
        review=review,
        generated_at=generated_at,
        screening_id=screening_id,
    )
    _validate_bundle(bundle)
    return bundle


def _validate_bundle(bundle: dict[str, Any]) -> None:
    """The Bundle and each of its resources validate as R4B models; references resolve in it."""
    Bundle.model_validate(bundle)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        for reference in _references(resource):
            assert reference in full_urls


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for inner in value.values() for ref in _references(inner)]
    if isinstance(value, list):
        return [ref for inner in value for ref in _references(inner)]
    return []


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def _observations(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for observation in _resources(bundle, "Observation"):
        (coding,) = observation["code"]["coding"]
        assert coding["system"] == LOINC
        assert coding["code"] not in result
        result[coding["code"]] = observation
    return result


def _value(element: dict[str, Any]) -> Any:
    if "valueQuantity" in element:
        quantity = element["valueQuantity"]
        assert quantity["system"] == UCUM
        return quantity["value"]
    if "valueCodeableConcept" in element:
        (coding,) = element["valueCodeableConcept"]["coding"]
        assert coding["system"] == LOINC
        return coding["code"]
    return {component["code"]["coding"][0]["code"]: _value(component) for component in element["component"]}


def _units(observation: dict[str, Any]) -> dict[str, str]:
    code = observation["code"]["coding"][0]["code"]
    if "valueQuantity" in observation:
        return {code: observation["valueQuantity"]["code"]}
    units: dict[str, str] = {}
    for component in observation.get("component", []):
        units.update(_units(component))
    return units


# ---------------------------------------------------------------------------------------------
# The Bundle


def test_the_complete_example_exports_a_valid_bundle(intake: Definition, example: AnswersFile) -> None:
    bundle = _bundle(intake, example.answers, assessed_on=example.assessed_on, review=example.review)
    assert bundle["type"] == "collection"
    assert bundle["timestamp"] == "2026-11-20T09:30:00+00:00"
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds[0] == "Patient"
    assert kinds.count("QuestionnaireResponse") == 4
    responses = _resources(bundle, "QuestionnaireResponse")
    assert [response["questionnaire"] for response in responses] == [
        "urn:ketamine-screening:questionnaire:ketamine-trd-intake|1.1.0",
        "urn:ketamine-screening:questionnaire:phq9|1.0.0",
        "urn:ketamine-screening:questionnaire:gad7|1.0.0",
        "urn:ketamine-screening:questionnaire:asq|1.0.0",
    ]
    # signed: the responses are completed, authored on the screening's date by the reviewer
    assert {response["status"] for response in responses} == {"completed"}
    assert {response["authored"] for response in responses} == {"2026-11-18"}
    assert responses[0]["author"] == {"display": "Dr. Samuel Adeyemi, MD"}
    assert set(_observations(bundle)) == {
        "44261-6", "70274-6", "44260-8", "85354-9", "8867-4", "59408-5", "29463-7", "8302-2", "39156-5",
    }  # fmt: skip
    for observation in _observations(bundle).values():
        assert observation["status"] == "final"
        assert observation["effectiveDateTime"] == "2026-11-18"
        assert observation["subject"] == {"reference": bundle["entry"][0]["fullUrl"]}


def test_scores_and_flags_are_the_assessments(intake: Definition, example: AnswersFile) -> None:
    assessment = assess(intake, example.answers, assessed_on=example.assessed_on, review=example.review)
    bundle = _bundle(intake, example.answers, assessed_on=example.assessed_on, review=example.review)
    observations = _observations(bundle)
    phq9 = assessment.scores["phq9_total"]
    assert observations["44261-6"]["valueQuantity"]["value"] == phq9.value
    assert observations["44261-6"]["interpretation"] == [{"text": phq9.band}]
    gad7 = assessment.scores["gad7_total"]
    assert observations["70274-6"]["valueQuantity"]["value"] == gad7.value
    assert observations["70274-6"]["interpretation"] == [{"text": gad7.band}]
    assert observations["39156-5"]["valueQuantity"]["value"] == assessment.derived["bmi"]
    # a score is derived from the response to its instrument
    phq9_response = next(
        entry["fullUrl"]
        for entry in bundle["entry"]
        if entry["resource"].get("questionnaire", "").endswith(":phq9|1.0.0")
    )
    assert observations["44261-6"]["derivedFrom"] == [{"reference": phq9_response}]

    flags = _resources(bundle, "Flag")
    assert [flag["identifier"][0]["value"] for flag in flags] == [flag.id for flag in assessment.flags]
    for flag, fired in zip(flags, assessment.flags, strict=True):
        assert flag["status"] == "active"
        assert flag["code"]["text"] == fired.title
        assert flag["code"]["coding"][0]["code"] == fired.id
        assert flag["category"][0]["coding"][0]["code"] == fired.severity
        assert flag["subject"] == {"reference": bundle["entry"][0]["fullUrl"]}


def test_the_json_is_byte_stable(intake: Definition, example: AnswersFile) -> None:
    def text(**options: Any) -> str:
        return to_json(
            _bundle(
                intake, example.answers, assessed_on=example.assessed_on, review=example.review, **options
            )
        )

    first = text(screening_id="s-1")
    assert text(screening_id="s-1") == first
    assert json.loads(first)["identifier"] == {"system": "urn:ketamine-screening:screening", "value": "s-1"}
    # the ids follow the screening; another generation time changes only the timestamp
    assert text(screening_id="s-2") != first
    later = json.loads(text(screening_id="s-1", generated_at=GENERATED_AT + dt.timedelta(hours=1)))
    assert later["timestamp"] != json.loads(first)["timestamp"]
    assert later["entry"] == json.loads(first)["entry"]
    # without a screening id the ids follow the content
    assert text() == text()
    changed = dict(example.answers, heart_rate=77)
    assert to_json(_bundle(intake, changed, assessed_on=example.assessed_on)) != text()


def test_no_observation_for_a_missing_value(intake: Definition, example: AnswersFile) -> None:
    answers = {key: value for key, value in example.answers.items() if key not in ("spo2", "phq9_4")}
    observations = _observations(_bundle(intake, answers, assessed_on=example.assessed_on))
    assert "59408-5" not in observations  # SpO2 not taken
    assert "44261-6" not in observations  # PHQ-9 total unknown with an item missing
    assert "44260-8" in observations and "70274-6" in observations


def test_a_draft_without_a_date_is_in_progress_and_undated(intake: Definition) -> None:
    bundle = _bundle(intake, {"heart_rate": 80}, assessed_on=None)
    (response, *_rest) = _resources(bundle, "QuestionnaireResponse")
    assert response["status"] == "in-progress"
    assert "authored" not in response and "author" not in response
    assert "effectiveDateTime" not in _observations(bundle)["8867-4"]


@pytest.mark.parametrize(
    "case", _cases("export-observations.yaml"), ids=_ids(_cases("export-observations.yaml"))
)
def test_observation_cases(intake: Definition, case: dict[str, Any]) -> None:
    bundle = _bundle(intake, case["answers"])
    observations = _observations(bundle)
    assert {code: _value(observation) for code, observation in observations.items()} == case["observations"]
    for code in case.get("absent", []):
        assert code not in observations
    units: dict[str, str] = {}
    for observation in observations.values():
        units.update(_units(observation))
    for code, unit in case.get("units", {}).items():
        assert units[code] == unit, code
    for code, band in case.get("interpretation", {}).items():
        assert observations[code]["interpretation"] == [{"text": band}]
    if "flags" in case:
        assert [flag["identifier"][0]["value"] for flag in _resources(bundle, "Flag")] == case["flags"]


def _response_items(items: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in items:
        if "item" in item:
            result.setdefault(item["linkId"], []).append(_response_items(item["item"]))
        else:
            assert item["linkId"] not in result
            result[item["linkId"]] = item["answer"]
    return result


@pytest.mark.parametrize("case", _cases("export-responses.yaml"), ids=_ids(_cases("export-responses.yaml")))
def test_response_cases(intake: Definition, case: dict[str, Any]) -> None:
    bundle = _bundle(intake, case["answers"], assessed_on=case.get("assessed_on", ASSESSED_ON))
    responses = {
        response["questionnaire"].split(":")[-1].split("|")[0]: _response_items(response.get("item", []))
        for response in _resources(bundle, "QuestionnaireResponse")
    }
    for part, expected in case["responses"].items():
        assert responses[part] == expected, part
    if "patient" in case:
        (patient,) = _resources(bundle, "Patient")
        assert {key: value for key, value in patient.items() if key not in ("resourceType", "id")} == case[
            "patient"
        ]


# ---------------------------------------------------------------------------------------------
# The Questionnaire


@pytest.mark.parametrize("questionnaire_id", ["ketamine-trd-intake", "phq9", "gad7", "asq"])
def test_bundled_questionnaires_validate(catalog: Catalog, questionnaire_id: str) -> None:
    definition = catalog.get(questionnaire_id)
    assert definition is not None
    resource, not_expressed = questionnaire_resource(definition)
    Questionnaire.model_validate(resource)
    assert not_expressed == []
    assert resource["url"] == f"urn:ketamine-screening:questionnaire:{questionnaire_id}"
    assert resource["version"] == definition.version
    assert [item["linkId"] for item in resource["item"]] == list(definition.items)


def test_questionnaire_items(catalog: Catalog) -> None:
    definition = catalog.get("ketamine-trd-intake")
    assert definition is not None
    resource, _lines = questionnaire_resource(definition)
    items = {item["linkId"]: item for item in resource["item"]}
    assert items["phq9_9"]["code"] == [{"system": LOINC, "code": "44260-8"}]
    assert items["phq9_9"]["type"] == "choice" and items["phq9_9"]["required"] is True
    assert items["phq9_9"]["answerOption"][2] == {
        "valueCoding": {"system": LOINC, "code": "LA6570-1", "display": "More than half the days"}
    }
    assert items["spo2"]["required"] is False and items["spo2"]["type"] == "integer"
    assert items["weight_kg"]["type"] == "decimal"
    assert items["date_of_birth"]["type"] == "date"
    assert items["patient_name"]["type"] == "string" and items["patient_name"]["maxLength"] == 200
    medications = items["medication_classes"]
    assert medications["repeats"] is True and medications["type"] == "choice"
    none_option = medications["answerOption"][-1]
    assert none_option["valueCoding"]["code"] == "none"
    assert none_option["extension"][0]["valueBoolean"] is True  # exclusive
    trials = items["antidepressant_trials"]
    assert trials["type"] == "group" and trials["repeats"] is True and trials["required"] is False
    assert [field["linkId"] for field in trials["item"]] == [
        "drug", "weeks", "adequate_dose", "adherent", "improvement",
    ]  # fmt: skip
    assert items["pregnant"]["enableWhen"] == [
        {
            "question": "sex_at_birth",
            "operator": "!=",
            "answerCoding": {
                "system": "urn:ketamine-screening:ketamine-trd-intake:sex_at_birth",
                "code": "male",
                "display": "Male",
            },
        }
    ]
    assert "enableBehavior" not in items["pregnant"]
    asq = catalog.get("asq")
    assert asq is not None
    acuity = {item["linkId"]: item for item in questionnaire_resource(asq)[0]["item"]}["asq_5"]
    assert acuity["enableBehavior"] == "any"
    assert [clause["question"] for clause in acuity["enableWhen"]] == [
        "asq_1", "asq_2", "asq_3", "asq_4", "asq_declined",
    ]  # fmt: skip


def _enable_when_data() -> dict[str, Any]:
    data = yaml.safe_load((CASES / "export-enable-when.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _definition(text: str) -> Definition:
    catalog = build_catalog([parse_text("demo.yaml", text)], check=False, run_examples=False)
    definition = catalog.get("demo")
    assert definition is not None, [str(issue) for issue in catalog.issues]
    return definition


def _with_condition(instrument: str, condition: Any) -> Definition:
    data = yaml.safe_load(instrument)
    items = data["sections"][0]["items"]
    items[-1]["show_if"] = condition
    return _definition(yaml.safe_dump(data, sort_keys=False))


ENABLE_WHEN_CASES = _enable_when_data()["cases"]


@pytest.mark.parametrize("case", ENABLE_WHEN_CASES, ids=_ids(ENABLE_WHEN_CASES))
def test_enable_when_cases(case: dict[str, Any]) -> None:
    definition = _with_condition(_enable_when_data()["instrument"], case["show_if"])
    resource, not_expressed = questionnaire_resource(definition)
    Questionnaire.model_validate(resource)
    target = resource["item"][-1]
    assert target["linkId"] == "target"
    if "not_expressed" in case:
        assert len(not_expressed) == 1
        assert not_expressed[0].startswith("target: ")
        assert case["not_expressed"] in not_expressed[0]
        assert "enableWhen" not in target and "enableBehavior" not in target
        return
    assert not_expressed == []
    expected = [
        {"question": clause["question"], "operator": clause["operator"], **clause["answer"]}
        for clause in case["enable_when"]
    ]
    assert target["enableWhen"] == expected
    assert target.get("enableBehavior") == case.get("behavior")


SECTION_CONDITION = """
id: demo
kind: instrument
version: 1.0.0
title: Demo
sections:
  - id: first
    title: First
    items:
      - {id: flag, type: boolean, text: A yes or no}
      - {id: other, type: boolean, text: Another}
  - id: second
    title: Second
    show_if: {item: flag, eq: true}
    items:
      - {id: plain, type: text, text: Asked when the section is}
      - {id: both, type: text, text: Asked when both are true, show_if: {item: other, eq: true}}
      - {id: never, type: text, text: Not expressible, show_if: {not: {item: other, eq: true}}}
"""


def test_a_section_condition_applies_to_its_items() -> None:
    resource, not_expressed = questionnaire_resource(_definition(SECTION_CONDITION))
    Questionnaire.model_validate(resource)
    items = {item["linkId"]: item for item in resource["item"]}
    flag_true = {"question": "flag", "operator": "=", "answerBoolean": True}
    assert items["plain"]["enableWhen"] == [flag_true]
    assert items["both"]["enableWhen"] == [
        flag_true,
        {"question": "other", "operator": "=", "answerBoolean": True},
    ]
    assert items["both"]["enableBehavior"] == "all"
    assert "enableWhen" not in items["never"]
    assert not_expressed == ["never: show_if is not exported as enableWhen: 'not' has no enableWhen form"]


DUPLICATE_FIELDS = """
id: demo
kind: instrument
version: 1.0.0
title: Demo
sections:
  - id: main
    title: Main
    items:
      - {id: drug, type: text, text: Main drug}
      - id: trials
        type: group
        text: Trials
        fields: [{id: drug, type: text, text: Drug}, {id: weeks, type: integer, text: Weeks}]
"""


def test_a_field_id_used_twice_gets_its_path_as_link_id() -> None:
    definition = _definition(DUPLICATE_FIELDS)
    resource, _lines = questionnaire_resource(definition)
    Questionnaire.model_validate(resource)
    assert [field["linkId"] for field in resource["item"][1]["item"]] == ["trials.drug", "weeks"]
    answers = {"drug": "x", "trials": [{"drug": "y", "weeks": 2}]}
    bundle = _bundle(definition, answers)
    (response,) = _resources(bundle, "QuestionnaireResponse")
    assert _response_items(response["item"]) == {
        "drug": [{"valueString": "x"}],
        "trials": [{"trials.drug": [{"valueString": "y"}], "weeks": [{"valueInteger": 2}]}],
    }
