"""The static college drawn from a ``cybercollege.worlds.World``: one vertex-coloured mesh per room, signs flattened.

A room costs one draw call (floor, walls, ceiling and furniture in one Geom); all the signs of the
world are flattened together into a few more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from panda3d.core import (
    AmbientLight,
    DirectionalLight,
    NodePath,
    TextNode,
    Triangulator,
)

from cybercollege.client import furniture, lighting, style
from cybercollege.client.mesh import Color, MeshBuilder, hex_color, placement, shade
from cybercollege.worlds import Door, Room, World, geometry

WALL_THICKNESS = 0.015  # drawn inside each room; boards hang 2 cm from the wall line
FRAME_DEPTH = 0.06
CEILING: Color = (0.97, 0.97, 0.95, 1.0)
DOOR_FRAME: Color = (0.45, 0.32, 0.22, 1.0)
GROUND: Color = (0.55, 0.68, 0.45, 1.0)
SIGN_BG = (0.16, 0.33, 0.55, 1.0)
SIGN_EDGE = (0.1, 0.2, 0.34, 1.0)
PLATE_DEPTH = 0.06  # a door's sign stands this far out of the wall
PLATE_SCALE = 0.2  # the plate's letters (a text unit is this many metres), less if it would be too wide
PLATE_OVERHANG = 0.3  # the plate is at most this much wider than the opening on each side
PLATE_GAP = 0.06  # between the lintel and the plate
FLAG_WIDTH, FLAG_HEIGHT, FLAG_THICKNESS = 0.8, 0.42, 0.04  # the sign standing square from the wall
FLAG_GAP = 0.9  # along the wall, between the plate's end and the flag (it stands 0.86 m out: seen aslant, it
# would cover a nearer plate)
FLAG_BOTTOM = 1.95  # the flag's lower edge: above the tallest heads


def build_world(world: World, parent: NodePath) -> NodePath:
    """Attach the whole college under ``parent`` and return its root."""
    root = parent.attach_new_node(f"world-{world.id}")
    for room in world.rooms.values():
        root.attach_new_node(build_room(room))
    ground = MeshBuilder()
    x0, y0, x1, y1 = _world_bounds(world)
    ground.quad([(x0 - 60, y0 - 60, -0.02), (x1 + 60, y0 - 60, -0.02), (x1 + 60, y1 + 60, -0.02),
                 (x0 - 60, y1 + 60, -0.02)], GROUND)
    root.attach_new_node(ground.node("ground"))
    signs = root.attach_new_node("signs")
    for room in world.rooms.values():
        _room_signs(world, room, signs)
    signs.set_light_off()  # signs keep their exact colours, easy to read
    signs.flatten_strong()
    root.set_python_tag("world", world)  # for light(): the new looks' windows and sun (client/lighting.py)
    return root


def light(render: NodePath) -> None:
    """A soft ambient light and a sun from the south-west; in the new looks, client/lighting.py's."""
    world_root = render.find("world-*")
    if lighting.LOOKS != "old" and not world_root.is_empty():
        from direct.showbase import ShowBaseGlobal

        lighting.apply(ShowBaseGlobal.base, world_root.get_python_tag("world"), render, world_root)
        return
    ambient = AmbientLight("ambient")
    ambient.set_color((0.72, 0.72, 0.74, 1))
    sun = DirectionalLight("sun")
    sun.set_color((0.42, 0.4, 0.37, 1))
    sun_np = render.attach_new_node(sun)
    sun_np.set_hpr(-35, -55, 0)
    fill = DirectionalLight("fill")  # from below: keeps ceilings bright
    fill.set_color((0.3, 0.3, 0.3, 1))
    fill_np = render.attach_new_node(fill)
    fill_np.set_hpr(20, 70, 0)
    render.set_light(render.attach_new_node(ambient))
    render.set_light(sun_np)
    render.set_light(fill_np)


