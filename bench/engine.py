"""Benchmark of the questionnaire engine: loading and checking, assessing, and how both grow.

    python bench/engine.py [--repeats N] [--wall] [--processes N] [--instructions]

Measures the median of several runs, in CPU time of this process (`time.process_time`: other
work on a shared machine barely moves it), or with `--wall` in elapsed time (`time.perf_counter`):

1. loading and checking the bundled questionnaires (`load_catalog`), without and with their
   worked examples;
2. the same load and check against the bare libyaml parse of the same files
   (`yaml.load(text, Loader=yaml.CSafeLoader)`, no positions, checks or limits), the two timed
   alternately in the same process: `load_vs_libyaml` is the median ratio (goal: at most 2).
   The load is also split into its steps: the YAML loader (`load_yaml`), validation into the
   format model, and the cross-reference checks (`load_split_ms`, `yaml_vs_libyaml`);
3. one `assess` call on a complete answer set (the example answers file);
4. generated questionnaires of 100, 1,000 and 10,000 items, with conditions, scores, derived
   values and rules in proportion: parse, check and assess, the sizes timed side by side in the
   same process. The ratio of the times of two sizes ten times apart is the growth: 10 is
   linear. `growth_1000_vs_100` (limit 12) and `growth_10000_vs_1000` (goal: at most 11) are the
   larger of the load-and-check and the assess ratios. The 10,000-item file (about 1.5 MB and
   230,000 values) is over the size limits of a YAML file the app reads; the bench lifts those
   two limits while it measures the generated files. The growth is measured in several fresh
   processes, one after the other (`--processes`, 3 by default), and each ratio reported is the
   median of theirs (`growth_*_runs` lists each process's two growths): the 1,000-item times move
   from one process to the next (assess 13 to 19.5 ms on a busy day) where the 10,000-item ones
   hardly do, so one process's ratio says more about that process than about the engine.
5. with `--instructions` (needs valgrind): the same growth from 1,000 to 10,000 items counted in
   machine instructions rather than seconds, by callgrind (`instructions_growth_*`). A count does
   not depend on the machine's load nor on its caches: it tells whether the work itself grows
   linearly (10), where the time also holds what the memory hierarchy adds once a questionnaire's
   objects no longer fit the processor's cache (the 10,000-item definition holds about 30 MB, the
   1,000-item one about 3 MB). Each step runs once in its own process under
   `valgrind --tool=callgrind`, inside `functools.reduce`, the one function whose instructions are
   counted (`--toggle-collect`); what comes before it (generating, loading, one warm-up run) is
   not. Takes several minutes.

Prints readable lines, then one JSON object as the very last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from a checkout, without installing

from screening import yamlsource  # noqa: E402
from screening.answers_file import read_answers_file  # noqa: E402
from screening.assessment import Assessment  # noqa: E402
from screening.definition import Definition  # noqa: E402
from screening.engine import assess  # noqa: E402
from screening.examples import resolve_example  # noqa: E402
from screening.loading import (  # noqa: E402
    BUNDLED_DIRECTORY,
    build_catalog,
    load_catalog,
    parse_file,
    parse_text,
    questionnaire_files,
)

EXAMPLE_ANSWERS = ROOT / "tests" / "documents" / "golden" / "answers-example.yaml"
INTAKE_ID = "ketamine-trd-intake"
SIZES = (100, 1000, 10000)
GROWTH_LIMIT = 12.0
"""Limit of `growth_1000_vs_100`."""
GROWTH_10000_GOAL = 11.0
"""Goal for `growth_10000_vs_1000`."""
LOAD_VS_LIBYAML_GOAL = 2.0
"""Goal for `load_vs_libyaml`."""
ASSESSED_ON = dt.date(2026, 11, 20)


clock: Callable[[], float] = time.process_time
"""The clock of every measure (see `--wall`)."""


def median_seconds(action: Callable[[], object], repeats: int, inner: int = 1) -> float:
    """Median over `repeats` runs of the time of one call (each run makes `inner` calls)."""
    times: list[float] = []
    for _ in range(repeats):
        gc.collect()
        start = clock()
        for _ in range(inner):
            action()
        times.append((clock() - start) / inner)
    return statistics.median(times)


def _once(action: Callable[[], object]) -> float:
    start = clock()
    action()
    return max(clock() - start, 1e-6)


# ---------------------------------------------------------------------------------------------
# Generated questionnaires


def generate(n_items: int, seed: int = 20261120) -> tuple[str, dict[str, Any]]:
    """A single-file questionnaire of `n_items` items and a complete answer set for it.

    Per 10 items (one section): 4 yes/no, 3 scored choices, 2 integers and 1 optional text or, every
    100 items, a repeating group; 3 items with a condition on an earlier item; every third section
    with a condition; one score with three bands; two rules. Per 20 items a derived condition and
    its rule, per 100 items a count over the group. Rules, scores and conditions grow with N.
    """
    assert n_items % 100 == 0
    rnd = random.Random(seed)
    out: list[str] = [
        f"id: generated-{n_items}",
        "kind: instrument",
        "version: 1.0.0",
        f"title: Generated questionnaire of {n_items} items",
        "sources:",
        "  src: {short: Generated, citation: Generated for the benchmark}",
        "parameters:",
        "  limit: {title: Limit, value: 80, source: [src]}",
        "choice_sets:",
        "  scale:",
        "    options:",
        *(f"      - {{code: s{k}, label: Level {k}, score: {k}}}" for k in range(4)),
        "sections:",
    ]
    answers: dict[str, Any] = {}
    for section in range(n_items // 10):
        base = section * 10
        out.append(f"  - id: sec{section}")
        out.append(f"    title: Section {section}")
        if section % 3 == 0 and section > 0:
            out.append(f"    show_if: {{item: q{base - 10}, ne: true}}")
        out.append("    items:")
        for i in range(base, base + 10):
            kind = i % 10
            if kind in (0, 1, 2, 3):
                condition = f", show_if: {{item: q{i - 2}, eq: false}}" if kind == 2 else ""
                out.append(f"      - {{id: q{i}, type: boolean, text: Question {i}{condition}}}")
                answers[f"q{i}"] = rnd.random() < 0.2
            elif kind in (4, 5, 6):
                condition = f", show_if: {{item: q{i - 2}, in: [s0, s1, s2]}}" if kind == 6 else ""
                out.append(
                    f"      - {{id: q{i}, type: choice, options: scale, text: Question {i}{condition}}}"
                )
                answers[f"q{i}"] = f"s{rnd.randint(0, 3)}"
            elif kind in (7, 8):
                condition = (
                    f", show_if: {{any: [{{item: q{i - 1}, lt: 90}}, {{item: q{i - 5}, eq: true}}]}}"
                    if kind == 8
                    else ""
                )
                out.append(
                    f"      - {{id: q{i}, type: integer, min: 0, max: 100, text: Question {i}{condition}}}"
                )
                answers[f"q{i}"] = rnd.randint(0, 100)
            elif i % 100 == 99:
                out.append(
                    f"      - {{id: q{i}, type: group, text: Trials {i}, fields: [{{id: drug, type: text,"
                    " text: Drug}, {id: weeks, type: integer, min: 0, max: 52, text: Weeks},"
                    " {id: ok, type: boolean, text: Adequate}]}"
                )
                answers[f"q{i}"] = [
                    {"drug": f"d{k}", "weeks": rnd.randint(0, 12), "ok": rnd.random() < 0.7} for k in range(4)
                ]
            else:
                out.append(f"      - {{id: q{i}, type: text, required: false, text: Note {i}}}")
                answers[f"q{i}"] = f"note {i}"
    out.append("derived:")
    for k in range(n_items // 20):
        out.append(
            f"  - {{id: d{k}, kind: condition, title: Derived {k},"
            f" when: {{all: [{{item: q{20 * k + 1}, eq: false}}, {{score: total{2 * k}, gte: 3}}]}}}}"
        )
    for k in range(n_items // 100):
        out.append(
            f"  - {{id: count{k}, kind: count, title: Count {k}, group: q{100 * k + 99},"
            " where: {all: [{field: weeks, gte: 6}, {field: ok, eq: true}]}}"
        )
    out.append("scores:")
    for section in range(n_items // 10):
        base = section * 10
        out.append(
            f"  - {{id: total{section}, title: Total {section},"
            f" items: [q{base + 4}, q{base + 5}, q{base + 6}],"
            " bands: [{min: 0, max: 3, label: Low}, {min: 4, max: 6, label: Mid},"
            " {min: 7, max: 9, label: High}]}"
        )
    out.append("rules:")
    for section in range(n_items // 10):
        base = section * 10
        out.append(
            f"  - {{id: r.s{section}.yes, severity: relative, title: Yes {section}, action: Review,"
            f" source: [src], when: {{item: q{base}, eq: true}}}}"
        )
        out.append(
            f"  - {{id: r.s{section}.high, severity: caution, title: High {section}, action: Watch,"
            f" source: [src], when: {{any: [{{score: total{section}, band: High}},"
            f" {{item: q{base + 7}, gt: {{param: limit}}}}]}}}}"
        )
    for k in range(n_items // 20):
        out.append(
            f"  - {{id: r.d{k}, severity: info, title: Derived {k}, action: Note, source: [src],"
            f" when: {{derived: d{k}, eq: true}}}}"
        )
    for k in range(n_items // 100):
        out.append(
            f"  - {{id: r.count{k}, severity: caution, title: Count {k}, action: Note, source: [src],"
            f" when: {{derived: count{k}, gte: 2}}}}"
        )
    return "\n".join(out) + "\n", answers


def load_and_check(name: str, text: str) -> Definition:
    catalog = build_catalog([parse_text(name, text)], check=True, run_examples=False)
    assert not catalog.issues, [str(issue) for issue in catalog.issues[:5]]
    definition = next(iter(catalog.definitions.values()))
    return definition


# ---------------------------------------------------------------------------------------------


def example_answers() -> tuple[dict[str, Any], dt.date | None, dict[str, Any] | None, str]:
    """The example answers file (answers, date, review); the intake's first worked example
    when that file is missing."""
    if EXAMPLE_ANSWERS.exists():
        answers_file, problems = read_answers_file(EXAMPLE_ANSWERS)
        assert answers_file is not None and not problems, problems
        return answers_file.answers, answers_file.assessed_on, answers_file.review, EXAMPLE_ANSWERS.name
    catalog = load_catalog([BUNDLED_DIRECTORY], run_examples=False)
    intake = catalog.file_of(INTAKE_ID)
    assert intake is not None and intake.questionnaire is not None
    examples = {example.name: example for example in intake.questionnaire.examples}
    first = intake.questionnaire.examples[0].name
    answers, assessed_on, review = resolve_example(examples, first)
    return answers, assessed_on, review, f"worked example '{first}'"


def bundled(repeats: int) -> dict[str, Any]:
    """Load and check the bundled questionnaires, with and without examples; assess the example answers."""
    catalog = load_catalog([BUNDLED_DIRECTORY], run_examples=True)  # warm-up, and a sanity check
    assert not catalog.errors, [str(issue) for issue in catalog.errors]
    load_s = median_seconds(lambda: load_catalog([BUNDLED_DIRECTORY], run_examples=False), repeats)
    load_examples_s = median_seconds(lambda: load_catalog([BUNDLED_DIRECTORY], run_examples=True), repeats)
    print(f"bundled questionnaires ({len(catalog.files)} files, {catalog.examples_run} worked examples)")
    print(f"  load + check:                 {load_s * 1000:8.1f} ms")
    print(f"  load + check + examples:      {load_examples_s * 1000:8.1f} ms")

    intake = catalog.get(INTAKE_ID)
    assert intake is not None
    answers, assessed_on, review, label = example_answers()
    result = assess(intake, answers, assessed_on=assessed_on, review=review)
    # Every answer is accepted; the example may predate items added since (it is timed
    # as it is, and its status printed).
    assert not result.problems, result.problems
    assess_s = median_seconds(
        lambda: assess(intake, answers, assessed_on=assessed_on, review=review), repeats, inner=50
    )
    print(f"assess ({label}, {len(answers)} answers, status {result.status})")
    print(f"  per call:                     {assess_s * 1000:8.2f} ms")
    return {
        "load_ms": round(load_s * 1000, 2),
        "load_examples_ms": round(load_examples_s * 1000, 2),
        "assess_ms": round(assess_s * 1000, 3),
    }


def versus_libyaml(repeats: int, inner: int = 3) -> dict[str, Any]:
    """The bundled catalog's load and check against the bare libyaml parse of the same files,
    timed alternately; the load split into YAML, validation and checks the same way."""
    libyaml = getattr(yaml, "CSafeLoader", None)
    if libyaml is None:
        print("load vs bare libyaml parse: PyYAML has no libyaml here, not measured")
        return {"load_vs_libyaml": None}
    files = questionnaire_files([BUNDLED_DIRECTORY])
    texts = [path.read_text(encoding="utf-8") for path in files]

    def bare() -> None:
        for text in texts:
            yaml.load(text, Loader=libyaml)  # noqa: S506 - the safe loader, compiled

    def yaml_only() -> None:
        for text in texts:
            yamlsource.load_yaml(text)

    def parse_only() -> None:
        for path in files:
            parse_file(path)

    def catalog() -> None:
        load_catalog([BUNDLED_DIRECTORY], check=True, run_examples=False)

    steps: dict[str, Callable[[], None]] = {
        "libyaml": bare,
        "yaml": yaml_only,
        "parse": parse_only,
        "catalog": catalog,
    }
    for action in steps.values():
        action()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, action in steps.items():
            times[name].append(median_seconds(action, 1, inner=inner))
    ratios = {
        name: statistics.median(t / base for t, base in zip(times[name], times["libyaml"], strict=True))
        for name in ("yaml", "catalog")
    }
    med = {name: statistics.median(values) for name, values in times.items()}

    def step(name: str, before: str) -> float:
        """A step's own time: the median difference of two runs timed one after the other."""
        return max(statistics.median(a - b for a, b in zip(times[name], times[before], strict=True)), 0.0)

    split = {
        "libyaml": med["libyaml"],
        "yaml": med["yaml"],
        "validate": step("parse", "yaml"),
        "check": step("catalog", "parse"),
        "catalog": med["catalog"],
    }
    print(f"bundled catalog load vs bare libyaml parse ({len(files)} files, timed alternately)")
    print(f"  bare yaml.load (CSafeLoader):  {split['libyaml'] * 1000:8.1f} ms")
    print(f"  load_yaml (positions, limits): {split['yaml'] * 1000:8.1f} ms")
    print(f"  + validation:                  {split['validate'] * 1000:8.1f} ms")
    print(f"  + checks (load_catalog):       {split['check'] * 1000:8.1f} ms")
    print(f"  = catalog load:                {split['catalog'] * 1000:8.1f} ms")
    print(
        f"  load_vs_libyaml {ratios['catalog']:.2f} (goal <= {LOAD_VS_LIBYAML_GOAL:g}),"
        f" yaml_vs_libyaml {ratios['yaml']:.2f}"
    )
    return {
        "load_vs_libyaml": round(ratios["catalog"], 2),
        "yaml_vs_libyaml": round(ratios["yaml"], 2),
        "load_split_ms": {name: round(value * 1000, 2) for name, value in split.items()},
    }


