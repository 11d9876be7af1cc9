"""Printing a document in a real browser: the click reaches the server, which records the print,
and the page then prints that PDF from a hidden frame of its own, without opening a tab (which a
popup blocker would stop, the run that prints being outside the click's user gesture).

Headless chromium has no print dialog and its renderer crashes on printing a PDF, so the test
replaces `print` in every frame with a recorder: what it checks is that the PDF's own frame is
asked to print, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from screening.workflow import Workflow
from tests.app.app_support import seed_screening
from tests.browser.browser_support import SAVE_TIMEOUT, Server, fill_sign_in, settle, sign_in

_PRINT_RECORDER = """(() => {
  window.print = function () {
    try { window.top.screeningPrints = [...(window.top.screeningPrints || []), location.href]; }
    catch (error) { /* a frame of another origin: not ours */ }
  };
})();"""


def _document_events(workflow: Workflow, identifier: str) -> list[Any]:
    return [e for e in workflow.store.get_screening(identifier).events if e.kind == "document_generated"]


def test_print_is_recorded_and_prints_the_pdf_from_a_hidden_frame(
    server: Server, new_browser: Callable[[], Any], request: pytest.FixtureRequest
) -> None:
    page = new_browser()
    page.context.add_init_script(_PRINT_RECORDER)
    opened: list[str] = []
    page.context.on("page", lambda other: opened.append(other.url))
    sign_in(page, server, "R. Okafor", "Psychiatrist")
    workflow = server.workflow()  # the list page has created the database by now
    request.addfinalizer(workflow.close)
    identifier = seed_screening(workflow)

    page.goto(f"{server.url}/documents?id={identifier}")  # a new session: local mode asks again
    page.get_by_label("Your name").wait_for()
    fill_sign_in(page, "R. Okafor", "Psychiatrist")
    button = page.get_by_role("button", name="Print the clinician summary")
    button.wait_for(timeout=60_000)  # the first build loads the fonts
    settle(page)
    button.click()
    page.wait_for_function("() => (window.screeningPrints || []).length > 0", timeout=20_000)
    frame = page.locator("#screening-print-frame")
    assert str(frame.get_attribute("src")).startswith("blob:")
    content_type = "() => document.getElementById('screening-print-frame').contentDocument.contentType"
    assert page.evaluate(content_type) == "application/pdf"
    assert page.evaluate("() => window.screeningPrints") == [frame.get_attribute("src")]  # the PDF's frame
    assert not opened  # no tab or window

    deadline = time.monotonic() + SAVE_TIMEOUT
    while not (events := _document_events(workflow, identifier)):
        assert time.monotonic() < deadline, "the print was not recorded"
        time.sleep(0.1)
    assert [(e.payload["document"], e.payload["details"]["action"]) for e in events] == [
        ("clinician-summary.pdf", "print")
    ]

    # another run (a preview) prints nothing again
    page.get_by_role("button", name="Preview the clinician summary").click()
    page.get_by_text("Loading PDF").wait_for(state="detached", timeout=20_000)
    settle(page)
    assert len(page.evaluate("() => window.screeningPrints")) == 1
