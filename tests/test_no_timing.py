"""The default test run holds nothing to a wall-clock threshold (issue 10; docs/benchmarks.md).

A test checks an ordering, a count or a condition; how fast something is belongs to a benchmark under
``benchmarks/``. Timeouts that only catch a hang (``wait_for(..., 60)``, ``tests/server/waits.py``) are not
comparisons and are not flagged. This test reads every test file's syntax tree and fails on:

- a comparison with a duration, by name: ``elapsed < 0.5``, ``max(lags) < 0.5``, ``p99 < 0.005``, or with
  what a ping returns (its round trip): ``await conn.ping() < 0.2``;
- a comparison with a difference of clock readings, ``time.monotonic() - start < 1``, or of instants
  compared with a number, ``first_at - joined < 1.0``;
- an assert message that names a bound in time: ``"answered within 2 s"``, ``"under 5 ms"``;
- the world's per-tick durations (``tick_seconds``) or ``timeit``, which only measure speed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).parent

DURATION = re.compile(
    r"^(\w+_)?(elapsed|latency|latencies|lag|lags|rtt|rtts|p50|p90|p99|duration|durations|took|frame_times?|worst)$"
)
"""Names of measured durations."""
ROUND_TRIPS = {"ping", "round_trip", "rtt"}
"""Calls that return a round trip in seconds."""
INSTANT = re.compile(r"(_at|_time|^t\d?|start|started|sent|joined|before|begin|now)$")
"""Names of instants (a difference of two is a duration)."""
CLOCKS = {"monotonic", "perf_counter", "process_time", "time", "get_real_time", "get_frame_time"}
"""Clock readings (``time.monotonic()``, ``loop.time()``, Panda3D's ``globalClock.get_real_time()``)."""
BOUND_IN_WORDS = re.compile(r"\b(within|under|less than|faster than|in)\s+[\d.,]+\s*(ms|µs|us|s|seconds?)\b")
SPEED_ONLY = {"tick_seconds", "timeit"}
ORDERS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)

ALLOWED: dict[str, str] = {
    "tests/client/test_markers.py:131": "waits until the client's frame clock has passed the pose blend: a condition",
    "tests/journeys/test_corridor.py:47": "the largest wall share of a frame so far (a fraction of pixels)",
    "tests/journeys/test_corridor.py:91": "the frame with the largest wall share (a fraction of pixels)",
}
"""``"path:line"`` -> why a comparison that looks timed is not (keep this short, and say why)."""


def _names(node: ast.AST) -> set[str]:
    """The names and attributes in ``node``, except inside ``len(...)`` (a count, not a duration)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len":
        return set()
    here = {node.id} if isinstance(node, ast.Name) else {node.attr} if isinstance(node, ast.Attribute) else set()
    return here.union(*(_names(child) for child in ast.iter_child_nodes(node)))


def _called(node: ast.AST) -> str | None:
    """The name of the function or method ``node`` calls, if it is a call."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
        if isinstance(node.func, ast.Name):
            return node.func.id
    return None


def _calls(node: ast.AST) -> set[str]:
    return {name for n in ast.walk(node) if (name := _called(n)) is not None}


def _reads_clock(node: ast.AST) -> bool:
    return bool(_calls(node) & CLOCKS)


def _clock_difference(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub) and (_reads_clock(n.left) or _reads_clock(n.right))
        for n in ast.walk(node)
    )


def _instants_against_a_number(node: ast.Compare) -> bool:
    """``a_at - b < 1.0``: a difference of instants on one side, a number on the other."""
    sides = [node.left, *node.comparators]
    numbers = [s for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, int | float)]
    differences = [
        s for s in sides if isinstance(s, ast.BinOp) and isinstance(s.op, ast.Sub)
        and any(INSTANT.search(n) for n in _names(s))
    ]
    return bool(numbers and differences)


def timed_checks(source: str) -> list[tuple[int, str]]:
    """``(line, why)`` for each wall-clock threshold in ``source``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(isinstance(op, ORDERS) for op in node.ops):
            named = sorted(n for n in _names(node) if DURATION.match(n))
            if named:
                found.append((node.lineno, f"compares a duration ({', '.join(named)})"))
            elif _calls(node) & ROUND_TRIPS:
                found.append((node.lineno, "compares a round trip"))
            elif _clock_difference(node) or _instants_against_a_number(node):
                found.append((node.lineno, "compares a difference of clock readings"))
        elif isinstance(node, ast.Assert) and node.msg is not None:
            for text in (n.value for n in ast.walk(node.msg) if isinstance(n, ast.Constant)):
                if isinstance(text, str) and BOUND_IN_WORDS.search(text):
                    found.append((node.lineno, f"a bound in time in its message: {text!r}"))
        elif isinstance(node, ast.Attribute | ast.Name | ast.alias):
            name = {ast.Attribute: "attr", ast.Name: "id", ast.alias: "name"}[type(node)]
            if getattr(node, name) in SPEED_ONLY:
                found.append((node.lineno, f"{getattr(node, name)} measures speed: a benchmark's business"))
    return found


def test_no_test_holds_anything_to_a_wall_clock_threshold() -> None:
    here = Path(__file__).resolve()
    offences = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.resolve() == here:
            continue
        where = path.relative_to(TESTS.parent).as_posix()
        for line, why in timed_checks(path.read_text(encoding="utf-8")):
            if f"{where}:{line}" not in ALLOWED:
                offences.append(f"{where}:{line}: {why}")
    assert not offences, "wall-clock thresholds in tests (move them to benchmarks/, see docs/benchmarks.md):\n" + (
        "\n".join(offences)
    )


def test_the_guard_sees_the_thresholds_it_replaced() -> None:
    """What the suite used to hold to a threshold (docs/benchmarks.md, "Timed tests they replace")."""
    flagged = [
        "assert p99 < 0.005",
        "assert max(lags) < 0.5",
        "assert rtt < 0.5",
        "assert await others[0].ping() < 0.2",
        "assert first_at - joined < 1.0",
        "assert requests[0] - sent_at < 0.5",
        "assert worst < 25.0, results",
        "assert max(world.tick_seconds[-40:]) < 0.05",
        "assert time.monotonic() - start < 1.0",
        "assert loop.time() - sent <= 2",
        "if elapsed > 0.5:\n    raise AssertionError('slow')",
        "assert first, 'the first picture within 1 s'",
        "import timeit",
    ]
    for source in flagged:
        assert timed_checks(source), source
    passed = [
        "assert len(rtts) == 600",  # a count
        "await asyncio.wait_for(conn.ping(), 60)",  # a hang detector
        "assert sent_ms <= pong.server_ms <= received_ms",  # an ordering
        "assert abs(x - 1.0) < 0.01",  # a distance
        "assert time.monotonic() < deadline",  # a hang detector's deadline
        "assert 600_000 - since_ms <= state.remaining_ms <= 600_000",  # a bound from the test's own clock
        "assert after[restart] < 10",  # a frame counter
        "assert ok, 'answered in order'",
        "assert len(worst) <= 25",  # a size
    ]
    for source in passed:
        assert not timed_checks(source), source
