"""``python -m bot person export | erase <key>``: a person's data from the command line.

Erasing cannot be undone, so without ``--yes`` the command shows what would go and asks at the
terminal; with no terminal to ask at (a script, a pipe) and no ``--yes`` it refuses rather than
guess. The key is a sender id, a Telegram chat, a ticket reference or a username (told apart as
bot/privacy/lookup.py says; ``--by`` says it outright). The export goes to standard output or
to ``--output``, created for its owner only like every file this program writes.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.privacy import KINDS
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.privacy.erase import Actor

CONFIRMATION = "erase"


def add_commands(commands: argparse._SubParsersAction) -> None:
    person = commands.add_parser("person", help="export or erase one person's data (GDPR)")
    steps = person.add_subparsers(dest="person_command", required=True)
    export = steps.add_parser("export", help="everything stored about a person, as JSON")
    export.add_argument("--output", type=Path, help="write to this file (default: stdout)")
    erase = steps.add_parser(
        "erase", help="delete a person's conversations, anonymise their open tickets"
    )
    erase.add_argument("--yes", action="store_true", help="erase without asking")
    for step in (export, erase):
        step.add_argument("key", help="sender id, Telegram chat, ticket reference or username")
        step.add_argument("--by", choices=KINDS, help="what the key is (default: told by it)")


def _actor() -> Actor:
    from bot.privacy.erase import Actor

    return Actor(name=f"cli:{getpass.getuser()}", source="cli")


def run(args: argparse.Namespace, settings: Settings, stdin: TextIO | None = None) -> int:
    # Imported here: the other commands need not load the stores.
    from bot.privacy.erase import count, erase_person, record_export
    from bot.privacy.export import export_json
    from bot.privacy.lookup import BadKey, find_person, open_stores

    stdin = stdin or sys.stdin
    now = datetime.now(timezone.utc)
    try:
        with open_stores(
            settings.resolved_database_url, settings.resolved_tracker_store_url
        ) as stores:
            person = find_person(stores, args.key, args.by, settings.ruc_email_domain)
            if args.person_command == "export":
                document = export_json(stores, person, now)
                record_export(stores, person, _actor(), now)
                if args.output is None:
                    sys.stdout.write(document)
                else:
                    args.output.write_text(document, encoding="utf-8")
                    print(f"Exported to {args.output}.", file=sys.stderr)
                return 0
            planned = count(stores, person)
            if planned.nothing:
                print(f"Nothing is stored for that key ({planned.summary()}).")
                return 0
            if not args.yes:
                if not stdin.isatty():
                    print(
                        "error: erasing cannot be undone; run this at a terminal to confirm, "
                        "or pass --yes",
                        file=sys.stderr,
                    )
                    return 2
                print(f"This would erase {planned.summary()}.")
                print(f"Type {CONFIRMATION!r} to erase: ", end="", flush=True)
                if stdin.readline().strip() != CONFIRMATION:
                    print("Nothing was erased.")
                    return 1
            erased = erase_person(stores, person, _actor(), now)
            print(f"Erased {erased.summary()}.")
            return 0
    except BadKey as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
