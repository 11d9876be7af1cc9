"""Running the command line in a subprocess, as a user would, for the CLI test modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*arguments: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python -m screening …` with a bare environment (no settings from the caller's shell)."""
    return subprocess.run(
        [sys.executable, "-m", "screening", *map(str, arguments)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


def assert_no_traceback(completed: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in completed.stderr + completed.stdout
    assert "Error:" not in completed.stderr  # no exception class names either
