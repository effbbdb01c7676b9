"""Read content facts (phone number, links) from the domain's slots, their single source.

Responses use them as slots; code that must speak when Rasa cannot (the terminal chat or the
widget when the server is down) reads the same values here instead of copying them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.domain import load_domain
from bot.locales import DEFAULT_LANGUAGE, load_locale, supported, text
from bot.settings import PROJECT_ROOT


@lru_cache(maxsize=4)
def content_slots(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """Slots that carry a fixed text value (links, phone numbers), by name."""
    domain = load_domain(root)
    return {
        name: str(slot["initial_value"])
        for name, slot in (domain.get("slots") or {}).items()
        if isinstance(slot.get("initial_value"), str)
    }


def servicedesk_hint(language: str = DEFAULT_LANGUAGE) -> str:
    """One sentence that always gets a stuck user to a person, in their language."""
    slots = {**content_slots(), **load_locale(supported(language)).slot_values}
    return text(
        "channel.servicedesk_hint",
        language,
        servicedesk_phone=slots["servicedesk_phone"],
        servicedesk_hours=slots["servicedesk_hours"],
    )
