"""The adviser side of `ivr call`: what each adviser's phone does, and the caller's wait, shown.

`--adviser off,answers-after=8` scripts the phones in ADVISER_NUMBERS, in order: the first is off,
the second answers after 8 s and presses 1. Twilio's part (the queue, the phones, the REST API)
is played by the switchboard stand-in (ivr/staff/switchboard.py) on its own clock, so a wait of a
minute shows at once. While the phones ring the caller can press star: give it as the next key
(`--keys 9,*`), or type it when asked during a live call.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import click

from ..line import adviser
from ..line.outcomes import Outcome
from ..settings import DAYS, UK, Settings
from .phone import RINGING, Caller
from .phones import PHONES, Phone, parse_phone
from .switchboard import Switchboard

BEHAVIOURS = ", ".join(PHONES)
HELP = (f"What each adviser's phone does, in the order of ADVISER_NUMBERS, separated by commas: {BEHAVIOURS}; "
        "answers, declines and voicemail can take -after=SECONDS. For example: off,answers-after=8")
REMIND_SECONDS = 20  # a live call asks again this often while the phones ring
LONGEST_WAIT = 900   # seconds on the switchboard's clock: a wait never runs longer than this here


def parse(text: str) -> list[Phone]:
    try:
        return [parse_phone(part) for part in text.split(",")]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--adviser")


def hours_text(settings: Settings) -> str:
    return "; ".join(f"{'-'.join(DAYS[d].title() for d in (o.days[0], o.days[-1])) if len(o.days) > 1 else DAYS[o.days[0]].title()}"
                     f" {o.opens:%H:%M}-{o.closes:%H:%M}" for o in settings.hours) or "none"


def next_open(settings: Settings, now: datetime) -> datetime | None:
    """The next time advisers answer (to suggest for --at), within a fortnight."""
    local = now.astimezone(UK)
    for day in range(15):
        date = (local + timedelta(days=day)).date()
        for opening in sorted(settings.hours, key=lambda o: o.opens):
            start = datetime.combine(date, opening.opens, tzinfo=UK)
            if start >= local.replace(second=0, microsecond=0) and adviser.is_open(settings, start):
                return start
    return None


def cannot_apply(settings: Settings | None, now: datetime | None, remote: bool) -> str | None:
    """Why --adviser would change nothing on this call, in plain words; None when it applies."""
    if remote:
        return ("--adviser does not apply to a running line: it rings its advisers through Twilio itself. "
                "Leave out the URL to ring the line in this terminal, where the phones can be scripted.")
    if not settings.advisers:
        return "--adviser has nothing to do: ADVISER_NUMBERS is empty, so pressing 9 gives the helpline number."
    why = adviser.unavailable(settings, now)
    if why is None:
        return None
    local = now.astimezone(UK)
    reason = (f"{local:%A %d %B} is a closed day (ADVISER_CLOSED_DAYS)" if why is Outcome.CLOSED_DAY else
              f"it is {local:%A %H:%M} UK time, outside ADVISER_HOURS ({hours_text(settings)})")
    opens = next_open(settings, now)
    suggestion = (f" Add --at '{opens:%Y-%m-%d %H:%M}' to call when advisers answer." if opens else
                  " ADVISER_HOURS gives no time when advisers answer.")
    return f"--adviser does not apply now: {reason}, so nobody's phone rings.{suggestion}"


@dataclass
class Advisers:
    """The phones, scripted on the board, and how the caller's wait is shown."""
    board: Switchboard
    echo: Callable[[str], None]
    phones: list[Phone] | None = None  # None: ask when the phones first ring (a live call)
    live: bool = False                 # a live call: ask the caller what to do while it rings
    pending: list[str] = field(default_factory=list)  # scripted keys still to come (a star is pressed while it rings)
    numbers: tuple[str, ...] = ()      # ADVISER_NUMBERS of the line rung in-process

    def script(self, numbers: tuple[str, ...]) -> None:
        phones = self.phones or []
        if len(phones) > len(numbers):
            raise click.BadParameter(f"it gives {len(phones)} behaviours, but ADVISER_NUMBERS has {len(numbers)} "
                                     f"phone{'s' * (len(numbers) != 1)}", param_hint="--adviser")
        for i, number in enumerate(numbers):
            self.board.script(number, phones[i] if i < len(phones) else Phone("no-answer"), name=f"adviser {i + 1}")
        if phones and len(phones) < len(numbers):
            rest = (f"Adviser {len(numbers)} does not" if len(phones) + 1 == len(numbers) else
                    f"Advisers {len(phones) + 1} to {len(numbers)} do not")
            self.echo(f"({rest} answer: --adviser gave {len(phones)} behaviour{'s' * (len(phones) != 1)}.)")

    def choose(self, numbers: tuple[str, ...]) -> None:
        while self.phones is None:
            text = click.prompt(f"The advisers' phones ring. What does each do? ({BEHAVIOURS}; one for each "
                                "of the advisers, separated by commas)", default="answers")
            try:
                self.phones = parse(text)
                self.script(numbers)
            except click.BadParameter as exc:
                self.phones = None
                click.echo(exc.format_message())

    def wait(self, caller: Caller, numbers: tuple[str, ...]) -> None:
        """The caller waits while the phones ring: run Twilio's part until the wait is over."""
        if self.phones is None and self.live:
            self.choose(numbers)
        board = self.board
        view = View(self.echo, board, caller)
        ends = board.now + LONGEST_WAIT
        asked = None
        while board.now < ends:
            board.advance(1)
            view.show(final=not board.holds(caller))
            if not board.holds(caller) or caller.ended:
                return
            if not view.ringing:
                continue  # star works from the first word; it is offered once the ringing is heard
            if self.pending and self.pending[0] == "*":
                self.pending.pop(0)
                self.press(caller, "*", view)
            elif self.live and (asked is None or board.now - asked >= REMIND_SECONDS):
                asked = board.now
                typed = click.prompt("(It rings. Enter to keep waiting, * and Enter to stop waiting, q to hang up)",
                                     default="", show_default=False).strip().lower()
                if typed in ("q", "quit"):
                    self.echo("(You hang up.)")
                    caller.hang_up()
                    view.show(final=True)
                    return
                for key in typed:
                    self.press(caller, key, view)

    def press(self, caller: Caller, key: str, view: View) -> None:
        self.echo(f"You press {key}.")
        caller.press(key)
        view.show(final=not self.board.holds(caller))


