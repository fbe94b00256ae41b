"""World-server benchmark: N bots against a server process, against the naive baseline in the same run.

    python -m benchmarks.world_bench            # both servers at 50, 80, 120 bots (dense arena), then ours at 250-1000
    python -m benchmarks.world_bench --compare 50 --counts 1000 --window 10
    python -m benchmarks.world_bench --before /tmp/before   # also our server from an older checkout, same load

For each run it reports the server's CPU (% of one core), peak RSS, delivered updates/s, CPU per delivered
update, bytes per update, and end-to-end latency p50/p99 (a bot's move to another bot's receipt).
See docs/benchmarks.md for the method and the measured table.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.procstat import cpu_seconds, rss_mb

ROOT = Path(__file__).resolve().parent.parent
ARENAS = {"wide": (ROOT / "benchmarks" / "arena", 100.0), "dense": (ROOT / "benchmarks" / "arena-dense", 20.0)}
"""Arena worlds and their side (m): the wide one for scaling, the dense one (everyone near everyone) to
compare with the baseline at equal numbers."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 30) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def counters(kind: str, base: str) -> dict[str, float]:
    if kind == "baseline":
        s = get_json(f"{base}/stats")
        return {"updates": s["updates_out"], "bytes": s["bytes_out"], "frames": s["frames_out"]}
    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as r:
        text = r.read().decode()
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("cybercollege_") and " " in line:
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return {
        "updates": values.get("cybercollege_updates_out_total", 0.0),
        "bytes": values.get("cybercollege_bytes_out_total", 0.0),
        "frames": values.get("cybercollege_frames_out_total", 0.0),
    }


BEFORE: Path | None = None
"""``--before``: a checkout (``git worktree add /tmp/before <commit>``) whose server runs as kind ``before``."""


def start_server(kind: str, port: int, tmp: Path, arena: Path) -> subprocess.Popen:
    cwd = ROOT
    if kind == "baseline":
        cmd = [sys.executable, "-m", "benchmarks.baseline_server", "--port", str(port)]
    else:
        module = "cybercollege.server"
        if kind == "before":  # an older checkout: before the packages moved under cybercollege, its CLI was server.cli
            assert BEFORE is not None
            cwd = BEFORE
            module = "server.cli" if (BEFORE / "server" / "cli.py").exists() else module
        cmd = [
            sys.executable,
            "-m",
            module,
            "serve",
            "--demo",
            "true",
            "--port",
            str(port),
            "--world",
            str(arena),
            "--database-url",
            f"sqlite+aiosqlite:///{tmp}/bench.db",
            "--log-level",
            "WARNING",
        ]
    log = open(tmp / f"{kind}.log", "wb")  # noqa: SIM115 - a file, not a pipe: a full pipe would block the server
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/" + ("stats" if kind == "baseline" else "health")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get_json(url, timeout=5)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} server died: {(tmp / f'{kind}.log').read_text()[-2000:]}") from None
            time.sleep(0.2)
    raise RuntimeError(f"{kind} server did not start")


