"""The consultation-room features in a real browser, at a desktop size (1440x900) and a tablet size
(820x1180), with an axe-core accessibility scan of every page.

One flow per size: a coordinator whose name is hostile text (tests/hostile_text.py) signs in
(sign-in page, empty list; at tablet width the app has folded the sidebar), opens a new screening
that is stored only with its first answer and discards it. Two screenings are seeded through the
workflow: a draft (the patient's name hostile text too, with a third antidepressant trial of too
few weeks to count) and a signed one. On the list each row's button names the screening it opens
and the status badges read whole. The draft is opened and every intake section is visited:
- the live summary is in the sidebar at desktop width; at tablet width it is a bar at the top of
  the page (status, flags by severity, missing answers) whose drawer holds the full summary, and
  the folded sidebar leaves the page its width;
- "Next" and "Previous" put the keyboard focus on the section's first question, and a save (an
  answer typed, then Tab) leaves it on the field the user moved to;
- PHQ-9 item 9 raises the suicide-risk alert under the answer and a dialog that stays until
  acknowledged (the acknowledgement goes to the audit trail);
- the ASQ's questions are numbered 1 to 4 (5 is asked only after a yes);
- each widget of a trial's row and its remove button are named with the row ("Trial 2: Adequate
  dose", "Remove trial 2"), and no field's label is cut;
- "None of these" answers the medical history's yes/no questions No, each as its own answer.
The clinic's psychiatrist then reads the review (the trials table says which trial counts toward
the criteria and why the short one does not), finds the patient handout held back for want of the
clinic's phone, saves the phone on the Clinic settings page and downloads both documents, named
`<MRN or initials>_<document>_<date>.pdf`; last, the signed screening's intake shows its fields
locked, their text at a contrast of at least 4.5:1.

On every page: no link points where the hostile text does, axe-core finds no serious or critical
violation, and a screenshot goes to test-output/screenshots/consultation-<size>-NN-<name>.png.
Without chromium the test is skipped, and without axe-core (`npm ci --prefix tests/browser`) the
scans are; SCREENING_REQUIRE_BROWSER=1 (CI) makes either fail instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from screening.documents.filenames import initials
from screening.storage import User
from screening.vocabulary import status_words
from screening.workflow import Workflow
from tests.app.app_support import COMPLETE_ANSWERS, NO_HISTORY
from tests.browser.browser_support import (
    AXE_INSTALL,
    SAVE_TIMEOUT,
    STEP_TIMEOUT_MS,
    AxeExclusion,
    Intake,
    Server,
    axe_violations,
    clipped_text,
    css_key,
    describe_violations,
    fill_sign_in,
    first_answer_creates,
    hostile_links,
    settle,
    shoot,
    text_contrast,
    wait_focus,
)
from tests.hostile_text import PATIENT_NAME, USER_NAME
from ui.crisis import ACKNOWLEDGE
from ui.frame import SIDEBAR_SUMMARY_KEY, SUMMARY_BAR_KEY
from ui.summary import SEVERITY_TEXT
from ui.text import WORD_JOINER

pytestmark = pytest.mark.browser

HOSTILE_URLS = ("127.0.0.1:8612", "evil.example")
"""Where the links, bare URLs and addresses of the hostile patient and user names would point."""
ADMINISTRATOR = "R. Okafor"
CLINIC_PHONE = "(555) 010-2000"
CLINIC_WITHOUT_PHONE = f"""\
name: Riverside Ketamine Clinic
emergency_number: "911"
crisis_lines:
  - {{label: "988 Suicide & Crisis Lifeline (US)", contact: "Call or text 988"}}
roles:
  psychiatrists: ["{ADMINISTRATOR}"]
  credentials: {{"{ADMINISTRATOR}": "MD"}}
