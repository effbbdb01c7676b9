"""What the user hears when the action server cannot be reached: the truth and the servicedesk.

Stock Rasa 3.6 logs an unreachable action server ("Bot will continue, but the actions events
are lost") and goes on predicting as if the action had run. The user then gets silence, or
worse, the next response of a rule written for success ("Done! Your ticket is None"). Rasa has
no hook for this, so the Rasa server process installs two small wrappers
(bot/rasa_ext/rasa_server.py):

- ``RemoteAction.run`` notes in a context variable that the action server was unreachable
  (refused connection, 5xx, timeout); a 400 (an action rejecting itself) is not such a failure;
- ``MessageProcessor._run_action`` then undoes the user's turn as Rasa's own fallback does
  (``UserUtteranceReverted``, which also takes back the ``action_listen`` before the message,
  so that is logged again: the conversation is where it was before the message, and sending
  it again once the action server is back carries on, e.g. a ticket is sent by "yes" again),
  says so with the servicedesk's phone number in the conversation's language, and stops
  predicting for this message.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any

from bot.content import servicedesk_hint
from bot.locales import supported, text

log = logging.getLogger(__name__)

_unreachable: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "mfa_action_server_unreachable", default=None
)
_installed = False


def unavailable_message(language: Any) -> str:
    """The sentence for a user whose message needed the action server while it was down."""
    code = supported(language)
    return text("channel.action_unavailable", code, hint=servicedesk_hint(code))


def install() -> None:
    """Wrap Rasa's remote action and processor (idempotent; call before Rasa starts)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUtteranceReverted
    from rasa.shared.exceptions import RasaException

    original_remote_run = RemoteAction.run
    original_run_action = MessageProcessor._run_action

    async def remote_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original_remote_run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except (RasaException, asyncio.TimeoutError):
            _unreachable.set(self.name())
            raise

    async def run_action(
        self: MessageProcessor,
        action: Any,
        tracker: Any,
        output_channel: Any,
        nlg: Any,
        prediction: Any,
    ) -> bool:
        token = _unreachable.set(None)
        try:
            should_continue = await original_run_action(
                self, action, tracker, output_channel, nlg, prediction
            )
            failed = _unreachable.get()
        finally:
            _unreachable.reset(token)
        if failed is None:
            return should_continue
        log.error(
            "The action server could not run %s; the user's message was undone and they were "
            "told to try again or call the servicedesk.",
            failed,
        )
        tracker.update(UserUtteranceReverted())
        sorry = unavailable_message(tracker.get_slot("language"))
        tracker.update(BotUttered(sorry, metadata={"action_server_unavailable": failed}))
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await output_channel.send_response(tracker.sender_id, {"text": sorry})
        return False

    RemoteAction.run = remote_run
    MessageProcessor._run_action = run_action
    _installed = True
