"""Byte-identical output: golden files and a fresh process (concurrent builds: tests/report).

The golden PDFs are built from pinned copies of the questionnaires (``golden/questionnaires``, as
a saved screening pins its definition), so that editing the bundled questionnaire does not change
them; a change of the document code or the rendering foundation does. After an intended change,
look at the new PDFs, then regenerate them with::

    UPDATE_GOLDEN=1 pytest tests/documents/test_documents_golden.py
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from screening.config import ClinicSettings
from screening.definition import Definition
from screening.documents.build import Documents, build_documents
from screening.loading import load_catalog
from tests.documents.documents_cases import CASES, DOCUMENT_NOTES, GENERATED_AT, HERE

GOLDEN = HERE / "golden"
PINNED = GOLDEN / "questionnaires"
REPO_ROOT = HERE.parents[1]
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
REGENERATE = "UPDATE_GOLDEN=1 pytest tests/documents/test_documents_golden.py"

GOLDEN_CLINIC = ClinicSettings(
    name="Riverside Interventional Psychiatry",
    phone="+1 555 0100",
    address="12 River Road, Springfield",
)
# The example answers (IV ketamine, signed), an unsigned esketamine screening with a
# positive suicide-risk screen and a right-to-left name, and the example reopened by an amendment.
GOLDEN_CASES = {"example": "example", "crisis-esketamine": "crisis", "reopened": "reopened"}


def pinned_definition() -> Definition:
    catalog = load_catalog([PINNED], run_examples=False)
    definition = catalog.get("ketamine-trd-intake")
    assert definition is not None, [str(issue) for issue in catalog.issues]
    return definition


def golden_documents(name: str) -> Documents:
    """Also run in a fresh process by the determinism test."""
    case = CASES[GOLDEN_CASES[name]]()
    if name == "crisis-esketamine":
        assert case.review is not None
        case.review["protocol"] = "esketamine-induction"
        case.answers["patient_name"] = "שרה כהן"
    definition = pinned_definition()
    # The cases follow the bundled questionnaire; a screening saved under the pinned version has
    # no answers to items added since (1.1.0's can_follow_fasting).
    case.answers = {key: value for key, value in case.answers.items() if key in definition.items}
    lifecycle, amendments = DOCUMENT_NOTES.get(GOLDEN_CASES[name], (None, ()))
    return build_documents(
        definition,
        case.assess(definition),
        settings=GOLDEN_CLINIC,
        generated_at=GENERATED_AT,
        amendments=amendments,
        lifecycle=lifecycle,
    )


@pytest.fixture(scope="module")
def built() -> dict[str, Documents]:
    return {name: golden_documents(name) for name in GOLDEN_CASES}


@pytest.mark.parametrize("name", list(GOLDEN_CASES))
@pytest.mark.parametrize("document", ["summary", "handout"])
def test_golden_files(built: dict[str, Documents], name: str, document: str) -> None:
    path = GOLDEN / f"{name}-{document}.pdf"
    data: bytes = getattr(built[name], document)
    if UPDATE:
        path.write_bytes(data)
    assert path.exists(), f"missing {path.name}; create it with: {REGENERATE}"
    assert data == path.read_bytes(), (
        f"{path.name} changed. Look at the new PDF (e.g. pdftoppm -png); if the change is intended,"
        f" regenerate with: {REGENERATE}"
    )


def test_same_bytes_in_a_fresh_process(built: dict[str, Documents]) -> None:
    program = (
        "import hashlib, sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "from test_documents_golden import golden_documents\n"
        "for name in ('example', 'reopened'):\n"
        "    documents = golden_documents(name)\n"
        "    digests = [hashlib.sha256(pdf).hexdigest() for pdf in (documents.summary, documents.handout)]\n"
        "    print(*digests)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, check=True, cwd=REPO_ROOT, env=env, timeout=120
    )
    expected = [
        f"{hashlib.sha256(built[name].summary).hexdigest()} {hashlib.sha256(built[name].handout).hexdigest()}"
        for name in ("example", "reopened")
    ]
    assert result.stdout.decode().split("\n")[:2] == expected


def test_pinned_questionnaires_load_without_issues() -> None:
    catalog = load_catalog([PINNED], run_examples=False)
    assert catalog.errors == []


def test_regenerate_command_is_documented() -> None:
    assert REGENERATE in Path(__file__).read_text(encoding="utf-8").split('"""')[1]
