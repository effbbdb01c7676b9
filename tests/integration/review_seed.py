"""Messages in the insights' table for the review queue's tests, and the export checked by
Rasa's own validation against a copy of the project's training data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy.engine import Engine

from bot.domain import DOMAIN_FILE
from bot.insights.tables import ANSWERED, TURNS, ensure_tables
from bot.processes.training import rasa_environment
from bot.settings import PROJECT_ROOT

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
ZONE = ZoneInfo("Europe/Copenhagen")


def turn(sender: str, minute: float, text: str, **facts: Any) -> dict[str, Any]:
    """A row as the tracker store writes it: typed, understood, answered, unless told."""
    at = T0 + timedelta(minutes=minute)
    local = at.astimezone(ZONE)
    row = {
        "sender_id": sender,
        "at": at,
        "day": local.date(),
        "hour": local.hour,
        "weekday": local.weekday(),
        "channel": "rest",
        "language": "en",
        "text": text,
        "typed": not text.startswith("/"),
        "intent": "faq",
        "confidence": 0.9,
        "topic": None,
        "outcome": ANSWERED,
        "helpful": None,
        "rating": None,
        "rephrased": False,
    }
    row.update(facts)
    return row


def seed(engine: Engine, rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Insert ``rows`` (in order); returns each text's row id (the last, for repeated texts)."""
    ensure_tables(engine)
    ids = {}
    with engine.begin() as connection:
        for row in rows:
            ids[row["text"]] = connection.execute(
                TURNS.insert().values(**row)
            ).inserted_primary_key[0]
    return ids


def first_heldout_question(language: str = "en") -> str:
    """A paraphrase from the held-out set, which no export may turn into training data."""
    heldout = yaml.safe_load(
        (PROJECT_ROOT / "tests" / "nlu" / f"heldout_{language}.yml").read_text()
    )
    return next(iter(heldout.values()))[0]


def first_training_example(name: str = "faq_lost_phone") -> str:
    block = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / f"{name}.yml").read_text())["nlu"][0]
    return block["examples"].splitlines()[0].removeprefix("- ")


def validate_with_project_data(export_dir: Path, work: Path) -> str:
    """Copy data/, the domain and config.yml to ``work``, add the export's data/ and run the
    project's `rasa data validate --fail-on-warnings` (bot.rasa_ext.data_check) on the copy.
    Returns the output; fails with it if Rasa refuses."""
    for name in ("data", DOMAIN_FILE, "config.yml"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name)
        else:
            shutil.copy(source, work / name)
    shutil.copytree(export_dir / "data", work / "data", dirs_exist_ok=True)
    result = subprocess.run(
        [
            sys.executable, "-m", "bot.rasa_ext.data_check",
            "--data", str(work / "data"),
            "--domain", str(work / DOMAIN_FILE),
            "--config", str(work / "config.yml"),
        ],
        cwd=work,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "UserWarning" not in output, output[-3000:]
    return output
