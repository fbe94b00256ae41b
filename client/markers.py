"""What is shown in 3D above a person (new looks): the spotlight (a gold star, and a ring of light around the
feet), a raised hand (a hand on a yellow disc) and speaking (sound waves). Drawn unlit, billboarded, after
the scene; hidden from the sun's shadow camera. Geometry is made here in code, once, and instanced."""

from __future__ import annotations

import math
from functools import cache

from panda3d.core import NodePath
from panda3d.direct import CLerpInterval, CLerpNodePathInterval

from cybercollege.client import lighting
from cybercollege.client.mesh import Color, MeshBuilder

GOLD: Color = (1.0, 0.8, 0.15, 1.0)
GOLD_DARK: Color = (0.85, 0.55, 0.05, 1.0)
DISC: Color = (1.0, 0.86, 0.3, 1.0)
HAND: Color = (0.98, 0.97, 0.94, 1.0)
OUTLINE: Color = (0.25, 0.2, 0.1, 1.0)
WAVES: Color = (0.2, 0.75, 0.45, 1.0)
ICON = 0.2  # metres across


def _flat(mesh: MeshBuilder, points: list[tuple[float, float]], color: Color, depth: float = 0.0) -> None:
    """A convex polygon in the x-z plane facing -y (towards a billboard's viewer)."""
    for i in range(1, len(points) - 1):
        tri = [points[0], points[i], points[i + 1]]
        mesh.triangle([(x, -depth, z) for x, z in tri], color, None)


def _disc(mesh: MeshBuilder, cx: float, cz: float, r: float, color: Color, depth: float = 0.0,
          sides: int = 20) -> None:
    _flat(mesh, [(cx + r * math.cos(-2 * math.pi * i / sides), cz + r * math.sin(-2 * math.pi * i / sides))
                 for i in range(sides)], color, depth)


def _rect(mesh: MeshBuilder, x0: float, z0: float, x1: float, z1: float, color: Color, depth: float) -> None:
    _flat(mesh, [(x0, z0), (x0, z1), (x1, z1), (x1, z0)], color, depth)


def _unlit(node) -> NodePath:
    np = NodePath(node)
    np.set_shader_off(1)
    np.set_light_off(1)
    np.set_two_sided(True)
    return np


@cache
def star() -> NodePath:
    m = MeshBuilder()
    r0, r1 = ICON * 0.6, ICON * 0.25
    points = [((r0 if i % 2 == 0 else r1) * math.sin(math.pi * i / 5), (r0 if i % 2 == 0 else r1)
               * math.cos(math.pi * i / 5)) for i in range(10)]
    for i in range(10):  # a fan from the centre (the star is not convex)
        a, b = points[i], points[(i + 1) % 10]
        m.triangle([(0, 0, 0), (b[0], 0, b[1]), (a[0], 0, a[1])], GOLD if i % 2 == 0 else GOLD_DARK, None)
    return _unlit(m.node("star"))


@cache
def ring() -> NodePath:
    """A flat ring of light on the floor, 0.45 m in radius."""
    m = MeshBuilder()
    sides, r0, r1 = 28, 0.38, 0.5
    for i in range(sides):
        a, b = 2 * math.pi * i / sides, 2 * math.pi * (i + 1) / sides
        m.quad([(r0 * math.cos(a), r0 * math.sin(a), 0.02), (r1 * math.cos(a), r1 * math.sin(a), 0.02),
                (r1 * math.cos(b), r1 * math.sin(b), 0.02), (r0 * math.cos(b), r0 * math.sin(b), 0.02)], GOLD)
    return _unlit(m.node("ring"))


@cache
def hand() -> NodePath:
    """A raised hand on a yellow disc."""
    m = MeshBuilder()
    s = ICON / 2
    _disc(m, 0, 0, s, OUTLINE, 0.0)
    _disc(m, 0, 0, s * 0.9, DISC, 0.002)
    _rect(m, -0.05, -0.09, 0.05, 0.01, HAND, 0.004)  # palm
    for i, (x, h) in enumerate(((-0.04, 0.075), (-0.013, 0.09), (0.014, 0.085), (0.04, 0.07))):
        _rect(m, x - 0.011, 0.0, x + 0.011, h, HAND, 0.004 + i * 0.0001)  # fingers
    _flat(m, [(0.05, -0.06), (0.05, -0.02), (0.085, 0.03), (0.1, 0.015), (0.075, -0.05)], HAND, 0.0045)  # thumb
    return _unlit(m.node("hand"))