def build_room(room: Room):
    """One GeomNode with the room's floor, walls, lintels, ceiling and furniture."""
    mesh = MeshBuilder()
    floor = hex_color(room.floor_color)
    wall = hex_color(room.wall_color)
    mesh.material = lighting.FLOOR
    _polygon(mesh, room.polygon, 0.0, floor, up=True)
    mesh.material = lighting.WALL
    if not room.outdoor:
        _polygon(mesh, room.polygon, room.wall_height, CEILING, up=False)
    for w in room.walls:
        _wall(mesh, w.x0, w.y0, w.x1, w.y1, 0.0, w.height, wall)
    for door in room.doors:
        _door_frame(mesh, room, door, wall)
    for f in room.furniture:
        furniture.draw(mesh, f)
    return mesh.node(f"room-{room.id}")


def _polygon(mesh: MeshBuilder, points, z: float, color: Color, up: bool) -> None:
    tri = Triangulator()
    for x, y in points:
        tri.add_polygon_vertex(tri.add_vertex(x, y))
    tri.triangulate()
    for i in range(tri.get_num_triangles()):
        a, b, c = (points[tri.get_triangle_v0(i)], points[tri.get_triangle_v1(i)],
                   points[tri.get_triangle_v2(i)])
        if geometry.orient(*a, *b, *c) < 0:
            b, c = c, b
        if not up:
            b, c = c, b
        mesh.triangle([(a[0], a[1], z), (b[0], b[1], z), (c[0], c[1], z)], color, None)


def _wall(mesh: MeshBuilder, x0: float, y0: float, x1: float, y1: float, z0: float, z1: float,
          color: Color, depth: float = WALL_THICKNESS) -> None:
    """A wall slab on the room's side of the edge (rooms wind counter-clockwise: inside is on the left)."""
    length = math.hypot(x1 - x0, y1 - y0)
    if length < 1e-6:
        return
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    nx, ny = -uy * depth, ux * depth  # inward
    a, b = (x0, y0), (x1, y1)
    c, d = (x1 + nx, y1 + ny), (x0 + nx, y0 + ny)
    mesh.quad(_upright(c, d, z0, z1), color)  # the face seen from inside the room
    mesh.quad([(*a, z1), (*b, z1), (*c, z1), (*d, z1)], shade(color, 0.9))
    mesh.quad(_upright(d, a, z0, z1), shade(color, 0.85))  # the ends, seen in door openings
    mesh.quad(_upright(b, c, z0, z1), shade(color, 0.85))
    if z0 == 0.0:  # skirting board
        e, f = (x0 + nx * 2, y0 + ny * 2), (x1 + nx * 2, y1 + ny * 2)
        mesh.quad(_upright(f, e, 0.0, 0.1), (0.55, 0.5, 0.45, 1.0))


def _upright(left, right, z0: float, z1: float) -> list[tuple[float, float, float]]:
    """A vertical quad from ``left`` to ``right`` as seen from its front."""
    return [(*left, z0), (*right, z0), (*right, z1), (*left, z1)]


def _door_frame(mesh: MeshBuilder, room: Room, door: Door, wall: Color) -> None:
    """The wall above the opening (lintel) and a wooden frame around it."""
    a, b = _along(room, door)
    if door.height < room.wall_height:
        _wall(mesh, *a, *b, door.height, room.wall_height, wall)
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    ux, uy, t = (b[0] - a[0]) / length, (b[1] - a[1]) / length, 0.08
    _wall(mesh, *a, a[0] + ux * t, a[1] + uy * t, 0.0, door.height, DOOR_FRAME, FRAME_DEPTH)
    _wall(mesh, b[0] - ux * t, b[1] - uy * t, *b, 0.0, door.height, DOOR_FRAME, FRAME_DEPTH)
    _wall(mesh, *a, *b, door.height - t, door.height, DOOR_FRAME, FRAME_DEPTH)


def _along(room: Room, door: Door) -> tuple[tuple[float, float], tuple[float, float]]:
    """The door's two ends ordered like the room's counter-clockwise wall."""
    (ax, ay), (bx, by) = door.ends()
    for (px, py), (qx, qy) in geometry.edges(room.polygon):
        if (geometry.point_segment_distance(door.x, door.y, px, py, qx, qy) < 1e-3
                and (bx - ax) * (qx - px) + (by - ay) * (qy - py) < 0):
            return (bx, by), (ax, ay)
    return (ax, ay), (bx, by)


def _inward(room: Room, door: Door) -> tuple[float, float]:
    """Unit vector from the door into ``room``."""
    nx, ny = geometry.direction(door.heading)
    return (nx, ny) if door.rooms[1] == room.id else (-nx, -ny)


