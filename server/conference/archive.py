"""Finished recordings on disk, as the portal lists, plays and deletes them (docs/conference.md, "Recording").

A recording is a directory of ``recordings_dir`` (``<room>-<UTC time>[-n]``, server/conference/recording.py) with
its ``recording.json`` and its WebM files. Ids and file names from a URL are checked against strict patterns and
against the metadata before any path is made from them: nothing outside the directory is ever reached.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cybercollege.server.conference.recording import METADATA

RECORDING_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}-\d{8}T\d{6}(?:-\d{1,4})?$")
FILE_NAME = re.compile(r"^\d{1,10}-\d{1,6}\.webm$")


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """One take: a publisher's camera and microphone (or one of them) from when it started."""

    name: str
    participant: str
    kinds: tuple[str, ...]
    size: int
    failed: str | None

    @property
    def audio_only(self) -> bool:
        return "video" not in self.kinds


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """What ``recording.json`` says of a finished recording, and the size of its files."""

    id: str
    directory: Path
    room: str
    host_user: str
    host_name: str
    started: datetime
    stopped: datetime
    expires: datetime
    retention_days: int
    participants: tuple[str, ...]
    files: tuple[RecordedFile, ...]

    @property
    def seconds(self) -> int:
        return max(0, round((self.stopped - self.started).total_seconds()))

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def file(self, name: str) -> RecordedFile | None:
        """The take ``name`` if it is one of this recording's (else None)."""
        if not FILE_NAME.match(name):
            return None
        return next((f for f in self.files if f.name == name), None)


def finished(root: Path) -> list[RecordingInfo]:
    """The finished recordings in ``root``, newest first (those under way or unreadable are left out)."""
    found = [read(root, path.name) for path in root.iterdir()] if root.is_dir() else []
    return sorted((r for r in found if r is not None), key=lambda r: r.started, reverse=True)


def read(root: Path, recording_id: str) -> RecordingInfo | None:
    """The finished recording ``recording_id`` of ``root``; None if the id is malformed, unknown or still recording."""
    if not RECORDING_ID.match(recording_id):
        return None
    directory = root / recording_id
    try:
        meta = json.loads((directory / METADATA).read_text(encoding="utf-8"))
        if meta.get("stopped_at") is None:
            return None
        return _info(recording_id, directory, meta)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def delete(info: RecordingInfo) -> None:
    """Delete the recording's directory (its files and metadata)."""
    shutil.rmtree(info.directory)


def _info(recording_id: str, directory: Path, meta: dict[str, Any]) -> RecordingInfo:
    files = []
    for entry in meta["files"]:
        name = str(entry["file"])
        path = directory / name
        if FILE_NAME.match(name) and path.is_file():
            kinds = tuple(str(k) for k in entry.get("kinds", ()))
            files.append(
                RecordedFile(name, str(entry.get("name", "")), kinds, path.stat().st_size, entry.get("failed"))
            )
    return RecordingInfo(
        id=recording_id,
        directory=directory,
        room=str(meta["room"]),
        host_user=str(meta.get("host_user") or ""),
        host_name=str(meta["started_by"].get("name", "")),
        started=datetime.fromisoformat(meta["started_at"]),
        stopped=datetime.fromisoformat(meta["stopped_at"]),
        expires=datetime.fromisoformat(meta["expires_at"]),
        retention_days=int(meta["retention_days"]),
        participants=tuple(str(p.get("name", "")) for p in meta["participants"] if p.get("name")),
        files=tuple(files),
    )
