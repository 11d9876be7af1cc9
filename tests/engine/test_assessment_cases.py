"""Data-driven assessments: tests/cases/*.yaml, through `assess()` and, for some, the real CLI.

A case file names a base answers file (tests/cases/base/<name>.yaml, in the docs/contract.md §1 format) and
lists cases. A case changes the base answers (`answers` merged in, `unset` removed, or `keep` only
these) and gives fragments of the assessment JSON it must produce (docs/contract.md §2). Every key given is
compared exactly; `flags` is the exact set of flag ids. Cases marked `cli: true` also run through
`python -m screening assess FILE --json` in a subprocess, whose output must equal the in-process
assessment JSON.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from screening.answers_file import read_answers_file
from screening.definition import Definition
from screening.engine import assess
from screening.settings import QUESTIONNAIRES_ENV
from screening.yamlsource import load_yaml
from tests.engine.engine_spec_facts import HISTORY_SEVERITY, contract_problems

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "tests" / "cases"
CASE_KEYS = {"name", "answers", "unset", "keep", "assessed_on", "review", "cli", "expect"}
EXPECT_KEYS = {
    "status",
    "flags",
    "triggered_by",
    "missing",
    "crisis",
    "undetermined",
    "scores",
    "derived",
    "requirements",
    "acknowledgements",
    "review",
    "problems",
}


@dataclass(frozen=True)
class AssessmentCase:
    file: str
    name: str
    questionnaire: str
    answers: dict[str, Any]
    assessed_on: dt.date | None
    review: dict[str, Any] | None
    cli: bool
    expect: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}: {self.name}"


def _load_cases() -> list[AssessmentCase]:
    cases: list[AssessmentCase] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        document = load_yaml(path.read_text(encoding="utf-8"))
        assert document.problems == [], f"{path.name}: {document.problems}"
        data = document.data
        assert set(data) == {"base", "cases"}, f"{path.name}: keys {sorted(data)}"
        base, problems = read_answers_file(CASES_DIR / "base" / f"{data['base']}.yaml")
        assert base is not None and problems == [], problems
        for raw in data["cases"]:
            assert set(raw) <= CASE_KEYS, f"{path.name}: unknown case keys {set(raw) - CASE_KEYS}"
            assert set(raw["expect"]) <= EXPECT_KEYS, f"{path.name}: {set(raw['expect']) - EXPECT_KEYS}"
            answers = copy.deepcopy(base.answers)
            if "keep" in raw:
                answers = {key: answers[key] for key in raw["keep"]}
            for key in raw.get("unset", []):
                assert key in answers, f"{path.name}: {raw['name']}: cannot unset '{key}'"
                del answers[key]
            answers.update(raw.get("answers", {}))
            cases.append(
                AssessmentCase(
                    file=path.name,
                    name=raw["name"],
                    questionnaire=base.questionnaire,
                    answers=answers,
                    assessed_on=raw.get("assessed_on", base.assessed_on),
                    review=raw.get("review"),
                    cli=bool(raw.get("cli", False)),
                    expect=raw["expect"],
                )
            )
    return cases


CASES = _load_cases()
CLI_CASES = [case for case in CASES if case.cli]


def _jsonable(value: Any) -> Any:
    """Expectations written in YAML (dates, datetimes) as they appear in the JSON."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def differences(expect: dict[str, Any], contract: dict[str, Any]) -> list[str]:
    """What differs between a case's expectations and an assessment JSON."""
    found: list[str] = []
    for key in ("status", "missing", "crisis", "undetermined", "problems"):
        if key in expect and contract[key] != expect[key]:
            found.append(f"{key} is {contract[key]!r}, expected {expect[key]!r}")
    found.extend(_flag_differences(expect, contract))
    for score_id, wanted in expect.get("scores", {}).items():
        if contract["scores"].get(score_id) != wanted:
            found.append(f"score {score_id} is {contract['scores'].get(score_id)}, expected {wanted}")
    for derived_id, wanted in expect.get("derived", {}).items():
        actual = contract["derived"].get(derived_id, "(absent)")
        if actual != wanted or isinstance(actual, bool) != isinstance(wanted, bool):
            found.append(f"derived {derived_id} is {actual!r}, expected {wanted!r}")
    requirements = {r["id"]: r["met"] for r in contract["requirements"]}
    for requirement_id, met in expect.get("requirements", {}).items():
        if requirements.get(requirement_id, "(absent)") != met:
            found.append(f"requirement {requirement_id} met is {requirements.get(requirement_id)}")
    for key, wanted in _jsonable(expect.get("review", {})).items():
        actual = (contract.get("review") or {}).get(key, "(absent)")
        if actual != wanted:
            found.append(f"review {key} is {actual!r}, expected {wanted!r}")
    return found


