"""« Enregistrements » over HTTP: who sees which recording (the host teacher, the school's staff), the list's facts,
the player's files served with their type and HTTP Range, download, delete (confirmation, CSRF, audit), and ids or
file names that try to leave the recordings directory."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from aiohttp.test_utils import TestClient, TestServer

from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.ent.demo import DEMO_DIRECTORY
from cybercollege.server.conference.recording import METADATA
from cybercollege.server.edge.app import build
from tests.idp.lemonldap import free_port
from tests.server.conftest import make_settings
from tests.server.portal.test_invitations_http import audits
from tests.server.portal.test_portal_http import OTHER_UAI, csrf_of, sign_in

MINE = "amphi-20261202T090000"
"""Mme Durand's recording: her camera and microphone, and a guest's microphone only."""
THEIRS = "salle-103-20261201T140000"
"""M. Bernard's."""


def webm(path: Path, video: bool = True) -> None:
    """A small real WebM: VP8 and Opus (what the recorder writes), or Opus only."""
    with av.open(str(path), "w", format="webm") as out:
        v = out.add_stream("libvpx", rate=15) if video else None
        a = out.add_stream("libopus", rate=48000)
        if v is not None:
            v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
            for i in range(15):
                frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 10, np.uint8), format="rgb24")
                frame.pts = i
                out.mux(v.encode(frame))
            out.mux(v.encode())
        for i in range(50):
            sound = av.AudioFrame.from_ndarray(np.zeros((1, 960), np.int16), format="s16", layout="mono")
            sound.sample_rate, sound.pts = 48000, i * 960
            out.mux(a.encode(sound))
        out.mux(a.encode())


def recorded(root: Path, name: str, room: str, host: str, host_name: str, files: dict[str, bool],
             stopped: str | None = "2026-12-02T09:02:05+00:00") -> Path:  # fmt: skip
    """A recording's directory as server/conference/recording.py writes it (``files``: name -> has video)."""
    directory = root / name
    directory.mkdir(parents=True)
    entries = []
    for n, (file, video) in enumerate(files.items(), 1):
        webm(directory / file, video)
        kinds = ["audio", "video"] if video else ["audio"]
        entries.append({"file": file, "participant": n, "name": f"Personne {n}",
                        "started_at": "2026-12-02T09:00:00+00:00", "kinds": kinds, "failed": None})  # fmt: skip
    meta = {"room": room, "started_by": {"id": 1, "name": host_name}, "host_user": host,
            "started_at": "2026-12-02T09:00:00+00:00", "stopped_at": stopped,
            "participants": [{"id": 1, "name": host_name}, {"id": 2, "name": "Emma"}], "files": entries,
            "retention_days": 30, "expires_at": "2027-01-01T09:00:00+00:00"}  # fmt: skip
    (directory / METADATA).write_text(json.dumps(meta), encoding="utf-8")
    return directory


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    port = free_port()
    root = tmp_path / "recordings"
    recorded(root, MINE, "amphi", "demo:mme.durand", "Claire Durand", {"1-1.webm": True, "2-1.webm": False})
    recorded(root, THEIRS, "salle-103", "demo:m.bernard", "Karim Bernard", {"5-1.webm": True})
    recorded(root, "amphi-20261202T110000", "amphi", "demo:mme.durand", "Claire Durand", {}, stopped=None)
    app = build(make_settings(tmp_path, port=port, recordings_dir=root))
    directory = app[DEMO_DIRECTORY]
    other = replace(directory.users["m.leroy"], user_id="demo:m.autre", school_uai=OTHER_UAI)  # staff elsewhere
    app[DEMO_DIRECTORY] = DemoDirectory(
        directory.school_uai, directory.school_name, directory.users | {"m.autre": other}
    )
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield client


async def test_she_sees_her_recordings_with_their_facts(client: TestClient) -> None:
    await sign_in(client, "mme.durand")
    page = await client.get("/portal/recordings")
    text = await page.text()
    assert page.status == 200 and "supprimés automatiquement 30 jours après" in text
    assert f'href="/portal/recordings/{MINE}"' in text and THEIRS not in text
    assert "amphi-20261202T110000" not in text  # still recording: not listed
    row = text.split(f'href="/portal/recordings/{MINE}"')[1].split("</tr>")[0]
    assert "Enregistrement du 02/12/2026 10:00" in row  # the college's time (Paris)
    for fact in ("Amphithéâtre", "2:05", "Claire Durand, Emma", " Mo", "01/01/2027"):
        assert fact in row, fact

    one = await (await client.get(f"/portal/recordings/{MINE}")).text()
    assert f'<video controls preload="metadata" src="/portal/recordings/{MINE}/files/1-1.webm"' in one
    assert f'<audio controls preload="metadata" src="/portal/recordings/{MINE}/files/2-1.webm"' in one
    assert f'href="/portal/recordings/{MINE}/files/1-1.webm?download=1"' in one
    assert "le 01/01/2027 (durée de conservation)" in one and "<script" not in one


