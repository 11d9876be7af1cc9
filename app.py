"""Streamlit entry point: `streamlit run app.py`. Sign-in and navigation only; pages live in ui/pages."""

import streamlit as st

from ui import auth, lock, pages, services, state, style
from ui.text import plain

st.set_page_config(
    page_title="Ketamine intake screening", page_icon=":material/medical_services:", layout="wide"
)
style.apply()

user = auth.current_user()
if user is None:
    state.forget_idle()  # the next sign-in starts with a fresh idle time
# A session left unused locks (ui/lock.py): only the lock screen is drawn, without the navigation.
locked = user is not None and lock.session_locked()
# The pages are registered before the sign-in check, so the page named in the URL (a refresh, a
# shared link) is still the one shown once the user has signed in, not the default page.
administrator = user is not None and services.administers(user)  # sees the clinic settings
navigation = st.navigation(
    {
        section: [pages.page(entry) for entry in entries]
        for section, entries in pages.menu(administrator).items()
    },
    position="sidebar" if user is not None and not locked else "hidden",
)
if user is None:
    auth.login_screen()
    st.stop()
state.set_user(user)
if locked:
    lock.lock_screen(user)
    st.stop()
lock.watch()

if services.settings_error():
    st.sidebar.error(f"clinic.yaml has a problem; defaults are used. {plain(services.settings_error())}")

auth.identity_panel(user)
requested = state.take_go_to()
if requested is not None:
    st.switch_page(requested)
navigation.run()
