"""Benchmark of the Streamlit app in a real browser: one click on an intake answer, until the page
has settled.

    python bench/browser.py [--clicks N] [--warmup N] [--section N] [--busy N]

The app is served as a clinic runs it (`streamlit run app.py` on a free port, local mode, its own
SQLite file and clinic file), and beside it a bare Streamlit script that draws the same intake page
(the same widgets, labels, options and text, taken from an AppTest run of the real page by
`_bare_description` in bench/app.py and drawn by `_bare_page`) with no logic at all. In Debian's
chromium (headless, driven by Playwright), the intake section of a screening (PHQ-9 by default) is
opened on both, and radio options are clicked, interleaved ours / bare, each click changing one
answer (a Gray code over the section's items, so no set of answers comes back). A click is timed in
the page, from the click event to the page settled after a run of the script that the click caused:
Streamlit's script state (the `data-test-script-state` of the app's root element) is no longer
running, no "Running" status is shown and no element is stale, the criterion of `settle` in
tests/browser/browser_support.py. The same criterion on both sides; the end is the moment the page
became settled, taken once it has stayed settled for a while (so a second run is not missed). At
the end, the database must hold every answer clicked, and both pages must show them.

The bare script is `_bare_page`'s source and a call with the description (written as JSON, dates
tagged); `_bare_page` sets the page's settings as app.py does. At its first run it freezes
its process's heap out of garbage collection, as the app does once its workflow is built
(`ui/services.py`, `_freeze_heap`): Streamlit collects garbage fully after every run, and the
ratio is meant to compare the pages' own work, not the size of what each process imported.
PHQ-9 item 9 is answered "Not at all" and never clicked: a positive answer opens the suicide-risk
dialog, which covers the page.

With `--busy N`, the app's server first opens N other screenings, each with answers of its own, once
each (a page load and a sign-in apiece), as a clinic's server has done by the middle of a day: its
workflow then keeps them in memory (up to 256), and the clicks are timed with that process. The
bare script's server is not loaded: what the app holds is the app's cost.

Prints readable lines, then one JSON object as the very last line: `click_ratio` (median ours /
median bare; the goal is at most 1.2), `click_ms` (the medians), `clicks` (timed clicks per side),
`runs_per_click` and `messages_per_click` (the server's messages a click caused, medians: the same
on both sides when the bare script draws the same page).
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import re
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from a checkout, without installing

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench.app import _answers as complete_answers  # noqa: E402
from bench.app import _bare_description, _bare_page, gray_step, intake_page  # noqa: E402
from screening.definition import Definition  # noqa: E402
from screening.loading import BUNDLED_DIRECTORY, load_catalog  # noqa: E402
from screening.model import BooleanItem, ChoiceItem  # noqa: E402
from screening.storage import User  # noqa: E402
from screening.workflow import Workflow  # noqa: E402
from tests.browser.browser_support import (  # noqa: E402
    CHROMIUM_ARGS,
    CLINIC,
    DEFAULT_VIEWPORT,
    chromium_path,
    css_key,
    fill_sign_in,
    free_port,
    server_environment,
    settle,
    start_streamlit,
    stop_streamlit,
)

INTAKE_ID = "ketamine-trd-intake"
GOAL = 1.2
ASSESSED_ON = dt.date(2026, 11, 20)
USER = User(id="local:bench", name="Bench Coordinator", role="coordinator", authenticated=False)
SIGN_IN = ("Bench Coordinator", "Intake coordinator")
CLICK_TIMEOUT_MS = 60_000  # for one click to settle
CRISIS_ITEMS = {"phq9_9": "not_at_all"}
"""Items whose positive answer opens the suicide-risk dialog, which then covers the page: answered
negative and never clicked."""
QUIET_MS = 400
"""How long the page must stay settled before a click counts as done (not part of the time)."""

# ---------------------------------------------------------------------------------------------
# the screening


def _answers(definition: Definition) -> dict[str, Any]:
    """The rerun benchmark's complete, fictional answer set (choices: the second option, so that
    the benchmark can move each one to the third and back), with the suicide-risk item answered
    "Not at all" (`CRISIS_ITEMS`)."""
    return {**complete_answers(definition), **CRISIS_ITEMS}


def _describe(identifier: str, section: int) -> dict[str, Any]:
    """The bare page's description, from an AppTest run of the real intake page (the environment
    names the benchmark's database and clinic file)."""
    return _bare_description(intake_page(identifier, section))


# ---------------------------------------------------------------------------------------------
# the bare script

