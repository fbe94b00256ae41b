"""A teacher's lesson, driven through the client's keys, a screenshot per step (var/journeys/<test>/).

Mme Durand logs in with the keyboard, walks to salle 103, draws on the board, runs a poll and a quiz from
the panel's polls tab (Léa, a pupil's client, gets a quiz's counts only once it is closed), puts Léa in the
spotlight and freezes the class from the class tab; typing in the panel's fields never moves her avatar.

Two steps wait for the parts being built alongside (issue 13): writing text where she clicked
(:func:`write_text_where_clicked`) and importing a slide with the file picker (:func:`import_a_slide`);
the 3D mark of the spotlight in the pupils' view is checked by :func:`spotlight_marked_for_pupils` as far
as it exists. Each hook says what it waits for and skips only itself.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginScreen
from cybercollege.protocol.teacher import Poll, Vote
from tests.client.helpers import until
from tests.client.sessions import in_world, stop
from tests.client.test_drawing import on_screen
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.test_teacher_invites import tab_to, type_text

log = logging.getLogger("journeys")


def where(session: Session) -> tuple[float, float, float]:
    w = session.view.walker
    return (w.x, w.y, w.heading)


async def open_tab(session: Session, name: str) -> None:
    panel = session.classroom.panel
    await tab_to(session, panel.tabs[name])
    await keyboard.press(session.base, "enter")
    await until(lambda: panel.tab == name, what=f"the {name} tab")


async def press_button(session: Session, button) -> None:
    await tab_to(session, button)
    await keyboard.press(session.base, "enter")


async def fill(session: Session, field, text: str) -> None:
    """Tab to the field and type ``text`` over what it holds: her avatar stays where it is."""
    before = where(session)
    await tab_to(session, field)
    await type_text(session, text, erase=len(field.get()))
    assert field.get() == text
    assert where(session) == before, "typing in a field never moves her avatar"


async def log_in_and_walk_to_class(session: Session, shots: Path) -> None:
    await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
    await keyboard.log_in(session, "mme.durand")
    await in_world(session)
    await save_shot(session.base, shots / "1-hall.png")
    await keyboard.go_to_room(session, "salle-103")
    await keyboard.go_to(session, 37.5, 15.0)
    await keyboard.turn_to(session, 90.0)  # facing the board
    await save_shot(session.base, shots / "2-classroom.png")


async def draw_on_the_board(session: Session, pupil: WorldConnection, shots: Path) -> None:
    """A stroke through the 3D board, as the mouse moves it (tests/client/test_drawing.py)."""
    base, pen = session.base, session.classroom.pen
    path = [(1500 + i * 300, 1300 + (i % 4) * 150) for i in range(12)]
    assert pen.press(*on_screen(base, session, *path[0]))
    for point in path[1:]:
        pen.drag(*on_screen(base, session, *point))
        await keyboard.frames(base)
    pen.release()
    await pupil.wait_for(lambda m: len(m.boards["tableau-103"].items) >= 1)
    await save_shot(base, shots / "3-drawn.png")


async def write_text_where_clicked(session: Session, shots: Path) -> None:
    """HOOK (input helper, issue 13 §1): click on the board with the text tool, type, Enter; the text is
    where she clicked, at a size readable from the back row. Not built yet: this step waits."""
    log.warning("journey step waiting for the text-where-clicked tool: write_text_where_clicked")


async def import_a_slide(session: Session, shots: Path) -> None:
    """HOOK (input helper, issue 13 §1): board tab → "Importer les diapositives" → the file picker → Enter
    on lecon.png; the board turns to the new slide (the server side is done: tests/server/classroom/
    test_slides.py). Waits for the file picker's keyboard path to be settled."""
    log.warning("journey step waiting for the file picker: import_a_slide")


