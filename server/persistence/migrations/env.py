"""Alembic environment: migrate on the connection the server hands over, or by hand from a URL.

By hand: ``alembic -c server/persistence/alembic.ini -x url=<database URL> upgrade head``
(or with the URL in $CYBERCOLLEGE_DATABASE_URL;
``--sql`` prints the SQL instead of running it).
"""

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from cybercollege.server.persistence.engine import create_engine, resolve_url
from cybercollege.server.persistence.schema import metadata

config = context.config


def run_on(connection: Connection) -> None:
    """Run the migrations on an open (sync-facing) connection."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite's ALTER TABLE is limited
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def url_given() -> str:
    """The ``-x url=...`` argument, else $CYBERCOLLEGE_DATABASE_URL, else the ini's ``sqlalchemy.url``."""
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("CYBERCOLLEGE_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise ValueError("no database URL: give -x url=..., $CYBERCOLLEGE_DATABASE_URL or sqlalchemy.url")
    return resolve_url(url, create_dirs=not context.is_offline_mode()).render_as_string(hide_password=False)


shared = config.attributes.get("connection")
if shared is not None:  # the server's start-up (server.persistence.migrate.upgrade)
    run_on(shared)
else:
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        context.configure(url=url_given(), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_from_url(url_given()))
