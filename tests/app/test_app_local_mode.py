"""Local mode is for this computer only, and a signer's credentials come from the clinic file.

The sign-in form asks a name (and a role when the clinic lists none), never credentials: a listed
name gets the credentials the clinic file gives it. Served on a network address without sign-in,
the app refuses local sign-in and says why, unless the clinic file allows it by name. The shipped
`.streamlit/config.toml` (loopback) is what AppTest reads, so the other AppTests sign in as usual.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config

from screening.config import SignedInIdentity
from tests.app.app_support import (
    PSYCHIATRIST,
    REVIEW_PAGE,
    AppEnv,
    all_text,
    assert_ok,
    open_app,
    seed_screening,
)
from ui import auth, services
from ui.text import plain

CREDENTIALED_CLINIC = """\
name: Riverside Ketamine Clinic
phone: "(555) 010-2000"
roles:
  psychiatrists: [R. Okafor, r.okafor@clinic.org]
  coordinators: [Casey Coordinator]
  credentials:
    "r. okafor": "MD, FRCPC"
    "R.Okafor@clinic.org": "MD, PhD"
"""


@pytest.fixture
def network_address() -> Iterator[None]:
    """The server configured to listen on every network interface, as `--server.address 0.0.0.0`
    does; the shipped setting is put back afterwards."""
    before, where = config.get_option("server.address"), config.get_where_defined("server.address")
    config.set_option("server.address", "0.0.0.0", "a test")  # noqa: S104 - the address under test
    yield
    config.set_option("server.address", before, where)


def test_under_apptest_the_shipped_config_listens_on_this_computer_only(app_env: AppEnv) -> None:
    assert config.get_option("server.address") == "127.0.0.1"
    at = open_app(None)
    warning = " ".join(str(w.value) for w in at.warning)
    assert "not authenticated" in warning and "reachable from this computer only" in warning
    assert not at.error


def test_the_local_form_asks_no_credentials_and_a_listed_name_gets_the_clinics(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(CREDENTIALED_CLINIC, encoding="utf-8")
    at = open_app(None)
    assert [box.label for box in at.text_input] == ["Your name"]
    assert not at.radio  # the clinic lists its roles
    assert "Credentials" not in all_text(at)

    at.text_input[0].input("R. OKAFOR")
    at.button[0].click().run()
    assert_ok(at)
    assert [t.value for t in at.title] == ["Screenings"]
    user = at.session_state["user"]
    assert (user.name, user.role, user.authenticated, user.credentials) == (
        "R. OKAFOR",
        "psychiatrist",
        False,
        "MD, FRCPC",
    )

    coordinator = open_app(None)
    coordinator.text_input[0].input("Casey Coordinator")
    coordinator.button[0].click().run()
    assert_ok(coordinator)
    casey = coordinator.session_state["user"]
    assert (casey.role, casey.credentials) == ("coordinator", None)


def test_without_listed_credentials_the_name_is_signed_alone(app_env: AppEnv) -> None:
    at = open_app(None)
    at.text_input[0].input("Dr. Ana Reyes")
    at.radio[0].set_value("psychiatrist")
    at.button[0].click().run()
    assert_ok(at)
    user = at.session_state["user"]
    assert (user.role, user.credentials, user.signature_name) == ("psychiatrist", None, "Dr. Ana Reyes")


@pytest.mark.usefixtures("network_address")
def test_on_a_network_address_local_sign_in_is_refused_with_the_reason(app_env: AppEnv) -> None:
    at = open_app(None)
    errors = " ".join(str(e.value) for e in at.error)
    assert plain("listens on the address 0.0.0.0") in errors
    assert "anyone could type any name" in errors and "secrets.toml" in errors
    assert not at.text_input and not at.button and not at.warning

    # A user already in the session (signed in before) is not let in either.
    doctor = open_app(PSYCHIATRIST)
    assert [t.value for t in doctor.title] == ["Ketamine intake screening"]
    assert "anyone could type any name" in " ".join(str(e.value) for e in doctor.error)


@pytest.mark.usefixtures("network_address")
def test_the_clinic_may_allow_local_sign_in_on_the_network_by_name(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(
        "name: Riverside Ketamine Clinic\nallow_unauthenticated_network_access: true\n", encoding="utf-8"
    )
    at = open_app(None)
    assert not at.error
    warning = " ".join(str(w.value) for w in at.warning)
    assert "reachable over the network" in warning and "allow_unauthenticated_network_access" in warning
    assert "anyone on the network can act under any name" in warning
    assert [box.label for box in at.text_input] == ["Your name"]


@pytest.mark.usefixtures("network_address")
def test_an_oidc_user_signs_with_the_clinics_credentials_for_their_email(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_env.clinic_file.write_text(CREDENTIALED_CLINIC, encoding="utf-8")
    identity = SignedInIdentity(
        user_id="oidc:248289761001", name="R. Okafor", email="r.okafor@clinic.org", role="psychiatrist"
    )
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    monkeypatch.setattr(auth, "_oidc_identity", lambda: identity)
    monkeypatch.setattr(services, "administers", lambda user: False)  # it reads st.user itself
    with app_env.workflow() as workflow:
        identifier = seed_screening(
            workflow,
            review={
                "protocol": "iv-ketamine-induction",
                "weight_basis": "actual",
                "start_date": "2026-12-01",
                "decision": "proceed",
                "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
            },
        )
    doctor = open_app(None, page=REVIEW_PAGE, screening=identifier)
    assert f"You sign as **{plain('R. Okafor, MD, PhD')}**." in all_text(doctor)
    user = doctor.session_state["user"]
    assert (user.id, user.authenticated, user.credentials) == ("oidc:248289761001", True, "MD, PhD")