def leads_to(world: World, door: Door, room_id: str) -> str:
    """What the sign of ``door`` says, read from ``room_id``: where the door leads.

    A door's ``label`` is read from the room it is written in (``rooms[0]``); from the other side, the sign
    names that room (docs/worlds.md)."""
    return door.label if room_id == door.rooms[0] else world.rooms[door.rooms[0]].name


def _room_signs(world: World, room: Room, parent: NodePath) -> None:
    plates = MeshBuilder()
    for door in room.doors:
        text = leads_to(world, door, room.id)
        _over_door(plates, parent, room, door, text)
        _flag(plates, parent, room, door, text)
    parent.attach_new_node(plates.node(f"sign-plates-{room.id}"))
    for f in room.furniture:
        if f.label:
            np = parent.attach_new_node(sign(f.label, wordwrap=12))
            np.set_scale(0.12)
            fx, fy = geometry.direction(f.heading)
            d = f.sy / 2 + 0.03
            np.set_pos(f.x + fx * d, f.y + fy * d, f.z + f.sz + 0.25)
            np.set_h(f.heading + 180.0)


@dataclass(frozen=True)
class SignPlaces:
    """Where a door's two signs go on one side (metres, world frame): the plate over the opening and the flag
    beside it, apart along the wall and in height so that neither covers the other from the room."""

    plate_scale: float
    plate_z: float  # the plate text's baseline
    plate_box: Box3  # the plate's extent (min xyz, max xyz)
    flag_center: tuple[float, float, float]
    flag_box: Box3


Box3 = tuple[tuple[float, float, float], tuple[float, float, float]]


def sign_places(room: Room, door: Door, text: str) -> SignPlaces:
    """The flag ``FLAG_GAP`` beyond the plate's end along the wall, from ``FLAG_BOTTOM`` (above people's heads)
    up; the plate over the opening at most ``PLATE_OVERHANG`` wider than it on each side, its bottom
    ``PLATE_GAP`` above the lintel and the flag's top (in the opening's top where there is no wall above)."""
    nx, ny = _inward(room, door)
    a, b = _along(room, door)
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
    left, right, bottom, top = sign(text, wordwrap=14).get_card_actual()
    plate_bottom = max(door.height, FLAG_BOTTOM + FLAG_HEIGHT) + PLATE_GAP
    if room.wall_height - 0.05 - plate_bottom < 0.3:  # no wall over the opening: the plate in its top
        plate_bottom = door.height * 0.75
    scale = min(PLATE_SCALE, (door.width + 2 * PLATE_OVERHANG) / (right - left),
                (room.wall_height - 0.05 - plate_bottom) / (top - bottom))
    z = plate_bottom - bottom * scale
    half = (right - left) * scale / 2 + 0.02
    out = FRAME_DEPTH + PLATE_DEPTH
    corners = [(door.x + ux * su * half + nx * d, door.y + uy * su * half + ny * d, h)
               for su in (-1, 1) for d in (FRAME_DEPTH, out) for h in (plate_bottom, z + top * scale)]
    along = max(half, length / 2 + 0.1) + FLAG_GAP
    wall = next(((p, q) for p, q in geometry.edges(room.polygon)
                 if geometry.point_segment_distance(door.x, door.y, *p, *q) < 1e-3), None)
    if wall is not None and geometry.point_segment_distance(door.x + ux * (along + 0.3), door.y + uy * (along + 0.3),
                                                            *wall[0], *wall[1]) > 1e-3:
        ux, uy = -ux, -uy  # the wall ends on that side: the flag on the other
    fz = FLAG_BOTTOM + FLAG_HEIGHT / 2
    fc = (door.x + ux * along + nx * (0.06 + FLAG_WIDTH / 2), door.y + uy * along + ny * (0.06 + FLAG_WIDTH / 2), fz)
    flag = [(fc[0] + ux * su * FLAG_THICKNESS / 2 + nx * d * FLAG_WIDTH / 2,
             fc[1] + uy * su * FLAG_THICKNESS / 2 + ny * d * FLAG_WIDTH / 2, fz + dz * FLAG_HEIGHT / 2)
            for su in (-1, 1) for d in (-1, 1) for dz in (-1, 1)]
    return SignPlaces(scale, z, _box(corners), fc, _box(flag))


