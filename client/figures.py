"""Stylised avatar figures: one baked Geom per pose, shared by every avatar of the same colours.

A walking figure is a ``SequenceNode`` of four baked frames that Panda3D cycles in C++: no Python runs
per frame to animate anyone.
"""

from __future__ import annotations

from functools import cache

from panda3d.core import NodePath, SequenceNode

from cybercollege.client.mesh import Color, MeshBuilder, placement, shade
from cybercollege.client.posing import (  # the shader's numbers, shared with client/lighting.py
    ARM_L,
    ARM_R,
    BLEND,
    BODY,
    HEAD,
    HEAD_Z,
    HIP_X,
    HIP_Z,
    KNEE_Z,
    MOUTH,
    MOUTH_Y,
    MOUTH_Z,
    SEAT_HEIGHT,
    SHIN_L,
    SHIN_R,
    SHOULDER_X,
    SHOULDER_Z,
    THIGH_L,
    THIGH_R,
)
from cybercollege.protocol.messages import Anim

SHIRTS: tuple[Color, ...] = (
    (0.85, 0.33, 0.3, 1.0), (0.27, 0.55, 0.85, 1.0), (0.35, 0.7, 0.4, 1.0), (0.95, 0.7, 0.2, 1.0),
    (0.6, 0.4, 0.8, 1.0), (0.2, 0.7, 0.7, 1.0), (0.95, 0.5, 0.65, 1.0), (0.5, 0.5, 0.55, 1.0),
)
SKINS: tuple[Color, ...] = ((0.96, 0.8, 0.66, 1.0), (0.8, 0.6, 0.45, 1.0), (0.55, 0.38, 0.26, 1.0))
TROUSERS: Color = (0.22, 0.26, 0.38, 1.0)
HAIR: tuple[Color, ...] = ((0.25, 0.17, 0.1, 1.0), (0.1, 0.08, 0.07, 1.0), (0.75, 0.55, 0.25, 1.0))
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


# --- the new looks (issue 13): one Geom per palette, posed by the vertex shader ----------------------------
#
# Every vertex carries the number of its body part (client/mesh.py ``part``). The shader turns arms about the
# shoulders, thighs about the hips and shins about the knees from four pose weights (walk, sit, hand, wave),
# blended from the previous pose over ``BLEND`` seconds, and opens the mouth while ``speaking``: changing
# pose only sets shader inputs on the avatar's node, and nothing runs in Python per frame.

WALK_RATE = 1.5  # steps per second (one step of each leg)
TROUSERS_ALL: tuple[Color, ...] = ((0.22, 0.26, 0.38, 1.0), (0.15, 0.15, 0.18, 1.0), (0.55, 0.48, 0.36, 1.0),
                                   (0.3, 0.38, 0.55, 1.0))
SHOES: Color = (0.16, 0.15, 0.17, 1.0)
EYE_WHITE: Color = (0.97, 0.97, 0.97, 1.0)
IRIS: Color = (0.12, 0.1, 0.09, 1.0)
LIPS: Color = (0.55, 0.2, 0.2, 1.0)
HAIR_STYLES = ("short", "long", "bun", "curly")
POSES: dict[int, tuple[float, float, float, float]] = {
    Anim.IDLE: (0.0, 0.0, 0.0, 0.0), Anim.WALK: (1.0, 0.0, 0.0, 0.0), Anim.RUN: (1.0, 0.0, 0.0, 0.0),
    Anim.SIT: (0.0, 1.0, 0.0, 0.0), Anim.HAND_UP: (0.0, 0.0, 1.0, 0.0), Anim.WAVE: (0.0, 0.0, 0.0, 1.0),
}



def pose_of(anim: int, seated: bool) -> tuple[float, float, float, float]:
    """The pose weights (walk, sit, hand, wave) of ``anim``; a seated hand keeps sitting."""
    walk, sit, hand, wave = POSES.get(anim, POSES[Anim.IDLE])
    return (walk, 1.0 if seated else sit, hand, wave)


def blended(start: tuple, end: tuple, since: float) -> tuple[float, float, float, float]:
    """The pose shown ``since`` seconds after a blend from ``start`` to ``end`` began (as the shader does)."""
    k = min(1.0, max(0.0, since / BLEND))
    k = k * k * (3 - 2 * k)
    return tuple(a + (b - a) * k for a, b in zip(start, end, strict=True))


@cache
def person(palette: int) -> NodePath:
    """The shared figure of ``palette`` (instance it: ``person(p).instance_to(parent)``), standing, arms down."""
    from cybercollege.client import lighting

    np = NodePath(_person_geom(palette))
    np.set_shader(lighting.figure_shader(lighting.quality()))
    np.set_shader_input("details", lighting.details())
    return np


