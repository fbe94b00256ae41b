"""A conference: participants with roles, the forwarders of those who have the floor, and the host's controls.

Only the hosts' and speakers' media are forwarded; a host gives and takes the floor, mutes and removes.
A guest (a participant with an ``invitation``) may be made a *guest host* by a host of the college: her
controls apply only to the guests of her own invitation, and she may not record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from cybercollege.protocol.conference import (
    ConferenceRole,
    ConfFloor,
    ConfLeft,
    ConfMute,
    ConfMuted,
    ConfPublish,
    ConfPublishAnswer,
    ConfRecord,
    ConfRecording,
    ConfRemove,
    ConfRole,
    ConfSubscribeAnswer,
    ConfUnpublish,
    Kind,
)
from cybercollege.protocol.errors import ErrorCode
from cybercollege.protocol.messages import Error
from cybercollege.server.conference.config import SfuConfig
from cybercollege.server.conference.forwarding import Forwarder
from cybercollege.server.conference.publisher import Publisher, PublishError
from cybercollege.server.conference.recording import Recording, new_directory, purge
from cybercollege.server.conference.subscriber import AnswerError, Subscriber
from cybercollege.server.core.ratelimit import TokenBucket

log = logging.getLogger(__name__)


class RequestRefused(Exception):
    """A request is refused; becomes an ``ERROR`` reply."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class Participant:
    """One person in a conference. Feed it their messages with :meth:`handle`; read ``outbox`` for the
    messages the server sends on its own (subscribe offers, track lists, roles, mutes, departures)."""

    def __init__(
        self, conference: Conference, participant_id: int, role: ConferenceRole, invitation: str | None = None
    ) -> None:
        self.conference = conference
        self.id = participant_id
        self.role = role
        self.invitation = invitation
        """The invitation of a guest; None for the college's own people."""
        self.name = ""  # shown in recordings' metadata (set by the world server)
        self.user = ""  # the user id, kept as a recording's owner (set by the world server)
        config = conference.config
        self._negotiations = {
            kind: TokenBucket(config.negotiation_rate, config.negotiation_burst)
            for kind in (ConfPublish, ConfSubscribeAnswer)
        }
        self.outbox: asyncio.Queue[Any] = asyncio.Queue()
        self.publisher: Publisher | None = None
        self.subscriber = Subscriber(participant_id, conference.config, self.outbox.put_nowait)
        self._watch_subscriber()

    @property
    def present(self) -> bool:
        """Still in the conference (not left or removed)."""
        return self.conference.participants.get(self.id) is self

    @property
    def has_floor(self) -> bool:
        return self.role in (ConferenceRole.HOST, ConferenceRole.SPEAKER)

    @property
    def guest_host(self) -> bool:
        """A guest made host of her class: her controls reach only her own invitation's guests."""
        return self.role is ConferenceRole.HOST and self.invitation is not None

    @property
    def college_host(self) -> bool:
        """A host of the college (staff, a teacher the room admits): every control, always the floor."""
        return self.role is ConferenceRole.HOST and self.invitation is None

    async def handle(self, msg: Any) -> list[Any]:
        """Apply one conference message from this participant; return the direct replies."""
        try:
            self._check_rate(msg)
            return await self._dispatch(msg)
        except RequestRefused as exc:
            return [Error(int(exc.code), str(exc)[:200], msg.__protocol__.code)]

    def _check_rate(self, msg: Any) -> None:
        """Renegotiations cost the server real work: a flood of them is refused, the rest go on."""
        bucket = self._negotiations.get(type(msg))
        if bucket is not None and not bucket.take():
            raise RequestRefused(ErrorCode.RATE_LIMITED, "too many renegotiations: wait a moment before the next one")

    async def _dispatch(self, msg: Any) -> list[Any]:
        conf = self.conference
        if not self.present:
            raise RequestRefused(ErrorCode.UNEXPECTED_MESSAGE, "not in the conference any more")
        match msg:
            case ConfPublish(sdp=sdp):
                return [ConfPublishAnswer(await self._publish(sdp))]
            case ConfSubscribeAnswer(version=version, sdp=sdp):
                try:
                    accepted = await self.subscriber.accept(version, sdp)
                except AnswerError as exc:
                    raise RequestRefused(ErrorCode.INVALID_FIELD, str(exc)) from None
                if not accepted:
                    raise RequestRefused(ErrorCode.UNEXPECTED_MESSAGE, f"no outstanding offer {version}")
            case ConfUnpublish():
                await conf.unpublish(self)
            case ConfFloor(participant=target, speaker=speaker, host=host):
                await conf.set_floor(self._hosting(target), speaker, host, by=self)
            case ConfMute(participant=target, kind=kind, muted=muted):
                conf.mute(self._hosting(target), Kind(kind), muted)
            case ConfRemove(participant=target):
                await conf.remove(self._hosting(target), removed=True)
            case ConfRecord(recording=recording):
                if self.guest_host:
                    raise RequestRefused(ErrorCode.ACCESS_DENIED, "a guest host cannot record the conference")
                conf.record(self._hosting(self.id), recording)
            case _:
                raise RequestRefused(ErrorCode.UNEXPECTED_MESSAGE, f"{type(msg).__name__} is not a conference request")
        return []

    async def _publish(self, sdp: str) -> str:
        if not self.has_floor:
            raise RequestRefused(ErrorCode.ACCESS_DENIED, "only the host and speakers may publish")
        if self.publisher is None:
            self.publisher = Publisher(self.id, self.conference.config, self.conference.publish)
            self._watch(self.publisher)
        try:
            return await self.publisher.answer(sdp)
        except PublishError as exc:
            await self.conference.unpublish(self)
            raise RequestRefused(ErrorCode.INVALID_FIELD, str(exc)) from None

    def _watch(self, publisher: Publisher) -> None:
        """Unpublish when the client's publish connection closes or fails without CONF_UNPUBLISH."""

        def on_state() -> None:
            if publisher.pc.connectionState in ("closed", "failed") and self.publisher is publisher:
                self.conference.spawn(self.conference.unpublish(self))

        publisher.pc.on("connectionstatechange", on_state)

    def _watch_subscriber(self) -> None:
        """Replace the subscribe connection if it closes or fails while I am still in the conference."""
        subscriber = self.subscriber

        def on_state() -> None:
            failed = subscriber.pc.connectionState in ("closed", "failed")
            if failed and self.subscriber is subscriber and self.present:
                self.conference.spawn(self._replace_subscriber())

        subscriber.pc.on("connectionstatechange", on_state)

    async def _replace_subscriber(self) -> None:
        old = self.subscriber
        self.subscriber = Subscriber(self.id, self.conference.config, self.outbox.put_nowait, replacing=old)
        self._watch_subscriber()
        new = self.subscriber
        sources = [slot.source for slot in old.slots if slot.source is not None]
        await old.close()
        if self.subscriber is not new or not self.present:  # replaced again, or I left, meanwhile
            return
        for forwarder in sources:
            new.attach(forwarder)
        await new.sync()

    def _hosting(self, target: int) -> Participant:
        """The participant ``target`` if I may control them (a guest host: only her own invitation's guests)."""
        if self.role is not ConferenceRole.HOST:
            raise RequestRefused(ErrorCode.ACCESS_DENIED, "only the host may do that")
        try:
            other = self.conference.participants[target]
        except KeyError:
            raise RequestRefused(ErrorCode.UNKNOWN_AVATAR, f"{target} is not in this conference") from None
        if self.guest_host and other is not self and other.invitation != self.invitation:
            raise RequestRefused(ErrorCode.ACCESS_DENIED, "a guest host controls only the guests of her own invitation")
        return other

    async def close(self) -> None:
        if self.publisher is not None:
            await self.publisher.close()
            self.publisher = None
        await self.subscriber.close()


