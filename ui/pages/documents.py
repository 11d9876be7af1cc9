"""Documents: the clinician summary and the patient handout, previewed, downloadable and printable."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import streamlit as st

from screening.documents.build import Documents, build_documents
from screening.documents.filenames import download_name
from screening.interop.fhir_export import screening_bundle, to_json
from ui import actions, services, state
from ui.frame import screening_page
from ui.summary import screening_state
from ui.text import plain

identifier, screening = screening_page("Documents")
detail, definition, assessment = screening.detail, screening.definition, screening.assessment
settings = services.settings()

st.title("Documents")
patient = plain(detail.patient_name) or "Patient not named yet"
st.markdown(f"**{patient}** · screening of {detail.assessed_on.isoformat()}")
screening_state(screening)
if not screening.locked:
    st.info(
        "This screening is not signed yet: the documents say so, and print as drafts."
        if screening.lifecycle == "draft"
        else "This screening was reopened and is not signed again yet: the documents say so.",
        icon=":material/draft:",
    )

# Where the screening stands and each amendment (what it changed, from what to what), as the
# documents print them.
lifecycle, amendments = services.workflow().document_notes(identifier)

# Rebuilt whenever what the documents print changes (not when a download is recorded).
content = [
    detail.questionnaire.sha256,
    detail.answers,
    detail.review,
    detail.assessed_on.isoformat(),
    lifecycle.sentence,
    [[note.at.isoformat(), note.reason, len(note.changes)] for note in amendments],
    settings.model_dump(mode="json"),
]
cache_key = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
# The FHIR bundle is kept with the PDFs and carries the same generation time.
cached = state.cached_documents(cache_key)
if not (isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], Documents)):
    with st.spinner("Preparing the documents…"):
        generated_at = dt.datetime.now().astimezone().replace(microsecond=0)
        documents = build_documents(
            definition,
            assessment,
            settings=settings,
            generated_at=generated_at,
            amendments=amendments,
            lifecycle=lifecycle,
        )
        bundle = to_json(
            screening_bundle(
                definition,
                assessment,
                answers=detail.answers,
                assessed_on=detail.assessed_on,
                review=detail.review,
                generated_at=generated_at,
                screening_id=detail.id,
            )
        ).encode("utf-8")
    state.keep_documents(cache_key, (documents, bundle))
else:
    documents, bundle = cached
assert isinstance(documents, Documents) and isinstance(bundle, bytes)

for warning in documents.warnings:
    st.warning(warning, icon=":material/warning:")


def _record(name: str, data: bytes) -> None:
    actions.record_document(
        detail.id, name, {"sha256": hashlib.sha256(data).hexdigest(), "revision": detail.revision}
    )


def _file_name(name: str) -> str:
    """What a download of the document `name` ("clinician-summary.pdf") is saved as: the MRN (or
    the initials), the document and the screening's date, e.g. KC-20931_clinician-summary_2026-11-18.pdf."""
    document, _dot, extension = name.rpartition(".")
    return download_name(
        mrn=detail.mrn,
        patient_name=detail.patient_name,
        document=document,
        on=detail.assessed_on,
        extension=extension,
    )


def _print_button(data: bytes, label: str) -> None:
    """Opens the PDF in a new browser tab, ready for the browser's print dialog. The HTML is ours
    alone (a fixed label and the PDF's base64), never text a user typed."""
    encoded = base64.b64encode(data).decode("ascii")
    st.iframe(
        f"""
        <button id="p" style="font-family: 'Source Sans Pro', sans-serif; font-size: 14px;
          padding: 6px 12px; cursor: pointer; background: #fff; color: rgb(49, 51, 63);
          border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 8px; margin: 0;">{label}</button>
        <script>
        document.getElementById("p").addEventListener("click", () => {{
          const bytes = Uint8Array.from(atob("{encoded}"), c => c.charCodeAt(0));
          const url = URL.createObjectURL(new Blob([bytes], {{type: "application/pdf"}}));
          const opened = window.open(url, "_blank");
          if (opened) {{ opened.addEventListener("load", () => opened.print()); }}
        }});
        </script>
        """,
        height=45,
    )


BUNDLE_NAME = "fhir-bundle.json"
bundle_download, bundle_note = st.columns([1.2, 2.8], vertical_alignment="center")
bundle_download.download_button(
    "Download the FHIR bundle (JSON)",
    data=bundle,
    file_name=_file_name(BUNDLE_NAME),
    mime="application/fhir+json",
    icon=":material/download:",
    on_click=_record,
    args=(BUNDLE_NAME, bundle),
    key=f"download:{BUNDLE_NAME}",
)
bundle_note.caption(
    "The screening as a FHIR R4 Bundle for another system: the patient, the answers, the scores"
    " and vital signs as Observations, and a Flag per rule that fired."
)

HANDOUT_HELD = (
    "The patient handout is not offered for download or printing until the clinic's phone number is"
    " set: it tells the patient whom to call. The clinic's psychiatrists set it under Setup, Clinic"
    " settings."
)
summary_tab, handout_tab = st.tabs(["Clinician summary", "Patient handout"])
for tab, name, data, title in (
    (summary_tab, "clinician-summary.pdf", documents.summary, "Clinician summary"),
    (handout_tab, "patient-handout.pdf", documents.handout, "Patient handout"),
):
    with tab:
        if data is documents.handout and settings.missing_contacts():
            st.warning(HANDOUT_HELD, icon=":material/block:")
            continue
        download, printing, _rest = st.columns([1.2, 1.2, 1.6])
        download.download_button(
            f"Download the {title.lower()}",
            data=data,
            file_name=_file_name(name),
            mime="application/pdf",
            icon=":material/download:",
            on_click=_record,
            args=(name, data),
            key=f"download:{name}",
        )
        with printing:
            _print_button(data, f"Print the {title.lower()}")
        st.pdf(data, height=900, key=f"preview:{name}", alt=f"{title} of this screening")
