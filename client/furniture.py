"""Low-poly furniture, drawn into a room's MeshBuilder from ``cybercollege.worlds.Furniture`` boxes.

Each drawer works in the furniture's own frame: origin at its centre on the floor, +y the way it faces,
``sx`` across, ``sy`` deep, ``sz`` high.
"""

from __future__ import annotations

from collections.abc import Callable

from cybercollege.client.lighting import FABRIC, PLAIN, WOOD
from cybercollege.client.lighting import METAL as METAL_MATERIAL
from cybercollege.client.mesh import Color, MeshBuilder, hex_color, placement, shade
from cybercollege.worlds import Furniture

DEFAULT_COLORS = {
    "desk": "#c8a572", "teacher_desk": "#8a6a48", "table": "#b48a5a", "chair": "#3d6fa8",
    "armchair": "#8c1c1c", "bench": "#9a7b55", "shelf": "#a07850", "cabinet": "#b9b2a3",
    "locker": "#4a6fa5", "counter": "#8a6f4d", "lectern": "#5b3a24", "pillar": "#e4ddcc",
    "board": "#5a7d3a", "plant": "#3f8f3f", "tree": "#3d8b3d", "ping_pong": "#1f5f8b",
    "hoop": "#d0d0d0", "computer": "#2b2b2b", "sofa": "#b5553c", "whiteboard": "#fbfbf8",
    "screen": "#f4f4f4", "stage": "#6b4a2f", "steps": "#6b4a2f", "rug": "#b04a4a", "sign": "#2f5d8a",
    "lamp": "#f3e7b0",
}
METAL: Color = (0.35, 0.36, 0.38, 1.0)
WOOD_DARK: Color = (0.42, 0.3, 0.2, 1.0)
POT: Color = (0.62, 0.36, 0.24, 1.0)

Drawer = Callable[[MeshBuilder, Furniture, Color], None]
MATERIALS = {  # the detail texture of each kind (client/lighting.py); metal legs are set where drawn
    "desk": WOOD, "teacher_desk": WOOD, "table": WOOD, "bench": WOOD, "shelf": WOOD, "counter": WOOD,
    "lectern": WOOD, "stage": WOOD, "steps": WOOD, "armchair": FABRIC, "sofa": FABRIC, "rug": FABRIC,
    "locker": METAL_MATERIAL, "cabinet": METAL_MATERIAL, "hoop": METAL_MATERIAL,
}


def draw(mesh: MeshBuilder, f: Furniture) -> None:
    """Draw one piece of furniture into ``mesh``."""
    color = hex_color(f.color or DEFAULT_COLORS.get(f.kind, "#999999"))
    mesh.material = MATERIALS.get(f.kind, PLAIN)
    DRAWERS.get(f.kind, _block)(mesh, f, color)


def _mat(f: Furniture):
    return placement(f.x, f.y, f.z, f.heading)


