"""A client with no camera can publish a test pattern (moving colour bars and my name) and a tone: chosen in
the settings (saved in the preferences), or used by itself, with a note, when the device cannot be opened."""

from __future__ import annotations

import numpy as np

from cybercollege.client import preferences, sources
from cybercollege.client.i18n import tr
from cybercollege.client.preferences import Preferences
from cybercollege.client.ui.settings import SettingsDialog
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_media import hosted_pupil, loopback_ice  # noqa: F401 - a fixture


async def press(base, driver, ring, widget) -> None:
    ring.focus(widget)
    base.messenger.send("enter")
    base.messenger.send("enter-up")
    await driver.frames_later(2)


async def test_the_test_pattern_and_tone_chosen_in_the_settings(base, server, http, driver, tmp_path):
    settings_file = tmp_path / "settings.json"
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path, settings_file=settings_file)
    await in_world(session)
    try:
        base.messenger.send("escape")  # the menu, then "Réglages", with the keyboard
        await until(lambda: session.screen is not None, 3, "the menu")
        ring = session.screen.ring
        await press(base, driver, ring, next(w for w in ring.widgets if w["text"] == tr("settings")))
        dialog = session.screen
        assert isinstance(dialog, SettingsDialog)
        buttons = [w for w in dialog.ring.widgets if w["text"] == ">"]
        for choice, button in ((dialog.camera, buttons[0]), (dialog.microphone, buttons[1])):
            while choice.value != sources.TEST:
                await press(base, driver, dialog.ring, button)
        assert dialog.camera.shown["text"] == tr("device_test_pattern")
        assert dialog.microphone.shown["text"] == tr("device_test_tone")
        await press(base, driver, dialog.ring, next(w for w in dialog.ring.widgets if w["text"] == tr("save")))
        assert preferences.load(settings_file) == Preferences(camera="test", microphone="test")
        assert session.options.devices.camera == sources.TEST
        tracks = await sources.open_tracks(session.options.devices, "Léa M.")
        assert sorted(t.kind for t in tracks) == ["audio", "video"]
        for t in tracks:
            t.stop()
    finally:
        await stop(session, task)


async def test_no_camera_publishes_the_test_pattern_with_my_name_and_a_note(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path,
                                devices=sources.Devices("/dev/video-missing", "none"))
    await in_world(session)
    pupil = await hosted_pupil(http, server, session)
    try:
        await until(lambda: len(pupil.video_frames) >= 10, 15, "the pupil decoding the teacher's test pattern")
        media = session.conference.media
        assert media.replaced == ["video"] and media.publishing("audio") is None, "no microphone was asked for"
        picture = pupil.video_frames[-1].to_ndarray(format="rgb24")
        height, width = picture.shape[:2]
        magenta = picture[height // 2, width * 4 // 8 + 8]
        assert magenta[0] > 180 and magenta[1] < 70 and magenta[2] > 180, magenta
        band = picture[height - height // 5 + 4 :, :]
        assert np.median(band) < 60 and (band > 180).any(axis=2).sum() > 50, "my name, light on the dark band"
        bar = session.conference.bar
        await until(lambda: bar.note.getText() == tr("conf_test_pattern_note"), 3, "the note in the bar")
        session.screenshot(tmp_path / "note.png")
    finally:
        await pupil.close()
        await stop(session, task)
