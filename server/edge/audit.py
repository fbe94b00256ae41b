"""The audit log of sign-ins: ENT logins, failures and logouts go to the database's audit table.

The ENT code logs each of these once (logger ``cybercollege.ent``, never a ticket, code or token); this
handler turns those records into :class:`AuditEvent` rows through the write-behind buffer.
"""

from __future__ import annotations

import logging

from cybercollege.server.persistence import AuditEvent, WriteBehind

KINDS = {
    "login ok source=%s user=%s role=%s": ("login", 1),
    "logout reason=%s user=%s": ("logout", 1),
    "refresh token reused, session ended user=%s": ("login_failed", 0),
    "login failed code=%s path=%s": ("login_failed", None),
    "request refused code=%s path=%s": ("login_failed", None),
}
"""ENT log formats -> (audit event, index of the user id in the arguments, or None)."""


class EntAuditHandler(logging.Handler):
    def __init__(self, writer: WriteBehind) -> None:
        super().__init__(logging.INFO)
        self.writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        kind = KINDS.get(str(record.msg))
        if kind is None or not isinstance(record.args, tuple):
            return
        event, user_index = kind
        user = str(record.args[user_index]) if user_index is not None else None
        detail = " ".join(str(a) for a in record.args)  # e.g. "demo_unknown_user /auth/demo"
        try:
            self.writer.audit(AuditEvent(event, user, None, detail[:200]))
        except (ValueError, TypeError):
            self.handleError(record)


def attach(writer: WriteBehind) -> EntAuditHandler:
    """Start auditing ENT sign-ins into ``writer``; returns the handler (to detach it)."""
    handler = EntAuditHandler(writer)
    logger = logging.getLogger("cybercollege.ent")
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler
