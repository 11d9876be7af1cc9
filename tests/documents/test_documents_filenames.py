"""Download file names: MRN (or initials), document and date, safe whatever the patient data holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from screening.documents.filenames import download_name, initials, safe_part

DAY = dt.date(2026, 11, 18)
SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*_[a-z0-9-]+_\d{4}-\d{2}-\d{2}\.[a-z]+$")


def _name(mrn: str | None, patient: str | None = "Ana Silva", document: str = "clinician-summary") -> str:
    return download_name(mrn=mrn, patient_name=patient, document=document, on=DAY, extension="pdf")


def test_mrn_document_and_date() -> None:
    assert _name("KC-20931") == "KC-20931_clinician-summary_2026-11-18.pdf"
    assert _name("KC-20931", document="patient-handout") == "KC-20931_patient-handout_2026-11-18.pdf"
    assert (
        download_name(mrn="KC-20931", patient_name=None, document="fhir-bundle", on=DAY, extension="json")
        == "KC-20931_fhir-bundle_2026-11-18.json"
    )


def test_initials_when_there_is_no_mrn() -> None:
    assert _name(None) == "AS_clinician-summary_2026-11-18.pdf"
    assert _name("   ", "Ngozi Adébáyọ̀-Hart") == "NAH_clinician-summary_2026-11-18.pdf"
    assert _name("", "Søren Łukasz Ødegård") == "SLO_clinician-summary_2026-11-18.pdf"
    assert _name(None, "Mary O'Brien") == "MO_clinician-summary_2026-11-18.pdf"
    assert _name(None, None) == "patient_clinician-summary_2026-11-18.pdf"
    assert _name(None, "李小龍") == "patient_clinician-summary_2026-11-18.pdf"  # nothing folds to ASCII


@pytest.mark.parametrize(
    ("mrn", "expected"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("..\\..\\Windows\\system32", "Windows-system32"),
        ("KC/20931", "KC-20931"),
        ("KC 20931\n", "KC-20931"),
        ("KC\x00-\x1f20931", "KC-20931"),
        ("\u202egpj.exe", "gpj.exe"),  # a right-to-left override would show "exe.jpg"
        ("KC\u200b-\u2066209\u206931", "KC-20931"),  # zero-width and isolate characters
        ("MRN: 0042 <x>", "MRN-0042-x"),
        ("Ñandú-7", "Nandu-7"),
        ("ＫＣ－２０９３１", "KC-20931"),  # full-width forms fold to ASCII
        (".hidden", "hidden"),
        ("a" * 80, "a" * 40),
    ],
)
def test_hostile_mrns_leave_a_safe_name(mrn: str, expected: str) -> None:
    name = _name(mrn)
    assert name == f"{expected}_clinician-summary_2026-11-18.pdf"
    assert SAFE.match(name), name


@pytest.mark.parametrize(
    "mrn",
    ["/", "..", "\u202e\u202c", "\x00\x01", "***", "\u0301\u0301", "-.-"],
)
def test_an_mrn_with_nothing_usable_falls_back_to_initials(mrn: str) -> None:
    assert _name(mrn) == "AS_clinician-summary_2026-11-18.pdf"


@pytest.mark.parametrize(
    "patient",
    ["\u202eevil/../name", "../../x y", "Ana\u0000 \u200bSilva", "\x1b[31mRed\x1b[0m Alert", "a/b\\c d"],
)
def test_hostile_names_give_only_letters(patient: str) -> None:
    name = _name(None, patient)
    assert SAFE.match(name), name
    subject = name.split("_", 1)[0]
    assert subject == "patient" or subject.isalpha()


def test_parts() -> None:
    assert safe_part(None) == "" and safe_part("") == ""
    assert safe_part("a..b") == "a.b"
    assert initials("  ana   maria  silva ") == "AMS"
    assert initials("") == ""
