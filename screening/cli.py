"""The command line: `python -m screening check | assess | report | schema`.

Exit codes: 0 success; 1 problems in the input (a questionnaire with errors, answers that cannot
be accepted); 2 a usage error. Bad input never prints a traceback: one line per problem.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from screening.answers import Problem
from screening.answers_file import AnswersFile, read_answers_file
from screening.assessment import Assessment
from screening.config import ClinicSettings, ConfigError, load_clinic_settings
from screening.definition import Definition
from screening.engine import assess
from screening.loading import default_directory, load_catalog
from screening.model import json_schema
from screening.vocabulary import STATUS_MEANING, status_words

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:  # pragma: no cover - output piped into `head`
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m screening",
        description=(
            "Ketamine/esketamine intake screening: check questionnaires, assess answers, print documents."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="check questionnaire files and run their worked examples")
    check.add_argument("paths", nargs="*", type=Path, help="files or directories (default: questionnaires/)")
    check.add_argument("--no-examples", action="store_true", help="do not run the worked examples")
    check.set_defaults(handler=_check)

    assess_cmd = commands.add_parser("assess", help="assess an answers file")
    assess_cmd.add_argument("file", type=Path, help="answers file (YAML)")
    assess_cmd.add_argument("--json", action="store_true", help="print the assessment JSON")
    assess_cmd.add_argument("--questionnaires", type=Path, help="questionnaire directory (default: bundled)")
    assess_cmd.set_defaults(handler=_assess)

    report = commands.add_parser("report", help="write the clinician summary and patient handout PDFs")
    report.add_argument("file", type=Path, help="answers file (YAML)")
    report.add_argument("--out", type=Path, required=True, help="output directory")
    report.add_argument(
        "--generated-at",
        type=_datetime,
        help=(
            "generation time printed in the documents (ISO date-time, UTC unless it has an offset);"
            " fixes the output bytes"
        ),
    )
    report.add_argument("--questionnaires", type=Path, help="questionnaire directory (default: bundled)")
    report.set_defaults(handler=_report)

    schema = commands.add_parser("schema", help="print the JSON Schema of the questionnaire format")
    schema.set_defaults(handler=_schema)
    return parser


def _datetime(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected an ISO date-time such as 2026-11-20T15:30:00") from None


# ---------------------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    paths = list(args.paths) or [default_directory()]
    missing = [path for path in paths if not path.exists()]
    for path in missing:
        print(f"{path}: no such file or directory", file=sys.stderr)
    if missing:
        return EXIT_PROBLEMS
    catalog = load_catalog(paths, run_examples=not args.no_examples)
    for issue in catalog.issues:
        print(issue)
    errors, warnings = len(catalog.errors), len(catalog.warnings)
    ran = catalog.examples_run
    examples = "" if args.no_examples else f", ran {ran} worked example{'s' * (ran != 1)}"
    print(
        f"checked {len(catalog.files)} file{'s' * (len(catalog.files) != 1)}{examples}: "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    )
    return EXIT_PROBLEMS if errors else EXIT_OK


def _load(args: argparse.Namespace) -> tuple[AnswersFile, Definition, Assessment] | None:
    """Read the answers file and assess it, printing problems; None when it cannot be used."""
    answers_file, problems = read_answers_file(args.file)
    if answers_file is None:
        _print_problems(args.file, problems)
        return None
    directory = args.questionnaires or default_directory()
    catalog = load_catalog([directory], run_examples=False)
    definition = catalog.get(answers_file.questionnaire)
    if definition is None:
        parsed = catalog.file_of(answers_file.questionnaire)
        if parsed is not None:
            reason = (
                f"questionnaire '{answers_file.questionnaire}' has errors; run: python -m screening check"
            )
        else:
            known = ", ".join(sorted(catalog.definitions)) or "none"
            reason = f"unknown questionnaire '{answers_file.questionnaire}' (available: {known})"
        _print_problems(args.file, [*problems, Problem("questionnaire", reason)])
        return None
    if answers_file.assessed_on is None and not any(p.item == "assessed_on" for p in problems):
        problems.append(Problem("assessed_on", "missing: the date the screening is taken (YYYY-MM-DD)"))
    result = assess(
        definition, answers_file.answers, assessed_on=answers_file.assessed_on, review=answers_file.review
    )
    problems.extend(result.problems)
    if problems:
        _print_problems(args.file, problems)
        return None
    return answers_file, definition, result


def _print_problems(path: Path, problems: Sequence[Problem]) -> None:
    for problem in problems:
        text = problem.message if problem.item == "file" else str(problem)
        print(f"{path}: {text}", file=sys.stderr)


def _assess(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return EXIT_PROBLEMS
    _answers, definition, result = loaded
    if args.json:
        json.dump(result.contract(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    # The crisis lines printed are the clinic's: a clinic file that cannot be read is an error.
    try:
        settings = load_clinic_settings()
    except ConfigError as error:
        print(f"clinic settings: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print_assessment(result, definition, sys.stdout, settings)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    # Loaded only here: ReportLab and the fonts are not needed by the other commands.
    from screening.documents.build import write_documents  # noqa: PLC0415

    try:
        settings = load_clinic_settings()
    except ConfigError as error:
        print(f"clinic settings: {error}", file=sys.stderr)
        settings = None
    loaded = _load(args)
    if loaded is None or settings is None:
        return EXIT_PROBLEMS
    _answers, definition, result = loaded
    # A naive --generated-at is UTC (see screening.documents.build); without it, local time now.
    generated_at = args.generated_at or dt.datetime.now().astimezone().replace(microsecond=0)
    try:
        written, warnings = write_documents(
            definition, result, out=args.out, generated_at=generated_at, settings=settings
        )
    except OSError as error:
        print(f"{args.out}: cannot write the documents: {error.strerror}", file=sys.stderr)
        return EXIT_PROBLEMS
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path in written:
        print(path)
    return EXIT_OK


def _schema(_args: argparse.Namespace) -> int:
    json.dump(json_schema(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------


def _status_line(status: str) -> str:
    """ "NEEDS REVIEW — A relative contraindication … was found. The psychiatrist decides." """
    return f"{status_words(status).upper()} — {STATUS_MEANING[status]} The psychiatrist decides."


def crisis_words(settings: ClinicSettings) -> str:
    """The clinic's crisis lines and emergency number in one line: "988 Suicide & Crisis Lifeline
    (US): Call or text 988; emergency: call 911"."""
    lines = [f"{line.label}: {line.contact}" for line in settings.crisis_lines]
    return "; ".join([*lines, f"emergency: call {settings.emergency_number}"])


