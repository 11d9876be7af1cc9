"""Who is using the app.

With OpenID Connect configured in `.streamlit/secrets.toml` (an `[auth]` section), users sign in
through Streamlit's `st.login` and their role comes from `clinic.yaml` (see
`screening.config.oidc_sign_in`: listed emails only, verified by the provider, the user id from the
provider's subject). Without it, the app runs in *local mode*: the user types their name and picks
a role, and every screen says that this is not authenticated.

A clinic file that exists but cannot be used signs nobody in, in either mode: the sign-in screen
says what is wrong with it instead (the app never runs with weaker access than configured).
"""

from __future__ import annotations

import re

import streamlit as st

from screening.config import ClinicSettings, SignedInIdentity, SignInRefused, oidc_sign_in
from screening.storage import Role, User
from ui import services, state
from ui.text import plain

ROLE_WORDS = {"coordinator": "Intake coordinator", "psychiatrist": "Psychiatrist"}


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


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
    if oidc_configured():
        identity = _oidc_identity()
        if not isinstance(identity, SignedInIdentity):
            return None
        existing = state.user()
        credentials = existing.credentials if existing and existing.id == identity.user_id else None
        return User(
            id=identity.user_id,
            name=identity.name,
            role=identity.role,
            authenticated=True,
            credentials=credentials,
        )
    return state.user()


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
    st.warning(
        "Local mode: sign-in is not authenticated. Anyone at this computer can act under any name. "
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
        credentials = st.text_input("Credentials (for a psychiatrist's signature, e.g. MD)", max_chars=60)
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
    state.set_user(
        User(
            id=f"local:{slug}",
            name=name.strip(),
            role=role,
            authenticated=False,
            credentials=credentials.strip() or None,
        )
    )
    st.rerun()


def sign_out() -> None:
    state.set_user(None)
    if oidc_configured():
        st.logout()


def identity_panel(user: User) -> None:
    """The sidebar line that says who is signed in, and how."""
    role = ROLE_WORDS.get(user.role, user.role)
    how = "signed in" if user.authenticated else "local mode, not authenticated"
    st.sidebar.caption(f"**{plain(user.name)}** · {role} · {how}")
    st.sidebar.button("Sign out", on_click=sign_out, key="sign-out", type="tertiary")
