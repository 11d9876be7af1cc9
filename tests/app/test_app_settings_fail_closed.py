"""A clinic file that cannot be used signs nobody in: the sign-in screen says what is wrong with it
and what to do, instead of running on defaults (no role picker, no stranger made a coordinator). No
clinic file at all is a first run: the app runs on its defaults."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.app_support import PSYCHIATRIST, AppEnv, all_text, open_app

BROKEN_CLINIC = """\
name: Riverside Ketamine Clinic
page_size: A4
roles:
  psychiatrists: [R. Okafor]
  coordinators: [Casey Coordinator]
"""


def _code(at: AppTest) -> str:
    return "\n".join(str(element.value) for element in at.code)


def _assert_stopped_at_the_problem(at: AppTest) -> None:
    assert "clinic settings file has a problem" in all_text(at)
    assert "nobody can sign in" in all_text(at)
    assert "page_size" in _code(at) and ":2:" in _code(at)  # the setting and its line
    assert "What to do" in all_text(at)
    assert not at.radio  # no role picker
    assert not at.text_input  # no name form
    assert not at.button  # no sign-in button
    assert "user" not in at.session_state
    assert "R. Okafor" not in all_text(at)


def test_a_clinic_file_that_does_not_validate_signs_nobody_in(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(BROKEN_CLINIC, encoding="utf-8")
    at = open_app(None)
    _assert_stopped_at_the_problem(at)


def test_a_user_signed_in_before_the_file_broke_is_signed_out(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(BROKEN_CLINIC, encoding="utf-8")
    at = open_app(PSYCHIATRIST)
    _assert_stopped_at_the_problem(at)
    assert not at.sidebar.button  # no identity panel, no pages


def test_a_corrected_file_takes_effect_at_the_next_page_load(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(BROKEN_CLINIC, encoding="utf-8")
    at = open_app(None)
    assert "page_size" in _code(at)
    app_env.clinic_file.write_text(BROKEN_CLINIC.replace("A4", "a4"), encoding="utf-8")
    at.run()
    assert not at.code and "has a problem" not in all_text(at)
    assert not at.radio  # roles are listed: no role picker
    assert at.text_input  # the local-mode name form


def test_without_a_clinic_file_the_app_runs_on_its_defaults(app_env: AppEnv) -> None:
    app_env.clinic_file.unlink()
    at = open_app(None)
    assert "has a problem" not in all_text(at) and not at.code
    assert at.radio  # local mode on defaults: the role picker of a first run
    at.text_input[0].set_value("Casey Coordinator")
    at.button[0].click().run()
    assert "user" in at.session_state
