"""Local mode is for this computer only, and credentials come from the clinic file.

`screening.local_mode.local_sign_in_refusal` decides from the server address, the clinic settings
and whether OpenID Connect is configured; `Roles.credentials_for` gives a user's credentials from
the clinic file (by email or local-mode name, case ignored), which validates them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from screening.config import (
    ClinicSettings,
    ConfigError,
    SignedInIdentity,
    load_clinic_settings,
    save_clinic_settings,
)
from screening.local_mode import is_loopback, local_sign_in_refusal
from ui.auth import oidc_user

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the address under test, never bound
CLINIC = ClinicSettings()
OPEN_NETWORK = ClinicSettings(allow_unauthenticated_network_access=True)
CREDENTIALED = ClinicSettings.model_validate(
    {
        "roles": {
            "psychiatrists": ["R.Okafor@clinic.org", "Dr. Ana Reyes"],
            "credentials": {"R.Okafor@clinic.org": "MD, FRCPC", " Dr. Ana Reyes ": " MD "},
        }
    }
)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.0.1.1",
        "127.255.255.254",
        "::1",
        "[::1]",
        "localhost",
        "LOCALHOST",
        " 127.0.0.1 ",
        "::ffff:127.0.0.1",
    ],
)
def test_loopback_addresses_are_this_computer_only(address: str) -> None:
    assert is_loopback(address)
    assert local_sign_in_refusal(address, CLINIC, oidc=False) is None


@pytest.mark.parametrize(
    "address",
    [None, "", "  ", ALL_INTERFACES, "::", "[::]", "192.168.1.20", "10.0.0.5", "fe80::1", "clinic-server",
     "localhost.example.org", "unix:///run/screening.sock", "::ffff:10.0.0.1"],
)  # fmt: skip
def test_any_other_address_refuses_local_sign_in(address: str | None) -> None:
    assert not is_loopback(address)
    refusal = local_sign_in_refusal(address, CLINIC, oidc=False)
    assert refusal is not None
    assert "anyone could type any name" in refusal
    assert ".streamlit/secrets.toml" in refusal and 'server.address = "127.0.0.1"' in refusal


def test_the_refusal_names_where_the_server_listens() -> None:
    assert f"listens on the address {ALL_INTERFACES}," in (
        local_sign_in_refusal(ALL_INTERFACES, CLINIC, oidc=False) or ""
    )
    unset = local_sign_in_refusal(None, CLINIC, oidc=False) or ""
    assert "every network interface (no server address is set)" in unset
    assert local_sign_in_refusal("", CLINIC, oidc=False) == unset


def test_oidc_or_the_clinics_explicit_setting_allow_a_network_address() -> None:
    assert local_sign_in_refusal(ALL_INTERFACES, CLINIC, oidc=True) is None
    assert local_sign_in_refusal(None, CLINIC, oidc=True) is None
    assert local_sign_in_refusal(ALL_INTERFACES, OPEN_NETWORK, oidc=False) is None
    assert local_sign_in_refusal(None, OPEN_NETWORK, oidc=False) is None


def test_network_access_without_sign_in_is_off_unless_the_file_says_so(tmp_path: Path) -> None:
    assert ClinicSettings().allow_unauthenticated_network_access is False
    path = tmp_path / "clinic.yaml"
    path.write_text("allow_unauthenticated_network_access: true\n", encoding="utf-8")
    assert load_clinic_settings(path).allow_unauthenticated_network_access is True


def test_the_shipped_streamlit_config_listens_on_loopback() -> None:
    config = (Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'address = "127.0.0.1"' in config.split("[server]", 1)[1]


def test_the_shipped_streamlit_config_collects_no_garbage_after_every_run() -> None:
    """A full collection after each run walks the screenings the workflow keeps (bench/browser.py
    --busy): the shipped config turns it off."""
    path = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
    assert tomllib.loads(path.read_text(encoding="utf-8"))["runner"]["postScriptGC"] is False


@pytest.mark.parametrize(
    ("identities", "expected"),
    [
        (("r.okafor@clinic.org",), "MD, FRCPC"),
        ((" R.OKAFOR@CLINIC.ORG ",), "MD, FRCPC"),
        (("dr. ana reyes",), "MD"),
        (("Dr. Ana Reyes",), "MD"),
        ((None, "", "Dr. Ana Reyes"), "MD"),
        (("casey@clinic.org",), None),
        (("Dr. Ana",), None),
        ((), None),
    ],
)
def test_credentials_match_an_email_or_name_case_ignored(
    identities: tuple[str | None, ...], expected: str | None
) -> None:
    assert CREDENTIALED.roles.credentials_for(*identities) == expected


def test_an_oidc_user_gets_the_credentials_of_their_verified_email() -> None:
    identity = SignedInIdentity(
        user_id="oidc:248289761001", name="Dr. R. Okafor", email="r.okafor@clinic.org", role="psychiatrist"
    )
    user = oidc_user(identity, CREDENTIALED)
    assert (user.id, user.name, user.authenticated, user.credentials) == (
        "oidc:248289761001",
        "Dr. R. Okafor",
        True,
        "MD, FRCPC",
    )
    assert user.signature_name == "Dr. R. Okafor, MD, FRCPC"
    assert oidc_user(identity, CLINIC).credentials is None
    # The display name is the provider's, not verified: it never picks credentials.
    by_name = SignedInIdentity(user_id="oidc:1", name="Dr. Ana Reyes", email="ana@x.org", role="psychiatrist")
    assert oidc_user(by_name, CREDENTIALED).credentials is None


@pytest.mark.parametrize(
    ("credentials", "where", "message"),
    [
        ({"Dr. Lee": "M" * 61}, "roles.credentials.Dr. Lee", "longer than 60 characters"),
        ({"Dr. Lee": "MD\nFRCPC"}, "roles.credentials.Dr. Lee", "control or invisible formatting"),
        ({"Dr. Lee": "MD\u202e"}, "roles.credentials.Dr. Lee", "control or invisible formatting"),
        ({"Dr. Lee": "  "}, "roles.credentials.Dr. Lee", "empty credentials"),
        ({"Dr. Lee": "MD", "DR. LEE ": "PhD"}, "roles.credentials", "is listed twice (case is ignored)"),
        ({" ": "MD"}, "roles.credentials", "needs a psychiatrist's email or name"),
        ({"Dr.\tLee": "MD"}, "roles.credentials", "needs a psychiatrist's email or name"),
        ({"Dr. Lee": 7}, "roles.credentials.Dr. Lee", "string"),
    ],
)
def test_credentials_that_would_print_wrong_are_refused_with_their_line(
    tmp_path: Path, credentials: dict[str, object], where: str, message: str
) -> None:
    path = tmp_path / "clinic.yaml"
    import yaml  # noqa: PLC0415 - only this test writes YAML

    path.write_text(yaml.safe_dump({"roles": {"credentials": credentials}}), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_clinic_settings(path)
    text = str(raised.value)
    assert text.startswith(f"{path}:") and f" {where}: " in text and message in text


def test_sixty_characters_of_credentials_are_enough() -> None:
    settings = ClinicSettings.model_validate({"roles": {"credentials": {"Dr. Lee": "M" * 60}}})
    assert settings.roles.credentials_for("dr. lee") == "M" * 60


def test_saving_the_setup_page_keeps_credentials_and_network_access(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(
        "name: Riverside\n"
        "allow_unauthenticated_network_access: true\n"
        "roles:\n"
        "  psychiatrists: [r.okafor@clinic.org]\n"
        "  credentials: {R.Okafor@clinic.org: 'MD, FRCPC'}\n",
        encoding="utf-8",
    )
    saved = save_clinic_settings(path, {"name": "Riverside Ketamine Clinic", "phone": "(555) 010-2000"})
    assert saved.name == "Riverside Ketamine Clinic"
    assert saved.roles.credentials == {"R.Okafor@clinic.org": "MD, FRCPC"}
    assert saved.allow_unauthenticated_network_access is True
    again = load_clinic_settings(path)
    assert again.roles.credentials_for("r.okafor@clinic.org") == "MD, FRCPC"
