"""What one run of the app reads, and what it keeps from one run to the next.

- The page drawn after a saved answer shows the screening as the save left it, without asking
  the database for the revision again; a run without a save asks.
- The pages `st.navigation` is given are copies: the ones app.py makes once per process
  (`ui.pages.page`) carry no mark of a run, so no session or run hands its marks to another.
- The session's book, which the thread that runs the script remembers, is the session's own:
  clearing the session (the lock screen's sign-out) starts a new, empty one at once.
"""

from __future__ import annotations

from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from screening.storage.reads import Reads
from tests.app.app_support import (
    COORDINATOR,
    INTAKE_PAGE,
    PSYCHIATRIST,
    RUN_TIMEOUT,
    AppEnv,
    all_text,
    answer,
    assert_ok,
    open_app,
    section_of,
    seed_screening,
)
from ui import pages


def _revision_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The screenings whose stored revision the app asks for, in order."""
    asked: list[str] = []
    original = Reads.revision_of

    def spy(self: Any, screening_id: str) -> int:
        asked.append(screening_id)
        return original(self, screening_id)

    monkeypatch.setattr(Reads, "revision_of", spy)
    return asked


def test_the_page_after_a_saved_answer_shows_what_the_save_left_without_reading_it_again(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    identifier = seed_screening(app_env.workflow(), {"patient_name": "Ana Silva"})
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("phq9_1"))
    asked = _revision_reads(monkeypatch)

    answer(at, "phq9_1", "nearly_every_day")
    assert asked == []  # the save returned the screening at its new revision
    stored = app_env.workflow().get(identifier)
    assert stored.answers["phq9_1"] == "nearly_every_day"
    # the page drew the screening at the revision the save reached: the user's next save starts there
    assert at.session_state["book"][f"revision:{identifier}"] == stored.revision

    # somebody else answers; the next run without a save of its own reads the revision and shows it
    other = app_env.workflow()
    other.answer(identifier, {"phq9_2": "nearly_every_day"}, user=PSYCHIATRIST, base_revision=stored.revision)
    asked.clear()
    at.run()
    assert_ok(at)
    assert asked == [identifier]
    assert at.radio(key=f"w:{identifier}:phq9_2").value is not None


def test_every_run_hands_st_navigation_its_own_copies_of_the_pages_made_once(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    given: list[list[Any]] = []
    original = st.navigation

    def spy(sections: dict[str, list[Any]], **options: Any) -> Any:
        given.append([page for entries in sections.values() for page in entries])
        return original(sections, **options)

    monkeypatch.setattr(st, "navigation", spy)
    identifier = seed_screening(app_env.workflow(), {"patient_name": "Ana Silva"})
    first = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier)
    open_app(PSYCHIATRIST)  # another session, on the default page (the list)
    first.run()
    assert_ok(first)
    assert "Intake" in all_text(first)

    made = {id(page) for page in pages._made.values()}
    assert len(given) == 3
    handed = [id(page) for run in given for page in run]
    assert not made.intersection(handed)  # never the ones made once
    assert len(set(handed)) == len(handed)  # nor one shared between runs
    assert [page.title for page in given[0]] == [page.title for page in given[2]]
    assert [page.url_path for page in given[1]][:2] == ["", "intake"]  # the list is the default page


def _book_across_a_cleared_session() -> None:
    """A script: the book, the session cleared (as the lock screen's sign-out does), the book again."""
    import streamlit as st  # noqa: PLC0415 - AppTest runs the function's source alone

    from ui import state  # noqa: PLC0415

    first = state.book()
    first["kept"] = True
    state.clear_session()
    second = state.book()
    st.markdown(f"same {second is first}, empty {second == {}}, again {state.book() is second}")


def test_a_cleared_session_starts_a_new_book_in_the_same_run() -> None:
    at = AppTest.from_function(_book_across_a_cleared_session, default_timeout=RUN_TIMEOUT)
    at.run()
    assert_ok(at)
    assert at.markdown[0].value == "same False, empty True, again True"
    at.run()  # a new run of the same session: its book is the one the session holds
    assert at.markdown[0].value == "same False, empty True, again True"