_BARE_SCRIPT = """\
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any


def _revive(value):
    if isinstance(value, dict):
        if set(value) == {{"__date__"}}:
            return datetime.date.fromisoformat(value["__date__"])
        if set(value) == {{"__datetime__"}}:
            return datetime.datetime.fromisoformat(value["__datetime__"])
        return {{key: _revive(item) for key, item in value.items()}}
    if isinstance(value, list):
        return [_revive(item) for item in value]
    return value


{source}

import gc  # noqa: E402

import streamlit as st  # noqa: E402


@st.cache_resource
def _heap_frozen() -> bool:
    gc.collect()
    gc.freeze()
    return True


_heap_frozen()
_bare_page(_revive(json.loads(Path({description!r}).read_text(encoding="utf-8"))))
"""


def _radios(description: dict[str, Any]) -> list[dict[str, Any]]:
    """The radio buttons of a page description, in the order they are drawn."""
    found: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("k") == "radio":
            found.append(node)
        for child in node.get("c", []):
            walk(child)

    for nodes in description["roots"].values():
        for node in nodes:
            walk(node)
    return found


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    raise TypeError(f"cannot write a {type(value).__name__} for the bare script")


def write_bare_script(folder: Path, description: dict[str, Any]) -> Path:
    """A script of its own that draws the page of `description` with `_bare_page`."""
    data = folder / "bare-page.json"
    data.write_text(json.dumps(description, default=_to_json), encoding="utf-8")
    script = folder / "bare_page.py"
    source = textwrap.dedent(inspect.getsource(_bare_page))
    script.write_text(_BARE_SCRIPT.format(source=source, description=str(data)), encoding="utf-8")
    return script


# ---------------------------------------------------------------------------------------------
# timing in the page

_PROBE = """() => {
    if (window.__bench) return;
    const app = document.querySelector('[data-testid="stApp"]');
    const settled = () => {
        const script = app.getAttribute('data-test-script-state');
        if (!script || ['initial', 'running', 'rerunRequested'].includes(script)) return false;
        const status = document.querySelector('[data-testid="stStatusWidget"]');
        if (status && /Running/.test(status.innerText)) return false;
        return document.querySelectorAll(
            '[data-stale="true"], [data-testid="stSkeleton"], [data-testid="stAppSkeleton"]'
        ).length === 0;
    };
    const probe = {armed: false, clicked: null, settledAt: null};
    window.__bench = probe;
    // the last change to the page since the click that left it settled (null while it is not)
    new MutationObserver(() => {
        if (probe.clicked !== null) probe.settledAt = settled() ? performance.now() : null;
    }).observe(app, {attributes: true, childList: true, characterData: true, subtree: true});
    window.addEventListener('click', () => {
        if (!probe.armed) return;
        Object.assign(probe, {armed: false, clicked: performance.now(), settledAt: null});
    }, true);
}"""

_ARM = "() => { Object.assign(window.__bench, {armed: true, clicked: null, settledAt: null}); }"

_DONE = """(quiet) => {
    const p = window.__bench;
    return p.clicked !== null && p.settledAt !== null && performance.now() - p.settledAt >= quiet;
}"""

_ELAPSED = "() => window.__bench.settledAt - window.__bench.clicked"

_FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
"""How a run that ends a click's work ends (not FINISHED_EARLY_FOR_RERUN: `st.rerun()` follows)."""


