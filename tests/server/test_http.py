"""HTTP side of the server: health, metrics, the world manifest and files by content hash, demo login."""

from __future__ import annotations

import hashlib

import aiohttp
from aiohttp.test_utils import TestServer

from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect


async def test_health(server: TestServer, http: aiohttp.ClientSession) -> None:
    async with http.get(server.make_url("/health")) as r:
        assert r.status == 200
        assert (await r.json())["status"] == "ok"


async def test_metrics_count_what_happens(server: TestServer, http: aiohttp.ClientSession, connect: Connect) -> None:
    lea = await connect("lea.martin")
    await connect("hugo.moreau")
    x, y, _ = lea.mirror.position
    await lea.move(x + 0.2, y)
    await lea.ping()
    async with http.get(server.make_url("/metrics")) as r:
        text = await r.text()
    values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if line and line[0] != "#"}
    assert values["cybercollege_connections"] == 2
    assert values['cybercollege_room_members{room="hall"}'] == 2
    assert values["cybercollege_messages_in_total"] >= 2
    assert values["cybercollege_updates_out_total"] >= 1
    assert values["cybercollege_bytes_out_total"] > 0
    assert values["cybercollege_tick_seconds_count"] > 0


async def test_world_files_by_content_hash(server: TestServer, http: aiohttp.ClientSession, services: Services) -> None:
    async with http.get(server.make_url("/world/manifest")) as r:
        manifest = await r.json()
    assert manifest["world"] == services.world.spec.id
    paths = {f["path"] for f in manifest["files"]}
    assert "world/world.toml" in paths and "world/salles.toml" in paths
    entry = next(f for f in manifest["files"] if f["path"] == "world/world.toml")
    async with http.get(server.make_url(f"/files/{entry['sha256']}")) as r:
        body = await r.read()
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        etag = r.headers["ETag"]
    assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["size"]
    async with http.get(server.make_url(f"/files/{entry['sha256']}"), headers={"If-None-Match": etag}) as r:
        assert r.status == 304
    async with http.get(server.make_url("/files/" + "0" * 64)) as r:
        assert r.status == 404


async def test_welcome_names_the_world_hash(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    assert lea.mirror.world_hash == services.world_hash


async def test_demo_login_errors_are_clear(server: TestServer, http: aiohttp.ClientSession) -> None:
    async with http.post(server.make_url("/auth/demo"), json={"login": "nobody"}) as r:
        assert r.status == 404 and (await r.json())["error"] == "demo_unknown_user"
    async with http.post(server.make_url("/auth/demo"), data=b"not json") as r:
        assert r.status == 400 and (await r.json())["error"] == "bad_json"


async def test_sign_ins_and_failures_are_audited(
    server: TestServer, http: aiohttp.ClientSession, services: Services
) -> None:
    async with http.post(server.make_url("/auth/demo"), json={"login": "lea.martin"}) as r:
        token = (await r.json())["access_token"]
    async with http.post(server.make_url("/auth/demo"), json={"login": "nobody"}) as r:
        assert r.status == 404
    await services.writer.flush()
    events = await services.store.audit_log()
    assert ("login", "demo:lea.martin") in [(e.event, e.user_id) for e in events]
    failed = [e for e in events if e.event == "login_failed"]
    assert failed and "demo_unknown_user" in failed[0].detail
    assert all(token not in e.detail for e in events)


async def test_home_page_says_what_this_is(server: TestServer, http: aiohttp.ClientSession) -> None:
    async with http.get(server.make_url("/")) as r:
        text = await r.text()
    assert r.status == 200 and "Cybercollège" in text and "Mode démonstration" in text
    assert "cybercollege client --url" in text


async def test_metrics_need_their_token_when_one_is_set_and_are_off_in_production_without(tmp_path) -> None:
    """/metrics tells how many pupils are in which room: not for anyone on the internet."""
    from aiohttp.test_utils import TestServer as Server

    from cybercollege.server.edge.app import build
    from tests.server.conftest import make_settings

    async def status(settings_overrides: dict, headers: dict[str, str]) -> int:
        srv = Server(build(make_settings(tmp_path, **settings_overrides)), host="127.0.0.1")
        await srv.start_server()
        try:
            async with aiohttp.ClientSession() as http, http.get(srv.make_url("/metrics"), headers=headers) as r:
                return r.status
        finally:
            await srv.close()

    token = {"metrics_token": "m" * 32}
    assert await status(token, {}) == 401
    assert await status(token, {"Authorization": "Bearer wrong"}) == 401
    assert await status(token, {"Authorization": f"Bearer {'m' * 32}"}) == 200
    assert await status({"production": True, "demo": False}, {}) == 404
    assert await status({"production": True, "demo": False, **token}, {"Authorization": f"Bearer {'m' * 32}"}) == 200