@contextmanager
def limits_lifted() -> Iterator[None]:
    """The YAML size limits raised tenfold, so the 10,000-item file loads (depth stays limited)."""
    saved = (yamlsource.MAX_SOURCE_CHARS, yamlsource.MAX_VALUES)
    yamlsource.MAX_SOURCE_CHARS, yamlsource.MAX_VALUES = saved[0] * 10, saved[1] * 10
    try:
        yield
    finally:
        yamlsource.MAX_SOURCE_CHARS, yamlsource.MAX_VALUES = saved


def growth(repeats: int) -> dict[str, Any]:
    """Parse, check and assess generated questionnaires of each size, the sizes side by side."""
    with limits_lifted():
        return _growth(repeats)


def _growth(repeats: int) -> dict[str, Any]:
    generated = {n: generate(n) for n in SIZES}
    definitions = {n: load_and_check(f"generated-{n}.yaml", generated[n][0]) for n in SIZES}

    def assess_generated(n: int) -> Assessment:
        return assess(definitions[n], generated[n][1], assessed_on=ASSESSED_ON)

    for n in SIZES:
        outcome = assess_generated(n)
        assert not outcome.problems, outcome.problems[:3]
        counts = f"{len(definitions[n].rules)} rules, {len(definitions[n].scores)} scores"
        print(
            f"generated {n:>5} items: {counts}, {len(definitions[n].derived)} derived;"
            f" {len(outcome.flags)} flags fire, status {outcome.status}"
        )
    # Enough assess calls per timed run (about 0.1 s) that timer and scheduler noise stay small.
    inner = {n: max(1, round(0.1 / _once(partial(assess_generated, n)))) for n in SIZES}
    times: dict[str, dict[int, list[float]]] = {
        kind: {n: [] for n in SIZES} for kind in ("parse", "check", "assess")
    }
    for _ in range(repeats):
        for n in SIZES:
            gc.collect()
            start = clock()
            parsed = parse_text(f"generated-{n}.yaml", generated[n][0])
            parsed_at = clock()
            built = build_catalog([parsed], check=True, run_examples=False)
            times["check"][n].append(clock() - parsed_at)
            times["parse"][n].append(parsed_at - start)
            assert not built.issues
            del parsed, built
            times["assess"][n].append(median_seconds(partial(assess_generated, n), 1, inner=inner[n]))
    med = {
        kind: {n: statistics.median(values) for n, values in series.items()} for kind, series in times.items()
    }
    for n in SIZES:
        print(
            f"  {n:>5} items: parse {med['parse'][n] * 1000:8.1f} ms, check {med['check'][n] * 1000:8.1f} ms,"
            f" assess {med['assess'][n] * 1000:8.2f} ms"
        )
    summary: dict[str, Any] = {}
    for small, large, prefix, bound in (
        (100, 1000, "growth", "limit"),
        (1000, 10000, "growth_10000", "goal"),
    ):
        ratios = {kind: med[kind][large] / med[kind][small] for kind in med}
        load_check = {n: med["parse"][n] + med["check"][n] for n in (small, large)}
        ratios["load_check"] = load_check[large] / load_check[small]
        limit = GROWTH_LIMIT if bound == "limit" else GROWTH_10000_GOAL
        print(
            f"growth {large} vs {small} items (10 is linear, {bound} {limit:g}): "
            + ", ".join(f"{kind} {ratios[kind]:.1f}" for kind in ("parse", "check", "load_check", "assess"))
        )
        summary[f"growth_{large}_vs_{small}"] = round(max(ratios["load_check"], ratios["assess"]), 2)
        summary.update({f"{prefix}_{kind}": round(value, 2) for kind, value in ratios.items()})
    summary["generated_ms"] = {
        str(n): {kind: round(med[kind][n] * 1000, 3) for kind in ("parse", "check", "assess")} for n in SIZES
    }
    return summary


