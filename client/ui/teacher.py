"""The teacher's panel: invite a partner class, let guests in, keep order, ask a quick poll.

Only teachers (and staff) get it, toggled by its HUD button or F2. The invitation goes through the HTTP
API (``POST /api/invitations`` with my bearer token, docs/invitations.md) and its code is shown once, on the
invitation card (client/ui/invitation.py) with its link, QR code and printable sheet
(``POST /api/invitations/sheet``); the rest are world messages (docs/teacher-tools.md, protocol/invitation.py,
protocol/classroom.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from direct.gui.DirectGui import DirectEntry, DirectFrame
from direct.gui.OnscreenText import OnscreenText
from direct.showbase.DirectObject import DirectObject
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.teacherfiles import documents_dir, save
from cybercollege.client.ui.focus import FocusRing, button, entry
from cybercollege.client.ui.invitation import Created, InvitationCard, Measure
from cybercollege.protocol.classroom import AskQuestion, CallToBoard, CloseQuestion, Question, RevealAnswer
from cybercollege.protocol.invitation import Admit, Dismiss, Guest
from cybercollege.protocol.teacher import Freeze, Hand, Lock, Mute, PollClose, PollOpen, RoomState
from cybercollege.protocol.whiteboard import GivePen

log = logging.getLogger("client")
WIDTH = 1.0
ROW = 0.054
LOBBY_LINES = 3
LABEL_WIDTH = 0.40
"""A form label's room before its field (which starts 0.42 to the right)."""
MAX_DAYS = 14
FIELDS = (
    ("inv_school", ""),
    ("inv_country", ""),
    ("inv_language", ""),
    ("inv_room", ""),
    ("inv_classes", ""),
    ("inv_days", "7"),
    ("inv_max", "30"),
)


SHEET_ERRORS = {
    "invitation_unknown": "err_guest_code",
    "invitation_expired": "err_guest_code",
    "invitation_revoked": "err_guest_code",
    "token_invalid": "err_token",
    "token_expired": "err_token",
    "token_missing": "err_token",
}
"""The sheet's refusals, by the server's error code, as catalogue keys (anything else: ``err_generic``)."""


class InvitationFailed(Exception):
    """The server refused the invitation (``code`` is its error code, e.g. ``classes_forbidden``)."""


class SheetFailed(Exception):
    """No sheet: the message is the catalogue key saying why."""


async def create_invitation(http: aiohttp.ClientSession, url: str, token: str, values: dict[str, str]) -> Created:
    """``POST /api/invitations`` from the form's ``values``; returns the code to give to the partner class
    and its link."""
    try:
        days = max(1, min(MAX_DAYS, int(values["inv_days"] or 7)))
        max_guests = int(values["inv_max"] or 30)
    except ValueError:
        raise InvitationFailed("number_invalid") from None
    body = {
        "partner_school": values["inv_school"],
        "country": values["inv_country"],
        "language": values["inv_language"],
        "room": values["inv_room"],
        "classes": [c.strip() for c in values["inv_classes"].replace(";", ",").split(",") if c.strip()],
        "valid_until": int(time.time()) + days * 86400,
        "max_guests": max_guests,
    }
    async with http.post(f"{url}/api/invitations", json=body, headers={"Authorization": f"Bearer {token}"}) as resp:
        answer = await resp.json(content_type=None) if resp.content_length != 0 else {}
        if resp.status != 201:
            raise InvitationFailed(str((answer or {}).get("error", resp.status)))
        return Created(answer["code"], answer["link"], values["inv_school"])


