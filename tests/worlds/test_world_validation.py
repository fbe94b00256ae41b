"""Every validation rule: a broken world must name the file, the path inside it and the reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cybercollege.worlds import WorldError, load_world

TOML = "world.toml"
S1_RECT = "rect = [10.0, 0.0, 20.0, 10.0]"

MakeWorld = Callable[..., Path]  # the make_world fixture (conftest.py)


def world_error(path: Path) -> WorldError:
    """Load ``path`` and return the WorldError it must raise."""
    with pytest.raises(WorldError) as info:
        load_world(path)
    return info.value


def assert_issue(err: WorldError, file: Path, path: str, reason: str) -> None:
    """``err`` has a line ``<file>: <path>: <...reason...>``."""
    lines = str(err).splitlines()
    prefix = f"{file}: {path}: "
    assert any(line.startswith(prefix) and reason in line for line in lines), (
        f"expected a line starting with {prefix!r} containing {reason!r}, got:\n{err}"
    )


def test_the_small_world_is_valid(make_world: MakeWorld) -> None:
    world = load_world(make_world())
    assert sorted(world.rooms) == ["hall", "s1"]


# -- one value at a time (schema) --------------------------------------------------------------

@pytest.mark.parametrize(
    ("old", "new", "path", "reason"),
    [
        ("capacity = 30", "capacity = 0", "rooms[1].capacity", "greater than 0"),
        ("capacity = 30", "capacity = -5", "rooms[1].capacity", "greater than 0"),
        ("capacity = 30", 'capacity = "30"', "rooms[1].capacity", "valid integer"),
        ("width = 1.0", "width = -1.0", "rooms[0].doors[0].width", "greater than or equal to 0.6"),
        ("x = 10.0", "x = nan", "rooms[0].doors[0].x", "finite number"),
        ('label = "Salle 1"', 'label = ""', "rooms[0].doors[0].label", "at least 1 character"),
        ('label = "Salle 1"', 'label = "Salle 1"\nlabell = "x"', "rooms[0].doors[0].labell", "Extra inputs"),
        ('kind = "hall"', 'kind = "kitchen"', "rooms[0].kind", "Input should be 'hall'"),
        ('kind = "desk"', 'kind = "spaceship"', "rooms[1].furniture[0].kind", "Input should be 'desk'"),
        ("sz = 0.75", "sz = 0", "rooms[1].furniture[0].sz", "greater than 0"),
        ('id = "hall"', 'id = "Hall d\'entrée"', "rooms[0].id", "should match pattern"),
        ("rect = [0.0, 0.0, 10.0, 10.0]", 'rect = [0.0, 0.0, 10.0, 10.0]\nfloor_color = "red"',
         "rooms[0].floor_color", "should match pattern"),
        ("rect = [0.0, 0.0, 10.0, 10.0]", "rect = [10.0, 0.0, 0.0, 10.0]", "rooms[0].rect", "min < max"),
        ("rect = [0.0, 0.0, 10.0, 10.0]", "polygon = [[0.0, 0.0], [10.0, 10.0], [10.0, 0.0], [0.0, 10.0]]",
         "rooms[0].polygon", "cross"),
        ("rect = [0.0, 0.0, 10.0, 10.0]", "polygon = [[0.0, 0.0], [10.0, 0.0]]", "rooms[0].polygon",
         "at least 3 points"),
        ("rect = [0.0, 0.0, 10.0, 10.0]", "", "rooms[0]", "exactly one of 'rect' or 'polygon'"),
        ("rect = [0.0, 0.0, 10.0, 10.0]", "rect = [0.0, 0.0, 10.0, 10.0]\npolygon = [[0, 0], [1, 0], [1, 1]]",
         "rooms[0]", "exactly one of 'rect' or 'polygon'"),
        ('policy = "class"', 'policy = "public"', "rooms[1].access.policy", "Input should be 'open'"),
        ('access = { policy = "class", classes = ["6A"] }', 'access = { policy = "class" }',
         "rooms[1].access", "needs a non-empty 'classes'"),
        ('access = { policy = "class", classes = ["6A"] }', 'access = { policy = "open", classes = ["6A"] }',
         "rooms[1].access", "only allowed with policy 'class'"),
        ("spawn_points = [[5.0, 5.0, 0.0]]", "spawn_points = [[5.0, 5.0]]", "rooms[0].spawn_points[0][2]",
         "Field required"),
        ("version = 1", "version = 0", "world.version", "greater than or equal to 1"),
        ('version = 1', 'version = 1\nformat = 2', "world.format", "Input should be 1"),
    ],
)
def test_schema_errors_name_file_path_and_reason(make_world: MakeWorld, old: str, new: str, path: str,
                                                 reason: str) -> None:
    root = make_world(replace={old: new})
    assert_issue(world_error(root), root / TOML, path, reason)


def test_missing_world_table(make_world: MakeWorld) -> None:
    root = make_world(replace={'[world]\nid = "mini"': '[monde]\nid = "mini"'})
    err = world_error(root)
    assert_issue(err, root / TOML, "world", "Field required")
    assert_issue(err, root / TOML, "monde", "Extra inputs")


def test_invalid_toml_syntax(make_world: MakeWorld) -> None:
    root = make_world(replace={"capacity = 30": "capacity = = 30"})
    assert_issue(world_error(root), root / TOML, "(toml)", "invalid TOML")


def test_missing_file(tmp_path) -> None:
    assert_issue(world_error(tmp_path), tmp_path / "world.toml", "(file)", "no such file")


def test_every_schema_error_is_reported_at_once(make_world: MakeWorld) -> None:
    root = make_world(replace={"capacity = 30": "capacity = 0", "width = 1.0": "width = 0.1"})
    err = world_error(root)
    assert len(err.issues) == 2
    assert str(err).count(str(root / "world.toml")) == 2


# -- identifiers and references ----------------------------------------------------------------

def test_duplicate_room_id(make_world: MakeWorld) -> None:
    root = make_world(replace={'id = "s1"': 'id = "hall"'})
    assert_issue(world_error(root), root / TOML, "rooms[1].id", "duplicate room id 'hall'")


def test_duplicate_door_id(make_world: MakeWorld) -> None:
    door = '\n[[rooms.doors]]\nid = "d1"\nto = "hall"\nx = 10.0\ny = 8.0\nwidth = 1.0\nlabell = "x"\n'
    root = make_world(append=door.replace("labell", "label"))
    assert_issue(world_error(root), root / TOML, "rooms[1].doors[0].id", "duplicate door id 'd1'")


def test_duplicate_generated_seat_id(make_world: MakeWorld) -> None:
    extra = ('\n[[rooms.seats]]\nid = "rang-1-1"\nx = 12.0\ny = 2.0\n'
             '\n[[rooms.seat_blocks]]\nid = "rang"\nfirst = [12.0, 8.0]\n')
    root = make_world(append=extra)
    assert_issue(world_error(root), root / TOML, "rooms[1].seat_blocks[0]", "duplicate seat id 'rang-1-1'")


def test_door_to_unknown_room(make_world: MakeWorld) -> None:
    root = make_world(replace={'to = "s1"': 'to = "s9"'})
    assert_issue(world_error(root), root / TOML, "rooms[0].doors[0].to", "unknown room 's9'")


def test_door_to_its_own_room(make_world: MakeWorld) -> None:
    root = make_world(replace={'to = "s1"': 'to = "hall"'})
    assert_issue(world_error(root), root / TOML, "rooms[0].doors[0].to", "another room")


def test_unknown_spawn_room(make_world: MakeWorld) -> None:
    root = make_world(replace={'spawn_room = "hall"': 'spawn_room = "nowhere"'})
    assert_issue(world_error(root), root / TOML, "world.spawn_room", "unknown room 'nowhere'")


def test_unknown_overflow_room(make_world: MakeWorld) -> None:
    root = make_world(replace={'spawn_room = "hall"': 'spawn_room = "hall"\noverflow_rooms = ["cour"]'})
    assert_issue(world_error(root), root / TOML, "world.overflow_rooms[0]", "unknown room 'cour'")


def test_spawn_room_without_spawn_points(make_world: MakeWorld) -> None:
    root = make_world(replace={"spawn_points = [[5.0, 5.0, 0.0]]": ""})
    assert_issue(world_error(root), root / TOML, "rooms[0].spawn_points", "at least one spawn point")


def test_unreachable_room(make_world: MakeWorld) -> None:
    extra = ('\n[[rooms]]\nid = "s2"\nname = "Réserve"\nkind = "library"\ncapacity = 5\n'
             'rect = [20.0, 0.0, 30.0, 10.0]\n')
    root = make_world(append=extra)
    assert_issue(world_error(root), root / TOML, "rooms[2].doors", "cannot be reached")


# -- geometry ----------------------------------------------------------------------------------

def test_spawn_point_outside_the_room(make_world: MakeWorld) -> None:
    root = make_world(replace={"spawn_points = [[5.0, 5.0, 0.0]]": "spawn_points = [[15.0, 5.0, 0.0]]"})
    assert_issue(world_error(root), root / TOML, "rooms[0].spawn_points[0]", "not in the walkable area")


def test_spawn_point_inside_a_desk(make_world: MakeWorld) -> None:
    root = make_world(replace={S1_RECT: S1_RECT + "\nspawn_points = [[15.0, 5.0, 0.0]]"})
    assert_issue(world_error(root), root / TOML, "rooms[1].spawn_points[0]", "not in the walkable area")


def test_overlapping_rooms(make_world: MakeWorld) -> None:
    root = make_world(replace={S1_RECT: "rect = [9.0, 0.0, 20.0, 10.0]"})
    assert_issue(world_error(root), root / TOML, "rooms[1].rect", "overlaps room 'hall'")


def test_overlapping_polygon_rooms(make_world: MakeWorld) -> None:
    root = make_world(replace={S1_RECT: "polygon = [[10.0, 0.0], [20.0, 0.0], [20.0, 10.0], [5.0, 10.0]]"})
    assert_issue(world_error(root), root / TOML, "rooms[1].polygon", "overlaps room 'hall'")


def test_door_not_on_a_wall(make_world: MakeWorld) -> None:
    root = make_world(replace={"x = 10.0": "x = 9.0"})
    assert_issue(world_error(root), root / TOML, "rooms[0].doors[0]", "not on a wall shared")


def test_door_between_rooms_that_do_not_touch(make_world: MakeWorld) -> None:
    root = make_world(replace={S1_RECT: "rect = [11.0, 0.0, 21.0, 10.0]", "x = 19.98": "x = 20.98",
                               "x = 15.0": "x = 16.0"})
    assert_issue(world_error(root), root / TOML, "rooms[0].doors[0]", "not on a wall shared")


def test_door_wider_than_the_shared_wall(make_world: MakeWorld) -> None:
    root = make_world(replace={"width = 1.0": "width = 12.0"})
    assert_issue(world_error(root), root / TOML, "rooms[0].doors[0]", "wider than that wall")


def test_door_sticking_past_the_end_of_the_shared_part(make_world: MakeWorld) -> None:
    # s1 only shares y in [0, 4] with the hall: a door centred at y = 3.8 does not fit.
    root = make_world(replace={S1_RECT: "rect = [10.0, -6.0, 20.0, 4.0]", "y = 5.0": "y = 3.8",
                               "x = 15.0\ny = 5.0": "x = 15.0\ny = 0.0"})
    assert_issue(world_error(root), root / TOML, "rooms[0].doors[0]", "not on a wall shared")


def test_door_landing_blocked_by_furniture(make_world: MakeWorld) -> None:
    root = make_world(replace={"x = 15.0\ny = 5.0": "x = 10.8\ny = 5.0"})
    assert_issue(world_error(root), root / TOML, "rooms[0].doors[0]", "landing point")


def test_overlapping_doors(make_world: MakeWorld) -> None:
    door = '\n[[rooms.doors]]\nid = "d2"\nto = "hall"\nx = 10.0\ny = 5.5\nwidth = 1.0\nlabel = "Hall"\n'
    root = make_world(append=door)
    assert_issue(world_error(root), root / TOML, "rooms[1].doors[0]", "overlaps door 'd1'")


def test_door_higher_than_the_walls(make_world: MakeWorld) -> None:
    root = make_world(replace={'label = "Salle 1"': 'label = "Salle 1"\nheight = 4.0'})
    assert_issue(world_error(root), root / TOML, "rooms[0].doors[0].height", "higher than the walls")


def test_whiteboard_outside_its_room(make_world: MakeWorld) -> None:
    root = make_world(replace={"x = 19.98": "x = 25.0"})
    assert_issue(world_error(root), root / TOML, "rooms[1].whiteboards[0]", "outside room 's1'")


def test_whiteboard_above_the_ceiling(make_world: MakeWorld) -> None:
    root = make_world(replace={"width = 3.0": "width = 3.0\nz = 2.8"})
    assert_issue(world_error(root), root / TOML, "rooms[1].whiteboards[0]", "wall height")


def test_whiteboard_facing_the_wall(make_world: MakeWorld) -> None:
    root = make_world(replace={"heading = 90.0": "heading = 270.0"})
    assert_issue(world_error(root), root / TOML, "rooms[1].whiteboards[0]", "faces the wall")


def test_classroom_without_whiteboard(make_world: MakeWorld) -> None:
    board = ('[[rooms.whiteboards]]\nid = "wb1"\nx = 19.98\ny = 5.0\nwidth = 3.0\nheight = 1.2\n'
             'heading = 90.0\n')
    root = make_world(replace={board: ""})
    assert_issue(world_error(root), root / TOML, "rooms[1].whiteboards", "at least one whiteboard")


def test_furniture_sticking_out_of_its_room(make_world: MakeWorld) -> None:
    root = make_world(replace={"x = 15.0": "x = 19.9"})
    assert_issue(world_error(root), root / TOML, "rooms[1].furniture[0]", "sticks out of room 's1'")


def test_seat_inside_a_desk(make_world: MakeWorld) -> None:
    root = make_world(append='\n[[rooms.seats]]\nid = "s1-x"\nx = 15.0\ny = 5.0\n')
    assert_issue(world_error(root), root / TOML, "rooms[1].seats[0]", "not in the walkable area")


def test_more_seats_than_capacity(make_world: MakeWorld) -> None:
    block = ('\n[[rooms.seat_blocks]]\nid = "rang"\nfirst = [11.0, 0.5]\nrows = 6\ncolumns = 6\n'
             'column_step = [1.0, 0.0]\nrow_step = [0.0, 1.0]\n')
    root = make_world(append=block)
    assert_issue(world_error(root), root / TOML, "rooms[1].capacity", "less than the 36 seats")


def test_stage_steps_not_on_its_edge(make_world: MakeWorld) -> None:
    stage = ('\n[[rooms.platforms]]\nid = "scene"\nrect = [16.0, 1.0, 19.0, 9.0]\nheight = 0.5\n'
             'steps = [{ x = 17.0, y = 5.0, width = 1.0 }]\n')
    root = make_world(append=stage)
    assert_issue(world_error(root), root / TOML, "rooms[1].platforms[0].steps[0]", "edge of platform")


def test_stage_outside_its_room(make_world: MakeWorld) -> None:
    stage = '\n[[rooms.platforms]]\nid = "scene"\nrect = [16.0, 1.0, 21.0, 9.0]\nheight = 0.5\n'
    root = make_world(append=stage)
    assert_issue(world_error(root), root / TOML, "rooms[1].platforms[0].rect", "sticks out")


# -- included files ----------------------------------------------------------------------------

EXTRA = """\
[[rooms]]
id = "cdi"
name = "CDI"
kind = "library"
capacity = 0
rect = [0.0, -8.0, 10.0, 0.0]

