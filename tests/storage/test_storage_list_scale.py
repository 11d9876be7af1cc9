"""The screenings list on a large table (schema version 4): its indexes, the search terms, keyset
pages and the capped count.

Speed itself is measured by `bench/storage.py`; here the query plans are checked, which are
deterministic: the product's own queries (caught as they are sent) are explained by the database,
and no plan may read the whole screenings table. SQLite plans as if the table were large (it has
no statistics unless ANALYZE runs, which the product never does). PostgreSQL plans a handful of
rows with sequential scans whatever the indexes, so its plans are asked for with sequential scans
turned off: a plan that still reads the whole table has no index to use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from screening.storage import InvalidRequest, ListCursor, ScreeningDetail, Store
from screening.storage import search as storage_search
from screening.storage.search import after_prefix, query_words, search_terms
from tests.storage.storage_support import COORDINATOR

NewScreening = Callable[..., ScreeningDetail]


# ---------------------------------------------------------------------- search terms


def test_search_terms_are_words_their_letter_runs_and_the_whole_mrn() -> None:
    assert search_terms("maria fernandez-lopez", "kc-20931") == sorted(
        ["maria", "fernandez-lopez", "fernandez", "lopez", "kc-20931", "kc", "20931"]
    )
    assert search_terms(None, "ab 12/3") == sorted(["ab 12/3", "ab", "12/3", "12", "3"])
    assert search_terms("李小龙", None) == sorted(["李小龙", "小龙", "龙"])  # written without spaces
    assert search_terms(None, None) == []


def test_search_words_drop_punctuation_at_their_ends() -> None:
    assert query_words("  Smith,  (JR.) o'brien smith ") == ["smith", "jr", "o'brien"]
    assert query_words("%") == ["%"]
    assert query_words("") == query_words(None) == []


def test_the_prefix_range_ends_right_after_every_text_with_the_prefix() -> None:
    assert after_prefix("ab") == "ac"
    assert after_prefix("a\U0010ffff") == "b"
    assert after_prefix("a\ud7ff") == "a\ue000"  # surrogates are skipped
    assert after_prefix("\U0010ffff") is None


def _terms(raw_engine: Engine, screening_id: str) -> list[str]:
    with raw_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT term FROM screening_search_terms WHERE screening_id = :id AND term IS NOT NULL"),
            {"id": screening_id},
        )
        return sorted(row[0] for row in rows)


def test_the_terms_follow_the_name_and_mrn(
    store: Store, new_screening: NewScreening, raw_engine: Engine
) -> None:
    screening = new_screening(patient_name="Ana M. Silva", mrn="KC-1")
    assert _terms(raw_engine, screening.id) == search_terms("ana m. silva", "kc-1")
    revision = store.set_answer(
        screening.id, "patient_name", "Bo", user=COORDINATOR, base_revision=screening.revision
    ).base_revision
    assert _terms(raw_engine, screening.id) == ["1", "bo", "kc", "kc-1"]
    revision = store.set_answer(
        screening.id, "mrn", None, user=COORDINATOR, base_revision=revision
    ).base_revision
    assert _terms(raw_engine, screening.id) == ["bo"]  # the slots left over are emptied, not deleted
    store.set_answer(screening.id, "patient_name", "Bea Lund", user=COORDINATOR, base_revision=revision)
    assert _terms(raw_engine, screening.id) == ["bea", "lund"]
    assert [s.id for s in store.list_screenings(search="lun")] == [screening.id]
    assert store.list_screenings(search="silva") == store.list_screenings(search="kc") == []
    assert store.verify_audit(screening.id).ok


def test_verification_names_search_terms_that_differ(
    store: Store, new_screening: NewScreening, tamper: Callable[..., None]
) -> None:
    screening = new_screening(patient_name="Ana Silva")
    tamper("UPDATE screening_search_terms SET term = 'zed' WHERE screening_id = :id", id=screening.id)
    report = store.verify_audit(screening.id)
    assert [str(problem) for problem in report.problems] == [
        "the list's search terms differ from the stored name and MRN"
    ]
    assert "Silva" not in str(report)


# ---------------------------------------------------------------------- keyset pages and the count


def test_keyset_pages_walk_the_list_once_with_every_filter(store: Store, new_screening: NewScreening) -> None:
    made = [new_screening(patient_name=f"Pat {number:02d}", mrn=f"KC-{number}") for number in range(23)]
    for screening in made[::3]:
        store.set_answer(
            screening.id, "current_psychosis", True, user=COORDINATOR, base_revision=screening.revision
        )
    filter_sets: list[dict[str, Any]] = [
        {},
        {"search": "pat"},
        {"status": "contraindicated"},
        {"lifecycle": "draft"},
        {"search": "kc-1"},
    ]
    for filters in filter_sets:
        whole = store.list_screenings(**filters, limit=100)
        walked: list[str] = []
        after: ListCursor | None = None
        while True:
            page = store.list_screenings(**filters, limit=4, after=after)
            walked += [s.id for s in page]
            if len(page) < 4:
                break
            after = ListCursor.of(page[-1])
        assert walked == [s.id for s in whole], filters
        offsets = [
            s.id
            for offset in range(0, 100, 4)
            for s in store.list_screenings(**filters, limit=4, offset=offset)
        ]
        assert offsets == walked
        # the last summary itself is a cursor too
        assert store.list_screenings(**filters, limit=4, after=whole[0]) == whole[1:5]
        assert store.count_screenings(**filters) == len(whole)
        assert store.count_screenings(**filters, cap=5) == min(5, len(whole))


def test_a_page_keeps_its_place_when_rows_tie_on_the_time(
    store: Store, raw_engine: Engine, new_screening: NewScreening
) -> None:
    made = [new_screening(patient_name=f"Tie {number}") for number in range(5)]
    with raw_engine.begin() as connection:
        connection.execute(
            text("UPDATE screenings SET updated_at = (SELECT MAX(updated_at) FROM screenings)")
        )
    listed = [s.id for s in store.list_screenings()]
    assert listed == sorted(screening.id for screening in made)  # ties go by id
    first = store.list_screenings(limit=2)
    rest = store.list_screenings(limit=10, after=first[-1])
    assert [s.id for s in first + rest] == listed


def test_bad_cursors_and_caps_are_refused(store: Store) -> None:
    with pytest.raises(InvalidRequest, match="after must be"):
        store.list_screenings(after="2026-11-20")  # type: ignore[arg-type]  # a wrong type on purpose
    for cap in (0, True, 1.5):
        with pytest.raises(InvalidRequest, match="cap must be"):
            store.count_screenings(cap=cap)  # type: ignore[arg-type]  # wrong values on purpose


# ---------------------------------------------------------------------- query plans


@contextmanager
def _caught(store: Store) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs `store` sends meanwhile, with their parameters."""
    sent: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    engine = store._engine  # the product's own engine, to catch the product's own SQL
    event.listen(engine, "before_cursor_execute", catch)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", catch)


