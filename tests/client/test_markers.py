"""Markers above heads (new looks): the teacher's spotlight, a raised hand, and speaking, seen in 3D.

The spotlight is set by a teacher through the server (``SPOTLIGHT``); the pupil's own client and another
pupil's both show the gold star above her and the ring at her feet, inside the frame (screenshots in
var/journeys/<test>/). A raised hand is the H key: the arm goes up (the pose the shader blends to) and a
hand icon shows.
"""

from __future__ import annotations

from pathlib import Path

from panda3d.core import NodePath, Point2, Point3

from cybercollege.client import figures
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.teacher import Spotlight
from tests.client.helpers import until
from tests.client.sessions import in_room, in_world, start, stop

ROOT = Path(__file__).resolve().parents[2]
ROOM = "salle-103"


def shots(name: str) -> Path:
    folder = ROOT / "var" / "journeys" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def on_screen(base, np: NodePath) -> bool:
    """``np``'s origin projects inside the window."""
    p = base.cam.get_relative_point(np, Point3(0, 0, 0))
    film = Point2()
    return bool(base.camLens.project(p, film)) and -1 < film.x < 1 and -1 < film.y < 1


def shader_vector(np: NodePath, name: str) -> tuple[float, ...]:
    """A vector shader input of ``np`` (keep the ShaderInput alive while reading: get_vector refers into it)."""
    value = np.get_shader_input(name)
    return tuple(value.get_vector())


def shown(np: NodePath | None) -> bool:
    return np is not None and not np.is_empty() and not np.is_hidden() and np.has_parent()


async def connect(http, server, login: str) -> WorldConnection:
    conn = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, login))
    await conn.connect()
    return conn


async def test_the_spotlight_shows_above_the_pupil_in_her_view_and_in_the_others(base, server, http, driver,
                                                                                 tmp_path):
    world, folder = server.world, shots("test_spotlight_markers")
    teacher = await connect(http, server, "mme.durand")
    lea = await connect(http, server, "lea.martin")
    world.move_to(world.avatars[teacher.mirror.me], world.rooms[ROOM], (36.0, 12.5, 270.0))
    world.move_to(world.avatars[lea.mirror.me], world.rooms[ROOM], (38.0, 13.6, 90.0))
    # Hugo's client, at the back of the class facing the board: Léa stands between him and the board.
    session, task = await start(base, http, driver, server.url, "hugo.moreau", tmp_path)
    try:
        await in_world(session)
        world.move_to(world.avatars[session.conn.mirror.me], world.rooms[ROOM], (41.5, 15.0, 90.0))
        await in_room(session, driver, ROOM)
        lea_id = lea.mirror.me
        await until(lambda: lea_id in session.view.layer.views, what="Léa drawn in Hugo's view")
        await teacher.send(Spotlight(lea_id))
        await until(lambda: session.conn.mirror.room_state is not None
                    and session.conn.mirror.room_state.spotlight == lea_id, what="the spotlight in Hugo's mirror")
        marks = session.view.layer.views[lea_id].marks
        await until(lambda: "star" in marks.nodes, what="the star above Léa")
        await driver.frames_later(3)
        assert shown(marks.nodes["star"]) and shown(marks.nodes["ring"])
        assert on_screen(base, marks.nodes["star"]), "the star is inside Hugo's frame"
        session.screenshot(folder / "1-hugo-sees-lea-in-the-spotlight.png")
        others = [v for i, v in session.view.layer.views.items() if i != lea_id]
        assert all("star" not in v.marks.nodes for v in others), "only Léa is marked"
    finally:
        await stop(session, task)
    await lea.close()

    # Léa's own client: she comes back (a new avatar), the teacher spotlights her again.
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await in_world(session)
        world.move_to(world.avatars[session.conn.mirror.me], world.rooms[ROOM], (38.5, 15.0, 90.0))
        await in_room(session, driver, ROOM)
        me = session.conn.mirror.me
        await teacher.send(Spotlight(me))
        await until(lambda: session.conn.mirror.room_state is not None
                    and session.conn.mirror.room_state.spotlight == me, what="the spotlight in Léa's mirror")
        marks = session.view.me.marks
        await until(lambda: "star" in marks.nodes, what="the star above Léa in her own view")
        await driver.frames_later(3)
        assert shown(marks.nodes["star"]) and on_screen(base, marks.nodes["star"])
        session.screenshot(folder / "2-lea-sees-herself-in-the-spotlight.png")
        await teacher.send(Spotlight(None))
        await until(lambda: "star" not in marks.nodes, what="the star gone when the spotlight ends")
        session.screenshot(folder / "3-spotlight-off.png")
    finally:
        await stop(session, task)
        await teacher.close()


