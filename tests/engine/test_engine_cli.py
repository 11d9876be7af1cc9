"""The command line as a user meets it (docs/contract.md §3): `check` exit codes and output, and `assess` on
bad input files: non-zero exit, one line per problem naming the item, never a traceback, never
an answer value in the message."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from screening.loading import BUNDLED_DIRECTORY
from tests.cli_support import assert_no_traceback, run_cli

ROOT = Path(__file__).resolve().parents[2]
BASE_ANSWERS = ROOT / "tests" / "cases" / "base" / "candidate.yaml"
PATIENT_NAME = "Zephyrine Quillfeather-Okonkwo"  # must never appear in a message
ISSUE_LINE = re.compile(r"^\S+:\d+:\d+: [EW]\d{3} \S.*$")


run = run_cli
_no_traceback = assert_no_traceback


# ------------------------------------------------------------------------------ check


def test_check_of_the_bundled_questionnaires_exits_0() -> None:
    completed = run("check")
    _no_traceback(completed)
    assert completed.returncode == 0
    assert completed.stderr == ""
    assert re.fullmatch(
        r"checked 4 files, ran \d+ worked examples: 0 errors, 0 warnings\n", completed.stdout
    ), completed.stdout


def test_check_with_errors_exits_1_and_prints_one_issue_per_line(tmp_path: Path) -> None:
    (tmp_path / "phq9.yaml").write_bytes((BUNDLED_DIRECTORY / "phq9.yaml").read_bytes())
    (tmp_path / "broken.yaml").write_text(
        "id: broken\nkind: instrument\nversion: 1.0.0\ntitle: B\ntitel: typo\n"
        "sections: [{id: s, title: S, items: [{id: q, type: boolean, text: Q,"
        " show_if: {item: p, eq: true}}]}]\n",
        encoding="utf-8",
    )
    completed = run("check", str(tmp_path))
    _no_traceback(completed)
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[:-1] == [
        f"{tmp_path}/broken.yaml:5:1: E003 titel: unknown key 'titel'",
        "    hint: did you mean 'title'?",
        f"{tmp_path}/broken.yaml:6:80: E010 unknown item 'p'",
    ]
    assert all(ISSUE_LINE.match(line) or line.startswith("    hint: ") for line in lines[:-1])
    assert re.fullmatch(r"checked 2 files, ran \d+ worked examples: 2 errors, 0 warnings", lines[-1])


def test_check_with_only_warnings_exits_0_and_counts_them(tmp_path: Path) -> None:
    (tmp_path / "bare.yaml").write_text(
        "id: bare\nkind: instrument\nversion: 1.0.0\ntitle: B\n"
        "sections: [{id: s, title: S, items: [{id: q, type: boolean, text: Q}]}]\n",
        encoding="utf-8",
    )
    completed = run("check", str(tmp_path / "bare.yaml"))
    assert completed.returncode == 0
    assert completed.stdout.splitlines() == [
        f"{tmp_path}/bare.yaml:1:1: W004 questionnaire 'bare' has no worked examples",
        "    hint: add 'examples:' with answers and what they must produce; check runs them",
        "checked 1 file, ran 0 worked examples: 0 errors, 1 warning",
    ]
    no_examples = run("check", "--no-examples", str(tmp_path / "bare.yaml"))
    assert no_examples.stdout == "checked 1 file: 0 errors, 0 warnings\n"


def test_check_of_a_path_that_does_not_exist_exits_1(tmp_path: Path) -> None:
    completed = run("check", str(tmp_path / "nowhere"))
    _no_traceback(completed)
    assert completed.returncode == 1
    assert completed.stderr == f"{tmp_path}/nowhere: no such file or directory\n"


def test_a_usage_error_exits_2() -> None:
    completed = run("assess")
    assert completed.returncode == 2
    _no_traceback(completed)


# ------------------------------------------------------------------------------ assess: bad input


def _base() -> dict[str, object]:
    data = yaml.safe_load(BASE_ANSWERS.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    data["answers"]["patient_name"] = PATIENT_NAME
    return data


def _with(**answers: object) -> str:
    data = _base()
    data["answers"].update(answers)  # type: ignore[attr-defined]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@dataclass(frozen=True)
class BadInput:
    name: str
    text: str | bytes | None  # None: the file does not exist
    lines: list[str]  # expected stderr lines after the 'FILE: ' prefix
    secrets: list[str] = field(default_factory=list)  # values that must not be printed


BASE_TEXT = yaml.safe_dump(_base(), allow_unicode=True, sort_keys=False)

BAD_INPUTS = [
    BadInput("missing file", None, ["cannot read the file: No such file or directory"]),
    BadInput(
        "not UTF-8",
        BASE_TEXT.replace(PATIENT_NAME, "Jos\xe9").encode("latin-1"),
        ["cannot read the file: not UTF-8 text"],
    ),
    BadInput(
        "not YAML",
        BASE_TEXT.replace("weight_kg: 64.5", "weight_kg: [64.5"),
        ["line 9: YAML syntax error: expected ',' or ']', but got ':'"],
        [PATIENT_NAME],
    ),
    BadInput(
        "a control character",
        BASE_TEXT.replace(PATIENT_NAME, "Zephyrine\x07Quillfeather-Okonkwo"),
        ["line 4: YAML syntax error: unacceptable character #x0007: special characters are not allowed"],
        ["Zephyrine", "Quillfeather"],
    ),
    BadInput(
        "YAML but not a mapping",
        "- questionnaire\n- ketamine-trd-intake\n",
        ["an answers file is a mapping with 'questionnaire' and 'answers'"],
    ),
    BadInput(
        "no questionnaire",
        BASE_TEXT.replace("questionnaire: ketamine-trd-intake\n", ""),
        ["questionnaire: missing: name the questionnaire id, e.g. ketamine-trd-intake"],
    ),
    BadInput(
        "unknown questionnaire",
        BASE_TEXT.replace("questionnaire: ketamine-trd-intake", "questionnaire: ketamine-intake"),
        [
            "questionnaire: unknown questionnaire 'ketamine-intake'"
            " (available: asq, gad7, ketamine-trd-intake, phq9)"
        ],
        [PATIENT_NAME],
    ),
    BadInput(
        "wrong types",
        _with(weight_kg="heavy", has_escort="yes please", phq9_1="always", antidepressant_trials="a few"),
        [
            "weight_kg: expected a number",
            "phq9_1: not one of the choices"
            " (not_at_all, several_days, more_than_half_the_days, nearly_every_day)",
            "antidepressant_trials: expected a list of trials",
            "has_escort: expected yes or no (true or false)",
        ],
        [PATIENT_NAME, "heavy", "yes please", "always", "a few"],
    ),
    BadInput(
        "out of range",
        _with(systolic_bp=400, height_cm=12.5, spo2=101),
        [
            "height_cm: below the minimum of 100 cm",
            "systolic_bp: above the maximum of 300 mmHg",
            "spo2: above the maximum of 100 %",
        ],
        [PATIENT_NAME, "400", "12.5", "101"],
    ),
    BadInput(
        "unknown item ids",
        _with(favourite_colour="teal", weigth_kg=70),
        ["favourite_colour: unknown item id", "weigth_kg: unknown item id (did you mean 'weight_kg'?)"],
        [PATIENT_NAME, "teal"],
    ),
    BadInput(
        "a row of a repeating group",
        _with(
            antidepressant_trials=[
                {
                    "drug": "citalopram",
                    "weeks": "eight",
                    "adequate_dose": True,
                    "adherent": True,
                    "improvment": "none",
                },
                "sertraline",
            ]
        ),
        [
            "antidepressant_trials[1].weeks: expected a number",
            "antidepressant_trials[1].improvment: unknown field (did you mean 'improvement'?);"
            " fields are drug, weeks, adequate_dose, adherent, improvement",
            "antidepressant_trials[2]: expected a mapping of field to answer",
        ],
        [PATIENT_NAME, "eight", "sertraline"],
    ),
    BadInput(
        "impossible and future dates",
        BASE_TEXT.replace("date_of_birth: 1972-06-15", "date_of_birth: 1972-02-30"),
        ["date_of_birth: expected a date (YYYY-MM-DD)"],
        [PATIENT_NAME, "1972-02-30"],
    ),
    BadInput(
        "a date of birth after the screening",
        BASE_TEXT.replace("date_of_birth: 1972-06-15", "date_of_birth: 2027-01-02"),
        ["date_of_birth: later than the date of the screening"],
        [PATIENT_NAME, "2027"],
    ),
    BadInput(
        "a name that is too long",
        _with(patient_name=PATIENT_NAME * 10),
        ["patient_name: longer than 200 characters"],
        [PATIENT_NAME],
    ),
    BadInput(
        "no date of the screening",
        BASE_TEXT.replace("assessed_on: 2026-11-20\n", ""),
        ["assessed_on: missing: the date the screening is taken (YYYY-MM-DD)"],
        [PATIENT_NAME],
    ),
    BadInput(
        "unknown top-level key and a duplicate answer",
        BASE_TEXT.replace("answers:\n", "notes: call back\nanswers:\n  systolic_bp: 121\n"),
        [
            "line 12: duplicate key 'systolic_bp' (first given at line 5)",
            "notes: unknown key at line 3; an answers file has questionnaire, assessed_on, answers, review",
        ],
        [PATIENT_NAME, "call back", "121"],
    ),
    BadInput(
        "review with an unknown key and values that are not allowed",
        BASE_TEXT + "review:\n  clinican: Dr. Typo\n  decision: go ahead\n  protocol: ketamine-tablets\n"
        "  weight_basis: lean\n  start_date: next week\n  acknowledged: {ci.rel.glaucoma: ''}\n"
        "  moved_session: {session: 0, date: soon}\n",
        [
            "review.clinican: unknown key; the review has clinician, protocol, weight_basis, start_date,"
            " moved_session, decision, acknowledged, signed_at",
            "review.decision: not one of proceed, do_not_proceed, defer",
            "review.protocol: not one of the plans (iv-ketamine-induction, esketamine-induction)",
            "review.weight_basis: not one of actual, ideal, adjusted",
            "review.start_date: expected a date (YYYY-MM-DD)",
            "review.acknowledged: the acknowledgement of 'ci.rel.glaucoma' needs a note",
            "review.moved_session: expected {session: N, date: YYYY-MM-DD}, N a session number from 1",
        ],
        [PATIENT_NAME, "Dr. Typo", "go ahead", "ketamine-tablets", "lean", "next week"],
    ),
]


@pytest.mark.parametrize(
    ("bad", "as_json"),
    [(bad, index % 2 == 1) for index, bad in enumerate(BAD_INPUTS)],
    ids=[f"{bad.name} ({'json' if index % 2 else 'text'})" for index, bad in enumerate(BAD_INPUTS)],
)
def test_assess_rejects_bad_input_clearly(bad: BadInput, as_json: bool, tmp_path: Path) -> None:
    """Half of the cases print text, half JSON: the problems are the same either way."""
    path = tmp_path / "answers.yaml"
    if isinstance(bad.text, bytes):
        path.write_bytes(bad.text)
    elif bad.text is not None:
        path.write_text(bad.text, encoding="utf-8")
    completed = run("assess", str(path), *(["--json"] if as_json else []))
    _no_traceback(completed)
    assert completed.returncode == 1
    assert completed.stdout == ""
    prefix = f"{path}: "
    lines = completed.stderr.splitlines()
    assert all(line.startswith(prefix) for line in lines), lines
    assert [line.removeprefix(prefix) for line in lines] == [
        line.replace("{file}", str(path)) for line in bad.lines
    ]
    for secret in bad.secrets:
        assert secret not in completed.stderr


def test_assess_names_a_questionnaire_that_has_errors(tmp_path: Path) -> None:
    directory = tmp_path / "questionnaires"
    directory.mkdir()
    for source in BUNDLED_DIRECTORY.glob("*.yaml"):
        text = source.read_text(encoding="utf-8")
        if source.name == "phq9.yaml":
            text = text.replace("title: Patient Health", "titel: Patient Health")
        (directory / source.name).write_text(text, encoding="utf-8")
    answers = tmp_path / "answers.yaml"
    answers.write_text(BASE_TEXT, encoding="utf-8")
    completed = run("assess", str(answers), "--questionnaires", str(directory))
    _no_traceback(completed)
    assert completed.returncode == 1
    assert completed.stderr == (
        f"{answers}: questionnaire: questionnaire 'ketamine-trd-intake' has errors;"
        " run: python -m screening check\n"
    )


# ------------------------------------------------------------------------------ assess: text output


def test_assess_prints_a_readable_summary(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(_with(phq9_9="several_days", asq_2=True, asq_5=False), encoding="utf-8")
    completed = run("assess", str(path))
    assert (completed.returncode, completed.stderr) == (0, "")
    out = completed.stdout
    assert out.startswith("!! SUICIDE RISK SCREEN POSITIVE")
    assert "Status: NEEDS REVIEW" in out
    assert "  PHQ-9 total: 13 (Moderate)" in out
    assert "  [relative] ci.rel.phq9_item9_positive: " in out
    assert "      triggered by: phq9_9" in out
    assert out.rstrip().endswith("Decision support only: the psychiatrist decides.")
