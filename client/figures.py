"""Stylised avatar figures: one baked Geom per pose, shared by every avatar of the same colours.

A walking figure is a ``SequenceNode`` of four baked frames that Panda3D cycles in C++: no Python runs
per frame to animate anyone.
"""

from __future__ import annotations

from functools import cache

from panda3d.core import NodePath, SequenceNode

from cybercollege.client.mesh import Color, MeshBuilder, placement
from cybercollege.protocol.messages import Anim

SHIRTS: tuple[Color, ...] = (
    (0.85, 0.33, 0.3, 1.0), (0.27, 0.55, 0.85, 1.0), (0.35, 0.7, 0.4, 1.0), (0.95, 0.7, 0.2, 1.0),
    (0.6, 0.4, 0.8, 1.0), (0.2, 0.7, 0.7, 1.0), (0.95, 0.5, 0.65, 1.0), (0.5, 0.5, 0.55, 1.0),
)
SKINS: tuple[Color, ...] = ((0.96, 0.8, 0.66, 1.0), (0.8, 0.6, 0.45, 1.0), (0.55, 0.38, 0.26, 1.0))
TROUSERS: Color = (0.22, 0.26, 0.38, 1.0)
HAIR: tuple[Color, ...] = ((0.25, 0.17, 0.1, 1.0), (0.1, 0.08, 0.07, 1.0), (0.75, 0.55, 0.25, 1.0))
SEAT_HEIGHT = 0.45
WALK_FPS = 6.0


def palette_of(avatar_id: int) -> int:
    """A stable palette number for an avatar id."""
    return (avatar_id * 2654435761) % (len(SHIRTS) * len(SKINS))


def figure(palette: int, anim: int, seated: bool = False) -> NodePath:
    """A new node drawing the figure in ``anim`` (walk and wave animate by themselves).

    ``seated`` with HAND_UP draws a seated pupil raising a hand."""
    family = _pose_family(anim)
    frames = _frames(palette, "sit-hand" if seated and family == "hand" else family)
    if len(frames) == 1:
        return NodePath(frames[0].copy_subgraph())
    seq = SequenceNode("walk")
    for frame in frames:
        seq.add_child(frame.copy_subgraph())
    seq.set_frame_rate(WALK_FPS if anim != Anim.RUN else WALK_FPS * 1.6)
    seq.loop(True)
    return NodePath(seq)


def _pose_family(anim: int) -> str:
    return _POSE_FAMILIES.get(anim, "idle")


_POSE_FAMILIES: dict[int, str] = {Anim.WALK: "walk", Anim.RUN: "walk", Anim.SIT: "sit", Anim.HAND_UP: "hand",
                                  Anim.WAVE: "wave"}


@cache
def _frames(palette: int, family: str) -> tuple:
    if family == "walk":
        return tuple(_bake(palette, swing=s) for s in (25.0, 0.0, -25.0, 0.0))
    if family == "wave":
        return tuple(_bake(palette, right_arm=(170.0, r)) for r in (-20.0, 20.0))
    if family == "sit":
        return (_bake(palette, sit=True),)
    if family == "sit-hand":
        return (_bake(palette, sit=True, right_arm=(175.0, 0.0)),)
    if family == "hand":
        return (_bake(palette, right_arm=(175.0, 0.0)),)
    return (_bake(palette),)


def _bake(palette: int, swing: float = 0.0, sit: bool = False,
          right_arm: tuple[float, float] | None = None):
    """One pose as a GeomNode; ``swing`` is the leg angle, ``right_arm`` (pitch, roll) a raised arm."""
    shirt = SHIRTS[palette % len(SHIRTS)]
    skin = SKINS[(palette // len(SHIRTS)) % len(SKINS)]
    hair = HAIR[palette % len(HAIR)]
    m = MeshBuilder()
    hip = SEAT_HEIGHT + 0.05 if sit else 0.8
    for side in (-1, 1):  # legs
        if sit:
            m.box(side * 0.1, 0.22, hip - 0.07, 0.13, 0.45, 0.14, TROUSERS)
            m.box(side * 0.1, 0.42, 0.0, 0.12, 0.12, hip - 0.07, TROUSERS)
        else:
            leg = placement(side * 0.1, 0, hip, 0, swing * side, 0)
            m.box(0, 0, -hip, 0.13, 0.15, hip, TROUSERS, leg)
            m.box(0, 0.03, -hip, 0.14, 0.22, 0.07, (0.15, 0.15, 0.17, 1.0), leg)  # shoe
    top = hip + 0.55
    m.box(0, 0, hip - 0.05, 0.4, 0.22, 0.6, shirt)  # torso
    m.cylinder(0, 0, top, 0.05, 0.08, skin, sides=6)  # neck
    m.sphere(0, 0, top + 0.2, 0.14, skin)
    m.sphere(0, -0.035, top + 0.26, 0.13, hair, rings=4)  # hair, a bit back and up
    m.box(0.05, 0.13, top + 0.2, 0.03, 0.01, 0.03, (0.1, 0.1, 0.1, 1.0))  # eyes: shows which way one faces
    m.box(-0.05, 0.13, top + 0.2, 0.03, 0.01, 0.03, (0.1, 0.1, 0.1, 1.0))
    for side in (-1, 1):  # arms hang from the shoulders
        pitch, roll = -swing * side * 0.8, 0.0
        if right_arm is not None and side == 1:
            pitch, roll = right_arm
        if sit and not (right_arm is not None and side == 1):
            pitch = 50.0
        arm = placement(side * 0.26, 0, top - 0.04, 0, pitch, roll)
        m.box(0, 0, -0.55, 0.1, 0.11, 0.55, shirt, arm)
        m.box(0, 0, -0.64, 0.09, 0.09, 0.09, skin, arm)
    return m.node(f"pose-{palette}")