def run_one(kind: str, count: int, arena_name: str, args: argparse.Namespace) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    arena, size = ARENAS[arena_name]
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(kind, port, Path(tmp), arena)
        load_cmd = [
            sys.executable,
            "-m",
            "benchmarks.load",
            "--kind",
            "ours" if kind == "before" else kind,
            "--url",
            base,
            "--count",
            str(count),
            "--duration",
            str(args.warmup + args.window + 1),
            "--measure-after",
            str(args.warmup),
            "--observers",
            str(args.observers),
            "--hz",
            str(args.hz),
            "--size",
            str(size),
        ]
        load = subprocess.Popen(load_cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(args.warmup)
            c0, cpu0, load0, t0 = counters(kind, base), cpu_seconds(server.pid), cpu_seconds(load.pid), time.monotonic()
            peak = 0.0
            while time.monotonic() - t0 < args.window:
                time.sleep(0.5)
                peak = max(peak, rss_mb(server.pid))
            c1, cpu1, load1, t1 = counters(kind, base), cpu_seconds(server.pid), cpu_seconds(load.pid), time.monotonic()
            out, err = load.communicate(timeout=120)
        finally:
            server.terminate()
            server.wait(timeout=60)
            problems = [
                line
                for line in (Path(tmp) / f"{kind}.log").read_text().splitlines()
                if "WARNING" in line or "ERROR" in line
            ]
    elapsed = t1 - t0
    result: dict[str, Any] = (
        json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else {"error": err.decode()[-500:]}
    )
    updates = c1["updates"] - c0["updates"]
    cpu = cpu1 - cpu0
    return {
        "kind": kind,
        "arena": arena_name,
        "bots": count,
        "server_cpu_pct": round(100 * cpu / elapsed, 1),
        "rss_mb": round(peak, 1),
        "updates_per_s": round(updates / elapsed),
        "frames_per_s": round((c1["frames"] - c0["frames"]) / elapsed),
        "cpu_us_per_update": round(1e6 * cpu / updates, 2) if updates else None,
        "bytes_per_update": round((c1["bytes"] - c0["bytes"]) / updates, 1) if updates else None,
        "latency_ms": result.get("latency_ms"),
        "load_cpu_pct": round(100 * (load1 - load0) / elapsed, 1),
        "bots_connected": result.get("counts", {}).get("connected"),
        "bot_failures": result.get("failures"),
        "server_warnings": len(problems),
        "first_warning": problems[0][:200] if problems else None,
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| server | arena | bots | server CPU (% of a core) | RSS (MB) | updates delivered/s | CPU µs / update "
        "| bytes / update | latency p50 (ms) | latency p99 (ms) | load generator CPU (%) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lat = r["latency_ms"] or {}
        lines.append(
            f"| {r['kind']} | {r['arena']} | {r['bots']} | {r['server_cpu_pct']} | {r['rss_mb']} "
            f"| {r['updates_per_s']} "
            f"| {r['cpu_us_per_update']} | {r['bytes_per_update']} | {lat.get('p50')} | {lat.get('p99')} "
            f"| {r['load_cpu_pct']} |"
        )
    return "\n".join(lines)


def ratios(rows: list[dict]) -> str:
    ours = {(r["arena"], r["bots"]): r for r in rows if r["kind"] == "ours"}
    lines = []
    for r in rows:
        mine = ours.get((r["arena"], r["bots"]))
        if r["kind"] == "baseline" and mine and r["cpu_us_per_update"] and mine["cpu_us_per_update"]:
            ratio = r["cpu_us_per_update"] / mine["cpu_us_per_update"]
            lines.append(
                f"- {r['bots']} bots, {r['arena']} arena: the baseline uses {ratio:.1f}x more CPU per delivered "
                f"update than ours (p99 latency {r['latency_ms']['p99']} ms against {mine['latency_ms']['p99']} ms)"
            )
        if r["kind"] == "before" and mine and r["cpu_us_per_update"] and mine["cpu_us_per_update"]:
            ratio = r["cpu_us_per_update"] / mine["cpu_us_per_update"]
            lines.append(
                f"- {r['bots']} bots, {r['arena']} arena: before/now CPU per delivered update {ratio:.2f}x "
                f"(p99 latency {r['latency_ms']['p99']} ms before, {mine['latency_ms']['p99']} ms now)"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.world_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--compare", default="50,80,120", help="bot counts for both servers, in the dense arena")
    p.add_argument("--counts", default="250,500,1000", help="bot counts for our server, in the wide arena")
    p.add_argument("--warmup", type=float, default=10.0, help="seconds before measuring")
    p.add_argument("--window", type=float, default=15.0, help="seconds measured")
    p.add_argument("--observers", type=int, default=20, help="bots that decode and time what they receive")
    p.add_argument("--hz", type=float, default=20.0, help="moves per second per bot")
    p.add_argument("--json", type=Path, default=None, help="also write the rows to this JSON file")
    p.add_argument("--before", type=Path, default=None, help="an older checkout: its server is run beside ours")
    args = p.parse_args(argv)
    global BEFORE
    BEFORE = args.before
    rows = []
    compare = [int(n) for n in args.compare.split(",") if n]
    plan = [(kind, n, "dense") for n in compare for kind in ("baseline", "ours")]
    plan += [("ours", int(n), "wide") for n in args.counts.split(",") if n]
    if BEFORE is not None:
        plan = [step for kind, n, arena in plan for step in ([(kind, n, arena), ("before", n, arena)]
                                                                if kind == "ours" else [(kind, n, arena)])]
    for kind, n, arena in plan:
        row = run_one(kind, n, arena, args)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(table(rows))
    print()
    print(ratios(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
