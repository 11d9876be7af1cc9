"""Benchmark of the Streamlit app: one intake rerun after an answer changes, and one saved answer.

    python bench/app.py [--processes N] [--repeats N] [--saves N] [--section N]

1. **Rerun.** The intake page of a screening (the PHQ-9 section by default) in Streamlit's AppTest:
   one answer is changed through its widget and the page reruns (the answer is saved, the
   screening checked at its revision, the page, the live summary and the suicide-risk alert
   drawn). Side by side in the same process, interleaved run by run, a bare
   Streamlit script draws the identical element tree with no logic at all: it is made from what
   the page drew (`_bare_description`: every element and block of the main area, the sidebar and
   the event area, with the same keys, labels, options, values and text) and drawn with plain
   Streamlit calls (`_bare_page`). After every turn both trees must be equal (`tree_signature`:
   the same elements, blocks and keys in the same places, so the same delta messages);
   tests/app/test_bench_trees.py keeps it so. Like app.py, the bare script also runs
   `st.navigation` over the app's pages (`ui.pages.menu`; it draws the intake, the others are
   empty) and the idle check's fragment (`ui.lock`), so it sends the same messages around the
   elements too (`bench/browser.py` counts them on both sides). The answers changed are those that leave the
   suicide-risk alert as it is (the tree then keeps its shape). The medians of both and their
   ratio (ours / bare; the goal is at most 1.3) are reported. Both sides pay AppTest's own cost;
   scripts are compiled once and kept, as `streamlit run` keeps them (AppTest alone would
   recompile every script on every run). The comparison runs in several fresh processes, one
   after the other (`--processes`, 5 by default), and `rerun_ratio` is the median of their
   ratios (each process's ratio is in `rerun_ratios`): the ratio differs more from one process to
   the next than within one (the same code gave 1.26 to 1.77 in six single processes on a busy
   machine), by where each process's objects lie in memory and by what the machine does meanwhile.
2. **Save.** `Workflow.answer` on a SQLite file (write-ahead log, full fsync, as the app runs it):
   the median and 95th percentile over a few hundred saves, each changing one answer (a Gray
   code over the PHQ-9 and GAD-7 items, so no set of answers comes back and each save assesses
   its answers anew, as a click does). A save is
   what the app's widget callback does: check the answer against the screening at its revision,
   store it with the status the workflow computes inside the write, and keep the screening the
   write returns. Each save waits for the disk (the commit's fsync), so the disk's own latency is
   measured beside it, in the same folder: `fsync_median_ms`, a 4 KB write and `os.fsync`, the
   median of 100. On this kind of machine it moves between runs (a commit took 0.3 ms in one run
   and 4.1 ms on average in another, the same afternoon), and the rerun's ratio with it.

Prints readable lines, then one JSON object as the very last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from a checkout, without installing

import streamlit.testing.v1.app_test as app_test_module  # noqa: E402
import streamlit.testing.v1.local_script_runner as local_script_runner_module  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from screening.definition import Definition  # noqa: E402
from screening.loading import BUNDLED_DIRECTORY, Catalog, load_catalog  # noqa: E402
from screening.model import BooleanItem, ChoiceItem  # noqa: E402
from screening.storage import User  # noqa: E402
from screening.workflow import Workflow  # noqa: E402
from ui import lock, pages  # noqa: E402

INTAKE_ID = "ketamine-trd-intake"
GOAL = 1.3
ASSESSED_ON = dt.date(2026, 11, 20)
USER = User(id="local:bench", name="Bench Coordinator", role="coordinator", authenticated=False)
TIMEOUT = 60  # seconds for any one AppTest run


def _answers(definition: Definition) -> dict[str, Any]:
    """A complete, fictional answer set: every required item of every section answered."""
    answers: dict[str, Any] = {
        "patient_name": "Bench Patient",
        "date_of_birth": "1980-01-01",
        "sex_at_birth": "female",
        "weight_kg": 70,
        "height_cm": 170,
        "systolic_bp": 120,
        "diastolic_bp": 80,
        "heart_rate": 70,
        "episode_duration_months": 18,
        "antidepressant_trials": [
            {"drug": "a", "weeks": 8, "adequate_dose": True, "adherent": True, "improvement": "none"},
            {"drug": "b", "weeks": 8, "adequate_dose": True, "adherent": True, "improvement": "lt25"},
        ],
        "medication_classes": ["none"],
    }
    for item in definition.items.values():
        if item.id in answers or not item.required:
            continue
        if isinstance(item, BooleanItem):
            answers[item.id] = False
        elif isinstance(item, ChoiceItem):
            answers[item.id] = definition.options(item)[1].code
    return answers


def _screening(workflow: Workflow, definition: Definition) -> str:
    screening = workflow.create(
        USER, questionnaire=definition.id, assessed_on=ASSESSED_ON, answers=_answers(definition)
    )
    return screening.id


# ---------------------------------------------------------------------------------------------
# 1. rerun of the intake page against a bare script


def _bare_page(page: dict[str, "Any"]) -> None:  # noqa: C901, PLR0915, UP037 - one flat dispatch; AppTest runs the source alone
    """Draw a page from its description (`_bare_description`) with plain Streamlit calls and no
    logic: the same elements, keys, labels, options, values and text, in the same containers.
    AppTest (and `bench/browser.py`, through `streamlit run`) runs this function's source as a
    script of its own, so it imports what it needs itself."""
    import datetime  # noqa: PLC0415 - the function's source runs on its own

    import streamlit as st  # noqa: PLC0415

    def draw(node: "dict[str, Any]") -> None:  # noqa: C901, PLR0912, UP037 - one flat dispatch; quoted: run alone
        kind = node["k"]
        children = node.get("c", [])
        if kind == "container":
            with st.container(
                key=node["key"], border=node["border"], horizontal=node["horizontal"], gap="small"
            ):
                for child in children:
                    draw(child)
        elif kind == "columns":
            for column, child in zip(st.columns(node["weights"]), children, strict=True):
                with column:
                    for grandchild in child.get("c", []):
                        draw(grandchild)
        elif kind == "expander":
            with st.expander(node["label"], expanded=node["expanded"]):
                for child in children:
                    draw(child)
        elif kind == "popover":
            with st.popover(node["label"], icon=node["icon"]):
                for child in children:
                    draw(child)
        elif kind == "dialog":
            title: str = node["title"]
            icon: str | None = node["icon"]

            @st.dialog(title, dismissible=False, icon=icon, width="medium")
            def dialog() -> None:
                for child in children:
                    draw(child)

            dialog()
        elif kind == "badge":
            st.badge(node["label"], color=node["color"], icon=node["icon"], help=node["help"])
        elif kind in ("markdown", "caption", "title", "header", "subheader"):
            text = getattr(st, kind)
            if kind == "markdown":  # a statement, not an expression: Streamlit would draw its value
                text(node["body"], help=node["help"])
            else:
                text(node["body"])
        elif kind in ("error", "warning", "info", "success"):
            getattr(st, kind)(node["body"], icon=node["icon"])
        elif kind == "html":
            st.html(node["body"], unsafe_allow_javascript=node["script"])
        elif kind == "radio":
            st.radio(
                node["label"],
                node["options"],
                index=node["index"],
                horizontal=node["horizontal"],
                key=node["key"],
            )
        elif kind == "date_input":
            day = datetime.date.fromisoformat(node["value"])
            st.date_input(node["label"], value=day, key=node["key"], format="YYYY-MM-DD", help=node["help"])
        elif kind == "text_input":
            st.text_input(
                node["label"], value=node["value"], key=node["key"], label_visibility=node["visibility"]
            )
        elif kind == "button":
            st.button(node["label"], key=node["key"], type=node["type"], icon=node["icon"])
        elif kind == "segmented_control":
            st.segmented_control(
                node["label"],
                node["options"],
                default=node["default"],
                key=node["key"],
                label_visibility="collapsed",
            )
        elif kind == "progress":
            st.progress(node["value"], text=node["text"])
        else:
            raise ValueError(f"cannot draw {kind!r}")

    def roots() -> None:
        for root, nodes in page["roots"].items():
            if root == "sidebar":
                with st.sidebar:
                    for node in nodes:
                        draw(node)
            else:
                for node in nodes:
                    draw(node)

    # As app.py: the page's settings, the navigation over the same pages (this one drawn, the
    # others never run), the idle check's fragment (which draws nothing), then the page: the same
    # messages as the app's.
    @st.fragment(run_every=page["check_every"])
    def watch() -> None:
        pass

    def other() -> None:
        pass

    st.set_page_config(layout="wide")  # as app.py sets it, every run: one message of the run
    drawn = page["drawn"]
    navigation = st.navigation(
        {
            section: [
                st.Page(
                    roots if url == drawn else other,
                    title=title,
                    icon=icon,
                    url_path=url,
                    default=url == drawn,
                )
                for url, title, icon in entries
            ]
            for section, entries in page["menu"].items()
        },
        position="sidebar",
    )
    watch()
    navigation.run()


_ALERTS = {"error", "warning", "info", "success"}
_REVISION_SUFFIX = re.compile(r":[0-9]+$")
_TEXTS = {"markdown", "caption", "title", "header", "subheader"}
_BADGE = re.compile(r":(?P<color>[a-z]+)-badge\[(?:(?P<icon>:material/[a-z_]+:) )?(?P<label>.*)\]", re.DOTALL)


def _describe_node(node: Any) -> dict[str, Any]:  # noqa: C901, PLR0911, PLR0912 - one flat dispatch
    """One element or block of an AppTest tree as plain data for `_bare_page`."""
    kind = node.type
    proto: Any = getattr(node, "proto", None)
    children = [_describe_node(child) for child in getattr(node, "children", {}).values()]
    if kind == "flex_container":
        columns = bool(children) and all(child["k"] == "column" for child in children)
        if columns:
            return {"k": "columns", "weights": [child["weight"] for child in children], "c": children}
        box = proto.flex_container
        return {
            "k": "container",
            "key": node.key,
            "border": bool(box.border),
            "horizontal": box.direction == box.HORIZONTAL,
            "c": children,
        }
    if kind == "column":
        return {"k": "column", "weight": proto.weight, "c": children}
    if kind == "expander":
        return {
            "k": "expander",
            "label": proto.label,
            "expanded": proto.expanded,
            "c": children,
        }
    if kind == "popover":
        return {
            "k": "popover",
            "label": proto.popover.label,
            "icon": proto.popover.icon or None,
            "c": children,
        }
    if kind == "dialog":  # st.dialog draws the container its content goes in itself
        if len(children) == 1 and children[0]["k"] == "container" and children[0]["key"] is None:
            children = children[0]["c"]
        return {"k": "dialog", "title": proto.dialog.title, "icon": proto.dialog.icon or None, "c": children}
    if kind in _TEXTS:
        badge = _BADGE.fullmatch(proto.body) if kind == "markdown" else None
        if badge is not None:  # st.badge draws a markdown element
            color, icon, label = badge.group("color", "icon", "label")
            return {"k": "badge", "label": label, "color": color, "icon": icon, "help": proto.help or None}
        return {"k": kind, "body": proto.body, "help": getattr(proto, "help", "") or None}
    if kind in _ALERTS:
        return {"k": kind, "body": proto.body, "icon": proto.icon or None}
    if kind == "html":
        return {"k": "html", "body": proto.body, "script": "<script" in proto.body}
    if kind == "radio":
        index = node.index
        return {
            "k": "radio",
            "label": proto.label,
            "options": list(proto.options),
            "index": index,
            "horizontal": proto.horizontal,
            "key": node.key,
        }
    if kind == "date_input":
        value = [node.value.isoformat()]
        return {
            "k": "date_input",
            "label": proto.label,
            "value": value[0],
            "key": node.key,
            "help": proto.help or None,
        }
    if kind == "text_input":
        hidden = proto.label_visibility.value == proto.label_visibility.COLLAPSED
        value = node.value
        return {
            "k": "text_input",
            "label": proto.label,
            "value": value,
            "key": node.key,
            "visibility": "collapsed" if hidden else "visible",
        }
    if kind == "button":
        return {
            "k": "button",
            "label": proto.label,
            "key": node.key,
            "type": proto.type,
            "icon": proto.icon or None,
        }
    if kind == "button_group":
        options = [option.content for option in proto.options]
        chosen = list(node.indices)
        return {
            "k": "segmented_control",
            "label": "Sections",
            "options": options,
            "default": options[chosen[0]] if chosen else None,
            "key": node.key,
        }
    if kind == "progress":
        return {"k": "progress", "value": proto.value, "text": proto.text}
    raise ValueError(f"the bare page cannot draw a {kind!r} element")


def _bare_description(at: AppTest) -> dict[str, Any]:
    """What the page drew (every element of the main area, the sidebar and the event area, where
    dialogs and scripts go), as plain JSON-able data for `_bare_page`."""
    roots = {name: at._tree.children[index] for index, name in enumerate(("main", "sidebar", "event"))}
    described = {
        name: [_describe_node(child) for child in root.children.values()] for name, root in roots.items()
    }
    # The main area's first block is the idle check's fragment (app.py, `lock.watch`), empty: the
    # bare page draws it as a fragment itself.
    idle_check: dict[str, Any] = {
        "k": "container",
        "key": None,
        "border": False,
        "horizontal": False,
        "c": [],
    }
    assert described["main"][:1] == [idle_check], "the page does not start with the idle check"
    described["main"] = described["main"][1:]
    return {
        "roots": described,
        # the app's navigation as the benchmarks' user sees it (their clinic files name no
        # administrator), each page by its address, and the idle check's period
        "menu": {
            section: [[Path(entry.path).stem, entry.title, entry.icon] for entry in entries]
            for section, entries in pages.menu(administrator=False).items()
        },
        "drawn": Path(pages.INTAKE).stem,
        "check_every": lock.CHECK_EVERY.total_seconds(),
    }


def tree_signature(at: AppTest) -> list[Any]:
    """The shape of what a run drew: for every element and block, in order, its type, its key and
    (for blocks) the signatures of its children. Two pages with the same signature drew the same
    element tree, with the same number of delta messages."""

    def shape(node: Any) -> Any:
        children = getattr(node, "children", None)
        inner = [shape(child) for child in children.values()] if isinstance(children, dict) else None
        key = getattr(node, "key", None)
        # a key ending in the revision the widget was drawn at (the discard form's reason field,
        # emptied by every save) is the same widget at every revision
        return [node.type, None if key is None else _REVISION_SUFFIX.sub("", key), inner]

    return [shape(root) for root in at._tree.children.values()]


def intake_page(identifier: str, section: int) -> AppTest:
    """The intake page of screening `identifier` at `section`, run once in AppTest by the
    benchmark's user (the environment names the database and the clinic file)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["user"] = USER
    at.query_params["id"] = identifier
    at.query_params["section"] = str(section)
    at.switch_page("ui/pages/intake.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _keep_bytecode() -> None:
    """Compile each script once, as `streamlit run` does (its runtime keeps one ScriptCache).
    AppTest makes a new cache for every run, so without this both sides would pay a compilation of
    every script on every rerun, which a served app never does."""
    shared = ScriptCache()
    for module in (app_test_module, local_script_runner_module):  # page scripts, the main script
        module.ScriptCache = lambda: shared  # type: ignore[attr-defined]


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def gray_step(turn: int) -> tuple[int, int]:
    """Turn `turn` (counted from 1) of a Gray code: the position that changes (the lowest set bit
    of `turn`) and its new state (1 flipped, 0 back). Turns 1 to 2**n - 1 over n positions reach
    every set of states once, so no set comes back and nothing computed earlier can be reused."""
    bit = (turn & -turn).bit_length() - 1
    return bit, (turn ^ (turn >> 1)) >> bit & 1


def _choices(definition: Definition, item: ChoiceItem | BooleanItem) -> list[Any]:
    """The stored values an item's widget offers, in the widget's order."""
    if isinstance(item, BooleanItem):
        return [True, False]
    return [option.code for option in definition.options(item)]


def bench_rerun(
    workflow: Workflow, identifier: str, definition: Definition, section: int, repeats: int
) -> dict[str, Any]:
    view = definition.sections[section]
    crisis_items = {alert.item for alert in workflow.crisis_alerts(workflow.get(identifier))}
    widgets = [item for item in view.section.items if isinstance(item, (ChoiceItem, BooleanItem))]
    items = [item for item in widgets if item.id not in crisis_items]
    # Every turn changes one answer, following a Gray code over the section's items, so that no
    # set of answers comes back: nothing computed for an earlier turn can be reused. Answers that
    # raise or clear a suicide-risk alert are left alone, so the page keeps the shape the bare
    # script draws (the alert under the item and its dialog stay as they are): the two trees are
    # compared after every turn.
    assert repeats + 3 < 2 ** len(items), "more turns than distinct answer sets"

    _keep_bytecode()
    ours = intake_page(identifier, section)
    keys = [f"w:{identifier}:{item.id}" for item in items]
    assert all(ours.radio(key=key).label.startswith(item.text) for key, item in zip(keys, items, strict=True))

    bare = AppTest.from_function(_bare_page, args=(_bare_description(ours),), default_timeout=TIMEOUT)
    bare.run()
    assert not bare.exception, [e.value for e in bare.exception]
    assert tree_signature(bare) == tree_signature(ours), "the bare page draws another element tree"

    ours_times: list[float] = []
    bare_times: list[float] = []
    expected: dict[str, Any] = {}
    for turn in range(1, repeats + 4):  # the first three turns warm up both sides
        bit, flipped = gray_step(turn)
        item, key = items[bit], keys[bit]
        # the seeded answer is the second choice (or "no"); the other value is the third (or "yes")
        position = (1 - flipped) if isinstance(item, BooleanItem) else 1 + flipped
        value = _choices(definition, item)[position]
        expected[item.id] = value
        gc.collect()
        ours.radio(key=key).set_value(value)
        mine = _timed(ours.run)
        bare.radio(key=key).set_value(bare.radio(key=key).options[position])
        theirs = _timed(bare.run)
        assert tree_signature(bare) == tree_signature(ours), f"the trees differ after turn {turn}"
        if turn > 3:
            ours_times.append(mine)
            bare_times.append(theirs)
    assert not ours.exception, [e.value for e in ours.exception]
    assert tree_signature(bare) == tree_signature(ours), "the two pages drew different trees"
    stored = workflow.get(identifier).answers
    assert {item_id: stored.get(item_id) for item_id in expected} == expected

    ours_ms = statistics.median(ours_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    return {
        "section": view.title,
        "widgets": len(bare.radio),
        "ours_ms": ours_ms,
        "bare_ms": bare_ms,
        "ratio": ours_ms / bare_ms,
    }


# ---------------------------------------------------------------------------------------------
# 2. one saved answer


SAVED_ITEMS = ["phq9_1", "phq9_2", "phq9_3", "phq9_4", "phq9_5", "phq9_6", "phq9_7", "phq9_8"]
SAVED_ITEMS += ["gad7_1", "gad7_2", "gad7_3", "gad7_4", "gad7_5", "gad7_6", "gad7_7"]
"""The items the save benchmark changes: a Gray code over them gives every save answers never
saved before, so the status the save computes is assessed anew each time, as after a click."""


def bench_save(workflow: Workflow, identifier: str, definition: Definition, saves: int) -> dict[str, float]:
    assert saves + 5 < 2 ** len(SAVED_ITEMS), "more saves than distinct answer sets"
    revision = workflow.get(identifier).revision
    times: list[float] = []
    for turn in range(1, saves + 6):
        bit, flipped = gray_step(turn)
        item = definition.items[SAVED_ITEMS[bit]]
        assert isinstance(item, ChoiceItem)
        value = definition.options(item)[1 + flipped].code  # the second option or the third
        start = time.perf_counter()
        screening = workflow.answer(identifier, {item.id: value}, user=USER, base_revision=revision)
        elapsed = time.perf_counter() - start
        revision = screening.revision
        if turn > 5:
            times.append(elapsed)
    times.sort()
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[min(len(times) - 1, round(0.95 * len(times)) - 1)] * 1000,
        "saves": float(len(times)),
    }


def rerun_in_processes(processes: int, repeats: int, section: int) -> dict[str, Any]:
    """`bench_rerun` in `processes` fresh processes, one after the other: the median of their
    ratios, and of their medians."""
    results = []
    for number in range(1, processes + 1):
        child = subprocess.run(
            [sys.executable, __file__, "--rerun-only", "--repeats", str(repeats), "--section", str(section)],
            capture_output=True,
            text=True,
            check=True,
            timeout=TIMEOUT * (repeats + 10),
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"  process {number}: ours {result['ours_ms']:6.1f} ms, bare {result['bare_ms']:6.1f} ms,"
            f" ratio {result['ratio']:.2f}"
        )
        results.append(result)
    return {
        "section": results[0]["section"],
        "widgets": results[0]["widgets"],
        "ours_ms": statistics.median(result["ours_ms"] for result in results),
        "bare_ms": statistics.median(result["bare_ms"] for result in results),
        "ratio": statistics.median(result["ratio"] for result in results),
        "ratios": [round(result["ratio"], 3) for result in results],
    }


def _rerun_only(repeats: int, section: int) -> int:
    """One process's side-by-side rerun (`--rerun-only`): its JSON on the last line."""
    catalog, definition = _intake()
    with tempfile.TemporaryDirectory(prefix="bench-app-") as folder:
        _environment(folder)
        with Workflow(questionnaires=catalog) as workflow:
            rerun = bench_rerun(workflow, _screening(workflow, definition), definition, section, repeats)
    print(json.dumps(rerun, sort_keys=True))
    return 0


def _intake() -> tuple[Catalog, Definition]:
    """The bundled catalog and its intake questionnaire."""
    catalog = load_catalog([BUNDLED_DIRECTORY])
    definition = catalog.get(INTAKE_ID)
    assert definition is not None
    return catalog, definition


def _environment(folder: str) -> None:
    """The app's settings for a benchmark: a database and an empty clinic file in `folder`."""
    os.environ["SCREENING_DATABASE_URL"] = f"sqlite:///{Path(folder) / 'screenings.db'}"
    os.environ.pop("SCREENING_QUESTIONNAIRES", None)
    os.environ["SCREENING_CLINIC_FILE"] = str(Path(folder) / "no-clinic.yaml")
    Path(folder, "no-clinic.yaml").write_text("name: Bench clinic\n", encoding="utf-8")


def fsync_median_ms(folder: Path, times: int = 100) -> float:
    """The median time of writing 4 KB to a file in `folder` and making it durable (`os.fsync`):
    what every commit of a save waits for at least."""
    path = folder / "fsync-probe"
    block = b"\0" * 4096
    spent: list[float] = []
    with path.open("wb") as probe:
        for _ in range(times):
            start = time.perf_counter()
            probe.write(block)
            probe.flush()
            os.fsync(probe.fileno())
            spent.append(time.perf_counter() - start)
    path.unlink()
    return statistics.median(spent) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=5, help="fresh processes that compare the reruns")
    parser.add_argument("--repeats", type=int, default=40, help="reruns timed on each side, in each process")
    parser.add_argument("--saves", type=int, default=300, help="answers saved")
    parser.add_argument("--section", type=int, default=1, help="intake section (0-based; 1 is PHQ-9)")
    parser.add_argument("--rerun-only", action="store_true", help=argparse.SUPPRESS)  # one process's rerun
    options = parser.parse_args(argv)
    if options.rerun_only:
        return _rerun_only(options.repeats, options.section)

    catalog, definition = _intake()
    print(
        f"Intake rerun after one answer changes ({options.repeats} reruns on each side,"
        f" in each of {options.processes} processes)"
    )
    rerun = rerun_in_processes(options.processes, options.repeats, options.section)
    print(f"  section:                       {rerun['section']} ({rerun['widgets']} answer widgets)")
    print(f"  ours (median of processes):    {rerun['ours_ms']:8.1f} ms")
    print(f"  bare script, same widgets:     {rerun['bare_ms']:8.1f} ms")
    verdict = "meets" if rerun["ratio"] <= GOAL else "misses"
    print(f"  ratio ours / bare (median):    {rerun['ratio']:8.2f}  ({verdict} the goal of {GOAL})")
    with tempfile.TemporaryDirectory(prefix="bench-app-") as folder:
        _environment(folder)
        with Workflow(questionnaires=catalog) as workflow:
            save_screening = _screening(workflow, definition)
            print(f"Saving one answer with Workflow.answer on SQLite ({options.saves} saves)")
            save = bench_save(workflow, save_screening, definition, options.saves)
            print(f"  median:                        {save['median_ms']:8.2f} ms")
            print(f"  95th percentile:               {save['p95_ms']:8.2f} ms")
            fsync_ms = fsync_median_ms(Path(folder))
            print(f"  the disk's fsync (4 KB):       {fsync_ms:8.2f} ms median")

    summary = {
        "rerun_section": rerun["section"],
        "rerun_ours_ms": round(rerun["ours_ms"], 2),
        "rerun_bare_ms": round(rerun["bare_ms"], 2),
        "rerun_ratio": round(rerun["ratio"], 3),
        "rerun_ratios": rerun["ratios"],
        "rerun_processes": options.processes,
        "rerun_goal": GOAL,
        "rerun_repeats": options.repeats,
        "save_median_ms": round(save["median_ms"], 3),
        "save_p95_ms": round(save["p95_ms"], 3),
        "saves": options.saves,
        "fsync_median_ms": round(fsync_ms, 3),
    }
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
