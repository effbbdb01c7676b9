"""Cross-origin access to Rasa's HTTP API: the widget's pages may call it, without credentials.

Rasa 3.6 configures CORS itself and always with `supports_credentials`, so for `--cors "*"`
sanic-cors reflects any page's Origin back with `Access-Control-Allow-Credentials: true`, and
sends `Access-Control-Max-Age: None`. The chat needs neither cookies nor credentials: the
widget identifies a conversation by its random sender id. So the Rasa server process
(bot/rasa_ext/rasa_server.py) replaces Rasa's `configure_cors` before the app is made: the
origins come from MFA_CORS_ORIGINS (the intranet pages that embed the widget; `*` allows any
page, which is safe without credentials), credentials are never allowed, and preflights are
cached a while.
"""

from __future__ import annotations

from typing import Any

PREFLIGHT_MAX_AGE_S = 600


def configure_cors(app: Any, cors_origins: str | list[str] | None = "") -> None:
    """Rasa's configure_cors, minus credentials and with a real max age."""
    from sanic_cors import CORS

    app.config.CORS_AUTOMATIC_OPTIONS = True
    app.config.CORS_SUPPORTS_CREDENTIALS = False
    app.config.CORS_MAX_AGE = PREFLIGHT_MAX_AGE_S
    CORS(
        app,
        resources={r"/*": {"origins": cors_origins or ""}},
        automatic_options=True,
        supports_credentials=False,
        max_age=PREFLIGHT_MAX_AGE_S,
    )


def install() -> None:
    import rasa.server

    rasa.server.configure_cors = configure_cors


def origins(setting: str) -> list[str]:
    """MFA_CORS_ORIGINS ("https://a.example https://b.example" or with commas) as a list."""
    return [origin for origin in setting.replace(",", " ").split() if origin]
