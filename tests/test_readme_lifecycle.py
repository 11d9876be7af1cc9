"""The README's lifecycle example runs as written (on a throw-away SQLite file) and does what its
comments say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("## The screening lifecycle from Python", 1)[1]
    return section.split("```python", 1)[1].split("```", 1)[0]


def test_the_readme_lifecycle_example_runs(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    code = _example().replace("sqlite:///screenings.db", f"sqlite:///{tmp_path / 'screenings.db'}")
    namespace: dict[str, Any] = {}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - the project's own README
    screening, workflow = namespace["s"], namespace["wf"]
    try:
        assert screening.lifecycle == "reopened"
        assert workflow.verify(screening.id)
        kinds = [entry.kind for entry in workflow.history(screening.id)]
        assert kinds[-2:] == ["amended", "reopened"]
        amended = next(entry for entry in workflow.history(screening.id) if entry.kind == "amended")
        assert (amended.target, amended.new, amended.reason) == (
            "heart_disease",
            True,
            "Patient recalled a stent",
        )
    finally:
        workflow.close()
