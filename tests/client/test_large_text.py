"""Large text and high contrast reach the whole interface at 1280×720: the chat, the HUD's buttons, the people
list, the board's toolbar, the poll window, the map and the toasts grow by the text factor and take the palette's
colours; every button stays inside its dialog or the window, nothing overlaps the chat, and Tab reaches every
button of the map and the poll window (the teacher's tabs: test_options.py, test_layout_bounds.py)."""

from __future__ import annotations

import pytest
from direct.gui.DirectGui import DirectButton

from cybercollege.client import style
from cybercollege.client.ui.layout import overlap
from cybercollege.client.ui.map import MapScreen
from cybercollege.client.ui.teacher import TABS
from cybercollege.protocol.teacher import Poll
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_invitation_card import window_size
from tests.client.test_layout_bounds import EPS, button_box, measure, problems
from tests.client.test_teacher_tabs import open_tab, shots, teacher_at
from tests.journeys.keyboard import press

Box = tuple[float, float, float, float]


def bounds(node, base) -> Box:
    """A node's drawn extent on aspect2d: (left, right, bottom, top)."""
    low, high = node.getTightBounds(base.aspect2d)
    return low[0], high[0], low[2], high[2]


def within(inner: Box, outer: Box) -> bool:
    return (outer[0] - EPS <= inner[0] and inner[1] <= outer[1] + EPS and outer[2] - EPS <= inner[2]
            and inner[3] <= outer[3] + EPS)


def window(base) -> Box:
    aspect = base.getAspectRatio()
    return -aspect, aspect, -1.0, 1.0


def clipped(buttons: list[DirectButton], frame, box: Box) -> list[str]:
    """Buttons outside ``box`` (in ``frame``'s units) or whose label is wider than they are."""
    out = []
    for b in buttons:
        edges = button_box(b, frame)
        if not within(edges, box):
            out.append(f"{b['text']!r} {edges} outside {box}")
        if measure(b["text"]) * b.get_scale(frame)[0] > edges[1] - edges[0] + EPS:
            out.append(f"{b['text']!r}: its label is wider than the button")
    return out


def legible(b: DirectButton) -> bool:
    label = tuple(b.component("text0").textNode.get_text_color())
    return style.contrast(label, tuple(b.getPythonTag("color"))) >= 4.5


