"""`python -m bot.rasa_ext.rasa_server run|train ...`: Rasa's command line with our hooks.

The runner starts Rasa servers, and training runs, through this module instead of
`python -m rasa`, so that every replica answers an unreachable action server with a useful
sentence (action_failures.py), checks the action server's answers without re-checking their
schema each time (action_results.py), allows browsers no credentials (cors.py), serves
/health, /ready and /metrics (service_routes.py), keeps a message that waits for a
conversation's lock in the queue (lock_tickets.py), and logs no exception's message
(bot/private_logs.py). It first checks that the installed Rasa is the one those were written
for (bot/rasa_ext/rasa_compat.py). Arguments are Rasa's, unchanged.

A server runs NumPy's matrix products (the sentence encoder's) on one BLAS thread: it answers
one message at a time per conversation, and for products that small the second thread mostly
spins while it waits for work. Understanding a message then took about half the CPU time for
2 ms more wall time, CPU that other conversations were waiting for. Training keeps every
thread: its batches are large.
"""

from __future__ import annotations

import os
import sys

from threadpoolctl import threadpool_limits

from bot import private_logs
from bot.rasa_ext import (
    action_failures,
    action_results,
    cors,
    lock_tickets,
    rasa_compat,
    service_routes,
)
from bot.settings import get_settings

# Sanic reads a whole body before the chat channels check their 64 KB limit, and Rasa leaves
# Sanic's own limit at 100 MB: larger bodies are refused from their Content-Length, unread.
# (The action server keeps Sanic's default: Rasa's calls carry the whole domain.)
REQUEST_MAX_BYTES = 1024 * 1024


def main() -> None:
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_BYTES))
    # Read by Rasa when its lock store module is imported, so before anything imports Rasa.
    os.environ["TICKET_LOCK_LIFETIME"] = str(get_settings().lock_lifetime_seconds)
    os.environ[rasa_compat.ENTRY_POINT_MARK] = "1"
    try:
        rasa_compat.check()
    except rasa_compat.RasaMismatch as mismatch:
        raise SystemExit(str(mismatch)) from None
    private_logs.install()
    action_failures.install()
    action_results.install()
    cors.install()
    lock_tickets.install()
    service_routes.install()
    if sys.argv[1:2] == ["run"]:
        threadpool_limits(limits=1, user_api="blas")
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
