"""The naive baseline the benchmark compares against: relay every move to everyone in the room, as JSON.

No ticks, no batching, no interest management: each incoming move becomes one JSON text frame to each
other connected client, at once. This is what a first prototype usually does.

    python -m benchmarks.baseline_server --port 8800
"""

from __future__ import annotations

import argparse
import json

from aiohttp import WSMsgType, web

STATS = {"updates_out": 0, "frames_out": 0, "bytes_out": 0, "messages_in": 0, "connections": 0}


async def ws_handler(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(compress=False)
    await ws.prepare(request)
    clients: dict[int, web.WebSocketResponse] = request.app["clients"]
    my_id = request.app["next_id"] = request.app["next_id"] + 1
    clients[my_id] = ws
    STATS["connections"] += 1
    await ws.send_str(json.dumps({"t": "welcome", "id": my_id}))
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            STATS["messages_in"] += 1
            move = json.loads(msg.data)
            out = json.dumps({"t": "pos", "id": my_id, "x": move["x"], "y": move["y"], "h": move["h"]})
            for other_id, other in list(clients.items()):
                if other_id != my_id and not other.closed:
                    await other.send_str(out)
                    STATS["updates_out"] += 1
                    STATS["frames_out"] += 1
                    STATS["bytes_out"] += len(out)
    finally:
        clients.pop(my_id, None)
        STATS["connections"] -= 1
    return ws


async def stats(request: web.Request) -> web.Response:
    return web.json_response(STATS)


def make_app() -> web.Application:
    app = web.Application()
    app["clients"] = {}
    app["next_id"] = 0
    app.router.add_get("/ws", ws_handler)
    app.router.add_get("/stats", stats)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8800)
    args = parser.parse_args()
    web.run_app(make_app(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
