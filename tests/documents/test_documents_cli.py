"""``python -m screening report``: writes both documents, byte-identical for the same input and
``--generated-at``; bad input and a broken clinic file are one line each, without a traceback.

One run goes through a real ``python -m screening`` process; the others call ``cli.main`` in this
process (same code, much faster), with the clinic file named by ``SCREENING_CLINIC_FILE``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from screening.cli import main
from screening.documents.build import HANDOUT_FILE, SUMMARY_FILE
from screening.settings import CLINIC_FILE_ENV
from tests.documents.documents_cases import EXAMPLE_FILE
from tests.documents.documents_support import NO_PHONE, Build

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATED = ["--generated-at", "2026-11-20T15:30:00"]


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The settings of ``documents_support.NO_PHONE`` as the clinic file: no phone number configured."""
    path = tmp_path / "clinic.yaml"
    path.write_text(
        yaml.safe_dump(NO_PHONE.model_dump(exclude_none=True), allow_unicode=True), encoding="utf-8"
    )
    monkeypatch.setenv(CLINIC_FILE_ENV, str(path))
    return path


def report(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["report", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_writes_both_files_byte_identical_across_runs(
    tmp_path: Path, clinic: Path, build: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first"
    result = subprocess.run(
        [sys.executable, "-m", "screening", "report", str(EXAMPLE_FILE), "--out", str(first), *GENERATED],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, CLINIC_FILE_ENV: str(clinic), "PYTHONPATH": str(REPO_ROOT)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(first / SUMMARY_FILE), str(first / HANDOUT_FILE)]
    assert result.stderr.splitlines() == [
        "warning: Clinic phone number is not configured: the handout asks the patient to get it from"
        " the clinic."
    ]
    second = tmp_path / "second"
    code, out, _err = report([str(EXAMPLE_FILE), "--out", str(second), *GENERATED], capsys)
    assert code == 0
    assert out.split() == [str(second / SUMMARY_FILE), str(second / HANDOUT_FILE)]
    for name in (SUMMARY_FILE, HANDOUT_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # The naive --generated-at is UTC: the same bytes as the API with an aware UTC time.
    documents = build("example", settings=NO_PHONE).documents
    assert (first / SUMMARY_FILE).read_bytes() == documents.summary
    assert (first / HANDOUT_FILE).read_bytes() == documents.handout


def test_bad_answers_exit_non_zero_naming_each_item(
    tmp_path: Path, clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "bad.yaml"
    answers.write_text(
        "questionnaire: ketamine-trd-intake\nassessed_on: 2026-11-18\n"
        "answers:\n  systolic_bp: 400\n  weight_kg: heavy\n  favourite_colour: blue\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, _out, err = report([str(answers), "--out", str(out)], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 3
    for item in ("systolic_bp:", "weight_kg:", "favourite_colour:"):
        assert sum(item in line for line in lines) == 1, item
    assert "heavy" not in err  # the answer given is patient data
    assert not out.exists()


@pytest.mark.parametrize(
    "content",
    ["questionnaire: no-such-questionnaire\nassessed_on: 2026-11-18\nanswers: {}\n", "answers: [unclosed\n"],
)
def test_unusable_answers_files_exit_non_zero(
    tmp_path: Path, clinic: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(content, encoding="utf-8")
    code, _out, err = report([str(answers), "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    assert err.strip()
    assert "Traceback" not in err


def test_missing_answers_file_exits_non_zero(
    tmp_path: Path, clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = report([str(tmp_path / "absent.yaml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    assert "cannot read the file" in err


def test_broken_clinic_file_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: Riverside\npage_size: folio\n", encoding="utf-8")
    monkeypatch.setenv(CLINIC_FILE_ENV, str(clinic))
    code, _out, err = report([str(EXAMPLE_FILE), "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("clinic settings: ")
    assert "clinic.yaml:2" in lines[0] and "page_size" in lines[0]
    assert not (tmp_path / "out").exists()


def test_unwritable_output_is_one_line(
    tmp_path: Path, clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    code, _out, err = report([str(EXAMPLE_FILE), "--out", str(blocker / "out"), *GENERATED], capsys)
    assert code == 1
    assert [line for line in err.splitlines() if not line.startswith("warning:")] == [
        f"{blocker / 'out'}: cannot write the documents: Not a directory"
    ]
