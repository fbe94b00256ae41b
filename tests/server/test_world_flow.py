"""Real clients over real WebSockets: seeing each other, moving, chatting, doors, resume."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from aiohttp.test_utils import TestServer

from cybercollege.protocol import CloseCode, ErrorCode
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect
from tests.server.waits import answered, caught_up, until


async def test_two_pupils_see_each_other_in_the_hall(connect: Connect) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    assert lea.mirror.room == hugo.mirror.room == "hall"
    await lea.wait_for(lambda m: hugo.mirror.me in m.avatars)
    await hugo.wait_for(lambda m: lea.mirror.me in m.avatars)
    assert lea.mirror.avatars[hugo.mirror.me].name == "Hugo M."
    assert lea.mirror.avatars[hugo.mirror.me].role == "pupil"
    assert {m.name for m in hugo.mirror.members.values()} >= {"Léa M.", "Hugo M."}


async def test_moves_are_replicated(connect: Connect) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    x, y, _ = lea.mirror.position
    for i in range(1, 6):
        await lea.move(x + 0.2 * i, y, 90.0)
        await asyncio.sleep(0.05)
    await hugo.wait_for(lambda m: abs(m.avatars[lea.mirror.me].x - (x + 1.0)) < 0.01)
    seen = hugo.mirror.avatars[lea.mirror.me]
    assert abs(seen.heading - 90.0) < 0.1 and seen.anim == 1
    assert not lea.mirror.corrections


async def test_impossible_move_is_corrected(connect: Connect) -> None:
    lea = await connect("lea.martin")
    x, y, _ = lea.mirror.position
    seq = await lea.move(x + 30.0, y)  # 30 m in one step, through walls
    await lea.wait_for(lambda m: m.corrections)
    c = lea.mirror.corrections[0]
    assert c.seq == seq and abs(c.x / 100 - x) < 0.01


async def test_room_chat_reaches_the_room_only(connect: Connect) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    await lea.say("Bonjour la classe !")
    await hugo.wait_for(lambda m: m.chat)
    line = hugo.mirror.chat[0]
    assert (line.text, line.name, line.private) == ("Bonjour la classe !", "Léa M.", False)


async def test_whisper_between_pupils(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    chloe = await connect("chloe.garcia")
    await lea.whisper(hugo.mirror.me, "on se voit au CDI")
    await hugo.wait_for(lambda m: m.chat)
    assert hugo.mirror.chat[0].private and hugo.mirror.chat[0].text == "on se voit au CDI"
    await caught_up(chloe, services)  # had the whisper been sent to her, it would have arrived by now
    assert not chloe.mirror.chat


async def walk_to(conn, x: float, y: float, speed: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    """Walk in a straight line at ``speed`` m/s (20 moves a second)."""
    sx, sy, _ = conn.mirror.position
    steps = max(1, int(((x - sx) ** 2 + (y - sy) ** 2) ** 0.5 / (speed / 20)))
    for i in range(1, steps + 1):
        await conn.move(sx + (x - sx) * i / steps, sy + (y - sy) * i / steps)
        await asyncio.sleep(0.05)


async def go_through(conn, services: Services, door_id: str) -> None:  # type: ignore[no-untyped-def]
    door = services.world.spec.doors[door_id]
    here = conn.mirror.room
    lx, ly, _ = door.landing(here)
    await walk_to(conn, lx, ly)
    await conn.use_door(door_id)
    target = door.rooms[1] if door.rooms[0] == here else door.rooms[0]
    await conn.wait_for(lambda m: m.room == target)


async def test_pupil_walks_to_her_classroom(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")  # 4A: salle-103 is for 4A and 4B
    hugo = await connect("hugo.moreau")
    await go_through(lea, services, "hall-couloir")
    await hugo.wait_for(lambda m: lea.mirror.me not in m.avatars)
    await go_through(lea, services, "porte-103")
    assert lea.mirror.room == "salle-103"
    assert not lea.mirror.corrections
    await go_through(hugo, services, "hall-couloir")
    await go_through(hugo, services, "porte-103")
    await lea.wait_for(lambda m: hugo.mirror.me in m.avatars)


async def test_classroom_of_another_class_is_refused(connect: Connect, services: Services) -> None:
    nathan = await connect("nathan.roux")  # 5B: salle-101 is for 6A and 6B
    await go_through(nathan, services, "hall-couloir")
    door = services.world.spec.doors["porte-101"]
    lx, ly, _ = door.landing("couloir")
    await walk_to(nathan, lx, ly)
    await nathan.use_door("porte-101")
    await nathan.wait_for(lambda m: m.errors)
    assert nathan.mirror.errors[0].code == ErrorCode.ACCESS_DENIED
    assert nathan.mirror.room == "couloir"


async def test_door_too_far_and_unknown_door(connect: Connect) -> None:
    lea = await connect("lea.martin")
    await lea.use_door("porte-103")  # not a door of the hall
    await lea.use_door("hall-cour")  # a door of the hall, but far away
    await lea.wait_for(lambda m: len(m.errors) >= 2)
    assert [e.code for e in lea.mirror.errors] == [ErrorCode.UNKNOWN_DOOR, ErrorCode.DOOR_TOO_FAR]


async def test_resume_after_a_dropped_connection_keeps_the_place(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    x, y, _ = lea.mirror.position
    await lea.move(x + 0.3, y)
    await hugo.wait_for(lambda m: abs(m.avatars[lea.mirror.me].x - (x + 0.3)) < 0.01)
    me, resume = lea.mirror.me, lea.mirror.resume
    avatar = services.world.avatars[me]
    await lea.drop()
    await until(lambda: avatar.disconnected_at is not None or me not in services.world.avatars, "the drop noticed")
    await caught_up(hugo, services)  # had she been removed at once, hugo would have been told by now
    assert me in hugo.mirror.avatars  # still there during the grace period
    again = await connect("lea.martin", resume=resume)
    assert again.mirror.me == me
    assert abs(again.mirror.position[0] - (x + 0.3)) < 0.01
    await again.wait_for(lambda m: hugo.mirror.me in m.avatars)


async def test_avatar_leaves_after_the_grace_period(connect: Connect) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    await lea.drop()
    await hugo.wait_for(lambda m: lea.mirror.me not in m.members, timeout=6)


async def test_second_login_replaces_the_first(connect: Connect) -> None:
    first = await connect("lea.martin")
    second = await connect("lea.martin")
    assert second.mirror.me == first.mirror.me  # while the first is connected, no resume value is needed
    assert await asyncio.wait_for(first.wait_closed(), 10) == CloseCode.REPLACED


async def test_last_place_is_restored_at_next_login(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    await go_through(lea, services, "hall-couloir")
    x = lea.mirror.position[0]
    await lea.close()
    await services.writer.flush()
    again = await connect("lea.martin")
    assert again.mirror.room == "couloir"
    assert abs(again.mirror.position[0] - x) < 0.05


async def test_ping_round_trip(connect: Connect) -> None:
    lea = await connect("lea.martin")
    sent_ms = int(time.time() * 1000)
    pong = await answered(lea)
    received_ms = int(time.time() * 1000)
    assert sent_ms <= pong.server_ms <= received_ms  # answered after it was sent, before the answer came
    assert len(lea.mirror.pongs) == 1  # one PONG per PING


async def test_saved_place_in_a_room_that_no_longer_exists(connect: Connect, services: Services) -> None:
    from cybercollege.server.persistence import Place

    await services.store.save_places([Place("demo:lea.martin", "salle-999", 3.0, 4.0, 0.0)])
    lea = await connect("lea.martin")
    assert lea.mirror.room == "hall"


async def test_a_wrong_resume_value_does_not_reattach(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    x, y, _ = lea.mirror.position
    me = lea.mirror.me
    avatar = services.world.avatars[me]
    await lea.drop()
    await until(lambda: avatar.disconnected_at is not None, "the drop noticed")
    again = await connect("lea.martin", resume="not-her-resume-value")
    assert again.mirror.me != me  # a new avatar...
    assert abs(again.mirror.position[0] - x) < 0.01 and abs(again.mirror.position[1] - y) < 0.01  # ...in her place
    await again.wait_for(lambda m: any(e.code == ErrorCode.RESUME_FAILED for e in m.errors))
    await hugo.wait_for(lambda m: me not in m.members and again.mirror.me in m.members)  # the old one has left


async def test_no_resume_value_after_a_drop_is_a_new_arrival(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    me = lea.mirror.me
    avatar = services.world.avatars[me]
    await lea.drop()
    await until(lambda: avatar.disconnected_at is not None, "the drop noticed")
    again = await connect("lea.martin")
    assert again.mirror.me != me and me not in services.world.avatars
    await caught_up(again, services)
    assert not again.mirror.errors  # nothing to report: she did not ask to resume


async def test_resume_value_of_the_client_library_resumes(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    me = lea.mirror.me
    avatar = services.world.avatars[me]
    await lea.drop()
    await until(lambda: avatar.disconnected_at is not None, "the drop noticed")
    assert lea.protocol.resume == lea.mirror.resume
    again = await connect("lea.martin", resume=lea.protocol.resume)
    assert again.mirror.me == me


async def test_demo_login_tokens_last_as_documented(server: TestServer, http: aiohttp.ClientSession) -> None:
    async with http.post(server.make_url("/auth/demo"), json={"login": "lea.martin"}) as r:
        body = await r.json()
    assert body["expires_in"] == 900  # docs/protocol.md §6: min(900, token_ttl)
    assert body["token_type"] == "Bearer" and body["refresh_token"]
