"""The command line: `python -m screening check | assess | report | schema | export | import |
database | audit` (the last in `cli_audit.py`).

Exit codes: 0 success; 1 problems in the input (a questionnaire with errors, answers that cannot
be accepted, a file to import that is refused); 2 a usage error. Bad input never prints a
traceback: one line per problem. `export` and `import` (docs/contract.md §5) write their result on
standard output or, with `--out FILE`, to that file — and write nothing when the input is refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from screening.answers import Problem
from screening.answers_file import AnswersFile, read_answers_file
from screening.assessment import Assessment
from screening.cli_audit import add_audit_commands
from screening.config import ClinicSettings, ConfigError, load_clinic_settings
from screening.definition import Definition
from screening.engine import assess
from screening.loading import Catalog, default_directory, load_catalog
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

    database = commands.add_parser("database", help="set up the screenings database")
    database_actions = database.add_subparsers(dest="action", required=True)
    database_init = database_actions.add_parser(
        "init",
        help="create or upgrade the tables and their append-only guards at $SCREENING_DATABASE_URL"
        " (on PostgreSQL, run it with the owner role's URL)",
    )
    database_init.set_defaults(handler=_database_init)
    add_audit_commands(commands)

    _add_exchange_commands(commands)
    return parser


def _add_exchange_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`export fhir|redcap` and `import fhir|redcap` (docs/contract.md §5)."""
    export = commands.add_parser("export", help="export a screening or a questionnaire (FHIR, REDCap)")
    export_formats = export.add_subparsers(dest="format", required=True)
    export_fhir = export_formats.add_parser(
        "fhir",
        help="an answers file as a FHIR Bundle, or a questionnaire as a FHIR Questionnaire",
    )
    _source_arguments(export_fhir, "the screening as a FHIR Bundle", "the definition as a FHIR Questionnaire")
    export_fhir.add_argument(
        "--generated-at",
        type=_datetime,
        metavar="ISO-DATETIME",
        help="time stamp of the Bundle (ISO date-time, UTC unless it has an offset; default: now)",
    )
    export_fhir.set_defaults(handler=_export_fhir)
    export_redcap = export_formats.add_parser(
        "redcap",
        help="a questionnaire as a REDCap data dictionary, or an answers file as a REDCap record (CSV)",
    )
    _source_arguments(export_redcap, "one REDCap record (CSV)", "the REDCap data dictionary (CSV)")
    export_redcap.set_defaults(handler=_export_redcap)

    import_cmd = commands.add_parser("import", help="import a FHIR or REDCap file into an answers file")
    import_formats = import_cmd.add_subparsers(dest="format", required=True)
    import_fhir = import_formats.add_parser(
        "fhir",
        help="a QuestionnaireResponse (or a Bundle of them) as an answers file;"
        " a Questionnaire as a YAML instrument",
    )
    import_fhir.add_argument("file", type=Path, metavar="FILE", help="FHIR JSON file")
    import_fhir.add_argument("--questionnaire", metavar="ID", help="the questionnaire the answers belong to")
    _output_arguments(import_fhir)
    import_fhir.set_defaults(handler=_import_fhir)
    import_redcap = import_formats.add_parser("redcap", help="one REDCap record (CSV) as an answers file")
    import_redcap.add_argument("file", type=Path, metavar="RECORD_CSV", help="REDCap record (CSV)")
    import_redcap.add_argument(
        "--questionnaire", metavar="ID", required=True, help="the questionnaire the record belongs to"
    )
    _output_arguments(import_redcap)
    import_redcap.set_defaults(handler=_import_redcap)


def _source_arguments(parser: argparse.ArgumentParser, from_answers: str, from_questionnaire: str) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "file", nargs="?", type=Path, metavar="ANSWERS_FILE", help=f"answers file: {from_answers}"
    )
    source.add_argument("--questionnaire", metavar="ID", help=f"questionnaire id: {from_questionnaire}")
    _output_arguments(parser)


def _output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (default: standard output)")
    parser.add_argument(
        "--questionnaires", type=Path, metavar="DIR", help="questionnaire directory (default: bundled)"
    )


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


