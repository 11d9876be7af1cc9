"""Who is using the app.

With OpenID Connect configured in `.streamlit/secrets.toml` (an `[auth]` section), users sign in
through Streamlit's `st.login` and their role comes from `clinic.yaml` (see
`screening.config.oidc_sign_in`: listed emails only, verified by the provider, the user id from the
provider's subject). Without it, the app runs in *local mode*: the user types their name and picks
a role, and every screen says that this is not authenticated. Local mode is for this computer only:
while the server listens on the network, local sign-in is refused (see `screening.local_mode`)
unless the clinic file sets `allow_unauthenticated_network_access`.

The credentials printed after a signer's name come from the clinic file (`roles.credentials`, by
email or, in local mode, name), never from a text box: nobody vouches for their own.

A clinic file that exists but cannot be used signs nobody in, in either mode: the sign-in screen
says what is wrong with it instead (the app never runs with weaker access than configured).

Each sign-in and sign-out is an entry of the clinic-wide audit chain (`Workflow.record_session`):
a sign-in once per browser session, when the user becomes signed in (with OpenID Connect, the
first run that finds the provider's identity; in local mode, when the form signs the user in). A
failure to record is logged and never keeps anybody from signing in or out.
"""

from __future__ import annotations

import logging
import re
from typing import Literal

import streamlit as st

from screening.config import ClinicSettings, SignedInIdentity, SignInRefused, oidc_sign_in
from screening.local_mode import is_loopback, local_sign_in_refusal
from screening.storage import Role, User
from ui import services, state
from ui.text import plain

ROLE_WORDS = {"coordinator": "Intake coordinator", "psychiatrist": "Psychiatrist"}
OIDC_HOW = "openid-connect"
LOCAL_HOW = "local mode"
"""How a user signed in, as the clinic's audit chain records it."""

logger = logging.getLogger(__name__)


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def local_mode_refusal(oidc: bool | None = None) -> str | None:
    """Why this server signs nobody in by local mode (it listens on the network and the clinic
    has not allowed that); None when local sign-in is allowed or OpenID Connect is configured.
    `oidc`: whether OpenID Connect is configured, when the caller has just asked (else asked)."""
    configured = oidc_configured() if oidc is None else oidc
    return local_sign_in_refusal(server_address(), services.settings(), configured)


def server_address() -> str | None:
    """The address the server listens on, as configured (None: every network interface)."""
    address = st.get_option("server.address")
    return address if isinstance(address, str) else None


def _matches(entries: list[str], *values: str | None) -> bool:
    wanted = {entry.strip().casefold() for entry in entries}
    return any(value and value.strip().casefold() in wanted for value in values)


def role_for(settings: ClinicSettings, *identities: str | None) -> Role | None:
    """The configured role of a user, None when the configuration shuts them out."""
    roles = settings.roles
    if _matches(roles.psychiatrists, *identities):
        return "psychiatrist"
    if roles.coordinators and not _matches(roles.coordinators, *identities):
        return None
    return "coordinator"


def current_user() -> User | None:
    """The signed-in user, or None when nobody is signed in yet."""
    if services.clinic_file_problem() is not None:
        return None
    # asked once a run: the secrets are read again on every run, so a file added while the server
    # runs is honoured at the next page load
    oidc = oidc_configured()
    if oidc:
        identity = _oidc_identity()
        if not isinstance(identity, SignedInIdentity):
            return None
        user = oidc_user(identity, services.settings())
        _note_sign_in(user, OIDC_HOW)
        return user
    if local_mode_refusal(oidc) is not None:
        return None
    return state.user()


def oidc_user(identity: SignedInIdentity, settings: ClinicSettings) -> User:
    """The user an OpenID Connect sign-in makes: the credentials are the clinic file's for the
    verified email, read on every page run, so a change to the file applies without signing in
    again."""
    return User(
        id=identity.user_id,
        name=identity.name,
        role=identity.role,
        authenticated=True,
        credentials=settings.roles.credentials_for(identity.email),
    )


def _oidc_identity() -> SignedInIdentity | SignInRefused | None:
    """Who the identity provider's token signs in (None: nobody has signed in yet)."""
    if not st.user.is_logged_in:
        return None
    return oidc_sign_in(st.user.to_dict(), services.settings())


def _clinic_file_screen(problem: str) -> None:
    state.set_user(None)  # a local-mode user signed in before the file broke is signed out
    st.error(
        "The clinic settings file has a problem, so nobody can sign in until it is fixed. The app"
        " does not run on default settings, which could give people more access than the clinic"
        " configured.",
        icon=":material/lock:",
    )
    st.markdown("**What is wrong**")
    st.code(problem, language=None)
    st.markdown(
        "**What to do**: the administrator corrects this line of the clinic file (every setting is"
        " described in `clinic.example.yaml`), then reloads this page."
    )