def _block(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    mesh.box(0, 0, 0, f.sx, f.sy, f.sz, color, _mat(f))


def _table(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m, top = _mat(f), 0.04
    mesh.box(0, 0, f.sz - top, f.sx, f.sy, top, color, m, bottom=True)
    leg, material = 0.05, mesh.material
    mesh.material = METAL_MATERIAL
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (f.sx / 2 - leg), sy * (f.sy / 2 - leg)
            mesh.box(x, y, 0, leg, leg, f.sz - top, METAL, m)
    mesh.material = material


def _teacher_desk(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m = _mat(f)
    mesh.box(0, 0, f.sz - 0.05, f.sx, f.sy, 0.05, color, m, bottom=True)
    mesh.box(-f.sx / 2 + 0.22, 0, 0, 0.4, f.sy - 0.04, f.sz - 0.05, shade(color, 0.85), m)  # drawers
    mesh.box(f.sx / 2 - 0.03, 0, 0, 0.04, f.sy - 0.04, f.sz - 0.05, shade(color, 0.85), m)
    mesh.box(0, f.sy / 2 - 0.03, 0.25, f.sx - 0.1, 0.03, f.sz - 0.3, shade(color, 0.8), m)  # modesty panel


def _chair(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m, seat_h, leg = _mat(f), 0.45, 0.035
    mesh.box(0, 0, seat_h - 0.04, f.sx * 0.9, f.sy * 0.9, 0.04, color, m, bottom=True)
    mesh.box(0, -f.sy * 0.45 + 0.02, seat_h, f.sx * 0.9, 0.04, f.sz - seat_h, color, m)
    for sx in (-1, 1):
        for sy in (-1, 1):
            mesh.box(sx * f.sx * 0.4, sy * f.sy * 0.4, 0, leg, leg, seat_h - 0.04, METAL, m)


def _armchair(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m, seat_h = _mat(f), 0.45
    mesh.box(0, 0, 0, f.sx * 0.9, f.sy * 0.85, seat_h, shade(color, 0.8), m)
    mesh.box(0, -f.sy * 0.42, 0, f.sx * 0.9, 0.1, f.sz, color, m)
    for sx in (-1, 1):
        mesh.box(sx * f.sx * 0.45, 0, 0, 0.05, f.sy * 0.85, seat_h + 0.2, shade(color, 0.7), m)


def _bench(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m = _mat(f)
    mesh.box(0, 0, f.sz - 0.05, f.sx, f.sy, 0.05, color, m, bottom=True)
    for sx in (-1, 1):
        mesh.box(sx * (f.sx / 2 - 0.15), 0, 0, 0.06, f.sy * 0.8, f.sz - 0.05, METAL, m)


def _shelf(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m = _mat(f)
    mesh.box(0, 0, 0, f.sx, f.sy, f.sz, color, m)
    shelves = max(2, int(f.sz / 0.4))
    for i in range(1, shelves):
        z = f.sz * i / shelves
        mesh.box(0, f.sy / 2 + 0.005, z - 0.15, f.sx - 0.1, 0.01, 0.22, _books(i), m)


def _books(i: int) -> Color:
    palette = [(0.7, 0.25, 0.2, 1.0), (0.2, 0.4, 0.7, 1.0), (0.85, 0.7, 0.3, 1.0), (0.3, 0.55, 0.35, 1.0)]
    return palette[i % len(palette)]


def _locker(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m = _mat(f)
    mesh.box(0, 0, 0, f.sx, f.sy, f.sz, color, m)
    doors = max(1, round(f.sx / 0.4))
    for i in range(doors):
        x = -f.sx / 2 + (i + 0.5) * f.sx / doors
        door = shade(color, 1.15)
        mesh.box(x, f.sy / 2 + 0.005, f.sz * 0.15, f.sx / doors - 0.04, 0.01, f.sz * 0.8, door, m)


def _plant(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m, r = _mat(f), min(f.sx, f.sy) / 2
    mesh.cylinder(0, 0, 0, r * 0.6, f.sz * 0.3, POT, m, top_radius=r * 0.7)
    mesh.sphere(0, 0, f.sz * 0.62, r, color, m)


def _tree(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m, r = _mat(f), min(f.sx, f.sy) / 2
    mesh.cylinder(0, 0, 0, r * 0.5, f.sz * 0.55, WOOD_DARK, m, sides=6)
    mesh.cylinder(0, 0, f.sz * 0.35, r * 4.5, f.sz * 0.4, color, m, top_radius=r * 2.5)
    mesh.cylinder(0, 0, f.sz * 0.75, r * 2.5, f.sz * 0.25, shade(color, 1.1), m, top_radius=0)


def _ping_pong(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    _table(mesh, f, color)
    mesh.box(0, 0, f.sz, f.sx, 0.02, 0.15, (0.95, 0.95, 0.95, 1.0), _mat(f))


def _hoop(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m = _mat(f)
    mesh.cylinder(0, -0.4, 0, 0.06, f.sz + 0.3, METAL, m, sides=6)
    mesh.box(0, -0.35, f.sz - 0.2, 1.2, 0.04, 0.9, (0.95, 0.95, 0.95, 1.0), m)
    mesh.cylinder(0, 0, f.sz - 0.02, 0.23, 0.03, (0.9, 0.4, 0.1, 1.0), m)


def _whiteboard(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m = _mat(f)
    mesh.box(0, -0.01, -0.04, f.sx + 0.08, 0.03, f.sz + 0.08, (0.6, 0.62, 0.65, 1.0), m)
    mesh.box(0, 0.01, 0, f.sx, 0.03, f.sz, color, m)
    mesh.box(0, 0.06, -0.06, f.sx * 0.9, 0.1, 0.03, (0.6, 0.62, 0.65, 1.0), m)  # marker tray


def _screen(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m = _mat(f)
    mesh.box(0, -0.01, -0.06, f.sx + 0.12, 0.03, f.sz + 0.12, (0.15, 0.15, 0.17, 1.0), m)
    mesh.box(0, 0.01, 0, f.sx, 0.03, f.sz, (0.86, 0.9, 0.96, 1.0), m)


def _steps(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m, n = _mat(f), 3
    for i in range(n):
        depth = f.sy * (n - i) / n
        mesh.box(0, -f.sy / 2 + depth / 2, 0, f.sx, depth, f.sz * (i + 1) / n,
                 shade(color, 1.0 + 0.05 * i), m)


def _stage(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    m = _mat(f)
    mesh.box(0, 0, 0, f.sx, f.sy, f.sz, shade(color, 0.8), m, top=color)


def _computer(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    _table(mesh, f, (0.8, 0.78, 0.74, 1.0))
    m = _mat(f)
    mesh.box(0, 0.05, f.sz, 0.5, 0.05, 0.32, color, m)
    mesh.box(0, 0.06, f.sz + 0.04, 0.44, 0.01, 0.25, (0.3, 0.5, 0.8, 1.0), m)


def _rug(mesh: MeshBuilder, f: Furniture, color: Color) -> None:
    mesh.box(0, 0, 0, f.sx, f.sy, min(f.sz, 0.01), color, _mat(f))


DRAWERS: dict[str, Drawer] = {
    "desk": _table, "table": _table, "teacher_desk": _teacher_desk, "chair": _chair, "armchair": _armchair,
    "bench": _bench, "shelf": _shelf, "locker": _locker, "plant": _plant, "tree": _tree,
    "ping_pong": _ping_pong, "hoop": _hoop, "whiteboard": _whiteboard, "screen": _screen,
    "steps": _steps, "stage": _stage, "computer": _computer, "rug": _rug,
}