async def fetch_sheet(http: aiohttp.ClientSession, url: str, token: str, code: str) -> tuple[str, bytes]:
    """``POST /api/invitations/sheet``: the printable sheet's file name and PDF; raises :class:`SheetFailed`."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with http.post(f"{url}/api/invitations/sheet", json={"code": code}, headers=headers,
                             timeout=aiohttp.ClientTimeout(total=30)) as resp:
            if resp.status != 200:
                answer = await resp.json(content_type=None) if resp.content_length != 0 else {}
                error = str(answer.get("error", "")) if isinstance(answer, dict) else ""
                raise SheetFailed(SHEET_ERRORS.get(error, "err_generic"))
            found = re.search(r'filename="([^"]+)"', resp.headers.get("Content-Disposition", ""))
            return (found.group(1) if found else "invitation.pdf"), await resp.read()
    except (aiohttp.ClientConnectionError, TimeoutError, OSError) as exc:
        raise SheetFailed("err_unreachable") from exc
    except ValueError as exc:
        raise SheetFailed("err_generic") from exc


def _label(
    parent, text: str, pos: tuple[float, float], scale: float = 0.034, fg=style.TEXT, align=TextNode.A_left
) -> OnscreenText:
    return OnscreenText(parent=parent, text=text, pos=pos, scale=scale, fg=fg, align=align, mayChange=True)


def _field_label(parent, text: str, pos: tuple[float, float]) -> OnscreenText:
    """A form field's label, smaller if need be so that it ends before the field in every language."""
    scale = min(0.034, LABEL_WIDTH / max(0.01, Measure().width(text, 1.0)))
    return _label(parent, text, pos, scale)


