"""Benchmark of the screenings list at 1,000 and 100,000 screenings, on SQLite and PostgreSQL.

    python bench/storage.py [--repeats N] [--large N] [--no-postgresql]

Databases: for each backend, two databases built from the same seeded rows, one of 1,000 and
one of 100,000 screenings. SQLite is a file in a temporary folder, opened by the product's own
`Store` (`create_storage_engine`: WAL, full fsync, the product's transactions). PostgreSQL is used
when $SCREENING_TEST_POSTGRES_URL is set or a server answers on 127.0.0.1:5432: a scratch database
is created for the run and dropped at its end.

How rows are made: `Store` creates the tables (schema version 4), then the rows are inserted in
bulk through SQLAlchemy Core, since 100,000 screenings through the full write path (one
transaction, audit event and judge call per answer) would take far longer than the measurement.
They are shaped as the product writes them: a pinned questionnaire definition, ids (seeded
UUIDs), varied names (accented, hyphenated, a few non-Latin) and MRNs ("KC-20931", "HN 0042/7"),
their folded keys (`values.search_key`), statuses, lifecycles, decisions, signatures, assessment
dates and update times spread over two years, about 2% discarded drafts, each row's anchor (the
product's HMAC), and the search terms (`search.search_term_rows`, as `search.replace_search_terms`
stores them). Left out, since the list never reads them: answers, reviews, audit events and the
clinic record. PostgreSQL's tables get VACUUM ANALYZE after loading (as autovacuum soon
would: statistics, and the visibility map that index-only scans need); SQLite gets no ANALYZE,
like the product.

Measured, with `time.perf_counter`, the median over `--repeats` runs, the two sizes and all
queries interleaved in each run (the same store calls the list page makes, each a page of 100
with the capped count `count_screenings(cap=1001)`):

- `list`: the first page of the default list;
- `search_common`: a search for a common word beginning ("mar": María, Marco, Martin, ...);
- `search_rare`: a search for a rare surname (about one screening in 10,000);
- `filter`: a status filter (`needs_review`).

`<db>_<query>_100k_vs_1k` is the median ratio of the 100,000 to the 1,000 database; the plain
keys `list_100k_vs_1k`, `search_100k_vs_1k` (the worse of the two searches) and
`filter_100k_vs_1k` are the worst over the databases measured. Goal: at most 3 (a table scan
would make them about 100). Before timing, the bench asserts that both databases return the same
ids for every query, and that keyset paging walks the same pages on both.

Prints readable lines, then one JSON object as the very last line.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from a checkout, without installing

from sqlalchemy import Engine, create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from screening.storage import ListCursor, ScreeningSummary, Store  # noqa: E402
from screening.storage.anchors import row_anchor  # noqa: E402
from screening.storage.judge import Judge  # noqa: E402
from screening.storage.keys import AuditKeys, parse_keys  # noqa: E402
from screening.storage.schema import DefinitionRow, ScreeningRow, SearchTermRow  # noqa: E402
from screening.storage.search import search_term_rows  # noqa: E402
from screening.storage.values import canonical_json, search_key  # noqa: E402

SMALL, LARGE = 1_000, 100_000
GOAL = 3.0
"""Goal for every `*_100k_vs_1k` ratio."""
PAGE = 100
CAP = 1001
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_KEYS = "bench-key " + "6b" * 32
SEED = 20261203

FIRST_NAMES = (
    "María", "Marco", "Martin", "Marta", "Ana", "José", "Ben", "Chloé", "Émile", "Fatima", "Grace",
    "Hiroshi", "Ingrid", "Jamal", "Kofi", "Lena", "Noor", "Olga", "Pedro", "Quinn", "Rosa", "Sven",
    "Tomás", "Uma", "Viktor", "Wen", "Xavier", "Yara", "Zoë", "Amaru", "Björn", "Dmitri", "Eun-ji",
    "Siobhán", "Thanh", "Priya", "Oluwaseun", "Aroha", "Mateo", "Léa",
)  # fmt: skip
LAST_NAMES = (
    "Fernández-López", "Okoro", "Silva", "Nguyễn", "Núñez", "Smith", "O'Brien", "Müller", "Kowalski",
    "Haddad", "Tanaka", "Ngata", "Andersen", "Rossi", "Dubois", "García", "Kim", "Patel", "Mensah",
    "Ivanova", "Lindqvist", "Costa", "Novák", "Yılmaz", "Petrović", "De la Cruz", "van der Berg",
    "Moreau", "Schmidt", "Wójcik", "Byrne", "Eriksen", "Santos", "Sato", "Hernández", "Bianchi",
)  # fmt: skip
NON_LATIN = ("李小龙", "王芳", "Παπαδόπουλος", "Иванов Пётр", "محمد علي", "佐藤 花子")
RARE_SURNAME = "Zyskowski-Quayle"
"""About one screening in 10,000 has it (at least one in every database)."""
STATUSES = ("incomplete", "candidate", "needs_review", "contraindicated")
STATUS_WEIGHTS = (30, 40, 20, 10)
QUERIES: dict[str, dict[str, Any]] = {
    "list": {},
    "search_common": {"search": "mar"},
    "search_rare": {"search": RARE_SURNAME.split("-", maxsplit=1)[0].lower()},
    "filter": {"status": ["needs_review"]},
}
DEFINITION_FILES = {"bench.yaml": "id: bench\nversion: '1'\n"}
PIN_SHA = "b" * 64
START = datetime(2025, 1, 1, tzinfo=UTC)


class _NoJudge:
    """The list only reads; the bench writes through Core, so no write asks for a status."""

    def status(self, state: object) -> str:
        raise NotImplementedError

    def signing_refusal(self, state: object) -> None:
        raise NotImplementedError

    def amendment(self, before: object, after: object, *, review_changed: bool) -> None:
        raise NotImplementedError


NO_JUDGE = cast(Judge, _NoJudge())


# ---------------------------------------------------------------------- rows


def _person(rng: random.Random, number: int) -> tuple[str | None, str | None]:
    if number % 10_000 == 7:
        name: str | None = f"{rng.choice(FIRST_NAMES)} {RARE_SURNAME}"
    elif rng.random() < 0.03:
        name = rng.choice(NON_LATIN)
    elif rng.random() < 0.02:
        name = None  # not named yet
    else:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    roll = rng.random()
    if roll < 0.05:
        mrn: str | None = None
    elif roll < 0.15:
        mrn = f"HN {rng.randrange(10_000):04d}/{rng.randrange(10)}"
    else:
        mrn = f"KC-{rng.randrange(100_000):05d}"
    return name, mrn


def screening_rows(size: int, keys: AuditKeys) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The screenings and their search terms (seeded: the same rows on every backend)."""
    rng = random.Random(SEED + size)
    screenings: list[dict[str, Any]] = []
    terms: list[dict[str, Any]] = []
    span = int(timedelta(days=730).total_seconds())
    for number in range(size):
        name, mrn = _person(rng, number)
        rare = RARE_SURNAME in (name or "")  # listed in every database: never discarded
        created = START + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(1_000_000))
        updated = created + timedelta(seconds=rng.randrange(86_400 * 3))
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        lifecycle = rng.choices(("draft", "signed", "reopened"), (45, 50, 5))[0]
        signed = lifecycle == "signed"
        decision = rng.choice(("proceed", "defer", "do_not_proceed")) if lifecycle != "draft" else None
        revision = rng.randrange(3, 40)
        row: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "questionnaire_id": "bench",
            "questionnaire_version": "1",
            "questionnaire_sha256": PIN_SHA,
            "assessed_on": created.date(),
            "assessed_on_revision": 1,
            "created_at": created,
            "created_by_id": "coordinator-1",
            "created_by_name": "C. Coordinator",
            "updated_at": updated,
            "patient_name": name,
            "mrn": mrn,
            "patient_name_key": search_key(name) if name else None,
            "mrn_key": search_key(mrn) if mrn else None,
            "status": status,
            "status_revision": revision,
            "revision": revision,
            "content_revision": revision,
            "audit_head": f"{rng.getrandbits(256):064x}",
            "signed_at": updated if signed else None,
            "signed_by_id": "psychiatrist-1" if signed else None,
            "signed_by_name": "Dr. P. Psychiatrist" if signed else None,
            "signed_by_credentials": "MD" if signed else None,
            "signed_by_authenticated": True if signed else None,
            "lifecycle": lifecycle,
            "decision": decision,
            "reopened_json": None,
            "discarded_at": updated if lifecycle == "draft" and rng.random() < 0.04 and not rare else None,
        }
        row["anchor_key_id"], row["anchor"] = row_anchor(keys, row.__getitem__)
        screenings.append(row)
        terms += search_term_rows(row["id"], row["patient_name_key"], row["mrn_key"])
    return screenings, terms


