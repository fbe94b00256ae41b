"""The département's front door over HTTP (server/departement/): its home page in five languages, the ENT sign-in
(a small CAS server that says which school she is of) ending on her collège's portal, the address for the desktop
client, the page for a school of no collège, and nothing kept once she is sent on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cybercollege.server.departement.app import build
from cybercollege.server.departement.config import DepartementConfigError, load, parse
from cybercollege.server.edge import cli

A_URL, B_URL = "https://jean-moulin.cybercollege.example.fr", "https://victor-hugo.cybercollege.example.fr"


def cas_success(uai: str, profile: str = "National_ELV") -> str:
    school = f"<cas:ENTPersonStructRattach>{uai}</cas:ENTPersonStructRattach>" if uai else ""
    return (
        '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
        f"<cas:user>zecuyer</cas:user><cas:attributes><cas:ENTPersonProfils>{profile}</cas:ENTPersonProfils>"
        f"{school}<cas:ENTPersonPrenom>Zoé</cas:ENTPersonPrenom><cas:ENTPersonNom>Écuyer</cas:ENTPersonNom>"
        "</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>"
    )


class Cas:
    """A CAS server whose one user is a pupil of ``uai`` (set per test)."""

    def __init__(self) -> None:
        self.uai = "0699990Z"
        self.profile = "National_ELV"
        self.app = web.Application()
        self.app.router.add_get("/cas/login", self.login)
        self.app.router.add_get("/cas/p3/serviceValidate", self.validate)

    async def login(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(request.query["service"] + "&ticket=ST-1-departement")

    async def validate(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=cas_success(self.uai, self.profile), content_type="text/xml")


def colleges_toml(cas_url: str, public_url: str) -> str:
    return f"""
name = "Collèges du Rhône"
public_url = "{public_url}"

[[college]]
id = "college-jean-moulin"
name = "Collège Jean Moulin"
url = "{A_URL}"
schools = ["0699990Z"]

[[college]]
id = "college-victor-hugo"
name = "Collège Victor Hugo"
url = "{B_URL}"
schools = ["0750002B", "0750003C"]

[[ent]]
id = "ent"
name = "ENT de l'académie"
protocol = "cas"
server_url = "{cas_url}"
"""


@pytest.fixture
async def cas() -> AsyncIterator[tuple[Cas, str]]:
    fake = Cas()
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/cas"))
    await server.close()


@pytest.fixture
async def front(cas: tuple[Cas, str], tmp_path: Path) -> AsyncIterator[TestServer]:
    from tests.server.test_lifecycle import free_port

    port = free_port()
    path = tmp_path / "colleges.toml"
    path.write_text(colleges_toml(cas[1], f"http://127.0.0.1:{port}"), encoding="utf-8")
    departement = load(path)
    server = TestServer(build(departement, f"http://127.0.0.1:{port}"), host="127.0.0.1", port=port)
    await server.start_server()
    yield server
    await server.close()


async def sign_in(front: TestServer, query: str = "ent=ent") -> aiohttp.ClientResponse:
    """A browser (with its cookies) from « Se connecter avec mon ENT » to the front door's last answer."""
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        answer = await http.get(front.make_url(f"/signin?{query}"), allow_redirects=False)
        while answer.status in (302, 303) and not answer.headers["Location"].startswith(("https://",)):
            location = answer.headers["Location"]
            url = location if location.startswith("http") else front.make_url(location)
            answer = await http.get(url, allow_redirects=False)
        await answer.read()
        return answer
    finally:
        await http.close()


