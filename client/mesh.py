"""Procedural low-poly geometry: boxes, cylinders and spheres baked into one vertex-coloured Geom.

Everything static in a room goes into one :class:`MeshBuilder`, so a room costs one draw call. Each vertex
also carries texture coordinates (its position in metres, projected on the face's main plane, over
``UV_TILE``), a ``material`` number (client/lighting.py picks a detail texture with it) and a ``part``
number (the avatar shader moves an arm or a leg with it, client/figures.py).
"""

from __future__ import annotations

import math

from panda3d.core import (
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexArrayFormat,
    GeomVertexData,
    GeomVertexFormat,
    GeomVertexWriter,
    InternalName,
    LColor,
    LMatrix4f,
    LPoint3f,
    TransformState,
)

Color = tuple[float, float, float, float]
UV_TILE = 2.0  # metres covered by one repeat of a detail texture


def _format() -> GeomVertexFormat:
    array = GeomVertexArrayFormat()
    array.add_column(InternalName.get_vertex(), 3, Geom.NT_float32, Geom.C_point)
    array.add_column(InternalName.get_normal(), 3, Geom.NT_float32, Geom.C_normal)
    array.add_column(InternalName.get_color(), 4, Geom.NT_uint8, Geom.C_color)
    array.add_column(InternalName.get_texcoord(), 2, Geom.NT_float32, Geom.C_texcoord)
    array.add_column(InternalName.make("material"), 1, Geom.NT_float32, Geom.C_other)
    array.add_column(InternalName.make("part"), 1, Geom.NT_float32, Geom.C_other)
    return GeomVertexFormat.register_format(GeomVertexFormat(array))


FORMAT = _format()


def hex_color(value: str | None, default: str = "#999999") -> Color:
    """``"#rrggbb"`` to an RGBA tuple of floats."""
    value = value or default
    return (int(value[1:3], 16) / 255, int(value[3:5], 16) / 255, int(value[5:7], 16) / 255, 1.0)


def shade(color: Color, factor: float) -> Color:
    """A lighter (factor > 1) or darker (< 1) version of ``color``."""
    return (min(1.0, color[0] * factor), min(1.0, color[1] * factor), min(1.0, color[2] * factor), color[3])


def placement(x: float, y: float, z: float, heading: float = 0.0, pitch: float = 0.0,
              roll: float = 0.0) -> LMatrix4f:
    """The transform of an object at (x, y, z) turned by ``heading`` (degrees, Panda3D H)."""
    return LMatrix4f(TransformState.make_pos_hpr((x, y, z), (heading, pitch, roll)).get_mat())


