"""The teacher's second column: one pupil's pen, spotlight, send-out; breakout groups; attendance, slides, exports."""

from __future__ import annotations

import re
import time

from cybercollege.protocol.classroom import Breakout, PageBackground
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_slides import png
from tests.client.test_teacher_panel import demo, press


async def teacher_in_103(base, http, driver, server, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path)
    await in_world(session)
    world = server.world
    world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
    await until(lambda: "tableau-103" in session.conn.mirror.boards, what="the teacher in salle 103")
    return session, task


async def test_one_pupil_and_breakout_groups(base, server, http, driver, tmp_path):
    session, task = await teacher_in_103(base, http, driver, server, tmp_path)
    lea = await demo(http, server, "lea.martin")
    hugo = await demo(http, server, "hugo.moreau", place=(40.0, 17.0, 90.0))
    breakouts: list[Breakout] = []
    lea.mirror.listeners.append(lambda m: breakouts.append(m) if isinstance(m, Breakout) else None)
    try:
        panel, tools = session.classroom.panel, session.classroom.tools
        press(panel.toggle_button)
        assert tools.buttons["pupil_pen"] in session.hud.ring.widgets, "in the Tab ring with the panel"
        await until(lambda: {m.id for m in tools.pupils()} == {lea.mirror.me, hugo.mirror.me}, what="the pupils")
        while tools.selected != lea.mirror.me:
            press(tools.buttons["pupil_next"])
        assert tools.pupil_text.getText() == session.conn.mirror.members[lea.mirror.me].name

        press(tools.buttons["pupil_pen"])
        await lea.wait_for(lambda m: m.boards["tableau-103"].pens == [m.me])
        await until(lambda: tools.buttons["pupil_pen"]["text"] == "Lui reprendre le stylo", what="the pen label")
        press(tools.buttons["pupil_pen"])
        await lea.wait_for(lambda m: m.boards["tableau-103"].pens == [])

        press(tools.buttons["spotlight"])
        await lea.wait_for(lambda m: m.room_state is not None and m.room_state.spotlight == m.me)
        await until(lambda: tools.buttons["spotlight"]["text"] == "Fin de l'honneur", what="the spotlight label")
        press(tools.buttons["spotlight"])
        await lea.wait_for(lambda m: m.room_state.spotlight is None)
        press(tools.buttons["pupil_mute"])  # one pupil's chat
        await lea.wait_for(lambda m: m.me in m.room_state.muted)
        await until(lambda: tools.buttons["pupil_mute"]["text"] == "Rendre la parole écrite", what="the mute label")
        press(tools.buttons["pupil_mute"])
        await lea.wait_for(lambda m: m.me not in m.room_state.muted)

        assert tools.groups == 4 and tools.groups_text.getText() == "4"
        press(tools.buttons["groups_less"])
        press(tools.buttons["groups_less"])
        panel.fields["breakout_minutes"].enterText("2")
        before = time.monotonic()  # the server runs in this process: one clock
        press(tools.buttons["breakout_start"])
        await lea.wait_for(lambda m: breakouts and breakouts[-1].active)
        since_ms = (time.monotonic() - before) * 1000 + 1  # the timer started after `before`, was read before now
        assert len(breakouts[-1].groups) == 2 and 120_000 - since_ms <= breakouts[-1].remaining_ms <= 120_000
        await until(lambda: re.search(r"2 groupes en cours · reste [01]:\d\d", tools.breakout_text.getText()),
                    what="the countdown, under two minutes")
        press(tools.buttons["breakout_recall"])
        await lea.wait_for(lambda m: not breakouts[-1].active)
        await until(lambda: "terminé" in tools.breakout_text.getText(), what="the breakout ended")

        tools.selected = hugo.mirror.me
        press(tools.buttons["send_out"])
        await hugo.wait_for(lambda m: m.room != "salle-103")
        await until(lambda: [m.id for m in tools.pupils()] == [lea.mirror.me], what="Hugo gone from the chooser")
        assert tools.selected == lea.mirror.me
    finally:
        await hugo.close()
        await lea.close()
        await stop(session, task)


async def picked(base, driver, tools, keys=()) -> None:
    """The file picker opened: these keys, then Enter (the first file, or the name offered to save)."""
    await until(lambda: tools.picker is not None, what="the file picker")
    for key in [*keys, "enter"]:
        base.messenger.send(key)
        await driver.frames_later(2)
        base.messenger.send(f"{key}-up")
    await until(lambda: tools.picker is None, what="the file picker closed")


async def test_attendance_slides_and_exports(base, server, http, driver, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CYBERCOLLEGE_DOCUMENTS", str(folder))
    monkeypatch.setenv("HOME", str(tmp_path))
    session, task = await teacher_in_103(base, http, driver, server, tmp_path)
    lea = await demo(http, server, "lea.martin")
    backgrounds: list[PageBackground] = []
    lea.mirror.listeners.append(lambda m: backgrounds.append(m) if isinstance(m, PageBackground) else None)
    try:
        panel, tools = session.classroom.panel, session.classroom.tools
        press(panel.toggle_button)

        press(tools.buttons["attendance"])
        await until(lambda: tools.saved is not None, what="the attendance saved")
        assert tools.saved == folder / "presence-salle-103.csv"
        csv = tools.saved.read_text(encoding="utf-8-sig")
        assert csv.startswith("nom;rôle") and session.conn.mirror.members[lea.mirror.me].name in csv
        assert str(tools.saved) in tools.saved_text.getText()

        slide = tmp_path / "Documents" / "fiche.png"  # the file picker starts in my documents
        slide.parent.mkdir()
        slide.write_bytes(png(320, 240, (40, 90, 200)))
        press(tools.buttons["slides_upload"])
        await picked(base, driver, tools)
        await lea.wait_for(lambda m: any(b.board == "tableau-103" and b.sha256 for b in backgrounds))
        await until(lambda: tools.saved_text.getText() == "1 diapositive(s) sur le tableau.", what="the upload")

        press(tools.buttons["export_png"])
        await picked(base, driver, tools)  # saved in the folder and with the name offered
        await until(lambda: tools.saved.suffix == ".png", what="the PNG export")
        assert tools.saved == folder / "tableau-103-page1.png"
        assert tools.saved.read_bytes().startswith(b"\x89PNG")
        press(tools.buttons["export_pdf"])
        await picked(base, driver, tools)
        await until(lambda: tools.saved.suffix == ".pdf", timeout=10, what="the PDF export")
        assert tools.saved.read_bytes().startswith(b"%PDF")
        press(tools.buttons["export_png"])  # a second export does not overwrite the first
        await picked(base, driver, tools)
        await until(lambda: tools.saved.name == "tableau-103-page1-2.png", what="the second PNG")

        (slide.parent / "presence.pdf").write_text("nom,rôle")  # not a PDF
        press(tools.buttons["slides_upload"])
        await picked(base, driver, tools, ["arrow_down", "arrow_down"])
        await until(lambda: "illisible" in session.hud.toast_text.getText(), what="a CSV is not a slide")
    finally:
        await lea.close()
        await stop(session, task)
