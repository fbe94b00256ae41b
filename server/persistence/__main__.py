"""Migrate a database by hand: ``python -m cybercollege.server.persistence [DATABASE_URL]``.

The URL defaults to $CYBERCOLLEGE_DATABASE_URL, then to the SQLite file ``var/cybercollege.db``.
"""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy.exc import SQLAlchemyError

from .engine import DEFAULT_URL
from .migrate import current_revision
from .store import Store


async def migrate(url: str) -> str | None:
    """Upgrade the database at ``url`` to the newest schema; returns its revision."""
    async with Store(url) as store:
        return await current_revision(store.engine)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m cybercollege.server.persistence [DATABASE_URL]", file=sys.stderr)
        return 2
    url = args[0] if args else os.environ.get("CYBERCOLLEGE_DATABASE_URL", DEFAULT_URL)
    try:
        revision = asyncio.run(migrate(url))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError, SQLAlchemyError) as exc:
        print(f"error: cannot migrate the database: {exc}", file=sys.stderr)
        return 1
    print(f"database at revision {revision}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