def _box(points: list[tuple[float, float, float]]) -> Box3:
    return (tuple(min(p[i] for p in points) for i in range(3)),  # type: ignore[return-value]
            tuple(max(p[i] for p in points) for i in range(3)))


def _over_door(plates: MeshBuilder, parent: NodePath, room: Room, door: Door, text: str) -> None:
    """A plate over the opening, standing :data:`PLATE_DEPTH` out of the wall, facing into the room."""
    nx, ny = _inward(room, door)
    places = sign_places(room, door, text)
    scale, z = places.plate_scale, places.plate_z
    node = sign(text, wordwrap=14)
    np = parent.attach_new_node(node)
    np.set_scale(scale)
    out = FRAME_DEPTH + PLATE_DEPTH
    np.set_pos(door.x + nx * (out + 0.005), door.y + ny * (out + 0.005), z)
    np.set_h(geometry.heading_of(-nx, -ny))
    np.set_tag("door", door.id)
    np.set_tag("to", door.other(room.id))
    np.set_tag("reads", text)
    left, right, bottom, top = node.get_card_actual()
    mat = placement(door.x + nx * (FRAME_DEPTH + PLATE_DEPTH / 2), door.y + ny * (FRAME_DEPTH + PLATE_DEPTH / 2),
                    z, geometry.heading_of(-nx, -ny))
    plates.box((left + right) / 2 * scale, 0, bottom * scale, (right - left) * scale + 0.04, PLATE_DEPTH,
               (top - bottom) * scale, SIGN_EDGE, mat)


def _flag(plates: MeshBuilder, parent: NodePath, room: Room, door: Door, text: str) -> None:
    """A plate standing out square from the wall beside the door, read from both ways along the wall."""
    nx, ny = _inward(room, door)
    a, b = _along(room, door)
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
    cx, cy, z = sign_places(room, door, text).flag_center
    heading = geometry.heading_of(ux, uy)  # the plate's faces look along the wall
    plates.box(0, 0, -FLAG_HEIGHT / 2, FLAG_WIDTH, FLAG_THICKNESS, FLAG_HEIGHT, SIGN_BG, placement(cx, cy, z, heading))
    plates.box(0, 0, FLAG_HEIGHT / 2, 0.02, 0.02, room.wall_height - z - FLAG_HEIGHT / 2, SIGN_EDGE,
               placement(cx - nx * FLAG_WIDTH * 0.4, cy - ny * FLAG_WIDTH * 0.4, z, heading))  # its rod
    for side in (1.0, -1.0):
        node = sign(text, wordwrap=9, card=False)
        scale = min(0.1, (FLAG_WIDTH - 0.08) / max(node.get_width(), 1e-6),
                    (FLAG_HEIGHT - 0.06) / max(node.get_height(), 1e-6))
        np = parent.attach_new_node(node)
        np.set_scale(scale)
        off = FLAG_THICKNESS / 2 + 0.005
        np.set_pos(cx - ux * off * side, cy - uy * off * side, z - (node.get_top() + node.get_bottom()) / 2 * scale)
        np.set_h(heading if side > 0 else heading + 180.0)
        np.set_tag("door", door.id)
        np.set_tag("to", door.other(room.id))
        np.set_tag("reads", text)
        np.set_tag("flag", "1")


def sign(text: str, wordwrap: float = 14.0, bg=SIGN_BG, card: bool = True) -> TextNode:
    """A readable sign: white text on a blue plate (``card``), or on the plate it is put on."""
    node = TextNode("sign")
    font = style.font(bold=True)
    if font is not None:
        node.set_font(font)
    node.set_text(text)
    node.set_wordwrap(wordwrap)
    node.set_align(TextNode.A_center)
    node.set_text_color(1, 1, 1, 1)
    if card:
        node.set_card_color(*bg)
        node.set_card_as_margin(0.4, 0.4, 0.25, 0.25)
        node.set_card_decal(True)
    return node


def _world_bounds(world: World) -> tuple[float, float, float, float]:
    bs = [r.bounds for r in world.rooms.values()]
    return min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs)