@dataclass
class Side:
    """One page under test: the app or the bare script. The server's messages to the page are read
    as they arrive (Playwright reports the WebSocket's frames): a click is done once a run has
    finished (not stopped early for `st.rerun()`) and the page has settled after it."""

    name: str
    page: Any
    times: list[float] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)
    """Script runs each click caused (2 when a run calls `st.rerun()`)."""
    messages: list[int] = field(default_factory=list)
    """Messages from the server each click caused (the same on both sides: the same page)."""
    _ended: list[int] = field(default_factory=list)  # script_finished statuses since the click
    _received: int = 0  # messages since the click

    def __post_init__(self) -> None:
        self.page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    def _frame(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg()
        message.ParseFromString(payload)
        self._received += 1
        if message.WhichOneof("type") == "script_finished":
            self._ended.append(message.script_finished)

    def option(self, key: str, label: str) -> Any:
        return self.page.locator(f".{css_key(key)}").locator(
            '[data-testid="stRadioOption"]', has_text=re.compile(f"^{re.escape(label)}$")
        )

    def click(self, key: str, label: str) -> tuple[float, int, int]:
        """Click the option `label` of the radio `key`; the milliseconds from the click until the
        page settled, and the numbers of script runs and of messages the click caused."""
        self.page.bring_to_front()
        self.page.evaluate(_PROBE)
        self.page.evaluate(_ARM)
        self._ended.clear()
        self._received = 0
        self.option(key, label).click()
        deadline = time.monotonic() + CLICK_TIMEOUT_MS / 1000
        while not _FINISHED.intersection(self._ended):
            assert time.monotonic() < deadline, f"{self.name}: no run finished after the click"
            self.page.wait_for_timeout(10)  # lets Playwright deliver the frames meanwhile
        self.page.wait_for_function(_DONE, arg=QUIET_MS, timeout=CLICK_TIMEOUT_MS)
        return float(self.page.evaluate(_ELAPSED)), len(self._ended), self._received

    def shown(self, key: str) -> str:
        checked = self.page.locator(f".{css_key(key)}").locator(
            '[data-testid="stRadioOption"]', has=self.page.locator("input[type=radio]:checked")
        )
        return str(checked.inner_text()).strip()


# ---------------------------------------------------------------------------------------------
# the run


@contextmanager
def _serving(script: Path | str, env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    process = start_streamlit(port, env, log, script=script)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_streamlit(process)


def _open_ours(page: Any, url: str, identifier: str, section: int, header: str) -> None:
    _sign_in_at(page, f"{url}/intake?id={identifier}&section={section}", header)


def _sign_in_at(page: Any, address: str, header: str) -> None:
    """Open `address` in a new session of the app: sign in, and wait for the page to settle."""
    page.goto(address)
    page.get_by_label("Your name").wait_for()
    settle(page)
    fill_sign_in(page, *SIGN_IN)
    page.get_by_role("heading", name=header).wait_for()
    settle(page)


def _busy_day(
    page: Any, url: str, workflow: Workflow, answers: dict[str, Any], count: int, section: int, header: str
) -> None:
    """Have the app's server open `count` other screenings, each with answers of its own (the
    weight, the heart rate and the name differ), as a clinic's server has by the middle of a day."""
    start = time.monotonic()
    for number in range(count):
        own = {
            **answers,
            "patient_name": f"Bench Patient {number + 2}",
            "weight_kg": 50 + number / 2,
            "heart_rate": 50 + number % 90,
        }
        other = workflow.create(USER, questionnaire=INTAKE_ID, assessed_on=ASSESSED_ON, answers=own)
        _sign_in_at(page, f"{url}/intake?id={other.id}&section={section}", header)
        if (number + 1) % 50 == 0:
            print(f"  {number + 1:4d} other screenings opened", flush=True)
    took = time.monotonic() - start
    print(f"  the app's server opened {count} other screenings in {took:.0f} s", flush=True)


def _open_bare(page: Any, url: str, header: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=header).wait_for()
    settle(page)


def _turns(count: int, widgets: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any], int]]:
    """(turn, widget, option position) for `count` turns: a Gray code over the widgets, the first
    turn of a widget moving it from the second option to the third, the next back, and so on."""
    assert count < 2 ** len(widgets), "more turns than distinct answer sets"
    for turn in range(1, count + 1):
        bit, flipped = gray_step(turn)
        yield turn, widgets[bit], 1 + flipped


def bench_clicks(
    ours: Side, bare: Side, widgets: list[dict[str, Any]], clicks: int, warmup: int
) -> dict[str, str]:
    """Click on both sides, interleaved; the label each widget shows at the end."""
    final: dict[str, str] = {}
    for turn, widget, position in _turns(clicks + warmup, widgets):
        label = widget["options"][position]
        final[widget["key"]] = label
        for side in (ours, bare) if turn % 2 else (bare, ours):  # neither side always goes first
            elapsed, runs, messages = side.click(widget["key"], label)
            if turn > warmup:
                side.times.append(elapsed)
                side.runs.append(runs)
                side.messages.append(messages)
        if turn % 10 == 0:
            print(f"  {turn:3d} clicks on each side", flush=True)
    return final


def _check(
    ours: Side, bare: Side, workflow: Workflow, identifier: str, final: dict[str, str], codes: dict[str, Any]
) -> None:
    """Every answer clicked is in the database, and both pages show it."""
    stored = workflow.get(identifier).answers
    for key, label in final.items():
        item = key.rsplit(":", 1)[1]
        assert stored.get(item) == codes[key][label], (
            f"{item}: stored {stored.get(item)!r}, clicked {label!r}"
        )
        assert ours.shown(key) == label == bare.shown(key), f"{item}: the pages do not show {label!r}"