"""
"""A clinic file without a phone, whose one listed psychiatrist administers the clinic settings."""

HISTORY_BLOCK = (
    *(item for item in NO_HISTORY if item not in ("pregnant", "breastfeeding")),
    "hypertension_history",
)
"""The medical history's yes/no questions that "None of these" answers (pregnancy is asked on its
own)."""
TABLET_MAX_WIDTH = 1000
"""Up to this width (pixels) the app uses its tablet layout: the open sidebar is a drawer over the
page."""
MIN_TABLET_MAIN_WIDTH = 760
"""The least width (pixels) of the main block at 820 px: the folded sidebar does not narrow it."""
DRAWER = "Live summary: scores, criteria, flags and what is missing"
SHORT_TRIAL = {
    "drug": "mirtazapine",
    "weeks": 4,
    "adequate_dose": True,
    "adherent": True,
    "improvement": "none",
}
"""A trial of too few weeks to count toward the criteria, seeded after the two trials that count."""
COUNTS = "Counts toward Treatment-resistant depression criteria"
SIGNED_REVIEW: dict[str, Any] = {
    "protocol": "iv-ketamine-induction",
    "weight_basis": "actual",
    "start_date": "2026-12-10",
    "decision": "proceed",
}
"""The review of the screening seeded signed (with a note acknowledging each relative flag)."""
MIN_CONTRAST = 4.5
INLINE_ALERT = "Suicide risk: act on this answer now."
HANDOUT_HELD = "The patient handout is not offered for download or printing until the clinic's phone"

_NAVIGATION_MARKUP = (
    "Streamlit draws the sidebar's page list as one <ul> whose sections (the app's Screening and Setup"
    " groups) are <div> elements holding a header and the <li> items; the app chooses the pages and"
    " their sections, not that markup."
)
AXE_EXCLUSIONS = (
    AxeExclusion("list", '[data-testid="stSidebarNavItems"]', _NAVIGATION_MARKUP),
    AxeExclusion("listitem", '[data-testid="stSidebarNavItems"]', _NAVIGATION_MARKUP),
    AxeExclusion(
        "scrollable-region-focusable",
        '[data-testid="pdf-content"]',
        "The scrolling pages of st.pdf's preview are inside the viewer's own isolated markup, which"
        " takes no tabindex from the app; the same document is offered as a download beside it.",
    ),
)
"""Violations inside Streamlit's own markup that the app cannot change, each with the reason."""


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    phq9_9: str  # the answer to PHQ-9 item 9 given in this flow (its label and its code)
    phq9_9_code: str
    mrn: str | None  # without an MRN the patient's initials name the downloads

    @property
    def name(self) -> str:
        return f"{self.width}x{self.height}"


SIZES = [
    Size(1440, 900, "Nearly every day", "nearly_every_day", "RK-20417"),
    Size(820, 1180, "Several days", "several_days", None),
]


@pytest.fixture
def clinic_file_text() -> str:
    return CLINIC_WITHOUT_PHONE


def _user_id(name: str) -> str:
    """The id local mode gives a user who signs in under `name`."""
    return "local:" + (re.sub(r"[^a-z0-9]+", "-", name.strip().casefold()).strip("-") or "user")


def _signed_screening(workflow: Workflow) -> str:
    """A complete screening reviewed and signed by the clinic's psychiatrist, through the workflow."""
    psychiatrist = User(
        id=_user_id(ADMINISTRATOR),
        name=ADMINISTRATOR,
        role="psychiatrist",
        authenticated=False,
        credentials="MD",
    )
    screening = workflow.create(psychiatrist, answers=COMPLETE_ANSWERS)
    notes = {
        flag.id: "Discussed with the patient."
        for flag in screening.assessment.flags
        if flag.severity == "relative"
    }
    review = {**SIGNED_REVIEW, "acknowledged": notes}
    screening = workflow.review(screening.id, review, user=psychiatrist, base_revision=screening.revision)
    screening = workflow.sign(screening.id, user=psychiatrist, base_revision=screening.revision)
    assert screening.lifecycle == "signed"
    return screening.id


def _seeded_answers(size: Size) -> dict[str, Any]:
    """A complete screening less PHQ-9 item 9 and the medical history's block of yes/no questions,
    which the flow answers in the browser."""
    answers = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "phq9_9" and k not in HISTORY_BLOCK}
    answers["patient_name"] = PATIENT_NAME
    answers["antidepressant_trials"] = [*COMPLETE_ANSWERS["antidepressant_trials"], SHORT_TRIAL]
    if size.mrn is None:
        answers.pop("mrn")
    else:
        answers["mrn"] = size.mrn
    return answers


