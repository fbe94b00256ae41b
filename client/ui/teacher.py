"""The teacher's panel: keep order, the board, polls and questions, invite a partner class, let guests in.

Only teachers (and staff) get it, toggled by its HUD button or F2: a column of tabs (class, board, groups,
polls, invitations, conference) beside the room's board as the camera sees it, never over it. The invitation
goes through the HTTP API (``POST /api/invitations`` with my bearer token, docs/invitations.md) and its code
is shown once, on the invitation card (client/ui/invitation.py) with its link, QR code and printable sheet
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
from direct.gui.DirectGui import DirectButton, DirectEntry, DirectFrame
from direct.showbase.DirectObject import DirectObject

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.teacherfiles import documents_dir, save
from cybercollege.client.ui import layout
from cybercollege.client.ui.column import Column, relabel
from cybercollege.client.ui.focus import FocusRing, button, repaint, unless_typing
from cybercollege.client.ui.invitation import Created, InvitationCard
from cybercollege.protocol.classroom import AskQuestion, CallToBoard, CloseQuestion, Question, RevealAnswer
from cybercollege.protocol.invitation import Admit, Dismiss, Guest
from cybercollege.protocol.teacher import Freeze, Hand, Lock, Mute, PollClose, PollOpen, RoomState
from cybercollege.protocol.whiteboard import GivePen

log = logging.getLogger("client")
WIDTH = 0.92
"""The panel's width at scale 1 (aspect2d units): client/ui/layout.py scales it down beside the board."""
LOBBY_LINES = 3
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


TABS = ("class", "board", "groups", "polls", "invitations", "conference")
"""The panel's tabs, in order: one shows at a time."""
PLACE_S = 0.2
"""The panel follows the camera (the board's place on the window) five times a second."""


