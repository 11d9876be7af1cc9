"""`Store`: the storage API the app uses.

One `Store` per process is enough (the Streamlit app caches it as a resource): it holds an engine
and a session factory and nothing else, and every call opens, commits and closes its own session,
so a `Store` can be shared by any number of sessions and threads. Calls return frozen records
(`records.py`), never ORM objects.

Concurrency. Every write takes `base_revision`, the screening revision its writer last saw (from
`get_screening`, or `WriteResult.base_revision` of the previous write). A write first locks the
screening (a row lock on PostgreSQL, the write lock on SQLite), then compares the revision that
last changed its own target (one answer, the review or the assessment date) with `base_revision`:
if somebody changed that target since, the write fails with `ConflictError` and nothing is saved.
Writes to other targets go through, so two people entering different answers never conflict.
Writing the value that is already stored is not a change and never conflicts. A writer's base
only moves past other people's changes when it reloads the screening, so an answer it has not
seen is never overwritten, and a psychiatrist signs only what was on the screen.

Audit. Every change appends one event, numbered by the new revision and chained to the previous
event by an HMAC with the server's audit key (see `audit.py`, `keys.py`); every write renews the
screening row's anchor (`anchors.py`), and creating a screening enters it in the clinic-wide record
(`clinic_chain.py`). `verify_audit` walks the chain, checks the anchor and replays the chain against
the stored answers, review, assessment date, pin, signature and the list's columns;
`verify_clinic` compares the clinic record with the screenings there are.

The parts of `Store`, one module each: `reads.py` (one screening, the list), `writes.py` (creating,
answers, the date, the review, documents), `signing.py` (signing, amending, discarding) and
`verification.py` (the audit trail); what they share (sessions, locks, appending events, the
conflict error) is `core.py`, a change to one target `changes.py`, and rows read back as records
`rows.py`.
"""

from __future__ import annotations

from screening.storage.core import Clock, utc_now
from screening.storage.signing import Signing
from screening.storage.verification import Verification
from screening.storage.writes import Writes

__all__ = ["Clock", "Store", "utc_now"]


class Store(Writes, Signing, Verification):
    """Screenings, their answers, reviews, signatures and audit trails in one database.

    :param url: any SQLAlchemy URL; None means $SCREENING_DATABASE_URL, else SQLite at
        `data/screenings.db` under the working directory. Tables are created on first use.
    :param judge: the lifecycle rules (status, signing, amending); the workflow passes its own.
    :param clock: returns the current time (timezone-aware); tests pass a fixed clock.
    :param keys: the audit keys; None means $SCREENING_AUDIT_KEYS, else the key file (made with a
        fresh key for a database with no keyed record yet; see `keys.resolve_keys`).
    """
