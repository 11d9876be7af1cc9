"""The intake after a server restart, and an answer the database could not store.

When the server restarts, the browser reconnects to a new session (its session state empty) and
sends the values of the widgets of the page an earlier session drew, stale or changed meanwhile.
These tests play that browser: they keep the widget values of a page (`browser_values`), start a
new session as the restarted server would (`new_server_session`), and run the app with them.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import streamlit as st
from sqlalchemy.exc import OperationalError
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.state.common import TESTING_KEY
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.app_test import _AppTestSessionState

from screening.storage import User
from tests.app.app_support import (
    COORDINATOR,
    AppEnv,
    all_text,
    answer,
    assert_ok,
    elements_with_key,
    open_app,
    restart_server,
    screening_id,
    widget,
)
from ui import services, widgets
from ui.actions import RECONNECTED_UNSAVED
from ui.state import question_key

STORED = {"patient_name": "Ada Quillfeather", "mrn": "RK-4471", "sex_at_birth": "female", "weight_kg": 71}


def _screening_with_answers() -> tuple[AppTest, str]:
    at = open_app(COORDINATOR)
    at.button(key="new-screening").click().run()
    assert_ok(at)
    for item_id, value in STORED.items():
        answer(at, item_id, value)
    return at, screening_id(at)


def browser_values(at: AppTest, **changed: Any) -> WidgetStates:
    """The widget values the browser holds for the page on screen, with `changed` (item id: widget
    value) set as the user set them: what it sends when it reconnects."""
    for item_id, value in changed.items():
        widget(at, item_id).set_value(value)
    states: WidgetStates = at._tree.get_widget_states()
    return states


def new_server_session(at: AppTest, user: User) -> None:
    """A restarted server: its caches emptied and a new, empty session for the reconnecting browser.
    The user is signed in again at once, as the identity provider's cookie does."""
    restart_server()
    fresh = SessionState()
    fresh[TESTING_KEY] = {}
    at._session_state = SafeSessionState(fresh, lambda: None)
    at.session_state = _AppTestSessionState(at._session_state)
    at.session_state["user"] = user


def shown(at: AppTest) -> dict[str, Any]:
    return {item_id: widget(at, item_id).value for item_id in STORED}


def test_reconnected_page_shows_the_stored_answers_not_the_values_the_browser_sends(app_env: AppEnv) -> None:
    at, identifier = _screening_with_answers()
    sent = browser_values(at, mrn="", weight_kg=None, sex_at_birth="male")

    new_server_session(at, COORDINATOR)
    at._run(sent)
    assert_ok(at)

    assert shown(at) == {**STORED, "weight_kg": 71.0}
    assert app_env.workflow().get(identifier).answers == STORED
    # Each changed widget says, next to its answer, that the change was not saved; the others not.
    warnings = [str(w.value) for w in at.warning]
    assert warnings.count(RECONNECTED_UNSAVED) == 3
    for item_id in ("mrn", "weight_kg", "sex_at_birth"):
        assert _warned_under(at, identifier, item_id)
    assert not _warned_under(at, identifier, "patient_name")
    # Reported once: the next run shows the saved answers without the notice.
    at.run()
    assert_ok(at)
    assert RECONNECTED_UNSAVED not in all_text(at)
    assert shown(at) == {**STORED, "weight_kg": 71.0}


def test_reconnecting_with_the_values_on_screen_says_nothing(app_env: AppEnv) -> None:
    at, _identifier = _screening_with_answers()
    sent = browser_values(at)

    new_server_session(at, COORDINATOR)
    at._run(sent)
    assert_ok(at)

    assert shown(at) == {**STORED, "weight_kg": 71.0}
    assert RECONNECTED_UNSAVED not in all_text(at)


def test_a_first_run_cut_short_does_not_let_the_browser_values_stand_in_for_stored_ones(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new session's first run ends after seeding the first question but before drawing it
    (the browser's next message interrupts a run the same way); the next run, with the same empty
    values from the browser, still shows every stored answer."""
    at, identifier = _screening_with_answers()
    sent = browser_values(at, patient_name="", mrn="")
    draw = widgets.draw
    cut: list[bool] = []

    def cut_short(*args: Any, **kwargs: Any) -> None:
        if not cut:
            cut.append(True)
            st.stop()
        draw(*args, **kwargs)

    monkeypatch.setattr(widgets, "draw", cut_short)
    new_server_session(at, COORDINATOR)
    at._run(sent)
    assert_ok(at)
    assert cut
    at._run(sent)
    assert_ok(at)

    assert shown(at) == {**STORED, "weight_kg": 71.0}
    assert app_env.workflow().get(identifier).answers == STORED


def _warned_under(at: AppTest, identifier: str, item_id: str) -> bool:
    """Whether the notice is drawn in the container of the question `item_id`."""
    (block,) = elements_with_key(at, question_key(identifier, item_id))
    pending: list[Any] = [block]
    while pending:
        node = pending.pop()
        if getattr(node, "type", None) == "warning" and str(node.value) == RECONNECTED_UNSAVED:
            return True
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            pending.extend(children.values())
    return False


def test_an_answer_the_database_fails_to_store_says_so_next_to_it_and_logs_no_patient_data(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    at, identifier = _screening_with_answers()
    typed = "RK-9081-Zebulon"

    def lost_database(*args: Any, **kwargs: Any) -> Any:
        # What SQLAlchemy raises when the database goes away mid-write: its text quotes the
        # statement and its parameters, which are patient data.
        raise OperationalError(
            "UPDATE screening_answers SET value=? WHERE item_id=?",
            (typed, "mrn"),
            Exception("disk I/O error"),
        )

    caplog.set_level(logging.DEBUG)
    with monkeypatch.context() as patched:
        patched.setattr(services.workflow(), "answer", lost_database)
        answer(at, "mrn", typed)

    # Said next to the answer, in words; the widget keeps what the user typed, marked not saved.
    errors = [str(e.value) for e in at.error]
    assert any(e.startswith("Not saved: the database could not store it") for e in errors), errors
    assert widget(at, "mrn").value == typed
    assert app_env.workflow().get(identifier).answers["mrn"] == STORED["mrn"]
    assert "Could not save an answer of screening" in caplog.text
    assert typed not in caplog.text
    assert "UPDATE" not in caplog.text

    # Once the database stores it again, giving the answer again saves it and the notice goes.
    answer(at, "mrn", typed + "-2")
    assert app_env.workflow().get(identifier).answers["mrn"] == typed + "-2"
    assert not [e for e in at.error if str(e.value).startswith("Not saved")]


def test_a_message_from_the_old_page_after_the_new_one_is_neither_saved_nor_shown(app_env: AppEnv) -> None:
    """The browser sends the old page's values again (a click before it has received the new
    session's page): they are not the user's changes, so nothing is saved over the stored answers.
    Once the browser shows the new page, the change given again is saved."""
    at, identifier = _screening_with_answers()
    sent = browser_values(at, mrn="", sex_at_birth="male")
    new_server_session(at, COORDINATOR)
    at._run(sent)
    assert_ok(at)
    at._run(sent)  # the same old page again
    assert_ok(at)

    assert shown(at) == {**STORED, "weight_kg": 71.0}
    assert app_env.workflow().get(identifier).answers == STORED
    assert _warned_under(at, identifier, "sex_at_birth")

    answer(at, "sex_at_birth", "male")  # on the page of this session
    assert app_env.workflow().get(identifier).answers == {**STORED, "sex_at_birth": "male"}
    assert widget(at, "sex_at_birth").value == "male"
    assert RECONNECTED_UNSAVED not in all_text(at)
