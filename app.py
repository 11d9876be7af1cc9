"""Streamlit entry point: `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="Ketamine intake screening", page_icon=":material/medical_services:")
st.title("Ketamine intake screening")
st.info(
    "The screening workflow is being built. The questionnaire engine is ready: `python -m screening check`."
)
