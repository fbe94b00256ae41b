"""Personal data holders: every place that keeps something about a person registers here, so that a user's
export and erasure (RGPD rights of access and erasure, articles 15 and 17) cover all of them.

A feature declares its holders with :meth:`Feature.personal_data` (server/core/feature.py); the database's own
tables (places, chat, audit) are one more holder, made by the edge (server/privacy.py), which runs the export
and the erasure for the portal and the command line.
"""

from __future__ import annotations

from typing import Any, Protocol


class PersonalData(Protocol):
    """One holder of personal data (a table, a store in memory): a line of the school's register of processing.

    A holder that knows people's names (an attendance) may also have ``names() -> dict[str, str]`` by user id:
    the staff's search finds people by name with it.
    """

    name: str
    """A short key, e.g. ``"attendance"``: the export's section and the erasure's count."""
    kept: str
    """How long it is kept, in words (``"until the server stops"``): shown to the DPO with the export."""

    async def export(self, user_id: str) -> list[dict[str, Any]]:
        """What it holds about ``user_id``, as plain JSON values (timestamps as ISO 8601 UTC)."""
        ...

    async def forget(self, user_id: str) -> int:
        """Erase what it holds about ``user_id``; returns how many items were erased."""
        ...
