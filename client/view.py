"""The world on screen for one connection: the college, the avatars, my avatar and the camera.

Fed by the mirror's listener (one call per server message) and by one Panda3D task per frame that moves
my avatar from the keyboard (or an autopilot), sends my moves at 20 Hz and places the camera.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from panda3d.core import NodePath

from cybercollege import worlds
from cybercollege.client import scene
from cybercollege.client.avatars import AvatarLayer, AvatarView
from cybercollege.client.boards import BoardLayer
from cybercollege.client.camera import Boom, Shot
from cybercollege.client.walker import Walker
from cybercollege.protocol.messages import Anim, Appear, Correction, Frame, Room, Vanish
from cybercollege.protocol.quantize import from_cm, heading_from_wire
from cybercollege.protocol.teacher import RoomState

SEND_INTERVAL = 0.05  # seconds between MOVE messages while moving (20 Hz)


class WorldView:
    """Draws ``world`` and the avatars of the current room; ``send_move(x, y, heading, anim)`` and
    ``use_door(door_id)`` are called when I move."""

    def __init__(self, base, world: worlds.World) -> None:
        self.base, self.world = base, world
        self.root = base.render.attach_new_node("view")
        self.scene = scene.build_world(world, self.root)
        scene.light(self.root)
        self.layer = AvatarLayer(self.root, floor=self.floor)
        self.boards = BoardLayer(self.root)
        self.board_state: Callable[[], dict] = dict  # the mirror's boards (set by the session)
        self.me: AvatarView | None = None
        self.me_id = 0
        self.walker: Walker | None = None
        self.waiting = ""  # the id of a room without geometry I am in (a guest's waiting room)
        self.send_move: Callable[[float, float, float, int], object] = lambda *a: None
        self.use_door: Callable[[str], object] = lambda door: None
        self.on_room: Callable[[worlds.Room | None], None] = lambda room: None
        self.keys: dict[str, bool] = {}
        self.target: tuple[float, float] | None = None  # autopilot
        self.pitch = -12.0
        self.boom: Boom | None = None  # the camera's arm in my room (client/camera.py)
        self.shot: Shot | None = None  # the camera's last placement, for tests
        self._sent = (0.0, 0.0, 0.0, -1)
        self._since_send = 0.0
        self._door_wait = 0.0
        self._mouse: tuple[float, float] | None = None
        self.updates = 0
        base.camLens.set_fov(70)
        base.camLens.set_near(0.1)
        self.task = base.taskMgr.add(self._frame, "world-view", sort=-10)

    def floor(self, x: float, y: float) -> float:
        room = self.walker.room if self.walker else None
        return room.floor_height(x, y) if room is not None else 0.0

    # --- server messages ---

    def start(self, me: int, name: str, role: str, room: str, x: float, y: float, heading: float) -> None:
        """Welcome: I am avatar ``me`` in ``room``."""
        self.me_id = me
        if self.me is None:
            self.me = AvatarView(self.root, me, name, role)
            self.me.tag.hide()
            self.layer.me = self.me  # marked too (spotlight, speaking)
        self.me.set_anim(Anim.IDLE)
        self._enter_room(room, x, y, heading)

    def _enter_room(self, room_id: str, x: float, y: float, heading: float) -> None:
        """Into a room of the world, or a server-side room without geometry (a guest's waiting room)."""
        self.layer.clear()
        self.target = None
        room = self.world.rooms.get(room_id)
        self.boards.enter(room)
        me = self.me
        if me is None:
            raise RuntimeError("entering a room before WELCOME")
        if room is None:
            self.walker, self.waiting = None, room_id
            me.root.hide()
            self.base.camera.set_pos_hpr(8.0, -6.0, 9.0, 0, -25, 0)  # the college seen from outside
            self.on_room(None)
            return
        self.waiting = ""
        me.root.show()
        self._show_near(room)
        seat = self._seat_kept(room, x, y)
        if self.walker is None:
            self.walker = Walker(room, x, y, heading)
        else:
            self.walker.place(room, x, y, heading)
        if seat is not None:
            self.walker.sit(seat)
            me.set_anim(Anim.SIT, True)
        self.boom = Boom(room)
        self._place_me()
        self.on_room(room)
        if seat is not None:
            self._sent = (0.0, 0.0, 0.0, -1)  # unsent: the server hears I am seated with the next frame

    def _seat_kept(self, room: worlds.Room, x: float, y: float) -> worlds.Seat | None:
        """Seated, and put back in the same room on my seat (a reconnection: a dropped network, a collège's standby
        taking over after a crash): I stay seated. Any other move stands me up."""
        w = self.walker
        if w is None or not w.seated or w.room.id != room.id:
            return None
        return next((s for s in room.seats if abs(s.x - x) < 0.05 and abs(s.y - y) < 0.05), None)

    def on_message(self, msg) -> None:
        """Mirror listener: reflect one server message on screen."""
        kind = type(msg)
        if kind is Frame:
            me, update = self.me_id, self.layer.update
            for u in msg.updates:
                if u.id != me:
                    update(u.id, u.x / 100.0, u.y / 100.0, heading_from_wire(u.heading), u.anim)
            self.updates += len(msg.updates)
        elif kind is Appear:
            a = msg.avatar
            if a.id != self.me_id:
                self.layer.add(a.id, a.name, a.role, from_cm(a.x), from_cm(a.y), heading_from_wire(a.heading),
                               a.anim)
        elif kind is Vanish:
            self.layer.remove(msg.id)
        elif isinstance(getattr(msg, "board", None), str):  # whiteboard events
            self.boards.event(msg, self.board_state())
        elif kind is Room and self.me is not None:
            self._enter_room(msg.room, from_cm(msg.x), from_cm(msg.y), heading_from_wire(msg.heading))
        elif kind is RoomState:
            self.layer.set_spotlight(msg.spotlight)
        elif kind is Correction and self.walker is not None:
            w = self.walker
            w.place(w.room, from_cm(msg.x), from_cm(msg.y), heading_from_wire(msg.heading))
            self._place_me()

    def _show_near(self, room: worlds.Room) -> None:
        """Draw only my room and the rooms its doors open on: the others are hidden behind walls."""
        near = {room.id, *(door.other(room.id) for door in room.doors)}
        for np in self.scene.find_all_matches("room-*"):
            if np.get_name().removeprefix("room-") in near:
                np.show()
            else:
                np.hide()

    # --- my avatar ---

    def _mine(self) -> tuple[AvatarView, Walker]:
        """My avatar and its walker: both exist while I am in a room with geometry."""
        if self.me is None or self.walker is None:
            raise RuntimeError("I am not in a room with geometry")
        return self.me, self.walker

    def _place_me(self) -> None:
        me, w = self._mine()
        me.place(w.x, w.y, self.floor(w.x, w.y), w.heading)
        self._sent = (w.x, w.y, w.heading, w.anim)

    def sit_or_stand(self, others: list[tuple[float, float]]) -> bool:
        """Sit at the nearest free seat, or stand up; False when no seat is near."""
        w = self.walker
        if w is None:
            return False
        if w.seated:
            w.stand()
        else:
            seat = w.nearest_seat(others)
            if seat is None:
                return False
            w.sit(seat)
        self.send_now()
        return True

    def toggle_hand(self) -> None:
        if self.walker is not None:
            self.walker.toggle_hand()
            self.send_now()

    def send_now(self) -> None:
        me, w = self._mine()
        me.set_anim(w.anim, w.seated)
        me.place(w.x, w.y, self.floor(w.x, w.y), w.heading)
        self._sent = (w.x, w.y, w.heading, w.anim)
        self._since_send = 0.0
        self.send_move(w.x, w.y, w.heading, w.anim)

    def _frame(self, task):
        dt = min(self.base.clock.get_dt(), 0.1)
        self.boards.refresh(self.board_state(), dt)
        w = self.walker
        if w is not None:
            self._drive(w, dt)
            self._camera(w, dt)
        return task.cont

    def _drive(self, w: Walker, dt: float) -> None:
        forward, strafe, turn = self._intent(w)
        door = w.step(dt, forward, strafe, turn, run=self.keys.get("run", False))
        self._door_wait = max(0.0, self._door_wait - dt)
        if door is not None and self._door_wait == 0.0:
            self._door_wait = 1.0
            self.use_door(door.id)
        me = self.me
        assert me is not None  # a walker exists only once start() has made my avatar
        me.set_anim(w.anim, w.seated)
        me.root.set_pos_hpr(w.x, w.y, self.floor(w.x, w.y), w.heading, 0, 0)
        self._since_send += dt
        state = (w.x, w.y, w.heading, w.anim)
        changed = state != self._sent
        if changed and (self._since_send >= SEND_INTERVAL or state[3] != self._sent[3]):
            self._sent, self._since_send = state, 0.0
            self.send_move(*state)

    def _intent(self, w: Walker) -> tuple[float, float, float]:
        if self.target is not None:
            tx, ty = self.target
            dx, dy = tx - w.x, ty - w.y
            if math.hypot(dx, dy) < 0.15:
                self.target = None
                return 0.0, 0.0, 0.0
            w.heading = math.degrees(math.atan2(-dx, dy)) % 360.0
            return 1.0, 0.0, 0.0
        k = self.keys.get
        forward = float(k("forward", False)) - float(k("back", False))
        turn = float(k("left", False)) - float(k("right", False))
        strafe = float(k("strafe_right", False)) - float(k("strafe_left", False))
        self._mouse_look(w)
        return forward, strafe, turn

    def _mouse_look(self, w: Walker) -> None:
        watcher = self.base.mouseWatcherNode
        if not self.keys.get("look") or watcher is None or not watcher.has_mouse():
            self._mouse = None
            return
        mx, my = watcher.get_mouse_x(), watcher.get_mouse_y()
        if self._mouse is not None:
            w.heading = (w.heading - (mx - self._mouse[0]) * 120.0) % 360.0
            self.pitch = max(-60.0, min(20.0, self.pitch + (my - self._mouse[1]) * 60.0))
        self._mouse = (mx, my)

    def _camera(self, w: Walker, dt: float) -> None:
        """Behind my avatar, pulled in front of the walls (client/camera.py)."""
        if self.boom is None or self.boom.room is not w.room:
            self.boom = Boom(w.room)
        shot = self.shot = self.boom.aim(w.x, w.y, self.floor(w.x, w.y), w.heading, self.pitch, dt)
        cam = self.base.camera
        cam.set_pos(*shot.eye)
        cam.look_at(NodePath(), *shot.target)

    async def walk_to(self, x: float, y: float, timeout: float = 20.0) -> None:
        """Autopilot: walk in a straight line to (x, y) with the normal controls and collisions."""
        self.target = (x, y)
        async with asyncio.timeout(timeout):
            while self.target is not None:
                await asyncio.sleep(0.02)

    def destroy(self) -> None:
        self.base.taskMgr.remove(self.task)
        self.layer.destroy()
        if self.me is not None:
            self.me.destroy()
        self.root.remove_node()
