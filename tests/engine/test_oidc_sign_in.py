"""Who an OpenID Connect token signs in: the user id is the provider's subject, roles match a verified
email only, and an empty coordinators list admits nobody unless the clinic says any verified account
may get in."""

from __future__ import annotations

from typing import Any

import pytest

from screening.config import ClinicSettings, SignedInIdentity, SignInRefused, oidc_sign_in

CLINIC = ClinicSettings.model_validate(
    {"roles": {"psychiatrists": ["R.Okafor@clinic.org"], "coordinators": ["casey@clinic.org"]}}
)
OPEN_CLINIC = ClinicSettings.model_validate(
    {"roles": {"psychiatrists": ["r.okafor@clinic.org"], "allow_any_verified_account": True}}
)
UNLISTED_COORDINATORS = ClinicSettings.model_validate({"roles": {"psychiatrists": ["r.okafor@clinic.org"]}})


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "248289761001",
        "email": "casey@clinic.org",
        "email_verified": True,
        "name": "Casey Coordinator",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _signed_in(claims: dict[str, Any], clinic: ClinicSettings = CLINIC) -> SignedInIdentity:
    result = oidc_sign_in(claims, clinic)
    assert isinstance(result, SignedInIdentity), result
    return result


def _refused(claims: dict[str, Any], clinic: ClinicSettings = CLINIC) -> str:
    result = oidc_sign_in(claims, clinic)
    assert isinstance(result, SignInRefused), result
    return result.reason


def test_listed_accounts_get_their_role_and_the_subject_as_user_id() -> None:
    casey = _signed_in(_claims())
    assert (casey.user_id, casey.name, casey.email, casey.role) == (
        "oidc:248289761001",
        "Casey Coordinator",
        "casey@clinic.org",
        "coordinator",
    )
    okafor = _signed_in(_claims(sub="1002", email=" r.okafor@CLINIC.org", name=None))
    assert (okafor.user_id, okafor.role, okafor.name) == ("oidc:1002", "psychiatrist", "r.okafor@CLINIC.org")


def test_an_unlisted_account_is_refused() -> None:
    assert "not listed for this clinic" in _refused(_claims(email="stranger@example.com"))


def test_an_empty_coordinators_list_admits_nobody_but_the_psychiatrists() -> None:
    assert "not listed" in _refused(_claims(email="stranger@example.com"), UNLISTED_COORDINATORS)
    assert _signed_in(_claims(email="r.okafor@clinic.org"), UNLISTED_COORDINATORS).role == "psychiatrist"
    assert not ClinicSettings().roles.allow_any_verified_account


def test_the_clinic_may_admit_any_verified_account_as_coordinator() -> None:
    assert _signed_in(_claims(email="stranger@example.com"), OPEN_CLINIC).role == "coordinator"
    assert _signed_in(_claims(email="r.okafor@clinic.org"), OPEN_CLINIC).role == "psychiatrist"
    assert "not verified" in _refused(_claims(email_verified=False), OPEN_CLINIC)


@pytest.mark.parametrize("verified", [False, None, "false", "yes", 1])
def test_an_email_the_provider_has_not_verified_is_refused(verified: object) -> None:
    assert "not verified" in _refused(_claims(email_verified=verified))
    assert "not verified" in _refused(_claims(email="r.okafor@clinic.org", email_verified=verified))


def test_a_verified_flag_given_as_text_counts() -> None:
    assert _signed_in(_claims(email_verified="true")).role == "coordinator"


@pytest.mark.parametrize("subject", [None, "", "   ", 42])
def test_a_token_without_a_stable_subject_is_refused(subject: object) -> None:
    assert "stable account identifier" in _refused(_claims(sub=subject))
    assert "stable account identifier" in _refused(_claims(sub=subject), OPEN_CLINIC)


def test_a_token_without_an_email_is_refused() -> None:
    assert "no email address" in _refused(_claims(email=None), OPEN_CLINIC)
    assert "no email address" in _refused(_claims(email="  "))


def test_two_accounts_never_share_a_user_id() -> None:
    first = _signed_in(_claims(sub="a"), OPEN_CLINIC)
    second = _signed_in(_claims(sub="b", email="jo@example.com"), OPEN_CLINIC)
    assert first.user_id != second.user_id