async def test_the_files_play_and_seek_with_range_requests(client: TestClient, tmp_path: Path) -> None:
    await sign_in(client, "mme.durand")
    path = tmp_path / "recordings" / MINE / "1-1.webm"
    whole = path.read_bytes()
    url = f"/portal/recordings/{MINE}/files/1-1.webm"
    full = await client.get(url)
    assert full.status == 200 and full.content_type == "video/webm" and await full.read() == whole
    assert full.headers["Accept-Ranges"] == "bytes" and full.headers["Cache-Control"] == "no-store"
    part = await client.get(url, headers={"Range": "bytes=100-299"})
    assert part.status == 206 and part.headers["Content-Range"] == f"bytes 100-299/{len(whole)}"
    assert await part.read() == whole[100:300]
    tail = await client.get(url, headers={"Range": "bytes=-64"})
    assert tail.status == 206 and await tail.read() == whole[-64:]
    beyond = await client.get(url, headers={"Range": f"bytes={len(whole) + 10}-"})
    assert beyond.status == 416
    with av.open(str(path)) as container:  # what Chromium gets: WebM with VP8 and Opus
        assert sorted(s.codec_context.name for s in container.streams) == ["opus", "vp8"]
    sound = await client.get(f"/portal/recordings/{MINE}/files/2-1.webm")
    assert sound.status == 200 and sound.content_type == "audio/webm"
    download = await client.get(url + "?download=1")
    assert download.headers["Content-Disposition"] == f'attachment; filename="enregistrement-{MINE}-1-1.webm"'
    downloads = [e for e in await audits(client, "demo:mme.durand") if e.event == "recording_download"]
    assert [(e.room_id, e.detail) for e in downloads] == [("amphi", f"{MINE}/1-1.webm")]  # playing is not audited


async def test_ids_and_file_names_never_leave_the_directory(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "secret.webm").write_bytes(b"not yours")
    await sign_in(client, "m.leroy")  # staff: sees every recording of the school
    base = f"/portal/recordings/{MINE}/files"
    for path in (
        f"{base}/..%2F..%2Fsecret.webm",
        f"{base}/%2E%2E%2F%2E%2E%2Fsecret.webm",
        f"{base}/recording.json",
        f"{base}/9-9.webm",  # a take's name, but not one of this recording
        f"{base}/1-1.webm%00.txt",
        "/portal/recordings/..%2Fsecret.webm",
        "/portal/recordings/amphi-20261202T110000",  # still recording
        "/portal/recordings/AMPHI-20261202T090000",
        f"/portal/recordings/{'a' * 300}-20261202T090000",
    ):
        answer = await client.get(path)
        assert answer.status == 404, path
        assert b"not yours" not in await answer.read()
    dots = await client.get("/portal/recordings/%2E%2E/secret.webm")  # normalised to /portal/secret.webm
    assert dots.status == 404 and b"not yours" not in await dots.read()
    assert (await client.get(f"{base}/1-1.webm")).status == 200


async def test_only_the_host_and_the_school_staff_see_a_recording(client: TestClient) -> None:
    await sign_in(client, "m.bernard")
    text = await (await client.get("/portal/recordings")).text()
    assert THEIRS in text and MINE not in text
    for path in (f"/portal/recordings/{MINE}", f"/portal/recordings/{MINE}/files/1-1.webm",
                 f"/portal/recordings/{MINE}/delete"):  # fmt: skip
        answer = await client.get(path)
        assert answer.status == 404 and "Enregistrement introuvable" in await answer.text()
    client.session.cookie_jar.clear()
    await sign_in(client, "m.leroy")
    text = await (await client.get("/portal/recordings")).text()
    assert THEIRS in text and MINE in text
    for login in ("lea.martin", "m.autre"):  # (another school's login may be refused at the ENT step already)
        client.session.cookie_jar.clear()
        await sign_in(client, login)
        listed = await client.get("/portal/recordings")
        assert listed.status == 403 or listed.url.path == "/portal/"
        assert MINE not in await listed.text()
        played = await client.get(f"/portal/recordings/{MINE}/files/1-1.webm")
        assert played.status in (403, 200) and played.content_type == "text/html"  # a refusal or the sign-in page


async def test_she_deletes_one_after_confirming(client: TestClient, tmp_path: Path) -> None:
    directory = tmp_path / "recordings" / MINE
    client_text = await (await sign_in(client, "m.bernard")).text()
    refused = await client.post(f"/portal/recordings/{MINE}/delete", data={"csrf": csrf_of(client_text)})
    assert refused.status == 404 and directory.is_dir()  # not his
    client.session.cookie_jar.clear()
    await sign_in(client, "mme.durand")
    confirm = await client.get(f"/portal/recordings/{MINE}/delete")
    text = await confirm.text()
    assert confirm.status == 200 and "Supprimer l&#39;enregistrement ?" in text
    assert f'<form method="post" action="/portal/recordings/{MINE}/delete"' in text
    forged = await client.post(f"/portal/recordings/{MINE}/delete", data={"csrf": "forged"})
    assert forged.status == 403 and directory.is_dir()
    deleted = await client.post(f"/portal/recordings/{MINE}/delete", data={"csrf": csrf_of(text)})
    assert deleted.status == 200 and deleted.url.path == "/portal/recordings"
    assert "L&#39;enregistrement est supprimé." in await deleted.text() and not directory.exists()
    assert (await client.get(f"/portal/recordings/{MINE}")).status == 404
    events = await audits(client, "demo:mme.durand")
    assert [(e.event, e.room_id, e.detail) for e in events if e.event == "recording_delete"] == [
        ("recording_delete", "amphi", MINE)
    ]
