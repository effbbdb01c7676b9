"""The key that signs the console's cookies (sessions and CSRF tokens).

Configured keys win. Without one, a random key is made once and kept in ``var_dir`` readable
by the owner only, so ``make run`` works with no configuration and agents stay signed in
across restarts; deleting the file signs everybody out.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from bot.settings import Settings

KEY_FILE = "console-secret"
_KEY_BYTES = 32


def secret_key(settings: Settings) -> str:
    if settings.console_secret_key:
        return settings.console_secret_key
    return _persisted_key(settings.var_dir / KEY_FILE)


def _persisted_key(path: Path) -> str:
    """Read the key file, or create it atomically (two processes starting at once agree)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    key = secrets.token_urlsafe(_KEY_BYTES * 2)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def _read_key(path: Path) -> str:
    # The process that created the file may not have written it yet: give it a moment.
    for _ in range(50):
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= _KEY_BYTES:
            return key
        time.sleep(0.1)
    raise RuntimeError(f"{path} holds no usable key; delete it to make a new one")