# ---------------------------------------------------------------------------------------------
# Growth in instructions (callgrind)

INSTRUCTION_STEPS = ("parse", "check", "assess")
_COLLECTED = re.compile(r"Collected\s*:\s*([0-9]+)")


def counted_step(step: str, n: int) -> None:
    """One step on the generated questionnaire of `n` items, once inside `functools.reduce`: the
    function whose instructions `instruction_growth` has callgrind count. Generating, loading and
    a first run of the same step (which fills what is filled once per process) come before it."""
    with limits_lifted():
        text, answers = generate(n)
        name = f"generated-{n}.yaml"
        if step == "parse":

            def action() -> object:
                return parse_text(name, text)

        elif step == "check":
            parsed = parse_text(name, text)

            def action() -> object:
                built = build_catalog([parsed], check=True, run_examples=False)
                assert not built.issues
                return built

        else:
            definition = load_and_check(name, text)

            def action() -> object:
                return assess(definition, answers, assessed_on=ASSESSED_ON)

        action()
        functools.reduce(lambda _done, _next: action(), [None, None])  # calls it once


def _instructions(step: str, n: int, folder: str) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={folder}/callgrind.{step}.{n}",
        "--collect-atstart=no",
        "--toggle-collect=functools_reduce",
        sys.executable,
        str(Path(__file__).resolve()),
        "--counted-step",
        step,
        str(n),
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dictionaries in every run
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    found = _COLLECTED.findall(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"callgrind failed for {step} at {n} items:\n{done.stderr[-2000:]}")
    return int(found[-1])


