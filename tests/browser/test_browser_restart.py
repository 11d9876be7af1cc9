"""The intake in a real browser across server crashes: the server is killed (SIGKILL) and started
again on the same port while the page is open; once the page has reconnected (and, in local mode,
the user has signed in again), every widget shows the stored answer, also one another client
changed while the server was down. While the server is down, Streamlit disables the page's widgets
and shows "Connecting", so no change can be made on a page that cannot send it.

On each backend: a SQLite file, and PostgreSQL (a schema of its own in the test session's scratch
database; skipped when no server is reachable, unless SCREENING_TEST_POSTGRES_URL is set, as in CI).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from screening.storage import User
from tests.browser.browser_support import (
    Intake,
    Server,
    fill_sign_in,
    first_answer_creates,
    free_port,
    server_environment,
    settle,
    sign_in,
    start_streamlit,
    stop_streamlit,
)

pytestmark = pytest.mark.browser

CYCLES = 3
OTHER = User(id="local:jo-nurse", name="Jo Nurse", role="coordinator", authenticated=False)


class _Restartable:
    """`streamlit run app.py` (as the `server` fixture starts it) that a test can kill and start
    again on the same port, with the same database."""

    def __init__(self, tmp_path: Path, clinic_text: str, database_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        clinic = tmp_path / "clinic.yaml"
        clinic.write_text(clinic_text, encoding="utf-8")
        self.env = server_environment(self.database_url, clinic)
        self.log = tmp_path / "streamlit.log"
        self.server = Server(self.url, self.database_url, self.log, clinic)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_streamlit(self.port, self.env, self.log)

    def crash(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            stop_streamlit(self.process)


@pytest.fixture
def restartable(
    tmp_path: Path, chromium: str, clinic_file_text: str, database_url: str
) -> Iterator[_Restartable]:
    """The app over `database_url` (tests/conftest.py: a SQLite file, or a PostgreSQL schema)."""
    app = _Restartable(tmp_path, clinic_file_text, database_url)
    app.start()
    try:
        yield app
    finally:
        app.stop()


def _shown(intake: Intake) -> dict[str, Any]:
    return {
        "patient_name": intake.widget("patient_name").locator("input").input_value(),
        "mrn": intake.widget("mrn").locator("input").input_value(),
        "weight_kg": intake.widget("weight_kg").locator("input").input_value(),
        "sex_at_birth": intake.widget("sex_at_birth").locator("input:checked").count(),
    }


def test_after_each_server_crash_the_reconnected_intake_shows_the_stored_answers(
    restartable: _Restartable, new_browser: Callable[[], Any], request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = new_browser()
    sign_in(page, restartable.server, "Casey Coordinator", "Intake coordinator")
    workflow = restartable.server.workflow()
    request.addfinalizer(workflow.close)
    page.get_by_role("button", name="New screening").click()
    page.get_by_role("heading", name="New screening").wait_for()
    settle(page)
    intake = first_answer_creates(page, workflow, "Ada Quillfeather")
    intake.type_text("mrn", "RK-4471")
    intake.choose("sex_at_birth", "Female", "female")
    weight = intake.widget("weight_kg").locator("input")
    weight.fill("71")
    weight.press("Enter")
    intake.wait_saved("weight_kg", 71)
    expect(page.locator(".st-key-page-stamp-box")).to_be_hidden()  # the page's stamp field

    mrn = "RK-4471"
    for cycle in range(CYCLES):
        restartable.crash()
        # While the server is down the page says so and takes no input.
        expect(page.get_by_text("Connecting")).to_be_visible()
        expect(intake.widget("mrn").locator("input")).to_be_disabled()
        if cycle == 1:  # another client changes an answer while this page is disconnected
            current = workflow.get(intake.identifier)
            mrn = "RK-5502"
            workflow.answer(intake.identifier, {"mrn": mrn}, user=OTHER, base_revision=current.revision)
        restartable.start()
        # A new session: in local mode the user signs in again, back on the same screening.
        page.get_by_label("Your name").wait_for()
        settle(page)
        fill_sign_in(page, "Casey Coordinator", "Intake coordinator")
        page.get_by_role("heading", name="Ada Quillfeather").wait_for()
        settle(page)
        assert _shown(intake) == {
            "patient_name": "Ada Quillfeather",
            "mrn": mrn,
            "weight_kg": "71.0",
            "sex_at_birth": 1,
        }, f"cycle {cycle + 1}"
        assert workflow.get(intake.identifier).answers == {
            "patient_name": "Ada Quillfeather",
            "mrn": mrn,
            "sex_at_birth": "female",
            "weight_kg": 71,
        }

    # The page of the last session saves as usual.
    intake.type_text("mrn", "RK-6613")