@cache
def waves() -> NodePath:
    """A speaker and three sound waves."""
    m = MeshBuilder()
    s = ICON / 2
    _disc(m, 0, 0, s, OUTLINE, 0.0)
    _disc(m, 0, 0, s * 0.9, (0.93, 1.0, 0.95, 1.0), 0.002)
    _flat(m, [(-0.08, -0.025), (-0.08, 0.025), (-0.05, 0.025), (-0.02, 0.055), (-0.02, -0.055), (-0.05, -0.025)],
          WAVES, 0.004)
    for k, r in enumerate((0.035, 0.06, 0.085)):
        for i in range(6):  # an arc of thick segments
            a, b = -0.8 + 1.6 * i / 6, -0.8 + 1.6 * (i + 1) / 6
            r0, r1 = r - 0.008, r + 0.008
            m.quad([(r1 * math.cos(a) - 0.01, -0.004 - k * 1e-4, r1 * math.sin(a)),
                    (r0 * math.cos(a) - 0.01, -0.004 - k * 1e-4, r0 * math.sin(a)),
                    (r0 * math.cos(b) - 0.01, -0.004 - k * 1e-4, r0 * math.sin(b)),
                    (r1 * math.cos(b) - 0.01, -0.004 - k * 1e-4, r1 * math.sin(b))], WAVES)
    return _unlit(m.node("waves"))


class Marks:
    """The markers of one avatar, under its root."""

    def __init__(self, parent: NodePath, height: float) -> None:
        self.root = parent.attach_new_node("marks")
        self.root.set_z(height)
        self.root.set_billboard_point_eye()
        self.root.set_bin("fixed", 20)
        self.root.set_depth_write(False)
        self.root.hide(lighting.SHADOW_MASK)
        self.floor = parent.attach_new_node("floor-marks")
        self.floor.hide(lighting.SHADOW_MASK)
        self.nodes: dict[str, NodePath] = {}
        self.speaking = False
        self.own = False
        """My own avatar: no hand or waves over my head (they would hide the board; the HUD says it), only
        the spotlight."""
        self.spin: CLerpNodePathInterval | None = None

    def set_z(self, z: float) -> None:
        self.root.set_z(z)

    def _show(self, name: str, on: bool, make, parent: NodePath | None = None) -> NodePath | None:
        node = self.nodes.get(name)
        if on and node is None:
            node = make().instance_to(parent or self.root)
            node.set_name(name)
            self.nodes[name] = node
        elif not on and node is not None:
            node.remove_node()
            del self.nodes[name]
            node = None
        self._arrange()
        return node

    def _arrange(self) -> None:
        """Side by side, centred: star, hand, waves."""
        shown = [n for n in ("star", "hand", "waves") if n in self.nodes]
        for i, name in enumerate(shown):
            self.nodes[name].set_x((i - (len(shown) - 1) / 2) * (ICON + 0.06))

    def hand(self, on: bool) -> None:
        self._show("hand", on and not self.own, hand)

    def speak(self, on: bool) -> None:
        self.speaking = on
        self._show("waves", on and not self.own, waves)

    def spotlight(self, on: bool) -> None:
        node = self._show("star", on, star)
        self._show("ring", on, ring, self.floor)
        if self.spin is not None:
            self.spin.pause()
            self.spin = None
        if node is not None:  # the star turns (in C++, the interval manager)
            self.spin = CLerpNodePathInterval("spin", 2.0, CLerpInterval.BT_no_blend, True, False, node,
                                              NodePath())
            self.spin.set_start_hpr((0, 0, 0))
            self.spin.set_end_hpr((0, 0, 360))
            self.spin.loop()

    def destroy(self) -> None:
        if self.spin is not None:
            self.spin.pause()
        self.root.remove_node()
        self.floor.remove_node()
