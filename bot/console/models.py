"""Tables of the servicedesk console; their layout is owned by migrations/versions/0003 and 0004.

The agent accounts and their security log (sign-ins, failures, lock-outs, enrolments, admin
steps); the server-side sessions a cookie points to; and the failure counts per client address.
What agents do to tickets is logged by the ticket store itself, in ``ticket_events``; the
security log answers "who could sign in, and who tried".
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)

from bot.db import Base, UtcDateTime

USERNAME_CHARS = 64
EVENT_KINDS = (
    "created",
    "password_set",
    "signed_in",
    "sign_in_failed",
    "locked_out",
    "sign_in_refused",
    "enrolled",
    "totp_reset",
    "unlocked",
    "disabled",
    "enabled",
    "signed_out",
    "address_limited",
    "admin_granted",
    "admin_revoked",
    "content_owner_granted",
    "content_owner_revoked",
    "person_exported",  # a person's data, by an admin or the CLI (bot/privacy/)
    "person_erased",
)
# A Fernet token of a 32-character base32 secret is 140 characters.
SEALED_CHARS = 255


class Agent(Base):
    """A servicedesk agent who may sign in to the console."""

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    # Lower case (bot.console.auth.normalize_username): "Anna" and "anna" are one agent.
    username = Column(String(USERNAME_CHARS), nullable=False, unique=True)
    display_name = Column(String(200), nullable=False)
    # Werkzeug's "scrypt:N:r:p$salt$hash"; never the password itself.
    password_hash = Column(String(255), nullable=False)
    # The base32 TOTP secret encrypted (bot.console.keys.SecretBox): a copy of the database
    # alone does not give anyone the codes. None until the agent confirmed a first code.
    totp_secret = Column(String(SEALED_CHARS), nullable=True)
    enrolled_at = Column(UtcDateTime, nullable=True)
    # The last accepted TOTP time step: a code is good once, so an overheard code is useless.
    last_totp_step = Column(BigInteger, nullable=True)
    # Password and code steps counted in the current set of tries, counted *before* each check
    # (bot.console.auth): failures and the step in progress. Reset by a sign-in or an unlock.
    failed_attempts = Column(Integer, nullable=False, default=0, server_default=text("0"))
    locked_until = Column(UtcDateTime, nullable=True)
    created_at = Column(UtcDateTime, nullable=False)
    last_sign_in_at = Column(UtcDateTime, nullable=True)
    disabled = Column(Boolean, nullable=False, default=False, server_default=false())
    # May read the security log in the console (/admin/events); granted with the CLI only.
    is_admin = Column(Boolean, nullable=False, default=False, server_default=false())
    # May read the insights page and work the review queue (issue 19); granted with the CLI.
    is_content_owner = Column(Boolean, nullable=False, default=False, server_default=false())
    # The identity provider's subject (Entra ID's object id) of an agent who signs in with
    # single sign-on (bot/console/sso.py); None for a local account.
    sso_subject = Column(String(255), nullable=True, unique=True)

    @property
    def enrolled(self) -> bool:
        return self.totp_secret is not None and self.enrolled_at is not None

    @property
    def may_be_signed_in(self) -> bool:
        """A local agent after enrolling a second factor; a single sign-on agent always
        (the provider checked both factors)."""
        return not self.disabled and (self.enrolled or self.sso_subject is not None)

    def __repr__(self) -> str:
        # Never the hash or the secret: reprs end up in tracebacks and logs.
        return f"Agent({self.username}, enrolled={self.enrolled}, disabled={self.disabled})"


class AgentEvent(Base):
    """One line of the agents' security log; rows are only ever added."""

    __tablename__ = "agent_events"
    __table_args__ = (
        # "How often did someone fail as <username> lately?" also for names that are no agent.
        Index("ix_agent_events_username_at", "username", "at"),
    )

    id = Column(Integer, primary_key=True)
    # None when the username given is no agent (failed sign-ins are logged all the same).
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True, index=True)
    # As given (lower case, cut to the column's size), so attempts on unknown names show too.
    username = Column(String(USERNAME_CHARS), nullable=False)
    at = Column(UtcDateTime, nullable=False)
    kind = Column(String(32), nullable=False)
    detail = Column(Text, nullable=False, default="")
    # Where it came from: the client's address, or "cli" for the admin commands.
    source = Column(String(64), nullable=False, default="")

    def __repr__(self) -> str:
        return f"AgentEvent(username={self.username}, kind={self.kind}, at={self.at})"


class ConsoleSession(Base):
    """One browser's sign-in, kept on the server so that it can be ended (sign-out, admin steps).

    The cookie holds a random token; only its sha256 is stored, so the table alone signs nobody
    in. A row starts when the password was right (``signed_in_at`` None: the code is still to be
    typed, and the enrolment secret waits here, encrypted, not in the cookie) and is replaced by
    a signed-in row when the code is right. Revoked or expired rows sign nobody in.
    """

    __tablename__ = "console_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False, index=True)
    created_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False, index=True)
    signed_in_at = Column(UtcDateTime, nullable=True)
    revoked_at = Column(UtcDateTime, nullable=True)
    # The TOTP secret shown for enrolment, encrypted like Agent.totp_secret; None otherwise.
    enrol_secret = Column(String(SEALED_CHARS), nullable=True)

    def __repr__(self) -> str:
        return f"ConsoleSession(agent_id={self.agent_id}, signed_in_at={self.signed_in_at})"


class SignInAddress(Base):
    """Failed sign-in steps from one client address in a fixed window (any username).

    The per-account lock-out does not stop one address from trying many usernames, each try
    costing a password hash and a log row; this count does.
    """

    __tablename__ = "sign_in_addresses"

    address = Column(String(64), primary_key=True)
    window_start = Column(UtcDateTime, nullable=False)
    failures = Column(Integer, nullable=False, default=0, server_default=text("0"))
