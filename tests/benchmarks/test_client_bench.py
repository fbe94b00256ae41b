"""The lesson benchmark's breakdown: which frames over the budget were the machine's, which our own work's."""

from __future__ import annotations

from benchmarks.client_bench import FrameProbe


def frame(wall: float, main_run: float = 5.0, raster_max: float = 10.0, wait: float = 0.0, gc: float = 0.0) -> dict:
    """One frame as FrameProbe records it (milliseconds)."""
    return {
        "wall": wall,
        "main_run": main_run,
        "main_wait": wait / 2,
        "python": 0.5,
        "draw": main_run - 0.5 - gc,
        "gc": gc,
        "raster_run": 2 * raster_max,
        "raster_max": raster_max,
        "raster_wait": wait / 2,
        "board": False,
        "video": False,
    }


def summary(rows: list[dict]) -> dict:
    probe = FrameProbe.__new__(FrameProbe)  # no scene: only the rows
    probe.rows = rows
    return probe.summary()


def test_a_frame_late_only_by_waiting_for_a_core_is_the_machines():
    s = summary([frame(20.0)] * 20 + [frame(80.0, wait=60.0)])
    assert s["over_budget"] == 1
    assert s["slow_causes"]["machine"] == 1
    assert s["own_over_budget_share"] == 0


def test_a_frame_over_the_budget_by_its_own_work_is_put_down_to_what_grew():
    s = summary([frame(20.0)] * 20 + [frame(45.0, raster_max=35.0), frame(42.0, main_run=30.0, gc=25.0)])
    assert s["over_budget"] == 2
    assert s["slow_causes"]["rasteriser"] == 1 and s["slow_causes"]["gc"] == 1
    assert s["slow_causes"]["machine"] == 0
    assert s["own_over_budget_share"] == round(2 / 22, 4)
