"""The key that signs the console's cookies (sessions and CSRF tokens).

Configured keys win. Without one, a random key is made once and kept in ``var_dir`` readable
by the owner only, so ``make run`` works with no configuration and agents stay signed in
across restarts; deleting the file signs everybody out.
"""

from __future__ import annotations

from bot.secret_files import persisted_secret
from bot.settings import Settings

KEY_FILE = "console-secret"


def secret_key(settings: Settings) -> str:
    if settings.console_secret_key:
        return settings.console_secret_key
    return persisted_secret(settings.var_dir / KEY_FILE)
