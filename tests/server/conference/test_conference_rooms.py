"""A conference that includes classrooms (CONF_LINK): the pupils of an included room take part from their
classroom, with real aiortc peers on loopback; a host leaves it out again, or the last host leaves."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from cybercollege.protocol import ErrorCode
from cybercollege.protocol.conference import ConfIce, ConfLeft, ConfLink, ConfRole, ConfRooms
from cybercollege.server.conference.conferencing import Conferencing
from cybercollege.server.edge.services import Services
from cybercollege.server.guests.feature import Guests
from tests.server.conference.client import wait_for
from tests.server.conference.test_world_conference import WorldConferenceClient, into
from tests.server.conftest import Connect


@contextlib.asynccontextmanager
async def clients(connect: Connect, *logins: str) -> AsyncIterator[list[WorldConferenceClient]]:
    """Logged-in world connections that answer subscribe offers and decode what they receive."""
    opened = [WorldConferenceClient(await connect(login)) for login in logins]
    try:
        yield opened
    finally:
        for client in opened:
            await client.close()


def rooms(client: WorldConferenceClient) -> list[Any]:
    return [m for m in client.received if isinstance(m, ConfRooms)]


def left(client: WorldConferenceClient, who: int) -> bool:
    return any(isinstance(m, ConfLeft) and m.participant == who for m in client.received)


def role(client: WorldConferenceClient, who: int) -> str | None:
    roles = [m.role for m in client.received if isinstance(m, ConfRole) and m.participant == who]
    return roles[-1] if roles else None


async def test_a_classroom_included_in_the_amphitheatre_conference(connect: Connect, services: Services) -> None:
    async with clients(connect, "mme.durand", "louis.girard") as (host, pupil):  # louis is in 6A
        teacher, louis = host.conn, pupil.conn
        await into(teacher, services, "amphi")
        await into(louis, services, "salle-101")
        await host.publish()
        await teacher.send(ConfLink("salle-101", True))
        await wait_for(lambda: rooms(host) and rooms(host)[-1].rooms == ["salle-101"], 5, "the host told")
        await wait_for(lambda: len(pupil.counters) >= 10, 15, "the pupil in class decoding the amphitheatre")
        assert pupil.counters == sorted(pupil.counters)
        assert any(isinstance(m, ConfIce) for m in pupil.received)
        assert rooms(pupil)[0] == ConfRooms("amphi", ["salle-101"])
        assert role(pupil, louis.mirror.me) == "audience" and role(host, louis.mirror.me) == "audience"
        assert louis.mirror.room == "salle-101", "the pupil stays in class"

        await teacher.send(ConfLink("salle-101", False))
        await wait_for(lambda: left(pupil, louis.mirror.me), 5, "the pupil out of the conference")
        await wait_for(lambda: rooms(host)[-1].rooms == [], 5, "the host told")
        await wait_for(lambda: left(host, louis.mirror.me), 5, "the host sees the pupil go")
        assert louis.mirror.room == "salle-101"


async def test_who_enters_or_leaves_an_included_room_joins_or_leaves(connect: Connect, services: Services) -> None:
    async with clients(connect, "mme.durand", "louis.girard") as (host, pupil):
        await into(host.conn, services, "amphi")
        await host.conn.send(ConfLink("salle-101", True))
        await wait_for(lambda: rooms(host) and rooms(host)[-1].rooms == ["salle-101"], 5, "included")
        louis = pupil.conn.mirror.me
        await into(pupil.conn, services, "salle-101")
        await wait_for(lambda: role(host, louis) == "audience", 5, "the pupil joins on entering")
        await into(pupil.conn, services, "hall")
        await wait_for(lambda: left(host, louis), 5, "the pupil leaves with the room")


async def test_the_teachers_of_an_included_room_are_hosts(connect: Connect, services: Services) -> None:
    async with clients(connect, "m.leroy", "mme.durand") as (host, durand):  # she teaches 6A
        await into(host.conn, services, "amphi")
        await into(durand.conn, services, "salle-101")
        await host.conn.send(ConfLink("salle-101", True))
        await wait_for(lambda: role(host, durand.conn.mirror.me) == "host", 5, "the class's teacher as host")
        await durand.conn.send(ConfLink("salle-101", False))  # a host of the conference may leave it out
        await wait_for(lambda: rooms(host) and rooms(host)[-1].rooms == [], 5, "left out by her")


async def test_included_rooms_end_with_the_last_host(connect: Connect, services: Services) -> None:
    async with clients(connect, "mme.durand", "louis.girard") as (host, pupil):
        louis = pupil.conn.mirror.me
        await into(host.conn, services, "amphi")
        await into(pupil.conn, services, "salle-101")
        await host.conn.send(ConfLink("salle-101", True))
        await wait_for(lambda: role(pupil, louis) == "audience", 5, "the pupil in the conference")
        await into(host.conn, services, "couloir")
        await wait_for(lambda: left(pupil, louis), 5, "the pupil out when no host is left")
        assert services.world.features.get(Conferencing).links == {}
        await into(pupil.conn, services, "hall")
        await into(pupil.conn, services, "salle-101")  # no conference any more in that room
        assert louis not in services.world.features.get(Conferencing).attending


async def test_refusals_say_why(connect: Connect, services: Services) -> None:
    bernard, durand, lea = await connect("m.bernard"), await connect("mme.durand"), await connect("lea.martin")

    async def refused(conn, msg, code: ErrorCode, words: str) -> None:
        before = len(conn.mirror.errors)
        await conn.send(msg)
        await conn.wait_for(lambda m: len(m.errors) > before)
        error = conn.mirror.errors[-1]
        assert (error.code, error.ref) == (code, ConfLink.__protocol__.code), error
        assert words in error.message, error.message

    await refused(bernard, ConfLink("salle-101", True), ErrorCode.UNEXPECTED_MESSAGE, "pas de conférence")
    await into(bernard, services, "amphi")
    await into(durand, services, "amphi")
    admitted = services.world.features.get(Guests).admitted
    admitted.setdefault("amphi", set()).add("demo:lea.martin")  # admitted, as an invitation would
    await refused(bernard, ConfLink("salle-101", True), ErrorCode.ACCESS_DENIED, "accès à Salle 101")  # not 6A/6B
    await refused(bernard, ConfLink("amphi", True), ErrorCode.INVALID_FIELD, "sa propre conférence")
    await refused(bernard, ConfLink("lobby", True), ErrorCode.INVALID_FIELD, "salle inconnue")
    await refused(bernard, ConfLink("salle-999", True), ErrorCode.INVALID_FIELD, "salle inconnue")
    await into(lea, services, "amphi")
    await refused(lea, ConfLink("salle-103", True), ErrorCode.ACCESS_DENIED, "seul l'hôte")
    assert services.world.features.get(Conferencing).links == {}
