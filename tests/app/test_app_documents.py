"""The Documents page: both PDFs downloadable and previewed, drafts and missing clinic details said."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import streamlit.testing.v1.app_test as app_test_module
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from tests.app.app_support import (
    ASSESSED_ON,
    COMPLETE_ANSWERS,
    COORDINATOR,
    DOCUMENTS_PAGE,
    PSYCHIATRIST,
    REVIEW_PAGE,
    AppEnv,
    all_text,
    assert_ok,
    elements_with_key,
    keyed_blocks,
    open_app,
    seed_screening,
)
from ui.text import plain

DOCUMENTS = ("clinician-summary.pdf", "patient-handout.pdf")
BUNDLE = "fhir-bundle.json"
SIGNED_REVIEW = {
    "clinician": "R. Okafor, MD",
    "protocol": "iv-ketamine-induction",
    "weight_basis": "actual",
    "start_date": "2026-12-01",
    "decision": "proceed",
    "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
}


class _KeptMedia(MemoryMediaFileStorage):
    """AppTest's in-memory media store, kept between runs so a test can read what was served."""

    def delete_file(self, file_id: str) -> None:
        pass


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryMediaFileStorage]:
    storage = _KeptMedia("/mock/media")
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", lambda _endpoint: storage)
    yield storage


def _served(media: MemoryMediaFileStorage, url: str) -> bytes:
    return media.get_file(url.rsplit("/", 1)[-1]).content


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _action(payload: Mapping[str, Any]) -> tuple[str, str]:
    """The document of a `document_generated` event and what was done with it."""
    return payload["document"], payload["details"]["action"]


def _sha256(payload: Mapping[str, Any]) -> str:
    """The checksum of the document a `document_generated` event recorded."""
    return str(payload["details"]["sha256"])


def _print_scripts(at: AppTest) -> list[str]:
    """The scripts drawn in this run that open the print dialog."""
    return [str(element.proto.body) for element in at.get("html") if "/* print " in str(element.proto.body)]


def _downloads(at: AppTest) -> dict[str, str]:
    return {str(button.key).removeprefix("download:"): button.proto.url for button in at.download_button}


def test_signed_screening_documents_download_and_preview(
    app_env: AppEnv, media: MemoryMediaFileStorage
) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review=SIGNED_REVIEW, signer=PSYCHIATRIST)
    at = open_app(PSYCHIATRIST, page=DOCUMENTS_PAGE, screening=identifier)
    assert [t.value for t in at.title] == ["Documents"]
    assert [tab.label for tab in at.tabs] == ["Clinician summary", "Patient handout"]
    assert not at.warning  # the clinic's phone number is configured
    assert "not signed yet" not in all_text(at)

    downloads = _downloads(at)
    assert set(downloads) == {*DOCUMENTS, BUNDLE}
    # saved under the MRN, the document and the screening's date
    saved_as = {name: media.get_file(url.rsplit("/", 1)[-1]).filename for name, url in downloads.items()}
    day = ASSESSED_ON.isoformat()
    assert saved_as == {
        "clinician-summary.pdf": f"RK-40417_clinician-summary_{day}.pdf",
        "patient-handout.pdf": f"RK-40417_patient-handout_{day}.pdf",
        "fhir-bundle.json": f"RK-40417_fhir-bundle_{day}.json",
    }
    labels = sorted(button.label for button in at.download_button)
    assert labels == [
        "Download the FHIR bundle (JSON)",
        "Download the clinician summary",
        "Download the patient handout",
    ]
    for name in DOCUMENTS:
        data = _served(media, downloads[name])
        assert data.startswith(b"%PDF-")
        assert not elements_with_key(at, f"preview:{name}")  # previewed on request (and recorded)
        at.button(key=f"show-preview:{name}").click().run()
        assert_ok(at)
        preview = elements_with_key(at, f"preview:{name}")
        assert len(preview) == 1
        assert _served(media, json.loads(preview[0].proto.json)["file"]) == data  # the same PDF is previewed
    summary_pdf = _served(media, downloads["clinician-summary.pdf"])
    summary = _pdf_text(summary_pdf)
    assert "Ngata" in summary and "RK-40417" in summary
    handout = _pdf_text(_served(media, downloads["patient-handout.pdf"]))
    assert "(555) 010-2000" in handout

    # a download is recorded in the audit trail, after the two previews
    at.download_button(key="download:clinician-summary.pdf").click().run()
    assert_ok(at)
    with app_env.workflow() as workflow:
        events = [
            e for e in workflow.store.get_screening(identifier).events if e.kind == "document_generated"
        ]
        assert workflow.store.verify_audit(identifier).ok
    assert [_action(e.payload) for e in events] == [
        ("clinician-summary.pdf", "preview"),
        ("patient-handout.pdf", "preview"),
        ("clinician-summary.pdf", "download"),
    ]
    assert events[-1].actor.name == PSYCHIATRIST.name
    assert _sha256(events[-1].payload) == hashlib.sha256(summary_pdf).hexdigest()


