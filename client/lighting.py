"""Lighting of the college: one sun casting shadows, ambient daylight, textured materials, sunlit windows.

``LOOKS`` chooses the look: ``"new"`` (this module's shaders) or ``"old"`` (Panda3D's fixed-function lights
and flat vertex colours, as before issue 13), so that the frame-time benchmark compares both in one run.
The new looks come in two qualities: ``"full"`` (shadows and detail textures) and ``"fast"`` (the same people,
windows and light per vertex, without the two per-pixel texture lookups). ``"new"`` picks ``fast`` on a
software GL (Mesa llvmpipe: each lookup costs ≈ 25 ms of CPU per 1280×720 frame there, docs/client.md) and
``full`` on a GPU; ``LOOKS = "full"`` or ``"fast"`` (CYBERCOLLEGE_LOOKS) forces one.

Why a small shader of our own and not panda3d-simplepbr or the auto-shader (measured on Mesa llvmpipe,
docs/client.md "Looks"): the auto-shader emits Cg, which this GL refuses ("The profile is not supported");
simplepbr's shadows crash LLVM 15 when compiling its shader with more than one light, and with one light its
physically based fragment shader and tone-mapping pass made the classroom frame ≈ 6× slower. Here the
fragment shader is Lambert diffuse from the sun with one hardware-filtered shadow-map lookup, ambient, and a
greyscale detail texture (floor, wall, wood, metal) multiplied with the vertex colour.

The shadow camera follows the room the camera is in and sits just under its ceiling, so the ceiling never
shadows the room; walls, furniture and people cast shadows on the floor and the desks.
"""

from __future__ import annotations

import math
import os
from functools import cache
from pathlib import Path

from panda3d.core import (
    AmbientLight,
    BitMask32,
    DirectionalLight,
    Filename,
    NodePath,
    OrthographicLens,
    PNMImage,
    RenderState,
    SamplerState,
    Shader,
    ShaderAttrib,
    Texture,
)

from cybercollege.client.mesh import Color, MeshBuilder
from cybercollege.worlds import Room, World, geometry

LOOKS = os.environ.get("CYBERCOLLEGE_LOOKS", "new")
""""new", "full", "fast" or "old" (read when a view is built)."""
SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "software")
SHADOW_SIZE = 1024
LOOKS_TAG = "looks"
"""An avatar's root has this tag set to "figure" (the sun's shadow camera draws it with its pose)."""
SHADOW_MASK = BitMask32.bit(5)
"""Nodes hidden from the sun's shadow camera (name tags, markers, signs) hide this bit."""
SUN_HPR = (-35.0, -50.0, 0.0)
SUN_COLOR = (0.55, 0.52, 0.46, 1.0)
AMBIENT_COLOR = (0.76, 0.76, 0.78, 1.0)
SKY_TOP: Color = (0.62, 0.8, 0.97, 1.0)
SKY_LOW: Color = (0.86, 0.93, 0.99, 1.0)
FRAME: Color = (0.93, 0.93, 0.91, 1.0)
DETAIL_SIZE = 256
TEXTURES = Path(__file__).resolve().parent.parent / "assets" / "textures"

# Materials: a per-vertex number the fragment shader picks a detail texture with.
PLAIN, FLOOR, WALL, WOOD, METAL, FABRIC = 0, 1, 2, 3, 4, 5
MATERIAL_TEXTURES = {FLOOR: "floor.png", WALL: "wall.png", WOOD: "wood.png", METAL: "metal.png",
                     FABRIC: "fabric.png"}

LIGHT_GLSL = """
uniform struct p3d_LightSourceParameters {
    vec4 color;
    vec4 position;
    sampler2DShadow shadowMap;
    mat4 shadowViewMatrix;
} p3d_LightSource[1];
uniform struct { vec4 ambient; } p3d_LightModel;
"""

