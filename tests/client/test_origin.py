"""Which server the client opens on, and the offer of a newer client at start."""

from __future__ import annotations

import json
import sys

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from cybercollege.client import i18n, origin


def test_url_given_then_the_downloads_then_the_remembered_one_then_the_demo_server(tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERCOLLEGE_CONFIG", str(tmp_path / "config" / "settings.json"))
    bundled = tmp_path / "server.json"
    monkeypatch.setattr(origin, "bundled_file", lambda: bundled)
    assert origin.server_url(None) == origin.DEFAULT_URL
    origin.remember("https://college-b.example")
    assert origin.server_url(None) == "https://college-b.example"
    bundled.write_text(json.dumps({"url": "https://college-a.example/"}))
    assert origin.server_url(None) == "https://college-a.example"
    assert origin.server_url("http://10.0.0.5:8765/") == "http://10.0.0.5:8765"
    bundled.write_text("not json")
    assert origin.server_url(None) == "https://college-b.example"  # a broken file is ignored, never fatal


def test_a_checkout_has_no_bundled_server():
    assert not getattr(sys, "frozen", False)
    assert origin.bundled_file() is None


def test_versions_compare_by_number():
    assert origin.newer("0.10.0", "0.9.1") and origin.newer("1.0", "0.9.9")
    assert not origin.newer("0.1.0", "0.1.0") and not origin.newer("0.1.0", "0.2.0")
    assert not origin.newer("0.2.0-beta", "0.1.0")


async def test_a_newer_client_on_the_server_is_offered_in_the_users_language():
    async def latest(request: web.Request) -> web.Response:
        return web.json_response({"version": "0.2.0", "page": "https://college.example/downloads/"})

    app = web.Application()
    app.router.add_get("/downloads/latest.json", latest)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    base = str(srv.make_url("")).rstrip("/")
    try:
        async with aiohttp.ClientSession() as http:
            i18n.set_language("en")
            text = await origin.offer(http, base, mine="0.1.0")
            assert text == (
                "A new version of the client is available (0.2.0; you have 0.1.0): download it from "
                "https://college.example/downloads/"
            )
            assert await origin.offer(http, base, mine="0.2.0") == ""
            assert await origin.offer(http, "http://127.0.0.1:9", mine="0.1.0") == ""  # no server: no offer
    finally:
        i18n.set_language(i18n.DEFAULT)
        await srv.close()