def hair_style(palette: int) -> str:
    return HAIR_STYLES[(palette // 3) % len(HAIR_STYLES)]


def _person_geom(palette: int):
    from cybercollege.client.lighting import FABRIC, PLAIN

    shirt = SHIRTS[palette % len(SHIRTS)]
    skin = SKINS[(palette // len(SHIRTS)) % len(SKINS)]
    hair = HAIR[(palette // 2) % len(HAIR)]
    trousers = TROUSERS_ALL[(palette // 5) % len(TROUSERS_ALL)]
    style = hair_style(palette)
    m = MeshBuilder()
    m.material = FABRIC
    for side, thigh, shin in ((-1, THIGH_L, SHIN_L), (1, THIGH_R, SHIN_R)):
        x = side * HIP_X
        m.part = thigh
        m.box(x, 0, KNEE_Z, 0.13, 0.15, HIP_Z - KNEE_Z + 0.03, trousers)
        m.part = shin
        m.box(x, 0, 0.07, 0.12, 0.13, KNEE_Z - 0.07 + 0.01, trousers)
        m.box(x, 0.03, 0.0, 0.12, 0.23, 0.075, SHOES)
    m.part = BODY
    m.box(0, 0, HIP_Z - 0.06, 0.32, 0.18, 0.14, trousers)  # hips
    m.box(0, 0, HIP_Z + 0.06, 0.34, 0.2, SHOULDER_Z - HIP_Z - 0.04, shirt)  # chest
    m.box(0, 0.005, SHOULDER_Z - 0.02, 0.4, 0.19, 0.08, shade(shirt, 0.95))  # shoulders
    m.box(0, 0.101, SHOULDER_Z - 0.06, 0.1, 0.01, 0.04, shade(shirt, 0.8))  # collar
    m.material = PLAIN
    m.cylinder(0, 0, SHOULDER_Z + 0.02, 0.045, 0.1, skin, sides=6)  # neck
    for side, arm in ((-1, ARM_L), (1, ARM_R)):
        m.part = arm
        x = side * SHOULDER_X
        m.material = FABRIC
        m.box(x, 0, SHOULDER_Z - 0.3, 0.095, 0.1, 0.33, shirt)  # sleeve
        m.material = PLAIN
        m.box(x, 0, SHOULDER_Z - 0.56, 0.08, 0.085, 0.27, skin)  # forearm
        m.box(x, 0.005, SHOULDER_Z - 0.66, 0.085, 0.06, 0.1, shade(skin, 0.95))  # hand
    m.part = HEAD
    m.sphere(0, 0, HEAD_Z, 0.13, skin, rings=6, sides=10)
    m.box(0, 0.128, HEAD_Z - 0.035, 0.03, 0.03, 0.04, shade(skin, 0.9))  # nose
    for side in (-1, 1):
        m.box(side * 0.13, 0, HEAD_Z - 0.02, 0.03, 0.05, 0.06, shade(skin, 0.95))  # ears
        m.box(side * 0.045, 0.118, HEAD_Z + 0.005, 0.045, 0.012, 0.04, EYE_WHITE)
        m.box(side * 0.045, 0.126, HEAD_Z + 0.0, 0.022, 0.008, 0.028, IRIS)
        m.box(side * 0.047, 0.122, HEAD_Z + 0.045, 0.05, 0.01, 0.012, shade(hair, 0.9))  # eyebrows
    m.part = MOUTH
    m.box(0, MOUTH_Y, MOUTH_Z - 0.016, 0.06, 0.012, 0.032, LIPS)
    m.part = HEAD
    _hair(m, style, hair)
    return m.node(f"person-{palette}")


def _hair(m: MeshBuilder, style: str, hair: Color) -> None:
    top = HEAD_Z + 0.02
    if style == "curly":
        m.sphere(0, -0.02, top + 0.03, 0.155, hair, rings=5, sides=10)
        return
    m.sphere(0, -0.025, top + 0.015, 0.14, hair, rings=5, sides=10)  # the cap, a bit back and up
    m.box(0, 0.075, HEAD_Z + 0.08, 0.24, 0.06, 0.06, hair)  # fringe
    if style == "long":
        m.box(0, -0.08, HEAD_Z - 0.2, 0.28, 0.07, 0.3, hair)
        for side in (-1, 1):
            m.box(side * 0.125, -0.01, HEAD_Z - 0.12, 0.04, 0.16, 0.22, hair)
    elif style == "bun":
        m.sphere(0, -0.15, HEAD_Z + 0.06, 0.065, hair, rings=4, sides=8)
