"""Shared values of the storage tests: users, a pinned definition and a deterministic clock.

Test modules import from here (a uniquely named module) rather than from `conftest`, since every
test folder may have a conftest of its own.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta

from screening.storage import QuestionnairePin, User

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

DEFINITION_FILES = {
    "ketamine-trd-intake.yaml": "id: ketamine-trd-intake\nversion: 1.0.0\nincludes: [phq9.yaml]\n",
    "phq9.yaml": "id: phq9\nversion: 1.0.0\ntitle: PHQ-9 – Patient Health Questionnaire\n",
}
PIN = QuestionnairePin(
    "ketamine-trd-intake",
    "1.0.0",
    hashlib.sha256("".join(DEFINITION_FILES.values()).encode()).hexdigest(),
)

COORDINATOR = User("u-casey", "Casey Intake", "coordinator", authenticated=True)
OTHER_COORDINATOR = User("u-jordan", "Jordan Desk", "coordinator", authenticated=False)
PSYCHIATRIST = User("u-okafor", "Dr. R. Okafor", "psychiatrist", authenticated=True, credentials="MD")


class FakeClock:
    """A clock that moves one second per reading; safe to share between threads."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(seconds=1)) -> None:
        self._now = start
        self._step = step
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self._now += self._step
            return self._now

    def peek(self) -> datetime:
        with self._lock:
            return self._now
