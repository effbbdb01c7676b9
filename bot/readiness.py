"""Readiness: can this process serve a user right now?

Liveness (/health) only says the process answers HTTP. Readiness (/ready) says it can do its
work: the model is loaded, and each store it writes to answers. A load balancer sends users
only to ready replicas (bot/processes/production.py takes an unready one out of nginx), so a
replica that lost its database stops receiving messages it could only answer with an apology.

A check is a function that returns normally or raises; each runs on a thread with a time limit,
since a database behind a dead network path hangs rather than refuses. The answer names the
failing part and the error's class only: no address, user name or password reaches the page.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.db import make_engine

CHECK_TIMEOUT_S = 2.0
OK = "ok"

Check = Callable[[], None]


@dataclass(frozen=True)
class Readiness:
    """Each part's state: "ok", or why not."""

    parts: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(state == OK for state in self.parts.values())

    def as_json(self) -> dict[str, Any]:
        return {"ready": self.ready, "checks": self.parts}

    @property
    def status(self) -> int:
        """200 when ready; 503, which load balancers read as "send elsewhere", when not."""
        return 200 if self.ready else 503


async def check_all(checks: Mapping[str, Check], timeout_s: float = CHECK_TIMEOUT_S) -> Readiness:
    """Run every check at once, each on a thread and bounded by `timeout_s`."""

    async def one(check: Check) -> str:
        try:
            await asyncio.wait_for(asyncio.to_thread(check), timeout_s)
        except asyncio.TimeoutError:
            return f"no answer within {timeout_s:g} s"
        except Exception as error:  # any failure means "not ready"; its class says which
            return f"not answering ({type(error).__name__})"
        return OK

    states = await asyncio.gather(*(one(check) for check in checks.values()))
    return Readiness(dict(zip(checks, states, strict=True)))


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def database_check(url: str) -> Check:
    """A check that the database at `url` answers a query (one small engine per URL)."""

    def check() -> None:
        with _engines_lock:
            engine = _engines.get(url) or _engines.setdefault(url, make_engine(url))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return check
