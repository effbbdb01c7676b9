"""Command line: `python -m bot run | production | train | chat | console | agent | person ...`."""

from __future__ import annotations

import argparse
import os
import sys

from bot import json_logs, private_logs
from bot.insights import cli as review_cli
from bot.privacy import cli as privacy_cli
from bot.settings import get_settings

PRIVATE_UMASK = 0o077


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="train if needed, then run the Rasa and action servers")
    commands.add_parser(
        "production",
        help="run the production profile: PostgreSQL, Redis, Rasa replicas behind nginx",
    )
    train = commands.add_parser("train", help="train the model if its data changed")
    train.add_argument("--force", action="store_true", help="train even if a model exists")
    chat = commands.add_parser("chat", help="chat with the running assistant in this terminal")
    chat.add_argument("--url", help="REST webhook URL (default: the local server)")
    commands.add_parser(
        "outbox", help="deliver ticket e-mails and webhooks, retrying, until SIGINT/SIGTERM"
    )
    commands.add_parser("console", help="serve the servicedesk console until SIGINT/SIGTERM")
    # One process each, for systemd units or containers (bot/processes/service_units.py).
    commands.add_parser(
        "prepare", help="train if needed, migrate the database, render Rasa's configuration"
    )
    rasa = commands.add_parser("rasa", help="become one Rasa server (after `prepare`)")
    rasa.add_argument("--port", type=int, help="default: MFA_RASA_PORT")
    commands.add_parser("actions", help="become the action server")
    commands.add_parser(
        "purge", help="delete quiet conversations and old resolved tickets (MFA_RETENTION_*)"
    )
    commands.add_parser(
        "telegram-poll",
        help="fetch Telegram updates and hand them to the Rasa server (MFA_TELEGRAM_MODE=polling)",
    )
    _add_agent_commands(commands)
    review_cli.add_commands(commands)
    privacy_cli.add_commands(commands)
    args = parser.parse_args(argv)

    settings = get_settings()
    # Databases, logs, generated secrets and rendered configs hold people's data and keys:
    # whatever this program (and every process it starts) creates is the owner's only.
    os.umask(PRIVATE_UMASK)
    private_logs.install()  # no exception message (it may quote a user) reaches a log
    if args.command == "run":
        from bot.processes.runner import run

        return run(settings)
    if args.command == "production":
        from bot.processes.production import run as run_production

        return run_production(settings)
    if args.command in ("prepare", "rasa", "actions"):
        from bot.processes import service_units

        if args.command == "rasa":
            service_units.rasa(settings, args.port)
        if args.command == "actions":
            service_units.actions(settings)
        return service_units.prepare(settings)
    if args.command == "train":
        from bot.processes.training import ensure_model

        ensure_model(settings.models_dir, force=args.force)
        return 0
    if args.command == "outbox":
        import logging

        from bot.tickets.outbox import run_forever, serve_probes

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        json_logs.install("outbox", settings.log_format)
        serve_probes(settings.host, settings.outbox_port, settings.resolved_database_url)
        run_forever(settings.outbox_interval_seconds)
        return 0
    if args.command == "console":
        import logging

        from bot.console import serve

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        json_logs.install("console", settings.log_format)
        serve(settings)
        return 0
    if args.command == "purge":
        from datetime import datetime, timezone

        from bot.retention import purge

        purged = purge(
            settings.resolved_database_url,
            settings.resolved_tracker_store_url,
            datetime.now(timezone.utc),
            settings.retention_conversation_days,
            settings.retention_ticket_days,
        )
        print(purged)
        return 0
    if args.command == "agent":
        return _agent(args)
    if args.command == "person":
        return privacy_cli.run(args, settings)
    if args.command == "review":
        return review_cli.run(args)
    if args.command == "telegram-poll":
        from bot.channels.telegram.poll import main as poll

        return poll(settings)
    from bot.chat import chat as chat_loop

    default_url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook"
    return chat_loop(args.url or default_url)


def _add_agent_commands(commands: argparse._SubParsersAction) -> None:
    agent = commands.add_parser("agent", help="servicedesk console accounts")
    steps = agent.add_subparsers(dest="agent_command", required=True)
    add = steps.add_parser("add", help="create an agent (they set up TOTP at first sign-in)")
    add.add_argument("username")
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--admin", action="store_true", help="may read the console's security log")
    password = steps.add_parser("set-password", help="give an agent a new password")
    password.add_argument("username")
    for command in (add, password):
        command.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input (the default when it is not a terminal)",
        )
    for name, help_text in (
        ("reset-totp", "forget an agent's authenticator app (they enrol again)"),
        ("unlock", "end an agent's lock-out after failed sign-ins"),
        ("disable", "stop an agent from signing in (their history stays)"),
        ("enable", "let a disabled agent sign in again"),
        ("grant-admin", "let an agent read the console's security log"),
        ("revoke-admin", "stop an agent reading the console's security log"),
        ("grant-content-owner", "let an agent read the insights and work the review queue"),
        ("revoke-content-owner", "stop an agent reading the insights and the review queue"),
    ):
        steps.add_parser(name, help=help_text).add_argument("username")


def _agent(args: argparse.Namespace) -> int:
    from bot.console import cli

    if args.agent_command == "add":
        return cli.add(args.username, args.name, args.password_stdin, args.admin)
    if args.agent_command == "set-password":
        return cli.set_password(args.username, args.password_stdin)
    if args.agent_command == "reset-totp":
        return cli.reset_totp(args.username)
    if args.agent_command == "unlock":
        return cli.unlock(args.username)
    if args.agent_command in ("grant-admin", "revoke-admin"):
        return cli.set_admin(args.username, admin=args.agent_command == "grant-admin")
    if args.agent_command in ("grant-content-owner", "revoke-content-owner"):
        return cli.set_content_owner(
            args.username, owner=args.agent_command == "grant-content-owner"
        )
    return cli.set_disabled(args.username, disabled=args.agent_command == "disable")


if __name__ == "__main__":
    sys.exit(main())
