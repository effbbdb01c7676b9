"""The start-up guard on the Rasa internals the assistant replaces (bot/rasa_ext/rasa_compat.py)."""

from __future__ import annotations

import pytest

from bot.rasa_ext import rasa_compat


def test_the_installed_rasa_is_the_one_the_patches_were_written_for():
    assert rasa_compat.mismatches() == []
    rasa_compat.check()  # does not raise


def test_a_moved_signature_stops_start_up_with_a_sentence_naming_it(monkeypatch):
    from rasa.core.processor import MessageProcessor

    async def _run_action(self, action, tracker, output_channel, nlg):  # an upgrade's shape
        return True

    monkeypatch.setattr(MessageProcessor, "_run_action", _run_action)
    with pytest.raises(rasa_compat.RasaMismatch) as raised:
        rasa_compat.check()
    message = str(raised.value)
    assert "rasa.core.processor:MessageProcessor._run_action takes" in message
    assert "'prediction'" in message and "make setup" in message


def test_a_vanished_internal_and_another_version_are_named(monkeypatch):
    from rasa.core.tracker_store import SQLTrackerStore

    monkeypatch.delattr(SQLTrackerStore, "_additional_events")
    problems = rasa_compat.mismatches(installed="3.7.0")
    assert problems[0] == "Rasa 3.7.0 is installed, the assistant needs 3.6.21"
    assert "rasa.core.tracker_store:SQLTrackerStore._additional_events no longer exists" in problems


def test_the_pinned_version_is_the_one_checked():
    from bot.settings import PROJECT_ROOT

    assert f'"rasa=={rasa_compat.RASA_VERSION}"' in (PROJECT_ROOT / "pyproject.toml").read_text()


@pytest.mark.parametrize(
    ("argv", "environ", "plain"),
    [
        (["/venv/bin/rasa", "run"], {}, True),
        (["/venv/bin/rasa", "shell", "--debug"], {}, True),
        (["/venv/lib/site-packages/rasa/__main__.py", "run"], {}, True),
        (["/venv/bin/rasa", "train"], {}, False),
        (["/venv/bin/rasa", "data", "validate"], {}, False),
        (["/venv/bin/rasa", "run"], {"MFA_RASA_SERVER": "1"}, False),
        (["/project/bot/rasa_ext/rasa_server.py", "run"], {}, False),
        (["/venv/bin/pytest"], {}, False),
    ],
)
def test_only_a_plain_rasa_server_is_refused(argv, environ, plain):
    assert rasa_compat.is_plain_rasa_server(argv, environ) is plain


def test_the_events_table_module_mirrors_rasas_columns():
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.rasa_ext.events_table import EVENTS

    rasa_columns = {column.name for column in SQLTrackerStore.SQLEvent.__table__.columns}
    assert {column.name for column in EVENTS.columns} == rasa_columns
    assert EVENTS.name == SQLTrackerStore.SQLEvent.__tablename__
