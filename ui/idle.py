"""When a signed-in session counts as left unattended: the decision behind the idle lock
(`ui.lock`), kept free of Streamlit so it can be checked with plain times.

Times are seconds on one clock (the lock uses the wall clock, which keeps counting while the
computer sleeps, so a workstation woken after an hour locks at once)."""

from __future__ import annotations

MIN_MINUTES = 1
MAX_MINUTES = 240


def idle_seconds(now: float, last_activity: float | None) -> float:
    """How long the session has been unused. No activity recorded yet (a fresh sign-in) is no idle
    time; a clock set back (now before the last activity) counts as none either, rather than as a
    negative time that would postpone the lock by as much as the clock moved."""
    if last_activity is None:
        return 0.0
    return max(0.0, now - last_activity)


def should_lock(now: float, last_activity: float | None, limit_minutes: int) -> bool:
    """Whether a session last used at `last_activity` is locked at `now` with the clinic's limit.

    The limit is clamped to 1..240 minutes: a value outside that range never reaches here through
    the clinic file (it is refused there), and clamping means no value, 0 or negative included,
    can switch the lock off. Exactly the limit is still within it; the lock comes after it."""
    limit = min(max(limit_minutes, MIN_MINUTES), MAX_MINUTES) * 60
    return idle_seconds(now, last_activity) > limit