def login_screen() -> None:
    """The sign-in screen: OIDC login, or the local-mode name form."""
    st.title("Ketamine intake screening")
    st.caption("Decision support for treatment-resistant depression. The psychiatrist decides.")
    problem = services.clinic_file_problem()
    if problem is not None:
        _clinic_file_screen(problem)
        return
    if oidc_configured():
        identity = _oidc_identity()
        if isinstance(identity, SignInRefused):
            st.error(plain(identity.reason), icon=":material/block:")
            st.button("Sign out", on_click=st.logout)
            return
        st.button("Sign in", type="primary", on_click=st.login)
        return
    _local_login()


def _local_login() -> None:
    settings = services.settings()
    refusal = local_mode_refusal()
    if refusal is not None:
        state.set_user(None)
        st.error(plain(refusal), icon=":material/lock:")
        return
    who = (
        "Anyone at this computer can act under any name. The app is reachable from this computer only."
        if is_loopback(server_address())
        else "The app is reachable over the network because the clinic file allows it"
        " (allow_unauthenticated_network_access): anyone on the network can act under any name."
    )
    st.warning(
        f"Local mode: sign-in is not authenticated. {who} "
        "Configure OpenID Connect in .streamlit/secrets.toml for real sign-in.",
        icon=":material/lock_open:",
    )
    with st.form("local-login"):
        name = st.text_input("Your name", max_chars=120)
        configured = bool(settings.roles.psychiatrists or settings.roles.coordinators)
        role_choice: Role = "coordinator"
        if not configured:
            chosen = st.radio(
                "Your role",
                ["coordinator", "psychiatrist"],
                format_func=ROLE_WORDS.get,
                horizontal=True,
            )
            role_choice = "psychiatrist" if chosen == "psychiatrist" else "coordinator"
        submitted = st.form_submit_button("Continue", type="primary")
    if not submitted:
        return
    if not name.strip():
        st.error("Enter your name.")
        return
    role = role_for(settings, name) if configured else role_choice
    if role is None:
        st.error("This name is not listed for this clinic in clinic.yaml.")
        return
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().casefold()).strip("-") or "user"
    user = User(
        id=f"local:{slug}",
        name=name.strip(),
        role=role,
        authenticated=False,
        credentials=settings.roles.credentials_for(name),
    )
    state.set_user(user)
    state.set_sign_in_recorded(None)  # the form is a sign-in of its own, whoever signed in before
    _note_sign_in(user, LOCAL_HOW)
    st.rerun()


def _record_session(kind: Literal["signed_in", "signed_out"], user: User, how: str) -> bool:
    """Append a sign-in or sign-out to the clinic's audit chain; False when that failed. A failure
    never stops the user (the app's data stays guarded by its own checks) and is logged, without
    the user's name."""
    try:
        services.workflow().record_session(kind, user=user, how=how)
    except Exception:
        logger.exception("Could not record a %s entry in the clinic audit chain (%s)", kind, how)
        return False
    return True


def _note_sign_in(user: User, how: str) -> None:
    """Record that `user` signed in, unless this browser session recorded it already. Not marked
    recorded after a failure: with OpenID Connect the next run tries again, so a passing database
    problem does not leave the sign-in out of the chain."""
    if state.sign_in_recorded() == user.id:
        return
    if _record_session("signed_in", user, how):
        state.set_sign_in_recorded(user.id)


def sign_out(user: User | None = None) -> None:
    """Sign out (a button's callback), recorded in the clinic's audit chain as the signed-in user
    (`user` when the caller has it, e.g. after forgetting the session)."""
    oidc = oidc_configured()
    who = user or state.user()
    if who is None and oidc:
        identity = _oidc_identity()
        who = oidc_user(identity, services.settings()) if isinstance(identity, SignedInIdentity) else None
    if who is not None:
        _record_session("signed_out", who, OIDC_HOW if oidc else LOCAL_HOW)
    state.set_user(None)
    state.set_sign_in_recorded(None)
    if oidc:
        st.logout()


def identity_panel(user: User) -> None:
    """The sidebar line that says who is signed in, and how."""
    role = ROLE_WORDS.get(user.role, user.role)
    how = "signed in" if user.authenticated else "local mode, not authenticated"
    st.sidebar.caption(f"**{plain(user.name)}** · {role} · {how}")
    st.sidebar.button("Sign out", on_click=sign_out, key="sign-out", type="tertiary")
