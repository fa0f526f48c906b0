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

from ..line import adviser as adviser_mod
from ..line.content import ContentError
from . import callertime
from .listening import WORDS_PER_MINUTE
from .inprocess import local_app
from .phone import SERVICE, Caller, CallEnded, Remote, audio_words
from ..settings import UK, SettingsError

OUTCOMES = ("answered", "no-answer", "busy", "failed", "declined")
KEYS = "0123456789*#"
SILENCE = ""  # a scripted "key" that means: press nothing until the line moves on

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
    built audio through the speakers when there is a player."""

    def __init__(self, echo: Echo, pace: bool = False, player: list[str] | None = None,
                 clock: callertime.Clock | None = None):
        self.echo, self.pace, self.player = echo, pace, player
        # --timed: when each prompt starts, for a caller who hears each document to its end
        # (the model `ivr check` and bench/caller_time.py use)
        self.clock, self.timeline = clock, callertime.Timeline()

    def said(self, words: str) -> str:
        return f"[{self.timeline.now:5.1f} s] Line: {words}" if self.clock else f"Line: {words}"

    def speak(self, caller: Caller) -> None:
        for element in caller.doc.iter():
            if element.tag in ("Say", "Play"):
                self.one(caller, element)

    def one(self, caller: Caller, element: ET.Element) -> None:
        words = caller.speech(element)
        audio = element.tag == "Play" and self.player
        if self.pace and not audio:
            self.typewriter(words)
        else:
            self.echo(self.said(words))
        if self.clock:
            self.timeline.hear([self.clock.heard(element)])
        if audio:
            self.play(caller, (element.text or "").strip())

    def play(self, caller: Caller, url: str) -> None:
        """Audio the line serves itself is fetched through the caller (an in-process line has no
        address ffplay could reach); any other URL ffplay fetches. A failure only means the words
        were shown, not heard."""
        data = served_audio(caller, url)
        subprocess.run([*self.player, "pipe:0" if data else url], input=data, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def typewriter(self, words: str) -> None:
        click.echo("Line:", nl=False)
        for word in words.split():
            click.echo(f" {word}", nl=False)
            sys.stdout.flush()
            time.sleep(60 / WORDS_PER_MINUTE)
        click.echo()


def served_audio(caller: Caller, url: str) -> bytes | None:
    if isinstance(caller.client, Remote) or not url.startswith(caller.base_url + "/"):
        return None
    response = caller.client.get(url.removeprefix(caller.base_url))
    return response.data if response.status_code == 200 else None


def find_player() -> list[str] | None:
    path = shutil.which("ffplay")
    return [path, "-nodisp", "-autoexit", "-loglevel", "quiet"] if path else None


def adviser_leg(caller: Caller, outcome: str, earpiece: Earpiece) -> None:
    """Play out the <Dial> as Twilio would for `outcome`, including the adviser's whisper."""
    echo = earpiece.echo
    echo("(The advisers' phones ring.)")
    if outcome not in ("answered", "declined"):
        echo(f"(Twilio reports: {outcome}.)")
        caller.dial_ends(outcome)
        return
    leg = caller.dial_element()[0]  # every adviser hears the same whisper; the first one answers
    phone = Caller(caller.client, caller.base_url, caller.auth_token, from_number=SERVICE,
                   call_sid="CA" + "2" * 32, lookup=caller.lookup)
    phone.post(leg.get("url"), CallStatus="in-progress")
    echo("Adviser's phone hears: " + " ".join(phone.speech(el) for el in phone.gather()))
    key = adviser_mod.ACCEPT_KEY if outcome == "answered" else "2"
    phone.press(key)
    echo(f"(The adviser presses {key}.)")
    if outcome == "answered":
        echo("(You talk to the adviser. Then the adviser hangs up.)")
    caller.dial_ends("completed" if outcome == "answered" else "no-answer", bridged=outcome == "answered")


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


