"""Version 1.1.0 of the bundled intake and screenings saved under 1.0.0.

A saved screening pins the questionnaire's version, hash and file texts; after the bump it still
loads, assesses and renders with 1.0.0, while new screenings use 1.1.0. The 1.0.0 texts are
tests/fixtures/questionnaires-1.0.0 (the files as released, from git), so these tests keep
holding whatever later versions of the bundled files say.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from screening.config import ClinicSettings
from screening.definition import Definition, content_sha256
from screening.documents.build import build_documents
from screening.engine import assess
from screening.loading import Catalog, load_catalog, load_pinned
from screening.workflow import Refused, Screening, Workflow
from tests.workflow.workflow_support import (
    ANSWERS,
    ASSESSED_ON,
    COORDINATOR,
    PSYCHIATRIST,
    REVIEW,
    FakeClock,
    changed,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires-1.0.0"
PINNED_ORDER = ("ketamine-trd-intake.yaml", "phq9.yaml", "gad7.yaml", "asq.yaml")
SHA_1_0_0 = "68077946edae5cf7b4d1aa494caa2af494ae51af253f66a2e481794f6bcd56b4"
"""The SHA-256 version 1.0.0 was released with (and the golden documents are built from)."""

ADDED_IN_1_1 = (
    "ci.abs.psychotic_features",
    "ci.abs.age_under_18",
    "ci.rel.systolic_today_low",
    "ci.rel.heart_rate_today_low",
    "ci.rel.heart_rate_today_high",
    "ci.rel.spo2_today_low",
    "caution.sedative_hypnotic",
    "caution.cannot_follow_fasting",
)
ANSWERS_1_0_0 = changed(ANSWERS, {"can_follow_fasting": None})
"""The complete screening as it was answered under 1.0.0, which had no fasting question."""
SEVENTEEN = dt.date(2009, 6, 1)  # 17 on the screening date, 2026-11-18
CLINIC = ClinicSettings(name="Riverside Interventional Psychiatry", phone="+1 555 0100", address="")
GENERATED_AT = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


def pinned_files() -> dict[str, str]:
    """The texts a screening saved under 1.0.0 keeps, main file first."""
    return {name: (FIXTURE / name).read_text(encoding="utf-8") for name in PINNED_ORDER}


def summary_text(definition: Definition, screening_answers: dict[str, object]) -> str:
    assessment = assess(definition, screening_answers, assessed_on=ASSESSED_ON, review=REVIEW)
    documents = build_documents(definition, assessment, settings=CLINIC, generated_at=GENERATED_AT)
    reader = PdfReader(io.BytesIO(documents.summary))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


@pytest.fixture(scope="module")
def catalog_1_0_0() -> Catalog:
    catalog = load_catalog([FIXTURE], run_examples=True)
    assert [str(issue) for issue in catalog.issues] == []
    return catalog


def test_the_bundled_intake_is_1_1_0_and_the_fixture_is_the_released_1_0_0(
    catalog: Catalog, catalog_1_0_0: Catalog
) -> None:
    current = catalog.get("ketamine-trd-intake")
    old = catalog_1_0_0.get("ketamine-trd-intake")
    assert current is not None and old is not None
    assert (current.version, old.version) == ("1.1.0", "1.0.0")
    assert old.sha256 == SHA_1_0_0 == content_sha256(pinned_files())
    assert set(ADDED_IN_1_1) <= set(current.rules_by_id)
    assert not set(ADDED_IN_1_1) & set(old.rules_by_id)
    assert "can_follow_fasting" in current.items and "can_follow_fasting" not in old.items


def test_pinned_1_0_0_texts_load_assess_and_render_with_1_0_0() -> None:
    definition, issues = load_pinned(pinned_files())
    assert issues == [] and definition is not None
    assert (definition.version, definition.sha256) == ("1.0.0", SHA_1_0_0)

    result = assess(definition, ANSWERS_1_0_0, assessed_on=ASSESSED_ON, review=REVIEW)
    assert result.problems == [] and result.missing == []
    assert result.questionnaire.version == "1.0.0"
    assert (result.status, [flag.id for flag in result.flags]) == (
        "needs_review",
        ["ci.rel.hypertension_history", "caution.lamotrigine"],
    )
    # 1.0.0's rules, not 1.1.0's: a 17-year-old raised no age flag then.
    young = assess(definition, {**ANSWERS_1_0_0, "date_of_birth": SEVENTEEN}, assessed_on=ASSESSED_ON)
    assert young.derived["age_years"] == 17 and young.status == "needs_review"

    text = summary_text(definition, ANSWERS_1_0_0)
    assert f"ketamine-trd-intake v1.0.0 · sha256 {SHA_1_0_0[:12]}" in text
    assert "v1.1.0" not in text


def test_a_screening_saved_under_1_0_0_keeps_it_after_the_bump(
    database_url: str, catalog_1_0_0: Catalog, open_workflow: Callable[[], Workflow], clock: FakeClock
) -> None:
    # Saved and signed by the app as it was before the bump.
    with Workflow(database_url, catalog_1_0_0, clock=clock) as before:
        saved = before.create(COORDINATOR, assessed_on=ASSESSED_ON, answers=ANSWERS_1_0_0)
        saved = before.review(saved.id, REVIEW, user=PSYCHIATRIST, base_revision=saved.revision)
        saved = before.sign(saved.id, user=PSYCHIATRIST, base_revision=saved.revision)
        draft = before.create(COORDINATOR, assessed_on=ASSESSED_ON, answers=ANSWERS_1_0_0)
    assert (saved.definition.version, saved.status, saved.lifecycle) == ("1.0.0", "needs_review", "signed")

    # The app after the bump: bundled 1.1.0.
    after = open_workflow()
    signed = after.get(saved.id)
    assert (signed.definition.version, signed.definition.sha256) == ("1.0.0", SHA_1_0_0)
    assert (signed.status, signed.lifecycle, signed.answers) == ("needs_review", "signed", saved.answers)
    assert signed.assessment.questionnaire.version == "1.0.0"
    assert after.verify(saved.id)
    assert "v1.0.0 · sha256 680779" in summary_text(signed.definition, signed.answers)

    # A draft goes on under 1.0.0: its rules, and no question it did not have.
    with pytest.raises(Refused) as refused:
        after.answer(draft.id, {"can_follow_fasting": True}, user=COORDINATOR, base_revision=draft.revision)
    assert refused.value.rule == "unknown_item"
    young = after.answer(
        draft.id, {"date_of_birth": SEVENTEEN}, user=COORDINATOR, base_revision=draft.revision
    )
    assert young.definition.version == "1.0.0"
    assert (young.status, [flag.id for flag in young.assessment.flags]) == (
        "needs_review",
        ["ci.rel.hypertension_history", "caution.lamotrigine"],
    )

    # A new screening with the same answers is taken with 1.1.0, whose rules apply.
    new: Screening = after.create(
        COORDINATOR, assessed_on=ASSESSED_ON, answers={**ANSWERS, "date_of_birth": SEVENTEEN}
    )
    assert new.definition.version == "1.1.0"
    assert new.status == "contraindicated"
    assert "ci.abs.age_under_18" in [flag.id for flag in new.assessment.flags]
