"""The call flow: plain functions from (where the caller is, what they pressed) to TwiML.

Where the caller is travels in each URL (see `Where`), so any worker can answer any request.
Keys are the same everywhere: 1-4 guidance, 8 main menu, star back, hash again, 7 slower (or
back to the usual speed), 9 (or 0) an adviser. Every prompt sits inside a <Gather>, so a key
press interrupts it, and every <Gather> is followed by a <Redirect>, so silence replays the menu
and never ends the call.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping

from twilio.twiml.voice_response import Gather, VoiceResponse

from .content import GUIDANCE_KEYS, MAIN, Content, Menu, Prompt, Section
from .speech import RATES, Speaker

TIMEOUT_SECONDS = 6
MAX_MISSES = 9  # silences or wrong keys in a row; the count only decides what is said first
ADVISER_KEYS = ("9", "0")
MAIN_MENU_KEY, BACK_KEY, AGAIN_KEY, SPEED_KEY = "8", "*", "#", "7"
LINE_KEYS = frozenset((*GUIDANCE_KEYS, *ADVISER_KEYS, MAIN_MENU_KEY, BACK_KEY, AGAIN_KEY, SPEED_KEY))


@dataclass(frozen=True)
class Where:
    """Where a caller is in the call, as carried in the URL of every webhook."""
    node: str = MAIN
    misses: int = 0
    lang: str = "en-GB"
    rate: str = RATES[0]

    def query(self) -> dict[str, str]:
        return {"node": self.node, "misses": str(self.misses), "lang": self.lang, "rate": self.rate}

    @classmethod
    def from_query(cls, args: Mapping[str, str], contents: Mapping[str, Content], default_lang: str) -> "Where":
        """Read the URL's state, replacing anything unknown with a safe default.

        `args` is best a plain dict: werkzeug's MultiDict raises (and catches) an exception for
        each absent key, which a new call's URL, with no query at all, has four of.
        """
        lang = args.get("lang", default_lang)
        if lang not in contents:
            lang = default_lang
        node = args.get("node", MAIN)
        if contents[lang].node(node) is None:
            node = MAIN
        misses = args.get("misses", "0")
        if misses.isascii() and misses.isdigit():  # not "²" or "٣", which int() would refuse or read
            misses = MAX_MISSES if len(misses) > 2 else min(int(misses), MAX_MISSES)
        else:
            misses = 0
        rate = args.get("rate", RATES[0])
        return cls(node, misses, lang, rate if rate in RATES else RATES[0])


Link = Callable[..., str]  # link(endpoint, where, **extra) -> absolute URL


@dataclass(frozen=True)
class Line:
    """What the flow needs to answer one request: the content, a speaker and a way to link."""
    content: Content
    speaker: Speaker
    link: Link

    def phrase(self, key: str) -> Prompt:
        return self.content.prompt(f"phrase.{key}")

    def at_rate(self, rate: str) -> "Line":
        """The same line, speaking at another of the RATES."""
        return replace(self, speaker=replace(self.speaker, rate=rate))

    def keypad(self, where: Where, action: str = "voice.key", silence: str = "voice.silence",
               timeout: int = TIMEOUT_SECONDS) -> tuple[VoiceResponse, Gather]:
        """A document with an empty keypad (<Gather>) for prompts, then, on silence, a <Redirect>
        to `silence` with one more miss."""
        response = VoiceResponse()
        gather = response.gather(
            input="dtmf", num_digits=1, timeout=timeout,
            finish_on_key="",  # so hash reaches us as "hear again", not as an end-of-input key
            action=self.link(action, where), method="POST", action_on_empty_result=False)
        missed = replace(where, misses=min(where.misses + 1, MAX_MISSES))
        response.redirect(self.link(silence, missed), method="POST")
        return response, gather

    def gather(self, where: Where, prompts: list[Prompt], action: str = "voice.key",
               silence: str = "voice.silence") -> VoiceResponse:
        """Speak `prompts` with keys live throughout; on silence, go to `silence` with one more miss."""
        response, gather = self.keypad(where, action, silence)
        for prompt in prompts:
            self.speaker.add(gather, prompt)
        return response


def answer(line: Line, where: Where) -> VoiceResponse:
    """A new call: the safety message, then the main menu.

    The welcome has just offered an adviser and slower speech, so the menu after it does not
    offer them again: every second before the first choice counts (docs/benchmarks.md).
    """
    where = replace(where, node=MAIN, misses=0)
    return line.gather(where, [line.phrase("welcome"), *node_prompts(line, where, full=True, offers=False)])


def next_rate(rate: str) -> str:
    """Key 7: the next speech rate (with two, slower and back again)."""
    return RATES[(RATES.index(rate) + 1) % len(RATES)]


def node_prompts(line: Line, where: Where, full: bool, offers: bool = True) -> list[Prompt]:
    """What the caller hears at a node: a menu, or a section then its choices.

    `full=False` leaves out a section's guidance (after silence or a wrong key the caller
    hears the choices again, not the whole section). `offers=False` leaves out the adviser and
    the other speed, just offered by the welcome.
    """
    content = line.content
    node = content.node(where.node)
    out = [line.phrase("adviser_first")] if where.misses >= 2 else []
    if isinstance(node, Menu):
        out.append(content.prompt(f"menu.{node.id}"))
        out += [content.prompt(f"menu.{node.id}.{key}") for key in node.options]
        if node.id == MAIN and offers:  # the other speed is announced here only (and in the welcome)
            out.append(line.phrase("slower" if where.rate == RATES[0] else "usual_speed"))
    elif isinstance(node, Section) and full:
        out.append(content.prompt(f"section.{node.id}"))
    if where.node != MAIN:
        out.append(line.phrase("back"))
        if content.parent(where.node) != MAIN:
            out.append(line.phrase("main_menu"))
    if where.misses < 2 and offers:
        out.append(line.phrase("adviser"))
    out.append(line.phrase("again"))
    return out


def at_node(line: Line, where: Where, full: bool = True, before: tuple[Prompt, ...] = ()) -> VoiceResponse:
    return line.gather(where, [*before, *node_prompts(line, where, full)])


def plain_key(digits: str) -> str:
    """The key as the flow reads it: one of the line's keys, '' for none, '?' for anything else.

    Twilio sends one key; anything else (a forged or garbled request) is simply a wrong key.
    """
    key = digits.strip()
    return key if not key or key in LINE_KEYS else "?"


def keypress(line: Line, where: Where, digits: str) -> VoiceResponse:
    """The caller pressed a guidance key at `where`.

    9 and 0 never reach here: the webhook sends them to adviser.offer, which depends on the clock.
    """
    key = digits.strip()
    if not key:
        return silence(line, where)
    if key == SPEED_KEY:  # what was just said, again, at the other speed (and so on, until 7 again)
        rate = next_rate(where.rate)
        return at_node(line.at_rate(rate), replace(where, rate=rate, misses=0))
    to = next_node(line.content, where, key)
    if to is None:
        missed = replace(where, misses=min(where.misses + 1, MAX_MISSES))
        return at_node(line, missed, full=False, before=(line.phrase("wrong_key"),))
    return at_node(line, replace(where, node=to, misses=0))


def next_node(content: Content, where: Where, key: str) -> str | None:
    """Where a guidance key takes the caller (the same node for hash), or None if it does nothing here."""
    node = content.node(where.node)
    if key in (AGAIN_KEY, SPEED_KEY):  # the same place (7: at the other speed)
        return where.node
    if key == BACK_KEY:
        return content.parent(where.node)
    if key == MAIN_MENU_KEY:
        return MAIN
    if isinstance(node, Menu) and key in node.options:
        return node.options[key].go
    return None


def silence(line: Line, where: Where) -> VoiceResponse:
    """No key within the timeout: the same choices again (the URL already counts the miss)."""
    return at_node(line, where, full=False)


def error(line: Line, where: Where) -> VoiceResponse:
    """Something broke: calm words, the emergency advice and the adviser, never silence."""
    return line.gather(replace(where, misses=0), [line.phrase("error"), line.phrase("again")],
                       action="voice.key", silence="voice.silence")