def _plan(raw_engine: Engine, statement: str, parameters: Any) -> list[str]:
    with raw_engine.connect() as connection:
        if raw_engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return [str(row[-1]) for row in rows]
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return [str(row[0]).strip() for row in rows]


def _reads_whole_table(plan: list[str], dialect: str) -> list[str]:
    """The steps that read a whole table. On SQLite a SCAN of a table without an index; a scan of
    an index reads in the list's order and stops at the LIMIT (and a subquery's rows are no table)."""
    tables = ("screenings", "screening_search_terms")
    if dialect == "sqlite":
        return [
            line for line in plan if line.split()[:2] in (["SCAN", t] for t in tables) and "INDEX" not in line
        ]
    return [line for line in plan if "Seq Scan" in line]


LIST_CALLS: dict[str, Callable[[Store], object]] = {
    "first page": lambda store: (store.list_screenings(limit=100), store.count_screenings(cap=1001)),
    "next page": lambda store: store.list_screenings(
        limit=100, after=ListCursor(store.list_screenings()[0].updated_at, "x")
    ),
    "status": lambda store: (
        store.list_screenings(status=["needs_review"], limit=100),
        store.count_screenings(status=["needs_review"], cap=1001),
    ),
    "lifecycle": lambda store: store.list_screenings(lifecycle=["signed"], limit=100),
    "not signed": lambda store: store.list_screenings(signed=False, limit=100),
    "screening date": lambda store: store.list_screenings(
        assessed_from=date(2026, 11, 20), assessed_to=date(2026, 11, 20)
    ),
    "search": lambda store: (
        store.list_screenings(search="silva", limit=100),
        store.count_screenings(search="silva", cap=1001),
    ),
    "search of two words": lambda store: store.list_screenings(search="ana kc-1", limit=100),
    "search and status": lambda store: store.list_screenings(search="an", status="candidate", limit=100),
}


