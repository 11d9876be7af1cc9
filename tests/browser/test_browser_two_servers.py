"""The app as a clinic runs it behind a load balancer: two `streamlit run app.py` servers on their
own ports over one PostgreSQL database, with the same audit keys (the test process's
$SCREENING_AUDIT_KEYS, which both inherit) and the same clinic file.

A coordinator starts a screening on server A; a colleague opens it on server B by its address and
sees those answers, and adds more; A, reloaded, shows them all. Then both change the same answer at
once, one on each server: the second is told on screen who changed it and to what, and nothing is
overwritten. Then, behind a proxy that keeps each browser on one server (`Balancer`), server A
stops answering: the page reconnects through the proxy to B, which asks the name again (the
local-mode sign-in lived in A's memory) and opens the same screening and section with every stored
answer. The audit trail of the screening and the clinic-wide record, written by both servers,
verify with the shared key.

Needs chromium and PostgreSQL: skipped without them, unless SCREENING_REQUIRE_BROWSER=1 or
SCREENING_TEST_POSTGRES_URL is set (CI), which make it fail instead.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import pytest

from screening.lifecycle.rules import Rules
from screening.loading import default_directory, load_catalog
from screening.storage import Store
from tests.browser.browser_support import (
    Intake,
    Server,
    fill_sign_in,
    first_answer_creates,
    free_port,
    settle,
    shoot,
    sign_in,
)
from tests.database_support import postgres_schema_url

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

PATIENT = "Tomasz Wiśniewski-Ọlá"
COORDINATOR = "Casey Coordinator"
COLLEAGUE = "Jo Nurse"
ROLE = "Intake coordinator"
CONFLICT_SETTLE = 1.5
"""Seconds the refused answer is given to (wrongly) reach the database before the test looks."""


class Balancer:
    """A TCP proxy in front of app servers, as a clinic's reverse proxy with sticky sessions: every
    connection goes to the first server of `ports` not taken down, so a browser stays on one server
    while it is up. `take_down` closes every connection to a server and sends the next ones to
    another, which is what the browser sees when its server dies."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.port = free_port()
        self.served: list[int] = []
        """The server each connection went to, in order."""
        self._down: set[int] = set()
        self._open: dict[int, set[asyncio.StreamWriter]] = {port: set() for port in ports}
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def __enter__(self) -> Balancer:
        self._thread.start()
        self._server = self._call(self._start())
        return self

    async def _start(self) -> asyncio.Server:
        return await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = next((port for port in self.ports if port not in self._down), None)
        try:
            if target is None:
                raise ConnectionRefusedError
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.close()
            return
        self.served.append(target)
        both = {writer, upstream_writer}
        self._open[target] |= both
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
        self._open[target] -= both

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass  # the other side closed the connection
        finally:
            writer.close()

    def take_down(self, port: int) -> None:
        self._call(self._take_down(port))

    async def _take_down(self, port: int) -> None:
        self._down.add(port)
        for writer in list(self._open[port]):
            writer.close()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in [w for writers in self._open.values() for w in writers]:
            writer.close()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._server.wait_closed()


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def open_on(page: Any, base_url: str, address: str, name: str) -> None:
    """Open a screening's address (taken from another server) at `base_url` and sign in: local mode
    keeps who is signed in with the server's session, so each server asks the name again."""
    match = re.search(r"/[^/?]*\?.*$", address.removeprefix("http://"))
    assert match, address
    page.goto(base_url + match.group(0))
    page.get_by_label("Your name").wait_for()
    fill_sign_in(page, name, ROLE)
    page.get_by_role("heading", name=PATIENT).wait_for()
    settle(page)


