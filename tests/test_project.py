"""Guards of the project itself: layering, generated files, and the README's promises."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from screening.loading import build_catalog, load_catalog, parse_text
from screening.model import json_schema

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "screening").rglob("*.py")), ids=lambda p: p.name)
def test_domain_core_never_imports_streamlit(path: Path) -> None:
    assert "streamlit" not in _imports(path)


def test_exported_json_schema_is_current() -> None:
    exported = json.loads((ROOT / "docs" / "questionnaire.schema.json").read_text(encoding="utf-8"))
    hint = "regenerate with: python -m screening schema > docs/questionnaire.schema.json"
    assert exported == json_schema(), hint


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_two_commands_and_ci_runs_the_test_command() -> None:
    quick_start = _readme().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick_start, re.S)
    commands = [line for block in blocks for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    run_app, run_tests = commands
    assert "requirements.txt" in run_app and "streamlit run app.py" in run_app
    assert "requirements-dev.txt" in run_tests and "pytest" in run_tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert run_tests in ci.splitlines(), ".ci/run must call the README's test command verbatim"


def test_readme_format_example_loads_and_its_examples_pass() -> None:
    match = re.search(r"A small\nbut complete instrument:\n\n```yaml\n(.*?)```", _readme(), re.S)
    assert match, "the README's format example moved; update this test"
    catalog = build_catalog([parse_text("README.md", match.group(1))])
    assert [str(issue) for issue in catalog.issues] == []
    assert catalog.examples_run == 1
    assert "sleep-check" in catalog.definitions


def test_every_bundled_questionnaire_loads_with_examples() -> None:
    catalog = load_catalog()
    assert [str(issue) for issue in catalog.issues] == []
    assert set(catalog.definitions) == {"phq9", "gad7", "asq", "ketamine-trd-intake"}
    for definition in catalog.definitions.values():
        assert definition.questionnaire.examples, definition.id


def test_architecture_doc_maps_every_core_module() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = [p for p in (ROOT / "screening").glob("*.py") if p.name not in {"__init__.py", "__main__.py"}]
    packages = [p.parent for p in (ROOT / "screening").glob("*/__init__.py")]
    unmapped = [p.name for p in modules if f"screening/{p.name}" not in doc]
    unmapped += [f"{p.name}/" for p in packages if f"screening/{p.name}/" not in doc]
    assert unmapped == [], f"add these to the code map in docs/ARCHITECTURE.md: {unmapped}"


def test_clinic_example_file_is_valid() -> None:
    from screening.config import load_clinic_settings  # noqa: PLC0415 - only this test needs it

    settings = load_clinic_settings(ROOT / "clinic.example.yaml")
    assert settings.crisis_lines and settings.emergency_number == "911"
    assert settings.missing_contacts() == ["clinic phone number"]


@pytest.mark.parametrize(
    "path", sorted([ROOT / "app.py", *(ROOT / "ui").rglob("*.py")]), ids=lambda p: str(p.relative_to(ROOT))
)
def test_only_ui_state_touches_session_state(path: Path) -> None:
    if path == ROOT / "ui" / "state.py":
        return
    text = path.read_text(encoding="utf-8")
    assert "session_state" not in text, "use ui.state helpers instead of st.session_state"
    assert "st.query_params" not in text, "use ui.state helpers instead of st.query_params"


def _script_expressions(statements: list[ast.stmt]) -> list[ast.Expr]:
    """Expression statements a Streamlit script runs itself (not those inside its functions)."""
    found: list[ast.Expr] = []
    for statement in statements:
        if isinstance(statement, ast.Expr):
            found.append(statement)
        elif not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody"):
                found.extend(_script_expressions(getattr(statement, field, [])))
            for handler in getattr(statement, "handlers", []):
                found.extend(_script_expressions(handler.body))
    return found


@pytest.mark.parametrize(
    "path", sorted([ROOT / "app.py", *(ROOT / "ui" / "pages").glob("*.py")]), ids=lambda p: p.name
)
def test_page_scripts_show_nothing_by_streamlit_magic(path: Path) -> None:
    """Streamlit draws the value of any expression statement of a page script ("magic"): a string
    under a constant, meant as its docstring, would appear on the page. Only calls may stand alone."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    statements = body[1:] if body and isinstance(body[0], ast.Expr) else body  # the module docstring
    shown = [node.lineno for node in _script_expressions(statements) if not isinstance(node.value, ast.Call)]
    assert shown == [], f"{path.name}: lines {shown} would be drawn on the page; make them comments"


_CONTRACT_CITATION = re.compile(r"docs/contract\.md (§[\d.]+(?:\s*(?:,|-|–|and)\s*§[\d.]+)*)")
_CONTRACT_SECTION = re.compile(r"^#{2,3} (\d+(?:\.\d+)*)\.? ", re.M)


def test_every_contract_citation_names_a_section_of_docs_contract() -> None:
    sections = set(_CONTRACT_SECTION.findall((ROOT / "docs" / "contract.md").read_text(encoding="utf-8")))
    places = [ROOT / "app.py", ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    for folder in ("screening", "ui", "bench", "tests", "docs", "questionnaires"):
        places += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".md", ".yaml"}]
    unknown = []
    for path in places:
        text = path.read_text(encoding="utf-8")
        for citation in _CONTRACT_CITATION.findall(text):
            for number in re.findall(r"§(\d+(?:\.\d+)*)", citation):
                if number not in sections:
                    unknown.append(f"{path.relative_to(ROOT)}: §{number}")
    assert unknown == [], f"docs/contract.md has no such section: {unknown}"
