"""Documents: the clinician summary and the patient handout, previewed, downloadable and printable.

Every preview, print, download and export goes through the server first, which records it in the
screening's audit trail (`actions.record_document`, details {"action", "sha256", "revision"}):
a preview is shown on request (a button), not drawn with every page; printing is a button whose
click records the print and then opens the browser's print dialog for that PDF.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Literal

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


Action = Literal["download", "export", "print", "preview"]


def _record(name: str, data: bytes, action: Action) -> None:
    actions.record_document(
        detail.id,
        name,
        {"action": action, "sha256": hashlib.sha256(data).hexdigest(), "revision": detail.revision},
    )


def _print(name: str, data: bytes) -> None:
    """The print button's callback: record the print, then ask the run to open the print dialog."""
    _record(name, data, "print")
    state.request_print(name)


def _preview(name: str, data: bytes) -> None:
    """The preview button's callback: record the preview, then show it (for this content)."""
    _record(name, data, "preview")
    state.show_preview(cache_key, name)


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


# Prints the PDF from a hidden frame of the page itself: the script runs in the run after the click,
# outside the click's user gesture, where a browser's popup blocker would stop a new tab, while
# printing a frame needs no gesture. A print is carried out once, however often the browser draws
# the script (the token). The HTML is ours alone (a token and the PDF's base64), never user text.
_PRINT_SCRIPT = """<script>/* print {token} */(() => {{
  if (window.screeningPrinted === "{token}") return;  // drawn again by a later run: done already
  window.screeningPrinted = "{token}";
  const bytes = Uint8Array.from(atob("{encoded}"), c => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], {{type: "application/pdf"}}));
  const last = document.getElementById("screening-print-frame");  // the last print's, done with
  if (last) {{ URL.revokeObjectURL(last.src); last.remove(); }}
  const frame = document.createElement("iframe");
  frame.id = "screening-print-frame";
  frame.title = "Document being printed";
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  frame.style.cssText = "position: fixed; right: 0; bottom: 0; width: 0; height: 0; border: 0;"
    + " visibility: hidden;";
  frame.addEventListener("load", () => {{
    try {{ frame.contentWindow.focus(); frame.contentWindow.print(); }}
    catch (error) {{ window.open(url, "_blank"); }}  // a browser that will not print a frame's PDF
  }});
  frame.src = url;
  document.body.appendChild(frame);
}})();</script>"""


def _open_print_dialog(data: bytes, token: str) -> None:
    """Open the browser's print dialog for the PDF `data`, once (`token`, a print request)."""
    encoded = base64.b64encode(data).decode("ascii")
    st.html(_PRINT_SCRIPT.format(token=token, encoded=encoded), unsafe_allow_javascript=True)


BUNDLE_NAME = "fhir-bundle.json"
bundle_download, bundle_note = st.columns([1.2, 2.8], vertical_alignment="center")
bundle_download.download_button(
    "Download the FHIR bundle (JSON)",
    data=bundle,
    file_name=_file_name(BUNDLE_NAME),
    mime="application/fhir+json",
    icon=":material/download:",
    on_click=_record,
    args=(BUNDLE_NAME, bundle, "export"),
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
        # One row that wraps on a narrow screen (a tablet) rather than cutting the labels short.
        buttons = st.container(horizontal=True, wrap=True, gap="medium")
        buttons.download_button(
            f"Download the {title.lower()}",
            data=data,
            file_name=_file_name(name),
            mime="application/pdf",
            icon=":material/download:",
            on_click=_record,
            args=(name, data, "download"),
            key=f"download:{name}",
        )
        buttons.button(
            f"Print the {title.lower()}",
            icon=":material/print:",
            on_click=_print,
            args=(name, data),
            key=f"print:{name}",
        )
        shown = state.previewing(cache_key, name)
        buttons.button(
            f"Preview the {title.lower()}",
            icon=":material/preview:",
            on_click=_preview,
            args=(name, data),
            key=f"show-preview:{name}",
            disabled=shown,
        )
        print_token = state.take_print_request(name)
        if print_token is not None:
            _open_print_dialog(data, print_token)
        if shown:
            st.pdf(data, height=900, key=f"preview:{name}", alt=f"{title} of this screening")
