"""Private answer layers: the teacher asks a question, each pupil answers on a layer of their own.

A layer is seen by its author and the room's teachers only, until a teacher reveals it to the class.
One question per room at a time (a new one replaces the previous); closing it stops the answers, and
its layers may still be revealed. Kept in memory, like polls. See docs/classroom.md §3.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cybercollege.protocol import ErrorCode, encode
from cybercollege.protocol.classroom import (
    MAX_LAYER_ITEMS,
    MAX_LAYER_POINTS,
    AnswerItem,
    AnswerLayer,
    AnswerUndo,
    AskQuestion,
    CloseQuestion,
    Question,
    RevealAnswer,
)
from cybercollege.protocol.whiteboard import BoardItem
from cybercollege.server.classroom.whiteboard.host import BoardRefused

if TYPE_CHECKING:
    from cybercollege.server.classroom.rooms import Classroom
    from cybercollege.server.core.avatar import Avatar

_question_ids = itertools.count(1)


ANSWER_MESSAGES = (AskQuestion, AnswerItem, AnswerUndo, RevealAnswer, CloseQuestion)
"""The messages :meth:`Answers.handlers` takes (the classroom feature routes them to the avatar's classroom)."""


@dataclass
class Layer:
    items: list[BoardItem] = field(default_factory=list)
    points: int = 0
    next_seq: int = 1
    revealed: bool = False


@dataclass
class Sheet:
    """One question and everyone's answer layer (by author avatar id)."""

    id: int
    board: str
    page: int
    text: str
    open: bool = True
    layers: dict[int, Layer] = field(default_factory=dict)

    def message(self) -> Question:
        revealed = [author for author, layer in self.layers.items() if layer.revealed]
        return Question(self.id, self.board, self.page, self.text, self.open, revealed)


class Answers:
    """The room's question and its layers; each layer goes only to those who may see it."""

    def __init__(self, room: Classroom) -> None:
        self.room = room
        self.sheet: Sheet | None = None

    def handlers(self) -> dict[type, Any]:
        return {AskQuestion: self.ask, AnswerItem: self.add, AnswerUndo: self.undo, RevealAnswer: self.reveal,
                CloseQuestion: self.close}  # fmt: skip

    # --- teacher ---------------------------------------------------------------------------------

    def ask(self, a: Avatar, m: AskQuestion) -> None:
        self._need_teacher(a)
        host = self.room.host(m.board)
        if host is None:
            raise BoardRefused(ErrorCode.UNKNOWN_BOARD, f"pas de tableau {m.board!r} ici")
        if m.page >= host.board.pages:
            raise BoardRefused(ErrorCode.BAD_PAGE, f"la page {m.page} n'existe pas")
        self.sheet = Sheet(next(_question_ids), m.board, m.page, m.text)
        self.room.tell(encode(self.sheet.message()))

    def reveal(self, a: Avatar, m: RevealAnswer) -> None:
        self._need_teacher(a)
        sheet = self._sheet(m.question)
        if m.author is not None and m.author not in sheet.layers:
            raise BoardRefused(ErrorCode.UNKNOWN_AVATAR, f"l'avatar {m.author} n'a pas répondu")
        authors = [m.author] if m.author is not None else list(sheet.layers)
        for author in authors:
            sheet.layers[author].revealed = m.shown
        self.room.tell(encode(sheet.message()))
        for author in authors:
            self._send_layer(sheet, author)

    def close(self, a: Avatar, m: CloseQuestion) -> None:
        self._need_teacher(a)
        sheet = self._sheet(m.question)
        sheet.open = False
        self.room.tell(encode(sheet.message()))

    # --- pupils ----------------------------------------------------------------------------------

    def add(self, a: Avatar, m: AnswerItem) -> None:
        sheet = self._open_sheet(a, m.question)
        layer = sheet.layers.setdefault(a.id, Layer())
        points = len(m.points) // 2
        if len(layer.items) >= MAX_LAYER_ITEMS or layer.points + points > MAX_LAYER_POINTS:
            raise BoardRefused(ErrorCode.LAYER_FULL, "réponse pleine : effacez-en une partie")
        layer.items.append(BoardItem(layer.next_seq, sheet.page, m.kind, m.style, m.colour, m.width, m.points, m.text))
        layer.next_seq += 1
        layer.points += points
        self._send_layer(sheet, a.id)

    def undo(self, a: Avatar, m: AnswerUndo) -> None:
        sheet = self._open_sheet(a, m.question)
        layer = sheet.layers.get(a.id)
        if layer is None or not layer.items:
            raise BoardRefused(ErrorCode.NOTHING_TO_UNDO, "rien à annuler")
        layer.points -= len(layer.items.pop().points) // 2
        self._send_layer(sheet, a.id)

    # --- delivery --------------------------------------------------------------------------------

    def joined(self, a: Avatar) -> None:
        """A newcomer gets the question and the layers it may see."""
        sheet = self.sheet
        if sheet is None or a.session is None:
            return
        events = [encode(sheet.message())]
        events += [encode(self._layer(sheet, author)) for author in sheet.layers if self._sees(a, sheet, author)]
        self.room.outbox.send(a.session, *events)

    def _send_layer(self, sheet: Sheet, author: int) -> None:
        event = encode(self._layer(sheet, author))
        self.room.tell(event, lambda m: self._sees(m, sheet, author))

    def _layer(self, sheet: Sheet, author: int) -> AnswerLayer:
        layer = sheet.layers[author]
        return AnswerLayer(sheet.id, author, layer.items, layer.revealed)

    def _sees(self, m: Avatar, sheet: Sheet, author: int) -> bool:
        return m.id == author or sheet.layers[author].revealed or self.room.teaches(m.identity)

    # --- checks ----------------------------------------------------------------------------------

    def _need_teacher(self, a: Avatar) -> None:
        if not self.room.teaches(a.identity):
            raise BoardRefused(ErrorCode.ACCESS_DENIED, "réservé aux enseignants de la salle")

    def _sheet(self, question: int) -> Sheet:
        if self.sheet is None or self.sheet.id != question:
            raise BoardRefused(ErrorCode.NO_QUESTION, f"pas de question {question} ici")
        return self.sheet

    def _open_sheet(self, a: Avatar, question: int) -> Sheet:
        sheet = self._sheet(question)
        if not sheet.open:
            raise BoardRefused(ErrorCode.QUESTION_CLOSED, "la question est close")
        if self.room.teaches(a.identity):
            raise BoardRefused(ErrorCode.ACCESS_DENIED, "les élèves répondent, les enseignants regardent")
        return sheet
