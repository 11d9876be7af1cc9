"""Helpers of the browser tests: the app server, waiting for Streamlit, screenshots, answering the
intake through its widgets, signing in, and the axe-core accessibility scan.

The fixtures that use them (`chromium`, `server`, `new_browser`, `axe`) are in conftest.py.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from screening.workflow import Workflow

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60.0  # seconds
STEP_TIMEOUT_MS = 20_000  # any single browser wait
SAVE_TIMEOUT = 15.0  # seconds for an answer to reach the database
SETTLE_QUIET_MS = 300
"""How long a page must stay settled without a break for `settle` (see there)."""
_SETTLE_TOKENS = itertools.count()
MAX_SHOT_HEIGHT = 6000  # pixels
DEFAULT_VIEWPORT = (1400, 1000)  # width, height

CLINIC = """\
name: Riverside Ketamine Clinic
phone: "(555) 010-2000"
roles:
  credentials: {"R. Okafor": "MD"}
"""
"""The clinic file the app is started with, unless a test module overrides the `clinic_file_text`
fixture. It lists nobody (the sign-in form asks the role); R. Okafor signs as "R. Okafor, MD"."""

AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL = "npm ci --prefix tests/browser"
"""How to install axe-core (pinned in tests/browser/package-lock.json) where the scan finds it."""
AXE_FAILING_IMPACTS = ("serious", "critical")


def chromium_path() -> str | None:
    """Debian's chromium, if installed."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


# ------------------------------------------------------------------ the app server


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    log: Path
    clinic_file: Path

    def workflow(self) -> Workflow:
        """The lifecycle service over the app's database and questionnaires, as another client of the
        same database (open it once the app has created the database: after the first sign-in)."""
        return Workflow(self.database_url, ROOT / "questionnaires")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 - our own local server
            return bool(response.status == 200)
    except OSError:
        return False


# ------------------------------------------------------------------ waiting and screenshots


def settle(page: Any) -> None:
    """Wait until Streamlit has finished its run (the script state the app's root element carries,
    which Streamlit's own end-to-end tests read; the "Running" indicator shows only after a delay),
    nothing on the page is stale, and every element is drawn: Streamlit loads the code of many
    elements on first use and shows a placeholder (`stSkeleton`) meanwhile, after the run has
    finished, so in a fresh browser profile a page can be "finished" with its buttons not there yet.

    All of that must hold for `SETTLE_QUIET_MS` without a break. A run that calls `st.rerun()` (the
    suicide-risk acknowledgement, the idle lock) ends "not running", with the previous run's
    elements neither stale nor removed, just before the next run starts; and the first message of
    a run a click caused can reach the page after the answer is already in the database. A page
    that is only between two runs does not stay settled."""
    page.wait_for_function(
        """([token, quiet]) => {
            const app = document.querySelector('[data-testid="stApp"]');
            const script = app && app.getAttribute('data-test-script-state');
            const status = document.querySelector('[data-testid="stStatusWidget"]');
            const settled = script && !['initial', 'running', 'rerunRequested'].includes(script)
                && !(status && /Running/.test(status.innerText))
                && document.querySelectorAll(
                    '[data-stale="true"], [data-testid="stSkeleton"], [data-testid="stAppSkeleton"]'
                ).length === 0;
            const now = performance.now();
            if (!settled || !window.__settle || window.__settle.token !== token) {
                window.__settle = {token, since: settled ? now : null};
                return false;
            }
            if (window.__settle.since === null) window.__settle.since = now;
            return now - window.__settle.since >= quiet;
        }""",
        arg=[next(_SETTLE_TOKENS), SETTLE_QUIET_MS],
        timeout=STEP_TIMEOUT_MS,
    )


def _content_height(page: Any) -> int:
    return int(
        page.evaluate(
            """() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], section')]
                .map(e => e.scrollHeight), document.body.scrollHeight)"""
        )
    )