def test_missing_clinic_phone_is_warned_and_drafts_say_so(
    app_env: AppEnv, media: MemoryMediaFileStorage
) -> None:
    app_env.clinic_file.write_text("name: Riverside Ketamine Clinic\n", encoding="utf-8")
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, COMPLETE_ANSWERS)
    at = open_app(COORDINATOR, page=DOCUMENTS_PAGE, screening=identifier)
    warnings = [str(w.value) for w in at.warning]
    assert any("phone number is not configured" in w for w in warnings), warnings
    assert "This screening is not signed yet" in all_text(at)
    downloads = _downloads(at)
    assert set(downloads) == {DOCUMENTS[0], BUNDLE}  # the handout waits for the clinic's phone number
    assert "until the clinic's phone number is set" in all_text(at)
    assert _served(media, downloads[DOCUMENTS[0]]).startswith(b"%PDF-")


def test_documents_are_rebuilt_after_a_change_and_reused_otherwise(
    app_env: AppEnv, media: MemoryMediaFileStorage
) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, COMPLETE_ANSWERS)
    at = open_app(COORDINATOR, page=DOCUMENTS_PAGE, screening=identifier)
    first = _downloads(at)
    at.run()
    assert _downloads(at) == first  # a rerun with nothing changed reuses the built documents
    with app_env.workflow() as workflow:
        detail = workflow.store.get_screening(identifier, events=False)
        workflow.answer(identifier, {"heart_rate": 90}, user=COORDINATOR, base_revision=detail.revision)
    at.run()
    assert_ok(at)
    assert _downloads(at)["clinician-summary.pdf"] != first["clinician-summary.pdf"]


def test_documents_page_without_a_screening_points_to_the_list(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR, page=DOCUMENTS_PAGE)
    assert [t.value for t in at.title] == ["Documents"]
    assert "Open a screening from the list, or start a new one." in all_text(at)
    assert not at.download_button


def test_documents_of_a_reopened_screening_say_so_and_list_the_amendment(
    app_env: AppEnv, media: MemoryMediaFileStorage
) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review=SIGNED_REVIEW, signer=PSYCHIATRIST)
        signed = workflow.get(identifier)
        workflow.amend(
            identifier,
            user=COORDINATOR,
            base_revision=signed.revision,
            reason="Letter from cardiology.",
            answers={"heart_disease": True},
        )
    at = open_app(PSYCHIATRIST, page=DOCUMENTS_PAGE, screening=identifier)
    assert "This screening was reopened and is not signed again yet" in all_text(at)
    summary = _pdf_text(_served(media, _downloads(at)["clinician-summary.pdf"]))
    flat = " ".join(summary.split())
    assert "Reopened after an amendment" in flat, flat[:2000]
    assert "Letter from cardiology." in flat
    assert "Heart disease" in flat


