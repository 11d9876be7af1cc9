"""The database's own refusal to change the append-only tables (`APPEND_ONLY_TABLES`).

The API never updates or deletes an audit or clinic event; these guards make the database refuse
it too, whoever connects, so that changing the record takes dropping a guard, which takes the
rights of the tables' owner. On SQLite every way of removing a row is refused: UPDATE, DELETE, and
an INSERT that would replace a row with the same key (`INSERT OR REPLACE` deletes the old row
without firing a delete trigger). On PostgreSQL UPDATE, DELETE and TRUNCATE are refused, and the
triggers are enabled ALWAYS, so they fire in `session_replication_role = replica` too.

The guards are installed once, when the tables are created or upgraded: each start checks that
they are in place and installs only what is missing, so the application can run as a role that
owns nothing (see deploy/postgresql/roles.sql). Creating what is missing needs the owner's rights;
without them the start fails with `OwnerRightsNeeded`, naming the command that fixes it. Somebody
with the owner's rights can still drop a guard and tamper; `Store.verify_audit` catches that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, UniqueConstraint, event, select, text
from sqlalchemy.exc import DBAPIError

from screening.storage.errors import StorageError
from screening.storage.schema import APPEND_ONLY_TABLES, Base, SchemaVersionRow

INIT_COMMAND = "python -m screening database init"
"""The command that creates or upgrades the tables and guards, run with the owner role's URL."""

_INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for "permission denied" / "must be owner"


class OwnerRightsNeeded(StorageError):
    """The database role this process connects as may not create the tables or their guards: they
    are missing (a new or older database), and only the owner role may add them."""

    def __init__(self, role: str, what: str) -> None:
        self.role = role
        super().__init__(
            f"The database role {role!r} may not {what}; run `{INIT_COMMAND}` with the owner role's URL."
        )


@dataclass(frozen=True)
class Guard:
    """One trigger guarding an append-only table, and the statement that creates it."""

    table: str
    name: str
    create: str


def _words(table: str) -> str:
    """'audit_events' -> 'audit events', the words of the refusal message."""
    return table.replace("_", " ")


def _key_clash(table: Table) -> str:
    """SQL true when a row about to be inserted has the key of a stored row: its primary key, or
    any unique constraint's columns (for audit_events, the id or the screening's seq)."""
    keys = [tuple(column.name for column in table.primary_key.columns)]
    keys += [
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    keys += [tuple(column.name for column in index.columns) for index in table.indexes if index.unique]
    clauses = (" AND ".join(f"{column} = NEW.{column}" for column in key) for key in keys)
    return " OR ".join(f"({clause})" for clause in clauses)


def _sqlite_guards(table: str) -> tuple[Guard, ...]:
    refuse = f"BEGIN SELECT RAISE(ABORT, '{_words(table)} are append-only'); END"
    clash = _key_clash(Base.metadata.tables[table])
    clashing = f"EXISTS (SELECT 1 FROM {table} WHERE {clash})"  # noqa: S608  # names from the schema
    replace = f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {clashing} {refuse}"
    return (
        Guard(
            table, f"{table}_no_update", f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {refuse}"
        ),
        Guard(
            table, f"{table}_no_delete", f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {refuse}"
        ),
        Guard(table, f"{table}_no_replace", replace),
    )


def _postgresql_guards(table: str) -> tuple[Guard, ...]:
    function = f"{table}_append_only()"
    return (
        Guard(
            table,
            f"{table}_append_only",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}",
        ),
        Guard(
            table,
            f"{table}_no_truncate",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}",
        ),
    )


APPEND_ONLY_TRIGGERS: dict[str, tuple[Guard, ...]] = {
    "sqlite": tuple(guard for table in APPEND_ONLY_TABLES for guard in _sqlite_guards(table)),
    "postgresql": tuple(guard for table in APPEND_ONLY_TABLES for guard in _postgresql_guards(table)),
}
"""Per database dialect, the triggers every append-only table has (names as in the database)."""

APPEND_ONLY_FUNCTIONS: dict[str, str] = {
    f"{table}_append_only()": (
        f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$body$ BEGIN RAISE EXCEPTION '{_words(table)} are append-only'; END $body$"
    )
    for table in APPEND_ONLY_TABLES
}
"""PostgreSQL: the trigger function of each append-only table (signature -> statement)."""


