"""Questionnaires: what is loaded, with version and hash, and every checker problem in plain view."""

from __future__ import annotations

import streamlit as st

from screening.loading import default_directory
from ui import services

st.title("Questionnaires")
catalog = services.catalog()
st.caption(
    f"Folder: `{default_directory()}` · {len(catalog.files)} files · "
    f"{catalog.examples_run} worked examples run at load"
)
if st.button("Reload from disk", icon=":material/refresh:", key="reload-questionnaires"):
    services.reload_catalog()
    st.rerun()

errors, warnings = catalog.errors, catalog.warnings
if errors:
    st.error(
        f"{len(errors)} error{'s' * (len(errors) != 1)}: the questionnaires named below cannot be used "
        "until they are fixed. Everything else keeps working.",
        icon=":material/error:",
    )
elif warnings:
    st.warning(f"{len(warnings)} warning{'s' * (len(warnings) != 1)}.", icon=":material/warning:")
else:
    st.success("Every file checks clean.", icon=":material/check_circle:")

for parsed in catalog.files:
    questionnaire = parsed.questionnaire
    definition = catalog.get(questionnaire.id) if questionnaire else None
    title = questionnaire.title if questionnaire else parsed.name
    with st.container(border=True):
        st.subheader(title)
        if definition is not None:
            st.markdown(
                f"`{definition.id}` · version **{definition.version}** · {definition.questionnaire.kind} · "
                f"sha256 `{definition.sha256[:16]}…` · {len(definition.items)} items · "
                f"{len(definition.rules)} rules · {len(definition.questionnaire.examples)} worked examples"
            )
            if definition.questionnaire.copyright:
                st.caption(definition.questionnaire.copyright)
        else:
            st.markdown(f"`{parsed.name}` · **not usable**")
        if parsed.issues:
            st.code("\n".join(str(issue) for issue in parsed.issues), language=None, wrap_lines=True)
