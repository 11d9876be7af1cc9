"""A stored answer outside its widget's limits (a date of birth after the screening date, a weight
above the item's maximum) still draws the page: the widget takes the stored value, and the page says
in words what is wrong. An answer the database cannot keep is refused in words. No patient value
appears in a log record, on stderr or in an exception message."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from screening.storage import JsonInput
from tests.app.app_support import (
    COORDINATOR,
    INTAKE_PAGE,
    AppEnv,
    all_text,
    on_both_databases,
    open_app,
    section_of,
    widget,
)

NAME = "Zebulon Quartermaine"
MRN = "MRN-48213"
DOB = dt.date(1961, 4, 17)
LATER_DOB = dt.date(2031, 9, 23)
ASSESSED_ON = dt.date(2026, 11, 20)
PATIENT_VALUES = (
    "Zebulon",
    "Quartermaine",
    "48213",
    "2031-09-23",
    "2031, 9, 23",
    "1961-04-17",
    "1961, 4, 17",
)
"""What must never appear in a log line or an exception message (dates also as a repr)."""
WIDE = "\ufdfa"  # 18 letters in the folded search key


def leaked(text: str) -> list[str]:
    folded = text.casefold()
    return [value for value in PATIENT_VALUES if value.casefold() in folded]


@pytest.fixture
def watched(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    """No log record at any level (Streamlit's and SQLAlchemy's included) and nothing on stdout or
    stderr holds a patient value."""
    caplog.set_level(logging.DEBUG)
    quiet = [logging.getLogger(name) for name in ("streamlit", "sqlalchemy")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:  # Streamlit's loggers do not propagate to the root logger
        logger.addHandler(caplog.handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.removeHandler(caplog.handler)
            logger.setLevel(level)
    for record in caplog.records:
        text = f"{record.getMessage()} {record.exc_text or ''}"
        assert not leaked(text), f"patient value in a log record: {text[:300]}"
    out, err = capfd.readouterr()
    assert not leaked(out + err), "patient value on stdout/stderr"


def stored_screening(app_env: AppEnv, answers: dict[str, JsonInput]) -> str:
    """A screening whose answers were written to storage directly (as an older questionnaire
    version or a changed screening date can leave them), past the workflow's checks."""
    with app_env.workflow() as wf:
        screening = wf.create(
            COORDINATOR,
            questionnaire="ketamine-trd-intake",
            assessed_on=ASSESSED_ON,
            answers={"patient_name": NAME, "mrn": MRN, "date_of_birth": DOB.isoformat()},
        )
        wf.store.set_answers(screening.id, answers, user=COORDINATOR, base_revision=screening.revision)
        return screening.id


def exception_text(at: AppTest) -> str:
    return "\n".join(f"{e.message} {e.stack_trace}" for e in at.exception)


@on_both_databases
def test_a_date_of_birth_after_the_screening_date_still_draws_the_patient_section(
    app_env: AppEnv, watched: None
) -> None:
    screening = stored_screening(app_env, {"date_of_birth": LATER_DOB.isoformat()})
    at = open_app(
        COORDINATOR, page=INTAKE_PAGE, screening=screening, section=section_of("date_of_birth"), run=False
    )
    at.run()
    assert not at.exception, exception_text(at)
    assert not leaked(exception_text(at))
    assert widget(at, "date_of_birth").value == LATER_DOB
    words = all_text(at).replace("\\", "")  # Markdown escapes taken out
    assert "2031-09-23" in words and "later than the date of the screening" in words


@on_both_databases
def test_a_weight_above_the_items_maximum_still_draws_the_patient_section(
    app_env: AppEnv, watched: None
) -> None:
    screening = stored_screening(app_env, {"weight_kg": 512})
    at = open_app(
        COORDINATOR, page=INTAKE_PAGE, screening=screening, section=section_of("weight_kg"), run=False
    )
    at.run()
    assert not at.exception, exception_text(at)
    assert widget(at, "weight_kg").value == 512
    assert "512 kg is above the maximum of 350 kg" in all_text(at).replace("\\", "")


@on_both_databases
def test_an_mrn_the_database_cannot_keep_is_refused_in_words(app_env: AppEnv, watched: None) -> None:
    screening = stored_screening(app_env, {"mrn": None})
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=screening, section=section_of("mrn"), run=False)
    at.run()
    widget(at, "mrn").input(f"{MRN}-" + WIDE * 12).run()
    assert not at.exception, exception_text(at)
    assert not leaked(exception_text(at))
    assert "Not saved" in all_text(at)
    with app_env.workflow() as wf:
        assert wf.get(screening).answers.get("mrn") is None
