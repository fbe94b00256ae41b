"""A recording's muxer: one process per recording owns its WebM files and is fed encoded frames over a pipe.

The event loop never touches the files. :class:`Muxer` puts each message (bytes and integers, no av objects)
on a queue that a writer thread sends in batches; the process (:func:`_serve`) creates, opens, writes and
closes the files with PyAV, under the sandbox's limits (``RLIMIT_AS``, no core file, ``nice``; set before it
reads its first message; docs/adr/0010-sandbox.md). The frames waiting are bounded in bytes
(``queue_bytes``): a frame that does not fit is refused, and the recording fails the take it belongs to (a
stalled disk or a stopped muxer never blocks the loop nor grows the world's memory). Opening and closing are
never refused.

When the process ends before it has closed every file (killed, crashed, out of memory), every take it had
open fails with the reason, logged once; the world is not touched. After :meth:`Muxer.finish`, the process
has :data:`FINISH_SECONDS` to close its files, then it is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable
from fractions import Fraction
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

from cybercollege.server.sandbox.pool import Limits, context, ended, limit_self

log = logging.getLogger(__name__)

QUEUE_BYTES = 8 * 1024 * 1024
"""Bytes of frames that may wait for the muxer (about two minutes of one speaker's video and voice)."""
FINISH_SECONDS = 30.0
"""How long a muxer told to finish has to close its files before it is killed."""
CODECS = {"video": "libvpx", "audio": "libopus"}
"""The streams' codecs, declared for the WebM header (the frames are already encoded: nothing is re-encoded)."""
BATCH = 256
"""Messages sent to the process in one write, at most."""

Message = tuple[Any, ...]
Failed = Callable[[int, str], None]


class Stream(NamedTuple):
    """A stream of a file: ``kind`` "video" (with its size) or "audio"."""

    kind: str
    width: int = 0
    height: int = 0


class Muxer:
    """The world's side of one muxer process: :meth:`open`, :meth:`frame` and :meth:`close` takes (numbered by
    the caller), then :meth:`finish`. ``failed(take, reason)`` is called on the loop when a take fails in the
    process (a file it cannot write) or with it; ``finished`` is done once the process has exited."""

    def __init__(self, failed: Failed, name: str = "", limits: Limits | None = None,
                 queue_bytes: int | None = None) -> None:  # fmt: skip
        self.limits = limits or Limits()
        self.queue_bytes = QUEUE_BYTES if queue_bytes is None else queue_bytes
        self.name = name
        self.failure: str | None = None
        """Why the process ended before it closed every file (None while it runs, and after a clean end)."""
        self.pid: int | None = None
        self._loop = asyncio.get_running_loop()
        self.finished: asyncio.Future[None] = self._loop.create_future()
        self._failed = failed
        self._open: set[int] = set()  # takes the process has not confirmed closed
        self._queue: queue.SimpleQueue[Message | None] = queue.SimpleQueue()  # None: the writer stops
        self._waiting = 0  # bytes of frames queued or being sent
        self._lock = threading.Lock()
        self._finishing = False
        self._lost = ""  # what the process said before it ended
        self._deadline: asyncio.TimerHandle | None = None
        self._process: Any = None
        self._writer = threading.Thread(target=self._write, name=f"muxer-{name}", daemon=True)
        self._writer.start()  # starting a process blocks a little: the writer thread does it

    @property
    def ended(self) -> bool:
        return self.finished.done()

    def open(self, take: int, path: Path, streams: list[Stream]) -> bool:
        """Start ``take``'s file; False if the process has ended (``failure`` says why)."""
        if self.ended or self._finishing:
            return False
        self._open.add(take)
        self._queue.put(("open", take, str(path), streams))
        return True

    def frame(self, take: int, index: int, data: bytes, pts: int, time_base: Fraction, keyframe: bool) -> bool:
        """Queue a frame of ``take``'s stream ``index``; False if it does not fit (the muxer is behind).

        A frame for a process that has ended is dropped: its takes are failed with the reason."""
        if self.ended:
            return True
        with self._lock:
            if self._waiting + len(data) > self.queue_bytes:
                return False
            self._waiting += len(data)
        self._queue.put(("frame", take, index, data, pts, pts, time_base.numerator, time_base.denominator, keyframe))
        return True

    def close(self, take: int) -> None:
        """Close ``take``'s file (after its frames already queued)."""
        if take in self._open and not self.ended:
            self._queue.put(("close", take))

    def finish(self) -> None:
        """No more takes: the process closes what is open and exits, or is killed after ``FINISH_SECONDS``."""
        if self._finishing or self.ended:
            return
        self._finishing = True
        self._queue.put(("finish",))
        self._deadline = self._loop.call_later(FINISH_SECONDS, self._kill)

    def kill(self) -> None:
        """End the process now (its open takes fail)."""
        if self._process is not None and self._process.is_alive():
            with contextlib.suppress(OSError):
                os.kill(self._process.pid, signal.SIGKILL)

    def _kill(self) -> None:
        self._lost = f"killed: its files were not closed within {FINISH_SECONDS:g} s"
        self.kill()

    # --- threads ------------------------------------------------------------------------------------

    def _write(self) -> None:
        """The writer thread: start the process, then send what is queued, in batches."""
        try:
            ctx = context()
            conn, theirs = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(theirs, self.limits.memory_mb, self.limits.nice),
                                  name="cybercollege-muxer", daemon=True)  # fmt: skip
            process.start()
            theirs.close()  # the process's death is then an EOF on ours
        except (OSError, RuntimeError) as exc:
            self._call(self._ended, None, f"could not start ({exc})")
            return
        self._process, self.pid = process, process.pid
        threading.Thread(target=self._read, args=(conn, process), name=f"muxer-{self.name}-read", daemon=True).start()
        sending = True
        while True:
            batch: list[Message | None] = [self._queue.get()]
            while len(batch) < BATCH and batch[-1] is not None and batch[-1][0] != "finish":
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            messages = [m for m in batch if m is not None]
            if sending and messages:
                try:
                    conn.send_bytes(pickle.dumps(messages, protocol=pickle.HIGHEST_PROTOCOL))
                except (OSError, ValueError):  # the process ended: the reader reports it; drop what comes
                    sending = False
            sent = sum(len(m[3]) for m in messages if m[0] == "frame")
            with self._lock:
                self._waiting -= sent
            if batch[-1] is None or batch[-1][0] == "finish":
                return

    def _read(self, conn: Connection, process: Any) -> None:
        """The reader thread: hand the process's answers to the loop; at its end, report how it ended."""
        while True:
            try:
                answers = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                break
            self._call(self._answer, answers)
        self._queue.put(None)
        self._writer.join()  # nobody uses the pipe any more: close it
        conn.close()
        process.join()
        self._call(self._ended, process.exitcode, "")

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is left to tell
            self._loop.call_soon_threadsafe(fn, *args)

    # --- on the loop --------------------------------------------------------------------------------

    def _answer(self, answers: list[tuple[str, int, str | None]]) -> None:
        for kind, take, detail in answers:
            if kind == "lost":
                self._lost = detail or ""
                continue
            if kind == "closed":
                self._open.discard(take)
            if detail is not None:
                log.warning("recording muxer %s (pid %s): take %d failed: %s", self.name, self.pid, take, detail)
                self._failed(take, detail)

    def _ended(self, exitcode: int | None, why: str) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        if exitcode != 0 or self._open or not self._finishing:
            cause = why or self._lost or (str(ended(exitcode)) if exitcode is not None else "unknown")
            self.failure = f"the muxer process ended ({cause})"
            takes = sorted(self._open)
            log.warning("recording muxer %s (pid %s): %s; takes failed: %s", self.name, self.pid, self.failure,
                        takes or "none")  # fmt: skip
            self._open.clear()
            for take in takes:
                self._failed(take, self.failure)
        if not self.finished.done():
            self.finished.set_result(None)


