"""The citizen's CPR number: kept only to address Digital Post, validated, and stored encrypted.

The key lives in configuration (CPR_ENCRYPTION_KEY), never in the database, so a copy of the database
alone does not give the numbers away. Several keys may be given, separated by commas: the first encrypts,
all of them decrypt, so a key can be rotated without re-encrypting at once. Without a key a development
key is made on first use in <instance>/cpr/key; ProductionConfig refuses to start without one.

Nothing here logs or returns a number except `decrypt`, which only the Digital Post channel calls at
send time (and which the caller writes to the access log).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from app.core.timeutil import local_today

log = logging.getLogger(__name__)

# "010190-1234", "0101901234" or "010190 1234", as people type it. [0-9], not \d, which takes the digits
# of any script.
_TYPED = re.compile(r"^\s*([0-9]{6})[-\s]?([0-9]{4})\s*$")


class CprKeyError(RuntimeError):
    """The configured key cannot be used (the message says what to fix, never a number)."""


def normalize(value: str) -> str | None:
    """The ten digits of a typed CPR number, or None if it does not have that shape."""
    match = _TYPED.match(value or "")
    return match.group(1) + match.group(2) if match else None


def birth_date(cpr: str) -> date | None:
    """The date of birth a CPR number encodes, or None if it is not a real date.

    The century follows from the seventh digit and the year (CPR-kontoret's table). There is no
    modulus-11 check: numbers issued since 2007 need not satisfy it.
    """
    if len(cpr) != 10 or not cpr.isascii() or not cpr.isdigit():
        return None
    day, month, year, seventh = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if year <= 36 else 1900
    else:  # 5-8
        century = 2000 if year <= 57 else 1800
    try:
        return date(century + year, month, day)
    except ValueError:
        return None


def is_valid(cpr: str) -> bool:
    """Ten digits that encode a real date of birth, not in the future."""
    born = birth_date(cpr)
    return born is not None and born <= local_today()


def _keys() -> list[bytes]:
    configured = current_app.config.get("CPR_ENCRYPTION_KEY")
    if configured:
        return [k.strip().encode() for k in configured.split(",") if k.strip()]
    return [_ensure_dev_key(Path(current_app.instance_path) / "cpr")]


def _ensure_dev_key(folder: Path) -> bytes:
    path = folder / "key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # Several server processes may start at once; only one may make the key.
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(Fernet.generate_key())
                log.warning("Made a development key for CPR numbers in %s", folder)
    return path.read_bytes().strip()


def check_keys(configured: str | None) -> None:
    """Raise CprKeyError unless `configured` holds at least one usable key (for ProductionConfig)."""
    keys = [k.strip() for k in (configured or "").split(",") if k.strip()]
    if not keys:
        raise CprKeyError(
            "CPR_ENCRYPTION_KEY must be set (a Fernet key: python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())')."
        )
    _fernet([k.encode() for k in keys])


def _fernet(keys: list[bytes]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise CprKeyError(
            "CPR_ENCRYPTION_KEY is not a valid Fernet key (32 bytes, url-safe base64)."
        ) from exc


def encrypt(cpr: str) -> str:
    """The number encrypted (AES-128-CBC with HMAC-SHA256, Fernet) under the first key."""
    return _fernet(_keys()).encrypt(cpr.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The number back; CprKeyError if no configured key opens it (a lost or rotated-out key)."""
    try:
        return _fernet(_keys()).decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise CprKeyError("The CPR number cannot be decrypted with the configured key.") from exc
