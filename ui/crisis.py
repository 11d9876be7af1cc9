"""Suicide risk at the answer itself: an alert under the item whose answer raised it, and a dialog
that stays until somebody acknowledges it (besides the banner at the top of every page).

`prepare` runs in the frame of every screening page: it asks the workflow for the screening's
alerts (whether each was acknowledged comes from the audit trail, not from this session), keeps
them for the items drawn in this run, and opens the dialog for alerts nobody acknowledged since
the answers that raised them. The acknowledgement is recorded through the workflow as an audit
event; it changes no answer and no status.
"""

from __future__ import annotations

import streamlit as st

from screening.config import ClinicSettings
from screening.workflow import CrisisAlert, Screening
from ui import actions, services, state
from ui.text import plain

ACKNOWLEDGE = "I have seen this: the patient's safety is being addressed now"


def resources(settings: ClinicSettings) -> str:
    """The clinic's crisis lines and emergency number, as the banner says them."""
    lines = "; ".join(f"{line.label}: {line.contact}" for line in settings.crisis_lines)
    return f"Crisis resources: {lines}; emergency: {settings.emergency_number}."


def prepare(screening: Screening) -> None:
    """Keep this run's alerts for `inline_alert`, and open the dialog for unacknowledged ones."""
    alerts = tuple(services.workflow().crisis_alerts(screening))
    state.set_crisis_alerts(screening.id, alerts)
    pending = [alert for alert in alerts if not alert.acknowledged]
    if pending and not screening.discarded:
        _dialog(screening.id, [alert.flag.id for alert in pending], screening.revision)


def inline_alert(identifier: str, item_id: str, *, book: state.Book | None = None) -> None:
    """The suicide-risk alert under the item whose answer raised it (nothing for other items)."""
    here = [alert for alert in state.crisis_alerts(identifier, book=book) if alert.item == item_id]
    if not here:
        return
    lines = [f"- **{plain(alert.flag.title)}.** {plain(alert.flag.action)}" for alert in here]
    seen = all(alert.acknowledged for alert in here)
    status = "Acknowledged: the patient's safety is being addressed." if seen else "Not acknowledged yet."
    st.error(
        "**Suicide risk: act on this answer now.**\n\n"
        + "\n".join(lines)
        + f"\n\n{plain(resources(services.settings()))}\n\n{status}",
        icon=":material/emergency:",
    )


def _alerts_of(identifier: str, rule_ids: list[str]) -> list[CrisisAlert]:
    return [alert for alert in state.crisis_alerts(identifier) if alert.flag.id in rule_ids]


@st.dialog("Suicide risk: act now", dismissible=False, icon=":material/emergency:", width="medium")
def _dialog(identifier: str, rule_ids: list[str], revision: int) -> None:
    st.markdown("An answer just given raises a suicide-risk alert. It outranks everything else.")
    for alert in _alerts_of(identifier, rule_ids):
        st.error(f"**{plain(alert.flag.title)}.** {plain(alert.flag.action)}", icon=":material/emergency:")
    st.markdown(plain(resources(services.settings())))
    # A button in a dialog reruns only the dialog: the page is run again by hand once the
    # acknowledgement is recorded, and the dialog, no longer called, closes.
    if st.button(ACKNOWLEDGE, key=f"crisis-ack:{identifier}", type="primary", icon=":material/check:"):
        error = actions.acknowledge_crisis(identifier, rule_ids, revision)
        if error is None:
            st.rerun()
        st.warning(plain(error), icon=":material/error:")
