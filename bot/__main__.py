"""Command line: `python -m bot run | train | chat | outbox`."""

from __future__ import annotations

import argparse
import sys

from bot.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="train if needed, then run the Rasa and action servers")
    train = commands.add_parser("train", help="train the model if its data changed")
    train.add_argument("--force", action="store_true", help="train even if a model exists")
    chat = commands.add_parser("chat", help="chat with the running assistant in this terminal")
    chat.add_argument("--url", help="REST webhook URL (default: the local server)")
    commands.add_parser(
        "outbox", help="deliver ticket e-mails and webhooks, retrying, until SIGINT/SIGTERM"
    )
    args = parser.parse_args(argv)

    settings = get_settings()
    if args.command == "run":
        from bot.runner import run

        return run(settings)
    if args.command == "train":
        from bot.training import ensure_model

        ensure_model(settings.models_dir, force=args.force)
        return 0
    if args.command == "outbox":
        import logging

        from bot.tickets.outbox import run_forever

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        run_forever(settings.outbox_interval_seconds)
        return 0
    from bot.chat import chat as chat_loop

    default_url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook"
    return chat_loop(args.url or default_url)


if __name__ == "__main__":
    sys.exit(main())
