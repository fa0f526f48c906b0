"""The advisers' side of option 9 in the local preview: the page's call waits in a queue of the
switchboard (ivr/staff/switchboard.py) that plays Twilio's part, and the pretend advisers' phones
do what the person chose.

The page (static/phone.js) follows the caller's TwiML itself, as Twilio does: the <Enqueue>, each
wait page (keys live, star's <Leave>), the waitUrl again when a page runs out, and the <Enqueue
action> with QueueResult once the wait is over. This module, behind /phone/queue/... (phone.py):
- scripts the advisers' phones for the outcome the person chose (`OUTCOMES`);
- hands the page's <Enqueue> to the board, which holds the call's place in the queue, rings the
  advisers as the line asks it to (the line's REST client is the board), and lets the first
  adviser's <Dial><Queue> take the call;
- tells the page how its wait stands (`Wait.standing`): waiting (with the fields Twilio sends a
  waitUrl), joining, talking, or over (with the fields of the action request), and what happened
  on the advisers' side since it last asked;
- is the line's clock in the preview, which "out of hours" moves (`clock`).

The board is the app factory's (ivr/__init__.py), handed in: the browser pages never import
the staff tools. There is one board, with one set of pretend phones: the preview is for one
person trying the line, and each call's choice scripts the phones anew.

The clock. A browser call takes real time, so the board follows the real clock, but only when
asked: whenever the page asks how its wait stands (once a second while it waits) and whenever the
line hands it work (ringing the advisers, hanging up phones), the board first runs up to the time
now, each event at its own time. So nothing runs between requests: there is no thread to start,
stop or lose in gunicorn's fork, and a test moves the clock itself (`seconds`). "Skip the wait"
moves the board, and with it the line's clock, on to the next thing that happens.
"""
from __future__ import annotations

import re
import threading
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from flask import has_request_context, request

from ..line.adviser import is_open
from ..settings import Settings


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    first: tuple[str, ...] = ()  # what the first advisers' phones do, in the order of ADVISER_NUMBERS
    rest: str = "no-answer"      # what every other phone does (a behaviour of ivr/staff/phones.py)
    api: str = "ok"              # how Twilio's REST API behaves
    clock: str | None = None     # ask the line at a time advisers are "open" or "closed"
    advisers: int = 1            # offered with at least this many advisers


OUTCOMES = (
    Outcome("answered", "An adviser answers and presses 1", first=("answers",)),
    # Issue 10's case: a switched-off phone's voicemail answers first, and must end only its own call.
    Outcome("off-then-answers", "One adviser's phone is switched off, another answers after 8 seconds",
            first=("off", "answers-after=8"), advisers=2),
    Outcome("no-answer", "Nobody answers"),
    Outcome("voicemail", "Voicemail answers", rest="voicemail"),
    Outcome("busy", "Every adviser's phone is busy", rest="busy"),
    Outcome("switched-off", "Every adviser's phone is switched off", rest="off"),
    Outcome("twilio-down", "Twilio cannot be reached", rest="answers", api="down"),
    Outcome("out-of-hours", "It is outside adviser hours", clock="closed"),
)
TALK_SECONDS = 6.0  # nobody is there in the preview: the adviser who took the call hangs up after this
SKIP_SECONDS = 120  # "Skip the wait" looks this far ahead for the next thing to happen
CALL_SID = re.compile(r"CA[0-9a-f]{32}")


def offered(settings: Settings, now: datetime) -> list[Outcome]:
    """The outcomes that can happen with these settings: out of hours only if the hours have a
    closed time, the two-phone case only with two advisers or more."""
    return [o for o in OUTCOMES if len(settings.advisers) >= o.advisers
            and (o.clock is None or first_time(settings, now, o.clock == "open"))]


@dataclass
class Wait:
    """One page's call in the board's queue, and what the page has been told of it."""
    member: object               # the board's stand-in for the page's caller (switchboard_elsewhere.py)
    seen: int                    # how many of the board's events the page has been told
    heard: dict[int, int] = field(default_factory=dict)  # each adviser's call -> words the page was told
    told: tuple = ()             # how things stood when the page last asked (`AdvisersSide._state`)
    adviser: str | None = None   # who took the call, once one has


