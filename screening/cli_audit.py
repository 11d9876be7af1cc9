"""`python -m screening audit verify | new-key`: the audit trail's checks for a clinic's IT.

`audit verify` checks the clinic-wide record (every screening created is there, none is missing)
and the keyed trail of each screening (the most recently changed ones, or `--all`, or the ids
given). It prints one line per problem, naming screening ids and event numbers, never patient
data, and a summary; it exits 1 when anything does not verify. It needs the same audit keys as
the app servers (`$SCREENING_AUDIT_KEYS` or the key file).

`audit new-key` appends a new current key to the key file (rotation): new records are keyed with
it, and the older keys stay in the file so that what they keyed still verifies.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from screening.storage.keys import AuditKeyError, key_file, rotate_key_file

EXIT_OK = 0
EXIT_PROBLEMS = 1
RECENT = 500
"""How many of the most recently changed screenings `audit verify` checks without `--all`."""


def add_audit_commands(commands: Any) -> None:
    """Add `audit verify` and `audit new-key` to the command line's subcommands."""
    audit = commands.add_parser("audit", help="verify the audit trail, or add a new audit key")
    actions = audit.add_subparsers(dest="action", required=True)
    verify = actions.add_parser(
        "verify",
        help=f"check the clinic record and the {RECENT} most recently changed screenings' trails",
    )
    scope = verify.add_mutually_exclusive_group()
    scope.add_argument("--all", action="store_true", help="check every screening's trail")
    scope.add_argument("ids", nargs="*", default=[], metavar="SCREENING_ID", help="check these screenings")
    verify.set_defaults(handler=_verify)
    new_key = actions.add_parser("new-key", help="add a new current key to the audit key file (rotation)")
    new_key.set_defaults(handler=_new_key)


def _one_line(text: str) -> str:
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text
    )


def _verify(args: argparse.Namespace) -> int:
    # Loaded only here: the other commands need no database.
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    from screening.lifecycle.rules import Rules  # noqa: PLC0415
    from screening.loading import default_directory, load_catalog  # noqa: PLC0415
    from screening.storage import NotFound, StorageError, Store, database_url  # noqa: PLC0415

    url = database_url()
    where = _one_line(url.render_as_string(hide_password=True))
    try:
        with Store(url, judge=Rules(load_catalog([default_directory()], run_examples=False))) as store:
            clinic = store.verify_clinic()
            for problem in clinic.problems:
                print(f"clinic record: {_one_line(str(problem))}")
            ids = list(args.ids) or store.screening_ids(None if args.all else RECENT)
            broken, events = 0, 0
            for screening_id in ids:
                try:
                    report = store.verify_audit(screening_id)
                except NotFound:
                    print(f"{_one_line(screening_id)}: no such screening")
                    broken += 1
                    continue
                events += report.events_checked
                broken += not report.ok
                for problem in report.problems:
                    print(f"{screening_id}: {_one_line(str(problem))}")
            key = store.audit_key_id
    except (StorageError, DBAPIError) as error:
        reason = str(error.orig).strip().splitlines()[0] if isinstance(error, DBAPIError) else str(error)
        print(f"{where}: {_one_line(reason)}", file=sys.stderr)
        return EXIT_PROBLEMS
    which = "the screenings named" if args.ids else ("every screening" if args.all else "the most recent")
    verdict = (
        "intact"
        if clinic.ok and not broken
        else f"{broken} screening(s) and {len(clinic.problems)} clinic problem(s) do not verify"
    )
    print(
        f"Checked the clinic record ({clinic.entries_checked} entries, {clinic.screenings} screenings) and "
        f"{len(ids)} screening trail(s), {which} ({events} events), with audit key {key}: {verdict}."
    )
    return EXIT_OK if clinic.ok and not broken else EXIT_PROBLEMS


def _new_key(_args: argparse.Namespace) -> int:
    from screening import settings  # noqa: PLC0415
    from screening.storage.keys import create_key_file  # noqa: PLC0415

    now = dt.datetime.now(dt.UTC)
    if settings.current().audit_keys is not None:
        print(
            f"The audit keys come from ${settings.AUDIT_KEYS_ENV}: add a new last line there "
            "(an id and 64 hexadecimal digits), keeping the older ones.",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    path = key_file()
    try:
        key_id = rotate_key_file(path, now) if path.exists() else create_key_file(path, now).current
    except (AuditKeyError, OSError) as error:
        print(
            _one_line(str(error) if isinstance(error, AuditKeyError) else f"{path}: {type(error).__name__}"),
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    print(
        f"Added audit key {key_id} to {_one_line(str(path))}: restart the app servers (each needs "
        "this same file); records are keyed with it from then on, and the older keys stay for verification."
    )
    return EXIT_OK
