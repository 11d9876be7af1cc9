"""Every item kind states its behaviour through the same few attributes (`screening.items`)."""

from __future__ import annotations

from typing import get_args

import pytest

from screening.items import ITEM_KINDS, VALUE_TYPES, WIDGETS, Item, ItemKind


@pytest.mark.parametrize("kind", ITEM_KINDS, ids=lambda kind: kind.__name__)
def test_every_kind_names_a_known_value_type_and_widget(kind: type[ItemKind]) -> None:
    assert kind.value_type in VALUE_TYPES
    assert kind.widget in WIDGETS


def test_the_item_union_holds_every_kind() -> None:
    union, _discriminator = get_args(Item)
    assert set(get_args(union)) == set(ITEM_KINDS)
