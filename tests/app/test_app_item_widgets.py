"""The app draws every widget an item kind may name (`screening.items.WIDGETS`)."""

from __future__ import annotations

from screening.items import WIDGETS
from ui import widgets


def test_every_widget_name_has_a_renderer() -> None:
    assert set(widgets._WIDGETS) == set(WIDGETS)
