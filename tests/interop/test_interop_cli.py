"""The exchange commands as a user meets them (docs/contract.md §5): `export fhir|redcap` and
`import fhir|redcap` on real files, `--out`, refused input (nothing written, one line per problem,
no traceback), usage errors, and names and contents of hostile files never echoed."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from screening.answers_file import parse_answers_text
from tests.cli_support import assert_no_traceback, run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "documents" / "golden" / "answers-example.yaml"
CASES = ROOT / "tests" / "interop" / "cases"
GENERATED_AT = "2026-11-18T15:30:00+00:00"
PATIENT_NAME = "Zephyrine Quillfeather-Okonkwo"  # must never appear in a message
HOSTILE_NAME = "Zephyrine\x1b[31m\nQuillfeather.yaml"  # an escape sequence and a line break


run = run_cli
_no_traceback = assert_no_traceback


def _ok(completed: subprocess.CompletedProcess[str]) -> str:
    _no_traceback(completed)
    assert completed.returncode == 0, completed.stderr
    assert all(line.startswith("note: ") for line in completed.stderr.splitlines()), completed.stderr
    return completed.stdout


def _refused(completed: subprocess.CompletedProcess[str], prefix: str) -> list[str]:
    """The problem lines of a refused command: exit 1, nothing on stdout, each line `prefix: …`."""
    _no_traceback(completed)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert lines
    assert all(line.startswith(f"{prefix}: ") for line in lines), lines
    return lines


def _answers(text: str) -> dict[str, object]:
    answers_file, problems = parse_answers_text(text)
    assert problems == [] and answers_file is not None
    return {"questionnaire": answers_file.questionnaire, **answers_file.answers}


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fhir") / "bundle.json"
    completed = run("export", "fhir", EXAMPLE, "--generated-at", GENERATED_AT, "--out", path)
    _ok(completed)
    return path


@pytest.fixture(scope="module")
def record_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("redcap") / "record.csv"
    _ok(run("export", "redcap", EXAMPLE, "--out", path))
    return path


# ------------------------------------------------------------------------------ FHIR


def test_export_fhir_of_an_answers_file_prints_a_bundle_and_is_repeatable() -> None:
    first = _ok(run("export", "fhir", EXAMPLE, "--generated-at", GENERATED_AT))
    bundle = json.loads(first)
    assert bundle["resourceType"] == "Bundle"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"QuestionnaireResponse", "Observation"} <= kinds
    assert first == _ok(run("export", "fhir", EXAMPLE, "--generated-at", GENERATED_AT))
    assert first == _ok(run("export", "fhir", EXAMPLE, "--generated-at", GENERATED_AT[:19]))  # naive: UTC
    assert json.loads(_ok(run("export", "fhir", EXAMPLE)))["resourceType"] == "Bundle"  # default: now


def test_export_fhir_out_writes_the_file_and_nothing_on_stdout(bundle_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    completed = run("export", "fhir", EXAMPLE, "--generated-at", GENERATED_AT, "--out", out)
    assert _ok(completed) == ""
    assert out.read_text(encoding="utf-8") == bundle_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("questionnaire", ["ketamine-trd-intake", "phq9", "gad7"])
def test_export_fhir_of_a_questionnaire_prints_a_questionnaire(questionnaire: str) -> None:
    resource = json.loads(_ok(run("export", "fhir", "--questionnaire", questionnaire)))
    assert resource["resourceType"] == "Questionnaire"
    assert resource["item"]


def test_import_fhir_of_an_exported_bundle_gives_the_answers_back(bundle_file: Path, tmp_path: Path) -> None:
    arguments = ("import", "fhir", bundle_file, "--questionnaire", "ketamine-trd-intake")
    imported = _answers(_ok(run(*arguments)))
    assert imported["questionnaire"] == "ketamine-trd-intake"
    assert imported["phq9_1"] == "nearly_every_day"
    out = tmp_path / "answers.yaml"
    assert _ok(run(*arguments, "--out", out)) == ""
    assert _answers(out.read_text(encoding="utf-8")) == imported


def test_import_fhir_of_a_response_finds_its_questionnaire() -> None:
    imported = _answers(_ok(run("import", "fhir", CASES / "import-phq9-lhc.json")))
    assert imported["questionnaire"] == "phq9"


def test_import_fhir_notes_what_became_missing() -> None:
    completed = run("import", "fhir", CASES / "import-phq9-declined.json")
    imported = _answers(_ok(completed))
    notes = completed.stderr.splitlines()
    assert "phq9_3" not in imported
    assert any(note.startswith("note: phq9_3: ") for note in notes)


def test_import_fhir_of_a_published_questionnaire_gives_an_instrument_check_accepts(tmp_path: Path) -> None:
    out = tmp_path / "instrument.yaml"
    assert _ok(run("import", "fhir", CASES / "import-questionnaire-phq9-lhc.json", "--out", out)) == ""
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["kind"] == "instrument"
    checked = run("check", "--no-examples", out)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize("questionnaire", ["phq9", "gad7"])
def test_import_fhir_of_an_exported_questionnaire_gives_an_instrument(
    questionnaire: str, tmp_path: Path
) -> None:
    exported = tmp_path / "questionnaire.json"
    _ok(run("export", "fhir", "--questionnaire", questionnaire, "--out", exported))
    instrument = yaml.safe_load(_ok(run("import", "fhir", exported)))
    assert instrument["kind"] == "instrument"


def test_import_fhir_refuses_another_instrument() -> None:
    lines = _refused(run("import", "fhir", CASES / "import-phq8.json"), str(CASES / "import-phq8.json"))
    assert len(lines) == 1


# ------------------------------------------------------------------------------ REDCap


def test_export_redcap_of_a_questionnaire_prints_a_data_dictionary(tmp_path: Path) -> None:
    text = _ok(run("export", "redcap", "--questionnaire", "ketamine-trd-intake"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Variable / Field Name"
    assert any(row[0] == "phq9_1" for row in rows[1:])
    out = tmp_path / "dictionary.csv"
    assert _ok(run("export", "redcap", "--questionnaire", "ketamine-trd-intake", "--out", out)) == ""
    assert out.read_text(encoding="utf-8") == text


def test_export_redcap_of_an_answers_file_prints_one_record(record_file: Path) -> None:
    text = _ok(run("export", "redcap", EXAMPLE))
    assert text == record_file.read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    assert "phq9_1" in header


def test_import_redcap_of_an_exported_record_gives_the_answers_back(
    record_file: Path, tmp_path: Path
) -> None:
    arguments = ("import", "redcap", record_file, "--questionnaire", "ketamine-trd-intake")
    imported = _answers(_ok(run(*arguments)))
    assert imported["questionnaire"] == "ketamine-trd-intake"
    assert imported["phq9_1"] == "nearly_every_day"
    out = tmp_path / "answers.yaml"
    assert _ok(run(*arguments, "--out", out)) == ""
    assert _answers(out.read_text(encoding="utf-8")) == imported


# ------------------------------------------------------------------------------ refused input


@pytest.mark.parametrize(
    ("command", "content"),
    [
        (("import", "fhir"), b"\xff\xfe not text"),
        (("import", "fhir"), b"{not json"),
        (("import", "fhir"), b"[" * 10_000 + b"]" * 10_000),
        (
            ("import", "fhir"),
            json.dumps({"resourceType": "Patient", "name": [{"text": PATIENT_NAME}]}).encode(),
        ),
        (("import", "redcap"), b"\xff\xfe not text"),
        (("import", "redcap"), f"record_id,no_such_field\n1,{PATIENT_NAME}\n".encode()),
    ],
    ids=[
        "fhir-not-utf8",
        "fhir-not-json",
        "fhir-too-deep",
        "fhir-wrong-resource",
        "redcap-not-utf8",
        "redcap-unknown",
    ],
)
def test_refused_input_writes_nothing(command: tuple[str, str], content: bytes, tmp_path: Path) -> None:
    source = tmp_path / "input.dat"
    source.write_bytes(content)
    out = tmp_path / "out.yaml"
    extra = ("--questionnaire", "ketamine-trd-intake") if command[1] == "redcap" else ()
    completed = run(*command, source, *extra, "--out", out)
    _refused(completed, str(source))
    assert PATIENT_NAME not in completed.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left behind either


def test_a_file_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    assert _refused(run("import", "fhir", missing), str(missing)) == [
        f"{missing}: cannot read the file: No such file or directory"
    ]


def test_an_answers_file_with_problems_exports_nothing(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["answers"]["weight_kg"] = PATIENT_NAME
    del data["assessed_on"]
    source = tmp_path / "answers.yaml"
    source.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for export in (("export", "fhir"), ("export", "redcap")):
        out = tmp_path / "out"
        completed = run(*export, source, "--out", out)
        lines = _refused(completed, str(source))
        assert len(lines) == 2 and PATIENT_NAME not in completed.stderr
        assert not out.exists()


@pytest.mark.parametrize("command", [("export", "fhir"), ("export", "redcap"), ("import", "redcap")])
def test_an_unknown_questionnaire_is_one_line(command: tuple[str, str], tmp_path: Path) -> None:
    source = tmp_path / "record.csv"
    source.write_text("record_id\n1\n", encoding="utf-8")
    files = (source,) if command[0] == "import" else ()
    lines = _refused(run(*command, *files, "--questionnaire", "no-such"), "--questionnaire")
    assert len(lines) == 1 and "unknown questionnaire 'no-such'" in lines[0]


def test_a_hostile_file_name_and_content_are_not_echoed(tmp_path: Path) -> None:
    source = tmp_path / HOSTILE_NAME
    source.write_text(
        "questionnaire: ketamine-trd-intake\nassessed_on: 2026-11-18\nanswers:\n"
        f"  weight_kg: {PATIENT_NAME}\n"
        '  "bad\\nitem": 1\n',
        encoding="utf-8",
    )
    for command in (("export", "fhir"), ("export", "redcap"), ("import", "fhir"), ("import", "redcap")):
        extra = ("--questionnaire", "phq9") if command == ("import", "redcap") else ()
        completed = run(*command, source, *extra)
        _no_traceback(completed)
        assert completed.returncode == 1 and completed.stdout == ""
        assert PATIENT_NAME not in completed.stderr and "\x1b" not in completed.stderr
        shown = str(tmp_path / "Zephyrine\\x1b[31m\\nQuillfeather.yaml")
        assert all(line.startswith(f"{shown}: ") for line in completed.stderr.splitlines()), completed.stderr


# ------------------------------------------------------------------------------ the README


def test_the_readme_exchange_examples_run_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exchange with FHIR and REDCap", 1)[1].split("\n## ", 1)[0]
    lines = [line for block in re.findall(r"```sh\n(.*?)```", section, re.S) for line in block.splitlines()]
    assert len(lines) >= 2
    (tmp_path / EXAMPLE.relative_to(ROOT)).parent.mkdir(parents=True)
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.relative_to(ROOT))
    for line in lines:
        words = shlex.split(line)
        assert words[:3] == ["python", "-m", "screening"], line
        _ok(run(*words[3:], cwd=tmp_path))
    for written in re.findall(r"--out (\S+)", section):
        assert (tmp_path / written).stat().st_size > 0, written


# ------------------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(
    "arguments",
    [
        ("export",),
        ("import",),
        ("export", "csv", "--questionnaire", "phq9"),
        ("export", "fhir"),  # neither an answers file nor --questionnaire
        ("export", "redcap"),
        ("export", "fhir", str(EXAMPLE), "--questionnaire", "phq9"),  # both
        ("export", "redcap", str(EXAMPLE), "--questionnaire", "phq9"),
        ("export", "fhir", str(EXAMPLE), "--generated-at", "yesterday"),
        ("import", "fhir"),
        ("import", "redcap", "record.csv"),  # --questionnaire is required
    ],
)
def test_usage_errors_exit_2(arguments: tuple[str, ...], tmp_path: Path) -> None:
    completed = run(*arguments, "--out", tmp_path / "out") if len(arguments) > 2 else run(*arguments)
    _no_traceback(completed)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert not (tmp_path / "out").exists()