def shoot(page: Any, name: str) -> None:
    """A screenshot of the whole page (Streamlit scrolls inside its main block, so the viewport is
    made as tall as the content for the picture, once animations such as an expander opening have
    finished, at the page's width; the page's size is restored afterwards)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    page.wait_for_function(
        """() => document.getAnimations().every(a =>
            a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)""",
        timeout=STEP_TIMEOUT_MS,
    )
    size = page.viewport_size or {"width": DEFAULT_VIEWPORT[0], "height": DEFAULT_VIEWPORT[1]}
    width, start = int(size["width"]), int(size["height"])
    height = start
    for _ in range(4):  # a taller window may lay the page out taller still
        needed = _content_height(page)
        if needed <= height or height >= MAX_SHOT_HEIGHT:
            break
        height = min(needed + 40, MAX_SHOT_HEIGHT)
        page.set_viewport_size({"width": width, "height": height})
        settle(page)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": width, "height": start})


def css_key(key: str) -> str:
    """The class Streamlit gives the container of the widget with this key."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key)


# ------------------------------------------------------------------ the intake


class Intake:
    """The intake page of one screening, answered the way a user does it."""

    def __init__(self, page: Any, workflow: Workflow) -> None:
        self.page = page
        self.workflow = workflow
        match = re.search(r"[?&]id=([0-9a-f-]+)", page.url)
        assert match, page.url
        self.identifier = match.group(1)

    def widget(self, item: str) -> Any:
        return self.page.locator(f".{css_key(f'w:{self.identifier}:{item}')}")

    def stored(self) -> dict[str, Any]:
        return self.workflow.get(self.identifier).answers

    def wait_saved(self, item: str, expected: Any) -> None:
        deadline = time.monotonic() + SAVE_TIMEOUT
        while (value := self.stored().get(item)) != expected:
            assert time.monotonic() < deadline, f"{item} was not saved (stored: {value!r})"
            time.sleep(0.1)
        settle(self.page)

    def type_text(self, item: str, text: str, stored: Any = None) -> None:
        field = self.widget(item).locator("input")
        field.fill(text)
        field.press("Enter")
        self.wait_saved(item, text if stored is None else stored)

    def choose(self, item: str, label: str, stored: Any) -> None:
        self.widget(item).locator(
            '[data-testid="stRadioOption"]', has_text=re.compile(f"^{re.escape(label)}$")
        ).click()
        self.wait_saved(item, stored)

    def date(self, item: str, iso: str) -> None:
        self.widget(item).get_by_role("spinbutton", name=re.compile("^year")).click()
        self.page.keyboard.type(iso.replace("-", ""))
        self.page.locator("h2").first.click()  # the field commits its value when it loses focus
        self.wait_saved(item, iso)

    def section(self) -> str:
        return str(self.page.locator("h2").first.inner_text())

    def next(self, title: str) -> None:
        self.page.get_by_role("button", name="Next").click()
        self.page.get_by_role("heading", name=title).wait_for()
        settle(self.page)


def first_answer_creates(page: Any, workflow: Workflow, patient_name: str) -> Intake:
    """On a new screening's intake (an unsaved stand-in, nothing stored), type the patient's name:
    that first answer creates the screening, whose id then replaces the stand-in in the address."""
    unsaved = re.search(r"[?&]id=(new-[0-9a-f]+)", page.url)
    assert unsaved, page.url
    assert workflow.screenings() == []
    name_field = page.locator(f".{css_key(f'w:{unsaved.group(1)}:patient_name')}").locator("input")
    name_field.fill(patient_name)
    name_field.press("Enter")
    deadline = time.monotonic() + SAVE_TIMEOUT
    while not re.search(r"[?&]id=[0-9a-f]{8}-", page.url):
        assert time.monotonic() < deadline, f"the first answer did not create the screening: {page.url}"
        page.wait_for_timeout(100)  # lets the browser's events (the new address) reach the test
    intake = Intake(page, workflow)
    intake.wait_saved("patient_name", patient_name)
    assert [row.id for row in workflow.screenings()] == [intake.identifier]
    return intake


# ------------------------------------------------------------------ signing in


def fill_sign_in(page: Any, name: str, role: str | None) -> None:
    """Sign in on the local-mode form shown on the page (`role` None: the clinic file lists who is
    a psychiatrist, and the form asks no role). Credentials come from the clinic file."""
    page.get_by_label("Your name").fill(name)
    if role is not None:
        page.locator('[data-testid="stRadioOption"]', has_text=role).click()
    page.get_by_role("button", name="Continue").click()


def sign_in(page: Any, server: Server, name: str, role: str | None) -> None:
    """Open the app and sign in; the screenings list is shown."""
    page.goto(server.url)
    page.get_by_label("Your name").wait_for()
    fill_sign_in(page, name, role)
    page.get_by_role("heading", name="Screenings").wait_for()
    settle(page)