def _load(
    args: argparse.Namespace, *, shown: str | None = None
) -> tuple[AnswersFile, Definition, Assessment] | None:
    """Read the answers file and assess it, printing problems; None when it cannot be used.

    Problems start with `shown` (default: the file name as given); with `shown`, each problem is
    also kept to one line of printable text."""
    where, one_line = (args.file, False) if shown is None else (shown, True)
    answers_file, problems = read_answers_file(args.file)
    if answers_file is None:
        _print_problems(where, problems, one_line=one_line)
        return None
    catalog = _catalog(args)
    definition = catalog.get(answers_file.questionnaire)
    if definition is None:
        reason = _not_available(catalog, answers_file.questionnaire)
        _print_problems(where, [*problems, Problem("questionnaire", reason)], one_line=one_line)
        return None
    if answers_file.assessed_on is None and not any(p.item == "assessed_on" for p in problems):
        problems.append(Problem("assessed_on", "missing: the date the screening is taken (YYYY-MM-DD)"))
    result = assess(
        definition, answers_file.answers, assessed_on=answers_file.assessed_on, review=answers_file.review
    )
    problems.extend(result.problems)
    if problems:
        _print_problems(where, problems, one_line=one_line)
        return None
    return answers_file, definition, result


def _catalog(args: argparse.Namespace) -> Catalog:
    """The questionnaires every command uses: `--questionnaires DIR`, else the configured folder."""
    return load_catalog([args.questionnaires or default_directory()], run_examples=False)


def _not_available(catalog: Catalog, questionnaire_id: str) -> str:
    """Why the catalog has no usable definition with this id, in one line."""
    if catalog.file_of(questionnaire_id) is not None:
        return f"questionnaire '{questionnaire_id}' has errors; run: python -m screening check"
    known = ", ".join(sorted(catalog.definitions)) or "none"
    return f"unknown questionnaire '{questionnaire_id}' (available: {known})"


def _print_problems(path: Path | str, problems: Sequence[Problem], *, one_line: bool = False) -> None:
    for problem in problems:
        text = problem.message if problem.item == "file" else str(problem)
        print(f"{path}: {_one_line(text) if one_line else text}", file=sys.stderr)


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


def _database_init(_args: argparse.Namespace) -> int:
    """Create or upgrade the tables and append-only guards at $SCREENING_DATABASE_URL, and say in
    one line what was done. On PostgreSQL it runs as the owner role: the app's own role owns
    nothing and may not create them (deploy/postgresql/roles.sql). It grants nothing itself: the
    owner role's default privileges give the app role its rights on every table created."""
    # Loaded only here: the other commands need no database.
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    from screening.lifecycle.rules import Rules  # noqa: PLC0415
    from screening.storage import SCHEMA_VERSION, StorageError, Store, database_url  # noqa: PLC0415
    from screening.storage.database import create_storage_engine  # noqa: PLC0415
    from screening.storage.guards import schema_state  # noqa: PLC0415

    url = database_url()
    where = _one_line(url.render_as_string(hide_password=True))
    try:
        engine = create_storage_engine(url)
        try:
            with engine.connect() as connection:
                before, missing = schema_state(connection)
        finally:
            engine.dispose()
        with Store(url, judge=Rules(load_catalog([default_directory()], run_examples=False))):
            pass
    except (StorageError, DBAPIError) as error:
        reason = str(error.orig).strip().splitlines()[0] if isinstance(error, DBAPIError) else str(error)
        print(f"{where}: {_one_line(reason)}", file=sys.stderr)
        return EXIT_PROBLEMS
    guards = "their append-only guards"
    if before is None:
        done = f"Created the tables (schema version {SCHEMA_VERSION}) and {guards}"
    elif before < SCHEMA_VERSION:
        done = f"Upgraded the tables from schema version {before} to {SCHEMA_VERSION}, with {guards}"
    elif missing:
        done = f"Installed {len(missing)} missing append-only guard(s) (schema version {before})"
    else:
        done = f"Nothing to do: the tables (schema version {before}) and {guards} are in place"
    print(f"{done} at {where}.")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# export / import (docs/contract.md §5). The interop modules are loaded only by these commands.