def instruction_growth() -> dict[str, Any]:
    """The growth from 1,000 to 10,000 items in instructions, step by step (two at a time)."""
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed; not measured")
        return {}
    runs = [(step, n) for step in INSTRUCTION_STEPS for n in (1000, 10000)]
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as folder, ThreadPoolExecutor(2) as pool:
        counted = pool.map(lambda run: _instructions(run[0], run[1], folder), runs)
        counts = dict(zip(runs, counted, strict=True))
    if min(counts.values()) == 0:
        print("instructions: callgrind counted nothing (no functools_reduce symbol in this Python)")
        return {}
    ratios = {step: counts[step, 10000] / counts[step, 1000] for step in INSTRUCTION_STEPS}
    load = {n: counts["parse", n] + counts["check", n] for n in (1000, 10000)}
    ratios["load_check"] = load[10000] / load[1000]
    print(
        "instructions, 10000 vs 1000 items (10 is linear): "
        + ", ".join(f"{kind} {ratios[kind]:.2f}" for kind in ("parse", "check", "load_check", "assess"))
    )
    return {
        "instructions_growth_10000_vs_1000": round(max(ratios["load_check"], ratios["assess"]), 3),
        **{f"instructions_growth_10000_{kind}": round(value, 3) for kind, value in ratios.items()},
        "instructions": {f"{step}_{n}": count for (step, n), count in counts.items()},
    }