@dataclass
class Tour:
    """The pages of one flow: each checked for links made from the hostile text, scanned with
    axe-core and shot. What the checks find is kept in `problems`, asserted at the end of the flow
    so that one run reports every page."""

    page: Any
    size: Size
    axe: Path | None
    shots: int = 0
    problems: list[str] = field(default_factory=list)

    def check(self, name: str) -> None:
        settle(self.page)
        links = hostile_links(self.page, HOSTILE_URLS)
        if links:
            self.problems.append(f"links made from hostile text on {name} at {self.size.name}: {links}")
        if self.axe is not None:
            violations = axe_violations(self.page, self.axe, AXE_EXCLUSIONS)
            if violations:
                self.problems.append(describe_violations(f"{name} at {self.size.name}", violations))
        self.shots += 1
        shoot(self.page, f"consultation-{self.size.name}-{self.shots:02d}-{name}")

    def go(self, title: str) -> None:
        """Open a page from the sidebar's navigation (opening the sidebar first where it is
        collapsed, and closing it afterwards where it lies over the page)."""
        if self.page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true":
            self.page.locator('[data-testid="stExpandSidebarButton"]').click()
        self.page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
        settle(self.page)
        self.close_drawer()

    def close_drawer(self) -> None:
        """At tablet width the open sidebar lies over the page as a drawer: close it, as a user does
        before going on with the page (at desktop width it stays open beside the page)."""
        from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

        sidebar = self.page.locator('[data-testid="stSidebar"]')
        if self.size.width > TABLET_MAX_WIDTH or sidebar.get_attribute("data-collapsed") != "false":
            return
        self.page.locator('[data-testid="stSidebarCollapseButton"] button').click()
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        settle(self.page)


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SAVE_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


# ------------------------------------------------------------------ the steps


def _new_screening_then_discard(tour: Tour, workflow: Workflow) -> None:
    """(5) "New screening" stores nothing until the first answer; the draft is then discarded."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = tour.page
    page.get_by_role("button", name="New screening").click()
    page.get_by_role("heading", name="New screening").wait_for()
    settle(page)
    assert workflow.screenings() == []
    expect(page.get_by_text("Not saved yet: the screening is saved with its first answer.")).to_be_visible()
    tour.check("intake-new-unsaved")
    draft = first_answer_creates(page, workflow, PATIENT_NAME)  # visiting the page stored nothing

    page.get_by_role("button", name="Discard draft").click()
    reason = page.get_by_label("Reason for discarding")
    reason.fill("Opened twice by mistake")
    reason.press("Enter")
    settle(page)
    tour.check("intake-discard-draft")
    page.get_by_role("button", name="Discard this draft").click()
    page.get_by_role("heading", name="Screenings").wait_for()
    expect(page.get_by_text("The draft was discarded.")).to_be_visible()
    settle(page)
    assert workflow.screenings() == []
    assert workflow.get(draft.identifier).discarded
    discarded = [entry for entry in workflow.history(draft.identifier) if entry.kind == "discarded"]
    assert [entry.reason for entry in discarded] == ["Opened twice by mistake"]


def _crisis_alert(tour: Tour, intake: Intake, workflow: Workflow) -> None:
    """(1) PHQ-9 item 9 answered above "Not at all": the alert under the answer and a dialog that
    only an acknowledgement closes, recorded in the audit trail."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page, size = tour.page, tour.size
    intake.choose("phq9_9", size.phq9_9, size.phq9_9_code)
    # the alert is the element right after the answer's widget
    below = intake.widget("phq9_9").locator("xpath=following-sibling::*[1]")
    expect(below).to_contain_text(INLINE_ALERT)
    expect(below).to_contain_text("Not acknowledged yet.")
    expect(page.locator('[data-testid="stAlertContentError"]', has_text=INLINE_ALERT)).to_have_count(1)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Suicide risk: act now")
    expect(dialog).to_contain_text("Call or text 988")
    page.keyboard.press("Escape")  # the dialog cannot be dismissed
    settle(page)
    expect(dialog).to_be_visible()
    tour.check("intake-02-phq9-crisis-dialog")

    def acknowledgements() -> list[Any]:
        events = workflow.store.get_screening(intake.identifier).events
        return [event for event in events if event.kind == "crisis_acknowledged"]

    assert acknowledgements() == []
    dialog.get_by_role("button", name=ACKNOWLEDGE).click()
    expect(dialog).to_have_count(0)
    settle(page)
    _wait(lambda: bool(acknowledgements()), "the acknowledgement was not recorded")
    [event] = acknowledgements()
    assert event.actor.name == USER_NAME and event.payload["rules"] == ["ci.rel.phq9_item9_positive"]
    entries = [entry for entry in workflow.history(intake.identifier) if entry.kind == "crisis_acknowledged"]
    assert [(entry.user_name, entry.new) for entry in entries] == [
        (USER_NAME, ["ci.rel.phq9_item9_positive"])
    ]
    expect(below).to_contain_text("Acknowledged: the patient's safety is being addressed.")
    assert intake.stored()["phq9_9"] == size.phq9_9_code  # no answer changed
    tour.check("intake-02-phq9-acknowledged")


