"""A small pool of worker processes that run one job at a time each, under limits.

Each worker is a process started from a fork server (or spawned where there is none), with ``RLIMIT_AS``
(memory) set once and ``RLIMIT_CPU`` (CPU seconds) set again before each job; the parent bounds each job's wall
time and kills the worker past it. A worker killed, crashed or out of memory is replaced by a fresh one on the
next job, and the job's caller gets a :class:`SandboxError` with the reason. Workers run at a lower priority
(``nice``) than the world, so the tick keeps its core while a file is converted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing
import os
import pickle
import resource
import signal
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from cybercollege.server.config import Settings

log = logging.getLogger(__name__)

Reason = Literal["memory", "time", "crash", "busy"]
T = TypeVar("T")
PRELOAD = ["cybercollege.server.sandbox.pool", "cybercollege.server.classroom.slides",
           "cybercollege.server.classroom.export"]  # fmt: skip
"""Imported once by the fork server: a new worker starts in milliseconds, with them loaded."""


class SandboxError(Exception):
    """A job the sandbox stopped: ``reason`` is memory, time, crash (the worker died) or busy (queue full)."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: Reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Limits:
    """What one job may use."""

    memory_mb: int = 1024
    """Address space of a worker (``RLIMIT_AS``), MiB."""
    cpu_seconds: float = 60.0
    """CPU time of one job (``RLIMIT_CPU``): past it the kernel ends the worker (SIGXCPU)."""
    wall_seconds: float = 120.0
    """Wall time of one job, counted by the parent: past it the worker is killed."""
    nice: int = 10
    """Added to the workers' niceness: the world's process comes first for the CPU."""


class Pool:
    """``await pool.run(fn, *args)`` runs ``fn(*args)`` in a worker (``fn`` and ``args`` picklable) and returns
    its result or raises its exception; at most ``workers`` at once, ``queue`` more waiting, then busy."""

    def __init__(self, workers: int = 2, queue: int = 8, limits: Limits | None = None) -> None:
        self.workers = workers
        self.queue = queue
        self.limits = limits or Limits()
        self.running = 0
        """Jobs in a worker now."""
        self.waiting = 0
        """Jobs waiting for a worker."""
        self.replaced = 0
        """Workers killed or lost and replaced so far."""
        self._idle: list[_Worker] = []
        self._slots: asyncio.Semaphore | None = None
        self._io = ThreadPoolExecutor(max_workers=2 * workers, thread_name_prefix="sandbox-io")
        self._closed = False

    async def run(self, fn: Callable[..., T], *args: Any, limits: Limits | None = None) -> T:
        """The result of ``fn(*args)`` in a worker. Raises :class:`SandboxError`, or what ``fn`` raised."""
        if self._closed:
            raise SandboxError("busy", "the sandbox is closed")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        if self._slots.locked() and self.waiting >= self.queue:
            raise SandboxError("busy", f"{self.running} jobs running, {self.waiting} waiting")
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            return await self._in_worker(fn, args, limits or self.limits)
        finally:
            self.running -= 1
            self._slots.release()

    async def _in_worker(self, fn: Callable[..., T], args: tuple[Any, ...], limits: Limits) -> T:
        loop = asyncio.get_running_loop()
        worker = None
        while self._idle and worker is None:
            worker = self._idle.pop()
            if not worker.process.is_alive():  # killed from outside while idle: not this job's fault
                worker.kill()
                worker = None
        if worker is None:
            starting = self._io.submit(_Worker, self.limits)
            try:
                worker = await asyncio.wrap_future(starting)
            except asyncio.CancelledError:  # the worker still starts: end it
                starting.add_done_callback(_kill_started)
                raise
        try:
            kind, value = await worker.run(loop, self._io, fn, args, limits)
        except SandboxError as error:
            self.replaced += 1
            worker.kill()
            log.warning("sandbox job %s stopped: %s", getattr(fn, "__qualname__", fn), error)
            raise
        except BaseException:  # cancelled: the worker may still be busy with the job
            self.replaced += 1
            worker.kill()
            raise
        if self._closed:
            worker.kill()
        else:
            self._idle.append(worker)
        if kind == "error":
            raise value  # the job's own exception, from a healthy worker
        return value

    async def close(self) -> None:
        """Stop the idle workers (the running ones are stopped when their job ends)."""
        self._closed = True
        idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
        self._io.shutdown(wait=False, cancel_futures=True)


