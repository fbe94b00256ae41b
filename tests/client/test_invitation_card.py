"""The invitation card: the whole code inside the window at any size and in every language, its QR code
readable, Copy on a real X clipboard (Xvfb + xclip) or a clear message where there is none, and codes typed
with spaces, dashes or lower case accepted on the guest's way in."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from panda3d.core import PNMImage, StringStream
from PIL import Image

from cybercollege.client import clipboard, i18n
from cybercollege.client.i18n import tr
from cybercollege.client.network import fetch_demo_token
from cybercollege.client.ui.focus import FocusRing
from cybercollege.client.ui.invitation import Created, InvitationCard, wrap
from cybercollege.client.ui.teacher import SheetFailed
from tests.client.helpers import until
from tests.client.sessions import stop
from tests.client.test_login_screen import open_login

CODE = "K7QM-3XVA-PR9D-HT2W"
LINK = f"https://cybercollege.college-jules-verne.example.fr/invite/{CODE}"
PARTNER = "Städtisches Gymnasium Köln-Deutz, bilingualer Zweig"
SIZES = ((800, 600), (640, 360), (360, 720), (1600, 400), (240, 320))


# --- what a test needs to see the card as a person would -----------------------------------------------


@contextlib.contextmanager
def window_size(base, width: int, height: int) -> Iterator[None]:
    """The window resized to ``width`` x ``height`` as a window manager does it (the buffer changes size,
    ShowBase's window event handler adapts aspect2d and announces ``aspectRatioChanged``), then back."""
    before = base.win.get_x_size(), base.win.get_y_size()

    def resize(w: int, h: int) -> None:
        base.win.set_size(w, h)
        base.adjustWindowAspectRatio(w / h)

    resize(width, height)
    try:
        yield
    finally:
        resize(*before)


def outside_window(base, root) -> list[str]:
    """The card's texts and buttons (named ``invitation-*``) that do not lie wholly inside the window."""
    left, right, bottom, top = base.a2dLeft, base.a2dRight, base.a2dBottom, base.a2dTop
    out = []
    for np in root.find_all_matches("**/invitation-*"):
        bounds = np.get_tight_bounds(base.aspect2d)
        if bounds is None:
            continue
        low, high = bounds
        if low.x < left - 1e-6 or high.x > right + 1e-6 or low.z < bottom - 1e-6 or high.z > top + 1e-6:
            out.append(f"{np.get_name()} x {low.x:.3f}..{high.x:.3f} z {low.z:.3f}..{high.z:.3f}")
    return out


def qr_codes_on_screen(base) -> list[str]:
    """The QR codes a phone would read from the window."""
    picture = PNMImage()
    assert base.win.get_screenshot(picture)
    stream = StringStream()
    assert picture.write(stream, "shot.png")
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(stream.get_data())))]


@contextlib.contextmanager
def card(base, created: Created | None = None, print_sheet=None, **options) -> Iterator[InvitationCard]:
    ring = FocusRing()
    created = created or Created(CODE, LINK, PARTNER)

    async def no_sheet() -> Path:
        raise SheetFailed("err_unreachable")

    shown = InvitationCard(base, ring, created, print_sheet or no_sheet, **options)
    try:
        yield shown
    finally:
        shown.destroy()
        ring.destroy()


# --- wrapping ------------------------------------------------------------------------------------------


def test_wrap_breaks_after_the_break_characters_and_cuts_what_is_too_long():
    fits = lambda n: lambda s: len(s) <= n  # noqa: E731
    assert wrap(CODE, fits(19), "-") == [CODE]
    assert wrap(CODE, fits(12), "-") == ["K7QM-3XVA-", "PR9D-HT2W"]
    assert wrap(CODE, fits(5), "-") == ["K7QM-", "3XVA-", "PR9D-", "HT2W"]
    assert wrap(CODE, fits(3), "-") == ["K7Q", "M-", "3XV", "A-", "PR9", "D-", "HT2", "W"]
    assert wrap("le code ne sera plus affiché", fits(10)) == ["le code ne", "sera plus", "affiché"]
    assert "".join(wrap(LINK, fits(20), "/-.:")) == LINK
    assert wrap("", fits(5)) == []


# --- on screen -----------------------------------------------------------------------------------------


async def test_the_whole_code_fits_every_window_in_every_language(base, driver):
    try:
        for lang in i18n.LANGUAGES:
            i18n.set_language(lang)
            with card(base) as shown:
                for width, height in SIZES:
                    with window_size(base, width, height):
                        await driver.frames_later(1)
                        where = f"{lang} {width}x{height}"
                        assert shown.code_on_screen() == CODE, where
                        assert outside_window(base, shown.root) == [], where
                        assert shown.buttons["copy"]["text"] == tr("card_copy")
                        if width / height <= 0.5:
                            assert shown.code_text.getText().count("\n") >= 1, f"{where}: wrapped"
    finally:
        i18n.set_language("fr")


async def test_its_qr_code_reads_as_the_link(base, driver):
    with window_size(base, 800, 600), card(base):
        await driver.frames_later(2)
        assert qr_codes_on_screen(base) == [LINK]


