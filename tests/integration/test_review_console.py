"""The review queue in the real console over HTTP: for content owners only, marking by POST with
the CSRF token, the export as a zip download; and times shown in one format on a ticket page."""

from __future__ import annotations

import re
import uuid
import zipfile
from datetime import datetime, timezone
from io import BytesIO

import pytest
import requests
from sqlalchemy import select

from bot import db
from bot.console.models import AgentEvent
from bot.insights.marks import ReviewMark
from bot.insights.tables import CLARIFIED
from bot.tickets import store
from bot.tickets.store import TicketDraft
from tests.integration.console import (
    add_agent,
    agent_command,
    console_env,
    csrf_token,
    sign_in,
)
from tests.integration.review_seed import seed, turn

QUESTION = "where do I find the thing for my watch approvals"


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    var_dir = tmp_path_factory.mktemp("review-console")
    tracker_url = f"sqlite:///{var_dir / 'trackers.db'}"
    engine = db.make_engine(tracker_url)
    seed(engine, [turn("w1", 1, QUESTION, outcome=CLARIFIED)])
    engine.dispose()
    return console_env(
        var_dir, f"sqlite:///{var_dir / 'assistant.db'}", tracker_store_url=tracker_url
    )


def signed_in(env, console, sessions, content_owner: bool) -> requests.Session:
    username = f"agent{uuid.uuid4().hex[:8]}"
    add_agent(env, username, "Test Agent")
    if content_owner:
        assert agent_command(env, "grant-content-owner", username).returncode == 0
    client = requests.Session()
    sign_in(client, console, username, None, sessions)
    return client


def test_agents_without_the_role_get_403(env, console, sessions) -> None:
    http = signed_in(env, console, sessions, content_owner=False)
    token = csrf_token(http.get(console.url("/tickets")).text)
    assert "Review queue" not in http.get(console.url("/tickets")).text
    assert http.get(console.url("/review")).status_code == 403
    assert http.get(console.url("/review/export.zip")).status_code == 403
    refused = http.post(
        console.url("/review/mark"), data={"csrf_token": token, "turn": "1", "kind": "out_of_scope"}
    )
    assert refused.status_code == 403
    assert requests.get(console.url("/review")).url.endswith("/sign-in?next=/review")
    with sessions() as session:
        assert session.execute(select(ReviewMark)).first() is None


def test_a_content_owner_marks_with_the_csrf_token_and_downloads(env, console, sessions) -> None:
    http = signed_in(env, console, sessions, content_owner=True)
    page = http.get(console.url("/review"))
    assert page.status_code == 200 and QUESTION in page.text and "Review queue" in page.text
    turn_id = re.search(r'name="turn" value="(\d+)"', page.text).group(1)
    form = {"turn": turn_id, "kind": "topic", "topic": "faq/computer_or_watch"}
    assert http.post(console.url("/review/mark"), data=form).status_code == 400  # no token
    bad = http.post(
        console.url("/review/mark"),
        data={**form, "csrf_token": csrf_token(page.text), "topic": "faq/nonsense"},
    )
    assert bad.status_code == 400 and "Choose one of" in bad.text
    done = http.post(
        console.url("/review/mark"), data={**form, "csrf_token": csrf_token(page.text)}
    )
    assert done.status_code == 200 and "Marked 1 message as faq/computer_or_watch." in done.text
    assert QUESTION not in done.text.split('id="marked-heading"')[0]
    assert "Nothing waits for review." in done.text
    download = http.get(console.url("/review/export.zip"))
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")
    archive = zipfile.ZipFile(BytesIO(download.content))
    assert archive.namelist() == ["data/nlu/reviewed_faq_computer_or_watch.yml"]
    assert f"    - {QUESTION}\n" in archive.read(archive.namelist()[0]).decode()
    with sessions() as session:
        [mark] = session.execute(select(ReviewMark)).scalars().all()
        assert (mark.sender_id, mark.text, mark.topic) == ("w1", QUESTION, "faq/computer_or_watch")
        assert mark.marked_by.startswith("agent") and mark.marked_at is not None
        # Marks are their own audit lines, not the security log's.
        assert not session.execute(select(AgentEvent).where(AgentEvent.kind.like("%mark%"))).first()


def test_the_queue_page_shows_its_times_in_the_one_format(env, console, sessions) -> None:
    http = signed_in(env, console, sessions, content_owner=True)
    html = http.get(console.url("/review")).text
    assert re.search(r'<time datetime="[^"]+" title="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d</time>', html)


def local_times_only(html: str) -> list[str]:
    """The times a reader sees (the text of the page, attributes left out)."""
    visible = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", visible), "an ISO time is shown"
    return re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", visible)


def test_a_ticket_page_shows_local_times_only_in_the_one_format(env, console, sessions) -> None:
    """The transcript's ISO UTC times are shown as the ticket's own are: Copenhagen, to the
    minute, with the exact time in the <time> element."""
    draft = TicketDraft(
        conversation_id=f"web:{uuid.uuid4().hex}",
        channel="rest",
        name="Tove Ditlevsen",
        username="tovd@ruc.dk",
        phone=None,
        summary="Lost phone.",
        contact_preference="call",
        urgent=False,
        transcript=[
            {"who": "user", "text": "I lost my phone", "at": "2026-12-06T15:47:01+00:00"},
            {"who": "bot", "text": "Sorry to hear that.", "at": "2026-07-01T10:00:00+00:00"},
        ],
    )
    created = datetime(2026, 12, 6, 15, 48, 30, tzinfo=timezone.utc)
    with sessions() as session:
        ticket, _ = store.create_ticket(session, draft, uuid.uuid4().hex, created, [])
        reference = ticket.reference
    http = signed_in(env, console, sessions, content_owner=False)
    token = csrf_token(http.get(console.url("/tickets")).text)
    listed = http.get(console.url("/tickets"), params={"q": reference}).text
    assert local_times_only(listed) == ["2026-12-06 16:48"]
    page = http.post(console.url(f"/tickets/{reference}/open"), data={"csrf_token": token})
    assert page.status_code == 200
    shown = local_times_only(page.text)
    # Created, updated, the two transcript lines (winter and summer time), the audit log.
    assert shown[:4] == [
        "2026-12-06 16:48",
        "2026-12-06 16:48",
        "2026-12-06 16:47",
        "2026-07-01 12:00",
    ]
    assert len(shown) == 4 + 2  # "created" and "viewed" in the audit log
    assert (
        '<time datetime="2026-12-06T15:47:01+00:00" title="2026-12-06T15:47:01+00:00">' in page.text
    )
