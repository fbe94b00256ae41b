"""Recording a conference without re-encoding: the forwarded VP8/Opus frames are muxed into WebM files.

A :class:`Recording` attaches one sink to every forwarder, like a subscriber would. Each publisher's media
go to one file per *take* (``<participant>-<n>.webm``: from the moment they publish, or the recording
starts, until they unpublish or it stops). ``recording.json`` next to the files says who recorded, when,
in which room, who took part, and when the recording expires; :func:`purge` deletes expired ones.

The files are written by the recording's own muxer process (server/conference/muxer.py), never on the event
loop: a take only decides which frames go in (from the first keyframe, timestamps rebased and increasing) and
queues them. A take **fails** (it is not a gap: the file stops there, and is closed so that it plays up to
that point) when its muxer falls behind by more than ``queue_bytes`` of frames, when the muxer cannot write
its file, or when the muxer process dies; ``recording.json`` gives each file's ``failed`` reason (or null).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av

from cybercollege.protocol.conference import Kind
from cybercollege.server.conference.forwarding import OPUS, TIME_BASES, VP8, Forwarder
from cybercollege.server.conference.muxer import Muxer, Stream
from cybercollege.server.sandbox.pool import Limits

log = logging.getLogger(__name__)

METADATA = "recording.json"


def vp8_size(keyframe: bytes) -> tuple[int, int]:
    """Width and height from a VP8 keyframe header (RFC 6386 §9.1); (0, 0) if it is too short."""
    if len(keyframe) < 10:
        return 0, 0
    return int.from_bytes(keyframe[6:8], "little") & 0x3FFF, int.from_bytes(keyframe[8:10], "little") & 0x3FFF


class RecordingSink:
    """What a :class:`Forwarder` pushes to (the same interface as a subscriber's ``ForwardedTrack``)."""

    def __init__(self, take: Take, kind: Kind) -> None:
        self.take = take
        self.kind = kind
        self.source: Forwarder | None = None
        self.waiting_keyframe = kind is Kind.VIDEO
        self.reading = True  # attach() asks the publisher for a keyframe at once
        self.index: int | None = None
        """This track's stream in the take's file (None: not in it)."""
        self.last_pts = -1

    def push(self, packet: av.Packet, keyframe: bool) -> None:
        self.take.write(self, packet, keyframe)

    def drop(self) -> None:
        """Nothing is queued here: each frame goes to the muxer as it comes."""


@dataclass
class Take:
    """One publisher's media from when they start being recorded to when they stop: one WebM file."""

    path: Path
    participant: int
    muxer: Muxer
    number: int
    """The take's number in its muxer (unique in the recording)."""
    sinks: list[RecordingSink] = field(default_factory=list)
    opened: bool = False
    origin: float = 0.0  # seconds on the forwarders' shared clock at the file's first keyframe
    started: float = field(default_factory=time.time)
    failure: str | None = None
    """Why the take failed (its file stops there), or None."""
    closed: bool = False

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def write(self, sink: RecordingSink, packet: av.Packet, keyframe: bool) -> None:
        if self.failure is not None or self.closed:
            return
        pts = packet.pts
        if pts is None:  # the forwarder stamps every packet it makes
            self.fail("a forwarded packet has no timestamp")
            return
        if not self.opened and not self._open(sink, packet, keyframe, pts):
            return
        if sink.index is None:  # a track added after the file started: not in this take
            return
        time_base = TIME_BASES[sink.kind]
        pts -= round(self.origin / time_base)
        if pts < 0 or pts <= sink.last_pts:
            return
        sink.last_pts = pts
        data = bytes(packet)  # the forwarder's packet is shared with subscribers: send a copy
        if not self.muxer.frame(self.number, sink.index, data, pts, time_base, keyframe):
            self.fail(f"the muxer fell behind (over {self.muxer.queue_bytes // 1024} KiB of frames waiting)")

    def _open(self, sink: RecordingSink, packet: av.Packet, keyframe: bool, pts: int) -> bool:
        """Start the file on the first video keyframe (or the first audio frame if audio only)."""
        has_video = any(s.kind is Kind.VIDEO for s in self.sinks)
        if (has_video and sink.kind is not Kind.VIDEO) or not keyframe:
            return False
        streams = []
        for index, s in enumerate(self.sinks):
            s.index = index
            if s.kind is Kind.VIDEO:
                streams.append(Stream("video", *(vp8_size(bytes(packet)) if s is sink else (640, 480))))
            else:
                streams.append(Stream("audio"))
        if not self.muxer.open(self.number, self.path, streams):
            self.fail(self.muxer.failure or "the recording has stopped", logged=True)
            return False
        self.opened = True
        self.origin = float(pts * packet.time_base)
        self.started = time.time()
        return True

    def fail(self, reason: str, logged: bool = False) -> None:
        """The take stops here (``logged``: the muxer said so already); its file is closed."""
        if self.failure is not None:
            return
        self.failure = reason
        if not logged:
            log.warning("recording %s failed: %s", self.path, reason)
        asyncio.get_running_loop().call_soon(self.close)  # not now: a forwarder may be iterating its sinks

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for sink in self.sinks:
            if sink.source is not None:
                sink.source.detach(sink)  # type: ignore[arg-type]
        if self.opened:
            self.muxer.close(self.number)

    def describe(self, names: dict[int, str]) -> dict[str, Any] | None:
        if not self.opened:
            return None
        return {
            "file": self.path.name,
            "participant": self.participant,
            "name": names.get(self.participant, ""),
            "started_at": _iso(self.started),
            "kinds": sorted(s.kind.value for s in self.sinks if s.index is not None),
            "failed": self.failure,
        }


class Recording:
    """A conference being recorded into ``directory`` (created) by its own muxer process; :meth:`stop` writes
    the metadata, and ``finished`` is done once the muxer has closed the files (the metadata is then final)."""

    def __init__(self, directory: Path, room: str, host: int, names: dict[int, str], retention_days: int,
                 limits: Limits | None = None, queue_bytes: int | None = None,
                 host_user: str = "") -> None:  # fmt: skip
        self.directory = directory
        self.room = room
        self.host = host
        self.host_user = host_user
        """The host's user id: she and her school's staff see the recording in the portal (docs/portal.md)."""
        self.names = dict(names)
        self.participants: set[int] = set(names)
        self.retention_days = retention_days
        self.started = time.time()
        self.stopped: float | None = None
        self.takes: dict[int, Take] = {}
        self.done: list[Take] = []
        self._counts: dict[int, int] = {}
        self._numbers = itertools.count(1)
        self._numbered: dict[int, Take] = {}
        directory.mkdir(parents=True, exist_ok=True)
        self._write_metadata()
        self.muxer = Muxer(self._failed, room, limits, queue_bytes)
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def joined(self, participant: int, name: str) -> None:
        self.participants.add(participant)
        self.names.setdefault(participant, name)

    def add(self, forwarder: Forwarder) -> None:
        """Record a published track (a publisher's tracks go to the same file); H.264 video is not recorded."""
        if forwarder.codec not in (VP8, OPUS):
            log.warning("recording %s: %s from %s is not recorded", self.room, forwarder.codec, forwarder.publisher)
            return
        take = self.takes.get(forwarder.publisher)
        if take is None:
            n = self._counts[forwarder.publisher] = self._counts.get(forwarder.publisher, 0) + 1
            number = next(self._numbers)
            take = Take(self.directory / f"{forwarder.publisher}-{n}.webm", forwarder.publisher, self.muxer, number)
            self.takes[forwarder.publisher] = self._numbered[number] = take
        sink = RecordingSink(take, forwarder.kind)
        take.sinks.append(sink)
        forwarder.attach(sink)  # type: ignore[arg-type]

    def remove(self, publisher: int) -> None:
        """The publisher stopped: close their file."""
        take = self.takes.pop(publisher, None)
        if take is not None:
            take.close()
            self.done.append(take)

    def stop(self) -> Path:
        """Close every file, tell the muxer to finish, and write the metadata; returns the metadata file."""
        for publisher in list(self.takes):
            self.remove(publisher)
        self.stopped = time.time()
        self.muxer.finish()
        self.muxer.finished.add_done_callback(self._finished)
        return self._write_metadata()

    def _failed(self, number: int, reason: str) -> None:
        """The muxer says a take failed (it logged why)."""
        take = self._numbered.get(number)
        if take is not None:
            take.fail(reason, logged=True)

    def _finished(self, _muxer: asyncio.Future[None]) -> None:
        try:
            self._write_metadata()  # with what the muxer said at the end
        except OSError:
            log.exception("recording %s: writing its metadata failed", self.directory)
        if not self.finished.done():
            self.finished.set_result(None)

    def _write_metadata(self) -> Path:
        expires = self.started + self.retention_days * 86400
        files = [d for d in (t.describe(self.names) for t in self.done) if d is not None]
        meta = {
            "room": self.room,
            "started_by": {"id": self.host, "name": self.names.get(self.host, "")},
            "host_user": self.host_user,
            "started_at": _iso(self.started),
            "stopped_at": _iso(self.stopped) if self.stopped is not None else None,
            "participants": [{"id": p, "name": self.names.get(p, "")} for p in sorted(self.participants)],
            "files": files,
            "retention_days": self.retention_days,
            "expires_at": _iso(expires),
        }
        path = self.directory / METADATA
        path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return path


def new_directory(root: Path, room: str) -> Path:
    """A fresh directory for a recording of ``room``: ``<root>/<room>-<UTC time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path, n = root / f"{room}-{stamp}", 1
    while path.exists():
        n += 1
        path = root / f"{room}-{stamp}-{n}"
    return path


def purge(root: Path, retention_days: int, now: float | None = None) -> list[Path]:
    """Delete recordings whose retention has ended (metadata ``expires_at``; else the directory's age)."""
    now = time.time() if now is None else now
    removed = []
    for path in root.iterdir() if root.is_dir() else []:
        if path.is_dir() and _expires(path, retention_days) <= now:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _expires(path: Path, retention_days: int) -> float:
    try:
        meta = json.loads((path / METADATA).read_text(encoding="utf-8"))
        return datetime.fromisoformat(meta["expires_at"]).timestamp()
    except (OSError, ValueError, KeyError, TypeError):
        return path.stat().st_mtime + retention_days * 86400


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


__all__ = ["Recording", "new_directory", "purge"]
