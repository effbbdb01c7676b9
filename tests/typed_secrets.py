"""Secrets the tests type into running assistants, checked for once more when the run ends.

A test that types a secret says so with ``typed(...)``; after the last test, tests/conftest.py
reads every file of every assistant the run started (databases, logs, rendered configs) and
fails the run if one of them still holds such a secret. Each test checks its own assistant
as it goes; this catches what reaches a file later (a log line at shutdown, a retried
delivery) or an assistant another test shares.

Only secrets that look like passwords are registered, letters with digits or signs: digits
alone turn up by chance in timestamps and ids stored in the same files, and a plain word of a
passphrase ("horse") in the assistant's own answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

TYPED: set[str] = set()
_PASSWORD_LIKE = re.compile(r"^(?=.*[^\W\d_])(?=.*[\d\W])\S+$")


def typed(*secrets: str) -> set[str]:
    """Remember secrets typed into an assistant; returns those that could not occur by chance."""
    distinct = {secret for secret in secrets if len(secret) >= 6 and _PASSWORD_LIKE.match(secret)}
    TYPED.update(distinct)
    return distinct


def assistant_files(root: Path) -> list[Path]:
    """Every file under the assistants' runtime directories below ``root`` (each has logs/)."""
    runtime_dirs = {logs.parent for logs in root.rglob("logs") if logs.is_dir()}
    return [path for folder in runtime_dirs for path in folder.rglob("*") if path.is_file()]


def read_stored(files: Iterable[Path]) -> dict[Path, bytes]:
    """Each file's bytes. A file gone since it was listed is skipped: SQLite deletes a
    database's -wal and -shm files when its last connection closes, which a running assistant
    may do at any moment (what they held is then in the database file itself)."""
    stored = {}
    for path in files:
        try:
            stored[path] = path.read_bytes()
        except FileNotFoundError:
            continue
    return stored


def holds(content: bytes, secret: str) -> bool:
    """Does ``content`` hold ``secret`` as typed, not as part of a longer number?

    A one-time code's digits turn up by chance inside the floats stored beside it (a
    confidence of 0.003739184 holds the code 739184); a code that leaked stands on its own.
    """
    return (
        re.search(rb"(?<![0-9])" + re.escape(secret.encode()) + rb"(?![0-9])", content) is not None
    )


def survivors(files: list[Path], secrets: set[str]) -> list[tuple[str, str]]:
    """(file, secret) for every typed secret still found in a file, as UTF-8 or JSON-escaped."""
    found = []
    for path, content in read_stored(files).items():
        for secret in secrets:
            forms = {secret.encode(), secret.encode("unicode_escape").replace(b"\\x", b"\\u00")}
            if any(form in content for form in forms):
                found.append((str(path), secret))
    return found