# --- the process --------------------------------------------------------------------------------------


def _serve(conn: Connection, memory_mb: int, nice: int) -> None:
    """The muxer process: set its limits, then handle messages until ``finish`` or the pipe closes."""
    limit_self(memory_mb, nice)
    files: _Files | None = None
    try:
        files = _Files()
        while True:
            try:
                batch: list[Message] = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                return  # the world's process is gone: close the files (finally)
            answers: list[Message] = []
            for message in batch:
                if message[0] == "finish":
                    answers += [("closed", take, files.close(take)) for take in list(files.containers)]
                    _tell(conn, answers)
                    return
                answers += files.handle(message)
            if answers:
                _tell(conn, answers)
    except (MemoryError, ImportError) as exc:  # a library that no longer maps is out of address space too
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        _tell(conn, [("lost", 0, f"out of memory within {memory_mb} MiB: {error}")])
        raise SystemExit(1) from None
    finally:
        for take in list(files.containers if files is not None else ()):
            with contextlib.suppress(Exception):
                files.close(take)  # type: ignore[union-attr]


def _tell(conn: Connection, answers: list[Message]) -> None:
    with contextlib.suppress(OSError, ValueError):
        conn.send_bytes(pickle.dumps(answers))


class _Files:
    """The open files of one muxer process, by take."""

    def __init__(self) -> None:
        import av  # (already loaded with the package; a submodule may load later, under the limit)

        self.av = av
        self.containers: dict[int, Any] = {}
        self.streams: dict[int, list[Any]] = {}
        self.broken: set[int] = set()

    def handle(self, message: Message) -> list[Message]:
        """Do what ``message`` says; the answers for the world (a take that failed, one closed)."""
        kind, take = message[0], message[1]
        if kind == "close":
            self.broken.discard(take)
            return [("closed", take, self.close(take))]
        if take in self.broken:
            return []
        try:
            if kind == "open":
                self.open(take, Path(message[2]), message[3])
            elif take in self.containers:
                self.mux(take, *message[2:])
        except (self.av.FFmpegError, OSError, ValueError) as exc:
            self.broken.add(take)
            self.close(take)
            return [("failed", take, f"{type(exc).__name__}: {exc}")]
        return []

    def open(self, take: int, path: Path, streams: list[Stream]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        container = self.containers[take] = self.av.open(str(path), "w", format="webm")
        self.streams[take] = []
        for stream in streams:
            out: Any
            if stream.kind == "video":
                out = container.add_stream(CODECS["video"], rate=30)
                out.width, out.height = stream.width, stream.height
                out.pix_fmt = "yuv420p"
            else:
                out = container.add_stream(CODECS["audio"], rate=48000)
                out.layout = "stereo"
            self.streams[take].append(out)

    def mux(self, take: int, index: int, data: bytes, pts: int, dts: int, num: int, den: int, key: bool) -> None:
        packet = self.av.Packet(data)
        packet.pts, packet.dts = pts, dts
        packet.time_base = Fraction(num, den)
        packet.stream = self.streams[take][index]
        packet.is_keyframe = key
        self.containers[take].mux(packet)

    def close(self, take: int) -> str | None:
        """Close ``take``'s file; what went wrong, if anything."""
        container = self.containers.pop(take, None)
        self.streams.pop(take, None)
        if container is None:
            return None
        try:
            container.close()
        except (self.av.FFmpegError, OSError) as exc:
            return f"closing the file: {type(exc).__name__}: {exc}"
        return None
