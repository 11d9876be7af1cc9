"""Helpers for tests that run on PostgreSQL as well as SQLite."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


def postgres_schema_url(database_url: str) -> str:
    """A URL on `database_url` whose tables live in a new, empty schema of their own."""
    base = make_url(database_url)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base, poolclass=NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)