def run(options: argparse.Namespace, folder: Path) -> dict[str, Any]:
    chromium = chromium_path()
    assert chromium is not None, "Debian chromium is not installed (apt-get install chromium)"
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only this benchmark needs it

    database_url = f"sqlite:///{folder / 'screenings.db'}"
    clinic = folder / "clinic.yaml"
    clinic.write_text(CLINIC, encoding="utf-8")
    os.environ["SCREENING_DATABASE_URL"] = database_url
    os.environ["SCREENING_CLINIC_FILE"] = str(clinic)
    os.environ["SCREENING_AUDIT_KEY_FILE"] = str(folder / "audit.key")
    os.environ.pop("SCREENING_QUESTIONNAIRES", None)
    catalog = load_catalog([BUNDLED_DIRECTORY])
    definition = catalog.get(INTAKE_ID)
    assert definition is not None
    with ExitStack() as stack:
        workflow = stack.enter_context(Workflow(database_url, catalog))
        identifier = workflow.create(
            USER, questionnaire=INTAKE_ID, assessed_on=ASSESSED_ON, answers=_answers(definition)
        ).id
        description = _describe(identifier, options.section)
        widgets = [
            w
            for w in _radios(description)
            if str(w["key"]).startswith(f"w:{identifier}:") and w["key"].rsplit(":", 1)[1] not in CRISIS_ITEMS
        ]
        title = definition.sections[options.section].title
        assert widgets, "the bare description has no answer widgets"
        codes: dict[str, dict[str, Any]] = {}
        for widget in widgets:
            item = definition.items[widget["key"].rsplit(":", 1)[1]]
            assert isinstance(item, (ChoiceItem, BooleanItem)), item.id
            values = (
                [True, False] if isinstance(item, BooleanItem) else [o.code for o in definition.options(item)]
            )
            assert len(values) == len(widget["options"]) >= 3, item.id
            codes[widget["key"]] = dict(zip(widget["options"], values, strict=True))
        env = server_environment(database_url, clinic)
        ours_url = stack.enter_context(_serving("app.py", env, folder / "ours.log"))
        bare_url = stack.enter_context(
            _serving(write_bare_script(folder, description), env, folder / "bare.log")
        )
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        stack.callback(browser.close)
        pages = []
        for _ in range(2):
            context = browser.new_context(
                viewport={"width": DEFAULT_VIEWPORT[0], "height": DEFAULT_VIEWPORT[1]}
            )
            context.set_default_timeout(CLICK_TIMEOUT_MS)
            pages.append(context.new_page())
        ours, bare = Side("ours", pages[0]), Side("bare", pages[1])
        if options.busy:
            busy = (options.busy, options.section, title)
            _busy_day(ours.page, ours_url, workflow, _answers(definition), *busy)
        _open_ours(ours.page, ours_url, identifier, options.section, title)
        _open_bare(bare.page, bare_url, title)
        print(f"  section: {title} ({len(widgets)} answer widgets)", flush=True)
        final = bench_clicks(ours, bare, widgets, options.clicks, options.warmup)
        _check(ours, bare, workflow, identifier, final, codes)
    return {
        "section": title,
        "widgets": len(widgets),
        "ours": ours.times,
        "bare": bare.times,
        "runs": {side.name: statistics.mean(side.runs) for side in (ours, bare)},
        "messages": {side.name: statistics.median(side.messages) for side in (ours, bare)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=40, help="clicks timed on each side")
    parser.add_argument("--warmup", type=int, default=4, help="clicks on each side before timing")
    parser.add_argument("--section", type=int, default=1, help="intake section (0-based; 1 is PHQ-9)")
    parser.add_argument(
        "--busy", type=int, default=0, help="other screenings the app's server opens first (a clinic's day)"
    )
    options = parser.parse_args(argv)

    print(
        f"One click on an intake answer until the page settles, in chromium ({options.clicks} on each side)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder:
        result = run(options, Path(folder))
    ours_ms, bare_ms = statistics.median(result["ours"]), statistics.median(result["bare"])
    ratio = ours_ms / bare_ms
    for name in ("ours", "bare"):
        times = sorted(result[name])
        print(
            f"  {name}: median {statistics.median(times):7.1f} ms, "
            f"min {times[0]:7.1f} ms, max {times[-1]:7.1f} ms ({len(times)} clicks, "
            f"{result['runs'][name]:.2f} script runs and {result['messages'][name]:g} messages per click)"
        )
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"  ratio ours / bare: {ratio:.2f} ({verdict} the goal of {GOAL})")
    summary = {
        "click_ratio": round(ratio, 3),
        "click_ms": {"ours": round(ours_ms, 1), "bare": round(bare_ms, 1)},
        "clicks": {"ours": len(result["ours"]), "bare": len(result["bare"])},
        "click_goal": GOAL,
        "section": result["section"],
        "widgets": result["widgets"],
        "runs_per_click": {name: round(value, 2) for name, value in result["runs"].items()},
        "messages_per_click": result["messages"],
        "busy": options.busy,
    }
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
