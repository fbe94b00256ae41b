"""Client benchmark: frame time with N avatars in a classroom, and CPU per received position update.

    python -m benchmarks.client_bench [--avatars 50] [--seconds 10] [--size 1280x720] [--no-finish]

Offscreen on whatever GL the machine has (software llvmpipe here), ``gl-finish true`` so frame times
include the rasterisation. Server messages are real encoded FRAMEs fed through the client's own path
(protocol decode → Mirror → WorldView listener → lerp intervals), 20 per second as the server sends them.
See docs/client.md for the numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time

from panda3d.core import ConfigVariableBool, load_prc_file_data

ROOM = "salle-103"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="client_bench")
    p.add_argument("--avatars", type=int, default=50)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--size", default="1280x720")
    p.add_argument("--no-finish", action="store_true", help="do not wait for the GL to finish each frame")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    from client import display

    display.configure(offscreen=True, size=(width, height))
    load_prc_file_data("bench", "gl-finish false\n" if args.no_finish else "gl-finish true\n")
    results = run(display.base(), args.avatars, args.seconds)
    results["gl_finish"] = ConfigVariableBool("gl-finish").get_value()
    results["size"] = args.size
    print(json.dumps(results, indent=2) if args.json else report(results))
    return 0


def run(base, count: int, seconds: float) -> dict:
    import worlds
    from client.mirror import Mirror
    from client.view import WorldView
    from protocol.connection import ClientConnection

    world = worlds.load_world(worlds.default_world_path())
    view = WorldView(base, world)
    room = world.rooms[ROOM]
    view.start(1, "Bench", "pupil", ROOM, 42.3, 15.0, 90.0)  # at the back, facing the board
    mirror = Mirror()
    mirror.listeners.append(view.on_message)
    conn = ClientConnection()
    spots = _spots(room, count)
    mirror.apply(conn.receive(_welcome()))
    feed = Feed(conn, mirror, spots)
    feed.appear()
    for _ in range(20):  # warm up: shaders, textures, text
        base.graphicsEngine.render_frame()
    frames, cpu_updates, wall_updates = [], 0.0, 0.0
    start = time.perf_counter()
    next_tick = start
    while time.perf_counter() - start < seconds:
        now = time.perf_counter()
        if now >= next_tick:
            c0, w0 = time.process_time(), time.perf_counter()
            feed.tick()
            cpu_updates += time.process_time() - c0
            wall_updates += time.perf_counter() - w0
            next_tick += 0.05
        t0 = time.perf_counter()
        base.taskMgr.step()
        frames.append(time.perf_counter() - t0)
    updates = feed.updates
    frames.sort()
    geoms = sum(np.node().get_num_geoms() for np in base.render.find_all_matches("**/+GeomNode"))
    view.destroy()
    return {
        "avatars": count,
        "seconds": seconds,
        "frames": len(frames),
        "frame_ms_p50": round(statistics.median(frames) * 1000, 2),
        "frame_ms_p95": round(frames[int(len(frames) * 0.95)] * 1000, 2),
        "frame_ms_p99": round(frames[int(len(frames) * 0.99)] * 1000, 2),
        "fps_possible": round(1 / statistics.median(frames), 1),
        "updates": updates,
        "cpu_us_per_update": round(cpu_updates / max(updates, 1) * 1e6, 1),
        "wall_us_per_update": round(wall_updates / max(updates, 1) * 1e6, 1),
        "geoms_in_scene": geoms,
    }


class Feed:
    """Encoded FRAMEs for ``spots``: half of the avatars walk in small circles, half sit."""

    def __init__(self, conn, mirror, spots: list[tuple[float, float, float, int]]) -> None:
        self.conn, self.mirror, self.spots = conn, mirror, spots
        self.tick_no = 0
        self.updates = 0

    def appear(self) -> None:
        from protocol import encode_frame
        from protocol.codec import encode
        from protocol.messages import Appear, Avatar
        from protocol.quantize import heading_to_wire, to_cm

        events = [
            encode(Appear(Avatar(100 + i, f"Élève {i + 1}", "pupil", to_cm(x), to_cm(y), heading_to_wire(h), anim)))
            for i, (x, y, h, anim) in enumerate(self.spots)
        ]
        self.mirror.apply(self.conn.receive(encode_frame(0, events, [])))

    def tick(self) -> None:
        from protocol import encode_frame, encode_update
        from protocol.messages import Anim
        from protocol.quantize import heading_to_wire, to_cm

        self.tick_no += 1
        t = self.tick_no * 0.05
        updates = []
        for i, (x, y, h, anim) in enumerate(self.spots):
            if anim == Anim.WALK:
                a = t * 1.5 + i
                x, y, h = x + 0.5 * math.cos(a), y + 0.5 * math.sin(a), math.degrees(a) % 360.0
            updates.append(encode_update(100 + i, to_cm(x), to_cm(y), heading_to_wire(h), anim))
        data = encode_frame(self.tick_no, [], updates)
        self.mirror.apply(self.conn.receive(data))  # decode + mirror + view, as from the socket
        self.updates += len(updates)


def _spots(room, count: int) -> list[tuple[float, float, float, int]]:
    from protocol.messages import Anim

    spots: list[tuple[float, float, float, int]] = [
        (s.x, s.y, s.heading, Anim.SIT if i % 4 else Anim.HAND_UP) for i, s in enumerate(room.seats)
    ]
    spots = spots[: count // 2]
    x0, y0, x1, y1 = room.bounds
    i = 0
    while len(spots) < count:  # the rest walk in the aisles
        x, y = x0 + 0.8 + (i * 1.3) % (x1 - x0 - 1.6), y0 + 0.8 + (i * 0.9) % (y1 - y0 - 1.6)
        spots.append((x, y, 0.0, Anim.WALK))
        i += 1
    return spots


def _welcome() -> bytes:
    from protocol.codec import encode
    from protocol.messages import Avatar, Welcome

    return encode(Welcome(1, Avatar(1, "Bench", "pupil", 4230, 1500, 0, 0), ROOM, "r", "w", 20, {}))


def report(r: dict) -> str:
    return "\n".join(
        [
            f"client benchmark: {r['avatars']} avatars in {ROOM}, {r['size']}, gl-finish {r['gl_finish']}",
            f"  frame time  p50 {r['frame_ms_p50']} ms  p95 {r['frame_ms_p95']} ms  p99 {r['frame_ms_p99']} ms"
            f"  ({r['fps_possible']} fps possible, {r['frames']} frames)",
            f"  updates     {r['updates']} received: {r['cpu_us_per_update']} µs CPU each "
            f"(decode + mirror + view + interval)",
            f"  scene       {r['geoms_in_scene']} geoms drawn at most (before culling)",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
