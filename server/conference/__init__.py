"""Conferences: a selective forwarding unit (SFU) that forwards encoded WebRTC media without transcoding.

See docs/conference.md. Entry point: :class:`Sfu`.
"""

from cybercollege.server.conference.conference import Conference, Participant
from cybercollege.server.conference.config import SfuConfig
from cybercollege.server.conference.sfu import Sfu

__all__ = ["Conference", "Participant", "Sfu", "SfuConfig"]