def _flag_differences(expect: dict[str, Any], contract: dict[str, Any]) -> list[str]:
    """What differs in the flags: which fired, what triggered them, their acknowledgements."""
    found: list[str] = []
    fired = [flag["id"] for flag in contract["flags"]]
    if "flags" in expect and (sorted(fired) != sorted(expect["flags"]) or len(set(fired)) != len(fired)):
        found.append(f"flags are {fired}, expected {expect['flags']}")
    flags = {flag["id"]: flag for flag in contract["flags"]}
    for flag_id, refs in expect.get("triggered_by", {}).items():
        actual = flags[flag_id]["triggered_by"] if flag_id in flags else "(did not fire)"
        if actual != refs:
            found.append(f"{flag_id} triggered by {actual}, expected {refs}")
    for flag_id, note in expect.get("acknowledgements", {}).items():
        actual = flags[flag_id].get("acknowledgement") if flag_id in flags else "(did not fire)"
        if actual != note:
            found.append(f"{flag_id} acknowledgement {actual!r}, expected {note!r}")
    acknowledged = {f for f, flag in flags.items() if "acknowledgement" in flag}
    if "acknowledgements" in expect and acknowledged != set(expect["acknowledgements"]):
        found.append(f"acknowledged flags are {sorted(acknowledged)}")
    return found


def test_there_are_cases_of_every_kind() -> None:
    files = {case.file for case in CASES}
    assert files >= {"status.yaml", "blood-pressure.yaml", "suicide-risk.yaml", "history.yaml", "trd.yaml"}
    assert len(CASES) >= 40
    assert len(CLI_CASES) >= 5
    assert {case.expect.get("status") for case in CASES} >= {
        "contraindicated",
        "incomplete",
        "needs_review",
        "candidate",
    }


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_assessment_case(case: AssessmentCase, intake: Definition) -> None:
    assert case.questionnaire == intake.id
    result = assess(intake, case.answers, assessed_on=case.assessed_on, review=case.review)
    contract = result.contract()
    if "problems" not in case.expect:
        assert contract["problems"] == []
    assert contract_problems(contract, intake) == []
    assert differences(case.expect, contract) == []
    # The JSON is plain data: it survives a round trip unchanged.
    assert json.loads(json.dumps(contract)) == contract