def _export_fhir(args: argparse.Namespace) -> int:
    from screening.interop.fhir_export import questionnaire_resource, screening_bundle, to_json  # noqa: PLC0415

    if args.questionnaire is not None:
        definition = _questionnaire(args)
        if definition is None:
            return EXIT_PROBLEMS
        resource, not_expressed = questionnaire_resource(definition)
        return _write(args.out, to_json(resource), notes=not_expressed)
    loaded = _load(args, shown=_one_line(str(args.file)))
    if loaded is None:
        return EXIT_PROBLEMS
    answers_file, definition, result = loaded
    generated_at = args.generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    if generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=dt.UTC)
    bundle = screening_bundle(
        definition,
        result,
        answers=answers_file.answers,
        assessed_on=answers_file.assessed_on,
        review=answers_file.review,
        generated_at=generated_at,
    )
    return _write(args.out, to_json(bundle))


def _export_redcap(args: argparse.Namespace) -> int:
    from screening.interop.redcap import data_dictionary, record_csv  # noqa: PLC0415

    if args.questionnaire is not None:
        definition = _questionnaire(args)
        if definition is None:
            return EXIT_PROBLEMS
        text, not_expressed = data_dictionary(definition)
        return _write(args.out, text, notes=not_expressed)
    loaded = _load(args, shown=_one_line(str(args.file)))
    if loaded is None:
        return EXIT_PROBLEMS
    answers_file, definition, _result = loaded
    return _write(args.out, record_csv(definition, answers_file))


def _import_fhir(args: argparse.Namespace) -> int:
    from screening.interop.fhir_import import import_fhir  # noqa: PLC0415

    data = _read_input(args.file)
    if data is None:
        return EXIT_PROBLEMS
    imported = import_fhir(data, _catalog(args), questionnaire_id=args.questionnaire)
    return _imported(args, imported.text, imported.problems, imported.notes)


def _import_redcap(args: argparse.Namespace) -> int:
    from screening.interop.redcap import import_record  # noqa: PLC0415

    definition = _questionnaire(args)
    if definition is None:
        return EXIT_PROBLEMS
    data = _read_input(args.file)
    if data is None:
        return EXIT_PROBLEMS
    imported = import_record(data, definition)
    return _imported(args, imported.text, imported.problems, imported.notes)


def _questionnaire(args: argparse.Namespace) -> Definition | None:
    """The definition named by `--questionnaire`; None (and a line on standard error) otherwise."""
    catalog = _catalog(args)
    definition = catalog.get(args.questionnaire)
    if definition is None:
        print(f"--questionnaire: {_one_line(_not_available(catalog, args.questionnaire))}", file=sys.stderr)
    return definition


def _read_input(path: Path) -> bytes | None:
    """The bytes of a file to import, at most one byte more than any reader accepts."""
    from screening.interop.inputs import MAX_BYTES  # noqa: PLC0415

    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as error:
        print(
            f"{_one_line(str(path))}: cannot read the file: {error.strerror or 'unreadable'}", file=sys.stderr
        )
        return None
    if len(data) > MAX_BYTES:
        print(f"{_one_line(str(path))}: larger than {MAX_BYTES:,} bytes; refused", file=sys.stderr)
        return None
    return data


def _imported(
    args: argparse.Namespace, text: str | None, problems: Sequence[str], notes: Sequence[str]
) -> int:
    """Write an import's result, or nothing at all when it was refused."""
    if problems or text is None:
        shown = _one_line(str(args.file))
        for problem in problems or ["refused"]:
            print(f"{shown}: {_one_line(problem)}", file=sys.stderr)
        return EXIT_PROBLEMS
    return _write(args.out, text, notes=notes)


def _write(out: Path | None, text: str, *, notes: Sequence[str] = ()) -> int:
    """`text` to standard output or to `out` (complete or not at all), then each note on stderr."""
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            _write_file(out, text)
        except OSError as error:
            reason = error.strerror or "cannot be written"
            print(f"{_one_line(str(out))}: cannot write the file: {reason}", file=sys.stderr)
            return EXIT_PROBLEMS
    for note in notes:
        print(f"note: {_one_line(note)}", file=sys.stderr)
    return EXIT_OK


def _write_file(out: Path, text: str) -> None:
    """Write through a temporary file beside `out`, so a failed write leaves no partial file."""
    descriptor, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            umask = os.umask(0o022)
            os.umask(umask)
            os.chmod(stream.fileno(), 0o666 & ~umask)  # the mode `open` gives; mkstemp's is 0600
            stream.write(text)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _one_line(text: str) -> str:
    """`text` with control characters escaped, so a message stays one line of plain text."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text
    )


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