class TeacherPanel(DirectObject):
    """``send(msg)`` sends a world message; ``http``, ``url``, ``token()`` reach the HTTP API;
    ``room()`` is my room's id, ``board()`` its first board, ``page()`` the page it shows and ``pens()`` who
    holds its pen;
    ``toast(text)`` shows a short message.

    The panel is a column of tabs (:data:`TABS`) at the side of the window that keeps off the room's boards as
    the camera sees them (``board_rects()``, client/ui/layout.py ``side_panel``); its widgets are in
    ``fields`` and ``buttons`` whatever the tab, and the Tab ring holds the tab buttons and the shown tab's."""

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
        self.poll_named = False
        self.waiting: list[Guest] = []
        self.board_rects: Callable[[], tuple[list[layout.Rect], list[layout.Rect]]] = lambda: ([], [])
        """The room's boards, and its big screen, on the window: the panel keeps off them."""
        self.extensions: list[Callable[[], None]] = []
        """Builders of other parts' rows (client/ui/teachertools.py), called after each build of the tabs."""
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
        self.root = base.aspect2d.attach_new_node("teacher-panel")
        self.frame = DirectFrame(parent=self.root, frameColor=style.PANEL, frameSize=(0, WIDTH, -1, 0))
        self.tab = TABS[0]
        self.shown = False
        self.placed: tuple[float, float, float] = (0.0, 0.0, 1.0)
        """Where the panel is: left edge, top edge (aspect2d units) and scale."""
        self.widgets: list = []
        self.fields: dict[str, DirectEntry] = {}
        self.buttons: dict[str, DirectButton] = {}
        self.tabs: dict[str, DirectButton] = {}
        self.pages: dict[str, Column] = {}
        self.guest_rows: list = []
        self._build()
        self.root.hide()
        self.accept("f2", unless_typing(self.toggle))  # F2 typed in a field is the field's
        style.on_change(self.rebuild)

    # --- layout ---

    def _build(self) -> None:
        """The tab buttons, and each tab's rows (large text: larger rows, same column)."""
        f = style.TEXT_SCALE
        self.frame["frameColor"] = style.PANEL
        self.toggle_button.setPos(-0.4 * f, 0, 0.47 * f)  # above the HUD's buttons, grown like them
        self.toggle_button.setScale(0.045 * f)
        repaint(self.toggle_button)
        self.widgets, self.fields, self.buttons, self.tabs, self.pages = [], {}, {}, {}, {}
        self.bar = Column(self.frame, WIDTH, f, "teacher-tabs")
        self.bar.title(tr("panel_title"))
        made = self.bar.buttons_row([(tr(f"tab_{name}"), self.show_tab, (name,)) for name in TABS], per_row=3,
                                    color=style.MUTED)
        self.tabs = dict(zip(TABS, made, strict=True))
        for name in TABS:
            page = self.pages[name] = Column(self.frame, WIDTH, f, f"teacher-tab-{name}")
            page.frame.setZ(-self.bar.height)
        self._class_rows(self.pages["class"])
        self._board_rows(self.pages["board"])
        self._poll_rows(self.pages["polls"])
        self._invitation_rows(self.pages["invitations"])
        for extend in self.extensions:
            extend()
        self.set_state(self.state)
        self.set_lobby(self.waiting)  # the conference tab

    def _row(self, page: Column, items: list[tuple[str, Callable]], per_row: int = 2) -> list[DirectButton]:
        made = page.buttons_row([(tr(key), command, ()) for key, command in items], per_row)
        for (key, _), b in zip(items, made, strict=True):
            self.buttons[key] = b
        self.widgets += made
        return made

    def add_buttons(self, tab: str, items: list[tuple[str, str, Callable]], per_row: int = 2
                    ) -> list[DirectButton]:
        """Other parts' buttons ``(key, label, command)`` on ``tab`` (client/ui/teachertools.py)."""
        made = self.pages[tab].buttons_row([(text, command, ()) for _, text, command in items], per_row)
        self.widgets += made
        return made

    def _class_rows(self, page: Column) -> None:
        self.toggles: dict[str, tuple[str, str]] = {
            "freeze": ("freeze", "unfreeze"),
            "lock": ("lock", "unlock"),
            "mute_all": ("mute_all", "unmute_all"),
        }
        self._row(page, [("freeze", self.freeze), ("lock", self.lock)])
        self._row(page, [("mute_all", self.mute_all)], 1)

    def _board_rows(self, page: Column) -> None:
        self._row(page, [("call_board", self.call_board)], 1)
        self._row(page, [("pen_give", self.give_pen), ("pen_take", self.take_pens)])

    def _poll_rows(self, page: Column) -> None:
        for key in ("poll_question", "poll_options"):
            self.fields[key] = page.field(tr(key))
        self._row(page, [("poll_open", self.open_poll), ("poll_close", self.close_poll)])
        self._row(page, [("poll_named", self.toggle_named)], 1)
        relabel(self.buttons["poll_named"], tr("poll_named" if self.poll_named else "poll_anonymous"))
        page.space()
        self._row(page, [("ask_question", self.ask), ("reveal_answers", self.reveal)])
        self._row(page, [("close_question", self.close_question)], 1)

    def _invitation_rows(self, page: Column) -> None:
        for key, initial in FIELDS:
            self.fields[key] = page.field(tr(key), initial)
        self._row(page, [("inv_create", self.invite)], 1)

    def rebuild(self) -> None:
        """The options changed (client/style.py): the tabs built again with the new sizes and colours, what
        was typed kept."""
        typed = {key: field.get() for key, field in self.fields.items()}
        for w in [*self.fields.values(), *self.widgets, *self.tabs.values()]:
            self.ring.remove(w)
        for page in self.pages.values():
            page.destroy()
        self.bar.destroy()
        self.guest_rows = []
        self._build()
        for key, text in typed.items():
            if key in self.fields:
                self.fields[key].enterText(text)
        if self.shown:
            for w in self._ring_widgets():
                self.ring.add(w)
            self.place()

    def show_tab(self, name: str) -> None:
        """A tab button: its rows shown, the others' hidden (and out of the Tab ring)."""
        if self.shown:
            for w in self._ring_widgets():
                self.ring.remove(w)
        self._select(name)
        if self.shown:
            for w in self._ring_widgets():
                self.ring.add(w)
            current = self.tabs[name]
            self.ring.focus(current)
            self.place()

    def _select(self, name: str) -> None:
        self.tab = name
        for tab, page in self.pages.items():
            page.frame.show() if tab == name else page.frame.hide()
            b = self.tabs[tab]
            color = style.ACCENT if tab == name else style.MUTED
            b.setPythonTag("color", color)
            if self.ring.current is not b:
                b["frameColor"] = color
            b["text_fg"] = style.BUTTON_TEXT if tab == name or not style.HIGH_CONTRAST else (0, 0, 0, 1)
        self.frame["frameSize"] = (0, WIDTH, -self.height, 0)

    @property
    def height(self) -> float:
        """The panel's height at scale 1: the tab bar and the shown tab."""
        return self.bar.height + self.pages[self.tab].height

    def _ring_widgets(self) -> list:
        """The tab buttons, then the shown tab's buttons and fields, top to bottom."""
        return [*self.tabs.values(), *self.pages[self.tab].focusable]

    def place(self) -> None:
        """Beside the boards as the camera sees them now, scaled down if need be (client/ui/layout.py)."""
        boards, screens = self.board_rects()
        placed = layout.side_panel(self.base.getAspectRatio(), boards, screens, WIDTH, self.height)
        if placed != self.placed:
            self.placed = placed
            left, top, scale = placed
            self.root.set_pos(left, 0, top)
            self.root.set_scale(scale)

    @property
    def rect(self) -> layout.Rect | None:
        """Where the panel is drawn, in aspect2d units (None: hidden)."""
        if not self.shown:
            return None
        left, top, scale = self.placed
        return (left, left + WIDTH * scale, top - self.height * scale, top)

    def _follow(self, task):
        self.place()
        return task.again

    def toggle(self) -> None:
        self.shown = not self.shown
        if self.shown:
            self.root.show()
            room = self.fields["inv_room"]
            if not room.get():
                room.enterText(self.room())
            for w in self._ring_widgets():
                self.ring.add(w)
            self.place()
            self.base.taskMgr.doMethodLater(PLACE_S, self._follow, "teacher-panel-place")
        else:
            self.root.hide()
            self.base.taskMgr.remove("teacher-panel-place")
            for w in [*self.fields.values(), *self.widgets, *self.tabs.values()]:
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
        """The guests waiting for me, on the conference tab: a line each with Admit and Dismiss (the tab's
        button counts them)."""
        self.waiting = list(waiting)
        in_ring = self.shown and self.tab == "conference"
        old = self.pages["conference"]
        for w in old.focusable:
            if in_ring:
                self.ring.remove(w)
            if w in self.widgets:
                self.widgets.remove(w)
        old.destroy()
        page = self.pages["conference"] = Column(self.frame, WIDTH, style.TEXT_SCALE, "teacher-tab-conference")
        page.frame.setZ(-self.bar.height)
        self.lobby_title = page.title(tr("lobby", count=len(waiting)))
        self._row(page, [("admit_all", self.admit_all)], 1)
        self.guest_rows = []
        for guest in waiting[:LOBBY_LINES]:
            text = page.text(f"{guest.name} · {guest.school}"[:60])
            admit, dismiss = page.buttons_row([(tr("admit"), self.admit, (guest.id,)),
                                               (tr("dismiss"), self.dismiss, (guest.id,))])
            self.widgets += [admit, dismiss]
            self.guest_rows += [text, admit, dismiss]
        relabel(self.tabs["conference"], tr("tab_conference") + (f" ({len(waiting)})" if waiting else ""))
        self._select(self.tab)
        if in_ring:
            for w in page.focusable:
                self.ring.add(w)
        if self.shown:
            self.place()

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
            relabel(self.buttons[key], tr(on_label if on[key] else off_label))

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
        relabel(self.buttons["poll_named"], tr("poll_named" if self.poll_named else "poll_anonymous"))

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
        relabel(self.buttons["reveal_answers"], tr("hide_answers" if question.revealed else "reveal_answers"))

    def poll_changed(self, poll_id: int, open_: bool) -> None:
        self.last_poll = poll_id
        self.poll_id = poll_id if open_ else 0

    def destroy(self) -> None:
        self.ignore_all()
        style.forget(self.rebuild)
        self.base.taskMgr.remove("teacher-panel-place")
        if self.card is not None:
            self.card.destroy()
        for w in [*self.fields.values(), *self.widgets, *self.tabs.values(), self.toggle_button]:
            self.ring.remove(w)
        self.toggle_button.destroy()
        self.frame.destroy()
        self.root.remove_node()