class TeacherPanel(DirectObject):
    """``send(msg)`` sends a world message; ``http``, ``url``, ``token()`` reach the HTTP API;
    ``room()`` is my room's id, ``board()`` its first board, ``page()`` the page it shows and ``pens()`` who
    holds its pen;
    ``toast(text)`` shows a short message."""

    def __init__(
        self,
        base,
        ring: FocusRing,
        send: Callable[[object], None],
        http: aiohttp.ClientSession,
        url: Callable[[], str],
        token: Callable[[], str],
        room: Callable[[], str],
        board: Callable[[], str],
        page: Callable[[], int],
        pens: Callable[[], list[int]],
        toast: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.base, self.ring, self.send, self.http = base, ring, send, http
        self.url, self.token, self.room, self.board, self.toast = url, token, room, board, toast
        self.pens = pens
        self.page = page
        self.state = RoomState([], [], False, False, False)
        self.poll_id = 0
        self.last_poll = 0
        """The latest poll opened in the room (open or closed): its results can go on the board."""
        self.question: Question | None = None
        self.code = ""
        self.card: InvitationCard | None = None
        """The card of the invitation just created, until the teacher closes it."""
        self.creating = False
        self.toggle_button = button(
            base.a2dBottomRight,
            tr("panel_title"),
            self.toggle,
            (-0.4, 0.47),
            width=0.7,
            scale=0.045,
            color=(0.55, 0.35, 0.7, 1),
            ring=ring,
        )
        self.root = base.a2dRightCenter.attach_new_node("teacher-panel")
        self.frame = DirectFrame(
            parent=self.root, frameColor=style.PANEL, frameSize=(-WIDTH - 0.02, -0.02, -0.47, 0.76)
        )
        self.widgets: list = []
        self.fields: dict[str, DirectEntry] = {}
        self.guest_rows: list = []
        self._build()
        self.shown = False
        self.root.hide()
        self.accept("f2", self.toggle)

    # --- layout ---

    def _build(self) -> None:
        x0, z = -WIDTH + 0.02, 0.70
        _label(self.frame, tr("panel_title"), (x0, z), 0.045, (0.75, 0.85, 1, 1))
        for key, initial in FIELDS:
            z -= ROW
            _field_label(self.frame, tr(key), (x0, z))
            self.fields[key] = entry(self.frame, (x0 + 0.42, z - 0.005), WIDTH - 0.48, initial, scale=0.032)
        z -= ROW + 0.01
        self.buttons = {"inv_create": self._button(tr("inv_create"), self.invite, (x0 + 0.22, z), 0.44)}
        z -= ROW + 0.02
        self.lobby_title = _label(self.frame, tr("lobby", count=0), (x0, z), 0.04, (0.75, 0.85, 1, 1))
        self.buttons["admit_all"] = self._button(tr("admit_all"), self.admit_all, (-0.2, z + 0.01), 0.3)
        self.lobby_top = z
        z -= ROW * (LOBBY_LINES + 1)
        self.toggles: dict[str, tuple[str, str]] = {
            "freeze": ("freeze", "unfreeze"),
            "lock": ("lock", "unlock"),
            "mute_all": ("mute_all", "unmute_all"),
        }
        for i, (key, command) in enumerate(
            (
                ("freeze", self.freeze),
                ("lock", self.lock),
                ("mute_all", self.mute_all),
                ("call_board", self.call_board),
                ("pen_give", self.give_pen),
                ("pen_take", self.take_pens),
            )
        ):
            self.buttons[key] = self._button(tr(key), command, (x0 + 0.24 + (i % 2) * 0.5, z - (i // 2) * ROW), 0.46)
        z -= 3 * ROW + 0.02
        for key in ("poll_question", "poll_options"):
            _label(self.frame, tr(key), (x0, z))
            self.fields[key] = entry(self.frame, (x0 + 0.42, z - 0.005), WIDTH - 0.48, "", scale=0.032)
            z -= ROW
        self.poll_named = False
        self.buttons["poll_open"] = self._button(tr("poll_open"), self.open_poll, (x0 + 0.16, z), 0.31)
        self.buttons["poll_close"] = self._button(tr("poll_close"), self.close_poll, (x0 + 0.49, z), 0.31)
        self.buttons["poll_named"] = self._button(tr("poll_anonymous"), self.toggle_named, (x0 + 0.82, z), 0.31)
        z -= ROW
        for i, (key, command) in enumerate(
            (("ask_question", self.ask), ("reveal_answers", self.reveal), ("close_question", self.close_question))
        ):
            self.buttons[key] = self._button(tr(key), command, (x0 + 0.16 + i * 0.33, z), 0.31)

    def _button(self, text: str, command, pos: tuple[float, float], width: float, extra=()):
        b = button(self.frame, text, command, pos, width=width, scale=0.032, extra=extra)
        self.widgets.append(b)
        return b

    def toggle(self) -> None:
        self.shown = not self.shown
        if self.shown:
            self.root.show()
            room = self.fields["inv_room"]
            if not room.get():
                room.enterText(self.room())
            for w in [*self.fields.values(), *self.widgets]:
                self.ring.add(w)
        else:
            self.root.hide()
            for w in [*self.fields.values(), *self.widgets]:
                self.ring.remove(w)

    # --- invitations and the lobby ---

    def invite(self) -> None:
        if self.card is not None:  # its code would be lost for good
            self.ring.focus(self.card.buttons["copy"])
            self.card.say("card_close_first")
            return
        if self.creating:
            return
        self.creating = True
        values = {key: self.fields[key].get().strip() for key, _ in FIELDS}
        task = asyncio.get_running_loop().create_task(self._invite(values))
        task.add_done_callback(lambda t: None if t.cancelled() else t.exception())

    async def _invite(self, values: dict[str, str]) -> None:
        try:
            created = await create_invitation(self.http, self.url(), self.token(), values)
        except (InvitationFailed, aiohttp.ClientError, OSError, TimeoutError, KeyError, ValueError) as exc:
            log.info("invitation refused: %s", exc)
            self.toast(tr("inv_failed"))
            return
        finally:
            self.creating = False
        self.code = created.code
        self.card = InvitationCard(self.base, self.ring, created, lambda: self.save_sheet(created.code),
                                   self._card_closed)

    async def save_sheet(self, code: str) -> Path:
        """The invitation's printable sheet, saved in my documents folder (client/teacherfiles.py)."""
        name, data = await fetch_sheet(self.http, self.url(), self.token(), code)
        try:
            return await asyncio.to_thread(save, documents_dir(), name, data)
        except OSError as exc:
            raise SheetFailed("err_generic") from exc

    def _card_closed(self) -> None:
        self.card = None

    def set_lobby(self, waiting: list[Guest]) -> None:
        """The guests waiting for me: a line each with Admit and Dismiss."""
        for w in self.guest_rows:
            self.ring.remove(w)
            if w in self.widgets:
                self.widgets.remove(w)
            w.destroy()
        self.guest_rows = []
        self.lobby_title.setText(tr("lobby", count=len(waiting)))
        x0 = -WIDTH + 0.02
        for i, guest in enumerate(waiting[:LOBBY_LINES]):
            z = self.lobby_top - (i + 1) * ROW
            text = OnscreenText(
                parent=self.frame,
                text=f"{guest.name} · {guest.school}"[:34],
                pos=(x0, z),
                scale=0.032,
                fg=style.TEXT,
                align=TextNode.A_left,
            )
            admit = self._button(tr("admit"), self.admit, (-0.42, z + 0.01), 0.24, (guest.id,))
            dismiss = self._button(tr("dismiss"), self.dismiss, (-0.16, z + 0.01), 0.24, (guest.id,))
            self.guest_rows += [text, admit, dismiss]
            if self.shown:
                self.ring.add(admit)
                self.ring.add(dismiss)

    def admit(self, guest_id: int) -> None:
        self.send(Admit([guest_id]))

    def admit_all(self) -> None:
        self.send(Admit([]))

    def dismiss(self, guest_id: int) -> None:
        self.send(Dismiss(guest_id))

    # --- order in the class ---

    def set_state(self, state: RoomState) -> None:
        self.state = state
        on = {"freeze": state.frozen, "lock": state.locked, "mute_all": state.muted_all}
        for key, (off_label, on_label) in self.toggles.items():
            self.buttons[key]["text"] = tr(on_label if on[key] else off_label)

    def freeze(self) -> None:
        self.send(Freeze(not self.state.frozen))

    def lock(self) -> None:
        self.send(Lock(not self.state.locked))

    def mute_all(self) -> None:
        self.send(Mute(not self.state.muted_all))

    def call_board(self) -> None:
        if self.board():
            self.send(CallToBoard(self.board()))

    def give_pen(self) -> None:
        """The pen to the first raised hand (whose hand goes down)."""
        if self.board() and self.state.hands:
            who = self.state.hands[0]
            self.send(GivePen(self.board(), who, True))
            self.send(Hand(False, who))

    def take_pens(self) -> None:
        for who in self.pens():
            self.send(GivePen(self.board(), who, False))

    # --- quick poll ---

    def open_poll(self) -> None:
        """Options are separated by "/"; a "*" before an option marks a right answer (a quiz), and several
        marked answers make it a multiple-choice quiz."""
        question = self.fields["poll_question"].get().strip()
        raw = [o.strip() for o in self.fields["poll_options"].get().split("/") if o.strip().lstrip("*").strip()]
        if not question or not 2 <= len(raw) <= 8:
            self.toast(tr("poll_options"))
            return
        correct = [i for i, o in enumerate(raw) if o.startswith("*")]
        options = [o.lstrip("*").strip()[:80] for o in raw]
        self.send(PollOpen(question[:500], options, len(correct) > 1, not self.poll_named, correct))

    def toggle_named(self) -> None:
        """Anonymous poll (counts only) or named (the teacher sees who answered what)."""
        self.poll_named = not self.poll_named
        self.buttons["poll_named"]["text"] = tr("poll_named" if self.poll_named else "poll_anonymous")

    def close_poll(self) -> None:
        if self.poll_id:
            self.send(PollClose(self.poll_id))

    # --- a question answered on private layers (docs/classroom.md) ---

    def ask(self) -> None:
        """The question field's text, asked about the page shown on the room's board."""
        text = self.fields["poll_question"].get().strip()
        if text and self.board():
            self.send(AskQuestion(self.board(), self.page(), text[:500]))

    def reveal(self) -> None:
        """Show every pupil's layer to the class, or hide them again."""
        q = self.question
        if q is not None:
            self.send(RevealAnswer(q.id, None, not q.revealed))

    def close_question(self) -> None:
        if self.question is not None and self.question.open:
            self.send(CloseQuestion(self.question.id))

    def question_changed(self, question: Question) -> None:
        self.question = question
        self.buttons["reveal_answers"]["text"] = tr("hide_answers" if question.revealed else "reveal_answers")

    def poll_changed(self, poll_id: int, open_: bool) -> None:
        self.last_poll = poll_id
        self.poll_id = poll_id if open_ else 0

    def destroy(self) -> None:
        self.ignore_all()
        if self.card is not None:
            self.card.destroy()
        for w in [*self.fields.values(), *self.widgets, self.toggle_button]:
            self.ring.remove(w)
        self.toggle_button.destroy()
        self.frame.destroy()
        self.root.remove_node()
