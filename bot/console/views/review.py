"""The review queue's pages, for content owners: read what the assistant missed, mark it,
download the marks as training data (bot/insights/review.py, training_export.py).

Marking is a POST with the console's CSRF token and answers with a redirect, like the ticket
steps; the export is a GET that changes nothing. Who marked what is kept on each mark
(``marked_by``, ``marked_at``) and shown under the queue.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from bot.console.web import content_owner_required, current_agent, db, form_text, now, tracker
from bot.insights import review, training_export
from bot.insights.marks import NEW_TOPIC, NOTE_CHARS, OUT_OF_SCOPE, TOPIC

blueprint = Blueprint("review", __name__)

# Groups on the page at once: marking the first ones brings the next ones up.
GROUPS_SHOWN = 100
_DONE = {TOPIC: "as {topic}", NEW_TOPIC: "as a new topic", OUT_OF_SCOPE: "as out of scope"}


@blueprint.get("/review")
@content_owner_required
def queue() -> Any:
    groups = review.build_queue(tracker(), db())
    return render_template(
        "review.html",
        groups=groups[:GROUPS_SHOWN],
        group_count=len(groups),
        pending=sum(group.count for group in groups),
        limit=review.CANDIDATE_LIMIT,
        topics=review.topics(),
        marks=review.recent_marks(db()),
        note_chars=NOTE_CHARS,
        kinds={TOPIC: "Topic", NEW_TOPIC: "New topic needed", OUT_OF_SCOPE: "Out of scope"},
    )


def _turn_ids() -> list[int]:
    raw = request.form.getlist("turn")
    if not raw or len(raw) > review.CANDIDATE_LIMIT:
        abort(400, description="The form names no messages, or too many.")
    if not all(value.isascii() and value.isdigit() and len(value) <= 18 for value in raw):
        abort(400, description="A message number is not a number.")
    return [int(value) for value in raw]


@blueprint.post("/review/mark")
@content_owner_required
def mark() -> Any:
    """Mark every message of a group: a topic, a new topic (with a note) or out of scope."""
    turn_ids = _turn_ids()
    kind = form_text("kind", 16)
    topic = request.form.get("topic", "").strip()  # one of review.topics(), or refused
    note = form_text("note", NOTE_CHARS) if kind == NEW_TOPIC else ""
    try:
        marked = review.mark(
            tracker(), db(), turn_ids, kind, topic, note, current_agent().username, now()
        )
    except review.BadMark as error:
        abort(400, description=str(error))
    except review.AlreadyMarked:
        flash("Someone marked some of these messages at the same moment; nothing was changed.")
        return redirect(url_for("review.queue"), code=303)
    flash(f"Marked {marked} message{'s' if marked != 1 else ''} {_DONE[kind].format(topic=topic)}.")
    return redirect(url_for("review.queue"), code=303)


@blueprint.get("/review/export.zip")
@content_owner_required
def export() -> Any:
    """Every mark as training files (data/nlu/...) and the new topics' notes, as one zip."""
    try:
        built = training_export.export_marks(db())
    except training_export.HeldOutMissing as error:
        abort(503, description=str(error))
    stamp = now().strftime("%Y%m%d-%H%M")
    return Response(
        training_export.zip_bytes(built),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="review-export-{stamp}.zip"',
            "X-Export-Summary": built.summary(),
        },
    )