class View:
    """Prints, as they come, what the caller hears, what each phone hears and what happens."""

    def __init__(self, echo, board: Switchboard, caller: Caller):
        self.echo, self.board, self.caller = echo, board, caller
        self.heard, self.events = len(caller.heard), len(board.happened)
        self.phones = {id(leg): len(leg.heard) for leg in board.legs()}
        self.ringing = False

    def show(self, final: bool) -> None:
        caller, board = self.caller, self.board
        # The document the caller ends on is shown by the rest of `ivr call`.
        upto = len(caller.heard) - (len(caller.last) if final and not caller.ended else 0)
        for words in caller.heard[self.heard:upto]:
            if words == RINGING or words == "Still ringing.":
                if not self.ringing:
                    self.echo("(You hear ringing.)")
                self.ringing = True
            else:
                self.echo(f"Line: {words}")
        self.heard = max(self.heard, upto)
        for at, what in board.happened[self.events:]:
            if "presses" in what and what.startswith("the caller"):
                continue
            self.echo(f"({at:.0f} s: {what})")
        self.events = len(board.happened)
        for leg in board.legs():
            new = leg.heard[self.phones.get(id(leg), 0):]
            if new:
                self.echo(f"({board.names.get(leg.to, leg.to)}'s phone hears: {' '.join(new)})")
            self.phones[id(leg)] = len(leg.heard)
