"""`Recent`, the bounded map behind the workflow's and the judge's caches: the least recently
used entry goes first, and reading an entry counts as using it."""

from __future__ import annotations

from screening.lifecycle.recent import Recent


def test_the_least_recently_used_entry_is_dropped_first() -> None:
    recent: Recent[str, int] = Recent(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # "a" is now the last used
    recent.put("c", 3)
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == (1, None, 3)
    recent.put("a", 4)  # writing again replaces the value and uses the entry
    recent.put("d", 5)
    assert (recent.get("a"), recent.get("c"), recent.get("d")) == (4, None, 5)
