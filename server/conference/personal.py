"""Recordings as a holder of personal data (server/persistence/personal.py): a teacher's export lists the
recordings she made, and her erasure deletes them. Participants are named in a recording only by their names
of the moment (no user id): a pupil's voice in a class recording goes with the recording, after
``recording_retention_days`` or when a teacher or the staff delete it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cybercollege.server.conference import archive


class Recordings:
    """The finished recordings in ``recordings_dir``, by their host's user id."""

    name = "recordings"
    kept = "recording_retention_days, then deleted"

    def __init__(self, root: str | None) -> None:
        self.root = Path(root) if root else None

    def _hers(self, user_id: str) -> list[archive.RecordingInfo]:
        return [r for r in archive.finished(self.root) if r.host_user == user_id] if self.root else []

    async def export(self, user_id: str) -> list[dict[str, Any]]:
        return [
            {"id": r.id, "room_id": r.room, "started": r.started.isoformat(), "stopped": r.stopped.isoformat(),
             "expires": r.expires.isoformat(), "files": len(r.files)}
            for r in self._hers(user_id)
        ]  # fmt: skip

    async def forget(self, user_id: str) -> int:
        hers = self._hers(user_id)
        for recording in hers:
            archive.delete(recording)
        return len(hers)