class MeshBuilder:
    """Accumulates triangles with normals and vertex colours; ``node()`` makes one GeomNode."""

    def __init__(self) -> None:
        self.data = GeomVertexData("mesh", FORMAT, Geom.UH_static)
        self._vertex = GeomVertexWriter(self.data, "vertex")
        self._normal = GeomVertexWriter(self.data, "normal")
        self._color = GeomVertexWriter(self.data, "color")
        self._uv = GeomVertexWriter(self.data, "texcoord")
        self._material = GeomVertexWriter(self.data, "material")
        self._part = GeomVertexWriter(self.data, "part")
        self.tris = GeomTriangles(Geom.UH_static)
        self.count = 0
        self.material = 0
        """The material of what is added next (client/lighting.py: FLOOR, WALL, WOOD...)."""
        self.part = 0
        """The body part of what is added next (client/figures.py)."""

    def quad(self, corners: list[tuple[float, float, float]], color: Color,
             mat: LMatrix4f | None = None) -> None:
        """A flat quad, corners counter-clockwise seen from the front."""
        base = self._flat(corners, color, mat)
        self.tris.add_vertices(base, base + 1, base + 2)
        self.tris.add_vertices(base, base + 2, base + 3)

    def box(self, cx: float, cy: float, z0: float, sx: float, sy: float, sz: float, color: Color,
            mat: LMatrix4f | None = None, top: Color | None = None, bottom: bool = False) -> None:
        """An axis-aligned box (bottom at ``z0``) in the frame of ``mat``; ``top`` colours its top face."""
        x0, x1, y0, y1, z1 = cx - sx / 2, cx + sx / 2, cy - sy / 2, cy + sy / 2, z0 + sz
        side = shade(color, 0.92)
        self.quad([(x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)], top or color, mat)
        self.quad([(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)], color, mat)  # south
        self.quad([(x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1)], color, mat)  # north
        self.quad([(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)], side, mat)  # east
        self.quad([(x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1)], side, mat)  # west
        if bottom:
            self.quad([(x0, y1, z0), (x1, y1, z0), (x1, y0, z0), (x0, y0, z0)], color, mat)

    def cylinder(self, cx: float, cy: float, z0: float, radius: float, height: float, color: Color,
                 mat: LMatrix4f | None = None, sides: int = 8, top_radius: float | None = None) -> None:
        """A vertical prism with ``sides`` faces (a cone when ``top_radius`` is 0), with a top cap."""
        r1 = radius if top_radius is None else top_radius
        ring = [(math.cos(2 * math.pi * i / sides), math.sin(2 * math.pi * i / sides)) for i in range(sides)]
        for i in range(sides):
            (ax, ay), (bx, by) = ring[i], ring[(i + 1) % sides]
            self.quad([
                (cx + ax * radius, cy + ay * radius, z0), (cx + bx * radius, cy + by * radius, z0),
                (cx + bx * r1, cy + by * r1, z0 + height), (cx + ax * r1, cy + ay * r1, z0 + height),
            ], color, mat)
        if r1 > 0:
            for i in range(1, sides - 1, 2):
                pts = [ring[0], ring[i], ring[i + 1], ring[min(i + 2, sides - 1)]]
                self.quad([(cx + px * r1, cy + py * r1, z0 + height) for px, py in pts], color, mat)

    def sphere(self, cx: float, cy: float, cz: float, radius: float, color: Color,
               mat: LMatrix4f | None = None, rings: int = 5, sides: int = 8) -> None:
        """A low-poly UV sphere."""
        for j in range(rings):
            t0, t1 = math.pi * j / rings - math.pi / 2, math.pi * (j + 1) / rings - math.pi / 2
            for i in range(sides):
                p0, p1 = 2 * math.pi * i / sides, 2 * math.pi * (i + 1) / sides

                def at(t: float, p: float) -> tuple[float, float, float]:
                    return (cx + radius * math.cos(t) * math.cos(p), cy + radius * math.cos(t) * math.sin(p),
                            cz + radius * math.sin(t))

                if j == 0:  # the bottom cap: a triangle fan around the pole
                    self.triangle([at(t0, p0), at(t1, p1), at(t1, p0)], color, mat)
                else:
                    self.quad([at(t0, p0), at(t0, p1), at(t1, p1), at(t1, p0)], color, mat)

    def triangle(self, corners: list[tuple[float, float, float]], color: Color, mat: LMatrix4f | None) -> None:
        base = self._flat(corners, color, mat)
        self.tris.add_vertices(base, base + 1, base + 2)

    def _flat(self, corners: list[tuple[float, float, float]], color: Color, mat: LMatrix4f | None) -> int:
        """Add the corners of a flat polygon (one normal, one colour); return the index of the first."""
        pts = [LPoint3f(*c) for c in corners]
        if mat is not None:
            pts = [mat.xform_point(p) for p in pts]
        normal = (pts[1] - pts[0]).cross(pts[2] - pts[0])
        if normal.length_squared() > 0:
            normal.normalize()
        colour = LColor(*color)
        up = abs(normal.z) > 0.7
        across_x = abs(normal.y) >= abs(normal.x)
        for p in pts:
            self._vertex.add_data3f(p)
            self._normal.add_data3f(normal)
            self._color.add_data4f(colour)
            if up:
                self._uv.add_data2f(p.x / UV_TILE, p.y / UV_TILE)
            else:
                self._uv.add_data2f((p.x if across_x else p.y) / UV_TILE, p.z / UV_TILE)
            self._material.add_data1f(self.material)
            self._part.add_data1f(self.part)
        base, self.count = self.count, self.count + len(pts)
        return base

    def node(self, name: str) -> GeomNode:
        """The accumulated triangles as one GeomNode (one draw call)."""
        geom = Geom(self.data)
        geom.add_primitive(self.tris)
        node = GeomNode(name)
        node.add_geom(geom)
        return node

