"""The staff pages over HTTP in demo mode: « Établissement », the audit log and « Données personnelles » (RGPD
export and erasure). Antoine Leroy (m.leroy, direction) is the school's staff; Claire Durand a teacher."""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from cybercollege.client.network import WorldConnection
from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.ent.demo import DEMO_DIRECTORY
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services
from cybercollege.server.persistence import AuditEvent
from cybercollege.server.portal.pages import Who, admits
from cybercollege.server.privacy import Privacy
from tests.idp.lemonldap import free_port
from tests.server.conference.test_world_conference import into
from tests.server.conftest import make_settings
from tests.server.portal.test_portal_http import OTHER_UAI, csrf_of, sign_in
from tests.server.waits import HANG, until

LEA = "demo:lea.martin"
STAFF_PAGES = ("/portal/school", "/portal/audit", "/portal/privacy", f"/portal/privacy/person?user={LEA}",
               f"/portal/privacy/erase?user={LEA}")  # fmt: skip


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    """The demo college, with a director of another school (m.ailleurs) too."""
    port = free_port()  # the login flow redirects to the public URL: the server must answer at it
    app = build(make_settings(tmp_path, port=port, recordings_dir=tmp_path / "recordings"))
    directory = app[DEMO_DIRECTORY]
    other = replace(directory.users["m.leroy"], user_id="demo:m.ailleurs", school_uai=OTHER_UAI)
    users = directory.users | {"m.ailleurs": other}
    app[DEMO_DIRECTORY] = DemoDirectory(directory.school_uai, directory.school_name, users)
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield client


async def text_of(response: ClientResponse) -> str:
    """The page's text as a reader sees it (entities such as &#39; unescaped)."""
    return html.unescape(await response.text())


