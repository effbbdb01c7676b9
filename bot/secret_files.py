"""Secrets generated once and kept in a file readable by the owner only.

Used where a configured secret may be left out so that `make run` works with no
configuration (the console's cookie key, the Telegram webhook secret): the first process
creates the file atomically, every other process (or a later start) reads the same value.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

# token_urlsafe(32) gives 43 characters of A-Z a-z 0-9 _ - (what Telegram's secret allows).
_BYTES = 32
_USABLE_LENGTH = 32


class UnusableSecretFile(RuntimeError):
    """The file exists but holds no usable secret (deleting it makes a new one)."""


def persisted_secret(path: Path) -> str:
    """Read the secret in `path`, or create it (two processes starting at once agree)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    secret = secrets.token_urlsafe(_BYTES)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secret + "\n")
    return secret


def _read(path: Path) -> str:
    # The process that created the file may not have written it yet: give it a moment.
    for _ in range(50):
        secret = path.read_text(encoding="ascii").strip()
        if len(secret) >= _USABLE_LENGTH and all(c.isalnum() or c in "_-" for c in secret):
            return secret
        time.sleep(0.1)
    raise UnusableSecretFile(f"{path} holds no usable secret; delete it to have a new one made.")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable and writable by the owner only (also when the file
    was there before with wider permissions): rendered configs hold secrets and passwords."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