def _none_of_these(tour: Tour, intake: Intake, workflow: Workflow) -> None:
    """(4) "None of these" answers No to each yes/no question of the medical history, each stored
    and audited as its own answer."""
    page = tour.page
    before = len(workflow.history(intake.identifier))
    assert not any(item in intake.stored() for item in HISTORY_BLOCK)
    tour.check("intake-06-medical-history")
    page.get_by_role("button", name="None of these").click()
    _wait(
        lambda: all(intake.stored().get(item) is False for item in HISTORY_BLOCK),
        "None of these did not answer the medical history",
    )
    settle(page)
    new = workflow.history(intake.identifier)[before:]
    assert sorted((entry.kind, entry.target, entry.new) for entry in new) == sorted(
        ("answer", item, False) for item in HISTORY_BLOCK
    )
    tour.check("intake-06-medical-history-none-of-these")


def _sidebar_folded(tour: Tour) -> None:
    """At tablet width the sidebar is folded (the app folds it on first showing a page), and the
    main block takes the window's width."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = tour.page
    expect(page.locator('section[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "true")
    box = page.locator('[data-testid="stMain"]').bounding_box()
    assert box is not None and box["width"] >= MIN_TABLET_MAIN_WIDTH, box


def _summary_layout(tour: Tour, intake: Intake, workflow: Workflow) -> None:
    """The live summary: at desktop width in the sidebar; at tablet width a bar at the top of
    the page (status, flags counted by severity, missing answers) whose drawer holds the full
    summary, with the sidebar folded."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page, size = tour.page, tour.size
    bar = page.locator(f".{css_key(SUMMARY_BAR_KEY)}")
    sidebar_summary = page.locator(f".{css_key(SIDEBAR_SUMMARY_KEY)}")
    if size.width > TABLET_MAX_WIDTH:
        expect(bar).to_be_hidden()
        expect(sidebar_summary).to_be_visible()
        expect(sidebar_summary).to_contain_text("Live summary")
        return
    _sidebar_folded(tour)
    expect(sidebar_summary).to_be_hidden()
    expect(bar).to_be_visible()
    top = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    bar_box = bar.bounding_box()
    assert top is not None and bar_box is not None
    assert bar_box["y"] - top["y"] < 200, (top, bar_box)  # first on the page, above the title
    assessment = workflow.get(intake.identifier).assessment
    badges = [f"Status: {status_words(assessment.status)}"]
    for severity, (words, _) in SEVERITY_TEXT.items():
        count = len(assessment.flags_by_severity(severity))  # type: ignore[arg-type]  # a severity
        if count:
            badges.append(f"{words} ({count})")
    if len(badges) == 1:
        badges.append("Flags: none")
    assert assessment.missing
    badges.append(f"Missing answers ({len(assessment.missing)})")
    for words in badges:
        expect(bar.get_by_text(words, exact=True).locator("visible=true")).to_have_count(1)
    assert not clipped_text(bar), clipped_text(bar)
    drawer = bar.locator('[data-testid="stExpander"]')
    drawer.get_by_text(DRAWER, exact=True).click()
    settle(page)
    details = drawer.locator('[data-testid="stExpanderDetails"]')
    expect(details).to_be_visible()
    expect(details).to_contain_text(f"Missing ({len(assessment.missing)})")
    for score in assessment.scores.values():
        expect(details).to_contain_text(score.title)
    for requirement in assessment.requirements:
        expect(details).to_contain_text(requirement.title)
    for flag in assessment.flags:
        expect(details).to_contain_text(flag.title)
    tour.check("intake-01-summary-drawer")
    drawer.get_by_text(DRAWER, exact=True).click()
    expect(details).to_be_hidden()
    settle(page)


