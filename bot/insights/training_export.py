"""The review queue's marks as Rasa training data: what a content owner hands to training.

The export mirrors the project: ``data/nlu/reviewed_<intent>.yml`` (English) and
``data/nlu/<language>/reviewed_<intent>.yml``, one file per topic in the format of the files
beside them, so ``cp -r <export>/data/. data/`` adds them without overwriting a hand-written
file; "new topic needed" marks go to ``new_topics.md`` beside ``data/``, a note for whoever
writes the topic, never training data.

Left out, always (compared in bot/insights/similarity.py's normal form):

- anything in the held-out test sets (``HELD_OUT``: the paraphrase sets, the real questions of
  both splits, the conversation tests): trained on, they would measure nothing. The export
  refuses to run without them rather than risk it;
- what is a training example already, and a second mark of the same words;
- texts that are no example of anything a person types: a button's payload, or a message
  with a redaction mark (the secret is gone; ``[code removed]`` is not how people write);
- marks whose topic the domain no longer has (``rasa data validate`` would refuse the file).
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import PROJECT_ROOT
from bot.insights.marks import NEW_TOPIC, ReviewMark
from bot.insights.review import topics
from bot.insights.similarity import normal_forms, normalise
from bot.locales import DEFAULT_LANGUAGE
from bot.safety import MARKS

# Every YAML file under these folders is held out: each string in it, whatever its key.
HELD_OUT = (Path("tests") / "nlu", Path("tests") / "conversations")
NLU_DIR = Path("data") / "nlu"
DATA = PurePosixPath("data") / "nlu"
NOTES = PurePosixPath("new_topics.md")
PREFIX = "reviewed_"
HEADER = (
    'version: "3.1"\n'
    "nlu:\n"
    "# From the review queue (python -m bot review export): typed by people, marked by a\n"
    "# content owner, redacted. Never a held-out test message.\n"
)


class HeldOutMissing(RuntimeError):
    """The held-out test sets are not here: exporting could leak them into training data."""


@dataclass
class Export:
    files: dict[PurePosixPath, str] = field(default_factory=dict)
    examples: int = 0
    left_out: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.examples} examples in {len(self.files)} files"]
        parts += [f"{count} left out ({why})" for why, count in sorted(self.left_out.items())]
        return "; ".join(parts)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def held_out(root: Path = PROJECT_ROOT) -> frozenset[str]:
    """The normal forms of every string in the held-out test files."""
    paths = sorted(path for folder in HELD_OUT for path in (root / folder).rglob("*.yml"))
    if not paths:
        raise HeldOutMissing(
            f"No held-out test sets under {', '.join(map(str, HELD_OUT))}: export from a "
            "checkout of the project, where they are."
        )
    return normal_forms(
        text for path in paths for text in _strings(yaml.safe_load(path.read_text("utf-8")))
    )


def training_examples(root: Path = PROJECT_ROOT) -> frozenset[str]:
    """The normal forms of every NLU training example (data/nlu/, every language)."""
    texts = []
    for path in sorted((root / NLU_DIR).rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text("utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                texts.append(line.strip().removeprefix("- "))
    return normal_forms(texts)


def example_text(text: str) -> str | None:
    """``text`` as one example line, or None when it is not a fit example (see above).

    One line of printable characters; square brackets become round ones, since Rasa reads
    ``[words](entity)`` as an entity annotation.
    """
    if text.lstrip().startswith("/") or any(mark in text for mark in MARKS):
        return None
    line = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    line = line.replace("[", "(").replace("]", ")")
    return line or None


def file_path(language: str, intent: str) -> PurePosixPath:
    folder = DATA if language == DEFAULT_LANGUAGE else DATA / language
    return folder / f"{PREFIX}{intent.replace('/', '_')}.yml"


def nlu_file(intent: str, examples: Sequence[str]) -> str:
    """A training file as the project writes them by hand (data/nlu/faq_lost_phone.yml)."""
    lines = [f"- intent: {intent}", "  examples: |", *(f"    - {text}" for text in examples)]
    return HEADER + "\n".join(lines) + "\n"


def notes_file(marks: Iterable[ReviewMark]) -> str:
    by_note: dict[str, list[ReviewMark]] = defaultdict(list)
    for mark in marks:
        by_note[(mark.note or "").strip()].append(mark)
    lines = [
        "# New topics needed",
        "",
        "Marked in the review queue as a topic the assistant does not have. Not training",
        'data: write the topic (docs/architecture.md, "a new FAQ topic"), then these are',
        "examples for it.",
    ]
    for note, notes in sorted(by_note.items()):
        lines += ["", f"## {note}", ""]
        lines += [
            f"- ({m.language}) {' '.join(m.text.split())} (marked by {m.marked_by}, "
            f"{m.marked_at:%Y-%m-%d})"
            for m in notes
        ]
    return "\n".join(lines) + "\n"


def build_export(marks: Sequence[ReviewMark], root: Path = PROJECT_ROOT) -> Export:
    """The training files and the notes for ``marks`` (the first mark of the same words wins)."""
    excluded = held_out(root)
    trained = training_examples(root)
    known = set(topics(root)) | {"out_of_scope"}
    export = Export()
    chosen: dict[tuple[str, str], list[str]] = defaultdict(list)
    seen: set[str] = set()

    def left_out(line: str | None, normal: str, intent: str) -> str | None:
        if line is None or not normal:
            return "not an example"
        if normal in excluded:
            return "held out for testing"
        if normal in trained:
            return "already training data"
        if normal in seen:
            return "marked twice"
        return None if intent in known else "topic no longer in the domain"

    for mark in marks:
        intent = mark.intent
        if intent is None:
            continue
        line, normal = example_text(mark.text), normalise(mark.text)
        reason = left_out(line, normal, intent)
        if reason or line is None:
            export.left_out[reason or ""] += 1
            continue
        seen.add(normal)
        chosen[(mark.language, intent)].append(line)
    for (language, intent), lines in sorted(chosen.items()):
        export.files[file_path(language, intent)] = nlu_file(intent, lines)
        export.examples += len(lines)
    new_topics = [mark for mark in marks if mark.kind == NEW_TOPIC]
    if new_topics:
        export.files[NOTES] = notes_file(new_topics)
    return export


def export_marks(session: Session, root: Path = PROJECT_ROOT) -> Export:
    """Every mark in the database, oldest first (the first decision about the same words wins)."""
    query = select(ReviewMark).order_by(ReviewMark.marked_at, ReviewMark.id)
    return build_export(list(session.execute(query).scalars()), root)


def write(export: Export, directory: Path) -> list[Path]:
    """The export's files under ``directory`` (made if missing); returns their paths."""
    written = []
    for relative, text in export.files.items():
        path = directory.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def zip_bytes(export: Export) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, text in export.files.items():
            archive.writestr(str(relative), text)
    return buffer.getvalue()
