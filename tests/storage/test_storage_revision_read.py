"""`Store.revision_of`, the one read every page run makes: one statement, always the stored
revision (another process's write is seen at once), and `NotFound` for an unknown id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from screening.storage import NotFound, ScreeningDetail, Store
from tests.storage.storage_support import COORDINATOR


def test_the_revision_read_is_one_statement_and_always_current(
    open_store: Callable[[], Store], store: Store, new_screening: Callable[..., ScreeningDetail]
) -> None:
    screening = new_screening(patient_name="Ana Silva")
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(store._engine, "before_cursor_execute", record)  # what the read sends
    revision = store.revision_of(screening.id)
    if store.dialect == "sqlite":  # no BEGIN before it: its own implicit transaction
        assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")
    assert revision == store.get_screening(screening.id).revision
    other = open_store()  # another process
    written = other.set_answers(
        screening.id, {"phq9_1": "several_days"}, user=COORDINATOR, base_revision=revision
    )
    assert store.revision_of(screening.id) == written.latest_revision > revision
    with pytest.raises(NotFound):
        store.revision_of("no-such-screening")
