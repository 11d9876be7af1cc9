"""Upgrading a database of schema version 3 to version 4 (the list's indexes and search terms).

Version 4 only adds: four indexes on `screenings` and the table `screening_search_terms`. A
version 3 database is therefore today's database without them and with version 3 recorded: the
test writes screenings with today's `Store`, takes the additions away, and opens it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text

from screening.storage import SCHEMA_VERSION, Store
from screening.storage.schema import LIST_INDEXES
from screening.storage.search import search_terms
from screening.storage.values import search_key
from tests.storage.storage_support import COORDINATOR, DEFINITION_FILES, PIN, StandInJudge
from tests.storage.test_storage_migration import assert_schema_of_a_new_database

PEOPLE = {
    "maria": ("María Fernández-López", "KC-20931"),
    "ben": ("Ben Okoro", None),
    "nameless": (None, "HN-42"),
}


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT * FROM screenings ORDER BY id"))]


@pytest.fixture
def v3_database(open_store: Callable[[], Store], raw_engine: Engine) -> dict[str, str]:
    """Screenings written by today's store (one discarded), then the database set back to
    version 3; the ids by person."""
    store = open_store()

    def create(name: str | None, mrn: str | None) -> str:
        answers = {key: value for key, value in (("patient_name", name), ("mrn", mrn)) if value}
        return store.create_screening(
            user=COORDINATOR,
            questionnaire=PIN,
            definition_files=DEFINITION_FILES,
            assessed_on=date(2026, 11, 20),
            answers=answers,
        ).id

    ids = {person: create(name, mrn) for person, (name, mrn) in PEOPLE.items()}
    discarded = store.get_screening(create("Ben Twice", None))
    store.discard(discarded.id, user=COORDINATOR, base_revision=discarded.revision, reason="Created twice.")
    ids["discarded"] = discarded.id
    store.close()
    with raw_engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE screening_search_terms")
        for index in LIST_INDEXES:
            connection.exec_driver_sql(f"DROP INDEX {index.name}")
        connection.exec_driver_sql("UPDATE schema_version SET version = 3")
    return ids


def test_a_version_3_database_gets_the_list_indexes_and_search_terms(
    v3_database: dict[str, str],
    raw_engine: Engine,
    open_store: Callable[[], Store],
    fresh_database_url: str,
    judge: StandInJudge,
) -> None:
    before = _rows(raw_engine)

    store = open_store()

    with raw_engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version FROM schema_version")).scalar_one() == SCHEMA_VERSION == 4
        )
        stored = connection.execute(
            text("SELECT screening_id, term FROM screening_search_terms WHERE term IS NOT NULL")
        ).all()
    assert _rows(raw_engine) == before  # rows, anchors included, untouched
    for person, (name, mrn) in {**PEOPLE, "discarded": ("Ben Twice", None)}.items():
        terms = sorted(term for screening_id, term in stored if screening_id == v3_database[person])
        assert terms == search_terms(name and search_key(name), mrn and search_key(mrn)), person
        assert store.verify_audit(v3_database[person]).ok, person
    assert [s.id for s in store.list_screenings(search="fernandez")] == [v3_database["maria"]]
    assert [s.id for s in store.list_screenings(search="20931")] == [v3_database["maria"]]
    assert [s.id for s in store.list_screenings(search="ben")] == [
        v3_database["ben"]
    ]  # not the discarded one
    assert [s.id for s in store.list_screenings(search="hn")] == [v3_database["nameless"]]
    assert store.verify_clinic().ok

    assert_schema_of_a_new_database(raw_engine, fresh_database_url, judge)
