"""The simulated users' scripts: what people actually do with the assistant, in both languages.

Each script is one conversation from a fresh sender. They mix what costs the server the most
(FAQ answers, walkthrough buttons that call the action server,
a ticket form with validation) with small talk, so the load resembles a real morning, not a
loop of one cached answer.
"""

from __future__ import annotations

START = '/start_walkthrough{"walkthrough": "%s"}'

ENGLISH_WALKTHROUGH = (
    "hi",
    "how do I install the authenticator app?",
    START % "first_setup",
    '/inform_platform{"platform": "android"}',
    "/walkthrough_done",
    "/walkthrough_done",
    "I'm not getting the approval notification on my phone",
    "where was I?",
    "/walkthrough_done",
    "thanks",
)

DANISH_FAQ = (
    "hej",
    "hvad er MFA egentlig?",
    "hvordan installerer jeg Microsoft Authenticator?",
    "min kode bliver afvist",
    START % "backup_device",
    '/inform_platform{"platform": "iphone"}',
    "/walkthrough_done",
    "/walkthrough_stop",
    "tak for hjælpen",
)

TICKET_CANCELLED = (
    "hello",
    "I'm locked out of my account",
    "yes",
    "Ida Thomsen",
    "ithomsen@ruc.dk",
    "cancel",
    "what is the servicedesk's phone number?",
    "bye",
)

MIXED = (
    "Hi there",
    "why does RUC make me use MFA",
    "I got a new phone, how do I move the authenticator?",
    '/inform_platform{"platform": "iphone"}',
    START % "existing_app",
    "/walkthrough_done",
    "/walkthrough_back",
    "/walkthrough_done",
    "jeg kan ikke scanne QR-koden",
    "ok tak",
)

SCRIPTS: tuple[tuple[str, ...], ...] = (ENGLISH_WALKTHROUGH, DANISH_FAQ, TICKET_CANCELLED, MIXED)

# The latency reference: as many turns, each a greeting answered by a plain rule, so the
# difference to SCRIPTS is what the realistic conversations cost beyond the bare pipeline.
REFERENCE_LENGTH = round(sum(map(len, SCRIPTS)) / len(SCRIPTS))
REFERENCE_SCRIPTS: tuple[tuple[str, ...], ...] = (("hi",) * REFERENCE_LENGTH,)