def _answers_file(case: AssessmentCase, directory: Path) -> Path:
    data: dict[str, Any] = {
        "questionnaire": case.questionnaire,
        "assessed_on": case.assessed_on,
        "answers": case.answers,
    }
    if case.review is not None:
        data["review"] = case.review
    path = directory / "answers.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m screening …` in a subprocess, on the bundled questionnaires."""
    environment = {key: value for key, value in os.environ.items() if key != QUESTIONNAIRES_ENV}
    return subprocess.run(
        [sys.executable, "-m", "screening", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("case", CLI_CASES, ids=[case.id for case in CLI_CASES])
def test_assessment_case_through_the_command_line(
    case: AssessmentCase, intake: Definition, tmp_path: Path
) -> None:
    path = _answers_file(case, tmp_path)
    completed = run_cli("assess", str(path), "--json")
    assert (completed.returncode, completed.stderr) == (0, "")
    printed = json.loads(completed.stdout)
    expected = assess(intake, case.answers, assessed_on=case.assessed_on, review=case.review).contract()
    assert printed == _jsonable(expected)
    assert differences(case.expect, printed) == []
    # The types of docs/contract.md §2, as parsed back from the printed text.
    assert isinstance(printed["status"], str)
    for score in printed["scores"].values():
        assert score["value"] is None or type(score["value"]) in (int, float)
        assert score["band"] is None or type(score["band"]) is str
    for flag in printed["flags"]:
        assert type(flag["triggered_by"]) is list and all(type(ref) is str for ref in flag["triggered_by"])


def test_the_example_answers_file_through_the_command_line(intake: Definition) -> None:
    """The example answers file (docs/contract.md §1) gives an assessment of the §2 shape."""
    example = ROOT / "tests" / "documents" / "golden" / "answers-example.yaml"
    completed = run_cli("assess", str(example), "--json")
    assert (completed.returncode, completed.stderr) == (0, "")
    printed = json.loads(completed.stdout)
    assert contract_problems(printed, intake) == []
    assert printed["questionnaire"]["id"] == "ketamine-trd-intake"
    assert printed["questionnaire"]["sha256"] == intake.sha256
    assert printed["flags"][0]["id"] == "ci.rel.hypertension_history"


@pytest.mark.parametrize("item_id", sorted(HISTORY_SEVERITY))
def test_a_history_item_raises_the_flag_named_after_it(item_id: str, intake: Definition) -> None:
    """A flag raised by one history item is ci.abs.<item> or ci.rel.<item>, triggered by it
    (docs/contract.md §2.3)."""
    case = next(case for case in CASES if case.file == "status.yaml")
    before = assess(intake, case.answers, assessed_on=case.assessed_on)
    assert before.status == "candidate"
    after = assess(intake, {**case.answers, item_id: True}, assessed_on=case.assessed_on)
    severity = HISTORY_SEVERITY[item_id]
    word = {"absolute": "abs", "relative": "rel"}[severity]
    assert [(f.id, f.severity, f.triggered_by) for f in after.flags] == [
        (f"ci.{word}.{item_id}", severity, [item_id])
    ]
    assert after.status == {"absolute": "contraindicated", "relative": "needs_review"}[severity]


def test_the_contract_check_itself_finds_departures(intake: Definition) -> None:
    """contract_problems, used on every case above, does reject what docs/contract.md §2 rules out."""
    case = next(case for case in CASES if case.name.startswith("absolute, relative and caution"))
    good = assess(intake, case.answers, assessed_on=case.assessed_on).contract()
    assert contract_problems(good, intake) == []

    def broken(change: Any) -> list[str]:
        contract = copy.deepcopy(good)
        change(contract)
        return contract_problems(contract, intake)

    assert broken(lambda c: c.pop("missing"))
    assert broken(lambda c: c.update(status="maybe"))
    assert broken(lambda c: c["questionnaire"].update(sha256="abc"))
    assert broken(lambda c: c["scores"]["phq9_total"].update(band=None))
    assert broken(lambda c: c["scores"]["phq9_total"].update(band="Severe"))
    assert broken(lambda c: c["scores"]["phq9_total"].update(extra=1))
    assert broken(lambda c: c["derived"].pop("bmi"))
    assert broken(lambda c: c["flags"].reverse())
    assert broken(lambda c: c["flags"][0].update(severity="relative"))
    assert broken(lambda c: c["flags"][1].update(triggered_by=["glaucoma", "bmi"]))
    assert broken(lambda c: c["flags"][2].update(triggered_by=[]))
    assert broken(lambda c: c["flags"][3].update(surprise=True))
    assert broken(lambda c: c.update(missing=["a", "a"]))