class AdvisersSide:
    """The board, kept on the preview's clock, and each page call's wait in its queues."""

    def __init__(self, board, advisers: tuple[str, ...], seconds: Callable[[], float] | None = None):
        self.board, self.advisers = board, advisers
        self.seconds = seconds or time.monotonic
        self.started = self.seconds()
        self.ahead = 0.0  # seconds "Skip the wait" has moved the clock on
        self.lock = threading.RLock()  # the page's requests and the line's work, one at a time
        self.running = False
        self.waits: dict[str, Wait] = {}  # the page's call SID -> its wait

    # -- The clock ---------------------------------------------------------------------------
    def elapsed(self) -> float:
        """Seconds on the preview's clock: the real ones, plus what "Skip the wait" skipped."""
        return self.seconds() - self.started + self.ahead

    def now(self) -> datetime:
        """The preview's time, which the line reads as its clock."""
        return self.board.start + timedelta(seconds=self.elapsed())

    @contextmanager
    def turn(self):
        """The board, run up to now, for one request. Work the line hands it meanwhile, from the
        board's own requests to the line, joins its queue of events and is run in its turn."""
        with self.lock:
            if self.running:
                yield self.board
                return
            self.running = True
            try:
                self.board.advance(max(0.0, self.elapsed() - self.board.now))
                yield self.board
            finally:
                self.running = False

    def background(self, job: Callable, *args) -> None:
        """The line's work off a webhook's path (ringing, hanging up): on the board, at once."""
        with self.turn() as board:
            board.later(job, *args)
            board.advance(0)

    # -- What the page asks ------------------------------------------------------------------
    def join(self, call: str, outcome: Outcome, enqueue: ET.Element) -> dict:
        """The page's call reached <Enqueue>: the phones do what `outcome` says, and the call waits."""
        with self.turn() as board:
            board.api = outcome.api
            for i, number in enumerate(self.advisers):
                does = outcome.first[i] if i < len(outcome.first) else outcome.rest
                board.script(number, does, name=f"adviser {i + 1}", talks=TALK_SECONDS)
            seen, heard = len(board.happened), {id(leg): len(leg.heard) for leg in board.legs()}
            wait = self.waits[call] = Wait(board.enqueue_elsewhere(enqueue), seen, heard)
            return self._standing(wait)

    def look(self, call: str) -> dict:
        with self.turn():
            return self._standing(self.waits[call])

    def leave(self, call: str) -> dict:
        """The page played <Leave>."""
        with self.turn() as board:
            board.leave(self.waits[call].member)
            return self._standing(self.waits[call])

    def hang_up(self, call: str) -> dict:
        with self.turn() as board:
            board.hang_up(self.waits[call].member)
            return self._standing(self.waits[call])

    def skip(self, call: str) -> dict:
        """On to the next thing that happens on the advisers' side or to the call's wait (none
        if something has happened since the page last asked: that is the next thing)."""
        with self.turn() as board:
            wait, then = self.waits[call], board.now
            if self._state(wait) == wait.told:
                board.settle(until=lambda: self._state(wait) != wait.told, seconds=SKIP_SECONDS)
                self.ahead += board.now - then
            return self._standing(wait)

    # -- What the page is told ---------------------------------------------------------------
    def _state(self, wait: Wait) -> tuple:
        board = self.board
        return len(board.happened), sum(len(leg.heard) for leg in board.legs()), board.standing(wait.member)[0]

    def _standing(self, wait: Wait) -> dict:
        state, fields = self.board.standing(wait.member)
        wait.adviser = self.board.talking_to(wait.member) or wait.adviser
        answer = {"state": state, "fields": fields, "adviser": wait.adviser, "events": self._news(wait)}
        wait.told = self._state(wait)
        return answer

    def _news(self, wait: Wait) -> list[str]:
        """What happened on the advisers' side since the page last asked, in plain words: the
        board's notes, and what each adviser's phone heard, put after its answering."""
        board = self.board
        notes = [what for _, what in board.happened[wait.seen:]
                 if not what.startswith("the caller")]  # the page says what its own caller does
        wait.seen = len(board.happened)
        heard = []
        for leg in board.legs():
            name = board.names.get(leg.to, leg.to)
            words = [f"{name.capitalize()}'s phone hears: “{w}”" for w in leg.heard[wait.heard.get(id(leg), 0):]]
            wait.heard[id(leg)] = len(leg.heard)
            answered = [i + 1 for i, n in enumerate(notes) if n.startswith(f"{name}'s phone") and "answers" in n]
            heard.append((answered[-1] if answered else len(notes), words))
        news = [plain(n) for n in notes]
        for at, words in sorted(heard, key=lambda h: -h[0]):  # from the end, so each place stays put
            news[at:at] = words
        return news


# The board's notes, said plainly for the page: "adviser 1's phone (+44...) busy" -> "Adviser 1's phone is busy."
PLAIN = {"is called through the REST API": "is called through Twilio's REST API",
         "voicemail answers": "is answered by its voicemail", "busy": "is busy",
         "no-answer": "rings out: nobody answered", "failed": "cannot be reached", "call ends": "is hung up",
         "stops ringing (cancelled)": "stops ringing: the line cancelled its call",
         "takes the caller out of the queue (<Dial><Queue>)": "takes the call: Twilio joins the caller to it"}
PERSON = ("presses", "is talking", "hangs up")  # what the adviser does, not the phone
NOTE = re.compile(r"(?P<who>.+?)'s phone \([^)]*\) (?P<what>.*)")


def plain(note: str) -> str:
    match = NOTE.fullmatch(note)
    if match:
        what = re.sub(r" \(rings at [\d.]+ s\)", "", match["what"])
        who = match["who"] if what.startswith(PERSON) else match["who"] + "'s phone"
        note = f"{who} {PLAIN.get(what, what)}"
    elif note.startswith("REST "):  # "REST POST /2010-04-01/...: Twilio's API cannot be reached"
        note = "The line asks Twilio to ring a phone: " + note.partition(": ")[2]
    return note[:1].upper() + note[1:] + ("" if note.endswith(".") else ".")


# -- The line's clock in the preview ----------------------------------------------------------

CLOCK_HEADER = "X-Preview-Clock"


def clock(settings: Settings, now: Callable[[], datetime] | None = None) -> Callable[[], datetime]:
    """The line's clock in the preview: `now` (the real time), or, when the page asks for it in
    the X-Preview-Clock header, the first moment from then at which advisers answer ("open") or
    do not ("closed"). So option 9 can be heard ringing, or closed, on any day."""
    real = now or (lambda: datetime.now(timezone.utc))

    def preview_now() -> datetime:
        t = real()
        wanted = request.headers.get(CLOCK_HEADER) if has_request_context() else None
        if wanted in ("open", "closed"):
            return first_time(settings, t, wanted == "open") or t
        return t
    return preview_now


def first_time(settings: Settings, start: datetime, open_: bool) -> datetime | None:
    """The first quarter hour from `start`, within eight days, when advisers are (or are not) answering."""
    t = start
    for _ in range(8 * 24 * 4):
        if is_open(settings, t) == open_:
            return t
        t += timedelta(minutes=15)
    return None
