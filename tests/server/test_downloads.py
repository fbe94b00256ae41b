"""/downloads/: the client builds served with this server's address added, under content-hashed names."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.server.edge.app import build
from tests.server.conftest import make_settings


def fake_builds(folder: Path) -> None:
    """What scripts/build_client.py leaves in dist/client, small: a Windows zip, a Linux tar.gz, an installer."""
    folder.mkdir()
    with zipfile.ZipFile(folder / "cybercollege-0.1.0_win_amd64.zip", "w") as z:
        z.writestr("cybercollege/cybercollege.exe", b"MZ fake")
        z.writestr("cybercollege/data/modules.txt", "cybercollege.client.app\n")
    with tarfile.open(folder / "cybercollege-0.1.0_manylinux2014_x86_64.tar.gz", "w:gz") as t:
        for name, data in (("cybercollege/cybercollege", b"\x7fELF fake"), ("cybercollege/data/modules.txt", b"x\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    (folder / "cybercollege-0.1.0_win_amd64.exe").write_bytes(b"MZ installer")
    files = {
        "win_amd64": [{"file": "cybercollege-0.1.0_win_amd64.exe"}, {"file": "cybercollege-0.1.0_win_amd64.zip"}],
        "manylinux2014_x86_64": [{"file": "cybercollege-0.1.0_manylinux2014_x86_64.tar.gz"}],
    }
    (folder / "downloads.json").write_text(json.dumps({"version": "0.1.0", "files": files}))


@pytest.fixture
async def served(tmp_path: Path):
    fake_builds(tmp_path / "dist")
    srv = TestServer(build(make_settings(tmp_path, downloads=tmp_path / "dist")), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_the_page_lists_each_file_with_its_checksum_and_each_download_opens_on_this_server(served):
    base = str(served.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/downloads/", headers={"Accept-Language": "en"}) as resp:
            assert resp.status == 200
            page = await resp.text()
        assert "Download the Cybercollège client" in page and "Windows 10 and 11 (64-bit)" in page
        links = re.findall(r'href="/downloads/([^"]+)"', page)
        assert len(links) == 3
        for name in links:
            assert re.fullmatch(
                r"cybercollege-0\.1\.0-(win_amd64|manylinux2014_x86_64)-[0-9a-f]{12}\.(zip|tar\.gz|exe)", name
            ), name
            async with http.get(f"{base}/downloads/{name}") as resp:
                assert resp.status == 200
                assert "immutable" in resp.headers["Cache-Control"]
                body = await resp.read()
            digest = hashlib.sha256(body).hexdigest()
            assert digest in page and name.split("-")[-1].startswith(digest[:12])
            if name.endswith(".zip"):
                config = zipfile.ZipFile(io.BytesIO(body)).read("cybercollege/data/server.json")
            elif name.endswith(".tar.gz"):
                with tarfile.open(fileobj=io.BytesIO(body)) as archive:
                    config = archive.extractfile("cybercollege/data/server.json").read()
            else:
                assert body == b"MZ installer"  # the installer is served as built: the client asks once
                continue
            assert json.loads(config) == {"url": base}


async def test_latest_json_tells_a_starting_client_the_version_and_the_page(served):
    base = str(served.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http, http.get(f"{base}/downloads/latest.json") as resp:
        latest = await resp.json()
    assert latest["version"] == "0.1.0" and latest["page"] == f"{base}/downloads/"
    assert {f["platform"] for f in latest["files"]} == {"win_amd64", "manylinux2014_x86_64"}


async def test_an_unknown_file_is_a_sentence_in_the_users_language(served):
    base = str(served.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{base}/downloads/cybercollege-0.0.1-win_amd64-000000000000.zip",
            headers={"Accept-Language": "de-DE,de;q=0.9"},
        ) as resp:
            assert resp.status == 404
            assert "Diese Datei wird hier nicht (mehr) angeboten" in await resp.text()
        async with http.get(f"{base}/downloads/../../etc/passwd") as resp:
            assert resp.status == 404


async def test_without_builds_the_page_says_how_to_make_them(tmp_path):
    srv = TestServer(build(make_settings(tmp_path, downloads=tmp_path / "none")), host="127.0.0.1")
    await srv.start_server()
    base = str(srv.make_url("")).rstrip("/")
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/downloads/") as resp:
                assert resp.status == 200
                assert "python scripts/build_client.py" in await resp.text()
            async with http.get(f"{base}/downloads/latest.json") as resp:
                assert resp.status == 404
    finally:
        await srv.close()


async def test_the_colleges_home_page_links_the_downloads(served):
    async with aiohttp.ClientSession() as http, http.get(served.make_url("/"), headers={"Accept-Language": "en"}) as r:
        text = await r.text()
    assert 'href="/downloads/"' in text and "Download the client (Windows, macOS, Linux)" in text


async def test_a_broken_build_is_logged_and_the_page_still_answers(tmp_path):
    fake_builds(tmp_path / "dist")
    (tmp_path / "dist" / "cybercollege-0.1.0_win_amd64.zip").write_bytes(b"not a zip")
    srv = TestServer(build(make_settings(tmp_path, downloads=tmp_path / "dist")), host="127.0.0.1")
    await srv.start_server()
    try:
        async with aiohttp.ClientSession() as http, http.get(srv.make_url("/downloads/")) as resp:
            assert resp.status == 200
            assert "python scripts/build_client.py" in await resp.text()
    finally:
        await srv.close()


async def test_copies_for_at_most_four_addresses_stay_on_disk(tmp_path):
    from cybercollege.server.edge.downloads import MAX_ORIGINS, Downloads

    fake_builds(tmp_path / "dist")
    for port in range(MAX_ORIGINS + 3):  # a server reached at many addresses, one process after another
        await Downloads(tmp_path / "dist").for_server(f"http://127.0.0.1:{port}")
    assert len(list((tmp_path / "dist" / "served").iterdir())) == MAX_ORIGINS
