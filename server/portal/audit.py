"""What teachers do in the portal goes to the audit log (the database's audit table, docs/persistence.md)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cybercollege.server.core.logs import event
from cybercollege.server.persistence import AuditEvent

if TYPE_CHECKING:
    from cybercollege.server.portal.pages import Context

log = logging.getLogger("cybercollege.portal")


def audit(ctx: Context, what: str, room: str | None, detail: str = "") -> None:
    """Log and audit ``what`` (``portal_admit``, ``recording_delete``...) done by the signed-in user."""
    user = ctx.me.user_id
    event(log, what, user=user, room=room, detail=detail)
    writer = ctx.portal.world.writer
    if writer is not None:
        writer.audit(AuditEvent(what, user, room, detail))
