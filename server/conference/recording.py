"""Recording a conference without re-encoding: the forwarded VP8/Opus frames are muxed into WebM files.

A :class:`Recording` attaches one sink to every forwarder, like a subscriber would. Each publisher's media
go to one file per *take* (``<participant>-<n>.webm``: from the moment they publish, or the recording
starts, until they unpublish or it stops). ``recording.json`` next to the files says who recorded, when,
in which room, who took part, and when the recording expires; :func:`purge` deletes expired ones.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from cybercollege.protocol.conference import Kind
from cybercollege.server.conference.forwarding import OPUS, TIME_BASES, VP8, Forwarder

log = logging.getLogger(__name__)

METADATA = "recording.json"
CODECS = {Kind.VIDEO: "libvpx", Kind.AUDIO: "libopus"}


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
        self.stream: Any = None
        self.last_pts = -1

    def push(self, packet: av.Packet, keyframe: bool) -> None:
        self.take.write(self, packet, keyframe)

    def drop(self) -> None:
        """Nothing is queued here: each frame is written as it comes."""


@dataclass
class Take:
    """One publisher's media from when they start being recorded to when they stop: one WebM file."""

    path: Path
    participant: int
    sinks: list[RecordingSink] = field(default_factory=list)
    container: Any = None
    origin: float = 0.0  # seconds on the forwarders' shared clock at the file's first keyframe
    started: float = field(default_factory=time.time)
    failed: bool = False

    def write(self, sink: RecordingSink, packet: av.Packet, keyframe: bool) -> None:
        if self.failed:
            return
        data = bytes(packet)  # the forwarder's packet is shared with subscribers: mux a copy
        try:
            pts = packet.pts
            if pts is None:  # the forwarder stamps every packet it makes
                raise ValueError("a forwarded packet has no timestamp")
            if self.container is None and not self._open(sink, data, keyframe, pts, packet.time_base):
                return
            if sink.stream is None:  # a track added after the file started: not in this take
                return
            self._mux(sink, data, pts, keyframe)
        except (av.FFmpegError, OSError, ValueError):
            log.exception("recording %s failed", self.path)
            self.failed = True
            self.close()

    def _open(self, sink: RecordingSink, data: bytes, keyframe: bool, pts: int, time_base: Fraction) -> bool:
        """Start the file on the first video keyframe (or the first audio frame if audio only)."""
        has_video = any(s.kind is Kind.VIDEO for s in self.sinks)
        if (has_video and sink.kind is not Kind.VIDEO) or not keyframe:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.container = av.open(str(self.path), "w", format="webm")
        for s in self.sinks:
            if s.kind is Kind.VIDEO:
                s.stream = self.container.add_stream(CODECS[Kind.VIDEO], rate=30)
                s.stream.width, s.stream.height = vp8_size(data) if s is sink else (640, 480)
                s.stream.pix_fmt = "yuv420p"
            else:
                s.stream = self.container.add_stream(CODECS[Kind.AUDIO], rate=48000)
                s.stream.layout = "stereo"
        self.origin = float(pts * time_base)
        self.started = time.time()
        return True

    def _mux(self, sink: RecordingSink, data: bytes, pts: int, keyframe: bool) -> None:
        time_base: Fraction = TIME_BASES[sink.kind]
        pts -= round(self.origin / time_base)
        if pts < 0 or pts <= sink.last_pts:
            return
        sink.last_pts = pts
        out = av.Packet(data)
        out.pts = out.dts = pts
        out.time_base = time_base
        out.stream = sink.stream
        out.is_keyframe = keyframe
        self.container.mux(out)

    def close(self) -> None:
        for sink in self.sinks:
            if sink.source is not None:
                sink.source.detach(sink)  # type: ignore[arg-type]
        if self.container is not None:
            try:
                self.container.close()
            except (av.FFmpegError, OSError):
                log.exception("closing recording %s failed", self.path)
            self.container = None

    def describe(self, names: dict[int, str]) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        return {
            "file": self.path.name,
            "participant": self.participant,
            "name": names.get(self.participant, ""),
            "started_at": _iso(self.started),
            "kinds": sorted(s.kind.value for s in self.sinks if s.stream is not None),
        }


class Recording:
    """A conference being recorded into ``directory`` (created); :meth:`stop` writes the metadata."""

    def __init__(self, directory: Path, room: str, host: int, names: dict[int, str], retention_days: int) -> None:
        self.directory = directory
        self.room = room
        self.host = host
        self.names = dict(names)
        self.participants: set[int] = set(names)
        self.retention_days = retention_days
        self.started = time.time()
        self.takes: dict[int, Take] = {}
        self.done: list[Take] = []
        self._counts: dict[int, int] = {}
        directory.mkdir(parents=True, exist_ok=True)
        self._write_metadata(None)

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
            take = Take(self.directory / f"{forwarder.publisher}-{n}.webm", forwarder.publisher)
            self.takes[forwarder.publisher] = take
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
        """Close every file and write the metadata; returns the metadata file."""
        for publisher in list(self.takes):
            self.remove(publisher)
        return self._write_metadata(time.time())

    def _write_metadata(self, stopped: float | None) -> Path:
        expires = self.started + self.retention_days * 86400
        files = [d for d in (t.describe(self.names) for t in self.done) if d is not None]
        meta = {
            "room": self.room,
            "started_by": {"id": self.host, "name": self.names.get(self.host, "")},
            "started_at": _iso(self.started),
            "stopped_at": _iso(stopped) if stopped is not None else None,
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
