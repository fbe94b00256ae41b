"""Capacity of the platform with one and with two world-server processes (issue 15), in the same run.

    python -m benchmarks.capacity_bench                       # 200..1000 moving avatars, one then two processes
    python -m benchmarks.capacity_bench --counts 300,600 --window 8

"One process": one collège (the wide benchmark arena) holding every avatar. "Two processes": two collèges (the
arena under two ids, as a département runs them), each holding half. Both share one Redis (presence and the
collège locks, as in production); each has its SQLite file. The load is the same in both: two load generators
(benchmarks/load.py, the lean client), each driving half of the avatars at 20 Hz, so the only difference is how
many server processes share the work. For each total it reports the move -> update p99 (the worse of the two
generators), the servers' CPU, and updates delivered per second; the capacity of a configuration is the largest
total whose p99 stays under --p99-ms (150 ms); the scaling ratio is two's capacity over one's.
On a 2-core machine the generators take cores too: the ratio measures what a second process buys *here*.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.procstat import cpu_seconds
from benchmarks.world_bench import ARENAS, counters, free_port, get_json

ROOT = Path(__file__).resolve().parent.parent
BROKER = "redis://127.0.0.1:6379/13"


def arena_copy(directory: Path, college: str) -> Path:
    """The wide arena under another world id: another collège."""
    source, _ = ARENAS["wide"]
    target = directory / college
    shutil.copytree(source, target)
    world = target / "world.toml"
    world.write_text(world.read_text().replace('id = "bench-arena"', f'id = "{college}"', 1))
    return target


def start(port: int, world: Path, tmp: Path) -> subprocess.Popen[bytes]:
    log = open(tmp / f"{world.name}.log", "wb")  # noqa: SIM115 - a file, not a pipe: a full pipe would block it
    cmd = [
        sys.executable, "-m", "cybercollege.server", "serve", "--demo", "true", "--port", str(port),
        "--world", str(world), "--database-url", f"sqlite+aiosqlite:///{tmp}/{world.name}.db",
        "--broker-url", BROKER, "--log-level", "WARNING",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get_json(f"http://127.0.0.1:{port}/health", timeout=5)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((tmp / f"{world.name}.log").read_text()[-2000:]) from None
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def generator(base: str, count: int, first: int, args: argparse.Namespace, size: float) -> subprocess.Popen[bytes]:
    """One load generator: ``count`` avatars (demo logins from ``first``) walking in the arena at 20 Hz."""
    cmd = [
        sys.executable, "-m", "benchmarks.load", "--url", base, "--count", str(count), "--first", str(first),
        "--duration", str(args.warmup + args.window + 1), "--measure-after", str(args.warmup),
        "--observers", str(args.observers), "--size", str(size),
    ]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run(processes: int, total: int, args: argparse.Namespace) -> dict[str, Any]:
    subprocess.run(["redis-cli", "-n", "13", "flushdb"], check=True, capture_output=True)
    _, size = ARENAS["wide"]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        worlds = [arena_copy(tmp, f"bench-college-{n}") for n in range(processes)]
        ports = [free_port() for _ in worlds]
        servers: list[subprocess.Popen[bytes]] = []
        loads: list[subprocess.Popen[bytes]] = []
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        half = total // 2
        targets = [bases[0], bases[-1]]  # two generators, to one server or one each
        try:
            servers += [start(port, world, tmp) for port, world in zip(ports, worlds, strict=True)]
            loads += [generator(base, half, 1 + k * half, args, size) for k, base in enumerate(targets)]
            time.sleep(args.warmup)
            c0 = [counters("ours", b) for b in bases]
            cpu0, t0 = [cpu_seconds(s.pid) for s in servers], time.monotonic()
            time.sleep(args.window)
            c1 = [counters("ours", b) for b in bases]
            cpu1, t1 = [cpu_seconds(s.pid) for s in servers], time.monotonic()
            outputs = [load.communicate(timeout=180) for load in loads]
        finally:
            for load in loads:
                if load.poll() is None:
                    load.kill()
            for s in servers:
                s.terminate()
                s.wait(timeout=60)
    results = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs if out.strip()]
    p99s = [r["latency_ms"]["p99"] for r in results if r["latency_ms"]["p99"] is not None]
    elapsed = t1 - t0
    return {
        "processes": processes,
        "avatars": total,
        "connected": sum(r["counts"]["connected"] for r in results),
        "p99_ms": max(p99s) if len(p99s) == len(loads) else None,
        "p50_ms": max(r["latency_ms"]["p50"] or 0 for r in results) if results else None,
        "server_cpu_pct": [round(100 * (b - a) / elapsed, 1) for a, b in zip(cpu0, cpu1, strict=True)],
        "updates_per_s": round(sum(b["updates"] - a["updates"] for a, b in zip(c0, c1, strict=True)) / elapsed),
        "failures": sum(r["failures"] for r in results) + len(loads) - len(results),
        "first_failure": next((r["first_failure"] for r in results if r["first_failure"]), None),
    }


def capacity(rows: list[dict[str, Any]], processes: int, bound: float) -> int:
    """The largest total whose p99 stayed under ``bound`` with every avatar connected (0 if none)."""
    ok = [r["avatars"] for r in rows if r["processes"] == processes and r["p99_ms"] is not None
          and r["p99_ms"] < bound and r["connected"] == r["avatars"]]  # fmt: skip
    return max(ok, default=0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--counts", default="200,400,600,800,1000", help="total moving avatars, comma-separated")
    p.add_argument("--warmup", type=float, default=6.0)
    p.add_argument("--window", type=float, default=10.0)
    p.add_argument("--observers", type=int, default=20, help="avatars per generator whose receipts are timed")
    p.add_argument("--p99-ms", type=float, default=150.0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    rows = []
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    for total in (int(c) for c in args.counts.split(",")):
        for processes in (1, 2):  # alternating: both see the same machine
            row = run(processes, total, args)
            rows.append(row)
            if not args.json:
                print(f"{processes} process(es), {total} avatars: p99 {row['p99_ms']} ms, p50 {row['p50_ms']} ms, "
                      f"CPU {row['server_cpu_pct']} %, {row['updates_per_s']} updates/s, "
                      f"{row['connected']} connected, {row['failures']} failures", flush=True)  # fmt: skip
    one, two = capacity(rows, 1, args.p99_ms), capacity(rows, 2, args.p99_ms)
    summary = {"load_average_before": load_before, "rows": rows, "capacity": {"one": one, "two": two},
               "scaling": round(two / one, 2) if one else None}  # fmt: skip
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"capacity at p99 < {args.p99_ms:g} ms: one process {one}, two processes {two}; "
              f"scaling {summary['scaling']} (load average before: {' '.join(load_before)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
