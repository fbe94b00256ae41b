"""The conference bar (top centre, while I take part in a conference): where it comes from (in an included
room), recording indicator, who is speaking, my microphone and camera buttons while I publish, and the host's
record button and rooms to include (client/ui/linkrooms.py), and a note when the test pattern or the tone
stands in for a missing camera or microphone; while a peer connection is not connected yet, "joining…"
with Cancel (and why, after ``JOIN_S``). Refreshed 5 times a second."""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.OnscreenText import OnscreenText
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.media import JOIN_S, ConferenceMedia
from cybercollege.client.ui.focus import FocusRing, button
from cybercollege.client.ui.linkrooms import RoomLinks

REFRESH_S = 0.2
REC_COLOR = (0.95, 0.2, 0.2, 1.0)
SPEAKING_COLOR = (0.4, 0.95, 0.5, 1.0)


class ConferenceBar:
    """``name(id)`` gives a participant's name; ``on_record(on)`` asks the server to start or stop;
    ``on_link(room, linked)`` includes or leaves out one of ``rooms`` (``(id, name)``); ``origin()`` names the
    conference's room when I follow it from another room ("" in it)."""

    def __init__(self, base, media: ConferenceMedia, name: Callable[[int], str],
                 on_record: Callable[[bool], None], on_link: Callable[[str, bool], None] | None = None,
                 rooms: list[tuple[str, str]] | None = None, origin: Callable[[], str] = lambda: "",
                 ring: FocusRing | None = None) -> None:
        self.base, self.media, self.name, self.on_record = base, media, name, on_record
        self.ring = ring  # Tab reaches the bar's buttons that are shown (the HUD's ring)
        self.origin = origin
        self.root = base.a2dTopCenter.attach_new_node("conference-bar")
        self.live = OnscreenText(parent=self.root, text="", pos=(0, -0.035), scale=0.035, fg=style.TEXT,
                                 align=TextNode.A_center, mayChange=True)
        self.rec = OnscreenText(parent=self.root, text="", pos=(0, -0.08), scale=0.05, fg=REC_COLOR,
                                align=TextNode.A_center, mayChange=True)
        self.speaking = OnscreenText(parent=self.root, text="", pos=(0, -0.14), scale=0.04, fg=SPEAKING_COLOR,
                                     align=TextNode.A_center, mayChange=True)
        self.mic = button(self.root, tr("conf_mic_off"), lambda: self._toggle("audio"), (-0.45, -0.22),
                          width=0.42, scale=0.04)
        self.cam = button(self.root, tr("conf_cam_off"), lambda: self._toggle("video"), (0.0, -0.22),
                          width=0.42, scale=0.04)
        self.record = button(self.root, tr("conf_record"), self._record, (0.45, -0.22), width=0.42, scale=0.04,
                             color=style.ERROR)
        below = -0.36 if on_link and rooms else -0.29  # under the rooms' toggle of a host
        self.note = OnscreenText(parent=self.root, text="", pos=(0, below), scale=0.032, fg=style.TEXT,
                                 align=TextNode.A_center, mayChange=True, wordwrap=36)
        self.note["bg"] = (0.1, 0.13, 0.2, 0.7)
        self.links = RoomLinks(self.root, rooms, on_link, (0.0, -0.29)) if on_link and rooms else None
        self.joining = OnscreenText(parent=self.root, text="", pos=(0, -0.3), scale=0.036, fg=style.TEXT,
                                    align=TextNode.A_center, mayChange=True, wordwrap=34)
        self.joining["bg"] = (0.1, 0.13, 0.2, 0.8)
        self.cancel = button(self.root, tr("cancel"), media.give_up, (0.0, -0.5), width=0.42, scale=0.04,
                             color=(0.4, 0.45, 0.55, 1))
        self.refresh()
        self.task = base.taskMgr.doMethodLater(REFRESH_S, self._tick, "conference-bar")

    def _tick(self, task):
        self.refresh()
        return task.again

    def refresh(self) -> None:
        m = self.media
        origin = self.origin()
        self.live.setText(tr("conf_live_from", room=origin) if origin else "")
        self.rec.setText("● " + tr("conf_recording") if m.recording else "")
        speaking = [self.name(p) for p in m.speaking()]
        self.speaking.setText(tr("conf_speaking", names=", ".join(speaking)) if speaking else "")
        for widget, kind, off, on in ((self.mic, "audio", "conf_mic_off", "conf_mic_on"),
                                      (self.cam, "video", "conf_cam_off", "conf_cam_on")):
            track = m.publishing(kind)
            if track is None:
                widget.hide()
            else:
                widget.show()
                widget["text"] = tr(on if track.muted else off)
            self._reachable(widget, track is not None)
        waited = m.connecting()
        self._show_joining(waited)
        replaced = m.replaced if m.publishing("video") or m.publishing("audio") else []
        note = tr("conf_test_pattern_note") if replaced and waited is None else ""
        if self.note.getText() != note:
            self.note.setText(note)
        if m.roles.get(m.me) == "host":
            self.record.show()
            self.record["text"] = tr("conf_stop_record" if m.recording else "conf_record")
        else:
            self.record.hide()
        self._reachable(self.record, m.roles.get(m.me) == "host")
        if self.links is not None:
            self.links.refresh(m.rooms, m.roles.get(m.me) == "host" and waited is None)

    def _show_joining(self, waited: float | None) -> None:
        """"Joining…" with Cancel while a peer connection is not connected; after :data:`JOIN_S`, why."""
        self._reachable(self.cancel, waited is not None)
        if waited is None:
            self.joining.setText("")
            self.cancel.hide()
            return
        text = tr("conf_joining") if waited < JOIN_S else tr("conf_join_failed", seconds=round(JOIN_S))
        if self.joining.getText() != text:
            self.joining.setText(text)
        rows = self.joining.textNode.getNumRows()
        self.cancel.setZ(-0.3 - (rows - 1) * 0.036 * 1.25 - 0.1)  # under the last line's descenders
        self.cancel.show()

    def _reachable(self, widget, shown: bool) -> None:
        """A shown button is in the Tab ring, a hidden one is not."""
        if self.ring is None:
            return
        if shown and widget not in self.ring.widgets:
            self.ring.add(widget)
        elif not shown:
            self.ring.remove(widget)

    def _toggle(self, kind: str) -> None:
        self.media.toggle(kind)
        self.refresh()

    def _record(self) -> None:
        self.on_record(not self.media.recording)

    def destroy(self) -> None:
        self.base.taskMgr.remove(self.task)
        for widget in (self.mic, self.cam, self.record, self.cancel):
            self._reachable(widget, False)
            widget.destroy()
        self.joining.destroy()
        if self.links is not None:
            self.links.destroy()
        self.live.destroy()
        self.note.destroy()
        self.rec.destroy()
        self.speaking.destroy()
        self.root.remove_node()
