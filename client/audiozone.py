"""Remote voices by zone (docs/conference.md, "Audio by zone"): how loud I play each participant, from my
room's ``audio`` policy (docs/worlds.md), where I stand and where they stand.

* ``flat`` (classrooms, CDI, corridor): everyone at full level.
* ``stage`` (amphitheatre): the public-address system. Someone on a stage platform, or heard through the
  screen (which hangs above the stage), is at full level everywhere in the room; someone in the audience
  is attenuated with distance, like in ``distance``.
* ``distance`` (hall, courtyard): inverse-distance rolloff: full level within ``REFERENCE_DISTANCE``, then
  ``REFERENCE_DISTANCE / d``, faded out over the last ``FADE`` metres before ``CUTOFF`` and silent beyond.
  A participant outside my room is heard from the room's screen if it has one, else at full level.

Gains are in 0..1 (nothing is amplified, so nothing new can clip). A speaker's position is ``None`` when
they are not in my room (a partner class, a pupil in a linked classroom): heard through the screen.
"""

from __future__ import annotations

import math
from collections.abc import Container, Mapping

import av
import numpy as np

from cybercollege import worlds
from cybercollege.client.mirror import AvatarState

REFERENCE_DISTANCE = 2.0  # m: full level this close, then inverse-distance rolloff
CUTOFF = 25.0  # m: silent from here on
FADE = 5.0  # m: the rolloff fades linearly to silence over the last metres before CUTOFF
FAR_AWAY = (math.inf, math.inf)
"""Where a member of my room my client does not see stands (in grid rooms the server only shows the nearest
avatars): farther than any cutoff."""

Position = tuple[float, float]


def rolloff(distance: float) -> float:
    """Gain of a voice ``distance`` metres away: 1 up to REFERENCE_DISTANCE, then decreasing, 0 from CUTOFF."""
    if distance <= REFERENCE_DISTANCE:
        return 1.0
    if distance >= CUTOFF:
        return 0.0
    fade = min(1.0, (CUTOFF - distance) / FADE)
    return REFERENCE_DISTANCE / distance * fade


def gain(room: worlds.Room | None, listener: Position, speaker: Position | None) -> float:
    """How loud I (at ``listener``) play a voice from ``speaker`` (None: not in my room) in ``room``.

    Outside any room of the world (a guest's waiting room: ``room`` None) everyone is at full level."""
    if room is None:
        return 1.0  # "flat"
    policy = room.audio
    if policy == "stage":
        if speaker is None or room.floor_height(*speaker) > 0:  # the PA: screen or stage
            return 1.0
        return rolloff(_distance(listener, speaker))
    if policy == "distance":
        if speaker is None:
            if room.screen is None:
                return 1.0
            speaker = (room.screen.x, room.screen.y)
        return rolloff(_distance(listener, speaker))
    return 1.0


def position(who: int, avatars: Mapping[int, AvatarState], members: Container[int]) -> Position | None:
    """Where participant ``who`` stands for :func:`gain`, from the mirror's ``avatars`` and the ``members`` of
    my room: their avatar, FAR_AWAY if in my room but not seen, None if elsewhere."""
    avatar = avatars.get(who)
    if avatar is not None:
        return avatar.x, avatar.y
    return FAR_AWAY if who in members else None


def apply_gain(frame: av.AudioFrame, level: float) -> av.AudioFrame:
    """``frame`` scaled by ``level`` (0..1), saturating; the same frame when ``level`` is 1."""
    if level >= 1.0:
        return frame
    samples = frame.to_ndarray()
    scaled = samples * max(0.0, level)
    if np.issubdtype(samples.dtype, np.integer):
        info = np.iinfo(samples.dtype.name)
        scaled = np.clip(np.rint(scaled), info.min, info.max)
    converted = np.empty_like(samples)  # the frame's own sample type (s16, flt...), as from_ndarray wants
    converted[...] = scaled
    out = av.AudioFrame.from_ndarray(converted, format=frame.format.name, layout=frame.layout.name)
    out.sample_rate, out.pts = frame.sample_rate, frame.pts
    if frame.time_base is not None:
        out.time_base = frame.time_base
    return out


def _distance(a: Position, b: Position) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])
