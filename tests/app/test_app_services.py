"""The app's shared resources (`ui/services.py`): one workflow and one reading of the clinic file
per process, held after the first call and forgotten on request; and the long-lived heap left out
of garbage collection once the workflow is built."""

from __future__ import annotations

import gc
import weakref

from tests.app.app_support import AppEnv
from ui import services


class _Node:
    """An object that can be in a reference cycle and be watched (a weak reference)."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def test_the_workflow_is_held_until_it_is_forgotten(app_env: AppEnv) -> None:
    held = services.workflow()
    assert services.workflow() is held
    services.reload_catalog()
    rebuilt = services.workflow()
    assert rebuilt is not held and services.workflow() is rebuilt
    held.close()


def test_the_clinic_settings_are_read_again_after_a_reload(app_env: AppEnv) -> None:
    assert services.settings().name == "Riverside Ketamine Clinic"
    app_env.clinic_file.write_text("name: Lakeside Clinic\n", encoding="utf-8")
    assert services.settings().name == "Riverside Ketamine Clinic"  # held
    services.reload_settings()
    assert services.settings().name == "Lakeside Clinic"


def test_the_heap_is_frozen_once_the_workflow_is_built_and_garbage_is_not(app_env: AppEnv) -> None:
    services.forget_workflow()
    gc.unfreeze()
    first, second = _Node(), _Node()
    first.other, second.other = second, first  # a cycle: only the garbage collector frees it
    watched = weakref.ref(first)
    del first, second

    services.workflow()

    assert gc.get_freeze_count() > 10_000  # the libraries, the catalog, the workflow
    assert watched() is None  # collected before the freeze, not kept for the process's life
