import asyncio
import hashlib
import json

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cybercollege.client import content


async def test_world_is_fetched_by_hash_and_cached(server, http, tmp_path):
    world = await content.fetch_world(http, server.url, tmp_path)
    assert world.id == "college-jean-moulin" and "salle-103" in world.rooms
    blobs = list((tmp_path / "files").iterdir())
    assert blobs and all(hashlib.sha256(b.read_bytes()).hexdigest() == b.name for b in blobs)
    mtimes = {b: b.stat().st_mtime_ns for b in blobs}
    again = await content.fetch_world(http, server.url, tmp_path)  # from the cache: nothing rewritten
    assert again.id == world.id
    assert {b: b.stat().st_mtime_ns for b in blobs} == mtimes


async def test_a_corrupted_cache_is_downloaded_again(server, http, tmp_path):
    await content.fetch_world(http, server.url, tmp_path)
    world_toml = next((tmp_path / "worlds").glob("*/world/world.toml"))
    world_toml.write_text("garbage", encoding="utf-8")
    for blob in (tmp_path / "files").iterdir():
        blob.write_bytes(b"tampered")
    world = await content.fetch_world(http, server.url, tmp_path)
    assert "hall" in world.rooms


async def fake_server(files: list[dict], blobs: dict[str, bytes]) -> TestServer:
    async def manifest(request):
        return web.json_response({"world": "w", "hash": "a" * 64, "files": files})

    async def blob(request):
        return web.Response(body=blobs[request.match_info["sha"]])

    app = web.Application()
    app.router.add_get("/world/manifest", manifest)
    app.router.add_get("/files/{sha}", blob)
    s = TestServer(app, host="127.0.0.1")
    await s.start_server()
    return s


async def test_files_that_do_not_match_their_hash_are_refused(http, tmp_path):
    sha = hashlib.sha256(b"the real file").hexdigest()
    files = [{"path": "world/world.toml", "sha256": sha, "size": 13}]
    s = await fake_server(files, {sha: b"a different file"})
    try:
        with pytest.raises(content.ContentError, match="does not match"):
            await content.fetch_world(http, str(s.make_url("")).rstrip("/"), tmp_path)
    finally:
        await s.close()


async def test_paths_escaping_the_cache_are_refused(http, tmp_path):
    data = json.dumps({}).encode()
    sha = hashlib.sha256(data).hexdigest()
    s = await fake_server([{"path": "world/../../evil.toml", "sha256": sha, "size": len(data)}], {sha: data})
    try:
        with pytest.raises(content.ContentError, match="unsafe path"):
            await content.fetch_world(http, str(s.make_url("")).rstrip("/"), tmp_path)
    finally:
        await s.close()
    assert not (tmp_path.parent / "evil.toml").exists()


async def test_a_file_that_comes_in_pieces_is_read_whole(tmp_path):
    """Behind a proxy (nginx, proxy_buffering off) a file arrives in pieces: the client reads to the end, not just
    what the first read returns (a world file of 8,387 bytes was read as its first 8,192 and refused)."""
    body = b"x" * 8192 + b"y" * 195
    sha = hashlib.sha256(body).hexdigest()

    async def manifest(_):
        return web.json_response({"world": "w", "files": [{"path": "world/world.toml", "sha256": sha, "size": 8387}]})

    async def blob(request):
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await resp.write(body[:8192])
        await asyncio.sleep(0.2)  # the first piece reaches the client on its own (if not, this checks less)
        await resp.write(body[8192:])
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_get("/world/manifest", manifest)
    app.router.add_get("/files/{sha}", blob)
    s = TestServer(app, host="127.0.0.1")
    await s.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            data = await content._download(http, str(s.make_url("")).rstrip("/"), sha, len(body))
        assert data == body
    finally:
        await s.close()
