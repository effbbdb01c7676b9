"""Metrics of the servicedesk console: sign-ins, and the failures and lock-outs around them.

A burst of failed or locked steps is someone guessing passwords; the counts carry no
username, only the step and its outcome (bot/console/auth.py's Outcome).
"""

from __future__ import annotations

from prometheus_client import Counter

SIGN_IN_STEPS = Counter(
    "mfa_console_sign_in_steps",
    "Console sign-in steps by step (password, code, enrolment) and outcome: ok, failed, "
    "locked (the account is locked out), throttled (too many failures from one address).",
    ["step", "outcome"],
)
SIGN_INS = Counter(
    "mfa_console_sign_ins", "Agents who signed in to the console (password and code both right)."
)