def shows_patient_section(intake: Intake, answers: dict[str, str]) -> None:
    """The page shows these answers of the first section in its widgets (text and number fields by
    their text, sex at birth by its checked option)."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    for item, text in answers.items():
        if item == "sex_at_birth":
            option = intake.widget(item).locator(
                '[data-testid="stRadioOption"]', has=intake.page.locator("input[type=radio]:checked")
            )
            expect(option).to_have_text(text)
        else:
            expect(intake.widget(item).locator("input")).to_have_value(text)


def test_two_app_servers_share_one_postgresql_database(
    postgres_database: str,
    start_server: Callable[[str], Server],
    new_browser: Callable[[], Any],
    request: pytest.FixtureRequest,
) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    url = postgres_schema_url(postgres_database)
    server_a, server_b = start_server(url), start_server(url)
    assert server_a.url != server_b.url and server_a.database_url == server_b.database_url

    # ---- server A: the coordinator starts the screening and answers part of the first section
    page_a = new_browser()
    sign_in(page_a, server_a, COORDINATOR, ROLE)
    workflow = server_a.workflow()  # the sign-in has created the tables by now
    request.addfinalizer(workflow.close)
    page_a.get_by_role("button", name="New screening").click()
    page_a.get_by_role("heading", name="New screening").wait_for()
    settle(page_a)
    on_a = first_answer_creates(page_a, workflow, PATIENT)
    on_a.type_text("mrn", "TW-30417")
    on_a.choose("sex_at_birth", "Male", "male")
    on_a.type_text("weight_kg", "96", 96)

    # ---- server B: a colleague opens the same screening by its address, sees those answers and
    # answers more
    page_b = new_browser()
    open_on(page_b, server_b.url, page_a.url, COLLEAGUE)
    on_b = Intake(page_b, workflow)
    assert on_b.identifier == on_a.identifier
    shows_patient_section(on_b, {"mrn": "TW-30417", "sex_at_birth": "Male", "weight_kg": "96.0"})
    on_b.type_text("height_cm", "181", 181)
    on_b.type_text("systolic_bp", "128", 128)
    shoot(page_b, "two-servers-01-server-b")

    # ---- server A, reloaded, shows everything
    page_a.reload()
    page_a.get_by_label("Your name").wait_for()
    fill_sign_in(page_a, COORDINATOR, ROLE)
    page_a.get_by_role("heading", name=PATIENT).wait_for()
    settle(page_a)
    shown = {
        "mrn": "TW-30417",
        "sex_at_birth": "Male",
        "weight_kg": "96.0",
        "height_cm": "181.0",
        "systolic_bp": "128",
    }
    shows_patient_section(on_a, shown)

    # ---- both pages have loaded the screening; A changes the weight, then B changes it too
    on_a.type_text("weight_kg", "97", 97)
    field_b = on_b.widget("weight_kg").locator("input")
    field_b.fill("95")
    field_b.press("Enter")
    notice = page_b.get_by_text(re.compile(f"^Not saved: {COORDINATOR} changed this at"))
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(re.compile(r"Their answer: 97\b.*Yours: 95\b"))
    expect(page_b.get_by_role("button", name="Keep their answer")).to_be_visible()
    expect(page_b.get_by_role("button", name="Save mine instead")).to_be_visible()
    shoot(page_b, "two-servers-02-conflict-on-server-b")
    time.sleep(CONFLICT_SETTLE)
    assert workflow.get(on_a.identifier).answers["weight_kg"] == 97
    weights = [
        (entry.user_name, entry.new)
        for entry in workflow.history(on_a.identifier)
        if entry.target == "weight_kg"
    ]
    assert weights == [(COORDINATOR, 96), (COORDINATOR, 97)]

    # ---- B keeps A's answer: the page shows it, and takes B's next answer on top of it
    page_b.get_by_role("button", name="Keep their answer").click()
    expect(notice).to_have_count(0)
    expect(field_b).to_have_value("97.0")
    settle(page_b)
    on_b.type_text("diastolic_bp", "82", 82)
    stored = workflow.get(on_a.identifier).answers
    assert {item: stored.get(item) for item in (*shown, "diastolic_bp")} == {
        "mrn": "TW-30417",
        "sex_at_birth": "male",
        "weight_kg": 97,
        "height_cm": 181,
        "systolic_bp": 128,
        "diastolic_bp": 82,
    }
    writers = {entry.user_name for entry in workflow.history(on_a.identifier) if entry.kind == "answer"}
    assert writers == {COORDINATOR, COLLEAGUE}

    # ---- behind a proxy, A stops answering: the page reconnects through the proxy to B, which asks
    # the name again (local mode) and opens the same screening and section with every answer
    with Balancer([port_of(server_a), port_of(server_b)]) as proxy:
        open_on(page_a, proxy.url, page_a.url, COORDINATOR)
        on_a.type_text("heart_rate", "70", 70)
        address = page_a.url
        assert set(proxy.served) == {port_of(server_a)}
        proxy.take_down(port_of(server_a))
        page_a.get_by_label("Your name").wait_for()
        fill_sign_in(page_a, COORDINATOR, ROLE)
        page_a.get_by_role("heading", name=PATIENT).wait_for()
        settle(page_a)
        assert page_a.url == address
        shows_patient_section(on_a, shown | {"weight_kg": "97.0", "diastolic_bp": "82", "heart_rate": "70"})
        on_a.type_text("spo2", "97", 97)
        assert proxy.served[-1] == port_of(server_b)

    # ---- the trail both servers wrote verifies with the one key they share
    with Store(url, judge=Rules(load_catalog([default_directory()], run_examples=False))) as store:
        audit = store.verify_audit(on_a.identifier)
        assert audit.ok, audit.problems
        clinic = store.verify_clinic()
        assert clinic.ok, clinic.problems
        assert clinic.screenings == 1