VERTEX = """#version 130
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelViewMatrix;
uniform mat3 p3d_NormalMatrix;
uniform vec4 p3d_ColorScale;
""" + LIGHT_GLSL + """
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Color;
in vec2 p3d_MultiTexCoord0;
in float material;
out vec3 v_ambient;
out vec3 v_sun;
out vec4 v_shadow;
out vec3 v_uv;
out float v_alpha;
void main() {
    vec4 eye = p3d_ModelViewMatrix * p3d_Vertex;
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    vec3 n = normalize(p3d_NormalMatrix * p3d_Normal);
    float sun = max(dot(n, normalize(p3d_LightSource[0].position.xyz)), 0.0);
    vec4 base = p3d_Color * p3d_ColorScale;
    v_ambient = base.rgb * p3d_LightModel.ambient.rgb;
    v_sun = base.rgb * p3d_LightSource[0].color.rgb * sun;
    v_alpha = base.a;
    v_shadow = p3d_LightSource[0].shadowViewMatrix * eye;
    v_shadow.z -= (0.0015 + 0.006 * (1.0 - sun)) * v_shadow.w;  // more bias at grazing angles
    v_uv = vec3(p3d_MultiTexCoord0, material);
}
"""

FRAGMENT = """#version 130
""" + LIGHT_GLSL + """
uniform sampler2DArray details;
in vec3 v_ambient;
in vec3 v_sun;
in vec4 v_shadow;
in vec3 v_uv;
in float v_alpha;
out vec4 o_color;
void main() {
    float lit = textureProj(p3d_LightSource[0].shadowMap, v_shadow);
    vec3 detail = texture(details, v_uv).rgb;
    o_color = vec4((v_ambient + v_sun * lit) * detail, v_alpha);
}
"""

DEPTH_VERTEX = """#version 130
uniform mat4 p3d_ModelViewProjectionMatrix;
in vec4 p3d_Vertex;
void main() { gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex; }
"""

DEPTH_FRAGMENT = """#version 130
out vec4 o_color;
void main() { o_color = vec4(1.0); }
"""


def _posed(vertex: str) -> str:
    """``vertex`` with the avatar's pose applied first (client/posing.py POSE_GLSL)."""
    from cybercollege.client.posing import POSE_GLSL

    head, body = vertex.split("void main() {", 1)
    prologue = """
    vec3 posed = p3d_Vertex.xyz;
    vec3 posed_normal = p3d_Normal;
    pose(posed, posed_normal);
    vec4 vertex = vec4(posed, 1.0);"""
    body = body.replace("p3d_Vertex", "vertex").replace("p3d_Normal)", "posed_normal)")
    return head + POSE_GLSL + "void main() {" + prologue + body


FIGURE_DEPTH_VERTEX = """#version 130
uniform mat4 p3d_ModelViewProjectionMatrix;
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
void main() { gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex; }
"""


def quality() -> str:
    """``"full"`` or ``"fast"``: forced by LOOKS, else fast on a software GL."""
    if LOOKS in ("full", "fast"):
        return LOOKS
    from direct.showbase import ShowBaseGlobal

    gsg = ShowBaseGlobal.base.win.gsg if getattr(ShowBaseGlobal, "base", None) is not None else None
    renderer = gsg.get_driver_renderer().lower() if gsg is not None else ""
    return "fast" if any(name in renderer for name in SOFTWARE_GL) else "full"


def _fragment(quality: str) -> str:
    if quality == "full":
        return FRAGMENT
    return (FRAGMENT.replace("float lit = textureProj(p3d_LightSource[0].shadowMap, v_shadow);", "float lit = 1.0;")
            .replace("vec3 detail = texture(details, v_uv).rgb;", "vec3 detail = vec3(1.0);"))


@cache
def figure_shader(quality: str = "full") -> Shader:
    """The avatars' shader: the world's, with the pose applied in the vertex shader."""
    return Shader.make(Shader.SL_GLSL, _posed(VERTEX), _fragment(quality))


@cache
def figure_depth_shader() -> Shader:
    """The avatars in the sun's shadow camera: posed, so that a seated pupil's shadow sits too."""
    return Shader.make(Shader.SL_GLSL, _posed(FIGURE_DEPTH_VERTEX), DEPTH_FRAGMENT)


@cache
def lit_shader(quality: str = "full") -> Shader:
    """The world's shader: sun with shadow, ambient, detail texture by material (``fast``: neither lookup)."""
    return Shader.make(Shader.SL_GLSL, VERTEX, _fragment(quality))


@cache
def depth_shader() -> Shader:
    """What the sun's shadow camera draws static geometry with."""
    return Shader.make(Shader.SL_GLSL, DEPTH_VERTEX, DEPTH_FRAGMENT)