def growth_in_processes(processes: int, repeats: int, wall: bool) -> dict[str, Any]:
    """`growth` in `processes` fresh processes, one after the other (in this one when 1), and
    the median of what they measured (`combine_growth`)."""
    if processes <= 1:
        return growth(repeats)
    runs = []
    for number in range(1, processes + 1):
        command = [sys.executable, __file__, "--growth-only", "--repeats", str(repeats)]
        child = subprocess.run(
            [*command, *(["--wall"] if wall else [])], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(
            f"  process {number}: growth_10000_vs_1000 {runs[-1]['growth_10000_vs_1000']:.2f},"
            f" growth_1000_vs_100 {runs[-1]['growth_1000_vs_100']:.2f}"
        )
    combined = combine_growth(runs)
    print(
        f"growth, median of {processes} processes: 10000 vs 1000 {combined['growth_10000_vs_1000']:.2f}"
        f" (goal {GROWTH_10000_GOAL:g}), 1000 vs 100 {combined['growth_1000_vs_100']:.2f}"
        f" (limit {GROWTH_LIMIT:g})"
    )
    return combined


def combine_growth(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median over processes of each growth ratio and of each generated size's times, with
    each process's two growths (`growth_1000_vs_100_runs`, `growth_10000_vs_1000_runs`)."""
    ratios = [
        key for key, value in runs[0].items() if key.startswith("growth") and isinstance(value, (int, float))
    ]
    combined: dict[str, Any] = {key: round(statistics.median(run[key] for run in runs), 2) for key in ratios}
    for key in ("growth_1000_vs_100", "growth_10000_vs_1000"):
        combined[f"{key}_runs"] = [run[key] for run in runs]
    combined["generated_ms"] = {
        size: {
            kind: round(statistics.median(run["generated_ms"][size][kind] for run in runs), 3)
            for kind in times
        }
        for size, times in runs[0]["generated_ms"].items()
    }
    return combined


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per measurement (median)")
    parser.add_argument("--wall", action="store_true", help="elapsed time instead of CPU time")
    parser.add_argument(
        "--instructions", action="store_true", help="also count the growth in instructions (valgrind)"
    )
    parser.add_argument(
        "--processes", type=int, default=3, help="fresh processes that measure the growth (median)"
    )
    parser.add_argument("--counted-step", nargs=2, metavar=("STEP", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--growth-only", action="store_true", help=argparse.SUPPRESS)  # one process's growth
    arguments = parser.parse_args(argv)
    if arguments.counted_step:  # a child of `instruction_growth`, under callgrind
        step, n = arguments.counted_step
        counted_step(step, int(n))
        return 0
    repeats = max(1, arguments.repeats)
    global clock  # noqa: PLW0603 - the clock every measure reads, chosen once per run
    clock = time.perf_counter if arguments.wall else time.process_time
    if arguments.growth_only:
        print(json.dumps(growth(repeats), sort_keys=True))
        return 0
    summary = {
        **bundled(repeats),
        **versus_libyaml(repeats),
        **growth_in_processes(arguments.processes, repeats, arguments.wall),
        **(instruction_growth() if arguments.instructions else {}),
        "growth_limit": GROWTH_LIMIT,
        "growth_10000_goal": GROWTH_10000_GOAL,
        "load_vs_libyaml_goal": LOAD_VS_LIBYAML_GOAL,
        "libyaml": yamlsource.USE_LIBYAML,
        "clock": "wall" if arguments.wall else "cpu",
        "repeats": repeats,
        "growth_processes": max(1, arguments.processes),
    }
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
