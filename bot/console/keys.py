"""The console's keys: the one that signs its cookies, and the one that encrypts TOTP secrets.

Configured keys win. Without one, a random key is made once and kept in ``var_dir`` readable
by the owner only, so ``make run`` works with no configuration and agents stay signed in
across restarts; deleting the cookie key file signs everybody out. Deleting the TOTP key file
makes every stored TOTP secret unreadable: agents then need ``python -m bot agent reset-totp``.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from bot.secret_files import persisted_secret
from bot.settings import Settings

KEY_FILE = "console-secret"
TOTP_KEY_FILE = "console-totp-key"


class WrongKey(RuntimeError):
    """A sealed value the key cannot open: the key changed, or the value was tampered with."""


def secret_key(settings: Settings) -> str:
    if settings.console_secret_key:
        return settings.console_secret_key
    return persisted_secret(settings.var_dir / KEY_FILE)


class SecretBox:
    """Authenticated encryption (Fernet: AES-128-CBC and HMAC-SHA256) of short texts.

    The key material is any string of at least 32 characters (a configured key or the key
    file's random text); its sha256 is the Fernet key, so no particular format is needed.
    """

    def __init__(self, key_material: str) -> None:
        digest = hashlib.sha256(key_material.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise WrongKey(
                "a stored TOTP secret cannot be decrypted: MFA_CONSOLE_TOTP_KEY or "
                f"var_dir/{TOTP_KEY_FILE} is not the key it was stored with"
            ) from None


def totp_box(settings: Settings) -> SecretBox:
    """The box for agents' TOTP secrets: MFA_CONSOLE_TOTP_KEY, or a key file made once."""
    material = settings.console_totp_key or persisted_secret(settings.var_dir / TOTP_KEY_FILE)
    return SecretBox(material)
