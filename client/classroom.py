"""The classroom tools of one session: the pen and its toolbar, polls, what the teacher set, the teacher's panel.

Built when the HUD is, fed with every server message (after the mirror applied it), destroyed with the HUD.
"""

from __future__ import annotations

import asyncio
import logging
import math

from cybercollege.client.drawing import Pen, Sender
from cybercollege.client.slides import SlideError, Slides
from cybercollege.client.teacherfiles import documents_dir
from cybercollege.client.ui import layout
from cybercollege.client.ui.classstate import ClassState
from cybercollege.client.ui.poll import PollWindow
from cybercollege.client.ui.teacher import TeacherPanel
from cybercollege.client.ui.teachertools import TeacherTools
from cybercollege.client.ui.toolbar import Toolbar
from cybercollege.protocol.classroom import AnswerLayer, Breakout, BreakoutJoin, CalledToBoard, PageBackground, Question
from cybercollege.protocol.invitation import Lobby
from cybercollege.protocol.messages import Anim, Presence, Room, Welcome
from cybercollege.protocol.teacher import Hand, Poll, RoomState, Vote
from cybercollege.protocol.whiteboard import Board, BoardAck, BoardItems, Pens

log = logging.getLogger("client")


class ClassroomTools:
    """For ``session`` (client.session.Session): its connection may change on a reconnect, its view and HUD
    live as long as this object."""

    def __init__(self, session) -> None:
        self.session = session
        view, hud = session.view, session.hud
        self.role = session.welcome.you.role
        self.send = Sender(lambda msg: self.conn.send(msg))
        self.pen = Pen(session.base, view.boards, self.send, lambda: self.conn.new_cid(),
                       lambda: self.conn.mirror.boards, lambda: self.conn.mirror.me, self.role)
        self.toolbar = Toolbar(session.base, self.pen, hud.ring, lambda on: setattr(hud, "typing", on))
        self.poll = PollWindow(session.base, hud.ring, lambda poll, choices: self.send(Vote(poll, choices)))
        self.state = ClassState(session.base)
        self.slides = Slides(session.http)
        self.tasks: set[asyncio.Task] = set()
        self.panel: TeacherPanel | None = None
        self.tools: TeacherTools | None = None
        self.queued = False  # my hand is in the room's queue
        self.question: Question | None = None
        self.layers: dict[int, AnswerLayer] = {}
        self.breakout: Breakout | None = None
        self.watching = 0
        """The breakout group whose board a teacher looks at (0: the class's board)."""
        """The answer layers of the question I received (mine; all of them for teachers), by author."""
        if self.pen.teacher:
            self.panel = TeacherPanel(session.base, hud.ring, self.send, session.http, lambda: self.conn.url,
                                      lambda: self.conn.token, lambda: self.conn.mirror.room,
                                      self.pen.current, self._page, self._pens, hud.toast)
            self.panel.board_rects = lambda: layout.room_rects(session.base, session.view.root, self._room())
            self.tools = TeacherTools(self.panel, lambda: list(self.conn.mirror.members.values()),
                                      lambda: self.conn.mirror.me, documents_dir, self.watch)

    @property
    def conn(self):
        return self.session.conn

    def on_message(self, msg) -> None:
        kind = type(msg)
        if kind is RoomState:
            names = {member.id: member.name for member in self.conn.mirror.members.values()}
            self.state.show(msg, self.conn.mirror.me, self.pen.teacher, names)
            if self.panel is not None:
                self.panel.set_state(msg)
            self._follow_queue(msg)
        elif kind is Poll:
            self.poll.show(msg)
            if self.panel is not None:
                self.panel.poll_changed(msg.id, msg.open)
        elif kind is Lobby and self.panel is not None:
            self.panel.set_lobby(list(msg.waiting))
        elif kind is Question:
            self._question(msg)
        elif kind is AnswerLayer:
            self._layer(msg)
        elif kind is CalledToBoard:
            self.face_board(msg.board)
        elif kind is BoardAck:
            self.pen.acked(msg.cid)
        elif kind is Board or kind is BoardItems:
            state = self.conn.mirror.boards.get(msg.board)
            if self.pen.resend and state is not None and len(state.items) >= state.expected:
                self.pen.board_loaded(msg.board)
        elif kind is PageBackground:
            self._spawn(self._background(msg))
        elif kind is Welcome:
            self.pen.reconnected()
        elif kind is Breakout:
            self._breakout(msg)
        elif kind is Room:
            self.question, self.layers, self.pen.answering = None, {}, None
            self.state.set_question("")
            self.poll.hide()
            self.state.show(None, 0, self.pen.teacher)
            self.breakout, self.watching = None, 0
            if self.tools is not None:
                self.tools.breakout_changed(Breakout(0, False, 0, []))
        if self.tools is not None and kind in (RoomState, Presence, Pens, Board):
            self.tools.refresh()

    def _breakout(self, breakout: Breakout) -> None:
        if self.breakout is None or self.breakout.id != breakout.id:
            self.watching = 0
        self.breakout = breakout
        board = self.show_board()
        if self.tools is not None:
            self.tools.breakout_changed(breakout)
            self.tools.show_watched(board)

    def watch(self, step: int) -> str:
        """Teacher: look at the previous or next group's board (0: the class's); tell the room while it runs.
        Returns the board now shown."""
        groups = self.breakout.groups if self.breakout is not None else []
        self.watching = (self.watching + step) % (len(groups) + 1)
        if self.breakout is not None and self.breakout.active:
            self.send(BreakoutJoin(self.watching))
        return self.show_board()

    def show_board(self) -> str:
        """The room's board shows my group's during a breakout (for a teacher, the group chosen); else its own."""
        b, view = self.breakout, self.session.view
        if b is None or not b.groups or view is None:
            return ""
        me = self.conn.mirror.me
        if self.pen.teacher:
            board = b.groups[self.watching - 1].board if 0 < self.watching <= len(b.groups) else ""
        else:
            board = next((g.board for g in b.groups if b.active and me in g.members), "")
        board = board or view.boards.home(b.groups[0].board)
        if self.pen.board != board and (self.pen.stroke is not None or self.pen.corner is not None):
            self.pen.stroke = None
            self.pen.cancel_shape()
        view.boards.show(board)
        return board

    async def _background(self, msg: PageBackground) -> None:
        """Fetch and decode the page's slide, then put it behind the page."""
        view = self.session.view
        size = view.boards.canvas_size(msg.board) if view is not None else None
        if size is None:
            return
        picture = None
        if msg.sha256:
            try:
                picture = await self.slides.get(self.conn.url, msg.sha256, *size)
            except SlideError as exc:
                log.warning("slide not shown: %s", exc)
                return
        if self.session.view is not None:
            self.session.view.boards.set_background(msg.board, msg.page, picture)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _room(self):
        """The room I am in as the view draws it (None in the waiting room)."""
        view = self.session.view
        return view.walker.room if view is not None and view.walker is not None else None

    def _page(self) -> int:
        state = self.conn.mirror.boards.get(self.pen.current())
        return state.page if state is not None else 0

    def _pens(self) -> list[int]:
        state = self.conn.mirror.boards.get(self.pen.current())
        return list(state.pens) if state is not None else []

    def _question(self, question: Question) -> None:
        """A question on the board: pupils answer on their own layer while it is open."""
        if self.question is None or self.question.id != question.id:
            self.layers = {}
        self.question = question
        self.pen.answering = (question.id, question.board) if question.open and not self.pen.teacher else None
        self.state.set_question(question.text if question.open else "")
        if self.panel is not None:
            self.panel.question_changed(question)
        self._show_layers()

    def _layer(self, layer: AnswerLayer) -> None:
        if self.question is not None and layer.question == self.question.id:
            self.layers[layer.author] = layer
            self._show_layers()

    def _show_layers(self) -> None:
        """Over the question's page: my layer, the revealed ones, and (teachers) every layer."""
        q, me = self.question, self.conn.mirror.me
        if q is None or self.session.view is None:
            return
        shown = [layer for author, layer in sorted(self.layers.items())
                 if author == me or self.pen.teacher or author in q.revealed]
        self.session.view.boards.set_overlay(q.board, q.page, [i for layer in shown for i in layer.items])

    def _follow_queue(self, state: RoomState) -> None:
        """A teacher lowered my hand (e.g. giving me the pen): lower my avatar's too."""
        queued, self.queued = self.queued, self.conn.mirror.me in state.hands
        view = self.session.view
        walker = view.walker if view is not None else None
        if queued and not self.queued and walker is not None and walker.anim == Anim.HAND_UP:
            view.toggle_hand()

    def hand(self, up: bool) -> None:
        """My hand went up or down: join or leave the room's queue (``HAND``)."""
        self.send(Hand(up))

    def face_board(self, board_id: str) -> None:
        """Called to the board: turn to face it."""
        view = self.session.view
        panel = view.boards.panels.get(board_id) if view is not None else None
        if panel is None or view.walker is None:
            return
        w = view.walker
        w.heading = math.degrees(math.atan2(-(panel.wb.x - w.x), panel.wb.y - w.y)) % 360.0
        view.send_now()

    def destroy(self) -> None:
        self.toolbar.destroy()
        self.pen.destroy()
        self.poll.destroy()
        self.state.destroy()
        if self.tools is not None:
            self.tools.destroy()
        if self.panel is not None:
            self.panel.destroy()
        self.send.close()
        for task in self.tasks:
            task.cancel()
