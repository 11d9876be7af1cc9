"""REDCap export and import: the data dictionary, branching logic, records and hostile records."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from screening.answers import validate_answers
from screening.answers_file import AnswersFile, parse_answers_text, read_answers_file
from screening.definition import Definition
from screening.interop.inputs import MAX_BYTES
from screening.interop.redcap import HEADERS, data_dictionary, import_record, record_csv
from screening.loading import BUNDLED_DIRECTORY, load_catalog
from screening.model import Questionnaire

CASES = Path(__file__).parent / "cases"
ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "tests" / "documents" / "golden" / "answers-example.yaml"
THREE_TRIALS = CASES / "redcap-three-trials.yaml"

EXPECTED_HEADER = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note","Text Validation Type OR Show Slider Number",'
    '"Text Validation Min","Text Validation Max","Identifier?","Branching Logic (Show field only if...)",'
    '"Required Field?","Custom Alignment","Question Number (surveys only)","Matrix Group Name",'
    '"Matrix Ranking?","Field Annotation"'
)


@pytest.fixture(scope="module")
def intake() -> Definition:
    definition = load_catalog([BUNDLED_DIRECTORY], run_examples=False).get("ketamine-trd-intake")
    assert definition is not None
    return definition


@pytest.fixture(scope="module")
def dictionary(intake: Definition) -> tuple[list[dict[str, str]], list[str]]:
    text, lines = data_dictionary(intake)
    assert text.splitlines()[0] == EXPECTED_HEADER
    return list(csv.DictReader(io.StringIO(text))), lines


def _by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["Variable / Field Name"]: row for row in rows}


# ---------------------------------------------------------------------------------------------
# The data dictionary


def test_header_is_redcaps_exactly(intake: Definition) -> None:
    text, _lines = data_dictionary(intake)
    header = next(csv.reader(io.StringIO(text)))
    assert tuple(header) == HEADERS
    assert len(header) == 18
    assert text.splitlines()[0] == EXPECTED_HEADER


def test_first_field_is_the_record_id_and_forms_are_the_parts(
    dictionary: tuple[list[dict[str, str]], list[str]],
) -> None:
    rows, _lines = dictionary
    assert rows[0]["Variable / Field Name"] == "record_id"
    assert rows[0]["Form Name"] == rows[1]["Form Name"] == "patient"
    forms = list(dict.fromkeys(row["Form Name"] for row in rows))
    assert forms == [
        "patient",
        "phq9",
        "gad7",
        "asq",
        "trd_history",
        "antidepressant_trials",
        "medical_history",
        "medications",
        "logistics",
    ]
    # every form's fields are together, as REDCap requires
    runs = [
        row["Form Name"]
        for index, row in enumerate(rows)
        if index == 0 or rows[index - 1]["Form Name"] != row["Form Name"]
    ]
    assert runs == forms


def test_field_types_choices_and_columns(dictionary: tuple[list[dict[str, str]], list[str]]) -> None:
    rows = _by_name(dictionary[0])
    phq = rows["phq9_1"]
    assert phq["Field Type"] == "radio"
    assert phq["Choices, Calculations, OR Slider Labels"] == (
        "not_at_all, Not at all | several_days, Several days"
        " | more_than_half_the_days, More than half the days | nearly_every_day, Nearly every day"
    )
    assert phq["Required Field?"] == "y"
    assert rows["phq9_difficulty"]["Required Field?"] == ""
    assert (
        rows["date_of_birth"]["Field Type"],
        rows["date_of_birth"]["Text Validation Type OR Show Slider Number"],
    ) == (
        "text",
        "date_ymd",
    )
    assert rows["date_of_birth"]["Text Validation Min"] == "1900-01-01"
    bp = rows["systolic_bp"]
    assert (
        bp["Text Validation Type OR Show Slider Number"],
        bp["Text Validation Min"],
        bp["Text Validation Max"],
    ) == (
        "integer",
        "50",
        "300",
    )
    assert rows["weight_kg"]["Text Validation Type OR Show Slider Number"] == "number"
    assert rows["asq_1"]["Field Type"] == "yesno"
    meds = rows["medication_classes"]
    assert meds["Field Type"] == "checkbox"
    assert meds["Field Annotation"] == "@NONEOFTHEABOVE='none'"
    identifiers = {name for name, row in rows.items() if row["Identifier?"] == "y"}
    assert identifiers == {"patient_name", "mrn", "date_of_birth"}
    assert rows["pregnant"]["Branching Logic (Show field only if...)"] == "[sex_at_birth] <> 'male'"
    assert rows["asq_5"]["Branching Logic (Show field only if...)"] == (
        "[asq_1] = '1' or [asq_2] = '1' or [asq_3] = '1' or [asq_4] = '1' or [asq_declined] = '1'"
    )


def test_the_trials_are_a_repeating_form(dictionary: tuple[list[dict[str, str]], list[str]]) -> None:
    rows, lines = dictionary
    trial_fields = [
        row["Variable / Field Name"] for row in rows if row["Form Name"] == "antidepressant_trials"
    ]
    assert trial_fields == ["drug", "weeks", "adequate_dose", "adherent", "improvement"]
    assert _by_name(rows)["antidepressant_trials_count"]["Form Name"] == "trd_history"
    assert any(
        "'antidepressant_trials' repeats" in line and "Repeating instruments" in line for line in lines
    )


def test_scores_are_named_not_calculated(dictionary: tuple[list[dict[str, str]], list[str]]) -> None:
    rows, lines = dictionary
    assert all(row["Field Type"] != "calc" for row in rows)
    for score in ("phq9_total", "gad7_total", "msm_total"):
        assert any(line.startswith(f"{score}: the score is not a calculated field") for line in lines)


def _branching_cases() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = yaml.safe_load((CASES / "redcap-branching.yaml").read_text(encoding="utf-8"))
    return data["questionnaire"], data["cases"]


BRANCHING_QUESTIONNAIRE, BRANCHING_CASES = _branching_cases()


@pytest.fixture(scope="module")
def branching() -> tuple[dict[str, dict[str, str]], list[str]]:
    questionnaire = dict(BRANCHING_QUESTIONNAIRE)
    targets = [
        {"id": f"target_{number}", "type": "text", "text": "Target", "show_if": case["condition"]}
        for number, case in enumerate(BRANCHING_CASES)
    ]
    questionnaire["sections"] = [
        *questionnaire["sections"],
        {"id": "targets", "title": "Targets", "items": targets},
    ]
    text, lines = data_dictionary(Definition(Questionnaire.model_validate(questionnaire)))
    return _by_name(list(csv.DictReader(io.StringIO(text)))), lines


@pytest.mark.parametrize(
    ("number", "case"), list(enumerate(BRANCHING_CASES)), ids=[str(c["condition"]) for c in BRANCHING_CASES]
)
def test_branching_logic(
    branching: tuple[dict[str, dict[str, str]], list[str]], number: int, case: dict[str, Any]
) -> None:
    rows, lines = branching
    name = f"target_{number}"
    logic = rows[name]["Branching Logic (Show field only if...)"]
    named = [line for line in lines if line.startswith(f"{name}: show_if is not expressible")]
    if "logic" in case:
        assert logic == case["logic"]
        assert named == []
    else:
        assert logic == ""
        assert len(named) == 1 and case["not expressible"] in named[0]


# ---------------------------------------------------------------------------------------------
# Records


def _answers_file(path: Path) -> AnswersFile:
    answers_file, problems = read_answers_file(path)
    assert answers_file is not None and not problems
    return answers_file


@pytest.mark.parametrize("path", [EXAMPLE, THREE_TRIALS], ids=["example", "three-trials"])
def test_record_answers_record_is_exact(intake: Definition, path: Path) -> None:
    record = record_csv(intake, _answers_file(path))
    imported = import_record(record.encode(), intake)
    assert imported.problems == [] and imported.notes == []
    assert imported.text is not None
    again, problems = parse_answers_text(imported.text)
    assert again is not None and not problems
    assert record_csv(intake, again) == record


@pytest.mark.parametrize("path", [EXAMPLE, THREE_TRIALS], ids=["example", "three-trials"])
def test_answers_record_answers_are_equal(intake: Definition, path: Path) -> None:
    original = _answers_file(path)
    imported = import_record(record_csv(intake, original).encode(), intake)
    assert imported.text is not None
    again, _problems = parse_answers_text(imported.text)
    assert again is not None
    assert (again.questionnaire, again.assessed_on) == (original.questionnaire, original.assessed_on)
    expected, problems = validate_answers(intake, original.answers, assessed_on=original.assessed_on)
    assert problems == []
    assert again.answers == expected
    assert again.review is None


def test_record_layout(intake: Definition) -> None:
    rows = list(csv.DictReader(io.StringIO(record_csv(intake, _answers_file(THREE_TRIALS)))))
    assert len(rows) == 4
    main, *trials = rows
    assert main["record_id"].startswith("screening-")  # no MRN: a stable id
    assert {row["record_id"] for row in rows} == {main["record_id"]}
    assert main["redcap_repeat_instrument"] == main["redcap_repeat_instance"] == ""
    assert main["date_of_birth"] == "1970-01-31"
    assert (main["asq_1"], main["asq_2"], main["antidepressant_trials_count"]) == ("1", "0", "3")
    assert main["medication_classes___none"] == "1" and main["medication_classes___maoi"] == "0"
    assert main["pregnant"] == "" and main["drug"] == ""
    assert [(row["redcap_repeat_instrument"], row["redcap_repeat_instance"]) for row in trials] == [
        ("antidepressant_trials", "1"),
        ("antidepressant_trials", "2"),
        ("antidepressant_trials", "3"),
    ]
    assert (trials[1]["drug"], trials[1]["adequate_dose"], trials[1]["improvement"]) == (
        "venlafaxine, then bupropion",
        "",
        "",
    )
    assert all(row["patient_name"] == "" for row in trials)


def test_record_id_is_the_mrn(intake: Definition) -> None:
    rows = list(csv.DictReader(io.StringIO(record_csv(intake, _answers_file(EXAMPLE)))))
    assert {row["record_id"] for row in rows} == {"KC-20931"}


# ---------------------------------------------------------------------------------------------
# Hostile records

HOSTILE = yaml.safe_load((CASES / "redcap-hostile.yaml").read_text(encoding="utf-8"))


def _too_many_trials(count: int) -> str:
    lines = ["record_id,redcap_repeat_instrument,redcap_repeat_instance,drug", "1,,,"]
    lines += [f"1,antidepressant_trials,{number},trial {number}" for number in range(1, count + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", HOSTILE, ids=[case["name"] for case in HOSTILE])
def test_hostile_records(intake: Definition, case: dict[str, Any]) -> None:
    text = case["csv"] if "csv" in case else _too_many_trials(case["rows_of_trials"])
    result = import_record(text.encode("utf-8"), intake)
    if "refused" in case:
        assert result.text is None
        assert len(result.problems) == 1 and case["refused"] in result.problems[0]
        return
    assert result.problems == [] and result.text is not None
    if case["notes"] == []:
        assert result.notes == []
    for part in case["notes"]:
        assert any(part in note for note in result.notes), (part, result.notes)
    for secret in case.get("absent", []):
        assert all(secret not in note for note in result.notes), (secret, result.notes)
    answers_file, problems = parse_answers_text(result.text)
    assert answers_file is not None and not problems
    assert answers_file.answers == case["answers"]


def test_not_utf8_is_refused(intake: Definition) -> None:
    result = import_record("record_id,patient_name\n1,José\n".encode("latin-1"), intake)
    assert result.text is None
    assert result.problems and "not UTF-8" in result.problems[0]
    assert "Jos" not in result.problems[0]


def test_huge_file_is_refused(intake: Definition) -> None:
    data = b"record_id,patient_name\n1," + b"a" * MAX_BYTES + b"\n"
    result = import_record(data, intake)
    assert result.text is None and "larger than" in result.problems[0]


def test_huge_cell_is_refused(intake: Definition) -> None:
    data = b'record_id,patient_name\n1,"' + b"a" * 200_000 + b'"\n'
    result = import_record(data, intake)
    assert result.text is None and result.problems == [
        "the REDCap record is not a readable CSV (a cell is too large)"
    ]


def test_byte_order_mark_and_crlf_are_accepted(intake: Definition) -> None:
    data = "\ufeffrecord_id,patient_name,sex_at_birth\r\n1,Ann Example,female\r\n".encode()
    result = import_record(data, intake)
    assert result.problems == [] and result.notes == [] and result.text is not None
    answers_file, _problems = parse_answers_text(result.text)
    assert answers_file is not None
    assert answers_file.answers == {"patient_name": "Ann Example", "sex_at_birth": "female"}


def test_many_unknown_columns_are_counted(intake: Definition) -> None:
    header = ",".join(["record_id", "patient_name", *(f"extra_{number}" for number in range(500))])
    result = import_record(f"{header}\n1,Ann Example\n".encode(), intake)
    assert result.text is not None
    assert len(result.notes) == 21
    assert result.notes[-1] == "480 more columns are not fields of ketamine-trd-intake; ignored"


def test_codes_redcap_cannot_take_are_numbered_both_ways() -> None:
    options = [{"code": "a-b", "label": "A"}, {"code": "C.d", "label": "C"}]
    definition = Definition(
        Questionnaire.model_validate(
            {
                "id": "numbered",
                "kind": "instrument",
                "version": "1.0.0",
                "title": "Numbered",
                "sections": [
                    {
                        "id": "part",
                        "title": "Part",
                        "items": [
                            {"id": "one", "type": "choice", "text": "One", "options": options},
                            {"id": "many", "type": "multi_choice", "text": "Many", "options": options},
                            {
                                "id": "shown",
                                "type": "text",
                                "text": "Shown",
                                "show_if": {"item": "one", "eq": "C.d"},
                            },
                        ],
                    }
                ],
            }
        )
    )
    text, lines = data_dictionary(definition)
    rows = _by_name(list(csv.DictReader(io.StringIO(text))))
    assert rows["one"]["Choices, Calculations, OR Slider Labels"] == "1, A | 2, C"
    assert rows["shown"]["Branching Logic (Show field only if...)"] == "[one] = '2'"
    assert "one: its choice codes are not REDCap raw values; numbered 1 to 2" in lines
    original = AnswersFile("numbered", None, {"one": "C.d", "many": ["a-b", "C.d"], "shown": "yes"})
    record = record_csv(definition, original)
    main = next(csv.DictReader(io.StringIO(record)))
    assert (main["one"], main["many___1"], main["many___2"], main["shown"]) == ("2", "1", "1", "yes")
    imported = import_record(record.encode(), definition)
    assert imported.text is not None and imported.notes == []
    again, _problems = parse_answers_text(imported.text)
    assert again is not None and again.answers == original.answers