async def test_the_home_page_says_what_it_is_lists_the_collèges_and_offers_the_ent(front: TestServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(front.make_url("/")) as answer:
            html = await answer.text()
            assert answer.status == 200 and answer.headers["Cache-Control"] == "no-store"
            assert "Content-Security-Policy" in answer.headers
        assert '<html lang="fr">' in html and "les collèges virtuels du département" in html
        assert "Collège Jean Moulin" in html and "Collège Victor Hugo" in html
        assert "Se connecter avec mon ENT" in html and 'href="/signin?ent=ent&amp;lang=fr"' in html
        for lang, words in (("en", "Sign in with my ENT"), ("de", "Mit meinem ENT anmelden"),
                            ("es", "Iniciar sesión con mi ENT"), ("it", "Accedi con il mio ENT")):  # fmt: skip
            async with http.get(front.make_url(f"/?lang={lang}")) as answer:
                assert words in await answer.text()
        async with http.get(front.make_url("/"), headers={"Accept-Language": "de-DE,de;q=0.9"}) as answer:
            assert '<html lang="de">' in await answer.text()
        async with http.get(front.make_url("/static/portal.css")) as answer:
            assert answer.status == 200


async def test_a_pupil_is_sent_to_her_collèges_portal_and_nothing_is_kept(
    front: TestServer, cas: tuple[Cas, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "cybercollege.ent")
    answer = await sign_in(front)
    assert answer.status == 303 and answer.headers["Location"] == A_URL + "/portal/"
    cas[0].uai = "0750003C"  # Victor Hugo's second school
    answer = await sign_in(front)
    assert answer.headers["Location"] == B_URL + "/portal/"
    ended = [r for r in caplog.records if r.getMessage().startswith("logout reason=departement_routed")]
    assert len(ended) == 2  # each login session ended as soon as her UAI was read


async def test_with_next_client_she_gets_the_address_for_the_application(front: TestServer) -> None:
    answer = await sign_in(front, "ent=ent&next=client&lang=en")
    html = await answer.text()
    assert answer.status == 200 and '<html lang="en">' in html
    assert "Your virtual collège is “Collège Jean Moulin”" in html
    assert f"cybercollege client --url {A_URL}" in html


async def test_a_school_of_no_collège_gets_a_page_saying_so(front: TestServer, cas: tuple[Cas, str]) -> None:
    cas[0].uai = "0330099W"
    answer = await sign_in(front)
    html = await answer.text()
    assert answer.status == 404
    assert "Pas de collège virtuel pour votre établissement" in html
    assert "l&#39;établissement 0330099W, qui n&#39;a pas de collège virtuel" in html
    cas[0].uai = ""
    answer = await sign_in(front, "ent=ent&lang=es")
    assert "Tu cuenta ENT no indica tu centro" in await answer.text()


async def test_an_account_the_ent_mapping_refuses_gets_the_front_doors_page(
    front: TestServer, cas: tuple[Cas, str]
) -> None:
    """A parent (no role in a collège): the ENT package's refusal, in the front door's layout, never a 500."""
    cas[0].profile = "National_TUT"
    answer = await sign_in(front)
    html = await answer.text()
    assert answer.status == 403 and "<h1>Connexion impossible</h1>" in html
    assert 'href="/?lang=fr"' in html and "Collèges du Rhône" in html


async def test_several_ents_are_offered_by_name(tmp_path: Path) -> None:
    import tomllib

    text = colleges_toml("https://ent.example.fr/cas", "http://127.0.0.1")
    text += '\n[[ent]]\nid = "educonnect"\nname = "ÉduConnect"\nprotocol = "cas"\nserver_url = "https://e.fr/cas"\n'
    server = TestServer(build(parse(tomllib.loads(text)), "http://127.0.0.1"), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http, http.get(server.make_url("/")) as answer:
            html = await answer.text()
        assert "Se connecter avec ENT de l&#39;académie" in html and "Se connecter avec ÉduConnect" in html
        assert "Se connecter avec mon ENT" not in html
    finally:
        await server.close()


async def test_bad_requests_get_a_clear_page(front: TestServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(front.make_url("/signin?ent=nope")) as answer:
            assert answer.status == 404 and "Cet ENT n&#39;est pas configuré ici" in await answer.text()
        async with http.get(front.make_url("/signin/done?code=x&state=y&lang=it")) as answer:
            assert answer.status == 400 and "Questo accesso è scaduto" in await answer.text()


async def test_a_replayed_return_from_the_ent_is_refused(front: TestServer) -> None:
    """The code and the cookie serve once: the same return again is « expired », not a second redirect."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # cookies of 127.0.0.1
        answer = await http.get(front.make_url("/signin?ent=ent"), allow_redirects=False)
        last = ""
        while answer.status in (302, 303) and not answer.headers["Location"].startswith("https://"):
            location = answer.headers["Location"]
            last = location if location.startswith("http") else str(front.make_url(location))
            answer = await http.get(last, allow_redirects=False)
        assert answer.status == 303 and "/signin/done" in urlsplit(last).path
        assert "code" in parse_qs(urlsplit(last).query)
        async with http.get(last, allow_redirects=False) as again:
            assert again.status == 400 and "expiré" in await again.text()


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.replace('"0750003C"', '"0699990Z"'), "UAI listed twice: 0699990Z"),
        (lambda t: t.replace('url = "https://jean', 'url = "ftp://jean'), "college.0.url"),
        (lambda t: t.replace('protocol = "cas"', 'protocol = "ldap"'), "ent"),
    ],
)
def test_a_bad_colleges_file_says_where(edit: Callable[[str], str], words: str, tmp_path: Path) -> None:
    import tomllib

    with pytest.raises(DepartementConfigError, match=words):
        parse(tomllib.loads(edit(colleges_toml("https://ent.example.fr/cas", "https://cybercollege.example.fr"))))


def test_the_command_says_what_is_wrong_with_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["departement", "--colleges", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err
