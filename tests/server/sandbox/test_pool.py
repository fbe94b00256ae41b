"""The sandbox's pool: a job past its memory, CPU time or wall time is stopped with a reason, its worker is
replaced, and the next job works; a full queue answers busy at once."""

from __future__ import annotations

import asyncio
import math
import operator
import os
import time
from collections.abc import AsyncIterator

import pytest

from cybercollege.server.sandbox import Limits, Pool, SandboxError
from tests.server.waits import HANG, until


@pytest.fixture
async def pool() -> AsyncIterator[Pool]:
    pool = Pool(workers=1, queue=1, limits=Limits(memory_mb=512, cpu_seconds=HANG, wall_seconds=HANG))
    yield pool
    await pool.close()


async def test_a_worker_past_its_wall_time_is_killed_and_replaced(pool: Pool) -> None:
    first = await pool.run(os.getpid)
    with pytest.raises(SandboxError) as stopped:
        await pool.run(time.sleep, 3600, limits=Limits(wall_seconds=1))
    assert stopped.value.reason == "time" and pool.replaced == 1
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # the stuck worker is gone...
    assert await pool.run(operator.add, 2, 3) == 5  # ...and the next job runs in a new one
    assert await pool.run(os.getpid) != first


async def test_a_job_past_its_cpu_time_is_ended_by_the_kernel(pool: Pool) -> None:
    with pytest.raises(SandboxError) as stopped:
        await pool.run(math.factorial, 10**9, limits=Limits(cpu_seconds=1, wall_seconds=HANG))  # SIGXCPU
    assert stopped.value.reason == "time" and "CPU" in str(stopped.value)
    assert await pool.run(operator.add, 2, 3) == 5


async def test_a_job_past_its_memory_is_stopped_and_the_worker_replaced(pool: Pool) -> None:
    first = await pool.run(os.getpid)
    with pytest.raises(SandboxError) as stopped:
        await pool.run(bytearray, 1 << 30)  # 1 GiB in a 512 MiB worker: MemoryError
    assert stopped.value.reason == "memory"
    with pytest.raises(SandboxError) as aborted:
        await pool.run(os.abort)  # how PDFium ends when an allocation fails
    assert aborted.value.reason == "memory"
    assert await pool.run(os.getpid) != first and pool.replaced == 2


async def test_the_jobs_own_errors_come_back_and_the_worker_stays(pool: Pool) -> None:
    first = await pool.run(os.getpid)
    with pytest.raises(ValueError, match="invalid literal"):
        await pool.run(int, "douze")
    assert await pool.run(os.getpid) == first and pool.replaced == 0


async def test_a_full_queue_is_busy_at_once_and_a_cancelled_job_frees_its_worker(pool: Pool) -> None:
    first = await pool.run(os.getpid)  # the worker is started
    running = asyncio.create_task(pool.run(time.sleep, 3600))
    await until(lambda: pool.running == 1, "the first job in its worker")
    waiting = asyncio.create_task(pool.run(operator.add, 1, 1))
    await until(lambda: pool.waiting == 1, "the second job queued")
    with pytest.raises(SandboxError) as busy:
        await pool.run(operator.add, 2, 2)  # one worker busy, one job waiting: the queue is full
    assert busy.value.reason == "busy"
    running.cancel()  # the teacher gave up: the worker running it is killed, the queued job goes on
    with pytest.raises(asyncio.CancelledError):
        await running
    assert await waiting == 2 and pool.replaced == 1
    assert await pool.run(os.getpid) != first


async def test_several_jobs_run_at_once() -> None:
    pool = Pool(workers=2, queue=0, limits=Limits(wall_seconds=HANG))
    try:
        first = asyncio.create_task(pool.run(time.sleep, 3600))
        second = asyncio.create_task(pool.run(time.sleep, 3600))
        await until(lambda: pool.running == 2, "two jobs in two workers")
        assert pool.waiting == 0
        first.cancel()
        second.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
    finally:
        await pool.close()