_ROWS: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}


def fill(engine: Engine, size: int, keys: AuditKeys) -> None:
    """Insert the rows of `size` screenings (made once, then the same for every backend)."""
    if size not in _ROWS:
        _ROWS[size] = screening_rows(size, keys)
    screenings, terms = _ROWS[size]
    with engine.begin() as connection:
        connection.execute(
            insert(DefinitionRow).values(
                sha256=PIN_SHA,
                questionnaire_id="bench",
                version="1",
                files_json=canonical_json(list(DEFINITION_FILES.items())),
                stored_at=START,
            )
        )
        for start in range(0, len(screenings), 5_000):
            connection.execute(insert(ScreeningRow), screenings[start : start + 5_000])
        for start in range(0, len(terms), 20_000):
            connection.execute(insert(SearchTermRow), terms[start : start + 20_000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


# ---------------------------------------------------------------------- databases


@contextmanager
def sqlite_stores(folder: Path, keys: AuditKeys) -> Iterator[dict[int, Store]]:
    stores = {
        size: Store(f"sqlite:///{folder / f'list-{size}.db'}", judge=NO_JUDGE, keys=keys)
        for size in (SMALL, LARGE)
    }
    try:
        yield stores
    finally:
        for store in stores.values():
            store.close()


def postgres_admin_url() -> str | None:
    url = os.environ.get("SCREENING_TEST_POSTGRES_URL")
    if url:
        return url
    with suppress(OSError), socket.create_connection(("127.0.0.1", 5432), timeout=1):
        return DEFAULT_POSTGRES_URL
    return None


@contextmanager
def postgres_stores(admin_url: str, keys: AuditKeys) -> Iterator[dict[int, Store]]:
    admin = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    names = {size: f"bench_list_{size}_{uuid.uuid4().hex[:8]}" for size in (SMALL, LARGE)}
    stores: dict[int, Store] = {}
    try:
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        for size, name in names.items():
            url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
            stores[size] = Store(url, judge=NO_JUDGE, keys=keys)
        yield stores
    finally:
        for store in stores.values():
            store.close()
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# ---------------------------------------------------------------------- queries


def first_page(store: Store, filters: dict[str, Any]) -> tuple[list[ScreeningSummary], int]:
    """What the list page asks for: a page of rows and the capped count."""
    return store.list_screenings(**filters, limit=PAGE), store.count_screenings(**filters, cap=CAP)


def walk(store: Store, filters: dict[str, Any], pages: int = 3) -> list[str]:
    """The ids of the first `pages` pages, paged by keyset."""
    ids: list[str] = []
    after: ListCursor | None = None
    for _ in range(pages):
        rows = store.list_screenings(**filters, limit=PAGE, after=after)
        ids += [row.id for row in rows]
        if len(rows) < PAGE:
            break
        after = ListCursor.of(rows[-1])
    return ids


def answers(stores: dict[int, Store]) -> dict[tuple[int, str], tuple[list[str], int]]:
    out: dict[tuple[int, str], tuple[list[str], int]] = {}
    for size, store in stores.items():
        for query, filters in QUERIES.items():
            rows, count = first_page(store, filters)
            out[size, query] = ([row.id for row in rows], count)
            assert rows, (size, query)
            out[size, f"{query}_walk"] = (walk(store, filters), 0)
    return out


def measure(stores: dict[int, Store], repeats: int) -> dict[tuple[int, str], float]:
    times: dict[tuple[int, str], list[float]] = {(size, query): [] for size in stores for query in QUERIES}
    for _ in range(repeats):
        for query, filters in QUERIES.items():
            for size, store in stores.items():
                gc.collect()
                start = time.perf_counter()
                first_page(store, filters)
                times[size, query].append(time.perf_counter() - start)
    return {key: statistics.median(values) for key, values in times.items()}


def explain(store: Store) -> list[str]:
    """The plan of the default first page (for the readable lines)."""
    engine = store._engine  # the product's engine, to explain on its own connection settings
    statement = "SELECT id FROM screenings WHERE discarded_at IS NULL ORDER BY updated_at DESC, id LIMIT 100"
    with engine.connect() as connection:
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        return [
            str(row[-1] if engine.dialect.name == "sqlite" else row[0])
            for row in connection.execute(text(prefix + statement))
        ]


def run_backend(
    name: str, stores: dict[int, Store], keys: AuditKeys, repeats: int
) -> tuple[dict[str, float], dict[Any, Any]]:
    for size, store in stores.items():
        started = time.perf_counter()
        fill(store._engine, size, keys)  # the product's engine: WAL and its connection settings
        print(f"{name}: built {size:,} screenings in {time.perf_counter() - started:.1f} s")
    result = answers(stores)
    medians = measure(stores, repeats)
    ratios: dict[str, float] = {}
    for query in QUERIES:
        small, large = medians[SMALL, query], medians[LARGE, query]
        ratios[f"{name}_{query}_100k_vs_1k"] = round(large / small, 2)
        print(
            f"{name}: {query:14} 1k {small * 1000:7.2f} ms   100k {large * 1000:7.2f} ms"
            f"   ratio {large / small:5.2f}   (count at 100k: {result[LARGE, query][1]:,})"
        )
    print(f"{name}: default list plan at 100k: {' | '.join(explain(stores[LARGE]))}")
    return ratios, result


def main(argv: list[str] | None = None) -> int:
    global LARGE  # noqa: PLW0603  # --large shrinks the large database for a quick run
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per measurement (median)")
    parser.add_argument("--large", type=int, default=LARGE, help="screenings in the large database")
    parser.add_argument("--no-postgresql", action="store_true", help="measure SQLite only")
    args = parser.parse_args(argv)
    LARGE = args.large
    keys = parse_keys(BENCH_KEYS, "the bench's key")
    summary: dict[str, Any] = {"goal": GOAL, "sizes": [SMALL, LARGE], "repeats": args.repeats}
    results: dict[str, dict[Any, Any]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-storage-") as folder,
        sqlite_stores(Path(folder), keys) as stores,
    ):
        ratios, results["sqlite"] = run_backend("sqlite", stores, keys, args.repeats)
        summary.update(ratios)
    admin_url = None if args.no_postgresql else postgres_admin_url()
    if admin_url is None:
        print("postgresql: not measured (no server)")
    else:
        with postgres_stores(admin_url, keys) as stores:
            ratios, results["postgresql"] = run_backend("postgresql", stores, keys, args.repeats)
            summary.update(ratios)
        assert results["postgresql"] == results["sqlite"], "the databases returned different screenings"
        print("sqlite and postgresql returned the same ids and counts for every query and page")
    databases = list(results)
    for key, queries in (
        ("list", ("list",)),
        ("search", ("search_common", "search_rare")),
        ("filter", ("filter",)),
    ):
        summary[f"{key}_100k_vs_1k"] = max(
            summary[f"{db}_{q}_100k_vs_1k"] for db in databases for q in queries
        )
    summary["databases"] = databases
    summary["meets_goal"] = all(summary[f"{key}_100k_vs_1k"] <= GOAL for key in ("list", "search", "filter"))
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
