"""Every sign-in and sign-out is an entry of the clinic's audit chain: a sign-in once per browser
session (not once per run), with how the user signed in; a failure to record never keeps anybody
out, and its log names nobody."""

from __future__ import annotations

import json
import logging

import pytest
import streamlit as st
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from screening.config import SignedInIdentity
from screening.workflow import Workflow
from tests.app.app_support import SCREENINGS_PAGE, AppEnv, assert_ok, open_app
from ui import auth, services


def _sessions(app_env: AppEnv) -> list[tuple[str, str, str, bool, str]]:
    """The clinic chain's sign-in and sign-out entries: kind, user id, name, authenticated, how."""
    with app_env.workflow():
        pass  # opening the database creates it when the app has not yet
    engine = create_engine(app_env.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT kind, actor_id, actor_name, actor_authenticated, payload_json FROM clinic_events"
                    " WHERE kind IN ('signed_in', 'signed_out') ORDER BY seq"
                )
            ).all()
    finally:
        engine.dispose()
    return [
        (kind, actor_id, name, bool(authenticated), json.loads(payload)["how"])
        for kind, actor_id, name, authenticated, payload in rows
    ]


def _sign_in_locally(name: str) -> AppTest:
    at = open_app(None)
    at.text_input[0].input(name)
    at.radio[0].set_value("psychiatrist")
    at.button[0].click().run()
    assert_ok(at)
    return at


def test_a_local_sign_in_is_recorded_once_and_the_sign_out_too(app_env: AppEnv) -> None:
    at = open_app(None)
    assert _sessions(app_env) == []  # the sign-in screen alone records nothing
    at.text_input[0].input("Dr. Ana Reyes")
    at.radio[0].set_value("psychiatrist")
    at.button[0].click().run()
    assert_ok(at)
    signed_in = ("signed_in", "local:dr-ana-reyes", "Dr. Ana Reyes", False, "local mode")
    assert _sessions(app_env) == [signed_in]

    at.run()
    at.switch_page(SCREENINGS_PAGE).run()
    assert_ok(at)
    assert _sessions(app_env) == [signed_in]  # later runs of the session record nothing more

    at.button(key="sign-out").click().run()
    assert_ok(at)
    assert [t.value for t in at.title] == ["Ketamine intake screening"]  # the sign-in screen again
    assert _sessions(app_env) == [
        signed_in,
        ("signed_out", "local:dr-ana-reyes", "Dr. Ana Reyes", False, "local mode"),
    ]


def test_a_name_the_clinic_does_not_list_records_nothing(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(
        'name: Riverside Ketamine Clinic\nphone: "(555) 010-2000"\n'
        "roles:\n  psychiatrists: [R. Okafor]\n  coordinators: [Casey Coordinator]\n",
        encoding="utf-8",
    )
    at = open_app(None)
    at.text_input[0].input("Somebody Else")
    at.button[0].click().run()
    assert_ok(at)
    assert "not listed" in " ".join(str(e.value) for e in at.error)
    assert _sessions(app_env) == []


def test_an_oidc_sign_in_is_recorded_on_the_first_run_that_finds_the_identity(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity = SignedInIdentity(
        user_id="oidc:248289761001", name="R. Okafor", email="r.okafor@clinic.org", role="psychiatrist"
    )
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    monkeypatch.setattr(auth, "_oidc_identity", lambda: identity)
    monkeypatch.setattr(services, "administers", lambda user: False)  # it reads st.user itself
    logged_out: list[bool] = []
    monkeypatch.setattr(st, "logout", lambda: logged_out.append(True))

    at = open_app(None)
    at.run()
    at.run()
    signed_in = ("signed_in", "oidc:248289761001", "R. Okafor", True, "openid-connect")
    assert _sessions(app_env) == [signed_in]

    at.button(key="sign-out").click().run()
    assert_ok(at)
    assert logged_out == [True]
    assert _sessions(app_env)[1] == ("signed_out", "oidc:248289761001", "R. Okafor", True, "openid-connect")


def test_a_failure_to_record_does_not_stop_the_sign_in_and_logs_no_name(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(self: Workflow, kind: str, *, user: object, how: str) -> int:
        raise RuntimeError("the database is away")

    monkeypatch.setattr(Workflow, "record_session", refuse)
    with caplog.at_level(logging.ERROR, logger="ui.auth"):
        at = _sign_in_locally("Dr. Ana Reyes")
    assert [t.value for t in at.title] == ["Screenings"]  # signed in all the same
    assert at.session_state["user"].name == "Dr. Ana Reyes"
    logged = [record for record in caplog.records if record.name == "ui.auth"]
    assert logged and "signed_in" in logged[0].getMessage()
    assert all("Ana Reyes" not in record.getMessage() for record in caplog.records)
