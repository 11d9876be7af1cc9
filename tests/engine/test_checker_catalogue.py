"""The message catalogue: every message the code reports by name is in it, and every entry is used."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from screening.issues import MESSAGES, Code, issue_at

SCREENING = Path(__file__).resolve().parents[2] / "screening"


def _string_constants() -> dict[str, list[str]]:
    """Every string constant in the domain code outside the catalogue, with where it is."""
    found: dict[str, list[str]] = {}
    for path in sorted(SCREENING.rglob("*.py")):
        if path.name == "issues.py" and path.parent == SCREENING:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.setdefault(node.value, []).append(f"{path.name}:{node.lineno}")
    return found


def _names_reported() -> set[str]:
    """The first argument of `add(...)` / `report(...)` and the fourth of `issue_at(...)`, when literal."""
    names: set[str] = set()
    for path in sorted(SCREENING.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("add", "report") and node.args:
                argument = node.args[0]
            elif isinstance(func, ast.Name) and func.id == "issue_at" and len(node.args) >= 4:
                argument = node.args[3]
            else:
                continue
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                names.add(argument.value)
    return names


def test_every_reported_message_is_in_the_catalogue() -> None:
    reported = _names_reported()
    assert reported, "no catalogue names found: the scan no longer matches the code"
    assert reported <= set(MESSAGES), sorted(reported - set(MESSAGES))


def test_every_catalogue_entry_is_used() -> None:
    constants = _string_constants()
    unused = [name for name in MESSAGES if name not in constants]
    assert not unused


def test_catalogue_templates_are_well_formed() -> None:
    formatter = string.Formatter()
    for name, message in MESSAGES.items():
        assert isinstance(message.code, Code), name
        for template in (message.text, message.hint or ""):
            fields = [field for _, field, _, _ in formatter.parse(template) if field is not None]
            assert all(field.isidentifier() for field in fields), (name, template)


def test_a_suggestion_replaces_the_catalogue_hint() -> None:
    plain = issue_at("q.yaml", 3, 5, "unknown-source", ref="nice")
    assert str(plain) == "q.yaml:3:5: E010 unknown source 'nice'\n    hint: add it under 'sources'"
    suggested = issue_at("q.yaml", 3, 5, "unknown-source", "did you mean 'nice2022'?", ref="nice")
    assert suggested.hint == "did you mean 'nice2022'?"
