"""No patient value appears in a log record or an exception message when the workflow or storage
refuses an answer that does not fit: a text longer than its item or the storage allows, an MRN
whose search key would be longer than its column, a date of birth after the screening date.

Every text answer has the same length limit on SQLite (which does not enforce VARCHAR lengths) and
on PostgreSQL (which raises a driver error quoting the SQL parameters): the limit is checked before
any SQL runs, and the refusal names the item, never the value.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from screening.storage import InvalidRequest
from screening.storage.database import create_storage_engine, prepare_schema
from screening.storage.values import MAX_TEXT_LENGTH
from screening.workflow import Workflow
from tests.database_support import audit_keys_of_tests
from tests.workflow.workflow_support import COORDINATOR, draft

NAME = "Zebulon Quartermaine"
MRN = "MRN-48213"
DOB = "1961-04-17"
LATER_DOB = "2031-09-23"
PATIENT_VALUES = ("Zebulon", "Quartermaine", "48213", DOB, "1961, 4, 17", LATER_DOB, "2031, 9, 23")
"""What must never appear in a log line or an exception message (dates also as a repr)."""

# Each of these characters becomes 18 letters in the folded search key (Unicode compatibility
# decomposition): an MRN within the item's 64 characters whose key is longer than its column.
WIDE = "\ufdfa"


def leaked(text: str) -> list[str]:
    folded = text.casefold()
    return [value for value in PATIENT_VALUES if value.casefold() in folded]


@pytest.fixture
def watched(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> Iterator[list[str]]:
    """Every exception message a test collects; at the end, none of them, no log record at any
    level (SQLAlchemy's included) and nothing written to stdout or stderr holds a patient value."""
    caplog.set_level(logging.DEBUG)
    sqlalchemy = logging.getLogger("sqlalchemy")
    before = sqlalchemy.level
    sqlalchemy.setLevel(logging.DEBUG)
    messages: list[str] = []
    try:
        yield messages
    finally:
        sqlalchemy.setLevel(before)
    records = [f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records]
    out, err = capfd.readouterr()
    for where, said in [*(("exception", m) for m in messages), *(("log", r) for r in records)]:
        assert not leaked(said), f"patient value in {where}: {said[:300]}"
    assert not leaked(out + err), "patient value on stdout/stderr"


def refusal(call: Callable[[], Any], messages: list[str]) -> InvalidRequest:
    """The refusal `call` raises, its message (and its cause's, if any) kept for the check."""
    try:
        call()
    except Exception as error:  # whatever is raised, its message is checked
        messages.append(str(error))
        if error.__cause__ is not None:
            messages.append(str(error.__cause__))
        assert isinstance(error, InvalidRequest), f"{type(error).__name__} instead of a refusal"
        return error
    pytest.fail("the value was not refused")


@pytest.fixture
def wf(open_workflow: Callable[[], Workflow]) -> Workflow:
    return open_workflow()


def test_an_mrn_whose_search_key_is_too_long_is_refused_naming_the_item(
    wf: Workflow, watched: list[str]
) -> None:
    screening = draft(wf, {"patient_name": NAME, "mrn": MRN, "date_of_birth": DOB})
    mrn = f"{MRN}-" + WIDE * 12  # 22 characters; its search key has 226
    error = refusal(
        lambda: wf.answer(screening.id, {"mrn": mrn}, user=COORDINATOR, base_revision=screening.revision),
        watched,
    )
    assert error.item_id == "mrn"
    assert "mrn" in str(error)
    assert wf.get(screening.id).answers.get("mrn") == MRN


def test_a_text_longer_than_its_item_allows_is_refused_before_storage(
    wf: Workflow, watched: list[str]
) -> None:
    screening = draft(wf, {"patient_name": NAME, "date_of_birth": DOB})
    error = refusal(
        lambda: wf.answer(
            screening.id, {"mrn": MRN * 10}, user=COORDINATOR, base_revision=screening.revision
        ),
        watched,
    )
    assert error.item_id == "mrn"
    assert "64" in str(error)


@pytest.mark.parametrize(
    ("item_id", "value"),
    [
        pytest.param("mrn", (MRN + " ") * 30, id="mrn-over-its-column"),
        pytest.param("patient_name", (NAME + " ") * 20, id="name-over-the-columns-cap"),
        pytest.param("notes", NAME + " " * MAX_TEXT_LENGTH, id="answer-over-the-storage-cap"),
    ],
)
def test_storage_refuses_a_text_over_its_limit_on_every_database(
    wf: Workflow, watched: list[str], item_id: str, value: str
) -> None:
    screening = draft(wf, {"patient_name": NAME, "date_of_birth": DOB})
    error = refusal(
        lambda: wf.store.set_answers(
            screening.id, {"mrn": MRN, item_id: value}, user=COORDINATOR, base_revision=screening.revision
        ),
        watched,
    )
    assert error.item_id == item_id
    assert item_id in str(error)
    assert wf.get(screening.id).revision == screening.revision  # nothing saved


def test_storage_refuses_a_too_long_text_when_a_screening_is_created(
    wf: Workflow, watched: list[str]
) -> None:
    screening = draft(wf)
    pin = wf.store.get_screening(screening.id).questionnaire
    files = wf.store.definition_files(pin.sha256)
    error = refusal(
        lambda: wf.store.create_screening(
            user=COORDINATOR,
            questionnaire=pin,
            definition_files=files,
            assessed_on=dt.date(2026, 11, 20),
            answers={"patient_name": NAME, "mrn": MRN * 30},
        ),
        watched,
    )
    assert error.item_id == "mrn"


def test_a_date_of_birth_after_the_screening_is_refused_in_words(wf: Workflow, watched: list[str]) -> None:
    screening = draft(wf, {"patient_name": NAME, "mrn": MRN, "date_of_birth": DOB})
    error = refusal(
        lambda: wf.answer(
            screening.id, {"date_of_birth": LATER_DOB}, user=COORDINATOR, base_revision=screening.revision
        ),
        watched,
    )
    assert error.item_id == "date_of_birth"


def test_a_database_error_names_no_sql_parameter(database_url: str, watched: list[str]) -> None:
    """Whatever the database refuses (here a duplicate key), the error quotes the SQL, never its
    parameters, since they hold patient data."""
    engine = create_storage_engine(make_url(database_url))
    try:
        prepare_schema(engine, dt.datetime(2026, 11, 20, tzinfo=dt.UTC), audit_keys_of_tests())
        statement = text(
            "INSERT INTO schema_version (id, version, applied_at)"
            " SELECT id, version, applied_at FROM schema_version WHERE :name <> ''"
        )
        with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
            connection.execute(statement, {"name": NAME})
        watched.append(str(caught.value))
        assert "hidden" in str(caught.value)  # SQLAlchemy's words for the parameters left out
    finally:
        engine.dispose()
