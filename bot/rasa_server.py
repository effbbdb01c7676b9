"""`python -m bot.rasa_server run ...`: Rasa's own command line, with the assistant's hooks.

The runner starts Rasa servers through this module instead of `python -m rasa` so that every
replica answers an unreachable action server with a useful sentence (bot/action_failures.py)
and checks the action server's answers without re-checking their schema each time
(bot/action_results.py), and allows browsers no credentials (bot/cors.py). Arguments are
Rasa's, unchanged.
"""

from __future__ import annotations

from bot import action_failures, action_results, cors


def main() -> None:
    action_failures.install()
    action_results.install()
    cors.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
