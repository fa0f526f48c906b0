"""The keypad of `ivr call`: keys typed in the terminal, taken as a phone takes them.

A phone's key counts the moment it is pressed, even while the line speaks, so on a terminal
each key is read as it is typed (not at Enter) and queued, and `ivr call` asks the keypad
whether to stop speaking. From a pipe (a script of keys) a line is read only when the call
waits for a key, so nothing typed ahead cuts the speech.
"""
from __future__ import annotations

import os
import queue
import termios
import threading
import tty
from contextlib import contextmanager
from typing import Callable

import click

KEYS = "0123456789*#"
SILENCE = ""  # a "key" that means: press nothing until the line moves on


class Keypad:
    """The keys typed in the terminal, queued as they are typed, so that (as on a phone) a key
    cuts the line's speech short at once and q hangs up at once.

    On a terminal each key counts the moment it is pressed. From a pipe (a script of keys) a
    line is read only when the line waits for a key, so nothing typed ahead cuts the speech.
    Either way Enter alone is a silence (wait for the line to move on) and q hangs up.
    """
    QUIT = "q"

    def __init__(self, one_key_at_a_time: bool = False, lines: Callable[[], str] | None = None):
        self.raw = one_key_at_a_time
        self.lines = lines  # reads one line when a key is wanted ('' at the end); None: keys are pressed
        self.typed: queue.Queue[str] = queue.Queue()  # what was typed: single keys, or lines from a pipe
        self.pending: list[str] = []  # keys of a line already taken from the queue

    def press(self, typed: str) -> None:
        self.typed.put(typed)

    def _peek(self) -> str | None:
        if self.pending:
            return self.pending[0]
        try:
            typed = self.typed.get_nowait()
        except queue.Empty:
            return None
        self.pending = self._keys(typed)
        return self.pending[0]

    def _keys(self, typed: str) -> list[str]:
        text = typed.strip().lower()
        if text in ("q", "quit"):
            return [self.QUIT]
        if not text:
            return [SILENCE]
        if set(text) <= set(KEYS):
            return list(text)
        return [typed]  # not a key on a phone: the call loop says so

    def cuts(self, in_keypad: bool) -> bool:
        """Whether what was typed stops the speech now: q always, a key while the keypad listens."""
        if self.lines is not None:
            return False  # a script of keys is followed in turn
        first = self._peek()
        return first == self.QUIT or (in_keypad and first is not None and first != SILENCE and first in KEYS)

    def hanging_up(self) -> bool:
        return self.lines is None and self._peek() == self.QUIT

    def next(self) -> str:
        """The next key (or SILENCE, QUIT or something that is not a key), waiting for one if need be."""
        if self._peek() is None:
            self.pending = self._keys(self._wait())
        return self.pending.pop(0)

    def _wait(self) -> str:
        if self.lines is None:
            return self.typed.get()
        return self.lines() or self.QUIT  # the end of the input: like putting the phone down

    def ask(self, question: str, choices: tuple[str, ...], default: str) -> str:
        """A word typed and ended with Enter, for a question outside the call (what the advisers do)."""
        while True:
            click.echo(f"{question} ({'/'.join(choices)}) [{default}]: ", nl=False)
            answer = self._line().strip().lower() or default
            if answer in choices:
                return answer
            click.echo(f"Type one of: {', '.join(choices)}.")

    def _line(self) -> str:
        if self.pending:
            typed, self.pending = "".join(k for k in self.pending if k != SILENCE), []
            return typed
        if not self.raw:
            return self._wait()
        typed = ""
        while (char := self.typed.get()) not in ("\n", "\r"):
            click.echo(char, nl=False)  # keys are not echoed on a terminal: show the word being typed
            typed += char
        click.echo()
        return typed


@contextmanager
def terminal_keypad():
    """A Keypad fed from standard input: each key as it is pressed on a terminal, lines from a pipe."""
    stdin = click.get_text_stream("stdin")
    if not stdin.isatty():
        yield Keypad(lines=stdin.readline)
        return
    keypad, fd = Keypad(one_key_at_a_time=True), stdin.fileno()

    def read() -> None:
        for typed in iter(lambda: os.read(fd, 1).decode(errors="replace"), ""):
            keypad.press(typed)
        keypad.press(Keypad.QUIT)

    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)  # each key at once, and not echoed into the line's words
    threading.Thread(target=read, daemon=True).start()
    try:
        yield keypad
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
