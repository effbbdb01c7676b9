"""The baseline a real-question score is compared with: keyword search over RUC's MFA page.

What a user gets without the assistant is RUC's page and its search box. This ranks the page's
paragraphs by TF-IDF similarity to the question and answers with the topic the content coverage
table (tests/content_coverage.yml) gives that paragraph; no shared word means no result, which a
user reads as an honest "nothing found".
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

from bot.settings import PROJECT_ROOT

NO_RESULT = "nlu_fallback"
COVERAGE = PROJECT_ROOT / "tests" / "content_coverage.yml"


def shared_content_dir() -> Path | None:
    """Where the sourced content lives (beside the project, or MFA_SHARED_CONTENT)."""
    for candidate in (
        os.environ.get("MFA_SHARED_CONTENT", ""),
        PROJECT_ROOT.parent / "shared" / "content",
    ):
        if str(candidate) not in ("", ".") and (Path(candidate) / "facts.md").exists():
            return Path(candidate)
    return None


class KeywordSearch:
    """Search over the page's paragraphs; the answer is the best paragraph's topic."""

    def __init__(self, paragraphs: list[str], topics: list[str]) -> None:
        self.topics = topics
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(paragraphs)

    @classmethod
    def over_ruc_page(cls, content_dir: Path) -> KeywordSearch:
        paragraphs = [
            line.strip()
            for line in (content_dir / "ruc-mfa-page.txt").read_text().splitlines()
            if line.strip()
        ]
        coverage = yaml.safe_load(COVERAGE.read_text())["page"]
        topics = [
            next(e["topic"] for e in coverage if paragraph.startswith(e["paragraph"]))
            for paragraph in paragraphs
        ]
        return cls(paragraphs, topics)

    def answer_key(self, text: str) -> str:
        similarities = linear_kernel(self.vectorizer.transform([text]), self.matrix)[0]
        best = int(similarities.argmax())
        return self.topics[best] if similarities[best] > 0 else NO_RESULT

    async def answer(self, text: str) -> tuple[str, str]:
        """As tests.nlu.scoring.AnswerFn: the page is English whatever the question's language."""
        return self.answer_key(text), "en"
