"""Collèges as tenants: two collèges on one secret, each admitting only its own schools' people, tokens and rooms."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege import worlds
from cybercollege.client.network import ConnectionRefused, WorldConnection, fetch_demo_token
from cybercollege.protocol import CloseCode, ErrorCode
from cybercollege.server.auth.ent.config import CasConfig
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.service import College, LoginService
from cybercollege.server.auth.tokens import TokenError, TokenService
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.world import World
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.guests.feature import Guests
from tests.server.conftest import another_college, make_settings

DEMO_UAI = "0699990Z"  # the demo directory's school, collège A's
OTHER_UAI = "0750002B"  # collège B's


def college_b(directory: Path, schools: tuple[str, ...] = (OTHER_UAI,)) -> Path:
    """A copy of the default world as collège B, « Collège Victor Hugo », serving ``schools``."""
    path = another_college(directory, "college-victor-hugo", schools)
    world = path / "world.toml"
    world.write_text(world.read_text("utf-8").replace("Collège Jean Moulin", "Collège Victor Hugo"), "utf-8")
    return path


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """Collège A (the default world) and collège B (another school), on one secret: their base URLs."""
    a = TestServer(build(make_settings(tmp_path / "a")), host="127.0.0.1")
    b = TestServer(build(make_settings(tmp_path / "b", world=college_b(tmp_path / "b" / "world"))), host="127.0.0.1")
    await a.start_server()
    await b.start_server()
    yield str(a.make_url("")).rstrip("/"), str(b.make_url("")).rstrip("/")
    await b.close()
    await a.close()


async def test_a_pupil_of_a_cannot_sign_in_at_b(two, http: aiohttp.ClientSession):
    _a, b = two
    async with http.post(f"{b}/auth/demo", json={"login": "lea.martin"}) as answer:
        assert answer.status == 403
        body = await answer.json()
    assert body["error"] == "other_school"
    assert "Ici, c'est le collège virtuel « Collège Victor Hugo »" in body["message"]
    assert f"appartient à un autre établissement (établissement {DEMO_UAI})" in body["message"]


async def test_a_token_of_a_is_refused_at_bs_gateway_and_api(two, http: aiohttp.ClientSession):
    a, b = two
    token = await fetch_demo_token(http, a, "lea.martin")
    conn = WorldConnection(http, b, token)
    with pytest.raises(ConnectionRefused) as refused:
        await conn.connect()
    assert (refused.value.code, refused.value.close_code) == (ErrorCode.WRONG_COLLEGE, CloseCode.UNAUTHORIZED)
    assert "ouverte dans un autre collège virtuel" in str(refused.value)
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{b}/api/lessons/next", headers=headers) as answer:
        assert answer.status == 403
        assert (await answer.json())["error"] == "wrong_college"
    async with http.get(f"{a}/api/lessons/next", headers=headers) as answer:
        assert answer.status == 200  # at home it works


async def test_a_guest_token_of_a_is_refused_at_b(two, http: aiohttp.ClientSession, tmp_path: Path):
    """A guest's token is bound to the inviting collège (its audience), as everyone's."""
    _a, b = two
    tokens_a = TokenService("s" * 40, audience="college-jean-moulin")  # A's secret and collège
    guest = Identity("guest:abc", "Frau Schmidt", Role.GUEST, "invitation", invitation="inv-1", affiliation="Köln")
    conn = WorldConnection(http, b, tokens_a.issue(guest))
    with pytest.raises(ConnectionRefused) as refused:
        await conn.connect()
    assert refused.value.code == ErrorCode.WRONG_COLLEGE
    assert "autre collège" in str(refused.value)


def test_a_token_of_no_college_or_another_is_refused():
    mine = TokenService("s" * 40, audience="college-a")
    theirs = TokenService("s" * 40, audience="college-b")
    nobody = TokenService("s" * 40)
    lea = Identity("demo:lea.martin", "Léa M.", Role.PUPIL, "demo", DEMO_UAI, ("4A",))
    assert mine.check(mine.issue(lea)).identity == lea
    for foreign in (theirs.issue(lea), nobody.issue(lea)):
        with pytest.raises(TokenError) as refused:
            mine.check(foreign)
        assert refused.value.code == "wrong_college"


# --- rooms: the school, and classes namespaced by it ------------------------------------------------------


def world_of(tmp_path: Path, schools: tuple[str, ...], classes: str = '["4A", "4B"]') -> World:
    """The default world serving ``schools``, Salle 103's classes as given."""
    path = another_college(tmp_path / "world", "college-x", schools)
    rooms = path / "salles.toml"
    rooms.write_text(rooms.read_text("utf-8").replace('classes = ["4A", "4B"]', f"classes = {classes}"), "utf-8")
    return World(worlds.load_world(path), make_settings(tmp_path))