def _kill_started(starting: Future[_Worker]) -> None:
    if starting.exception() is None:
        starting.result().kill()


def context() -> multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext:
    """The fork server where there is one (a clean process to fork from, not the threaded server), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


class _Worker:
    """One worker process and its pipe (made in an I/O thread: starting a process blocks a little)."""

    def __init__(self, limits: Limits) -> None:
        ctx = context()
        self.memory_mb = limits.memory_mb
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(theirs, limits.memory_mb, limits.nice),
                                   name="cybercollege-sandbox", daemon=True)  # fmt: skip
        self.process.start()
        theirs.close()  # the worker's death is then an EOF on ours
        self._reading: Future[bytes] | None = None

    async def run(self, loop: asyncio.AbstractEventLoop, io: ThreadPoolExecutor, fn: Callable[..., Any],
                  args: tuple[Any, ...], limits: Limits) -> tuple[str, Any]:  # fmt: skip
        """("ok", result) or ("error", the job's exception); raises :class:`SandboxError`."""
        job = pickle.dumps((fn, args, limits.cpu_seconds), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            async with asyncio.timeout(limits.wall_seconds):
                await loop.run_in_executor(io, self.conn.send_bytes, job)  # the copy happens off the loop
                self._reading = io.submit(self.conn.recv_bytes)
                answer = await asyncio.wrap_future(self._reading)
        except TimeoutError:
            raise SandboxError("time", f"over {limits.wall_seconds:g} s of wall time") from None
        except (EOFError, OSError):
            raise self._died() from None
        kind, value = pickle.loads(answer)
        if kind == "memory":
            raise SandboxError("memory", f"MemoryError under {self.memory_mb} MiB")
        return kind, value

    def _died(self) -> SandboxError:
        self.process.join(5)
        return ended(self.process.exitcode)

    def kill(self) -> None:
        """End the process, then close the pipe (once no thread is reading it: its descriptor may be reused)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        if self._reading is not None and not self._reading.done():
            self._reading.add_done_callback(lambda _done: self._close())
        else:
            self._close()

    def _close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()


def ended(exitcode: int | None) -> SandboxError:
    """Why a sandboxed process that exited with ``exitcode`` ended (memory, time or crash)."""
    if exitcode == -signal.SIGXCPU:
        return SandboxError("time", "over its CPU time")
    if exitcode == -signal.SIGABRT:  # PDFium and other C++ libraries abort when an allocation fails
        return SandboxError("memory", "aborted (an allocation failed)")
    return SandboxError("crash", f"exit code {exitcode}")


def limit_self(memory_mb: int, nice: int) -> None:
    """In a sandboxed process, first thing: ``memory_mb`` MiB of address space, no core file, ``nice`` added."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a killed worker leaves no core file
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    with contextlib.suppress(OSError):
        os.nice(nice)


def _serve(conn: Connection, memory_mb: int, nice: int) -> None:
    """The worker: set its limits, then run jobs until the pipe closes."""
    limit_self(memory_mb, nice)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    while True:
        try:
            fn, args, cpu_seconds = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)  # RLIMIT_CPU counts the process's whole life
        soft = math.ceil(usage.ru_utime + usage.ru_stime + cpu_seconds)
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        try:
            answer: tuple[str, Any] = ("ok", fn(*args))
        except MemoryError:
            answer = ("memory", None)
        except Exception as exc:  # the job's own error, for its caller
            answer = ("error", exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that does not pickle
            data = pickle.dumps(("error", RuntimeError(f"{answer[1]!r} ({exc})")))
        conn.send_bytes(data)
        if answer[0] == "memory":
            return  # a worker that ran out of memory is not trusted with another job


def from_settings(settings: Settings) -> Pool:
    """The pool the settings ask for (``sandbox_*``; server/config.py)."""
    limits = Limits(settings.sandbox_memory_mb, settings.sandbox_cpu_seconds, settings.sandbox_wall_seconds)
    return Pool(settings.sandbox_workers, settings.sandbox_queue, limits)