async def poll_and_quiz(session: Session, pupil: WorldConnection, polls: list[Poll], shots: Path) -> None:
    base, panel = session.base, session.classroom.panel
    await open_tab(session, "polls")
    await fill(session, panel.fields["poll_question"], "On sort dans la cour ?")
    await fill(session, panel.fields["poll_options"], "oui/non")
    await press_button(session, panel.buttons["poll_open"])
    await pupil.wait_for(lambda m: polls and polls[-1].open and polls[-1].question == "On sort dans la cour ?")
    await pupil.send(Vote(polls[-1].id, [0]))
    await pupil.wait_for(lambda m: polls[-1].counts == [1, 0])
    await save_shot(base, shots / "4-poll-live.png")
    await press_button(session, panel.buttons["poll_close"])
    await pupil.wait_for(lambda m: not polls[-1].open)

    await fill(session, panel.fields["poll_question"], "Capitale de l'Allemagne ?")
    await fill(session, panel.fields["poll_options"], "Munich/*Berlin/Hambourg")
    await press_button(session, panel.buttons["poll_open"])
    await pupil.wait_for(lambda m: polls[-1].open and polls[-1].question == "Capitale de l'Allemagne ?")
    quiz = polls[-1].id
    await pupil.send(Vote(quiz, [1]))
    await until(lambda: session.classroom.poll.poll is not None and session.classroom.poll.poll.voters == 1,
                what="the teacher sees the answer come in")
    assert all(p.counts == [] for p in polls if p.id == quiz), "no counts for pupils while the quiz is open"
    await save_shot(base, shots / "5-quiz-open.png")
    await press_button(session, panel.buttons["poll_close"])
    await pupil.wait_for(lambda m: not polls[-1].open and polls[-1].counts == [0, 1, 0])
    assert polls[-1].correct == [1]
    await press_button(session, session.classroom.tools.buttons["poll_show"])
    await pupil.wait_for(lambda m: any("Berlin : 1" in (i.text or "") for i in m.boards["tableau-103"].items.values()))
    await save_shot(base, shots / "6-quiz-results.png")


async def spotlight_and_freeze(session: Session, pupil: WorldConnection, shots: Path) -> None:
    panel, tools = session.classroom.panel, session.classroom.tools
    await open_tab(session, "class")
    await until(lambda: tools.selected == pupil.mirror.me, what="Léa chosen")
    await press_button(session, tools.buttons["spotlight"])
    await pupil.wait_for(lambda m: m.room_state is not None and m.room_state.spotlight == m.me)
    await spotlight_marked_for_pupils(session, pupil)
    await press_button(session, panel.buttons["freeze"])
    await pupil.wait_for(lambda m: m.room_state.frozen)
    await save_shot(session.base, shots / "7-spotlight-frozen.png")


async def spotlight_marked_for_pupils(session: Session, pupil: WorldConnection) -> None:
    """HOOK (looks helper, issue 13 §4): the chosen pupil is marked in 3D in the pupils' view; here the
    room's state says who is in the spotlight, and the teacher's own view names her."""
    await until(lambda: session.classroom.state.spotlight != "", what="the spotlight named in the class state")


async def test_a_teacher_runs_a_lesson(base, driver, server, http, tmp_path, shots, monkeypatch):
    monkeypatch.setenv("CYBERCOLLEGE_DOCUMENTS", str(tmp_path / "Documents"))
    session = Session(base, http, driver, Options(url=server.url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    pupil = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "lea.martin"))
    polls: list[Poll] = []
    try:
        await log_in_and_walk_to_class(session, shots)
        await pupil.connect()
        world = server.world
        world.move_to(world.avatars[pupil.mirror.me], world.rooms["salle-103"], (40.0, 13.0, 90.0))
        await pupil.wait_for(lambda m: m.room == "salle-103" and "tableau-103" in m.boards)
        pupil.mirror.listeners.append(lambda m: polls.append(m) if isinstance(m, Poll) else None)
        await draw_on_the_board(session, pupil, shots)
        await write_text_where_clicked(session, shots)
        await keyboard.press(base, "f2")
        await until(lambda: session.classroom.panel.shown, what="the teacher's panel")
        await import_a_slide(session, shots)
        await poll_and_quiz(session, pupil, polls, shots)
        await spotlight_and_freeze(session, pupil, shots)
    finally:
        await pupil.close()
        await stop(session, task)
