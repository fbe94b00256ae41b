"""How much of the rendered view is wall: a second offscreen buffer sees the same college from the same camera,
with every wall painted one flat colour.

The mask's rooms are built by the client's own ``scene.build_room`` from the same world data, with only the
rooms' wall colour replaced by pure red; lights, textures and shaders are off, so a wall pixel is exactly red
(or its two shades on wall ends and tops). Everything else the client draws (avatars, name tags, signs, boards,
the ground) is instanced into the mask as it is, unlit: it hides walls there as it does on screen, in colours
that are not red. The mask camera is a child of the main camera with the main lens: both buffers see the same
frustum in the same frame.
"""

from __future__ import annotations

import copy

import numpy as np
from panda3d.core import FrameBufferProperties, GraphicsOutput, GraphicsPipe, NodePath, Texture, WindowProperties

from cybercollege.client import scene
from cybercollege.worlds import World

MASK_WALL = "#ff0000"


class WallMask:
    """Attach to the running client's window; :meth:`fraction` reads the last rendered mask."""

    def __init__(self, base, world: World, view_root: NodePath, view_scene: NodePath) -> None:
        self.base, self.view_scene = base, view_scene
        self.root = NodePath("wall-mask")
        for room in world.rooms.values():
            masked = copy.copy(room)
            masked.wall_color = MASK_WALL
            self.root.attach_new_node(scene.build_room(masked))
        for child in view_root.get_children():  # avatars, boards...: all but the college's rooms
            if child != view_scene:
                child.instance_to(self.root)
        for child in view_scene.get_children():  # the signs and the ground
            if not child.get_name().startswith("room-"):
                child.instance_to(self.root)
        self.root.set_light_off(1)
        self.root.set_texture_off(1)
        self.root.set_shader_off(1)
        self.root.set_material_off(1)
        self.root.set_color_scale_off(1)
        w, h = base.win.get_x_size(), base.win.get_y_size()
        fb = FrameBufferProperties()
        fb.set_rgba_bits(8, 8, 8, 8)
        fb.set_depth_bits(24)
        self.buffer = base.graphicsEngine.make_output(
            base.pipe, "wall-mask", -5, fb, WindowProperties.size(w, h),
            GraphicsPipe.BF_refuse_window, base.win.get_gsg(), base.win)
        if self.buffer is None:
            raise AssertionError("could not open the wall mask's offscreen buffer")
        self.texture = Texture("wall-mask")
        self.buffer.add_render_texture(self.texture, GraphicsOutput.RTM_copy_ram)
        self.buffer.set_clear_color_active(True)
        self.buffer.set_clear_color((0, 0, 0, 1))
        self.camera = base.make_camera(self.buffer, lens=base.camLens)
        self.camera.reparent_to(base.camera)
        self.camera.node().set_scene(self.root)
        self.sync()

    def sync(self) -> None:
        """Show in the mask the rooms the client draws now (its room and the rooms its doors open on)."""
        shown = {np.get_name() for np in self.view_scene.find_all_matches("room-*") if not np.is_hidden()}
        for np_ in self.root.find_all_matches("room-*"):
            if np_.get_name() in shown:
                np_.show()
            else:
                np_.hide()

    def fraction(self) -> float:
        """The share of the last rendered frame's pixels that are wall (0..1)."""
        data = self.texture.get_ram_image_as("RGB")
        if not data:
            raise AssertionError("the wall mask has not been rendered yet")
        pixels = np.frombuffer(bytes(data), dtype=np.uint8).reshape(-1, 3).astype(np.int16)
        r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
        wall = (r >= 200) & (g <= 12) & (b <= 12)  # red and its 0.9 / 0.85 shades
        return float(wall.mean())

    def destroy(self) -> None:
        self.camera.remove_node()
        self.base.graphicsEngine.remove_window(self.buffer)
        self.root.remove_node()
