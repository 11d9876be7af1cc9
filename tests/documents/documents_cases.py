"""Patients for the document tests: the example answers file and variations of it.

Each case is an answers file's content (``answers``, ``review``, ``assessed_on``), assessed by the
engine exactly as the command line and the app do. The names are fictional.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screening.answers_file import read_answers_file
from screening.assessment import Assessment
from screening.definition import Definition
from screening.documents.build import AmendmentNote, ChangeNote, LifecycleNote
from screening.engine import assess

HERE = Path(__file__).resolve().parent
EXAMPLE_FILE = HERE / "golden" / "answers-example.yaml"
GENERATED_AT = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)

# Hostile text: markup characters, quotes, ampersands, an emoji, right-to-left script.
HOSTILE_NAME = '<b>Zoë</b> & "O\'Brien" \U0001f600 <font size=40>'
HEBREW_NAME = "דוד לוי"
ARABIC_NAME = "فاطمة الزهراء"
VIETNAMESE_NAME = "Nguyễn Thị Hương"
CJK_NAME = "王秀英"
# A 10,000-character acknowledgement note: 1,000 numbered words, then one 1,000-letter word.
LONG_NOTE = " ".join(f"word{i:04d}" for i in range(1, 1001))
LONG_NOTE += " " + "x" * (10_000 - len(LONG_NOTE) - 1)


@dataclass
class Case:
    answers: dict[str, Any]
    review: dict[str, Any] | None
    assessed_on: dt.date | None = dt.date(2026, 11, 18)
    notes: list[str] = field(default_factory=list)

    def assess(self, definition: Definition) -> Assessment:
        return assess(definition, self.answers, assessed_on=self.assessed_on, review=self.review)


def example() -> Case:
    parsed, problems = read_answers_file(EXAMPLE_FILE)
    assert parsed is not None and not problems
    return Case(copy.deepcopy(parsed.answers), copy.deepcopy(parsed.review), parsed.assessed_on)


def _changed(
    answers: dict[str, Any] | None = None, review: dict[str, Any] | None = None, **extra: Any
) -> Case:
    case = example()
    case.answers.update(answers or {})
    if review is not None:
        assert case.review is not None
        case.review.update(review)
    for key, value in extra.items():
        setattr(case, key, value)
    return case


def candidate() -> Case:
    return _changed(
        {"hypertension_history": False, "medication_classes": ["none"]},
        {"acknowledged": {}, "weight_basis": "actual"},
    )


def contraindicated() -> Case:
    return _changed({"aneurysmal_vascular_disease": True}, {"decision": "do_not_proceed"})


def needs_review() -> Case:
    """The example (hypertension acknowledged) plus an unacknowledged flag and an unmatched note."""
    return _changed(
        {"glaucoma": True},
        {
            "acknowledged": {
                "ci.rel.hypertension_history": "Controlled on lisinopril; recheck before each session.",
                "ci.rel.porphyria": "Entered by mistake & kept <for> the record.",
            },
            "signed_at": None,
            "decision": None,
        },
    )


def incomplete() -> Case:
    return Case({}, None)


def crisis() -> Case:
    return _changed({"phq9_9": "several_days", "asq_1": True, "asq_5": False}, {"signed_at": None})


def acute_crisis() -> Case:
    return _changed({"asq_3": True, "asq_5": True}, {"decision": "do_not_proceed"})


def male() -> Case:
    case = _changed({"sex_at_birth": "male", "patient_name": "Tomás Ødegård"})
    del case.answers["pregnant"]
    del case.answers["breastfeeding"]
    return case


def esketamine() -> Case:
    return _changed({}, {"protocol": "esketamine-induction", "weight_basis": None})


def iv_basis(basis: str) -> Callable[[], Case]:
    def make() -> Case:
        return _changed({}, {"weight_basis": basis})

    return make


def no_plan() -> Case:
    return _changed(
        {}, {"protocol": None, "weight_basis": None, "start_date": None, "decision": None, "signed_at": None}
    )


def hostile() -> Case:
    return _changed(
        {"patient_name": HOSTILE_NAME, "mrn": None},
        {
            "clinician": f"Dr. {HEBREW_NAME}, MD",
            "acknowledged": {"ci.rel.hypertension_history": LONG_NOTE},
        },
    )


def reopened() -> Case:
    """The example, signed, then amended ("Patient recalled a stent": heart disease now Yes), which
    fired a new relative flag and so reopened it: the review lost its ``signed_at``."""
    return _changed({"heart_disease": True}, {"signed_at": None})


def reopened_refused() -> Case:
    """Reopened after the decision was "do not proceed"."""
    return _changed({"heart_disease": True}, {"signed_at": None, "decision": "do_not_proceed"})


# What the workflow's ``document_notes`` gives for the reopened cases.
SIGNED_AT = dt.datetime(2026, 11, 18, 16, 5, tzinfo=dt.UTC)
REOPENED_AT = dt.datetime(2026, 12, 2, 10, 15, tzinfo=dt.UTC)
HOSTILE_TEXT = "<b>x</b> & <font>"
AMENDMENTS = (
    AmendmentNote(
        dt.datetime(2026, 11, 19, 9, 5, tzinfo=dt.UTC),
        "Dr. Samuel Adeyemi, MD",
        "Start date moved at the patient's request",
        (ChangeNote("Start date", "2026-11-30", "2026-12-02"),),
    ),
    AmendmentNote(
        REOPENED_AT,
        "Mai Tran",
        "Patient recalled a stent",
        (ChangeNote("Heart disease", "No", "Yes"), ChangeNote("Weight", "81.5 kg", "83 kg")),
    ),
)
REOPENED = LifecycleNote(
    state="reopened",
    sentence="Reopened after an amendment on 2026-12-02: Heart disease now Yes. Needs re-signing",
    because=("New relative flag: Heart disease or prior stroke",),
    since=REOPENED_AT,
    signed_by="Dr. Samuel Adeyemi, MD",
    signed_at=SIGNED_AT,
)
#: The lifecycle and amendments a case's documents are built with (others: from the answers).
DOCUMENT_NOTES: dict[str, tuple[LifecycleNote | None, tuple[AmendmentNote, ...]]] = {
    "reopened": (REOPENED, AMENDMENTS),
    "reopened_refused": (REOPENED, AMENDMENTS),
}


def names(name: str) -> Callable[[], Case]:
    def make() -> Case:
        return _changed({"patient_name": name})

    return make


CASES: dict[str, Callable[[], Case]] = {
    "example": example,
    "candidate": candidate,
    "contraindicated": contraindicated,
    "needs_review": needs_review,
    "incomplete": incomplete,
    "crisis": crisis,
    "acute_crisis": acute_crisis,
    "male": male,
    "esketamine": esketamine,
    "iv_actual": iv_basis("actual"),
    "iv_ideal": iv_basis("ideal"),
    "iv_adjusted": iv_basis("adjusted"),
    "no_plan": no_plan,
    "hostile": hostile,
    "hebrew": names(HEBREW_NAME),
    "arabic": names(ARABIC_NAME),
    "vietnamese": names(VIETNAMESE_NAME),
    "cjk": names(CJK_NAME),
    "reopened": reopened,
    "reopened_refused": reopened_refused,
}