def test_the_fhir_bundle_downloads_beside_the_pdfs(app_env: AppEnv, media: MemoryMediaFileStorage) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review=SIGNED_REVIEW, signer=PSYCHIATRIST)
        screening = workflow.get(identifier)
    at = open_app(PSYCHIATRIST, page=DOCUMENTS_PAGE, screening=identifier)
    (button,) = elements_with_key(at, f"download:{BUNDLE}")
    assert button.label == "Download the FHIR bundle (JSON)"
    data = _served(media, _downloads(at)[BUNDLE])
    bundle = json.loads(data.decode("utf-8"))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    assert bundle["identifier"]["value"] == identifier
    resources = [entry["resource"] for entry in bundle["entry"]]
    (patient,) = [r for r in resources if r["resourceType"] == "Patient"]
    assert patient["identifier"][0]["value"] == "RK-40417"
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert {r["status"] for r in responses} == {"completed"}  # signed
    assert {r["authored"] for r in responses} == {screening.assessed_on.isoformat()}
    flags = [r["identifier"][0]["value"] for r in resources if r["resourceType"] == "Flag"]
    assert flags == [flag.id for flag in screening.assessment.flags]

    # a rerun reuses the same bytes; the download is recorded like the PDFs'
    at.run()
    assert _served(media, _downloads(at)[BUNDLE]) == data
    at.download_button(key=f"download:{BUNDLE}").click().run()
    assert_ok(at)
    with app_env.workflow() as workflow:
        events = [
            e for e in workflow.store.get_screening(identifier).events if e.kind == "document_generated"
        ]
    assert [_action(e.payload) for e in events] == [(BUNDLE, "export")]


def test_printing_and_previewing_reach_the_server_and_are_recorded(
    app_env: AppEnv, media: MemoryMediaFileStorage
) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review=SIGNED_REVIEW, signer=PSYCHIATRIST)
    at = open_app(PSYCHIATRIST, page=DOCUMENTS_PAGE, screening=identifier)
    assert not _print_scripts(at)  # nothing prints before the button is clicked
    summary_pdf = _served(media, _downloads(at)["clinician-summary.pdf"])
    (button,) = elements_with_key(at, "print:clinician-summary.pdf")
    assert button.label == "Print the clinician summary"

    at.button(key="print:clinician-summary.pdf").click().run()
    assert_ok(at)
    (script,) = _print_scripts(at)  # the print dialog opens for this PDF
    assert base64.b64encode(summary_pdf).decode("ascii") in script
    assert ".print()" in script and "window.open(url" in script
    at.run()
    assert not _print_scripts(at)  # once: a later run prints nothing

    at.button(key="show-preview:patient-handout.pdf").click().run()
    at.run()  # the preview stays, recorded once
    assert_ok(at)
    assert elements_with_key(at, "preview:patient-handout.pdf")
    assert not elements_with_key(at, "preview:clinician-summary.pdf")

    with app_env.workflow() as workflow:
        events = [
            e for e in workflow.store.get_screening(identifier).events if e.kind == "document_generated"
        ]
        assert workflow.store.verify_audit(identifier).ok
        history = [entry for entry in workflow.history(identifier) if entry.kind == "document"]
    assert [_action(e.payload) for e in events] == [
        ("clinician-summary.pdf", "print"),
        ("patient-handout.pdf", "preview"),
    ]
    assert _sha256(events[0].payload) == hashlib.sha256(summary_pdf).hexdigest()
    assert [entry.target_label for entry in history] == [
        "Printed clinician-summary.pdf",
        "Previewed patient-handout.pdf",
    ]

    # the history panel (on the review page) says what was done with each document
    at.switch_page(REVIEW_PAGE).run()
    at.toggle(key=f"history-all:{identifier}").set_value(True).run()
    assert_ok(at)
    shown = "\n".join(
        str(markdown.value)
        for block in keyed_blocks(at, f"history:{identifier}:")
        for markdown in block.markdown
    )
    assert plain("Printed clinician-summary.pdf") in shown
    assert plain("Previewed patient-handout.pdf") in shown
    assert "Document downloaded" not in shown