def missing_append_only_guards(connection: Connection) -> list[str]:
    """What `install_append_only_guards` would do, in words: the triggers (and PostgreSQL trigger
    functions) missing, and the PostgreSQL triggers not enabled ALWAYS; empty when all is in place.
    A table that does not exist yet has nothing missing."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return [guard.name for guard in _missing_sqlite(connection)]
    if dialect == "postgresql":
        functions, triggers, not_always = _missing_postgresql(connection)
        return [*functions, *(guard.name for guard in triggers), *(f"{name} ALWAYS" for name in not_always)]
    return []


def install_append_only_guards(connection: Connection) -> list[str]:
    """Install the guards that are missing on the append-only tables that exist, and return what
    was installed (see `missing_append_only_guards`); a database with every guard in place is only
    read, so a role that owns nothing can start on it. Raises `OwnerRightsNeeded` when something
    is missing and this role may not add it. Run inside the transaction creating the tables."""
    missing = missing_append_only_guards(connection)
    if not missing:
        return []
    if connection.dialect.name == "sqlite":
        for guard in _missing_sqlite(connection):
            connection.exec_driver_sql(guard.create)
        return missing
    functions, triggers, not_always = _missing_postgresql(connection)
    role = connection.execute(text("SELECT current_user")).scalar_one()
    statements = [APPEND_ONLY_FUNCTIONS[signature] for signature in functions]
    statements += [guard.create for guard in triggers]
    statements += [
        f"ALTER TABLE {guard.table} ENABLE ALWAYS TRIGGER {guard.name}"
        for guard in APPEND_ONLY_TRIGGERS["postgresql"]
        if guard in triggers or guard.name in not_always
    ]
    try:
        for statement in statements:
            connection.exec_driver_sql(statement)
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
            raise OwnerRightsNeeded(role, "install the append-only guards of the audit tables") from None
        raise
    return missing


def schema_state(connection: Connection) -> tuple[int | None, list[str]]:
    """The schema version the database records (None: no tables yet) and the guards it is missing,
    for `python -m screening database init` to say what it did."""
    version = None
    if connection.dialect.has_table(connection, SchemaVersionRow.__tablename__):
        version = connection.execute(select(SchemaVersionRow.version)).scalar_one_or_none()
    return version, missing_append_only_guards(connection)


def _existing_tables(connection: Connection) -> list[str]:
    return [table for table in APPEND_ONLY_TABLES if connection.dialect.has_table(connection, table)]


def _missing_sqlite(connection: Connection) -> list[Guard]:
    present = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    tables = _existing_tables(connection)
    return [
        guard
        for guard in APPEND_ONLY_TRIGGERS["sqlite"]
        if guard.table in tables and guard.name not in present
    ]


def _missing_postgresql(connection: Connection) -> tuple[list[str], list[Guard], list[str]]:
    """(functions missing, triggers missing, triggers present but not enabled ALWAYS), for the
    tables found through the search path."""
    tables = _existing_tables(connection)
    functions = [
        signature
        for signature in APPEND_ONLY_FUNCTIONS
        if signature.removesuffix("_append_only()") in tables
        and connection.execute(text("SELECT to_regprocedure(:signature)"), {"signature": signature}).scalar()
        is None
    ]
    enabled: dict[tuple[str, str], str] = {}
    for table in tables:
        rows = connection.execute(
            text(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgrelid = to_regclass(:table) AND NOT tgisinternal"
            ),
            {"table": table},
        )
        enabled.update({(table, name): state for name, state in rows})
    guards = [guard for guard in APPEND_ONLY_TRIGGERS["postgresql"] if guard.table in tables]
    triggers = [guard for guard in guards if (guard.table, guard.name) not in enabled]
    not_always = [
        guard.name
        for guard in guards
        if (guard.table, guard.name) in enabled and enabled[(guard.table, guard.name)] != "A"
    ]
    return functions, triggers, not_always


@event.listens_for(Base.metadata, "before_create")
def _refuse_without_rights(_metadata: Any, connection: Connection, **kw: Any) -> None:
    """Before `create_all` creates missing tables on PostgreSQL, check that this role may create
    them in the current schema; an application role that owns nothing may not, and is told to run
    `INIT_COMMAND` as the owner instead of getting the server's "permission denied". Registered
    here, where every start that installs the guards imports it."""
    if connection.dialect.name != "postgresql" or not kw.get("tables"):
        return
    role, allowed = connection.execute(
        text(
            "SELECT current_user,"
            " current_schema() IS NULL OR has_schema_privilege(current_schema(), 'CREATE')"
        )
    ).one()
    if not allowed:
        raise OwnerRightsNeeded(role, "create the screening tables")
