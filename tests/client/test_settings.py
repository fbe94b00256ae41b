"""The settings dialog: the camera and microphone a user picks are saved, survive a restart, and take
effect at once when they are speaking in a conference."""

from __future__ import annotations

import json

from cybercollege.client import devices, preferences, sources
from cybercollege.client.devices import Device
from cybercollege.client.preferences import Preferences
from cybercollege.client.ui.settings import SettingsDialog, choices
from cybercollege.server.conference.conferencing import Conferencing
from cybercollege.server.edge.services import SERVICES
from tests.client.helpers import until
from tests.client.sessions import in_world, screen_text, start, stop
from tests.client.test_media import hosted_pupil, loopback_ice  # noqa: F401 (fixture)

PACTL = (
    "0\talsa_output.pci-0000_00_1f.3.analog-stereo.monitor\tmodule-alsa-card.c\ts16le 2ch 48000Hz\tSUSPENDED\n"
    "1\talsa_input.pci-0000_00_1f.3.analog-stereo\tmodule-alsa-card.c\ts16le 2ch 48000Hz\tSUSPENDED\n"
    "2\talsa_input.usb-Logitech_C920-02.analog-stereo\tmodule-alsa-card.c\ts16le 2ch 32000Hz\tRUNNING\n"
)


def test_preferences_round_trip_and_defaults(tmp_path):
    path = tmp_path / "config" / "settings.json"
    assert preferences.load(path) == Preferences()  # nothing saved yet
    preferences.save(Preferences("/dev/video2", "none"), path)
    assert preferences.load(path) == Preferences("/dev/video2", "none")
    assert json.loads(path.read_text()) == {"camera": "/dev/video2", "microphone": "none", "large_text": False,
                                            "high_contrast": False}


def test_a_damaged_settings_file_means_the_defaults(tmp_path, caplog):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert preferences.load(path) == Preferences()
    path.write_text(json.dumps({"camera": 3, "microphone": "x" * 1000}))
    assert preferences.load(path) == Preferences()
    path.write_text(json.dumps({"camera": "none", "microphone": 3}))
    assert preferences.load(path) == Preferences(camera="none")
    assert "settings" in caplog.text and path.read_text() == json.dumps({"camera": "none", "microphone": 3})


def test_the_settings_file_location(monkeypatch, tmp_path):
    monkeypatch.setenv("CYBERCOLLEGE_CONFIG", str(tmp_path / "mine.json"))
    assert preferences.config_path() == tmp_path / "mine.json"
    monkeypatch.delenv("CYBERCOLLEGE_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert preferences.config_path() == tmp_path / "cybercollege" / "settings.json"


def test_cameras_are_the_capture_nodes_of_video4linux(tmp_path):
    for node, name, index in (("video0", "Integrated Camera", "0"), ("video1", "Integrated Camera", "1"),
                              ("video10", "HD Pro Webcam C920", "0"), ("video2", "HD Pro Webcam C920", "1")):
        (tmp_path / node).mkdir()
        (tmp_path / node / "name").write_text(name + "\n")
        (tmp_path / node / "index").write_text(index + "\n")
    assert devices.cameras(tmp_path, "linux") == [Device("/dev/video0", "Integrated Camera"),
                                                  Device("/dev/video10", "HD Pro Webcam C920")]
    assert devices.cameras(tmp_path, "win32") == []
    assert devices.cameras(tmp_path / "absent", "linux") == []


def test_microphones_are_pulse_sources_but_not_monitors():
    assert [d.name for d in devices.parse_sources(PACTL)] == [
        "alsa_input.pci-0000_00_1f.3.analog-stereo", "alsa_input.usb-Logitech_C920-02.analog-stereo"]
    assert devices.parse_sources("") == [] and devices.parse_sources("garbage") == []
    assert devices.microphones("darwin") == []


def test_choices_keep_a_device_that_is_not_plugged_in():
    found = [Device("/dev/video0", "Integrated Camera")]
    assert [v for v, _ in choices("auto", found)] == ["auto", "none", "/dev/video0"]
    assert [v for v, _ in choices("/dev/video4", found)] == ["auto", "none", "/dev/video0", "/dev/video4"]


async def test_choosing_devices_in_the_menu_saves_them(base, server, http, driver, tmp_path):
    settings_file = tmp_path / "settings.json"
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path, settings_file=settings_file)
    await in_world(session)
    try:
        session.controls.menu()
        assert "Réglages" in screen_text(session)
        session.open_settings()
        dialog = session.screen
        assert isinstance(dialog, SettingsDialog)
        assert dialog.camera.shown["text"] == "Par défaut"
        dialog.camera.step(1)
        assert dialog.camera.shown["text"] == "Aucun"
        dialog.save()
        assert session.screen is None, "back in the college"
        assert preferences.load(settings_file) == Preferences(camera="none", microphone="auto")
        assert session.options.devices.camera == "none"
        assert session.hud.toast_text.getText() == "Réglages enregistrés"

        session.open_settings()  # cancelling changes nothing
        session.screen.microphone.step(1)
        session.screen.microphone.step(1)  # past "none": wraps round (no microphones here)
        session.screen.microphone.step(-1)
        assert session.screen.preferences() == Preferences("none", "none")
        session._show(None)
        assert preferences.load(settings_file).microphone == "auto"
    finally:
        await stop(session, task)


async def test_a_settings_file_that_cannot_be_written_is_said(base, server, http, driver, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path,
                                settings_file=blocker / "settings.json")
    await in_world(session)
    try:
        session.open_settings()
        session.screen.save()
        assert session.hud.toast_text.getText().startswith("Réglages non enregistrés")
        assert session.options.devices.camera == "auto"
    finally:
        await stop(session, task)


async def ticks(world, n: int) -> None:
    """``n`` more ticks of the world server (in this process, on this event loop)."""
    tick = world.tick_no
    await until(lambda: world.tick_no >= tick + n, 10, f"{n} ticks")


async def test_new_devices_take_effect_while_speaking(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path,
                                devices=sources.Devices(synthetic=True), settings_file=tmp_path / "s.json")
    await in_world(session)
    pupil = await hosted_pupil(http, server, session)
    try:
        await until(lambda: len(pupil.video_frames) >= 5, 15, "the pupil sees the teacher")
        media = session.conference.media
        media.use(sources.Devices("none", "none"))  # what saving "Aucun" for both does
        await until(lambda: media.pub is None and not media.tracks, 5, "nothing published any more")
        world, me = server.app[SERVICES].world, session.conn.mirror.me
        conference = world.features.get(Conferencing).sfu.conferences["amphi"]
        await until(lambda: all(f.publisher != me for f in conference.forwarders), 10, "the SFU forwarding none of it")
        await ticks(world, 10)  # what was already forwarded has arrived (the pupil decodes in this process)
        seen = len(pupil.video_frames)
        await ticks(world, 20)
        assert len(pupil.video_frames) == seen, "no more pictures"
        media.use(sources.Devices(synthetic=True))  # devices again: back on the screen
        await until(lambda: len(pupil.video_frames) > seen + 5, 15, "the pupil sees the teacher again")
    finally:
        await pupil.close()
        await stop(session, task)