[[rooms.doors]]
id = "d-cdi"
to = "hall"
x = 5.0
y = 0.0
width = 1.6
label = "CDI"
"""


def test_included_file_loads(make_world: MakeWorld) -> None:
    root = make_world(replace={'spawn_room = "hall"': 'spawn_room = "hall"\ninclude = ["cdi.toml"]'},
                      files={"cdi.toml": EXTRA.replace("capacity = 0", "capacity = 40")})
    world = load_world(root)
    assert world.rooms["cdi"].doors[0].rooms == ("cdi", "hall")
    assert world.files() == [root / TOML, root / "cdi.toml"]


def test_same_file_included_twice(make_world: MakeWorld) -> None:
    include = 'spawn_room = "hall"\ninclude = ["cdi.toml", "./cdi.toml"]'
    root = make_world(replace={'spawn_room = "hall"': include},
                      files={"cdi.toml": EXTRA.replace("capacity = 0", "capacity = 40")})
    assert_issue(world_error(root), root / TOML, "world.include[1]", "included twice")


def test_errors_in_an_included_file_name_that_file(make_world: MakeWorld) -> None:
    root = make_world(replace={'spawn_room = "hall"': 'spawn_room = "hall"\ninclude = ["cdi.toml"]'},
                      files={"cdi.toml": EXTRA})
    assert_issue(world_error(root), root / "cdi.toml", "rooms[0].capacity", "greater than 0")


def test_cross_reference_errors_in_an_included_file_name_that_file(make_world: MakeWorld) -> None:
    cdi = EXTRA.replace("capacity = 0", "capacity = 4").replace("x = 5.0", "x = 9.5")  # past the corner
    root = make_world(replace={'spawn_room = "hall"': 'spawn_room = "hall"\ninclude = ["cdi.toml"]'},
                      files={"cdi.toml": cdi})
    assert_issue(world_error(root), root / "cdi.toml", "rooms[0].doors[0]", "not on a wall shared")


@pytest.mark.parametrize(
    ("include", "reason"),
    [("../outside.toml", "inside the world directory"), ("/etc/hosts.toml", "inside the world directory"),
     ("absent.toml", "no such file"), ("world.toml", "included twice"),
     ("readme.txt", "should match pattern")],
)
def test_bad_includes(make_world: MakeWorld, include: str, reason: str) -> None:
    (make_world().parent / "outside.toml").write_text(EXTRA)
    root = make_world(replace={'spawn_room = "hall"': f'spawn_room = "hall"\ninclude = ["{include}"]'})
    assert_issue(world_error(root), root / TOML, "world.include[0]", reason)