def services_of(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def lea_plays(client: TestClient) -> Identity:
    """Léa comes in, walks to salle 103, chats there and leaves: a place, chat lines, audit rows, a stay."""
    services = services_of(client)
    lea = client.server.app[DEMO_DIRECTORY].users["lea.martin"]
    async with aiohttp.ClientSession() as http:
        conn = WorldConnection(http, str(client.make_url("")), services.tokens.issue(lea))
        await conn.connect()
        await into(conn, services, "salle-103")
        await conn.say("Bonjour, c'est Léa")
        await conn.wait_for(lambda m: any("c'est Léa" in c.text for c in m.chat), HANG)
        await conn.close()
    await until(lambda: LEA not in services.world.by_user, "Léa leaving")
    assert await services.writer.flush()
    return lea


async def test_staff_see_the_school_its_ents_rooms_and_retention(client: TestClient) -> None:
    landed = await sign_in(client, "m.leroy")
    nav = await landed.text()
    for link in ('href="/portal/school"', 'href="/portal/audit"', 'href="/portal/privacy"'):
        assert link in nav
    page = await client.get("/portal/school")
    text = await page.text()
    assert page.status == 200 and "Établissement" in text
    assert "Salle 103 – Anglais" in text and "Amphithéâtre" in text  # rooms from the world, with capacities
    capacity = client.server.app[SERVICES].world.rooms["salle-103"].spec.capacity
    assert re.search(rf"Salle 103 – Anglais</th>\s*<td[^>]*>{capacity}</td>", text)
    assert "30 jours" in text and "180 jours" in text  # chat and recordings, audit: the settings in effect
    assert "Europe/Paris" in text
    german = await text_of(await client.get("/portal/school", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert "Angebundene ENT" in german and "30 Tage" in german and "Aufbewahrungsfristen" in german


async def test_teachers_pupils_and_other_schools_get_403(client: TestClient) -> None:
    directory = client.server.app[DEMO_DIRECTORY]
    for login, why in (("mme.durand", "direction et aux personnels"), ("lea.martin", "Réservé aux personnels"),
                       ("m.ailleurs", "autre établissement")):  # fmt: skip
        client.session.cookie_jar.clear()
        landed = await sign_in(client, login)
        assert 'href="/portal/privacy"' not in await landed.text()  # not in her navigation either
        token = csrf_of(await landed.text()) if landed.status == 200 else ""
        at_the_door = landed.url.path.startswith("/auth/")  # another school's account may be refused at sign-in
        for path in STAFF_PAGES:
            response = await client.get(path, allow_redirects=False)
            if at_the_door:
                assert response.status == 302 and response.headers["Location"] == "/portal/", (login, path)
            else:
                assert response.status == 403 and why in await text_of(response), (login, path)
        for path in ("/portal/privacy/export", "/portal/privacy/erase"):
            refused = await client.post(path, data={"csrf": token, "user": LEA})
            assert refused.status == 403, (login, path)
    guest = Identity("guest:abc", "Lena", Role.GUEST, "guest", None, invitation="inv")
    assert not admits(Who.STAFF, guest, frozenset({directory.school_uai}))
    client.session.cookie_jar.clear()
    anonymous = await client.get("/portal/privacy", allow_redirects=False)
    assert anonymous.status == 302 and anonymous.headers["Location"] == "/portal/"


async def test_the_audit_log_is_filtered_paged_and_shows_no_secret(client: TestClient) -> None:
    services = services_of(client)
    await services.store.audit([AuditEvent("login", "demo:hugo.moreau", None, f"n={n}") for n in range(60)])
    secrets = "ST-1234567890abcdef eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl token=abc123 code=XYZ-987"
    await services.store.audit([AuditEvent("login_failed", None, None, secrets)])
    await sign_in(client, "m.leroy")
    page = await (await client.get("/portal/audit")).text()
    assert "login_failed" in page and "[redacted]" in page
    for secret in ("ST-1234567890abcdef", "eyJhbGciOiJSUzI1NiJ9", "abc123", "XYZ-987"):
        assert secret not in page
    hugo = await client.get("/portal/audit?user=demo:hugo.moreau&event=login")
    text = await hugo.text()
    assert text.count("<tr>") == 1 + 50 and "n=59" in text and "n=9" not in text  # newest first, 50 a page
    older = re.search(r'href="(/portal/audit\?[^"]*before=\d+)"', text)
    assert older is not None
    rest = await (await client.get(older.group(1).replace("&amp;", "&"))).text()
    assert rest.count("<tr>") == 1 + 10 and "n=9" in rest and "n=59" not in rest
    none = await (await client.get("/portal/audit?from=2020-01-01&to=2020-01-31")).text()
    assert "Aucune entrée ne correspond" in none
    bad = await client.get("/portal/audit?from=31/02/2026")
    assert bad.status == 400 and "Cette date n'est pas valide" in await text_of(bad)


async def test_the_export_is_complete_and_the_erasure_leaves_only_its_proof(client: TestClient) -> None:
    services = services_of(client)
    await lea_plays(client)
    staff = await sign_in(client, "m.leroy")
    token = csrf_of(await staff.text())

    found = await (await client.get("/portal/privacy?q=Léa")).text()  # her name, from the room's attendance
    assert f"/portal/privacy/person?user={LEA}".replace(":", "%3A") in found and "Léa M." in found
    by_id = await (await client.get("/portal/privacy?q=lea.mar")).text()
    assert "Léa M." in by_id

    refused = await client.post("/portal/privacy/export", data={"user": LEA})  # no CSRF token
    assert refused.status == 403 and "Demande refusée" in await refused.text()
    download = await client.post("/portal/privacy/export", data={"csrf": token, "user": LEA})
    assert download.status == 200 and "attachment" in download.headers["Content-Disposition"]
    data = json.loads(await download.text())
    held = data["data"]
    assert data["user_id"] == LEA and data["name"] == "Léa M."
    assert held["database"]["place"]["room_id"] == "salle-103"
    assert [line["text"] for line in held["database"]["chat"]] == ["Bonjour, c'est Léa"]
    assert {"join", "leave"} <= {event["event"] for event in held["database"]["audit"]}
    assert [stay["room_id"] for stay in held["attendance"]] == ["hall", "salle-103"]
    holders = {h.name for f in services.world.features.all for h in f.personal_data()}
    assert set(held) == {"database", "disabled", *holders} and held["disabled"] == []
    assert set(data["kept"]) == set(held)  # each store says how long it keeps what it holds

    refused = await client.post("/portal/privacy/erase", data={"csrf": "forged", "user": LEA})
    assert refused.status == 403
    confirm = await client.get(f"/portal/privacy/erase?user={LEA}")
    text = await text_of(confirm)
    assert "Effacer les données de Léa M. ?" in text and "preuve de l'effacement" in text
    erased = await client.post("/portal/privacy/erase", data={"csrf": csrf_of(text), "user": LEA})
    assert erased.status == 200 and "Données de Léa M. effacées" in await text_of(erased)

    assert await services.writer.flush()
    after = await services.store.export_user(LEA)
    assert after.place is None and after.chat == []
    (proof,) = after.audit  # only the proof of erasure stays: the date, her id, the counts, who asked
    assert proof.event == "user_forgotten" and "by=portal:demo:m.leroy" in proof.detail
    assert "attendance=2" in proof.detail and "Léa" not in proof.detail and "Bonjour" not in proof.detail
    assert (await Privacy.of(services.world, services.writer).export(LEA))["data"]["attendance"] == []
    log = await (await client.get(f"/portal/audit?user={LEA}")).text()
    assert "user_forgotten" in log and "by=portal:demo:m.leroy" in log and "data_exported" not in log


async def test_after_the_erasure_her_next_sign_in_starts_fresh(client: TestClient) -> None:
    services = services_of(client)
    lea = await lea_plays(client)
    async with aiohttp.ClientSession() as http:
        before = WorldConnection(http, str(client.make_url("")), services.tokens.issue(lea))
        assert (await before.connect()).room == "salle-103"  # her place came back: there is something to erase
        await sign_in(client, "m.leroy")
        confirm = await text_of(await client.get(f"/portal/privacy/erase?user={LEA}"))
        assert "elle sera sortie du collège virtuel" in confirm  # connected: she is taken out first
        await client.post("/portal/privacy/erase", data={"csrf": csrf_of(confirm), "user": LEA})
        async with asyncio.timeout(HANG):
            assert await before.wait_closed() == 4012  # she is told, and out
        assert await services.writer.flush()

        again = WorldConnection(http, str(client.make_url("")), services.tokens.issue(lea))
        welcome = await again.connect()
        assert welcome.room == services.world.spec.spawn_room  # no place: she starts at the entrance
        assert again.mirror.chat == []
        await again.close()
    await until(lambda: LEA not in services.world.by_user, "Léa leaving")
    assert await services.writer.flush()
    data = await Privacy.of(services.world, services.writer).export(LEA)
    events = [e["event"] for e in data["data"]["database"]["audit"]]
    assert events[0] == "user_forgotten" and events[1] == "join"  # nothing of before but the proof
    assert data["data"]["database"]["chat"] == []
    assert [stay["room_id"] for stay in data["data"]["attendance"]] == ["hall"]  # today's stay only


async def test_a_teachers_recordings_are_in_her_export_and_go_with_her_erasure(client: TestClient) -> None:
    services = services_of(client)
    root = services.settings.recordings_dir
    directory = root / "amphi-20261202T090000"
    directory.mkdir(parents=True)
    meta = {"room": "amphi", "started_by": {"id": 1, "name": "Claire Durand"}, "host_user": "demo:mme.durand",
            "started_at": "2026-12-02T09:00:00+00:00", "stopped_at": "2026-12-02T09:30:00+00:00",
            "participants": [{"id": 1, "name": "Claire Durand"}], "files": [], "retention_days": 30,
            "expires_at": "2027-01-01T09:00:00+00:00"}  # fmt: skip
    (directory / "recording.json").write_text(json.dumps(meta), encoding="utf-8")
    text = await text_of(await sign_in(client, "m.leroy"))
    exported = await client.post("/portal/privacy/export", data={"csrf": csrf_of(text), "user": "demo:mme.durand"})
    (recording,) = json.loads(await exported.text())["data"]["recordings"]
    assert recording["id"] == "amphi-20261202T090000" and recording["room_id"] == "amphi"
    erased = await client.post("/portal/privacy/erase", data={"csrf": csrf_of(text), "user": "demo:mme.durand"})
    assert erased.status == 200 and "Enregistrements des conférences : 1" in await text_of(erased)
    assert not directory.exists()


async def test_a_teachers_invitations_are_in_her_export_and_kept_by_her_erasure(client: TestClient) -> None:
    teacher = await text_of(await sign_in(client, "mme.durand"))
    body = {"room": "salle-103", "partner_school": "Gymnasium Köln", "country": "Allemagne", "language": "de",
            "classes": ["4A"], "valid_until": time.time() + 3600}  # fmt: skip
    created = await client.post("/api/invitations", json=body, headers={"X-CSRF-Token": csrf_of(teacher)})
    assert created.status == 201
    client.session.cookie_jar.clear()
    staff = await text_of(await sign_in(client, "m.leroy"))
    exported = await client.post("/portal/privacy/export", data={"csrf": csrf_of(staff), "user": "demo:mme.durand"})
    (invitation,) = json.loads(await exported.text())["data"]["invitations"]
    assert invitation["as"] == "teacher" and invitation["partner_school"] == "Gymnasium Köln"
    assert "code" not in json.dumps(invitation)  # never the code
    await client.post("/portal/privacy/erase", data={"csrf": csrf_of(staff), "user": "demo:mme.durand"})
    again = await client.post("/portal/privacy/export", data={"csrf": csrf_of(staff), "user": "demo:mme.durand"})
    assert len(json.loads(await again.text())["data"]["invitations"]) == 1  # the school's record stays
