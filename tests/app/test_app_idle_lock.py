"""The idle lock through the app: a session left unused past the clinic's `idle_lock_minutes`
shows only the lock screen (no patient data anywhere), and continuing returns to the same page
with every widget's value, saved or not, as it was. Time is moved with a fake clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.app_support import (
    COORDINATOR,
    DOCUMENTS_PAGE,
    INTAKE_PAGE,
    PSYCHIATRIST,
    REVIEW_PAGE,
    SCREENINGS_PAGE,
    AppEnv,
    all_text,
    assert_ok,
    current_section,
    open_app,
    section_of,
    sidebar_text,
    widget,
)
from ui import lock, services

PATIENT = "Philippa Strandqvist"
MRN = "MRN-55102"
UNSAVED_MRN = f"{MRN}-" + "\ufdfa" * 12  # longer than the database keeps: refused, not saved
ASSESSED_ON = dt.date(2026, 11, 20)


class FakeClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def pass_minutes(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock()
    monkeypatch.setattr(lock, "CLOCK", fake)
    yield fake


def _screening(app_env: AppEnv) -> str:
    with app_env.workflow() as wf:
        return wf.create(
            COORDINATOR,
            questionnaire="ketamine-trd-intake",
            assessed_on=ASSESSED_ON,
            answers={"patient_name": PATIENT, "mrn": MRN},
        ).id


def _everything(at: AppTest) -> str:
    """All text of the page and the sidebar, widget labels and values included."""
    widgets = [
        f"{w.label} {w.value}" for kind in ("text_input", "text_area", "button") for w in getattr(at, kind)
    ]
    return "\n".join([all_text(at), sidebar_text(at), *widgets])


def _intake_with_unsaved_mrn(app_env: AppEnv) -> AppTest:
    identifier = _screening(app_env)
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("mrn"))
    widget(at, "mrn").input(UNSAVED_MRN).run()
    assert_ok(at)
    assert "Not saved" in all_text(at)
    with app_env.workflow() as wf:
        assert wf.get(identifier).answers["mrn"] == MRN
    return at


def _in_browser(at: AppTest, item_id: str) -> str:
    """What the browser shows in an item's text field as the page is drawn again: the value the run
    sent, or else the field's default (Streamlit's frontend forgets the values of fields that were
    not on the screen, so a value kept only on the server would show as empty)."""
    proto = widget(at, item_id).proto
    return str(proto.value if proto.set_value else proto.default)


def _locked(at: AppTest) -> bool:
    return any(title.value == "Screen locked" for title in at.title)


def test_an_unused_session_locks_without_showing_patient_data(app_env: AppEnv, clock: FakeClock) -> None:
    at = _intake_with_unsaved_mrn(app_env)
    assert PATIENT in _everything(at)
    clock.pass_minutes(9)
    at.run()
    assert not _locked(at)  # within the default 10 minutes; this run is activity again
    clock.pass_minutes(10.5)
    at.run()
    assert_ok(at)
    assert _locked(at)
    text = _everything(at)
    assert COORDINATOR.name in text
    for private in (PATIENT, "Strandqvist", MRN, "55102"):
        assert private not in text, private
    assert not at.sidebar.children or not sidebar_text(at)


def _lock(at: AppTest, clock: FakeClock) -> None:
    clock.pass_minutes(11)
    at.run()
    assert_ok(at)
    assert _locked(at)


def _continue_as(at: AppTest, typed: str) -> None:
    at.text_input(key=lock.NAME_KEY).input(typed)
    at.button(key=lock.UNLOCK_KEY).click().run()
    assert_ok(at)


def test_continuing_returns_to_the_same_page_with_the_unsaved_value(
    app_env: AppEnv, clock: FakeClock
) -> None:
    at = _intake_with_unsaved_mrn(app_env)
    section = current_section(at)
    _lock(at, clock)
    at.run()  # more locked runs (the periodic check, a reload) keep everything too
    assert _locked(at)
    _continue_as(at, "  casey   COORDINATOR ")  # capitals and spacing do not matter
    assert not _locked(at)
    assert current_section(at) == section
    assert widget(at, "mrn").value == UNSAVED_MRN  # typed, refused by the database, still there
    assert _in_browser(at, "mrn") == UNSAVED_MRN
    assert _in_browser(at, "patient_name") == PATIENT
    assert PATIENT in _everything(at)
    clock.pass_minutes(5)
    at.run()
    assert not _locked(at)  # continuing counts as activity: the limit starts again


def test_another_name_does_not_unlock_and_signing_out_forgets_the_session(
    app_env: AppEnv, clock: FakeClock
) -> None:
    at = _intake_with_unsaved_mrn(app_env)
    _lock(at, clock)
    _continue_as(at, "Jo Nurse")
    assert _locked(at)
    assert "not the name signed in here" in all_text(at)
    assert PATIENT not in _everything(at)
    _continue_as(at, "")
    assert _locked(at)
    at.button(key=lock.SIGN_OUT_KEY).click().run()
    assert_ok(at)
    assert not _locked(at)
    assert at.text_input[0].label == "Your name"  # the sign-in screen
    assert "user" not in at.session_state
    assert UNSAVED_MRN not in [at.session_state[key] for key in at.session_state]
    assert PATIENT not in _everything(at)


def test_with_openid_connect_the_user_continues_by_confirming(app_env: AppEnv, clock: FakeClock) -> None:
    """The identity provider checked the person at sign-in; the lock hides the page until they
    confirm, without a sign-in round trip that would start a new session and lose unsaved input."""
    app_env.clinic_file.write_text(
        app_env.clinic_file.read_text(encoding="utf-8") + "roles:\n  coordinators: [casey@clinic.org]\n",
        encoding="utf-8",
    )
    services.reload_settings()
    identifier = _screening(app_env)
    at = open_app(None, page=INTAKE_PAGE, screening=identifier, section=section_of("mrn"), run=False)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-test-secret",
        "client_id": "screening",
        "client_secret": "not-used",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    at.user = {
        "is_logged_in": True,
        "sub": "248289761001",
        "email": "casey@clinic.org",
        "email_verified": True,
        "name": "Casey Coordinator",
    }
    at.run()
    assert_ok(at)
    assert PATIENT in _everything(at)
    _lock(at, clock)
    assert PATIENT not in _everything(at)
    assert not [w for w in at.text_input if w.key == lock.NAME_KEY]  # nothing to type
    at.button(key=lock.CONTINUE_KEY).click().run()
    assert_ok(at)
    assert not _locked(at)
    assert widget(at, "mrn").value == MRN
    assert _in_browser(at, "mrn") == MRN


@pytest.mark.parametrize("page", [SCREENINGS_PAGE, REVIEW_PAGE, DOCUMENTS_PAGE])
def test_every_page_locks_and_comes_back(app_env: AppEnv, clock: FakeClock, page: str) -> None:
    """Pages with buttons, downloads and previews: nothing refuses the values kept while locked."""
    identifier = _screening(app_env)
    at = open_app(PSYCHIATRIST, page=page, screening=identifier)
    before = [title.value for title in at.title]
    _lock(at, clock)
    assert PATIENT not in _everything(at)
    _continue_as(at, PSYCHIATRIST.name)
    assert not _locked(at)
    assert [title.value for title in at.title] == before
