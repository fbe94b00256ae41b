"""Avatars on screen: figure, name tag, and smooth motion between 20 Hz server updates.

Each update starts a C++ lerp interval from where the avatar is drawn now to the new position, lasting
``BUFFER`` seconds: the avatar trails the server by about one buffer and keeps moving through a late
update. Panda3D's interval manager steps all of them in C++; no Python loop runs per frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from panda3d.core import ClockObject, LODNode, LVecBase4f, NodePath, TextNode
from panda3d.direct import CLerpInterval, CLerpNodePathInterval

from cybercollege.client import figures, lighting, markers, style
from cybercollege.client.i18n import tr
from cybercollege.protocol.messages import Anim

BUFFER = 0.1  # seconds of interpolation delay
SNAP_DISTANCE = 4.0  # metres: farther jumps (doors, resume) teleport
TAG_HEIGHT = 1.95
TAG_SCALE = 0.12
TAG_NEAR, TAG_FAR = 1.0, 30.0  # metres from the camera
# New looks: tags grow with distance, so that they stay small near (they no longer hide the class) and
# readable far: TAG_MIN up to TAG_GROW metres from the camera, then TAG_MIN * d / TAG_GROW, at most TAG_MAX.
TAG_MIN, TAG_GROW, TAG_MAX = 0.05, 3.0, 0.135
MARKER_HEIGHT = 2.3  # spotlight star, raised hand, speaking: above the name tag
# Seated, the name is a badge on the chest (on the back, seen from behind), pushed towards the camera out of
# the body: above the head it hid the faces of the row behind (the amphitheatre's rows, seen from the stage);
# on the chest it covers only its wearer. Tests: tests/client/test_name_tags.py.
SEATED_TAG_Z = 0.9  # below the seated face (its chin is at about 1.02 m)
SEATED_TAG_OFFSET = 0.32  # metres towards the camera
SEATED_TAG_MAX = 0.07
SEATED_TAG_FAR = 9.0  # farther, a badge would be too small to read and would only cover the rows around it


class AvatarView:
    """One avatar's nodes."""

    __slots__ = ("anim", "body", "id", "ival", "marks", "motion", "name", "palette", "pose", "pose_from", "role",
                 "root", "seated", "tag", "text")

    def __init__(self, parent: NodePath, avatar_id: int, name: str, role: str) -> None:
        self.id, self.name, self.role = avatar_id, name, role
        self.root = parent.attach_new_node(f"avatar-{avatar_id}")
        self.root.set_tag("avatar", str(avatar_id))
        self.palette = figures.palette_of(avatar_id)
        self.anim = -1
        self.seated = False
        self.body: NodePath | None = None
        self.ival: CLerpNodePathInterval | None = None
        self.pose = (0.0, 0.0, 0.0, 0.0)  # new looks: the pose blended to, from, and when the blend began
        self.pose_from = self.pose
        self.motion = LVecBase4f(-10.0, (avatar_id * 0.618) % 1.0, figures.WALK_RATE, 0.0)
        self.marks: markers.Marks | None = None
        if lighting.LOOKS != "old":
            self.body = figures.person(self.palette).instance_to(self.root)
            self.root.set_tag(lighting.LOOKS_TAG, "figure")
            self.root.set_shader_input("pose_from", LVecBase4f(*self.pose))
            self.root.set_shader_input("pose_to", LVecBase4f(*self.pose))
            self.root.set_shader_input("motion", LVecBase4f(self.motion))
            self.marks = markers.Marks(self.root, MARKER_HEIGHT)
        lod = LODNode("tag-lod")  # hide the tag when very close or far (evaluated in C++ at cull time)
        lod.add_switch(TAG_FAR, TAG_NEAR)
        self.tag = self.root.attach_new_node(lod)
        self.tag.set_pos(0, 0, TAG_HEIGHT)
        self.text = self.tag.attach_new_node(name_tag(name, role))
        self.text.set_scale(TAG_SCALE)
        self.text.set_billboard_point_eye()
        self.tag.set_bin("fixed", 10)  # after the scene; depth tested so walls and heads hide it
        self.tag.set_depth_write(False)
        self.tag.set_light_off()  # the role colour, exactly
        self.tag.hide(lighting.SHADOW_MASK)

    def set_anim(self, anim: int, seated: bool | None = None) -> None:
        """Show ``anim``; a hand raised right after sitting stays seated unless ``seated`` says otherwise."""
        if seated is None:
            seated = anim == Anim.SIT or (anim == Anim.HAND_UP and self.seated)
        if anim == self.anim and seated == self.seated:
            return
        first = self.anim == -1
        self.anim, self.seated = anim, seated
        self.tag.set_z(SEATED_TAG_Z if seated and self.marks is not None else TAG_HEIGHT - (0.35 if seated else 0.0))
        if self.marks is not None:
            self.text.set_billboard_point_eye(SEATED_TAG_OFFSET if seated else 0.0)
            self.tag.node().set_switch(0, SEATED_TAG_FAR if seated else TAG_FAR, TAG_NEAR)
        if self.marks is not None:
            self._blend(figures.pose_of(anim, seated), anim == Anim.RUN, first)
            self.marks.set_z(MARKER_HEIGHT - (0.35 if seated else 0.0))
            self.marks.hand(anim == Anim.HAND_UP)
            return
        if self.body is not None:
            self.body.remove_node()
        self.body = figures.figure(self.palette, anim, seated)
        self.body.reparent_to(self.root)

    def _blend(self, pose: tuple[float, float, float, float], running: bool, first: bool = False) -> None:
        """New looks: blend from the pose shown now to ``pose`` over figures.BLEND seconds (in the shader);
        the first pose is shown at once."""
        now = ClockObject.get_global_clock().get_frame_time()
        shown = pose if first else figures.blended(self.pose_from, self.pose, now - self.motion.x)
        self.pose_from, self.pose = shown, pose
        self.motion.x = now
        self.motion.z = figures.WALK_RATE * (1.6 if running else 1.0)
        self.root.set_shader_input("pose_from", LVecBase4f(*shown))
        self.root.set_shader_input("pose_to", LVecBase4f(*pose))
        self.root.set_shader_input("motion", LVecBase4f(self.motion))  # a copy: inputs keep what they were given

    def set_speaking(self, on: bool) -> None:
        """New looks: the mouth moves and a sound-wave icon shows above the head."""
        if self.marks is not None and self.marks.speaking != on:
            self.motion.w = 1.0 if on else 0.0
            self.root.set_shader_input("motion", LVecBase4f(self.motion))
            self.marks.speak(on)

    def set_spotlight(self, on: bool) -> None:
        """New looks: a gold star above the head and a ring of light around the feet."""
        if self.marks is not None:
            self.marks.spotlight(on)

    def place(self, x: float, y: float, z: float, heading: float) -> None:
        """Jump there at once."""
        self._stop()
        self.root.set_pos_hpr(x, y, z, heading, 0, 0)

    def glide(self, x: float, y: float, z: float, heading: float, duration: float = BUFFER) -> None:
        """Move there smoothly over ``duration`` seconds, from wherever the avatar is drawn now."""
        pos = self.root.get_pos()
        if (pos.x - x) ** 2 + (pos.y - y) ** 2 > SNAP_DISTANCE * SNAP_DISTANCE:
            self.place(x, y, z, heading)
            return
        self._stop()
        h = self.root.get_h()
        heading = h + ((heading - h + 180.0) % 360.0 - 180.0)  # turn the short way
        ival = CLerpNodePathInterval("glide", duration, CLerpInterval.BT_no_blend, True, False, self.root,
                                     NodePath())
        ival.set_end_pos((x, y, z))
        ival.set_end_hpr((heading, 0, 0))
        ival.start()
        self.ival = ival

    def _stop(self) -> None:
        if self.ival is not None:
            self.ival.pause()
            self.ival = None

    def destroy(self) -> None:
        self._stop()
        if self.marks is not None:
            self.marks.destroy()
        self.root.remove_node()