async def test_the_hud_toolbar_people_and_poll_in_large_text_and_high_contrast(base, server, http, driver, tmp_path):
    session, task = await teacher_at(base, http, driver, server, tmp_path)
    folder = shots("test_large_text")
    hud = session.hud
    try:
        with window_size(base, 1280, 720):
            normal = hud.entry.get_scale(base.aspect2d)[0]
            toolbar = session.classroom.toolbar
            await until(lambda: toolbar.shown, what="a teacher's board toolbar")
            style.configure(True, True)
            await driver.frames_later(3)
            hud.layout_people()
            larger = hud.entry.get_scale(base.aspect2d)[0]
            assert larger == pytest.approx(normal * style.LARGE), "the chat's text is larger"
            win = window(base)
            hud_buttons = [hud.hand, hud.sit, hud.menu, session.classroom.panel.toggle_button]
            assert clipped(hud_buttons, base.aspect2d, win) == []
            for i, a in enumerate(hud_buttons):
                for b in hud_buttons[i + 1:]:
                    apart = not overlap(button_box(a, base.aspect2d), button_box(b, base.aspect2d))
                    assert apart, (a["text"], b["text"])
            assert all(legible(b) for b in hud_buttons), "black on yellow, white on black"
            assert tuple(hud.chat_panel["frameColor"]) == style.PANEL
            chat = bounds(hud.chat_panel, base)
            assert within(chat, win) and within(bounds(hud.top_panel, base), win)

            tools = list(toolbar.buttons.values())
            assert clipped(tools, base.aspect2d, win) == [], "the toolbar's buttons in the window, labels whole"
            assert tools[0].get_scale(base.aspect2d)[0] > 0.032 * 1.2, "the toolbar's text is larger"
            assert all(legible(b) for b in tools)
            for b in tools:
                assert not overlap(button_box(b, base.aspect2d), chat), f"{b['text']!r} over the chat"
            assert all(b in hud.ring.widgets for b in tools), "built again, still reachable with Tab"

            people = hud.people.frame
            assert people is not None and within(people, win)
            for b in hud_buttons:
                assert not overlap(people, button_box(b, base.aspect2d)), "the people list over the HUD's buttons"
            assert hud.people.title.get_scale(base.aspect2d)[0] > 0.042 * 1.2, "the people list's text is larger"

            hud.toast("Réglages enregistrés : grands caractères et contraste élevé.")
            assert within(bounds(hud.toast_text, base), win)
            help_box = bounds(hud.help, base)
            assert within(help_box, win) and not overlap(help_box, chat)

            poll = Poll(1, "Quelle est la capitale de l'Australie, et pourquoi pas Sydney ?",
                        ["Canberra", "Sydney", "Melbourne, la deuxième ville du pays", "Perth"], False, True, True,
                        [3, 1, 0, 2], 6, [], [])
            session.classroom.poll.show(poll)
            window_frame = session.classroom.poll.widgets[0]
            card = bounds(window_frame, base)
            assert within(card, win), "the poll window in the window"
            answers = session.classroom.poll.answers
            assert clipped(answers, window_frame, tuple(window_frame["frameSize"])) == []
            assert all(b in hud.ring.widgets for b in answers), "each answer reachable with Tab"
            await driver.frames_later(2)
            session.screenshot(folder / "1-large-text-high-contrast.png")
            session.classroom.poll.hide()

            await press(base, "m")
            await until(lambda: isinstance(session.screen, MapScreen), what="the map")
            screen = session.screen
            card_box = tuple(screen.card["frameSize"])
            assert within(bounds(screen.card, base), win)
            assert clipped([screen.close], screen.card, card_box) == []
            reached = set()
            for _ in range(len(screen.ring.widgets)):
                await press(base, "tab")
                reached.add(id(screen.ring.current))
            assert reached == {id(w) for w in screen.ring.widgets}, "Tab reaches every button of the map"
            await driver.frames_later(2)
            session.screenshot(folder / "2-map.png")
            await press(base, "escape")
            await until(lambda: session.screen is None, what="the map closed")

            await press(base, "f2")  # the teacher's tabs at 1280x720 in large text: inside, clear of the buttons
            panel = session.classroom.panel
            await until(lambda: panel.shown, what="the teacher's panel")
            for name in TABS:
                await open_tab(session, name)
                panel.place()
                rect = panel.rect
                assert rect is not None and within(rect, win), f"the {name} tab inside the window"
                assert problems(panel) == [], name
                for b in hud_buttons:
                    assert not overlap(rect, button_box(b, base.aspect2d)), f"the {name} tab over {b['text']!r}"
            await driver.frames_later(2)
            session.screenshot(folder / "4-teacher-tab-large.png")
    finally:
        style.configure(False, False)
        await stop(session, task)


async def test_a_pupils_map_in_large_text(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await in_world(session)
        with window_size(base, 1280, 720):
            style.configure(True, False)
            await press(base, "m")
            await until(lambda: isinstance(session.screen, MapScreen), what="the map")
            screen = session.screen
            assert screen.go is not None
            assert screen.go.get_scale(base.aspect2d)[0] > 0.05, "larger than the usual 0.05"
            assert clipped([screen.go, screen.close], screen.card, tuple(screen.card["frameSize"])) == []
            assert not overlap(button_box(screen.go, screen.card), button_box(screen.close, screen.card))
            await driver.frames_later(2)
            session.screenshot(shots("test_large_text") / "3-pupil-map.png")
    finally:
        style.configure(False, False)
        await stop(session, task)