# ------------------------------------------------------------------ accessibility


@dataclass(frozen=True)
class AxeExclusion:
    """One axe rule inside one part of Streamlit's own markup that the app cannot change, with the
    reason: a violation of `rule` on an element inside `within` (a CSS selector) is left out."""

    rule: str
    within: str
    reason: str


_AXE_RUN = """async (exclusions) => {
    const results = await axe.run(document, {resultTypes: ['violations']});
    // a target names the element by a selector, or (inside shadow roots) by a list of selectors:
    // the hosts of the shadow roots it is in, then the element; the exclusion holds when any of
    // them is inside `within` (an element inside a frame is never excluded)
    const chain = (target) => {
        if (target.length !== 1) return [];
        const elements = [];
        let root = document;
        for (const selector of Array.isArray(target[0]) ? target[0] : [target[0]]) {
            const element = root && root.querySelector(selector);
            if (!element) return [];
            elements.push(element);
            root = element.shadowRoot;
        }
        return elements;
    };
    const excluded = (rule, node) => exclusions.some(([id, within]) =>
        id === rule && chain(node.target).some(element => element.closest(within) !== null));
    return results.violations
        .map(v => ({...v, nodes: v.nodes.filter(node => !excluded(v.id, node))}))
        .filter(v => v.nodes.length > 0);
}"""


def axe_violations(page: Any, script: Path, exclusions: Iterable[AxeExclusion] = ()) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations on the page as it is now (axe is injected into
    the page first when it is not there yet), less the `exclusions`."""
    settle(page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    violations = page.evaluate(_AXE_RUN, [[e.rule, e.within] for e in exclusions])
    return [v for v in violations if v.get("impact") in AXE_FAILING_IMPACTS]


def describe_violations(where: str, violations: list[dict[str, Any]]) -> str:
    """The violations in words for an assertion message: rule, impact, help, and each target with
    what axe says about it."""
    lines = [f"{len(violations)} serious or critical axe-core violation(s) on {where}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:8]:
            # a selector, or the selectors of the shadow roots' hosts and then of the element
            target = " | ".join(
                " >>> ".join(map(str, part)) if isinstance(part, list) else str(part)
                for part in node["target"]
            )
            summary = " ".join(str(node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def hostile_links(page: Any, needles: Iterable[str]) -> list[str]:
    """Each `a` element of the page (in every frame) whose `href` contains one of `needles`: its
    `href` and where it is (the `data-testid` of the closest element that has one, and the key of
    the closest keyed element, if any)."""
    from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415 - optional dependency

    found: list[str] = []
    for frame in page.frames:
        try:
            found.extend(
                frame.evaluate(
                    """(needles) => [...document.querySelectorAll('a')]
                        .filter(a => needles.some(n => (a.getAttribute('href') || '').includes(n)))
                        .map(a => {
                            const tested = a.closest('[data-testid]');
                            const keyed = a.closest('[class*="st-key-"]');
                            const key = keyed && [...keyed.classList].find(c => c.startsWith('st-key-'));
                            const area = a.closest('[data-testid="stSidebar"]') ? 'sidebar' : 'main';
                            return `${a.getAttribute('href')} in ${area}, ` +
                                `${tested ? tested.dataset.testid : '-'}, ${key || 'no key'}`;
                        })""",
                    list(needles),
                )
            )
        except PlaywrightError:  # a frame that went away meanwhile (a rerun replaced it)
            continue
    return found


# ------------------------------------------------------------------ layout, focus and colour


_CLIPPED = """(root) => [root, ...root.querySelectorAll('*')]
    .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
        && getComputedStyle(e).overflowX !== 'visible')
    .map(e => `${e.tagName.toLowerCase()} ${e.clientWidth}/${e.scrollWidth} px: ` +
        JSON.stringify((e.innerText || '').slice(0, 80)))"""


def clipped_text(locator: Any) -> list[str]:
    """The elements in and under the element of `locator` that cut their content: wider inside
    than their box (scrollWidth above clientWidth) and not letting it show beyond (overflow other
    than visible, which also covers an ellipsis), each with its widths and its text."""
    return list(locator.evaluate(_CLIPPED))


_FOCUS = """(box) => {
    const active = document.activeElement;
    if (!active || active === document.body) return 'the page (nothing focused)';
    const keyed = active.closest('[class*="st-key-"]');
    const key = keyed && [...keyed.classList].find(c => c.startsWith('st-key-'));
    return `${active.tagName} in ${active.closest('.' + box) ? box : (key || 'no keyed element')}`;
}"""


def wait_focus(page: Any, box: str, tag: str = "INPUT") -> None:
    """Wait until the keyboard focus is on a `tag` element inside the element of class `box` (the
    page moves the focus with a script once its run has finished)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415 - optional

    try:
        page.wait_for_function(
            """([box, tag]) => {
                const active = document.activeElement;
                return !!active && active.tagName === tag && active.closest('.' + box) !== null;
            }""",
            arg=[box, tag],
            timeout=STEP_TIMEOUT_MS // 4,
        )
    except PlaywrightTimeout:
        raise AssertionError(
            f"the focus is not on an {tag} in .{box}: it is on {page.evaluate(_FOCUS, box)}"
        ) from None


