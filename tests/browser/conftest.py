"""Fixtures of the browser tests: Debian's chromium, the app served by `streamlit run app.py`, fresh
browser profiles, and axe-core for the accessibility scan.

Without chromium (or the playwright package) a browser test is skipped, and without axe-core
(`npm ci --prefix tests/browser`) its accessibility scan is; with SCREENING_REQUIRE_BROWSER=1 (CI)
either fails the test instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser.browser_support import (
    AXE_INSTALL,
    AXE_SCRIPT,
    CHROMIUM_ARGS,
    CLINIC,
    DEFAULT_VIEWPORT,
    STEP_TIMEOUT_MS,
    Server,
    chromium_path,
    free_port,
    server_environment,
    start_streamlit,
    stop_streamlit,
)

REQUIRE_BROWSER = "SCREENING_REQUIRE_BROWSER"


def _required() -> bool:
    return os.environ.get(REQUIRE_BROWSER) == "1"


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_path()
    problem = None if path else "Debian chromium is not installed (apt-get install chromium)"
    if problem is None:
        try:
            import playwright.sync_api  # noqa: F401, PLC0415 - only the browser tests need it
        except ImportError:
            problem = "the playwright package is not installed"
    if problem is not None:
        if _required():
            pytest.fail(f"{REQUIRE_BROWSER}=1 but {problem}")
        pytest.skip(problem)
    assert path is not None
    return path


@pytest.fixture(scope="module")
def axe() -> Path | None:
    """axe-core's script, to inject into the pages; None when it is not installed (the scan is then
    skipped), which fails the test under SCREENING_REQUIRE_BROWSER=1."""
    if AXE_SCRIPT.exists():
        return AXE_SCRIPT
    if _required():
        pytest.fail(f"{REQUIRE_BROWSER}=1 but axe-core is not installed: run `{AXE_INSTALL}`")
    return None


@pytest.fixture
def clinic_file_text() -> str:
    """The clinic file the app is started with (a module overrides this fixture for another)."""
    return CLINIC


@contextmanager
def serving(database_url: str, clinic: Path, log: Path) -> Iterator[Server]:
    """`streamlit run app.py` on a free port over `database_url` with the clinic file `clinic`,
    its output in `log`, and this process's environment otherwise (the audit keys included, so
    every server a test starts signs with the same key); stopped on leaving."""
    port = free_port()
    log.write_bytes(b"")
    process = start_streamlit(port, server_environment(database_url, clinic), log)
    try:
        yield Server(f"http://127.0.0.1:{port}", database_url, log, clinic)
    finally:
        stop_streamlit(process)


@pytest.fixture
def start_server(tmp_path: Path, chromium: str, clinic_file_text: str) -> Iterator[Callable[[str], Server]]:
    """Starts app servers over a database URL, each on its own port and all with the same clinic
    file, as the servers of one clinic; every one is stopped afterwards."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(clinic_file_text, encoding="utf-8")
    started: list[Server] = []
    with ExitStack() as running:

        def start(database_url: str) -> Server:
            log = tmp_path / f"streamlit-{len(started) + 1}.log"
            started.append(running.enter_context(serving(database_url, clinic, log)))
            return started[-1]

        yield start


@pytest.fixture
def server(tmp_path: Path, start_server: Callable[[str], Server]) -> Server:
    """`streamlit run app.py` on a free port with its own SQLite file and clinic file; stopped
    afterwards."""
    return start_server(f"sqlite:///{tmp_path / 'data' / 'screenings.db'}")


@pytest.fixture
def new_browser(chromium: str) -> Iterator[Callable[..., Any]]:
    """Opens a browser with a fresh profile (one per user, as on two workstations), with a window of
    `viewport` (width, height) pixels."""
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415 - optional dependency

    # Assertions wait as long as any other step: their own default (5 s) is shorter than a save and
    # rerun can take on a loaded two-core machine.
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    opened: list[Any] = []
    profiles: list[tempfile.TemporaryDirectory[str]] = []
    with sync_playwright() as playwright:

        def open_(viewport: tuple[int, int] = DEFAULT_VIEWPORT) -> Any:
            profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
            profiles.append(profile)
            context = playwright.chromium.launch_persistent_context(
                profile.name,
                executable_path=chromium,
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": viewport[0], "height": viewport[1]},
                accept_downloads=True,
                timeout=STEP_TIMEOUT_MS * 2,
            )
            context.set_default_timeout(STEP_TIMEOUT_MS)
            opened.append(context)
            return context.pages[0] if context.pages else context.new_page()

        try:
            yield open_
        finally:
            for context in opened:
                context.close()
            for profile in profiles:
                profile.cleanup()
