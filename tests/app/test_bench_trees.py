"""The rerun benchmark (`bench/app.py`) compares the intake page with a bare script that draws the
identical element tree. These tests keep the two trees equal: the bare script is made from what the
page drew, and the benchmark itself refuses to time two pages whose trees differ after any turn."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import streamlit.testing.v1.app_test as app_test_module
import streamlit.testing.v1.local_script_runner as local_script_runner_module
from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
from streamlit.testing.v1 import AppTest

from tests.app.app_support import AppEnv, bundled_catalog
from ui import services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """bench/app.py as a module; its script cache shared between runs is undone after the test."""
    for module in (app_test_module, local_script_runner_module):
        monkeypatch.setattr(module, "ScriptCache", module.ScriptCache)
    spec = importlib.util.spec_from_file_location("bench_app", ROOT / "bench" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_app", module)
    spec.loader.exec_module(module)
    return module


def _nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every node of a description, depth first."""
    found: list[dict[str, Any]] = []
    for node in nodes:
        found.append(node)
        found.extend(_nodes(node.get("c", [])))
    return found


def test_the_bare_script_draws_the_intake_page_s_element_tree(app_env: AppEnv, bench: ModuleType) -> None:
    definition = bundled_catalog().get(bench.INTAKE_ID)
    assert definition is not None
    identifier = bench._screening(services.workflow(), definition)
    ours = bench.intake_page(identifier, 1)
    description: dict[str, Any] = bench._bare_description(ours)
    bare = AppTest.from_function(bench._bare_page, args=(description,), default_timeout=60).run()
    assert not bare.exception, [e.value for e in bare.exception]

    shape = bench.tree_signature(ours)
    assert bench.tree_signature(bare) == shape
    # the comparison sees a missing element: drop the last question's radio from the description
    main = _nodes(description["roots"]["main"])
    questions = [node for node in main if str(node.get("key")).startswith("question:")]
    questions[-1]["c"].pop()
    fewer = AppTest.from_function(bench._bare_page, args=(description,), default_timeout=60).run()
    assert bench.tree_signature(fewer) != shape


def test_the_rerun_benchmark_keeps_the_trees_equal_turn_after_turn(
    app_env: AppEnv, bench: ModuleType
) -> None:
    definition = bundled_catalog().get(bench.INTAKE_ID)
    assert definition is not None
    workflow = services.workflow()
    identifier = bench._screening(workflow, definition)
    result = bench.bench_rerun(workflow, identifier, definition, 1, 3)  # asserts equal trees each turn
    assert result["section"] == "Depression symptoms (PHQ-9)"
    assert result["widgets"] == 10


def test_the_rerun_is_compared_in_fresh_processes_and_their_median_ratio_reported(bench: ModuleType) -> None:
    result = bench.rerun_in_processes(2, 2, 1)
    assert len(result["ratios"]) == 2
    low, high = sorted(result["ratios"])
    assert result["ratio"] == pytest.approx((low + high) / 2, abs=1e-3)  # the median of two
    assert result["ours_ms"] > 0 and result["bare_ms"] > 0
    assert result["section"] == "Depression symptoms (PHQ-9)"


def test_a_rerun_sends_as_many_messages_on_both_sides(
    app_env: AppEnv, bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same count of messages per rerun (the page's settings, the navigation, the fragment, the
    elements), counted as the script run's context queues them."""
    definition = bundled_catalog().get(bench.INTAKE_ID)
    assert definition is not None
    identifier = bench._screening(services.workflow(), definition)
    ours = bench.intake_page(identifier, 1)
    bare = AppTest.from_function(bench._bare_page, args=(bench._bare_description(ours),), default_timeout=60)
    bare.run()
    kinds: list[str] = []
    queue = ScriptRunContext.enqueue

    def counted(self: ScriptRunContext, msg: Any) -> None:
        kinds.append(msg.WhichOneof("type"))
        queue(self, msg)

    monkeypatch.setattr(ScriptRunContext, "enqueue", counted)
    sent = {}
    for name, at in (("ours", ours), ("bare", bare)):
        kinds.clear()
        at.run()
        sent[name] = sorted(kinds)
    assert sent["ours"] == sent["bare"]
    assert "page_config_changed" in sent["ours"]


def test_the_disk_s_fsync_is_measured_beside_the_saves(bench: ModuleType, tmp_path: Path) -> None:
    assert bench.fsync_median_ms(tmp_path, times=5) > 0
    assert list(tmp_path.iterdir()) == []  # the probe file is gone
