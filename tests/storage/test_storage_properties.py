"""Properties over random sequences of saves from two stores: the answers are always the last value
each item was given, every stale write to a changed item conflicts, nothing else does, the stored
status is always the judge's status of the stored answers, and the audit chain stays intact."""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.storage import ConflictError, JsonValue, Store
from screening.storage.values import canonical_json, search_key
from tests.storage.storage_support import COORDINATOR, DEFINITION_FILES, OTHER_COORDINATOR, PIN, status_of

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
ITEMS = ("phq9_1", "weight_kg", "patient_name", "antidepressant_trials", "current_psychosis")

text = st.text(alphabet=st.characters(exclude_categories=SURROGATES, exclude_characters="\x00"), max_size=12)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text
json_values = st.just(True) | st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
# (which of the two writers, item, value, whether the writer reloads first)
steps = st.lists(
    st.tuples(st.sampled_from((0, 1)), st.sampled_from(ITEMS), json_values, st.booleans()),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def two_stores(open_store: Callable[[], Store]) -> tuple[Store, Store]:
    """Shared by every example of a test; each example works on a screening of its own."""
    return open_store(), open_store()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_saves_keep_answers_and_chain_consistent(
    two_stores: tuple[Store, Store], steps: list[tuple[int, str, Any, bool]]
) -> None:
    stores = two_stores
    users = (COORDINATOR, OTHER_COORDINATOR)
    screening = stores[0].create_screening(
        user=COORDINATOR, questionnaire=PIN, definition_files=DEFINITION_FILES, assessed_on=date(2026, 11, 20)
    )
    values: dict[str, JsonValue] = {}
    changed_at: dict[str, int] = {}
    revision = screening.revision
    seen = [revision, revision]

    for writer, item_id, value, reloads in steps:
        if reloads:
            seen[writer] = revision
        base = seen[writer]
        same = canonical_json(values.get(item_id)) == canonical_json(value)
        expect_conflict = not same and changed_at.get(item_id, 0) > base
        try:
            result = stores[writer].set_answer(
                screening.id, item_id, value, user=users[writer], base_revision=base
            )
        except ConflictError as conflict:
            assert expect_conflict
            assert conflict.item_id == item_id
            assert canonical_json(conflict.current_value) == canonical_json(values.get(item_id))
            seen[writer] = conflict.current_revision
            continue
        assert not expect_conflict
        assert result.changed is not same
        others = max(changed_at.values(), default=0) > base
        assert result.others_changed is others
        if not same:
            revision += 1
            values[item_id] = value
            changed_at[item_id] = revision
        assert result.latest_revision == revision
        assert result.base_revision == (base if others else revision)
        seen[writer] = result.base_revision
        stored = stores[1 - writer].list_screenings(limit=1)[0]
        assert stored.status == status_of({k: v for k, v in values.items() if v is not None})
        assert stored.status_current

    final = stores[1].get_screening(screening.id)
    expected = {item: value for item, value in values.items() if value is not None}
    assert canonical_json(final.answers) == canonical_json(expected)
    assert final.revision == revision == len(final.events)
    assert final.answer_revisions == changed_at
    report = stores[0].verify_audit(screening.id)
    assert report.ok, str(report)


@settings(max_examples=300)
@given(st.text())
def test_search_keys_are_stable_and_free_of_accents(value: str) -> None:
    key = search_key(value)
    assert search_key(key) == key
    assert not any(unicodedata.combining(char) for char in key)


@given(st.text(alphabet=string.ascii_letters + " -áéíóúñçüÁÉÍÓÚÑÇÜ"))
def test_search_keys_ignore_case_and_accents_of_latin_names(value: str) -> None:
    plain = "".join(c for c in unicodedata.normalize("NFD", value) if not unicodedata.combining(c))
    assert search_key(value.upper()) == search_key(value.lower()) == search_key(plain)
