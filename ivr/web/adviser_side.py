"""The advisers' side of option 9 for the browser phone: what Twilio would do with the advisers'
legs of a <Dial>, played out on a virtual clock for an outcome the person chose, and the clock
the line reads in the preview (so "out of hours" can be heard on any day).

The seam. The page knows only the outcomes (`OUTCOMES`) and how to follow a `Plan`: what the
caller hears while waiting, what happens on the advisers' side and when, and the request
Twilio then makes for the caller. `play` makes the plan for today's <Dial>; a player built on
the switchboard (REST-API legs, the caller in an <Enqueue>) can stand behind the same route,
`/phone/advisers` in phone.py, without the page changing.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import urljoin

from flask import has_request_context, request

from ..line.adviser import is_open
from ..settings import Settings


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    clock: str | None = None  # ask the line again at a time advisers are "open" or "closed"


OUTCOMES = (
    Outcome("answered", "An adviser answers and presses 1"),
    Outcome("no-answer", "Nobody answers"),
    Outcome("voicemail", "The adviser's voicemail answers"),
    Outcome("busy", "The adviser's phone is busy"),
    Outcome("switched-off", "The adviser's phone is switched off"),
    Outcome("out-of-hours", "It is outside adviser hours", clock="closed"),
)

# Seconds after the phones start ringing. A machine answers faster than a person (CALLERS.md):
# a phone that is off goes to the network's voicemail at once; one set to divert does so later.
ANSWERS_AFTER = {"answered": 6.0, "voicemail": 15.0, "switched-off": 2.0}
BUSY_AFTER = 1.0
PRESS_AFTER = 1.0  # the adviser presses 1 a second after the whisper ends
TALK_SECONDS = 5.0  # nobody is there in the preview: the "adviser" hangs up after this
WORDS_PER_SECOND = 2.4  # for words with no recorded audio, as the line would speak them
DIAL_TIMEOUT = 30  # Twilio's default <Dial timeout>
LEG_SID = "CA" + "d" * 32
MAX_DOCUMENTS = 10  # an adviser leg that redirects for ever is cut short, not followed for ever


@dataclass(frozen=True)
class Step:
    """A request Twilio makes for the caller: the URL, method and form fields."""
    url: str
    method: str
    params: dict[str, str]


@dataclass(frozen=True)
class Event:
    at: float  # seconds after the ringing starts
    text: str


@dataclass
class Plan:
    ring: float  # seconds the caller hears ringing
    talk: float = 0.0  # then seconds joined to an adviser
    events: list[Event] = field(default_factory=list)
    next: Step | None = None  # what Twilio requests when it is over (None: the document goes on)
    on_star: Step | None = None  # what it requests if the caller presses star while it rings

    def as_dict(self) -> dict:
        step = lambda s: s and {"url": s.url, "method": s.method, "params": s.params}  # noqa: E731
        return {"ring": self.ring, "talk": self.talk, "events": [{"at": e.at, "text": e.text} for e in self.events],
                "next": step(self.next), "on_star": step(self.on_star)}


Fetch = Callable[[str, str, dict], ET.Element]  # (url, method, form) -> the TwiML document
Speech = Callable[[ET.Element], tuple[str, float]]  # <Say> or <Play> -> (its words, its seconds)


def play(dial: ET.Element, document_url: str, outcome: str, fetch: Fetch, speech: Speech) -> Plan:
    """Play out `dial` (a <Dial> the line sent from `document_url`) as Twilio would for `outcome`."""
    timeout = float(dial.get("timeout") or DIAL_TIMEOUT)

    def ended(status: str, bridged: bool = False, talked: float = 0.0) -> Step | None:
        # Twilio's <Dial action> fields (twiml/dial#action); without an action it goes on with the document.
        if not dial.get("action"):
            return None
        params = {"CallStatus": "in-progress", "DialCallStatus": status, "DialCallSid": LEG_SID,
                  "DialBridged": "true" if bridged else "false"}
        if bridged:
            params["DialCallDuration"] = str(round(talked))
        return Step(urljoin(document_url, dial.get("action")), dial.get("method", "POST").upper(), params)

    # Star while it rings ends the <Dial> before anyone is joined. Twilio documents hangupOnStar for a
    # joined call; for a ringing one it names no status, so "canceled" (ended before an answer) is used.
    star = ended("canceled") if dial.get("hangupOnStar") == "true" else None
    legs = [n for n in dial if n.tag in ("Number", "Sip", "Client")]
    answers = ANSWERS_AFTER.get(outcome)
    if outcome == "busy":
        return Plan(BUSY_AFTER, events=[Event(BUSY_AFTER, "The adviser's phone is busy.")],
                    next=ended("busy"), on_star=star)
    if answers is None or answers >= timeout or not legs:
        return Plan(timeout, events=[Event(timeout, f"Nobody answered within {timeout:g} seconds.")],
                    next=ended("no-answer"), on_star=star)
    first = {"answered": "An adviser answers.", "voicemail": "The adviser's voicemail answers.",
             "switched-off": "The phone is switched off, so the network's voicemail answers."}[outcome]
    leg = Leg(fetch, speech, answers, [Event(answers, first)], press="1" if outcome == "answered" else None)
    bridged = leg.run(_leg_url(legs[0], document_url), legs[0].get("method", "POST"),
                      {"From": dial.get("callerId", ""), "To": (legs[0].text or "").strip()})
    if not bridged:  # hung up during screening: Twilio reports completed, not bridged (adviser.py)
        leg.events.append(Event(leg.t, "Nobody pressed 1, so the call was not joined: a voicemail never "
                                       "takes a caller."))
        return Plan(leg.t, events=leg.events, next=ended("completed"), on_star=star)
    leg.events += [Event(leg.t, "You are joined to the adviser. In this preview nobody is there, "
                                "so the adviser hangs up after a few seconds."),
                   Event(leg.t + TALK_SECONDS, "The adviser hangs up.")]
    return Plan(leg.t, TALK_SECONDS, leg.events, next=ended("completed", True, TALK_SECONDS),
                on_star=star)


def _leg_url(noun: ET.Element, document_url: str) -> str | None:
    url = noun.get("url")
    return urljoin(document_url, url) if url else None


@dataclass
class Leg:
    """One adviser's phone, following the screening documents the line sends it."""
    fetch: Fetch
    speech: Speech
    t: float  # seconds on the virtual clock: when this phone answered, then as it goes on
    events: list[Event]
    press: str | None  # the key the adviser presses at the first keypad, or None (a voicemail)

    def run(self, url: str | None, method: str, fields: dict) -> bool:
        """Whether the call is joined: Twilio joins it when the screening document ends without <Hangup>."""
        if url is None:
            return True  # no screening document: answering joins the call
        fields = {"CallSid": LEG_SID, "CallStatus": "in-progress", "Direction": "outbound-dial", **fields}
        step = Step(url, method.upper(), {})
        for _ in range(MAX_DOCUMENTS):
            outcome = self.follow(self.fetch(step.url, step.method, {**fields, **step.params}), step.url)
            if not isinstance(outcome, Step):
                return outcome
            step = outcome
        return False

    def follow(self, doc: ET.Element, url: str) -> Step | bool:
        """Play one document on this phone: the next request, True if it ended (joined), False if hung up."""
        for verb in doc:
            if verb.tag == "Gather":
                for nested in verb:
                    self.hear(nested)
                if self.press:
                    self.t += PRESS_AFTER
                    self.events.append(Event(self.t, f"The adviser presses {self.press}."))
                    key, self.press = self.press, None
                    return Step(urljoin(url, verb.get("action") or url), verb.get("method", "POST").upper(),
                                {"Digits": key})
                self.t += float(verb.get("timeout") or 5)  # no key: Twilio goes on with the next verb
                self.events.append(Event(self.t, "No key is pressed."))
            elif verb.tag == "Redirect":
                return Step(urljoin(url, (verb.text or "").strip()), verb.get("method", "POST").upper(), {})
            elif verb.tag == "Hangup":
                self.events.append(Event(self.t, "The line hangs up on that phone."))
                return False
            else:
                self.hear(verb)
        return True

    def hear(self, verb: ET.Element) -> None:
        if verb.tag == "Pause":
            self.t += float(verb.get("length") or 1)
        elif verb.tag in ("Say", "Play"):
            words, seconds = self.speech(verb)
            self.events.append(Event(self.t, f"The adviser's phone hears: “{words}”"))
            self.t += seconds


def clock(settings: Settings, now: Callable[[], datetime] | None = None) -> Callable[[], datetime]:
    """The line's clock in the preview: the real time, or, when the page asks for it in the
    X-Preview-Clock header, the first moment from now at which advisers answer ("open") or
    do not ("closed"). So option 9 can be heard ringing, or closed, on any day."""
    real = now or (lambda: datetime.now(timezone.utc))

    def preview_now() -> datetime:
        t = real()
        wanted = request.headers.get(CLOCK_HEADER) if has_request_context() else None
        if wanted in ("open", "closed"):
            return first_time(settings, t, wanted == "open") or t
        return t
    return preview_now


CLOCK_HEADER = "X-Preview-Clock"


def first_time(settings: Settings, start: datetime, open_: bool) -> datetime | None:
    """The first quarter hour from `start`, within eight days, when advisers are (or are not) answering."""
    t = start
    for _ in range(8 * 24 * 4):
        if is_open(settings, t) == open_:
            return t
        t += timedelta(minutes=15)
    return None


def words_and_seconds(text: str) -> tuple[str, float]:
    return text, max(1.0, len(text.split()) / WORDS_PER_SECOND)