async def test_a_raised_hand_lifts_the_arm_and_shows_a_hand_to_the_others(base, server, http, driver, tmp_path):
    world, folder = server.world, shots("test_hand_marker")
    hugo = await connect(http, server, "hugo.moreau")
    world.move_to(world.avatars[hugo.mirror.me], world.rooms[ROOM], (36.9, 13.0, 90.0))  # in the front aisle
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await in_world(session)
        world.move_to(world.avatars[session.conn.mirror.me], world.rooms[ROOM], (39.5, 15.0, 90.0))
        await in_room(session, driver, ROOM)
        me = session.view.me
        base.messenger.send("h")  # the key, as a pupil presses it
        await until(lambda: me.pose == figures.POSES[figures.Anim.HAND_UP], what="my arm going up")
        assert shader_vector(me.root, "pose_to") == (0.0, 0.0, 1.0, 0.0)
        assert "hand" not in me.marks.nodes, "no icon over my own head: it would hide the board"
        # Hugo raises his hand: Léa sees his arm up and a hand above his head.
        await until(lambda: hugo.mirror.me in session.view.layer.views, what="Hugo drawn")
        await hugo.wait_for(lambda m: m.room == ROOM)
        x, y, h = hugo.mirror.position
        await hugo.move(x, y, h, figures.Anim.HAND_UP)
        hugo_view = session.view.layer.views[hugo.mirror.me]
        await until(lambda: "hand" in hugo_view.marks.nodes,
                    what=f"the hand above Hugo (server anim {world.avatars[hugo.mirror.me].anim}, "
                         f"Léa sees {hugo_view.anim})")
        start_time = hugo_view.motion.x
        await until(lambda: base.clock.get_frame_time() > start_time + figures.BLEND, what="the blend's end")
        await driver.frames_later(2)
        assert hugo_view.pose == figures.POSES[figures.Anim.HAND_UP]
        assert shown(hugo_view.marks.nodes["hand"]) and on_screen(base, hugo_view.marks.nodes["hand"])
        session.screenshot(folder / "1-hands-up.png")
        await hugo.move(x, y, h, figures.Anim.IDLE)
        await until(lambda: "hand" not in hugo_view.marks.nodes, what="the hand gone when he lowers it")
        base.messenger.send("h")
        await until(lambda: me.pose == figures.POSES[figures.Anim.IDLE], what="my arm down")
    finally:
        await stop(session, task)
        await hugo.close()


async def test_who_speaks_moves_her_mouth_and_shows_sound_waves(base, driver):
    """The conference's ``speaking()`` (set by the session) is polled by the avatar layer."""
    from cybercollege.client import lighting
    from cybercollege.client.avatars import AvatarLayer

    if lighting.LOOKS == "old":
        return
    speaking: set[int] = set()
    layer = AvatarLayer(base.render)
    layer.speaking = lambda: speaking
    try:
        emma = layer.add(5, "Emma", "guest", 0.0, 6.0, 180.0, figures.Anim.IDLE)
        hugo = layer.add(6, "Hugo M.", "pupil", 1.0, 6.0, 180.0, figures.Anim.IDLE)
        speaking.add(5)
        await until(lambda: "waves" in emma.marks.nodes, what="sound waves above Emma")
        assert emma.motion.w == 1.0, "her mouth moves (the shader's speaking input)"
        assert shader_vector(emma.root, "motion")[3] == 1.0
        assert "waves" not in hugo.marks.nodes and hugo.motion.w == 0.0
        speaking.clear()
        await until(lambda: "waves" not in emma.marks.nodes, what="the waves gone when she stops")
        assert emma.motion.w == 0.0
    finally:
        layer.destroy()
