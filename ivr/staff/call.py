"""`ivr call`: a phone in the terminal. Rings the line as Twilio would and shows what it says.

With a URL it rings a running server; without one it runs the line in-process, from this
computer's settings and content, so staff can try an edit before anything is deployed.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Callable

import click
import requests

from ..line.content import ContentError
from . import callertime
from .adviser_call import HELP as ADVISER_HELP, Advisers, cannot_apply, parse as parse_advisers
from .listening import WORDS_PER_MINUTE
from .inprocess import local_app
from .keypad import KEYS, SILENCE, Keypad, terminal_keypad
from .phone import Caller, CallEnded, Remote, audio_words
from .switchboard import Switchboard
from ..settings import UK, SettingsError

Echo = Callable[[str], None]


def parse_keys(text: str) -> list[str]:
    """'1,,#' or '1,wait,#' -> ['1', '', '#']: an empty key or 'wait' is a silence."""
    keys = []
    for raw in text.split(","):
        key = raw.strip().lower()
        if key in ("", "wait"):
            keys.append(SILENCE)
        elif key in KEYS and len(key) == 1:
            keys.append(key)
        else:
            raise click.BadParameter(f"'{raw}' is not a key. Use 0-9, * or #, and an empty key "
                                     "or 'wait' to stay silent, like --keys 1,,#", param_hint="--keys")
    return keys


class Earpiece:
    """What the caller hears: the line's words on screen (at speaking speed when pacing), and its
    built audio through the speakers when there is a player. With a keypad, a key pressed while
    a keypad listens (as in Twilio's <Gather>) cuts the speech short, and q hangs up at once."""

    def __init__(self, echo: Echo, pace: bool = False, player: list[str] | None = None,
                 keypad: Keypad | None = None, clock: callertime.Clock | None = None):
        self.echo, self.pace, self.player, self.keypad = echo, pace, player, keypad
        # --timed: when each prompt starts, for a caller who hears each document to its end
        # (the model `ivr check` and bench/caller_time.py use)
        self.clock, self.timeline = clock, callertime.Timeline()

    def said(self, words: str) -> str:
        return f"[{self.timeline.now:5.1f} s] Line: {words}" if self.clock else f"Line: {words}"

    def speak(self, caller: Caller) -> None:
        for verb in caller.doc:
            in_keypad = verb.tag == "Gather"
            for element in verb.iter():
                if element.tag in ("Say", "Play"):
                    if self.cut(in_keypad) or self.one(caller, element, in_keypad):
                        return

    def cut(self, in_keypad: bool) -> bool:
        return self.keypad is not None and self.keypad.cuts(in_keypad)

    def hanging_up(self) -> bool:
        return self.keypad is not None and self.keypad.hanging_up()

    def one(self, caller: Caller, element: ET.Element, in_keypad: bool = False) -> bool:
        """Say one prompt; True if a key cut it short."""
        words = caller.speech(element)
        audio = element.tag == "Play" and self.player
        if self.pace and not audio:
            cut = self.typewriter(words, in_keypad)
        else:
            self.echo(self.said(words))
            cut = False
        if self.clock:
            self.timeline.hear([self.clock.heard(element)])
        return cut or (bool(audio) and self.play(caller, (element.text or "").strip(), in_keypad))

    def play(self, caller: Caller, url: str, in_keypad: bool = False) -> bool:
        """Audio the line serves itself is fetched through the caller (an in-process line has no
        address ffplay could reach); any other URL ffplay fetches. A failure only means the words
        were shown, not heard. True if a key stopped it."""
        data = served_audio(caller, url)
        player = subprocess.Popen([*self.player, "pipe:0" if data else url],
                                  stdin=subprocess.PIPE if data else subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sending = data
        while True:
            try:
                player.communicate(sending, timeout=0.05)
                return False
            except subprocess.TimeoutExpired:
                sending = None  # communicate goes on sending what it was given
            if self.cut(in_keypad):
                player.kill()
                player.wait()
                return True

    def typewriter(self, words: str, in_keypad: bool = False) -> bool:
        click.echo("Line:", nl=False)
        for word in words.split():
            if self.cut(in_keypad):
                click.echo(" ...")
                return True
            click.echo(f" {word}", nl=False)
            sys.stdout.flush()
            time.sleep(60 / WORDS_PER_MINUTE)
        click.echo()
        return False


def served_audio(caller: Caller, url: str) -> bytes | None:
    if url.startswith(caller.base_url + "/"):
        url = url.removeprefix(caller.base_url)
    if isinstance(caller.client, Remote) or not url.startswith("/"):
        return None
    response = caller.client.get(url)  # a path: the local preview serves its audio itself
    return response.data if response.status_code == 200 else None


def find_player() -> list[str] | None:
    path = shutil.which("ffplay")
    return [path, "-nodisp", "-autoexit", "-loglevel", "quiet"] if path else None


def move(caller: Caller, key: str, earpiece: Earpiece) -> None:
    """One thing the caller does: a key, or silence until the line moves on."""
    if key == SILENCE:
        earpiece.echo("(You stay silent.)")
        earpiece.timeline.stay(int(caller.gather().get("timeout", "5")))
        caller.wait()
    else:
        earpiece.echo(f"You press {key}.")
        earpiece.timeline.press()
        caller.press(key)


def follow(caller: Caller, advisers: Advisers, earpiece: Earpiece) -> None:
    """Speak what the line said, then do what Twilio does next without the caller: the wait while
    advisers' phones ring, or fetch the next document for a <Redirect> that no keypad precedes."""
    earpiece.speak(caller)
    while not caller.ended and not earpiece.hanging_up():
        verbs = {el.tag: el for el in reversed(list(caller.doc))}  # the first of each verb
        if "Enqueue" in verbs or "Dial" in verbs:
            advisers.wait(caller, advisers.numbers)
        elif "Redirect" in verbs and "Gather" not in verbs:
            caller.post(verbs["Redirect"].text)
        else:
            break
        earpiece.speak(caller)
    if caller.ended:
        earpiece.echo("(The line hangs up.)")


def scripted(caller: Caller, keys: list[str], advisers: Advisers, earpiece: Earpiece) -> None:
    advisers.pending = keys = list(keys)  # a star while the phones ring is pressed then, not after
    caller.dial()
    follow(caller, advisers, earpiece)
    while keys:
        if caller.ended:
            return
        move(caller, keys.pop(0), earpiece)
        follow(caller, advisers, earpiece)
    if not caller.ended:
        earpiece.echo("(You hang up.)")


def interactive(caller: Caller, advisers: Advisers, earpiece: Earpiece, keypad: Keypad) -> None:
    """A call from the keyboard: keys count as they are typed, even while the line speaks."""
    advisers.live, advisers.keypad = True, keypad
    enter = "" if keypad.raw else " and Enter"
    click.echo(f"Press a key (0-9, * or #){enter} at any time, even while the line speaks. "
               "Enter alone stays silent; q hangs up.\n")
    earpiece.keypad = keypad
    caller.dial()
    follow(caller, advisers, earpiece)
    while not caller.ended:
        key = keypad.next()
        if key == Keypad.QUIT:
            click.echo("(You hang up.)")
            return
        if key != SILENCE and key not in KEYS:
            click.echo("That is not a key on a phone: use 0-9, * or #.")
            continue
        move(caller, key, earpiece)
        follow(caller, advisers, earpiece)


def in_process(at: datetime | None) -> Caller:
    """A caller wired to the app built from this computer's settings, as the local preview, with
    Twilio's part (queues, advisers' phones, the REST API) played by the switchboard stand-in."""
    board = Switchboard.for_preview(start=at or datetime.now(UK))
    app = local_app(**board.preview_config())
    board.connect(app.test_client())
    board.lookup = play_lookup(app)
    return board.caller()


def play_lookup(app) -> Callable[[str], str | None]:
    """URL of built audio -> the words it says, for every prompt this line has audio for."""
    return audio_words(app.extensions["ivr"])


def local_lookup() -> Callable[[str], str | None] | None:
    """For a remote line, the words of its audio as this computer's copy knows them (if it can)."""
    try:
        return in_process(None).lookup
    except (SettingsError, ContentError):
        return None


@click.command("call")
@click.argument("url", required=False)
@click.option("--keys", help="Press these keys in turn and print what was said, e.g. 1,2,#. "
              "An empty key (1,,#) or 'wait' stays silent.")
@click.option("--adviser", "phones", metavar="BEHAVIOURS",
              help=ADVISER_HELP + ". A live call asks; --keys assumes every adviser answers.")
@click.option("--api", type=click.Choice(["ok", "down", "refuses", "rate-limited", "slow"]), default="ok",
              show_default=True, help="How Twilio's REST API behaves when the line rings advisers (in-process).")
@click.option("--at", type=click.DateTime(["%Y-%m-%d %H:%M"]),
              help="Pretend it is this UK date and time, e.g. '2026-12-25 10:00' (in-process only).")
@click.option("--public-url", help="The address the server believes it has (its PUBLIC_BASE_URL), "
              "if not the URL you ring.")
@click.option("--auth-token", envvar="TWILIO_AUTH_TOKEN", default="", show_default=False,
              help="Sign requests with this token (default: TWILIO_AUTH_TOKEN).")
@click.option("--fast", is_flag=True, help="Show each prompt at once instead of at speaking speed.")
@click.option("--play/--no-play", default=None, help="Play built audio through the speakers "
              "(default: yes, for a live call with ffplay installed).")
@click.option("--timed", is_flag=True, help="Show how far into the call each prompt starts, as `ivr check` "
              "times it (in-process only).")
def call(url, keys, phones, api, at, public_url, auth_token, fast, play, timed):
    """Ring the line and hear it, in this terminal.

    Without URL the line runs inside this command, from this computer's settings and content.
    With URL (like http://localhost:8000) it rings a running line.

    While advisers' phones ring, star stops waiting: --keys 9,* presses it then.
    """
    script = parse_keys(keys) if keys is not None else None
    scripts = parse_advisers(phones) if phones else None
    play = play if play is not None else script is None
    if timed and url:
        raise click.UsageError("--timed only works without a URL: it times the line on this computer.")
    earpiece = Earpiece(click.echo, pace=script is None and not fast and not timed,
                        player=find_player() if play else None)
    try:
        caller = connect(url, at, public_url, auth_token)
        advisers = adviser_side(caller, scripts, api, remote=url is not None, live=script is None)
        if timed:
            earpiece.clock = callertime.Clock(caller.client.application.extensions["ivr"])
        if script is None:
            with terminal_keypad() as keypad:
                interactive(caller, advisers, earpiece, keypad)
        else:
            scripted(caller, script, advisers, earpiece)
    except (SettingsError, ContentError) as exc:
        raise click.ClickException(f"The line cannot start, so it cannot be called.\n{exc}")
    except requests.ConnectionError:
        raise click.ClickException(f"Nothing answers at {url}. Is the line running? Start it with `scripts/run` "
                                   "in the line's folder, or ring the line inside this command: leave out the URL.")
    except CallEnded as exc:
        click.echo(f"(The call ended: {exc}.)")
    except AssertionError as exc:
        raise click.ClickException(f"The line answered something a phone cannot follow: {exc}. "
                                   "If it says 403, the auth token or --public-url does not match the server's.")


def connect(url: str | None, at: datetime | None, public_url: str | None, auth_token: str) -> Caller:
    if url is None:
        return in_process(at.replace(tzinfo=UK) if at else None)
    if at is not None:
        raise click.UsageError("--at only works without a URL: a running line keeps its own clock.")
    # A running line's queue pages are followed here; its advisers are rung by Twilio itself.
    board = Switchboard(Remote(url), (public_url or url).rstrip("/"), auth_token=auth_token)
    board.lookup = local_lookup()
    return board.caller()


def adviser_side(caller: Caller, phones, api: str, remote: bool, live: bool) -> Advisers:
    """The advisers' phones for this call (a scripted call: all answer unless told), and a plain
    note when --adviser cannot apply."""
    board = caller.board
    board.api = api
    service = None if remote else board.client.application.extensions["ivr"]
    numbers = service.settings.advisers if service else ()
    if phones or api != "ok":
        note = cannot_apply(service.settings if service else None, board.clock(), remote)
        if note:
            click.echo(f"({note})")
    if phones is None and not live:
        phones = parse_advisers(",".join(["answers"] * len(numbers))) if numbers else None
    advisers = Advisers(board, click.echo, phones, numbers=numbers)
    if phones and numbers:
        advisers.script(numbers)
    return advisers
