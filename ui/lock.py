"""The idle lock: a shared workstation left signed in locks after the clinic's `idle_lock_minutes`.

Every full run of the app is started by the user (a click, an answer, a page change, a reload), so
each one records the time as the session's last activity. A small fragment re-runs on its own
every `CHECK_EVERY` seconds without counting as activity; once the session has been idle longer
than the limit (`ui.idle.should_lock`), it marks the session locked and re-runs the whole app.

A locked session draws only the lock screen: no navigation, no page, no live summary, so no
patient data. It names who is signed in and asks again. In local mode the user types their name
(capitals and extra spaces do not matter); with OpenID Connect, where the identity provider has
already checked the person, the user confirms with "Continue as ..." (a reload would sign them in
again from the provider's cookie anyway: the lock keeps patient data from whoever walks up, it does
not authenticate again). Either way "Sign out" ends the session.

Locking deletes nothing: the page in the URL and every widget's value, saved or not, are kept
(`state.hold_widget_values`) and sent to the browser again on unlocking
(`state.resend_widget_values`). Text still being typed in a field when the lock comes (no Enter,
the field focused) is applied first, as leaving the field would (`watch`); typing alone, without
leaving the field, is not activity the app can see, so a long text typed in one field for longer
than the limit is interrupted by the lock, and kept.

A different name typed in local mode does not unlock and does not switch users by itself: the
screen says so and offers "Sign out". Signing out from the lock screen forgets the whole session,
so unsaved entries of the previous user can never be saved under the next user's name; the next
user then signs in as usual (with their role and credentials). A typo therefore costs nothing,
and taking over the workstation is always a deliberate sign-out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import streamlit as st

from screening.storage import User
from ui import auth, services, state
from ui.idle import should_lock
from ui.text import plain

CHECK_EVERY = timedelta(seconds=20)
"""How often the lock checks an unattended session: it locks at most this long after the limit."""

CLOCK: Callable[[], float] = time.time
"""The lock's clock, in seconds. The wall clock keeps counting while the computer sleeps, so a
workstation woken after the limit locks at once. Replaced by tests to let time pass."""

NAME_KEY = f"{state.LOCK_SCREEN_PREFIX}name"
UNLOCK_KEY = f"{state.LOCK_SCREEN_PREFIX}unlock"
CONTINUE_KEY = f"{state.LOCK_SCREEN_PREFIX}continue"
SIGN_OUT_KEY = f"{state.LOCK_SCREEN_PREFIX}sign-out"
_FORM_KEY = f"{state.LOCK_SCREEN_PREFIX}form"


def _limit() -> int:
    return services.settings().idle_lock_minutes


def session_locked() -> bool:
    """Whether this run shows the lock screen; otherwise the run counts as the user's activity.

    A run that the user started after the limit had passed (the periodic check could not run: the
    computer slept, the connection dropped) locks too. That run is started again at once, so
    whatever button was clicked in it is reset before the lock screen keeps the widgets' values;
    callbacks of that click (an answer saved) have already run, as they run before the app.
    """
    if state.is_locked():
        return True
    now = CLOCK()
    if should_lock(now, state.last_activity(), _limit()):
        state.lock()
        st.rerun()
    state.record_activity(now)
    return False


COMMIT_WAIT = 1.5
"""Seconds the lock waits for the browser to send text still being typed (see `watch`)."""

_COMMIT_SCRIPT = """<script>/* idle lock */(() => {
  // Text typed in a field but not yet applied (no Enter, the field still focused) lives only in
  // the browser; leaving the field applies it, so the app keeps it before the page is hidden.
  const field = document.activeElement;
  if (field && field !== document.body && typeof field.blur === "function") field.blur();
})();</script>"""


@st.fragment(run_every=CHECK_EVERY)
def watch() -> None:
    """The periodic check (draws nothing until it locks). Its own runs are not activity: only a
    full run of the app records activity, and this function never does.

    On locking it first makes the browser leave the focused field, which sends text typed there
    but not yet applied (with the run that follows, already locked), then re-runs the app."""
    if not state.is_locked() and should_lock(CLOCK(), state.last_activity(), _limit()):
        state.lock()
        st.html(_COMMIT_SCRIPT, unsafe_allow_javascript=True)
        time.sleep(COMMIT_WAIT)
        st.rerun(scope="app")


def _same_name(typed: str, name: str) -> bool:
    """Whether a typed name is the signed-in user's: capitals and spacing do not matter."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def _check_name(name: str) -> None:
    typed = state.widget_value(NAME_KEY)
    if isinstance(typed, str) and typed.strip() and _same_name(typed, name):
        state.unlock(CLOCK())
    else:
        state.set_unlock_mismatch(True)


def _continue() -> None:
    state.unlock(CLOCK())


def _sign_out() -> None:
    """Sign out from the lock screen (as the sidebar's "Sign out" does), then forget the whole
    session (see the module docstring)."""
    auth.sign_out()
    state.clear_session()


def _minutes(count: int) -> str:
    return "1 minute" if count == 1 else f"{count} minutes"


def lock_screen(user: User) -> None:
    """The only thing a locked session draws: who is signed in and how to continue."""
    state.hold_widget_values()
    name = plain(user.name)
    role = auth.ROLE_WORDS.get(user.role, user.role)
    st.title("Screen locked", anchor=False)
    st.markdown(
        f"Signed in: **{name}** · {role}. The app locked after {_minutes(_limit())} without use."
        " Everything entered is kept and shown again when you continue."
    )
    if user.authenticated:
        st.button(f"Continue as {name}", type="primary", key=CONTINUE_KEY, on_click=_continue)
    else:
        with st.form(_FORM_KEY, clear_on_submit=True, enter_to_submit=True):
            st.text_input(f"Type your name to continue as {name}", key=NAME_KEY, max_chars=120)
            st.form_submit_button(
                "Continue", type="primary", key=UNLOCK_KEY, on_click=_check_name, args=(user.name,)
            )
        if state.unlock_mismatch():
            st.error(
                f"That is not the name signed in here. Type the name {name} (capitals do not matter),"
                f" or sign out to use the app under your own name: {name}'s unsaved entries are then"
                " discarded.",
                icon=":material/person_off:",
            )
    st.button(f"Sign out {name}", key=SIGN_OUT_KEY, on_click=_sign_out, icon=":material/logout:")