def person(role: Role, school: str | None, *classes: str) -> Identity:
    return Identity(f"ent:{role.value}-{school}", "X", role, "ent", school, classes)


def test_staff_and_teachers_of_another_school_get_no_room_and_no_teacher_tools(tmp_path):
    world = world_of(tmp_path, (DEMO_UAI,))
    salle, hall = world.rooms["salle-103"], world.rooms["hall"]
    for outsider in (person(Role.STAFF, OTHER_UAI), person(Role.TEACHER, OTHER_UAI, "4A"), person(Role.STAFF, None)):
        assert not salle.allows(outsider)
        assert not salle.teaches(outsider) and not hall.teaches(outsider)
        assert not world.rooms["amphi"].allows(outsider)
    assert salle.teaches(person(Role.STAFF, DEMO_UAI)) and salle.teaches(person(Role.TEACHER, DEMO_UAI, "4A"))


def test_a_class_is_its_schools_own(tmp_path):
    """Two schools in one collège (a cité scolaire): "4A" of the second school is not the first school's "4A"."""
    world = world_of(tmp_path, (DEMO_UAI, OTHER_UAI), classes=f'["4A", "{OTHER_UAI}$4B"]')
    salle = world.rooms["salle-103"]
    assert salle.allows(person(Role.PUPIL, DEMO_UAI, "4A"))
    assert not salle.allows(person(Role.PUPIL, OTHER_UAI, "4A"))
    assert salle.allows(person(Role.PUPIL, OTHER_UAI, "4B"))
    assert not salle.allows(person(Role.PUPIL, DEMO_UAI, "4B"))
    assert not salle.teaches(person(Role.TEACHER, OTHER_UAI, "4A"))


def test_an_invitation_admits_its_schools_classes_only(tmp_path):
    """A teacher of the first school invites her 4A into the amphitheatre: the second school's 4A stays out."""
    guests = Guests(TokenService("s" * 40))
    path = another_college(tmp_path / "world", "college-x", (DEMO_UAI, OTHER_UAI))
    world = World(worlds.load_world(path), make_settings(tmp_path), features=[guests])
    now = time.time()
    guests.book.create(person(Role.TEACHER, DEMO_UAI, "4A"), partner_school="Gymnasium Köln", country="Allemagne",
                       language="allemand", room="amphi", classes=("4A",), valid_from=now - 60,
                       valid_until=now + 3600, max_guests=5)  # fmt: skip
    amphi = world.rooms["amphi"]
    assert amphi.allows(person(Role.PUPIL, DEMO_UAI, "4A"))
    assert not amphi.allows(person(Role.PUPIL, OTHER_UAI, "4A"))


def test_a_world_names_its_schools_clearly(tmp_path):
    path = another_college(tmp_path / "world", "college-x", ("0699990z",))
    with pytest.raises(worlds.WorldError) as bad:
        worlds.load_world(path)
    assert "world.schools[0]" in str(bad.value)


# --- ENT sign-in: this collège's schools, and the visitors an ENT admits -------------------------------------


def ent(**extra: object) -> CasConfig:
    return CasConfig(id="ent", name="ENT", protocol="cas", server_url="https://ent.example/cas", **extra)  # type: ignore[arg-type]


def test_sign_in_admits_the_colleges_schools_and_the_visitors_its_ent_allows():
    college = College("college-a", "Collège Jean Moulin", frozenset({DEMO_UAI}))
    strict = LoginService([ent()], TokenService("s" * 40), public_url="http://x", college=college)
    visits = LoginService([ent(visiting_roles=("staff",))], TokenService("s" * 40), public_url="http://x",
                          college=college)  # fmt: skip
    strict.refuse_other_school(person(Role.PUPIL, DEMO_UAI, "4A"))
    inspector = person(Role.STAFF, "0751234R")
    visits.refuse_other_school(inspector)
    for service, who in (
        (strict, inspector),
        (visits, person(Role.PUPIL, OTHER_UAI)),
        (strict, person(Role.TEACHER, None)),
    ):
        with pytest.raises(LoginError) as refused:
            service.refuse_other_school(who)
        assert refused.value.code == "other_school"
        assert "Ici, c'est le collège virtuel « Collège Jean Moulin »" in refused.value.message
        assert ("appartient à un autre établissement" if who.school_uai else "n'indique pas") in refused.value.message


def test_the_server_knows_its_schools(tmp_path):
    app = build(make_settings(tmp_path, world=college_b(tmp_path / "world", (OTHER_UAI, "0750003C"))))
    assert app[SERVICES].world.schools == (OTHER_UAI, "0750003C")
    assert app[SERVICES].settings.recordings_dir == Path("var/recordings/college-victor-hugo")  # recordings never mix
    app = build(make_settings(tmp_path, school_uai="0750009K"))  # the override
    assert app[SERVICES].world.schools == ("0750009K",)
