"""The media forwarder of the world server: conferences by id, the entry point for the world protocol."""

from __future__ import annotations

from cybercollege.protocol.conference import ConferenceRole
from cybercollege.server.conference import aiortc_hooks as hooks
from cybercollege.server.conference.conference import Conference, Participant
from cybercollege.server.conference.config import SfuConfig


class Sfu:
    """Selective forwarding unit: forwards encoded media between conference participants.

    ``participant = await sfu.join(conference_id, participant_id, role)``, then for each conference
    message of that participant ``replies = await participant.handle(msg)``; server-initiated messages
    arrive in ``participant.outbox``. ``await sfu.leave(...)`` when they leave, ``await sfu.close()`` at exit.
    """

    def __init__(self, config: SfuConfig | None = None) -> None:
        self.config = config or SfuConfig()
        self.conferences: dict[str, Conference] = {}
        if self.config.udp_ports is not None:
            hooks.limit_udp_ports(self.config.udp_ports)

    async def join(
        self,
        conference_id: str,
        participant_id: int,
        role: ConferenceRole,
        name: str = "",
        invitation: str | None = None,
        user: str = "",
    ) -> Participant:
        """``invitation``: a guest's (None for the college's own people; see guest hosts in docs/conference.md)."""
        conference = self.conferences.get(conference_id)
        if conference is None:
            conference = self.conferences[conference_id] = Conference(conference_id, self.config)
        return await conference.join(participant_id, ConferenceRole(role), name, invitation, user)

    async def leave(self, conference_id: str, participant_id: int) -> None:
        conference = self.conferences.get(conference_id)
        if conference is None or participant_id not in conference.participants:
            return
        await conference.remove(conference.participants[participant_id], removed=False)
        if not conference.participants and self.conferences.get(conference_id) is conference:  # another leave
            del self.conferences[conference_id]  # may have ended it while this one awaited

    async def close(self) -> None:
        for conference in list(self.conferences.values()):
            await conference.close()
        self.conferences.clear()
        if self.config.udp_ports is not None:
            hooks.limit_udp_ports(None)