def _focus_moves(tour: Tour, intake: Intake) -> None:
    """ "Next" and "Previous" put the keyboard focus on the first question of the section they
    open; a save (an answer typed and Tab pressed: a rerun) leaves it where the user put it."""
    page = tour.page

    def question(item: str) -> str:
        return css_key(f"question:{intake.identifier}:{item}")

    intake.next("Depression symptoms (PHQ-9)")
    wait_focus(page, question("phq9_1"))
    page.get_by_role("button", name="Previous").click()
    page.get_by_role("heading", name="Patient and vitals").wait_for()
    settle(page)
    wait_focus(page, question("patient_name"))
    page.keyboard.press("End")
    page.keyboard.type(" Jr")
    # every question the focus enters from now on (a move back, even a passing one, is a theft)
    page.evaluate(
        """() => {
            window.focusedQuestions = [];
            document.addEventListener('focusin', (event) => {
                const box = event.target.closest('[class*="st-key-question-"]');
                const key = box && [...box.classList].find(c => c.startsWith('st-key-question-'));
                window.focusedQuestions.push(key || event.target.tagName);
            }, true);
        }"""
    )
    page.keyboard.press("Tab")
    intake.wait_saved("patient_name", f"{PATIENT_NAME} Jr")
    wait_focus(page, question("mrn"))
    settle(page)
    entered = page.evaluate("() => window.focusedQuestions")
    assert entered == [question("mrn")], f"after a save the focus went to {entered}"
    intake.type_text("patient_name", PATIENT_NAME)  # the name the rest of the flow expects
    intake.next("Depression symptoms (PHQ-9)")


def _numbered_asq(tour: Tour, intake: Intake) -> None:
    """The ASQ's questions are numbered as on the NIMH form; "declined" is not one of them, and
    question 5 is asked only after a yes (there is none here)."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = tour.page

    def label(item: str) -> str:
        box = page.locator(f".{css_key(f'question:{intake.identifier}:{item}')}")
        return str(box.locator('[data-testid="stWidgetLabel"]').first.inner_text())

    for number in range(1, 5):
        words = label(f"asq_{number}")
        assert re.match(rf"{number}\.\s\S", words), words
    assert not re.match(r"\d", label("asq_declined")), label("asq_declined")
    expect(page.locator(f".{css_key(f'question:{intake.identifier}:asq_5')}")).to_have_count(0)


def _trial_rows(tour: Tour) -> None:
    """Each widget of a trial's row is named with the row ("Trial 2: Adequate dose"), as is its
    remove button; at tablet width no field's label is cut."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = tour.page
    expect(page.get_by_role("radiogroup", name="Trial 2: Adequate dose", exact=True)).to_have_count(1)
    expect(page.get_by_role("radiogroup", name="Trial 3: Adherent", exact=True)).to_have_count(1)
    expect(page.get_by_role("textbox", name="Trial 2: Drug", exact=True)).to_have_value("bupropion")
    expect(page.get_by_role("spinbutton", name="Trial 3: Weeks", exact=True)).to_have_value("4")
    for number in (1, 2, 3):
        expect(page.get_by_role("button", name=f"Remove trial {number}", exact=True)).to_be_visible()
    expect(page.get_by_text("Trial 1: Improvement", exact=True)).to_be_visible()
    labels = page.locator('[class*="st-key-group-row-"] [data-testid="stWidgetLabel"]')
    assert labels.count() >= 15  # five fields in each of three rows
    cut = [problem for index in range(labels.count()) for problem in clipped_text(labels.nth(index))]
    assert not cut, f"trial-row labels cut at {tour.size.name}: {cut}"
    widths = labels.evaluate_all(
        "(all) => all.filter(e => e.getBoundingClientRect().width + 1 < e.scrollWidth).map(e => e.innerText)"
    )
    assert not widths, f"trial-row labels wider than their box at {tour.size.name}: {widths}"


