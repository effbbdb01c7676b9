"""Alembic environment for the assistant's own database (not Rasa's tracker store).

The URL comes from the Alembic config when set (``bot.db.upgrade`` sets it); otherwise from the
assistant's settings, i.e. ``MFA_DATABASE_URL`` or the default SQLite file, so an admin's
``alembic upgrade head`` migrates the same database the assistant uses.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

# Imported so that every model is registered on Base.metadata for autogenerate.
import bot.console.models
import bot.insights.marks
import bot.onboarding.practice_store
import bot.tickets.models  # noqa: F401
from bot.db import Base, make_engine, migration_lock
from bot.settings import get_settings

config = context.config

# Only when run from the alembic CLI: inside the assistant, logging is already set up.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``), for DBAs."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through the assistant's own engine factory, so SQLite gets the same pragmas."""
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection, migration_lock(connection):
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
