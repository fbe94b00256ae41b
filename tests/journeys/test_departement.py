"""Journey (issue 15): the département's one address sends each user to her collège by the UAI of her ENT account.

Behind nginx, ``cybercollege.test`` is the département's entry point (``cybercollege departement``), and
``a.cybercollege.test`` / ``b.cybercollege.test`` two collèges, real ``cybercollege serve`` processes on one
PostgreSQL and one Redis: Jean Moulin (school 0699990Z) and Victor Hugo (0750002B). The ENT is LemonLDAP::NG (CAS).
In Debian's Chromium: Zoé, a pupil of Jean Moulin, opens the département's address, signs in on the ENT's own page
and lands on Jean Moulin's portal; asking for the desktop client's address, she gets Jean Moulin's. Victor, a teacher
of Victor Hugo, lands on Victor Hugo's portal, which offers him its ENT sign-in.
Lucas, of a school with no collège here, gets the page saying so. Every page of the département is axe-clean.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.deploy.nginx import DOMAIN, nginx
from tests.idp import lemonldap, people
from tests.idp.chromium import chromium
from tests.journeys.portal_axe import assert_accessible, csp_reports
from tests.journeys.providers import lemonldap_sign_in
from tests.journeys.test_two_colleges import B_NAME, ENT, college_b, ent_file
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.processes import ROOT, Process, serve
from tests.server.redis_server import private_redis
from tests.server.test_lifecycle import free_port
from tests.server.waits import HANG

WAIT_MS = HANG * 1000
ENT_NAME = "ENT de l'académie"
RESOLVE = (  # the département's DNS: its names are nginx, here; nothing else resolves
    f"--host-resolver-rules=MAP {DOMAIN} 127.0.0.1, MAP *.{DOMAIN} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


@dataclass
class Site:
    front: str
    a: str
    b: str


def colleges_file(path: Path, front: str, a: str, b: str, cas_url: str) -> Path:
    path.write_text(
        f'name = "Collèges de test"\npublic_url = "{front}"\n\n'
        f'[[college]]\nid = "college-jean-moulin"\nname = "Collège Jean Moulin"\nurl = "{a}"\n'
        f'schools = ["{people.SCHOOL_UAI}"]\n\n'
        f'[[college]]\nid = "college-victor-hugo"\nname = "{B_NAME}"\nurl = "{b}"\nschools = ["{people.B_UAI}"]\n\n'
        f'[[ent]]\nid = "{ENT}"\nname = "{ENT_NAME}"\nprotocol = "cas"\nserver_url = "{cas_url}"\n',
        encoding="utf-8",
    )
    return path


async def departement(colleges: Path, public_url: str) -> Process:
    """``cybercollege departement`` as its systemd unit runs it, on a free port."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cybercollege.server", "departement", "--colleges", str(colleges), "--port", str(port),
        "--public-url", public_url, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    return Process(proc, port)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    listen = free_port()
    front, a, b = (f"http://{host}{DOMAIN}:{listen}" for host in ("", "a.", "b."))
    llng = lemonldap.start_portal(tmp_path / "llng", front)  # CAS: any service
    try:
        async with fresh_pg_database() as database, private_redis(tmp_path / "redis") as redis:
            ents_a, ents_b = ent_file(tmp_path / "a.toml", llng.cas_url), ent_file(tmp_path / "b.toml", llng.cas_url)
            jean_moulin = await serve(database.url, redis.url, "--ent-config", str(ents_a), "--public-url", a)
            victor_hugo = await serve(database.url, redis.url, "--world", str(college_b(tmp_path / "b")),
                                      "--ent-config", str(ents_b), "--public-url", b)  # fmt: skip
            entry = await departement(colleges_file(tmp_path / "colleges.toml", front, a, b, llng.cas_url), front)
            processes = (entry, victor_hugo, jean_moulin)
            try:
                async with aiohttp.ClientSession() as http:
                    for process in processes:
                        await process.wait_serving(http)
                ports = {"a": [jean_moulin.port], "b": [victor_hugo.port]}
                async with nginx(tmp_path / "nginx", listen, ports, departement=entry.port):
                    yield Site(front, a, b)
            finally:
                for process in processes:
                    await process.stop(signal.SIGTERM)
    finally:
        llng.stop()


async def sign_in_from_the_front(page, site: Site, person: people.Person, shots: Path, step: str) -> None:
    """The département's home page, « Se connecter avec mon ENT », the ENT's own login form."""
    await page.goto(site.front + "/")
    await assert_accessible(page, shots, f"{step}-1-departement")
    await page.get_by_role("link", name="Se connecter avec mon ENT").click()
    await page.wait_for_load_state()
    await page.screenshot(path=str(shots / f"{step}-2-ent.png"))
    assert not page.url.startswith(site.front)  # the password goes to the ENT's own page
    await lemonldap_sign_in(page, person)


async def test_each_user_is_sent_to_her_college_by_uai(site: Site, shots: Path) -> None:
    # Zoé, pupil of Jean Moulin: to Jean Moulin's portal; then the address for the desktop client.
    async with chromium(extra_args=RESOLVE) as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        refused = csp_reports(page)
        await sign_in_from_the_front(page, site, people.PUPIL, shots, "1-zoe")
        await page.wait_for_url(site.a + "/portal/")
        await page.screenshot(path=str(shots / "1-zoe-3-jean-moulin-portal.png"), full_page=True)
        assert "Collège Jean Moulin" in await page.inner_text("header")
        await page.goto(site.front + "/")
        await page.get_by_role("link", name="Trouver l'adresse de mon collège").click()  # the ENT remembers her
        await page.wait_for_url(site.front + "/signin/done*")
        await assert_accessible(page, shots, "1-zoe-4-client-address")
        text = await page.inner_text("main")
        assert "Votre collège virtuel est « Collège Jean Moulin »." in text
        assert f"cybercollege client --url {site.a}" in text
        assert refused == []

    # Victor, teacher of Victor Hugo: to Victor Hugo's portal.
    async with chromium(extra_args=RESOLVE) as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        await sign_in_from_the_front(page, site, people.B_TEACHER, shots, "2-victor")
        await page.wait_for_url(site.b + "/portal/")
        await page.screenshot(path=str(shots / "2-victor-3-victor-hugo-portal.png"), full_page=True)
        assert B_NAME in await page.inner_text("header")
        assert await page.get_by_role("link", name=f"Se connecter avec {ENT_NAME}").is_visible()

    # Lucas, of a school with no collège on the platform: a page that says so.
    async with chromium(extra_args=RESOLVE) as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        await sign_in_from_the_front(page, site, people.NO_COLLEGE_PUPIL, shots, "3-lucas")
        await page.wait_for_url(site.front + "/signin/done*")
        await assert_accessible(page, shots, "3-lucas-3-no-college")
        title = await page.get_by_role("heading", level=1).inner_text()
        assert title == "Pas de collège virtuel pour votre établissement"
        text = await page.inner_text("main")
        assert f"l'établissement {people.NO_COLLEGE_UAI}, qui n'a pas de collège virtuel" in text