@cache
def details() -> Texture:
    """The detail textures (assets/textures, made by assets/make_textures.py) as one 2D texture array,
    one layer per material (layer 0 plain white): one lookup per pixel, no branch."""
    layers = [None, *(MATERIAL_TEXTURES[m] for m in sorted(MATERIAL_TEXTURES))]
    tex = Texture("details")
    tex.setup_2d_texture_array(DETAIL_SIZE, DETAIL_SIZE, len(layers), Texture.T_unsigned_byte,
                               Texture.F_luminance)
    for z, name in enumerate(layers):
        image = PNMImage(DETAIL_SIZE, DETAIL_SIZE, 1)
        if name is None:
            image.fill(1.0)
        elif not image.read(Filename.from_os_specific(str(TEXTURES / name))):
            raise FileNotFoundError(f"texture {TEXTURES / name} missing: run python assets/make_textures.py")
        tex.load(image, z, 0)
    tex.set_wrap_u(SamplerState.WM_repeat)
    tex.set_wrap_v(SamplerState.WM_repeat)
    tex.set_minfilter(SamplerState.FT_linear_mipmap_nearest)
    tex.set_magfilter(SamplerState.FT_linear)
    return tex


class Daylight:
    """The sun (a shadow-casting DirectionalLight that follows the room I look at) and the ambient light."""

    def __init__(self, base, world: World, root: NodePath) -> None:
        self.base, self.world, self.root = base, world, root
        ambient = AmbientLight("ambient")
        ambient.set_color(AMBIENT_COLOR)
        self.ambient = root.attach_new_node(ambient)
        sun = DirectionalLight("sun")
        sun.set_color(SUN_COLOR)
        if SHADOW_SIZE and quality() == "full":
            sun.set_shadow_caster(True, SHADOW_SIZE, SHADOW_SIZE)
        sun.set_camera_mask(SHADOW_MASK)
        sun.set_initial_state(RenderState.make(ShaderAttrib.make(depth_shader(), 100)))
        sun.set_tag_state_key(LOOKS_TAG)  # avatars (tagged "figure") cast posed shadows
        sun.set_tag_state("figure", RenderState.make(ShaderAttrib.make(figure_depth_shader(), 101)))
        lens = OrthographicLens()
        lens.set_film_size(20, 20)
        lens.set_near_far(0.0, 14.0)
        sun.set_lens(lens)
        self.sun = root.attach_new_node(sun)
        self.sun.set_hpr(*SUN_HPR)
        self.room: Room | None = None
        root.set_light(self.ambient)
        root.set_light(self.sun)
        self.task = base.taskMgr.add(self._follow, "daylight-follow", sort=45)

    def _follow(self, task):
        """Every 10th frame: aim the shadow camera at the room the camera is in (the first frame at once);
        ends with the view."""
        if self.root.is_empty() or self.sun.is_empty():
            return task.done
        if task.frame % 10 == 0:
            pos = self.base.camera.get_pos(self.root)
            room = self.room
            if room is None or not room.contains(pos.x, pos.y):
                room = next((r for r in self.world.rooms.values() if r.contains(pos.x, pos.y)), room)
            if room is not None and room is not self.room:
                self.aim(room)
        return task.cont

    def aim(self, room: Room) -> None:
        """Put the shadow camera under ``room``'s ceiling, covering the room."""
        self.room = room
        x0, y0, x1, y1 = room.bounds
        size = math.hypot(x1 - x0, y1 - y0) + 1.0
        lens = self.sun.node().get_lens()
        lens.set_film_size(size, size)
        top = room.wall_height - 0.05 if not room.outdoor else 12.0
        forward = self.root.get_relative_vector(self.sun, (0, 1, 0))  # the sun's rays, downwards
        down = max(0.2, -forward.z)
        # just under the ceiling, where the ray through the film's centre meets the floor at the room's centre
        self.sun.set_pos((x0 + x1) / 2 - forward.x * top / down, (y0 + y1) / 2 - forward.y * top / down, top)
        lens.set_near_far(0.0, top / down + 1.0)

    def destroy(self) -> None:
        self.base.taskMgr.remove(self.task)
        self.root.clear_light(self.sun)
        self.root.clear_light(self.ambient)
        self.sun.remove_node()
        self.ambient.remove_node()


