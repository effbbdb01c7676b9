"""The Rasa internals the assistant replaces or subclasses, and one check that they are as written.

Rasa has no hooks for what action_failures.py, action_results.py, cors.py, nlg.py and
tracker_store.py do, so they wrap or override private functions. A Rasa upgrade that moves one
would not fail loudly: a wrapper would pass the wrong arguments, or an override
would never be called. So every Rasa process of the assistant checks at start-up
(rasa_server.py) that the installed Rasa is the version these were written for and that each
replaced function still has the parameters they expect, and stops with one sentence naming
what moved.

A plain `rasa run` or `rasa shell` in the project would serve the model without the stores,
the action server's secret, the language handling and these patches; the first import of the
assistant's code in such a process (the model's own components) says what to run instead.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version

# The release pinned in pyproject.toml; a patch release of Rasa may rename private functions.
RASA_VERSION = "3.6.21"

# "module:qualified name" -> the parameters the replacement relies on, in order.
REPLACED: dict[str, tuple[str, ...]] = {
    # action_failures.py wraps both.
    "rasa.core.processor:MessageProcessor._run_action": (
        "self", "action", "tracker", "output_channel", "nlg", "prediction",
    ),
    "rasa.core.actions.action:RemoteAction.run": (
        "self", "output_channel", "nlg", "tracker", "domain",
    ),
    # action_results.py replaces the check and reads the schema.
    "rasa.core.actions.action:RemoteAction._validate_action_result": ("self", "result"),
    "rasa.core.actions.action:RemoteAction.action_response_format_spec": (),
    # service_routes.py wraps it: the app it returns gets /health, /ready and /metrics.
    "rasa.core.run:configure_app": (
        "input_channels", "cors", "auth_token", "enable_api", "response_timeout", "jwt_secret",
        "jwt_private_key", "jwt_method", "route", "port", "endpoints", "log_file",
        "conversation_id", "use_syslog", "syslog_address", "syslog_port", "syslog_protocol",
        "request_timeout", "server_listeners", "use_uvloop", "keep_alive_timeout",
    ),
    # service_routes.py reads the configured store it wraps (`_tracker_store`) for /ready.
    "rasa.core.tracker_store:AwaitableTrackerStore.__init__": ("self", "tracker_store"),
    # lock_tickets.py replaces it (a waiting ticket expires after the ones ahead of it).
    "rasa.core.lock:TicketLock.issue_ticket": ("self", "lifetime"),
    # cors.py replaces it before the app is made.
    "rasa.server:configure_cors": ("app", "cors_origins"),
    # tracker_store.py overrides these; events_table.py mirrors SQLEvent's columns.
    "rasa.core.tracker_store:SQLTrackerStore._additional_events": ("self", "session", "tracker"),
    "rasa.core.tracker_store:SQLTrackerStore.session_scope": ("self",),
    "rasa.core.tracker_store:SQLTrackerStore.retrieve": ("self", "sender_id"),
    "rasa.core.tracker_store:SQLTrackerStore.save": ("self", "tracker"),
    "rasa.core.tracker_store:SQLTrackerStore.SQLEvent": (),
    # nlg.py subclasses it and replaces its `responses` attribute with a property.
    "rasa.core.nlg:TemplatedNaturalLanguageGenerator.__init__": ("self", "responses"),
    "rasa.core.nlg:TemplatedNaturalLanguageGenerator.generate": (
        "self", "utter_action", "tracker", "output_channel", "kwargs",
    ),
}  # fmt: skip

PLAIN_SERVER_COMMANDS = ("run", "shell")
ENTRY_POINT_MARK = "MFA_RASA_SERVER"  # set by bot/rasa_ext/rasa_server.py in its own process


class RasaMismatch(RuntimeError):
    """The installed Rasa is not the one the replaced internals were written for."""


def _resolve(target: str) -> object:
    module_name, _, path = target.partition(":")
    found: object = importlib.import_module(module_name)
    for name in path.split("."):
        found = getattr(found, name)
    return found


def mismatches(
    replaced: dict[str, tuple[str, ...]] = REPLACED, installed: str | None = None
) -> list[str]:
    """One phrase per difference between the installed Rasa and what the patches expect."""
    found_version = installed or version("rasa")
    problems = []
    if found_version != RASA_VERSION:
        problems.append(f"Rasa {found_version} is installed, the assistant needs {RASA_VERSION}")
    for target, expected in replaced.items():
        try:
            obj = _resolve(target)
        except (ImportError, AttributeError):
            problems.append(f"{target} no longer exists")
            continue
        if inspect.isclass(obj):  # a class the code reads (SQLEvent): being there is enough
            continue
        found = tuple(inspect.signature(obj).parameters)
        if found != expected:
            problems.append(f"{target} takes {found}, the assistant expects {expected}")
    return problems


def check(replaced: dict[str, tuple[str, ...]] = REPLACED, installed: str | None = None) -> None:
    """Raise RasaMismatch with a sentence a maintainer can act on, or return quietly."""
    problems = mismatches(replaced, installed)
    if problems:
        raise RasaMismatch(
            "The assistant replaces parts of Rasa that have changed: "
            + "; ".join(problems)
            + ". Install the pinned versions (`make setup`), or review the list in "
            "bot/rasa_ext/rasa_compat.py and the modules it names against the new Rasa."
        )


def is_plain_rasa_server(argv: Sequence[str], environ: dict[str, str] | os._Environ) -> bool:
    """Is this process Rasa's own `rasa run` / `rasa shell`, not the assistant's Rasa server?"""
    if environ.get(ENTRY_POINT_MARK) or len(argv) < 2:
        return False
    program = os.path.basename(argv[0])
    started_as_rasa = program == "rasa" or argv[0].endswith(os.path.join("rasa", "__main__.py"))
    return started_as_rasa and argv[1] in PLAIN_SERVER_COMMANDS


PLAIN_SERVER_MESSAGE = (
    "This project is not served by a plain `rasa {command}`: it would run without the "
    "assistant's stores, action server, language handling and patches. Run `make run` "
    "(or `python -m bot run`) to start the assistant, and `python -m bot chat` to talk to it "
    "in a terminal."
)


def refuse_plain_rasa_server() -> None:
    """Exit with PLAIN_SERVER_MESSAGE when imported by a plain `rasa run` or `rasa shell`."""
    if is_plain_rasa_server(sys.argv, os.environ):
        print(PLAIN_SERVER_MESSAGE.format(command=sys.argv[1]), file=sys.stderr, flush=True)
        # Rasa's server catches exceptions in its start-up listeners and carries on: leave now.
        os._exit(2)