def _list_rows(tour: Tour, workflow: Workflow) -> None:
    """Each row's button names the screening it opens; its status badge reads whole."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = tour.page
    rows = workflow.screenings()
    assert len(rows) == 2
    for row in rows:
        who = " ".join((row.patient_name or "").split())
        name = f"Open screening of {who}, {row.assessed_on.isoformat()}"
        # the name as written, but for the invisible word joiners that keep its URLs from becoming
        # links (ui.text.plain)
        joined = f"(?:\\u{ord(WORD_JOINER):04x})?".join(map(re.escape, name))
        button = page.locator(f".{css_key(f'open:{row.id}')}").get_by_role("button")
        expect(button).to_have_accessible_name(re.compile(f"^{joined}$"))
        box = page.locator(f".{css_key(f'row:{row.id}')}")
        status = box.get_by_text(f"Status: {status_words(row.status)}", exact=True)
        expect(status.locator("visible=true")).to_have_count(1)  # (a copy is kept hidden for the tooltip)
        badges = box.locator('[data-testid="stMarkdownContainer"]:has(span)')
        cut = [problem for index in range(badges.count()) for problem in clipped_text(badges.nth(index))]
        assert not cut, f"list row text cut at {tour.size.name}: {cut}"


def _trials_table(tour: Tour) -> None:
    """The review page's treatment criteria: a table of the trials with whether each counts."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = tour.page
    expect(page.get_by_role("heading", name="Treatment criteria", exact=True)).to_be_visible()
    tables = page.locator("table").evaluate_all(
        """(all) => all.map(t => ({
            head: [...t.querySelectorAll('thead th')].map(c => c.innerText.trim()),
            rows: [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('th, td')]
                .map(c => c.innerText.trim())),
        }))"""
    )
    [table] = [t for t in tables if any(h.startswith("Counts toward Treatment-resistant") for h in t["head"])]
    assert table["head"][:3] == ["Trial", "Drug", COUNTS], table["head"]
    verdicts = [(row[0], row[1], row[2]) for row in table["rows"]]
    assert verdicts[0] == ("1", "sertraline", "Yes"), verdicts
    assert verdicts[2][:2] == ("3", "mirtazapine") and verdicts[2][2].startswith("No — "), verdicts
    assert "Weeks" in verdicts[2][2], verdicts


def _locked_intake(tour: Tour, signed: str) -> None:
    """A signed screening's intake: the fields are locked and their text still reads (contrast
    at least 4.5:1, as WCAG asks of text)."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = tour.page
    tour.go("Screenings")
    page.locator(f".{css_key(f'open:{signed}')}").get_by_role("button").click()
    page.get_by_role("heading", name="Patient and vitals").wait_for()
    settle(page)
    field = page.locator(f".{css_key(f'w:{signed}:patient_name')}").locator("input")
    expect(field).to_be_disabled()
    expect(field).to_have_value(str(COMPLETE_ANSWERS["patient_name"]))
    ratio, words = text_contrast(field)
    assert ratio >= MIN_CONTRAST, f"a locked field's text at {tour.size.name}: contrast {ratio:.2f}, {words}"
    tour.check("intake-signed-locked")


def _download(page: Any, button: str) -> str:
    with page.expect_download(timeout=STEP_TIMEOUT_MS) as event:
        page.get_by_role("button", name=button).click()
    assert Path(event.value.path()).read_bytes().startswith(b"%PDF-")
    return str(event.value.suggested_filename)


def _documents_and_clinic_settings(tour: Tour, server: Server, subject: str, day: str) -> None:
    """(6) downloads named `<MRN or initials>_<document>_<date>.pdf`; (7) the handout is held back
    until the clinic's phone is saved on the Clinic settings page."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = tour.page
    tour.go("Documents")
    page.get_by_role("button", name="Download the clinician summary").wait_for(timeout=STEP_TIMEOUT_MS * 3)
    expect(page.get_by_text("Loading PDF")).to_have_count(0, timeout=STEP_TIMEOUT_MS)
    tour.check("documents-summary")
    assert _download(page, "Download the clinician summary") == f"{subject}_clinician-summary_{day}.pdf"
    page.get_by_role("tab", name="Patient handout").click()
    settle(page)
    expect(page.get_by_text(HANDOUT_HELD)).to_be_visible()
    expect(page.get_by_role("button", name="Download the patient handout")).to_have_count(0)
    tour.check("documents-handout-held")

    tour.go("Clinic settings")
    page.get_by_role("heading", name="Clinic settings").wait_for()
    expect(page.get_by_text("No clinic phone number yet")).to_be_visible()
    tour.check("clinic-settings")
    phone = page.get_by_role("textbox", name="Clinic phone number")
    phone.fill(CLINIC_PHONE)
    phone.press("Enter")
    settle(page)
    page.get_by_role("button", name="Save the clinic settings").click()
    expect(page.get_by_text("Clinic settings saved to")).to_be_visible()
    settle(page)
    assert CLINIC_PHONE in server.clinic_file.read_text(encoding="utf-8")
    expect(page.get_by_text("No clinic phone number yet")).to_have_count(0)
    tour.check("clinic-settings-saved")

    tour.go("Documents")
    page.get_by_role("tab", name="Patient handout").click()
    handout = page.get_by_role("button", name="Download the patient handout")
    handout.wait_for(timeout=STEP_TIMEOUT_MS * 3)
    expect(page.get_by_text("Loading PDF")).to_have_count(0, timeout=STEP_TIMEOUT_MS)
    expect(page.get_by_text(HANDOUT_HELD)).to_have_count(0)
    tour.check("documents-handout")
    assert _download(page, "Download the patient handout") == f"{subject}_patient-handout_{day}.pdf"