def apply(base, world: World, render: NodePath, scene: NodePath) -> Daylight:
    """The new looks: the sun and ambient light everything under ``render``; the college drawn in ``scene``
    (client/scene.py) gets the shader, its textures and windows; signs stay unlit."""
    scene.set_shader(lit_shader(quality()))
    scene.set_shader_input("details", details())
    signs = scene.find("signs")
    if not signs.is_empty():
        signs.set_shader_off(1)
        signs.hide(SHADOW_MASK)
    scene.attach_new_node(windows(world))
    return Daylight(base, world, render)


def windows(world: World):
    """Windows with the sky behind them on every outside wall of every indoor room, away from doors and
    boards: a frame, two panes with a lighter lower half, a sill (drawn unlit: daylight, not a lamp)."""
    mesh = MeshBuilder()
    for room in world.rooms.values():
        if room.outdoor:
            continue
        for a, b in geometry.edges(room.polygon):
            if _outside(world, room, a, b):
                _wall_windows(mesh, room, a, b)
    node = mesh.node("windows")
    np = NodePath(node)
    np.set_shader_off(1)
    np.set_light_off(1)
    np.hide(SHADOW_MASK)
    return np.node()


def _outside(world: World, room: Room, a, b) -> bool:
    """The edge a-b is an outside wall: just beyond its middle there is no room."""
    (ax, ay), (bx, by) = a, b
    length = math.hypot(bx - ax, by - ay)
    if length < 2.0:
        return False
    mx, my = (ax + bx) / 2, (ay + by) / 2
    nx, ny = (by - ay) / length, -(bx - ax) / length  # rooms wind counter-clockwise: outside is on the right
    px, py = mx + nx * 0.5, my + ny * 0.5
    return not any(r.contains(px, py) for r in world.rooms.values() if r.id != room.id)


def _wall_windows(mesh: MeshBuilder, room: Room, a, b) -> None:
    (ax, ay), (bx, by) = a, b
    length = math.hypot(bx - ax, by - ay)
    ux, uy = (bx - ax) / length, (by - ay) / length
    nx, ny = -uy, ux  # inward
    blocked = [(d.x, d.y, d.width / 2 + 0.6) for d in room.doors]
    blocked += [(w.x, w.y, w.width / 2 + 0.3) for w in room.whiteboards]
    if room.screen is not None:
        blocked.append((room.screen.x, room.screen.y, room.screen.width / 2 + 0.3))
    width, gap = 1.3, 1.1
    count = int((length - 0.8) // (width + gap))
    if count <= 0:
        return
    top = min(room.wall_height - 0.35, 2.5)
    bottom = max(0.9, top - 1.6)
    start = (length - count * width - (count - 1) * gap) / 2
    for i in range(count):
        s = start + i * (width + gap)
        cx, cy = ax + ux * (s + width / 2), ay + uy * (s + width / 2)
        if any(math.hypot(cx - x, cy - y) < r + width / 2 for x, y, r in blocked):
            continue
        _window(mesh, (ax + ux * s, ay + uy * s), (ux, uy), (nx, ny), width, bottom, top)


def _window(mesh: MeshBuilder, p, u, n, width: float, z0: float, z1: float) -> None:
    """One window seen from inside: sky panes, frame and sill, a few centimetres in front of the wall."""
    (px, py), (ux, uy), (nx, ny) = p, u, n

    def at(s: float, z: float, depth: float) -> tuple[float, float, float]:
        return (px + ux * s + nx * depth, py + uy * s + ny * depth, z)

    def rect(s0: float, s1: float, za: float, zb: float, depth: float, color: Color) -> None:
        # seen from inside (from +n): counter-clockwise is s decreasing
        mesh.quad([at(s1, za, depth), at(s0, za, depth), at(s0, zb, depth), at(s1, zb, depth)], color)

    mid = (z0 + z1) / 2
    t = 0.06
    rect(-t, width + t, z0 - t, z1 + t, 0.02, FRAME)
    rect(0, width, mid, z1, 0.025, SKY_TOP)
    rect(0, width, z0, mid, 0.025, SKY_LOW)
    rect(width / 2 - t / 2, width / 2 + t / 2, z0, z1, 0.03, FRAME)  # mullion
    rect(0, width, mid - t / 3, mid + t / 3, 0.03, FRAME)  # transom
    # the sill
    mesh.quad([at(width + 0.08, z0 - t, 0.0), at(-0.08, z0 - t, 0.0), at(-0.08, z0 - t, 0.16),
               at(width + 0.08, z0 - t, 0.16)], FRAME)