@pytest.mark.parametrize("call", list(LIST_CALLS))
def test_the_list_reads_indexes_not_the_whole_table(
    call: str, store: Store, new_screening: NewScreening, raw_engine: Engine
) -> None:
    new_screening(patient_name="Ana Silva", mrn="KC-1")
    new_screening(patient_name="Ben Okoro", mrn="KC-2")
    with _caught(store) as sent:
        LIST_CALLS[call](store)
    listed = [(statement, parameters) for statement, parameters in sent if "FROM screenings" in statement]
    assert listed
    for statement, parameters in listed:
        plan = _plan(raw_engine, statement, parameters)
        assert not _reads_whole_table(plan, raw_engine.dialect.name), (statement, plan)
        if raw_engine.dialect.name == "sqlite" and call in ("first page", "next page", "status", "lifecycle"):
            assert not any("TEMP B-TREE" in line for line in plan), plan  # read in order, no sorting
        if "search" in call:
            assert any("search_terms" in line for line in plan), plan


def test_the_search_uses_the_term_index_on_both_databases(
    store: Store, raw_engine: Engine, new_screening: NewScreening
) -> None:
    new_screening(patient_name="Ana Silva")
    with _caught(store) as sent:
        store.list_screenings(search="silva")
    (statement, parameters), *_ = [item for item in sent if "screening_search_terms" in item[0]]
    plan = "\n".join(_plan(raw_engine, statement, parameters))
    assert "ix_screening_search_terms_term" in plan, plan


@pytest.mark.parametrize("search", ["an", "an silva"])
def test_a_common_search_reads_the_list_in_order_and_finds_the_same(
    search: str,
    store: Store,
    new_screening: NewScreening,
    raw_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A word that begins many terms is probed row by row in the list's order, not looked up and
    sorted; the screenings found are the same either way."""
    made = [new_screening(patient_name=name) for name in ("Ana Silva", "Anton Silva", "Ben Ansel", "Cy Bo")]
    looked_up = [s.id for s in store.list_screenings(search=search)]
    monkeypatch.setattr(storage_search, "COMMON_WORD_TERMS", 1)  # every word counts as common
    with _caught(store) as sent:
        probed = [s.id for s in store.list_screenings(search=search)]
    assert probed == looked_up and set(probed) <= {screening.id for screening in made[:3]}
    statement, parameters = [item for item in sent if "FROM screenings" in item[0]][-1]
    plan = _plan(raw_engine, statement, parameters)
    assert not _reads_whole_table(plan, raw_engine.dialect.name), plan
    if raw_engine.dialect.name == "sqlite":
        assert plan[0] == "SCAN screenings USING INDEX ix_screenings_live_order", plan
        assert not any("TEMP B-TREE" in line for line in plan), plan
