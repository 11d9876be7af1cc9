"""Both ways the YAML loader composes: libyaml's compiled composer (when PyYAML was built with
libyaml) and the pure-Python loader (used without it). Tests that take `loader_path` run once
for each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from screening import yamlsource

HAS_LIBYAML = getattr(yamlsource, "_LIBYAML_LOADER", None) is not None

LOADER_PATHS = [
    pytest.param(
        True,
        id="libyaml",
        marks=pytest.mark.skipif(not HAS_LIBYAML, reason="PyYAML is built without libyaml"),
    ),
    pytest.param(False, id="python"),
]


@pytest.fixture(scope="module", params=LOADER_PATHS)
def loader_path(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Compose with libyaml (True) or in Python (False) for the tests that use it.

    Module-scoped (hypothesis refuses function-scoped fixtures), so it sets the switch itself."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "USE_LIBYAML", request.param)
        yield request.param