def print_assessment(
    result: Assessment, definition: Definition, out: TextIO, settings: ClinicSettings | None = None
) -> None:
    """The assessment as plain text for a terminal; the crisis lines are the clinic's (``settings``
    None: the bundled defaults)."""
    ref = result.questionnaire
    if result.crisis:
        settings = settings if settings is not None else ClinicSettings()
        print(
            f"!! SUICIDE RISK SCREEN POSITIVE: follow the crisis protocol now ({crisis_words(settings)}).",
            file=out,
        )
    print(f"{definition.title} {ref.version} (sha256 {ref.sha256[:12]})", file=out)
    if result.assessed_on:
        print(f"Assessed on {result.assessed_on.isoformat()}", file=out)
    print(f"Status: {_status_line(result.status)}", file=out)
    print("\nScores:", file=out)
    for score in result.scores.values():
        value = "not computed" if score.value is None else f"{score.value} ({score.band})"
        print(f"  {score.title}: {value}", file=out)
    if result.requirements:
        print("\nCriteria:", file=out)
        for requirement in result.requirements:
            met = {True: "met", False: "NOT met", None: "unknown"}[requirement.met]
            print(f"  {requirement.title}: {met}", file=out)
    print("\nFlags:" if result.flags else "\nFlags: none", file=out)
    for flag in result.flags:
        print(f"  [{flag.severity}] {flag.id}: {flag.title}", file=out)
        print(f"      action: {flag.action}", file=out)
        print(f"      source: {flag.source}", file=out)
        print(f"      triggered by: {', '.join(flag.triggered_by)}", file=out)
        if flag.acknowledgement:
            print(f"      acknowledged: {flag.acknowledgement}", file=out)
    if result.undetermined:
        print(f"\nCould not be evaluated: {', '.join(result.undetermined)}", file=out)
    if result.missing:
        print(f"\nMissing: {', '.join(result.missing)}", file=out)
    if result.review is not None:
        for notice in result.review.notices:
            print(f"\nReview: {notice}", file=out)
    print("\nDecision support only: the psychiatrist decides.", file=out)
