"""Large text and high contrast, chosen in the settings dialog with the keyboard, saved and applied at once:
the teacher's panel still keeps off the board with no clipped label; messages over the world are legible on
any wall (WCAG contrast); every button of the menu and of the settings dialog lies inside its card."""

from __future__ import annotations

from direct.gui.DirectGui import DirectButton

from cybercollege.client import preferences, style
from cybercollege.client.i18n import tr
from cybercollege.client.ui.dialogs import MessageScreen
from cybercollege.client.ui.settings import SettingsDialog
from cybercollege.client.ui.teacher import TABS
from tests.client.helpers import until
from tests.client.sessions import stop
from tests.client.test_layout_bounds import button_box, problems
from tests.client.test_teacher_tabs import open_tab, shots, tab_to, teacher_at
from tests.journeys.keyboard import press

WHITE, BLACK, CREAM = (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (0.95, 0.93, 0.85)  # the classroom's walls are cream


def test_messages_are_legible_on_any_background():
    try:
        for high in (False, True):
            style.configure(False, high)
            for wall in (WHITE, BLACK, CREAM, (0.9, 0.3, 0.2)):
                ratio = style.contrast(style.CARD_TEXT, style.over(style.CARD, wall))
                assert ratio >= 4.5, f"{'high contrast' if high else 'usual'} palette on {wall}: {ratio:.1f}"
            assert style.contrast(style.BUTTON_TEXT, style.ACCENT) >= (4.5 if high else 3.0)
    finally:
        style.configure(False, False)
    assert style.contrast(WHITE, CREAM) < 1.2, "white on cream, as before: unreadable"


def inside(dialog_card, buttons: list[DirectButton]) -> list[str]:
    left, right, bottom, top = dialog_card["frameSize"]
    return [b["text"] for b in buttons if not (left <= (box := button_box(b, dialog_card))[0] and box[1] <= right
                                               and bottom <= box[2] and box[3] <= top)]


async def test_large_text_and_high_contrast_from_the_settings_dialog(base, server, http, driver, tmp_path):
    settings_file = tmp_path / "settings.json"
    session, task = await teacher_at(base, http, driver, server, tmp_path, settings_file=settings_file)
    folder = shots("test_options")
    try:
        await press(base, "escape")  # the menu
        await until(lambda: isinstance(session.screen, MessageScreen), what="the menu")
        menu = session.screen
        assert inside(menu.card, menu.buttons) == [], "the menu's buttons inside its card"
        session.screenshot(folder / "1-menu.png")
        ring = menu.ring
        while ring.current["text"] != tr("settings"):
            await press(base, "tab")
        await press(base, "enter")
        await until(lambda: isinstance(session.screen, SettingsDialog), what="the settings dialog")
        dialog = session.screen
        for toggle in (dialog.large_text, dialog.high_contrast):
            while dialog.ring.current is not toggle.button:
                await press(base, "tab")
            await press(base, "enter")
        assert dialog.large_text.on and dialog.high_contrast.on
        buttons = [*dialog.camera.buttons, *dialog.microphone.buttons, dialog.large_text.button,
                   dialog.high_contrast.button, dialog.save_button, dialog.cancel_button]
        assert inside(dialog.card, buttons) == [], "the dialog's buttons inside its card"
        session.screenshot(folder / "2-settings.png")
        while dialog.ring.current is not dialog.save_button:
            await press(base, "tab")
        await press(base, "enter")
        await until(lambda: session.screen is None, what="back in the classroom")
        saved = preferences.load(settings_file)
        assert saved.large_text and saved.high_contrast, "kept for the next run"
        assert style.TEXT_SCALE == style.LARGE and style.HIGH_CONTRAST, "applied at once"
        toast = session.hud.toast_text
        assert toast.getText() == tr("settings_saved")
        card = tuple(toast.textNode.get_card_color())
        assert style.contrast(tuple(toast.textNode.get_text_color()), style.over(card, CREAM)) >= 4.5
        session.screenshot(folder / "3-saved.png")

        await press(base, "f2")
        panel = session.classroom.panel
        await until(lambda: panel.shown, what="the teacher's panel")
        assert panel.pages["class"].factor == style.LARGE, "the panel was built again in large text"
        for name in TABS:
            await open_tab(session, name)
            await driver.frames_later(2)
            panel.place()
            boards, _ = session.classroom.panel.board_rects()
            from cybercollege.client.ui.layout import overlap
            assert not any(overlap(panel.rect, b) for b in boards), f"the {name} tab over the board"
            assert problems(panel) == [], name
            session.screenshot(folder / f"4-tab-{TABS.index(name) + 1}-{name}.png")
        await tab_to(session, panel.tabs["class"])
    finally:
        style.configure(False, False)
        await stop(session, task)