async def test_a_failed_sheet_is_explained_on_the_card(base, driver):
    with card(base) as shown:
        shown.buttons["print"]["command"]()
        await until(lambda: "injoignable" in shown.status_text.getText(), what="the reason on the card")
        assert shown.status_text.getText().replace("\n", " ").startswith("Fiche impossible : Le serveur")
        assert shown.code_on_screen() == CODE, "the card stays"


async def test_a_saved_sheet_says_where(base, driver, tmp_path):
    path = tmp_path / "Documents" / "Cybercollege" / ("a-long-folder-name-" * 4) / "invitation-Gymnasium-Koln.pdf"

    async def saved() -> Path:
        return path

    with window_size(base, 360, 720), card(base, print_sheet=saved) as shown:
        base.messenger.send("tab")  # from Copy (focused when the card opens) to Print sheet
        base.messenger.send("enter")
        await until(lambda: "invitation-Gymnasium-Koln.pdf" in shown.status_text.getText().replace("\n", ""),
                    what="where the sheet is")
        assert str(path) in shown.status_text.getText().replace("\n", "")
        assert outside_window(base, shown.root) == []


# --- the clipboard -------------------------------------------------------------------------------------


@pytest.fixture
def x_display(monkeypatch) -> Iterator[str]:
    """A real X server (Xvfb) for this test; ``DISPLAY`` points at it."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "640x480x24"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start (scripts/install-test-system-deps.sh installs it)"
    display = f":{number}"
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    try:
        yield display
    finally:
        xvfb.terminate()
        xvfb.wait(10)


async def test_copy_puts_the_code_and_the_link_on_a_real_x_clipboard(base, driver, x_display):
    with card(base) as shown:
        base.messenger.send("enter")  # Copy has the focus when the card opens
        await until(lambda: shown.status_text.getText().replace("\n", " ") == tr("card_copied"), timeout=10,
                    what="copied")
        pasted = subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True, timeout=10,
                                check=True).stdout.decode()
        assert pasted == f"{CODE}\n{LINK}\n"


async def test_without_a_clipboard_the_card_says_so(base, driver, monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with card(base) as shown:
        shown.buttons["copy"]["command"]()
        await until(lambda: shown.status_text.getText().replace("\n", " ") == tr("card_no_display"),
                    what="no clipboard here")
        monkeypatch.setenv("DISPLAY", ":99")
        monkeypatch.setenv("PATH", str(tmp_path))  # no xclip, xsel or wl-copy
        shown.buttons["copy"]["command"]()
        await until(lambda: shown.status_text.getText().replace("\n", " ") == tr("card_no_tool"), what="no tool")
        assert shown.code_on_screen() == CODE


def test_the_clipboard_command_of_each_system(monkeypatch, tmp_path):
    assert clipboard.command("win32", {}) == ["clip"]
    assert clipboard.command("darwin", {}) == ["pbcopy"]
    for name in ("wl-copy", "xclip"):
        tool = tmp_path / name
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert clipboard.command("linux", {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == ["wl-copy"]
    assert clipboard.command("linux", {"DISPLAY": ":0"}) == ["xclip", "-selection", "clipboard"]
    with pytest.raises(clipboard.NoClipboard) as refused:
        clipboard.command("linux", {})
    assert refused.value.key == "card_no_display"


# --- codes as people type them -------------------------------------------------------------------------


async def type_keys(base, driver, field, text: str) -> None:
    """Each character as its key press (Panda's messenger) and as the field's keystroke (offscreen there is
    no keyboard device to feed the field itself)."""
    for ch in text:
        event = "space" if ch == " " else ch
        base.messenger.send(event)
        field.enterText(field.get() + ch)
        await driver.frames_later(1)
        base.messenger.send(f"{event}-up")


async def test_a_code_typed_with_spaces_dashes_or_lower_case_lets_the_guest_in(base, server, http, driver, tmp_path):
    teacher = await fetch_demo_token(http, server.url, "mme.durand")
    body = {"room": "amphi", "partner_school": "Gymnasium Köln", "country": "Allemagne", "language": "de",
            "valid_until": time.time() + 3600}
    async with http.post(f"{server.url}/api/invitations", json=body,
                         headers={"Authorization": f"Bearer {teacher}"}) as resp:
        code = (await resp.json())["code"]
    plain = code.replace("-", "")
    for typed in (plain.lower(), " ".join(code.split("-")), f" {plain[:6]}-{plain[6:11].lower()} - {plain[11:]} "):
        async with http.post(f"{server.url}/auth/guest/check", json={"code": typed}) as resp:
            assert resp.status == 200, (typed, await resp.text())
            assert (await resp.json())["partner_school"] == "Gymnasium Köln"
    session, task = await open_login(base, http, driver, server.url, tmp_path)
    try:
        screen = session.screen
        screen.guest.guiItem.set_focus(True)  # a click in the field
        await type_keys(base, driver, screen.guest, " ".join(plain[i:i + 4].lower() for i in range(0, 16, 4)))
        screen.guest_name.guiItem.set_focus(True)
        await type_keys(base, driver, screen.guest_name, "Emma")
        screen.guest_name["command"](screen.guest_name.get())  # the field's own Enter
        await until(lambda: session.view is not None and session.view.waiting == "lobby", timeout=10,
                    what="the guest in the lobby")
        assert session.welcome.you.role == "guest"
    finally:
        await stop(session, task)
        await asyncio.sleep(0)