def name_tag(name: str, role: str) -> TextNode:
    """A name on a plate in the role's colour; a guest's says so on a second line (her school is in her name)."""
    node = TextNode("tag")
    font = style.font(bold=True)
    if font is not None:
        node.set_font(font)
    node.set_text(f"{name}\n{tr('role_guest')}" if role == "guest" else name)
    node.set_align(TextNode.A_center)
    node.set_text_color(1, 1, 1, 1)
    node.set_card_color(*style.role_color(role))
    node.set_card_as_margin(0.3, 0.3, 0.12, 0.12)
    return node


class AvatarLayer:
    """Every avatar drawn in the current room, by id."""

    def __init__(self, parent: NodePath, floor=None) -> None:
        self.root = parent.attach_new_node("avatars")
        self.views: dict[int, AvatarView] = {}
        self.floor = floor or (lambda x, y: 0.0)
        self.on_hand: Callable[[], None] = lambda: None
        """Called when someone raises or lowers a hand (or leaves with it up)."""
        self._me: AvatarView | None = None
        self.spotlit: int | None = None
        self.speaking: Callable[[], Iterable[int]] = tuple
        """Who speaks now (the conference's media, set by the session), polled a few times a second."""
        self._speakers: set[int] = set()
        self.task = None
        if lighting.LOOKS != "old":
            from direct.showbase import ShowBaseGlobal

            self.task = ShowBaseGlobal.base.taskMgr.add(self._frame, "avatar-marks", sort=40)

    def add(self, avatar_id: int, name: str, role: str, x: float, y: float, heading: float,
            anim: int) -> AvatarView:
        self.remove(avatar_id)
        view = AvatarView(self.root, avatar_id, name, role)
        view.set_anim(anim)
        view.place(x, y, self.floor(x, y), heading)
        view.set_spotlight(avatar_id == self.spotlit)
        view.set_speaking(avatar_id in self._speakers)
        self.views[avatar_id] = view
        return view

    @property
    def me(self) -> AvatarView | None:
        """My own avatar (drawn by the view, outside ``views``): the spotlight marks it too."""
        return self._me

    @me.setter
    def me(self, view: AvatarView | None) -> None:
        self._me = view
        if view is not None and view.marks is not None:
            view.marks.own = True
            view.marks.hand(False)

    def set_spotlight(self, who: int | None) -> None:
        """Mark the member in the spotlight (RoomState.spotlight; None: nobody), me included."""
        self.spotlit = who
        for view in self._all():
            view.set_spotlight(view.id == who)

    def _all(self) -> list[AvatarView]:
        return [*self.views.values(), *([self._me] if self._me is not None else [])]

    def _frame(self, task):
        """New looks, each frame: name tags sized by distance; every 6th frame, who speaks."""
        from direct.showbase import ShowBaseGlobal

        cam = ShowBaseGlobal.base.camera
        for view in self.views.values():
            d = view.tag.get_distance(cam)
            view.text.set_scale(min(SEATED_TAG_MAX if view.seated else TAG_MAX, TAG_MIN * max(1.0, d / TAG_GROW)))
        if task.frame % 6 == 0:
            speakers = set(self.speaking())
            if speakers != self._speakers:
                self._speakers = speakers
                for view in self._all():
                    view.set_speaking(view.id in speakers)
        return task.cont

    def update(self, avatar_id: int, x: float, y: float, heading: float, anim: int) -> None:
        view = self.views.get(avatar_id)
        if view is not None:
            was_up = view.anim == Anim.HAND_UP
            view.set_anim(anim)
            view.glide(x, y, self.floor(x, y), heading)
            if was_up != (anim == Anim.HAND_UP):
                self.on_hand()

    def remove(self, avatar_id: int) -> None:
        view = self.views.pop(avatar_id, None)
        if view is not None:
            view.destroy()
            if view.anim == Anim.HAND_UP:
                self.on_hand()

    def hand_up(self, avatar_id: int) -> bool:
        view = self.views.get(avatar_id)
        return view is not None and view.anim == Anim.HAND_UP

    def clear(self) -> None:
        for view in self.views.values():
            view.destroy()
        self.views.clear()

    def __len__(self) -> int:
        return len(self.views)

    def destroy(self) -> None:
        if self.task is not None:
            from direct.showbase import ShowBaseGlobal

            ShowBaseGlobal.base.taskMgr.remove(self.task)
        self.clear()
        self.root.remove_node()


def heading_towards(dx: float, dy: float) -> float:
    """Panda3D heading of the direction (dx, dy)."""
    return math.degrees(math.atan2(-dx, dy)) % 360.0
