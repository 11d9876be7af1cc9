"""Clinic settings: the clinic's name, phone, emergency number, crisis lines, treatment days and
fasting rule, edited by the clinic's psychiatrists and written to the clinic file.

Saving validates with the clinic settings model (`screening.config.save_clinic_settings`): a value
that does not validate is shown under its field and nothing is written. Every other setting of the
file (roles, page size, ...) is kept as it is.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from screening.config import (
    WEEKDAYS,
    ClinicSettings,
    ConfigError,
    InvalidSettings,
    save_clinic_settings,
    settings_file,
)
from ui import services, state
from ui.text import plain

_KEY = "setup:{field}"
_LINES = "setup:crisis-line-count"
_FIELDS = ("name", "phone", "emergency_number", "treatment_days", "iv_fasting", "crisis_lines")


def _key(field: str) -> str:
    return _KEY.format(field=field)


def _line_key(row: int, part: str) -> str:
    return _key(f"crisis_lines:{row}:{part}")


def _seed(settings: ClinicSettings, *, again: bool = False) -> None:
    """Give the fields the clinic's settings (once per visit, or `again` after a save)."""
    put = state.set_widget_value if again else state.seed_widget
    put(_key("name"), settings.name)
    put(_key("phone"), settings.phone or "")
    put(_key("emergency_number"), settings.emergency_number)
    put(_key("treatment_days"), list(settings.treatment_days))
    put(_key("iv_fasting"), settings.iv_fasting or "")
    count = max(len(settings.crisis_lines), 1)
    put(_LINES, count)
    for row in range(count):
        line = settings.crisis_lines[row] if row < len(settings.crisis_lines) else None
        put(_line_key(row, "label"), line.label if line else "")
        put(_line_key(row, "contact"), line.contact if line else "")


def _line_count() -> int:
    value = state.widget_value(_LINES)
    return value if isinstance(value, int) and value > 0 else 1


def _add_line() -> None:
    row = _line_count()
    state.set_widget_value(_line_key(row, "label"), "")
    state.set_widget_value(_line_key(row, "contact"), "")
    state.set_widget_value(_LINES, row + 1)


def _text(key: str) -> str:
    value = state.widget_value(key)
    return value if isinstance(value, str) else ""


def _save() -> None:
    """Validate and write what the fields hold; report each problem under its field."""
    rows: list[int] = []
    lines: list[dict[str, str]] = []
    for row in range(_line_count()):
        label, contact = _text(_line_key(row, "label")), _text(_line_key(row, "contact"))
        if label.strip() or contact.strip():  # a line left empty is removed
            rows.append(row)
            lines.append({"label": label, "contact": contact})
    days = state.widget_value(_key("treatment_days"))
    changes: dict[str, Any] = {
        "name": _text(_key("name")),
        "phone": _text(_key("phone")),
        "emergency_number": _text(_key("emergency_number")),
        "crisis_lines": lines,
        "treatment_days": list(days) if isinstance(days, (list, tuple)) else [],
        "iv_fasting": _text(_key("iv_fasting")),
    }
    path = settings_file()
    try:
        saved = save_clinic_settings(path, changes)
    except InvalidSettings as invalid:
        for where, message in invalid.errors.items():
            parts = where.split(".")
            if parts[0] == "crisis_lines" and len(parts) > 1 and parts[1].isdigit():
                place = f"crisis_lines:{rows[int(parts[1])]}"
            else:
                place = parts[0] if parts[0] in _FIELDS else "save"
            state.report_error(_key(place), f"{message[0].upper()}{message[1:]}.")
        state.report_error(_key("save"), "Nothing was saved: correct the settings marked in red.")
        return
    except ConfigError as error:
        state.report_error(_key("save"), f"Nothing was saved: the clinic file cannot be read ({error}).")
        return
    except OSError as error:
        state.report_error(_key("save"), f"Nothing was saved: {path} cannot be written ({error.strerror}).")
        return
    services.reload_settings()
    _seed(saved, again=True)
    state.notify(f"Clinic settings saved to {path}. Every page uses them from now on.")


def _problem(field: str) -> None:
    message = state.take_error(_key(field))
    if message:
        st.error(plain(message), icon=":material/error:")


st.title("Clinic settings")
user = state.user()
if user is None or not services.administers(user):
    st.error(
        "Only the clinic's psychiatrists (listed under roles in the clinic file) can change the clinic"
        " settings.",
        icon=":material/lock:",
    )
    st.stop()

path = settings_file()
settings = services.settings()
_seed(settings)
notice = state.take_notice()
if notice:
    st.success(plain(notice), icon=":material/check_circle:")
st.caption(
    f"Saved to `{path}`"
    + ("" if path.exists() else " (not created yet: saving creates it)")
    + ". The page size and who may sign are edited in the file itself; saving keeps them."
)
if services.settings_error():
    problem = plain(services.settings_error())
    st.warning(f"The clinic file has a problem: {problem}", icon=":material/warning:")

st.subheader("The clinic")
st.text_input("Clinic name", key=_key("name"), max_chars=120)
_problem("name")
st.text_input(
    "Clinic phone number",
    key=_key("phone"),
    max_chars=40,
    placeholder="(555) 010-2000",
    help="Printed on the patient handout. The handout is not offered for printing until it is set.",
)
_problem("phone")
if not (settings.phone or "").strip():
    st.info("No clinic phone number yet: patient handouts cannot be printed.", icon=":material/info:")

st.subheader("Emergencies")
st.text_input(
    "Emergency number",
    key=_key("emergency_number"),
    max_chars=20,
    help="The number to dial in an emergency where the clinic is, e.g. 911 or 112. Printed in both"
    " documents and in the app's suicide-risk banner.",
)
_problem("emergency_number")
st.markdown("**Crisis lines** (printed with the emergency number)")
for row in range(_line_count()):
    label_column, contact_column = st.columns(2)
    label_column.text_input(f"Crisis line {row + 1}: name", key=_line_key(row, "label"), max_chars=120)
    contact_column.text_input(
        f"Crisis line {row + 1}: number or text", key=_line_key(row, "contact"), max_chars=120
    )
    _problem(f"crisis_lines:{row}")
_problem("crisis_lines")
st.button("Add a crisis line", on_click=_add_line, icon=":material/add:", key=_key("add-line"))
st.caption("To remove a crisis line, empty both of its fields.")

st.subheader("Treatments")
st.pills(
    "Treatment days",
    WEEKDAYS,
    selection_mode="multi",
    format_func=str.capitalize,
    key=_key("treatment_days"),
    help="Session dates fall only on these days.",
)
_problem("treatment_days")
st.text_area(
    "Fasting before IV ketamine, in words for the patient",
    key=_key("iv_fasting"),
    max_chars=500,
    help="Left empty, the documents say: Follow the clinic's instructions about food and drink.",
)
_problem("iv_fasting")

st.button("Save the clinic settings", type="primary", on_click=_save, key=_key("save-button"))
_problem("save")
