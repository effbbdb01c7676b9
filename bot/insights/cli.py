"""`python -m bot review export <dir>`: the review queue's marks as training files, from a shell.

The same files as the console's download (bot/insights/training_export.py), written into a
folder: ``<dir>/data/nlu/...`` to copy into the project's ``data/``, and ``<dir>/new_topics.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_commands(commands: argparse._SubParsersAction) -> None:
    review = commands.add_parser("review", help="the review queue of missed questions")
    steps = review.add_subparsers(dest="review_command", required=True)
    export = steps.add_parser(
        "export", help="write the marked messages as Rasa training data (held-out ones left out)"
    )
    export.add_argument(
        "directory", type=Path, help="where to write data/nlu/... (made if missing)"
    )


def run(args: argparse.Namespace) -> int:
    from bot import db
    from bot.insights import training_export

    try:
        with db.session() as session:
            built = training_export.export_marks(session)
    except training_export.HeldOutMissing as error:
        print(error, file=sys.stderr)
        return 1
    for path in training_export.write(built, args.directory):
        print(path)
    print(built.summary())
    return 0
