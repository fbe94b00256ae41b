"""Remote voices out of the computer's speakers: each participant's decoded audio streamed into Panda3D's
audio manager (a ``UserDataAudio`` per participant). Not used with null audio (headless runs)."""

from __future__ import annotations

import av
from panda3d.core import AudioSound, UserDataAudio


class Speakers:
    def __init__(self, manager) -> None:
        self.manager = manager
        self.streams: dict[int, tuple[UserDataAudio, AudioSound]] = {}

    @staticmethod
    def available(base) -> bool:
        """A real audio output exists (not ``audio-library-name null``)."""
        managers = getattr(base, "sfxManagerList", None) or []
        return bool(managers) and managers[0].is_valid()

    def play(self, who: int, frame: av.AudioFrame) -> None:
        """Queue the 16-bit interleaved samples of ``who`` (as aiortc's Opus decoder gives them)."""
        stream = self.streams.get(who)
        if stream is not None and stream[1].status() != AudioSound.PLAYING:
            stream = None  # ran dry (a stream cannot be reopened): start a new one
        if stream is None:
            audio = UserDataAudio(frame.sample_rate, len(frame.layout.channels), True)
            audio.append(_pcm(frame))
            sound = self.manager.get_sound(audio)
            sound.play()
            self.streams[who] = (audio, sound)
        else:
            stream[0].append(_pcm(frame))

    def stop(self) -> None:
        for _, sound in self.streams.values():
            sound.stop()
        self.streams.clear()


def _pcm(frame: av.AudioFrame) -> bytes:
    """The frame's samples only: a decoded frame's plane buffer is padded (6× for aiortc's Opus decoder)."""
    return frame.to_ndarray().tobytes()
