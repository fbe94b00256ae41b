"""Conferences: a selective forwarding unit (SFU) that forwards encoded WebRTC media without transcoding.

See docs/conference.md. Entry point: :class:`Sfu`.
"""

from server.conference.conference import Conference, Participant
from server.conference.config import SfuConfig
from server.conference.sfu import Sfu

__all__ = ["Conference", "Participant", "Sfu", "SfuConfig"]