class Conference:
    """Participants and the forwarders of everyone who publishes."""

    def __init__(self, conference_id: str, config: SfuConfig) -> None:
        self.id = conference_id
        self.config = config
        self.participants: dict[int, Participant] = {}
        self.forwarders: list[Forwarder] = []
        self.muted: set[tuple[int, Kind]] = set()
        self.recording: Recording | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def join(
        self, participant_id: int, role: ConferenceRole, name: str = "", invitation: str | None = None, user: str = ""
    ) -> Participant:
        if participant_id in self.participants:
            await self.remove(self.participants[participant_id], removed=False)
        newcomer = Participant(self, participant_id, role, invitation)
        newcomer.name, newcomer.user = name, user
        self.participants[participant_id] = newcomer
        self.broadcast(ConfRole(participant_id, role.value))
        for other in self.participants.values():
            if other is not newcomer:
                newcomer.outbox.put_nowait(ConfRole(other.id, other.role.value))
        for participant, kind in self.muted:
            newcomer.outbox.put_nowait(ConfMuted(participant, kind.value, True))
        if self.recording is not None:
            self.recording.joined(participant_id, newcomer.name)
            newcomer.outbox.put_nowait(ConfRecording(True, self.recording.host))
        for forwarder in self.forwarders:
            newcomer.subscriber.attach(forwarder)
        if self.forwarders:
            await newcomer.subscriber.sync()
        return newcomer

    def publish(self, forwarder: Forwarder) -> None:
        """A participant's new track: forward it to everyone else."""
        forwarder.set_muted((forwarder.publisher, forwarder.kind) in self.muted)
        self.forwarders.append(forwarder)
        if self.recording is not None:
            self.recording.add(forwarder)
        for participant in self.participants.values():
            if participant.id != forwarder.publisher:
                participant.subscriber.attach(forwarder)
                self._sync(participant)

    async def unpublish(self, participant: Participant) -> None:
        publisher, participant.publisher = participant.publisher, None
        if publisher is None:
            return
        gone = set(publisher.forwarders.values())
        if self.recording is not None:
            self.recording.remove(participant.id)
        self.forwarders = [f for f in self.forwarders if f not in gone]
        for other in self.participants.values():
            for forwarder in gone:
                other.subscriber.detach(forwarder)
            if other is not participant:
                self._sync(other)
        await publisher.close()

    async def set_floor(
        self, participant: Participant, speaker: bool, host: bool = False, by: Participant | None = None
    ) -> None:
        """Give or take back the floor (``host``: make a guest a guest host); ``by`` None: the server itself."""
        role = _floor_role(participant, speaker, host, by)
        if role is participant.role:
            return
        participant.role = role
        self.broadcast(ConfRole(participant.id, role.value))
        if role is ConferenceRole.AUDIENCE:
            await self.unpublish(participant)

    def mute(self, participant: Participant, kind: Kind, muted: bool) -> None:
        key = (participant.id, kind)
        if muted:
            self.muted.add(key)
        else:
            self.muted.discard(key)
        for forwarder in self.forwarders:
            if forwarder.publisher == participant.id and forwarder.kind is kind:
                forwarder.set_muted(muted)
        self.broadcast(ConfMuted(participant.id, kind.value, muted))

    async def remove(self, participant: Participant, removed: bool) -> None:
        """Take a participant out (``removed``: by the host); everyone, them included, is told."""
        await self.unpublish(participant)
        self.broadcast(ConfLeft(participant.id, removed))
        if self.participants.get(participant.id) is participant:  # not a newcomer who took the same id
            del self.participants[participant.id]
        # Mutes stay for the conference's life: leaving and coming back (a resume) does not lift them.
        await participant.close()
        if not self.participants:
            self.record(None, False)

    def record(self, host: Participant | None, on: bool) -> None:
        """Start or stop recording (``host`` None: everyone left); everyone is told."""
        if on == (self.recording is not None):
            return
        root = self.config.recordings_dir
        if root is None:
            raise RequestRefused(ErrorCode.ACCESS_DENIED, "recording is not enabled on this server")
        try:
            purge(Path(root), self.config.retention_days)
            if on and host is not None:
                names = {p.id: p.name for p in self.participants.values()}
                directory = new_directory(Path(root), self.id)
                self.recording = Recording(
                    directory, self.id, host.id, names, self.config.retention_days, host_user=host.user
                )
                for forwarder in self.forwarders:
                    self.recording.add(forwarder)
            elif self.recording is not None:
                recording, self.recording = self.recording, None
                recording.stop()
                if host is not None:  # (everyone left: nobody to tell)
                    self.spawn(self._stopped(recording, host))
                return
        except OSError as exc:
            log.exception("conference %s: recording failed", self.id)
            raise RequestRefused(ErrorCode.INTERNAL, f"recording failed: {exc.strerror}") from None
        self.broadcast(ConfRecording(on, host.id if host is not None else 0))

    async def _stopped(self, recording: Recording, host: Participant) -> None:
        """Everyone is told the recording stopped once its muxer has closed the files."""
        await asyncio.shield(recording.finished)  # cancelled at close: the recording still finishes
        if self.recording is None:  # not started again meanwhile
            self.broadcast(ConfRecording(False, host.id))

    def broadcast(self, msg: Any) -> None:
        for participant in self.participants.values():
            participant.outbox.put_nowait(msg)

    def _sync(self, participant: Participant) -> None:
        self.spawn(participant.subscriber.sync())

    def spawn(self, job: Coroutine[Any, Any, None]) -> None:
        """Run ``job`` in the background (cancelled when the conference closes; errors are logged)."""
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("conference %s: background job failed", self.id, exc_info=task.exception())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        recording = self.recording
        for participant in list(self.participants.values()):
            await self.remove(participant, removed=False)
        if recording is not None:  # stopped as the last one left: its muxer closes the files first
            await asyncio.shield(recording.finished)


def _floor_role(participant: Participant, speaker: bool, host: bool, by: Participant | None) -> ConferenceRole:
    """The role ``CONF_FLOOR`` gives ``participant``, or :class:`RequestRefused` saying why not."""
    college = by is None or by.college_host
    if participant.college_host:
        raise RequestRefused(ErrorCode.ACCESS_DENIED, "the host always has the floor")
    if (host or participant.guest_host) and not college:
        raise RequestRefused(ErrorCode.ACCESS_DENIED, "only a host of the college may make or unmake a guest host")
    if host:
        if participant.invitation is None:
            raise RequestRefused(ErrorCode.INVALID_FIELD, "only a guest can be made a guest host")
        return ConferenceRole.HOST
    return ConferenceRole.SPEAKER if speaker else ConferenceRole.AUDIENCE
