"""One typed settings object for every process of the assistant.

Every value has an embedded default so that a laptop runs the whole assistant with no
configuration at all; production overrides come from environment variables prefixed with
``MFA_`` (or a ``.env`` file in the working directory during development).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseSettings, Field, validator

from bot.client_address import Network, parse_networks
from bot.hours import ServiceHours, parse_dates, parse_time, parse_weekdays

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Deployment settings; content lives in the domain (links, phone numbers) and its texts."""

    host: str = Field("127.0.0.1", description="Interface the servers listen on.")
    rasa_port: int = Field(5005, ge=1, le=65535)
    action_port: int = Field(5055, ge=1, le=65535)
    cors_origins: str = Field(
        "*",
        description="Pages (origins, space- or comma-separated) whose scripts may call the chat "
        "API: the intranet pages that embed the widget. '*': any page; never with credentials.",
    )
    action_host: str = Field(
        "127.0.0.1", description="Interface the action server listens on (only Rasa calls it)."
    )
    action_secret: str = Field(
        "",
        description="Shared secret Rasa sends to the action server; empty: generated once "
        "into var_dir/action-secret.",
    )
    var_dir: Path = Field(PROJECT_ROOT / "var", description="Runtime files: databases, logs.")
    models_dir: Path = Field(PROJECT_ROOT / "models")

    tracker_store_url: str = Field(
        "", description="SQLAlchemy URL of the tracker store; empty means a SQLite file in var_dir."
    )
    lock_store_url: str = Field(
        "", description="redis://host:port/db for a Redis lock store; empty means in-memory."
    )
    tracker_compaction: bool = Field(
        True, description="Give Rasa recent turns and slots, not the whole history (benchmarks)."
    )
    lock_store_key_prefix: str = Field(
        "", description="Prefix of the lock store's Redis keys, when several assistants share a db."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="json: one JSON object per log line, for a log shipper."
    )
    lock_lifetime_seconds: int = Field(
        15,
        ge=2,
        le=600,
        description="How long a conversation's lock outlives a replica that died holding it "
        "(Rasa's TICKET_LOCK_LIFETIME, 60 s by default): the longest a message may take, a "
        "ticket's retries included, and well under the widget's 30 s.",
    )
    # Production profile (python -m bot production): replicas on rasa_port, rasa_port + 1, ...
    # behind nginx on load_balancer_port.
    rasa_replicas: int = Field(2, ge=1, le=16, description="Rasa servers behind the balancer.")
    load_balancer_port: int = Field(8080, ge=1, le=65535)
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the assistant's database; empty: SQLite in var_dir.",
    )
    practice_ttl_minutes: int = Field(10, ge=1, description="How long a practice QR secret lives.")
    # Retention (python -m bot purge): quiet conversations and resolved tickets are deleted.
    retention_conversation_days: int = Field(30, ge=1, description="Keep a quiet conversation.")
    retention_ticket_days: int = Field(180, ge=1, description="Keep a resolved ticket.")

    # Servicedesk tickets: delivery is off until configured; tickets always reach the console.
    ruc_email_domain: str = Field("ruc.dk", description="Domain of RUC e-mail addresses.")
    smtp_host: str = Field("", description="SMTP server for ticket mails; empty: no mail.")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "mfa-assistant@ruc.dk"
    servicedesk_email: str = Field("", description="Where ticket mails go; empty: no mail.")
    webhook_url: str = Field("", description="JSON webhook for new tickets; empty: none.")
    webhook_secret: str = Field("", description="Sent as X-MFA-Webhook-Secret.")
    outbox_interval_seconds: float = Field(5.0, gt=0)
    outbox_max_attempts: int = Field(12, ge=1)
    outbox_port: int = Field(
        5071, ge=1, le=65535, description="The outbox worker's /health, /ready and /metrics."
    )

    # Servicedesk console (python -m bot console): agents sign in with a password and TOTP.
    console_port: int = Field(5070, ge=1, le=65535)
    console_secret_key: str = Field(
        "", description="Signs console cookies; empty: generated once into var_dir/console-secret."
    )
    console_lockout_failures: int = Field(5, ge=1, description="Failed sign-ins before a lock.")
    console_lockout_minutes: int = Field(15, ge=1, description="How long a lock-out lasts.")
    console_session_minutes: int = Field(480, ge=5, description="Sign-in lasts this long.")
    console_secure_cookies: bool = Field(False, description="Cookies only over HTTPS.")
    console_address_failures: int = Field(
        50, ge=1, description="Failed sign-in steps from one client address before it waits."
    )
    console_address_minutes: int = Field(15, ge=1, description="How long that wait lasts.")
    console_sso_issuer: str = Field(
        "",
        description="OpenID Connect issuer for the console's single sign-on, e.g. "
        "https://login.microsoftonline.com/<tenant id>/v2.0; empty: local accounts only.",
    )
    console_sso_client_id: str = Field("", description="The console's app registration id.")
    console_sso_client_secret: str = Field("", description="The app registration's secret.")
    console_sso_agent_groups: str = Field(
        "", description="Group ids (space or comma separated) whose members are agents."
    )
    console_sso_admin_groups: str = Field(
        "", description="Group ids whose members are agents and admins."
    )
    console_break_glass: bool = Field(
        False,
        description="With single sign-on on: let local admin accounts still sign in with "
        "password and code (for when the provider is away).",
    )
    console_totp_key: str = Field(
        "",
        description="Encrypts agents' TOTP secrets in the database (at least 32 characters); "
        "empty: generated once into var_dir/console-totp-key.",
    )

    # Telegram (bot/channels/telegram): off until configured; see docs/channels.md.
    telegram_mode: Literal["off", "webhook", "polling"] = Field(
        "off", description="off, webhook (Telegram posts to us) or polling (we ask Telegram)."
    )
    telegram_token: str = Field("", description="The bot's token from @BotFather.")
    telegram_webhook_url: str = Field(
        "", description="Public https:// base URL that reaches the Rasa server (webhook mode)."
    )
    telegram_secret_token: str = Field(
        "", description="Checks that updates come from Telegram; empty: generated into var_dir."
    )
    telegram_api_url: str = Field(
        "https://api.telegram.org/bot", description="Bot API base; the token is appended."
    )

    max_message_chars: int = Field(2000, ge=1, description="Longer messages get a 413.")
    rate_limit_messages: int = Field(30, ge=1, description="Messages per sender per window.")
    rate_limit_seconds: float = Field(60.0, gt=0, description="The rate limit's window.")
    rate_limit_redis_url: str = Field(
        "", description="Redis shared by replicas for rate limits; empty: the lock store's."
    )
    max_sender_chars: int = Field(128, ge=1)
    rate_limit_per_address: int = Field(
        600, ge=1, description="Messages per client address per window (campuses share NAT)."
    )
    max_concurrent_messages: int = Field(
        64, ge=1, description="Messages one Rasa server answers at once; more get a 503."
    )
    trusted_proxies: str = Field(
        "", description="Proxies whose X-Forwarded-For is believed: '127.0.0.1, 10.0.0.0/8'."
    )

    # Kept as the strings an administrator writes; checked at load time, parsed on use.
    servicedesk_opens: str = "08:00"
    servicedesk_closes: str = "16:00"
    servicedesk_weekdays: str = "mon-fri"
    servicedesk_timezone: str = "Europe/Copenhagen"
    servicedesk_holiday_country: str = "DK"
    servicedesk_closed_dates: str = Field("", description="Extra closing days: 2026-12-24,...")

    class Config:
        env_prefix = "MFA_"
        env_file = ".env"

    @validator("telegram_mode", pre=True)
    def _mode_in_lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @validator("lock_store_key_prefix")
    def _prefix_is_alphanumeric(cls, value: str) -> str:
        """Rasa silently ignores any other prefix, which would mix two assistants' locks."""
        if value and not value.isalnum():
            raise ValueError("must be letters and digits only (Rasa ignores any other prefix)")
        return value

    @validator("trusted_proxies")
    def _proxies_are_addresses(cls, value: str) -> str:
        """A typo here would let any client choose its address: fail at start-up instead."""
        parse_networks(value)
        return value

    @property
    def proxy_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    @validator("console_totp_key")
    def _totp_key_is_long(cls, value: str) -> str:
        """The key is hashed into the cipher's key: a short one would be guessable offline."""
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters (or empty: a key file is made)")
        return value

    @validator("servicedesk_closed_dates")
    def _calendar_is_valid(cls, value: str, values: dict) -> str:
        """Fail at start-up, naming the bad setting, rather than on a user's question."""
        ServiceHours(
            opens=parse_time(values["servicedesk_opens"]),
            closes=parse_time(values["servicedesk_closes"]),
            weekdays=parse_weekdays(values["servicedesk_weekdays"]),
            timezone=values["servicedesk_timezone"],
            holiday_country=values["servicedesk_holiday_country"],
            extra_closed=parse_dates(value),
        )
        return value

    @property
    def service_hours(self) -> ServiceHours:
        """The servicedesk calendar these settings describe."""
        return ServiceHours(
            opens=parse_time(self.servicedesk_opens),
            closes=parse_time(self.servicedesk_closes),
            weekdays=parse_weekdays(self.servicedesk_weekdays),
            timezone=self.servicedesk_timezone,
            holiday_country=self.servicedesk_holiday_country,
            extra_closed=parse_dates(self.servicedesk_closed_dates),
        )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'assistant.db'}"

    @property
    def resolved_tracker_store_url(self) -> str:
        return self.tracker_store_url or f"sqlite:///{self.var_dir / 'trackers.db'}"

    @property
    def action_server_base_url(self) -> str:
        # A wildcard interface is reached on loopback; a named one by its name.
        host = "127.0.0.1" if self.action_host in ("0.0.0.0", "::", "") else self.action_host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.action_port}"

    @property
    def action_server_url(self) -> str:
        return f"{self.action_server_base_url}/webhook"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once: the environment does not change under us."""
    return Settings()
