"""The world server's persistence: last places, chat history and audit log (SQLite or PostgreSQL), with
retention (``Store.purge_expired``) and a user's export and erasure (``cybercollege user export|forget``).

See docs/persistence.md. The world server writes through ``WriteBehind`` and never awaits the database
on its hot path; ``Store`` migrates the schema at ``start()`` with the Alembic migrations shipped here.
"""

from .engine import DEFAULT_URL
from .records import AuditEvent, ChatRecord, Place
from .store import AUDIT_RETENTION, CHAT_RETENTION, Erased, Store, UserData
from .writebehind import WriteBehind

__all__ = [
    "AUDIT_RETENTION",
    "CHAT_RETENTION",
    "DEFAULT_URL",
    "AuditEvent",
    "ChatRecord",
    "Erased",
    "Place",
    "Store",
    "UserData",
    "WriteBehind",
]
