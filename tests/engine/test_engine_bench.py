"""bench/engine.py keeps working: its generated questionnaires are clean, and one quick run ends
with the JSON summary. No timing is asserted here."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from screening.engine import assess
from screening.loading import build_catalog, parse_text

BENCH = Path(__file__).resolve().parents[2] / "bench" / "engine.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_engine", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", [100, 300])
def test_generated_questionnaires_are_clean_and_proportional(bench: ModuleType, size: int) -> None:
    text, answers = bench.generate(size)
    catalog = build_catalog([parse_text(f"generated-{size}.yaml", text)], check=True, run_examples=False)
    assert [str(issue) for issue in catalog.issues] == []
    definition = catalog.definitions[f"generated-{size}"]
    assert len(definition.items) == size
    assert len(definition.rules) == size // 4 + size // 100
    assert len(definition.scores) == size // 10
    result = assess(definition, answers, assessed_on=dt.date(2026, 11, 20))
    assert result.problems == []
    assert result.flags, "some rules fire on the generated answers"
    assert {"candidate", "needs_review", "incomplete", "contraindicated"} >= {result.status}


def test_a_quick_run_ends_with_the_json_summary(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--repeats", "1", "--processes", "1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(last)
    assert {"load_ms", "assess_ms", "growth_1000_vs_100", "growth_check", "growth_assess"} <= set(summary)
    assert all(
        isinstance(summary[key], (int, float)) and summary[key] > 0 for key in ("load_ms", "assess_ms")
    )


@pytest.mark.parametrize("step", ["parse", "check", "assess"])
def test_each_counted_step_runs_inside_reduce(
    bench: ModuleType, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `--instructions` has callgrind count: the step runs once inside `functools.reduce`
    (the function callgrind counts), after one run outside it."""
    calls: list[str] = []
    original = bench.functools.reduce

    def spy(function: object, values: object) -> object:
        calls.append(step)
        return original(function, values)

    monkeypatch.setattr(bench.functools, "reduce", spy)
    bench.counted_step(step, 100)
    assert calls == [step]


def test_the_count_is_read_from_callgrinds_report(bench: ModuleType) -> None:
    report = "==11025== Events    : Ir\n==11025== Collected : 921655769\n==11025==\n==11025== I   refs: 9"
    assert [int(found) for found in bench._COLLECTED.findall(report)] == [921655769]


def test_the_growth_of_several_processes_is_their_median(bench: ModuleType) -> None:
    def run(small: float, large: float, assess_ms: float) -> dict[str, object]:
        return {
            "growth_1000_vs_100": small,
            "growth_10000_vs_1000": large,
            "growth_10000_assess": large,
            "generated_ms": {"1000": {"assess": assess_ms, "parse": 1.0}},
        }

    combined = bench.combine_growth([run(11.0, 13.0, 19.5), run(12.5, 10.5, 13.0), run(11.5, 11.0, 14.0)])
    assert combined["growth_1000_vs_100"] == 11.5
    assert combined["growth_10000_vs_1000"] == 11.0
    assert combined["growth_10000_assess"] == 11.0
    assert combined["growth_10000_vs_1000_runs"] == [13.0, 10.5, 11.0]
    assert combined["generated_ms"] == {"1000": {"assess": 14.0, "parse": 1.0}}


def test_one_process_s_growth_ends_with_its_json(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--growth-only", "--repeats", "1"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"growth_1000_vs_100", "growth_10000_vs_1000", "generated_ms"} <= set(summary)