def follow(caller: Caller, outcome: Callable[[], str], earpiece: Earpiece) -> None:
    """Speak what the line said, then do what Twilio does next without the caller: ring the
    advisers for a <Dial>, or fetch the next document for a <Redirect> that no keypad precedes."""
    earpiece.speak(caller)
    while not caller.ended:
        verbs = {el.tag: el for el in reversed(list(caller.doc))}  # the first of each verb
        if "Dial" in verbs:
            adviser_leg(caller, outcome(), earpiece)
        elif "Redirect" in verbs and "Gather" not in verbs:
            caller.post(verbs["Redirect"].text)
        else:
            break
        earpiece.speak(caller)
    if caller.ended:
        earpiece.echo("(The line hangs up.)")


def scripted(caller: Caller, keys: list[str], outcome: str, earpiece: Earpiece) -> None:
    caller.dial()
    follow(caller, lambda: outcome, earpiece)
    for key in keys:
        if caller.ended:
            return
        move(caller, key, earpiece)
        follow(caller, lambda: outcome, earpiece)
    if not caller.ended:
        earpiece.echo("(You hang up.)")


def interactive(caller: Caller, outcome: str | None, earpiece: Earpiece) -> None:
    choose = (lambda: outcome) if outcome else (
        lambda: click.prompt("The advisers are ringing. What happens?", type=click.Choice(OUTCOMES),
                             default="answered"))
    click.echo("Type a key (0-9, * or #) and Enter. Enter alone stays silent; q hangs up.\n")
    caller.dial()
    follow(caller, choose, earpiece)
    while not caller.ended:
        typed = click.prompt("Your key", default="", show_default=False).strip().lower()
        if typed in ("q", "quit"):
            click.echo("(You hang up.)")
            return
        if typed and set(typed) - set(KEYS):
            click.echo("That is not a key on a phone: use 0-9, * or #.")
            continue
        for key in list(typed) or [SILENCE]:
            move(caller, key, earpiece)
            follow(caller, choose, earpiece)
            if caller.ended:
                break


def in_process(at: datetime | None) -> Caller:
    """A caller wired to the app built from this computer's settings, in development mode."""
    app = local_app(**({"CLOCK": lambda: at} if at is not None else {}))
    settings = app.extensions["ivr"].settings
    # Without PUBLIC_BASE_URL a development line answers at whatever address it is called on.
    base = settings.public_base_url or "http://localhost"
    return Caller(app.test_client(), base, settings.auth_token, lookup=play_lookup(app))


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
@click.option("--adviser", "outcome", type=click.Choice(OUTCOMES),
              help="What happens when the advisers' phones ring (a live call asks; --keys assumes answered).")
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
def call(url, keys, outcome, at, public_url, auth_token, fast, play, timed):
    """Ring the line and hear it, in this terminal.

    Without URL the line runs inside this command, from this computer's settings and content.
    With URL (like http://localhost:8000) it rings a running line.
    """
    script = parse_keys(keys) if keys is not None else None
    play = play if play is not None else script is None
    if timed and url:
        raise click.UsageError("--timed only works without a URL: it times the line on this computer.")
    earpiece = Earpiece(click.echo, pace=script is None and not fast and not timed,
                        player=find_player() if play else None)
    try:
        caller = connect(url, at, public_url, auth_token)
        if timed:
            earpiece.clock = callertime.Clock(caller.client.application.extensions["ivr"])
        if script is None:
            interactive(caller, outcome, earpiece)
        else:
            scripted(caller, script, outcome or "answered", earpiece)
    except (SettingsError, ContentError) as exc:
        raise click.ClickException(f"The line cannot start, so it cannot be called.\n{exc}")
    except requests.ConnectionError:
        raise click.ClickException(f"Nothing answers at {url}. Is the line running? Start it with `ivr serve`.")
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
    return Caller(Remote(url), (public_url or url).rstrip("/"), auth_token, lookup=local_lookup())