# ------------------------------------------------------------------ the test


@pytest.mark.parametrize("size", SIZES, ids=[size.name for size in SIZES])
def test_consultation_features_and_accessibility_at_desktop_and_tablet_sizes(
    size: Size,
    server: Server,
    new_browser: Callable[..., Any],
    axe: Path | None,
    request: pytest.FixtureRequest,
) -> None:
    page = new_browser((size.width, size.height))
    tour = Tour(page, size, axe)
    page.goto(server.url)
    page.get_by_label("Your name").wait_for()
    tour.check("sign-in")
    fill_sign_in(page, USER_NAME, None)
    page.get_by_role("heading", name="Screenings").wait_for()
    settle(page)
    if size.width <= TABLET_MAX_WIDTH:
        _sidebar_folded(tour)  # by the app: the user has not touched it
    tour.close_drawer()
    workflow = server.workflow()  # the list page has created the database by now
    request.addfinalizer(workflow.close)
    tour.check("screenings-empty")

    _new_screening_then_discard(tour, workflow)

    # ---- a screening entered elsewhere, opened from the list
    author = User(id=_user_id(USER_NAME), name=USER_NAME, role="coordinator", authenticated=False)
    seeded = workflow.create(author, answers=_seeded_answers(size))
    signed = _signed_screening(workflow)
    tour.go("Screenings")
    page.locator(f".{css_key(f'open:{seeded.id}')}").wait_for()
    tour.check("screenings-with-rows")
    _list_rows(tour, workflow)
    page.locator(f".{css_key(f'open:{seeded.id}')}").get_by_role("button").click()
    page.get_by_role("heading", name="Patient and vitals").wait_for()
    intake = Intake(page, workflow)
    assert intake.identifier == seeded.id
    tour.check("intake-01-patient-and-vitals")
    _summary_layout(tour, intake, workflow)

    _focus_moves(tour, intake)
    _crisis_alert(tour, intake, workflow)
    intake.next("Anxiety symptoms (GAD-7)")
    tour.check("intake-03-gad7")
    intake.next("Suicide-risk screen (ASQ)")
    _numbered_asq(tour, intake)
    tour.check("intake-04-asq")
    intake.next("Depression and treatment history")
    _trial_rows(tour)
    tour.check("intake-05-treatment-history")
    intake.next("Medical history and contraindications")
    _none_of_these(tour, intake, workflow)
    intake.next("Current medications")
    tour.check("intake-07-current-medications")
    intake.next("Logistics")
    tour.check("intake-08-logistics")
    assert not workflow.get(intake.identifier).assessment.missing_refs  # every section answered

    page.get_by_role("link", name="Go to the psychiatrist's review").click()
    page.get_by_role("heading", name="Psychiatrist's review").wait_for()
    tour.check("review-coordinator")

    # ---- the clinic's psychiatrist, at the same device (local mode asks the name again on reload)
    page.reload()
    page.get_by_label("Your name").wait_for()
    fill_sign_in(page, ADMINISTRATOR, None)
    page.get_by_role("heading", name="Psychiatrist's review").wait_for()
    settle(page)
    tour.close_drawer()
    tour.check("review-psychiatrist")
    _trials_table(tour)

    subject = size.mrn or initials(PATIENT_NAME)
    assert subject
    _documents_and_clinic_settings(tour, server, subject, seeded.assessed_on.isoformat())
    _locked_intake(tour, signed)

    tour.go("Questionnaires")
    page.locator("code", has_text="ketamine-trd-intake").first.wait_for()
    tour.check("questionnaires")

    assert not tour.problems, "\n\n".join(tour.problems)
    if axe is None:
        pytest.skip(
            f"the consultation features passed at {size.name}; the accessibility scans were skipped:"
            f" axe-core is not installed (install it with `{AXE_INSTALL}`)"
        )