_TEXT_COLOURS = """(field) => {
    // the colour the text is painted in (a disabled field in Chromium may paint it in
    // -webkit-text-fill-color), and the first opaque-enough background behind it, with the
    // opacity of the field and its ancestors
    const style = getComputedStyle(field);
    const fill = style.webkitTextFillColor;
    const text = fill && fill !== style.color && !/^rgba\\(0, 0, 0, 0\\)$/.test(fill) ? fill : style.color;
    let opacity = 1;
    const layers = [];
    for (let e = field; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        opacity *= parseFloat(s.opacity);
        layers.push(s.backgroundColor);
    }
    layers.push('rgb(255, 255, 255)');  // the canvas
    return {text, opacity, layers};
}"""


def _rgba(colour: str) -> tuple[float, float, float, float]:
    match = re.fullmatch(r"rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? /?\s*([\d.]+))?\)", colour.strip())
    assert match, f"a colour this test cannot read: {colour}"
    red, green, blue, alpha = match.groups()
    return float(red), float(green), float(blue), 1.0 if alpha is None else float(alpha)


def _over(top: tuple[float, float, float, float], below: tuple[float, ...]) -> tuple[float, ...]:
    alpha = top[3]
    return tuple(alpha * top[i] + (1 - alpha) * below[i] for i in range(3))


def _luminance(rgb: tuple[float, ...]) -> float:
    def linear(channel: float) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else float(((value + 0.055) / 1.055) ** 2.4)

    red, green, blue = (linear(c) for c in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_contrast(locator: Any) -> tuple[float, str]:
    """The contrast ratio (WCAG) of the text of the field of `locator` against what is behind it,
    with the colours in words: the backgrounds of the field and its ancestors composed from the
    page's white upwards, the text colour (with the opacity of the field and its ancestors) over
    them."""
    found = locator.evaluate(_TEXT_COLOURS)
    background: tuple[float, ...] = (255.0, 255.0, 255.0)
    for layer in reversed(found["layers"]):
        background = _over(_rgba(layer), background)
    red, green, blue, alpha = _rgba(found["text"])
    text = _over((red, green, blue, alpha * float(found["opacity"])), background)
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    words = f"text {found['text']} (opacity {found['opacity']:g}) on {found['layers'][:3]}"
    return (lighter + 0.05) / (darker + 0.05), words


def server_environment(database_url: str, clinic: Path) -> dict[str, str]:
    """The environment of an app server over `database_url` with the clinic file `clinic`: this
    process's otherwise (the audit keys included, so every server a test starts signs with the
    same key), the bundled questionnaires."""
    env = {**os.environ, "SCREENING_DATABASE_URL": database_url, "SCREENING_CLINIC_FILE": str(clinic)}
    env.pop("SCREENING_QUESTIONNAIRES", None)
    return env


def start_streamlit(
    port: int, env: dict[str, str], log: Path, script: str | Path = "app.py"
) -> subprocess.Popen[bytes]:
    """`streamlit run app.py` (or another `script`) on 127.0.0.1:`port`, from the repository root,
    its output appended to `log`; returns once the server answers its health check (fails the test
    if it exits or does not serve in time)."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not healthy(url):
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not serve within {SERVER_START_TIMEOUT:.0f} s")
        time.sleep(0.1)
    return process


def stop_streamlit(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by `start_streamlit`, killing it if it does not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
