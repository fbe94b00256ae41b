"""Two clients on a real server: they see each other, move, change rooms and chat."""

from __future__ import annotations

import asyncio

from cybercollege.client import scripts, style
from cybercollege.client.i18n import tr
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.messages import Anim
from tests.client.helpers import count_pixels, screenshot, until
from tests.client.sessions import in_world, start, stop


async def walk(conn: WorldConnection, x0: float, y0: float, x1: float, y1: float, steps: int = 10) -> None:
    """Move in small legal steps at walking speed."""
    for i in range(1, steps + 1):
        t = i / steps
        await conn.move(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, 180.0, Anim.WALK)
        await asyncio.sleep(0.05)
    await conn.move(x1, y1, 180.0, Anim.IDLE)


async def test_two_pupils_see_each_other_move_and_chat(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    hugo = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "hugo.moreau"))
    await hugo.connect()
    try:
        lea_id, hugo_id = session.conn.mirror.me, hugo.mirror.me
        view = session.view
        # Léa stands in the hall facing north; Hugo walks to 3 m in front of her.
        view.walker.heading = 0.0
        lx, ly = view.walker.x, view.walker.y
        hx, hy, _ = hugo.mirror.position
        await walk(hugo, hx, hy, lx, ly + 3.0)
        await until(lambda: hugo_id in view.layer.views, what="Hugo drawn")
        hugo_node = view.layer.views[hugo_id].root
        await until(lambda: abs(hugo_node.get_x() - lx) < 0.02 and abs(hugo_node.get_y() - (ly + 3)) < 0.02,
                    what="Hugo's avatar glided to where he walked")
        assert hugo_node.find("**/+TextNode").node().get_text() == "Hugo M."
        await driver.frames_later(3)
        tag_pixels = count_pixels(screenshot(base), style.ROLE_COLORS["pupil"][:3])
        assert tag_pixels > 40, "Hugo's blue name tag is on screen"

        # Hugo sees Léa, then sees her walk.
        await hugo.wait_for(lambda m: lea_id in m.avatars)
        await view.walk_to(lx + 1.5, ly)
        await hugo.wait_for(lambda m: abs(m.avatars[lea_id].x - (lx + 1.5)) < 0.2, timeout=3)

        # Chat both ways.
        await hugo.say("Salut Léa !")
        await until(lambda: "Hugo M. : Salut Léa !" in session.hud.chat.getText(), what="chat shown")
        session.controls.say("Salut Hugo")
        await hugo.wait_for(lambda m: any(c.text == "Salut Hugo" and c.sender == lea_id for c in m.chat))
        session.controls.say("@Hugo M. un secret")  # a whisper, only for Hugo
        await hugo.wait_for(lambda m: any(c.text == "un secret" and c.private for c in m.chat))
        await until(lambda: "[" + tr("private") + "] Léa M. : un secret" in session.hud.chat.getText())

        # Raising a hand shows on the other side.
        session.controls.hand()
        await hugo.wait_for(lambda m: m.avatars[lea_id].anim == Anim.HAND_UP)
        assert f"Léa M. ({tr('you')}) · {tr('role_pupil')} · {tr('hand_up')}" in session.hud.people.getText()
        await hugo.move(lx, ly + 3.0, 180.0, Anim.HAND_UP)  # Hugo raises his hand too
        await until(lambda: f"Hugo M. · {tr('role_pupil')} · {tr('hand_up')}" in session.hud.people.getText(),
                    what="Hugo's hand in the people panel")

        # Hugo leaves: his avatar and tag disappear from Léa's screen.
        await hugo.close()
        await until(lambda: hugo_id not in view.layer.views, what="Hugo removed")
        await driver.frames_later(3)
        assert count_pixels(screenshot(base), style.ROLE_COLORS["pupil"][:3]) < tag_pixels / 10
    finally:
        await hugo.close()
        await stop(session, task)


async def test_doors_lead_to_the_classroom_and_refuse_others(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    try:
        await scripts.go_to_room(session, "couloir")
        assert session.hud.room.getText() == "Couloir des salles"
        # Salle 101 is for 6A/6B: walking into its door is refused with a clear message.
        door = session.world.doors["porte-101"]
        lx, ly, _ = door.landing("couloir")
        await scripts.go(session, lx, ly)
        walking = asyncio.ensure_future(session.view.walk_to(door.x, door.y + 1.0, timeout=3))
        await until(lambda: session.hud.toast_text.getText() == tr("err_denied"), what="access denied toast")
        session.view.target = None
        await asyncio.gather(walking, return_exceptions=True)
        assert session.conn.mirror.room == "couloir"
        # Salle 103 is Léa's class (4A).
        await scripts.go_to_room(session, "salle-103")
        assert session.conn.mirror.room == "salle-103"
        assert session.hud.room.getText() == "Salle 103 – Anglais"
        assert session.view.world.rooms["salle-103"].contains(session.view.walker.x, session.view.walker.y)
        await scripts.sit_at(session, "salle-103-a-1-1")
        assert session.hud.sit["text"] == tr("stand")
    finally:
        await stop(session, task)
