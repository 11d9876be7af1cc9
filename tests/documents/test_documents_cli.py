"""``python -m screening report``: writes both documents, byte-identical for the same input and
``--generated-at``; bad input and a broken clinic file are one line each, without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import NO_PHONE, Build
from documents_cases import EXAMPLE_FILE

from screening.report.documents import HANDOUT_FILE, SUMMARY_FILE

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], clinic: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCREENING_CLINIC_FILE": str(clinic), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "screening", "report", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """The settings of ``conftest.NO_PHONE`` as a clinic file: no phone number configured."""
    path = tmp_path / "clinic.yaml"
    path.write_text(
        yaml.safe_dump(NO_PHONE.model_dump(exclude_none=True), allow_unicode=True), encoding="utf-8"
    )
    return path


def test_report_writes_both_files_byte_identical_across_runs(
    tmp_path: Path, clinic: Path, build: Build
) -> None:
    outputs = []
    for run_number in (1, 2):
        out = tmp_path / f"out{run_number}"
        result = run(
            [str(EXAMPLE_FILE), "--out", str(out), "--generated-at", "2026-11-20T15:30:00"], clinic, tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [str(out / SUMMARY_FILE), str(out / HANDOUT_FILE)]
        assert "Traceback" not in result.stderr
        assert "warning: Clinic phone number is not configured" in result.stderr
        outputs.append(((out / SUMMARY_FILE).read_bytes(), (out / HANDOUT_FILE).read_bytes()))
    assert outputs[0] == outputs[1]
    # The naive --generated-at is UTC: the same bytes as the API with an aware UTC time.
    documents = build("example", settings=NO_PHONE).documents
    assert outputs[0] == (documents.summary, documents.handout)


def test_bad_answers_exit_non_zero_naming_each_item(tmp_path: Path, clinic: Path) -> None:
    answers = tmp_path / "bad.yaml"
    answers.write_text(
        "questionnaire: ketamine-trd-intake\nassessed_on: 2026-11-18\n"
        "answers:\n  systolic_bp: 400\n  weight_kg: heavy\n  favourite_colour: blue\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run([str(answers), "--out", str(out)], clinic, tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert any("systolic_bp:" in line for line in lines)
    assert any("weight_kg:" in line for line in lines)
    assert any("favourite_colour:" in line for line in lines)
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "content",
    ["questionnaire: no-such-questionnaire\nassessed_on: 2026-11-18\nanswers: {}\n", "answers: [unclosed\n"],
)
def test_unusable_answers_files_exit_non_zero(tmp_path: Path, clinic: Path, content: str) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(content, encoding="utf-8")
    result = run([str(answers), "--out", str(tmp_path / "out")], clinic, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_missing_answers_file_exits_non_zero(tmp_path: Path, clinic: Path) -> None:
    result = run([str(tmp_path / "absent.yaml"), "--out", str(tmp_path / "out")], clinic, tmp_path)
    assert result.returncode == 1
    assert "cannot read the file" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_clinic_file_is_one_clear_line(tmp_path: Path) -> None:
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: Riverside\npage_size: folio\n", encoding="utf-8")
    result = run([str(EXAMPLE_FILE), "--out", str(tmp_path / "out")], clinic, tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert (
        lines[0].startswith("clinic settings: ") and "clinic.yaml:2" in lines[0] and "page_size" in lines[0]
    )
    assert not (tmp_path / "out").exists()
