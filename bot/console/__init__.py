"""The servicedesk console: a small web app where agents work the assistant's tickets.

It runs as a process of its own (``python -m bot console``), next to the Rasa and action
servers, on the same database. ``serve`` is what that command (and the runner) calls.
"""

from __future__ import annotations

from bot.settings import Settings


def serve(settings: Settings) -> None:
    """Serve the console with waitress until SIGINT or SIGTERM (blocking)."""
    from bot.console.server import serve as _serve

    _serve(settings)


__all__ = ["serve"]
