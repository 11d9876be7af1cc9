"""The audit key: the server secret that the audit trail's hashes are keyed with.

Every audit event's hash, every screening's anchor and every entry of the clinic-wide chain is an
HMAC-SHA-256 with a secret the database does not hold. Somebody who can write the database but
cannot read the key can still change rows, but can no longer compute hashes that verify: the change
shows up as "rewritten" however carefully the plain hashes were recomputed.

Keys are text, one per line: an id and the secret in hexadecimal (at least 32 bytes), e.g.

    # written 2026-12-02
    k20261202 6f1c…(64 hex digits)

The last line is the current key, which new hashes use; the lines above it are older keys, kept so
that what they keyed still verifies (rotation appends a line). Each event records the id of its key.

Where the keys come from (`screening.settings`): `$SCREENING_AUDIT_KEYS` (the same text, lines
separated by newlines or ';'), else the key file (`$SCREENING_AUDIT_KEY_FILE`, else
`data/audit.key` under the working directory). A missing key file is created with a fresh key,
readable by its owner only, but only for a database that holds no keyed records yet: for one that
does, a lost key is an error to fix, never a reason to start a new trail that would hide the old
one's state.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from screening import settings
from screening.storage.errors import StorageError

KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
MIN_SECRET_BYTES = 32
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


class AuditKeyError(StorageError):
    """The audit keys are missing or unusable; the message says where they were looked for."""


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """The audit keys of this server: `current` keys new hashes, `secrets` holds every known key."""

    current: str
    secrets: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.secrets:
            raise AuditKeyError(f"The current audit key {self.current!r} has no secret.")

    def mac(self, key_id: str, message: bytes) -> str | None:
        """HMAC-SHA-256 of `message` with the key `key_id` (hex), None for a key this server lacks."""
        secret = self.secrets.get(key_id)
        if secret is None:
            return None
        return hmac.new(secret, message, sha256).hexdigest()

    def __repr__(self) -> str:  # never print a secret
        return f"AuditKeys(current={self.current!r}, ids={sorted(self.secrets)!r})"


def parse_keys(text: str, source: str) -> AuditKeys:
    """The keys in `text` (see the module docstring); `source` names where they came from in the
    one-line problem raised for anything else. Secrets never appear in a message."""
    keys: dict[str, bytes] = {}
    current: str | None = None
    for number, raw in enumerate(re.split(r"[\n;]", text), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or not KEY_ID.fullmatch(parts[0]):
            raise AuditKeyError(f"{source}, entry {number}: expected a key id and a hexadecimal secret.")
        key_id, secret = parts
        if not _HEX.fullmatch(secret) or len(secret) // 2 < MIN_SECRET_BYTES:
            raise AuditKeyError(
                f"{source}, key {key_id!r}: the secret must be at least {MIN_SECRET_BYTES} bytes "
                f"written in hexadecimal ({2 * MIN_SECRET_BYTES} digits)."
            )
        if key_id in keys:
            raise AuditKeyError(f"{source}: the key id {key_id!r} is given twice.")
        keys[key_id] = bytes.fromhex(secret)
        current = key_id
    if current is None:
        raise AuditKeyError(f"{source} holds no audit key.")
    return AuditKeys(current, keys)


def new_key_line(now: datetime, existing: Mapping[str, bytes] | None = None) -> tuple[str, str]:
    """A fresh key as (id, line): the id is "k" and the UTC date, made unique among `existing`."""
    base = "k" + now.astimezone(UTC).strftime("%Y%m%d")
    key_id, counter = base, 1
    while existing and key_id in existing:
        counter += 1
        key_id = f"{base}-{counter}"
    return key_id, f"{key_id} {secrets.token_hex(MIN_SECRET_BYTES)}"


def key_file() -> Path:
    """The key file this process uses (it need not exist)."""
    return settings.current().audit_key_file or settings.default_audit_key_path()


def configured_keys() -> AuditKeys | None:
    """The keys from the environment or the key file; None when neither holds any."""
    given = settings.current().audit_keys
    if given is not None:
        return parse_keys(given.get_secret_value(), f"${settings.AUDIT_KEYS_ENV}")
    path = key_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise AuditKeyError(f"The audit key file {path} cannot be read ({type(error).__name__}).") from None
    return parse_keys(text, f"The audit key file {path}")


def create_key_file(path: Path, now: datetime) -> AuditKeys:
    """Write a new key file holding one fresh key, for its owner only; never overwrite one."""
    for folder in reversed([p for p in (path.parent, *path.parent.parents) if not p.exists()]):
        folder.mkdir(mode=0o700, exist_ok=True)
    _key_id, line = new_key_line(now)
    text = f"# Audit key of the screening database, created {now.astimezone(UTC):%Y-%m-%d}. Keep it\n"
    text += "# secret and keep a copy: without it the audit trail can no longer be verified.\n"
    text += line + "\n"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        keys = configured_keys()
        if keys is None:
            raise AuditKeyError(f"The audit key file {path} appeared but holds no key.") from None
        return keys
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return parse_keys(text, f"The audit key file {path}")


def rotate_key_file(path: Path, now: datetime) -> str:
    """Append a new current key to the key file (older keys stay, for verification); its id."""
    text = path.read_text(encoding="utf-8")
    keys = parse_keys(text, f"The audit key file {path}")
    key_id, line = new_key_line(now, keys.secrets)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(("" if text.endswith("\n") else "\n") + line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key_id


def _keyed_by(engine: Engine) -> str | None:
    """The key id of the database's first clinic record, None when it has none (a new database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("clinic_events"):
            return None
        return connection.execute(text("SELECT key_id FROM clinic_events ORDER BY seq LIMIT 1")).scalar()


def resolve_keys(engine: Engine, now: datetime) -> AuditKeys:
    """The keys this server uses with the database of `engine`: the configured ones; else, for a
    database with no keyed records yet, a new key file; else an error (the key was lost)."""
    keys = configured_keys()
    if keys is not None:
        return keys
    path = key_file()
    holder = _keyed_by(engine)
    if holder is not None:
        raise AuditKeyError(
            f"The database's audit trail is keyed with the audit key {holder!r}, but no key is "
            f"configured: restore the key file {path} or set ${settings.AUDIT_KEYS_ENV}. A new key "
            "is not made, so the existing trail stays verifiable."
        )
    return create_key_file(path, now)
